# Reference values for tests/web/test_workflow.py: the random-effects (REML) pool of the two
# studies the test extracts through the web app. Run from this folder:
#   Rscript make_pool_fixture.R   (metafor 3.8.1, jsonlite)
library(metafor)
library(jsonlite)
fit <- rma(yi = c(0.2, 0.4), vi = c(0.01, 0.02), method = "REML")
out <- list(
  metafor = as.character(packageVersion("metafor")),
  yi = c(0.2, 0.4), vi = c(0.01, 0.02),
  estimate = unname(fit$beta[1]), ci_lb = fit$ci.lb, ci_ub = fit$ci.ub,
  tau2 = fit$tau2, I2 = fit$I2
)
write_json(out, "pool_reml.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
