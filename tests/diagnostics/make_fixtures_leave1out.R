# Reference values for tests/diagnostics/test_leave1out_vs_metafor.py: metafor's leave1out(),
# influence() and baujat()
# for several data sets, estimators and tests. Run from this folder (as make fixtures does):
#   Rscript make_fixtures_leave1out.R     (metafor 3.8.1, metadat, jsonlite)
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
# metafor solves PM/PMM with uniroot(tol = control$tol) and ML/REML/EB to control$threshold:
# both tightened so the reference is exact
ctrl <- list(threshold = 1e-12, maxiter = 10000, tol = 1e-12)
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
norm <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
               data = dat.normand1999)
mol <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
hack <- dat.hackshaw1998
# one study far out (its deletion changes tau^2 a lot), and one that holds most of the weight
outl <- data.frame(yi = c(0.10, 0.25, 0.18, 0.05, 0.31, 0.22, 2.9, 0.15),
                   vi = c(0.02, 0.03, 0.015, 0.04, 0.025, 0.02, 0.03, 0.0004))
sets <- list(bcg = bcg, normand1999 = norm, molloy2014 = mol, hackshaw1998 = hack,
             bcg_first3 = bcg[1:3, ], outlier = outl)
out <- list()
for (nm in names(sets)) for (m in c("EE", "DL", "REML", "ML", "EB", "PM", "PMM")) for (tst in c("z", "knha")) {
  d <- sets[[nm]]
  r <- tryCatch(suppressWarnings(rma(yi, vi, data = d, method = m, test = tst, control = ctrl)),
                error = function(e) NULL)
  if (is.null(r)) next
  l <- suppressWarnings(leave1out(r))
  inf <- suppressWarnings(influence(r))
  b <- suppressWarnings(baujat(r, plot = FALSE))
  out[[length(out) + 1]] <- list(data = nm, method = m, test = tst, yi = as.numeric(d$yi), vi = as.numeric(d$vi),
    estimate = as.numeric(l$estimate), se = l$se, zval = if (is.null(l$zval)) l$tval else l$zval, pval = l$pval, ci_lb = l$ci.lb, ci_ub = l$ci.ub,
    QE = l$Q, QEp = l$Qp, tau2 = l$tau2, I2 = l$I2, H2 = l$H2,
    influence = list(rstudent = inf$inf$rstudent, dffits = inf$inf$dffits, cook_d = inf$inf$cook.d,
                     cov_r = inf$inf$cov.r, tau2_del = inf$inf$tau2.del, QE_del = inf$inf$QE.del,
                     hat = inf$inf$hat, weight = inf$inf$weight, dfbetas = inf$dfbs$intrcpt,
                     inf = as.logical(inf$is.infl)),
    baujat_x = b$x, baujat_y = b$y)
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "leave1out_metafor.json")
cat("wrote", length(out), "cases\n")
