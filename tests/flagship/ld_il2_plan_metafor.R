# Reference values for the shipped LD-IL-2 plan's new keys, computed with metafor from the
# shipped analysis-ready table (src/metareview/datasets/data/ld_il2_continuous.csv).
# Run from this folder (as `make fixtures` does):
#   cd tests/flagship && Rscript ld_il2_plan_metafor.R
# writes fixtures/ld_il2_plan_metafor.json
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
# REML iterated to convergence, as in ld_il2_metafor.R
ctrl <- list(threshold = 1e-12, maxiter = 1000)
d <- read.csv("../../src/metareview/datasets/data/ld_il2_continuous.csv", stringsAsFactors = FALSE)
pick <- function(outcome, variant) d[d$analysis_outcome == outcome & d$variant == variant, ]
fit <- function(t) {
  es <- escalc(measure = "SMCR", m1i = t$m1i, m2i = t$m2i, sd1i = t$sd1i, ni = t$ni, ri = rep(0.5, nrow(t)))
  r <- rma(yi, vi, data = es, method = "REML", control = ctrl)
  list(k = r$k, estimate = as.numeric(r$b), ci_lb = r$ci.lb, ci_ub = r$ci.ub, tau2 = r$tau2)
}
out <- list(metafor_version = as.character(packageVersion("metafor")))
# subsets: other median conversions and the overlapping cohort kept
out$treg_median_wan <- fit(pick("Treg", "median_wan"))
out$treg_median_shi <- fit(pick("Treg", "median_shi"))
cd <- pick("CDASI", "overlapping_included")
es <- escalc(measure = "SMCR", m1i = cd$m1i, m2i = cd$m2i, sd1i = cd$sd1i, ni = cd$ni, ri = rep(0.5, nrow(cd)))
r <- rma(yi, vi, data = es, method = "REML", control = ctrl)
out$cdasi_overlapping <- list(k = r$k, estimate = as.numeric(r$b), ci_lb = r$ci.lb, ci_ub = r$ci.ub, tau2 = r$tau2)
# independent-groups SMD for Th17/Treg ratio (post as group 1, pre as group 2)
t <- pick("Th17/Treg ratio", "main")
es <- escalc(measure = "SMD", m1i = t$m1i, sd1i = t$sd2i, n1i = t$ni, m2i = t$m2i, sd2i = t$sd1i, n2i = t$ni)
r <- rma(yi, vi, data = es, method = "REML", control = ctrl)
out$ratio_smd <- list(k = r$k, estimate = as.numeric(r$b), ci_lb = r$ci.lb, ci_ub = r$ci.ub, tau2 = r$tau2)
# subgroups by disease for Treg (every subgroup k = 1, separate tau2): the test for subgroup
# differences is the Wald-type test of the subgroup estimates (fixed-effect meta-regression)
t <- pick("Treg", "main")
es <- escalc(measure = "SMCR", m1i = t$m1i, m2i = t$m2i, sd1i = t$sd1i, ni = t$ni, ri = rep(0.5, nrow(t)))
es$g <- t$disease_group
sub <- lapply(split(es, es$g), function(x) rma(yi, vi, data = x, method = "REML", control = ctrl))
est <- sapply(sub, function(r) as.numeric(r$b)); se <- sapply(sub, function(r) r$se)
q <- rma(est, sei = se, mods = ~ factor(names(est)), method = "FE")
out$treg_disease <- list(levels = names(est), estimate = unname(est), Q_between = q$QM, df_between = q$QMdf[1], p_between = q$QMp)
write_json(out, "fixtures/ld_il2_plan_metafor.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
