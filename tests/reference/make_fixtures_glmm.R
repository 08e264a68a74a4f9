# Reference values for the binomial-normal model of proportions (metafor::rma.glmm, measure
# "PLO", which calls lme4::glmer with nAGQ = 7). Run from tests/reference:
#   Rscript make_fixtures_glmm.R   (writes glmm.json)
suppressMessages({library(metafor); library(jsonlite)})
num <- function(x) if (is.null(x)) NULL else unname(as.numeric(x))
sets <- list(
  pritz1997 = list(xi = dat.pritz1997$xi, ni = dat.pritz1997$ni),
  debruin2009 = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni),
  zeros = list(xi = c(0, 3, 1, 7, 0, 12, 4), ni = c(25, 40, 18, 60, 30, 80, 35)),
  all_events = list(xi = c(20, 14, 30, 9, 25), ni = c(20, 16, 33, 12, 25)),
  small = list(xi = c(5, 9, 2), ni = c(20, 25, 15))
)
cases <- list()
for (name in names(sets)) {
  d <- sets[[name]]
  for (nagq in c(7, 1)) {
    res <- rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, nAGQ = nagq)
    pr <- predict(res)
    fs <- fitstats(res)
    cases[[length(cases) + 1]] <- list(
      id = paste0(name, "/nAGQ", nagq), xi = d$xi, ni = d$ni, nAGQ = nagq,
      call = sprintf("rma.glmm(measure='PLO', xi=xi, ni=ni, nAGQ=%d)", nagq),
      b = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
      ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2),
      QE_Wld = num(res$QE.Wld), QEp_Wld = num(res$QEp.Wld), QE_LRT = num(res$QE.LRT),
      QEp_LRT = num(res$QEp.LRT), I2 = num(res$I2), H2 = num(res$H2),
      pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
      ll = num(fs[1, 1]), dev = num(fs[2, 1]), AIC = num(fs[3, 1]), BIC = num(fs[4, 1]), AICc = num(fs[5, 1]))
  }
}
out <- list(generated_by = "tests/reference/make_fixtures_glmm.R",
            metafor_version = as.character(packageVersion("metafor")),
            lme4_version = as.character(packageVersion("lme4")), cases = cases)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"), "glmm.json")
cat("wrote glmm.json with", length(cases), "cases\n")
