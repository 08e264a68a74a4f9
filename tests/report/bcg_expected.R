# Expected values for tests/report/test_report_bcg.py (BCG vaccine trials, metadat dat.bcg).
# Run: Rscript tests/report/bcg_expected.R   (R 4.2.2, metafor 3.8.1, metadat 1.2.0)
# Iterative estimators are run to convergence (threshold 1e-12), as tests/reference does, so
# the comparison is at the project tolerances (tests/reference/tolerances.py).
suppressPackageStartupMessages(library(metafor))
ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
f <- function(label, x) cat(label, formatC(x, digits = 12, format = "g"), "\n")
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)

res <- rma(yi, vi, data = dat, control = ctrl)
f("b se zval pval ci.lb ci.ub", c(res$b, res$se, res$zval, res$pval, res$ci.lb, res$ci.ub))
f("tau2 se.tau2 I2 H2 QE QEp", c(res$tau2, res$se.tau2, res$I2, res$H2, res$QE, res$QEp))
p <- predict(res); f("pi.lb pi.ub", c(p$pi.lb, p$pi.ub))
p <- predict(res, transf = exp); f("exp: pred ci pi", c(p$pred, p$ci.lb, p$ci.ub, p$pi.lb, p$pi.ub))

groups <- c("random", "alternate", "systematic")
fits <- lapply(groups, function(g) rma(yi, vi, data = dat, subset = alloc == g, control = ctrl))
for (i in seq_along(groups)) {
  r <- fits[[i]]
  f(paste("subgroup", groups[i], "k b tau2 exp(b)"), c(r$k, r$b, r$tau2, exp(r$b)))
}
between <- rma(sapply(fits, coef), sei = sapply(fits, function(r) r$se),
               mods = ~ groups, method = "FE")
f("Q_between p_between", c(between$QM, between$QMp))

for (m in c("DL", "PM", "EE")) {
  r <- rma(yi, vi, data = dat, method = m, control = ctrl)
  f(paste(m, "b ci.lb ci.ub tau2"), c(r$b, r$ci.lb, r$ci.ub, r$tau2))
}
f("participants", sum(with(dat.bcg, tpos + tneg + cpos + cneg)))
