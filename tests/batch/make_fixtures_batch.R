# Reference values for tests/batch: one metafor fit per group of tests/batch/data/long.csv
# and of metadat's dat.bcg (log risk ratios grouped by allocation).
# Run from this folder (as scripts/make-fixtures.sh does) or from the repository root.
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
here <- if (file.exists(file.path("data", "long.csv"))) "." else "tests/batch"
one <- function(r) {
  p <- predict(r)
  list(k = r$k, estimate = as.numeric(r$b), se = r$se, zval = r$zval, pval = r$pval,
       ci_lb = r$ci.lb, ci_ub = r$ci.ub, pi_lb = p$pi.lb, pi_ub = p$pi.ub,
       tau2 = r$tau2, se_tau2 = if (is.null(r$se.tau2)) NA else r$se.tau2,
       I2 = r$I2, H2 = r$H2, QE = r$QE, QEp = r$QEp)
}
# metafor stops Fisher scoring when tau2 changes by < 1e-5; tighten it so the reference is exact
ctrl <- list(threshold = 1e-12, maxiter = 1000)
long <- read.csv(file.path(here, "data", "long.csv"))
fits <- list()
for (m in c("REML", "DL")) for (tst in c("z", "knha")) {
  for (key in unique(paste(long$outcome, long$population, sep = "|"))) {
    d <- long[paste(long$outcome, long$population, sep = "|") == key, ]
    r <- suppressWarnings(rma(yi, vi, data = d, method = m, test = tst, control = ctrl))
    parts <- strsplit(key, "|", fixed = TRUE)[[1]]
    fits[[length(fits) + 1]] <- c(list(outcome = parts[1], population = parts[2], method = m,
                                       test = tst), one(r))
  }
}
dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg <- list()
for (a in sort(unique(dat$alloc))) {
  r <- rma(yi, vi, data = dat[dat$alloc == a, ], method = "REML", control = ctrl)
  bcg[[length(bcg) + 1]] <- c(list(alloc = a), one(r))
}
out <- list(metafor = as.character(packageVersion("metafor")), R = R.version.string,
            long = fits, bcg_rr_by_alloc = bcg)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
           file.path(here, "metafor_batch.json"))
