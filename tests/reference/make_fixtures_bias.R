# Reference values for small-study / publication-bias methods, from metafor 3.8.1.
# Run from tests/reference: Rscript make_fixtures_bias.R  (writes bias.json)
suppressMessages({library(metafor); library(jsonlite)})
ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
sets <- list(
  bcg_RR = escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg),
  hackshaw = dat.hackshaw1998,
  normand_SMD = escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999),
  molloy_ZCOR = escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014),
  pritz_PLO = escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997),
  li2007_OR = escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.li2007)
)
ni_of <- function(name, d) {
  if (name == "bcg_RR") return(d$tpos + d$tneg + d$cpos + d$cneg)
  if (name == "normand_SMD") return(d$n1i + d$n2i)
  if (name == "molloy_ZCOR" || name == "pritz_PLO") return(d$ni)
  if (name == "li2007_OR") return(d$n1i + d$n2i)
  NULL
}
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))
out <- list(generated_by = "tests/reference/make_fixtures_bias.R",
            metafor_version = as.character(packageVersion("metafor")), cases = list())
for (name in names(sets)) {
  d <- sets[[name]]
  d <- d[!is.na(d$yi), ]
  ni <- ni_of(name, d)
  for (method in c("REML", "DL", "EE")) {
    res <- if (is.null(ni)) rma(yi, vi, data = d, method = method, control = ctrl) else rma(yi, vi, ni = ni, data = d, method = method, control = ctrl)
    case <- list(id = paste(name, method, sep = "/"), dataset = name, method = method,
                 yi = num(d$yi), vi = num(d$vi), ni = num(ni), regtest = list(), trimfill = list())
    preds <- c("sei", "vi", if (!is.null(ni)) c("ninv", "sqrtninv", "ni"))
    for (model in c("rma", "lm")) for (pr in preds) {
      rt <- regtest(res, model = model, predictor = pr)
      case$regtest[[paste(model, pr, sep = "/")]] <- list(
        call = sprintf("regtest(rma(yi, vi, method='%s'), model='%s', predictor='%s')", method, model, pr),
        zval = num(rt$zval), pval = num(rt$pval), ddf = num(rt$ddf),
        est = num(rt$est), ci_lb = num(rt$ci.lb), ci_ub = num(rt$ci.ub))
    }
    rk <- ranktest(res)
    case$ranktest <- list(tau = num(rk$tau), pval = num(rk$pval))
    for (est in c("L0", "R0")) {
      tf <- trimfill(res, estimator = est, control = ctrl)
      case$trimfill[[est]] <- list(call = sprintf("trimfill(res, estimator='%s')", est),
        k0 = tf$k0, se_k0 = num(tf$se.k0), side = tf$side, estimate = num(tf$b), se = num(tf$se),
        ci_lb = num(tf$ci.lb), ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2),
        filled_yi = num(tf$yi[tf$fill]), filled_vi = num(tf$vi[tf$fill]))
    }
    out$cases[[length(out$cases) + 1]] <- case
  }
  f <- list()
  for (type in c("Rosenthal", "Orwin", "Rosenberg")) {
    fs <- fsn(yi, vi, data = d, type = type)
    f[[type]] <- list(fsnum = num(fs$fsnum), pval = num(fs$pval), meanes = num(fs$meanes), target = num(fs$target))
  }
  out$fsn[[name]] <- list(yi = num(d$yi), vi = num(d$vi), results = f)
}
# PET-PEESE (Stanley & Doucouliagos 2014) and Peters' test (Peters et al. 2006) with plain lm()
pet <- list()
for (name in c("bcg_RR", "hackshaw", "normand_SMD", "molloy_ZCOR", "li2007_OR")) {
  d <- sets[[name]]; d <- d[!is.na(d$yi), ]
  f1 <- summary(lm(yi ~ sqrt(vi), weights = 1/vi, data = d))$coefficients
  f2 <- summary(lm(yi ~ vi, weights = 1/vi, data = d))$coefficients
  pet[[name]] <- list(yi = num(d$yi), vi = num(d$vi),
    call_pet = "summary(lm(yi ~ sqrt(vi), weights = 1/vi))", call_peese = "summary(lm(yi ~ vi, weights = 1/vi))",
    pet_estimate = f1[1, 1], pet_se = f1[1, 2], pet_pval = f1[1, 4],
    peese_estimate = f2[1, 1], peese_se = f2[1, 2], peese_pval = f2[1, 4])
}
out$pet_peese <- pet
b <- dat.bcg
zero <- with(b, tpos == 0 | tneg == 0 | cpos == 0 | cneg == 0)
lor <- with(b, log((tpos + 0.5 * zero) * (cneg + 0.5 * zero) / ((tneg + 0.5 * zero) * (cpos + 0.5 * zero))))
n <- with(b, tpos + tneg + cpos + cneg)
w <- with(b, 1 / (1 / (tpos + cpos) + 1 / (tneg + cneg)))
pf <- summary(lm(lor ~ I(1 / n), weights = w))$coefficients
out$peters <- list(call = "summary(lm(log OR ~ I(1/n), weights = 1/(1/(a+c) + 1/(b+d)))) on dat.bcg",
  ai = b$tpos, bi = b$tneg, ci = b$cpos, di = b$cneg,
  intercept = pf[1, 1], slope = pf[2, 1], tval = pf[2, 3], pval = pf[2, 4])

txt <- toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null")
writeLines(txt, "bias.json")
cat("wrote bias.json with", length(out$cases), "cases\n")
