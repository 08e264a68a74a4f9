# Reference values for the LD-IL-2 flagship tests, from R metafor (run from this folder, as
#   `make fixtures` does: cd tests/flagship && Rscript ld_il2_metafor.R)
# writes fixtures/ld_il2_metafor.json. The study values are typed in from
# /work/shared/data/ld_il2/studies.csv (rows named below); the median/IQR row is converted
# here with the formulas written out independently of metareview:
#   mean: Luo et al. 2018 (Stat Methods Med Res 27:1785), w = 0.7 + 0.39 / n,
#         mean = w (q1 + q3) / 2 + (1 - w) median
#   SD:   Wan et al. 2014 (BMC Med Res Methodol 14:135), sd = (q3 - q1) / eta(n),
#         eta(n) = 2 qnorm((0.75 n - 0.125) / (n + 0.25))
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
# REML iterated to convergence (metafor stops at a change in tau2 below 1e-5 by default;
# metareview iterates further), so both give the same maximum
ctrl <- list(threshold = 1e-12, maxiter = 1000)

luo_mean <- function(m, q1, q3, n) { w <- 0.7 + 0.39 / n; w * (q1 + q3) / 2 + (1 - w) * m }
wan_sd <- function(q1, q3, n) (q3 - q1) / (2 * qnorm((0.75 * n - 0.125) / (n + 0.25)))

# Treg: studies.csv rows 14 (Shanxi RA), 19 (Shanxi AS), 24 (Hao 2020 PsA, median/IQR),
# 26 (Feng 2019, secondary tabulation)
treg <- data.frame(
  study = c("RA", "AS", "PsA", "Feng"),
  n = c(26, 17, 22, 35),
  pre_m = c(18.67, 22.58, luo_mean(26.8, 14.9, 29.9, 22), 8.1),
  pre_sd = c(14.08, 12.80, wan_sd(14.9, 29.9, 22), 7.59),
  post_m = c(78.55, 73.46, luo_mean(70.9, 36.5, 97.6, 22), 20.71),
  post_sd = c(44.67, 33.79, wan_sd(36.5, 97.6, 22), 14.47))
# Th17: rows 13 (RA), 20 (AS), 23 (PsA, median/IQR)
th17 <- data.frame(
  study = c("RA", "AS", "PsA"),
  n = c(26, 17, 22),
  pre_m = c(16.51, 12.83, luo_mean(6.3, 2.3, 11.5, 22)),
  pre_sd = c(19.06, 9.24, wan_sd(2.3, 11.5, 22)),
  post_m = c(19.00, 19.26, luo_mean(10.1, 7.0, 20.0, 22)),
  post_sd = c(11.38, 13.24, wan_sd(7.0, 20.0, 22)))

fit_out <- function(res) list(estimate = as.numeric(coef(res)), se = res$se, ci_lb = res$ci.lb,
                              ci_ub = res$ci.ub, pval = res$pval, tau2 = res$tau2, I2 = res$I2,
                              QE = res$QE, QEp = res$QEp, k = res$k)

outcome <- function(d) {
  # post minus pre, standardised by the pre-treatment SD: m1i = post, m2i = pre, sd1i = pre SD
  es <- escalc(measure = "SMCR", m1i = post_m, m2i = pre_m, sd1i = pre_sd, ni = n, ri = rep(0.5, nrow(d)),
               data = d)
  z <- rma(yi, vi, data = es, method = "REML", test = "z", control = ctrl)
  knha <- rma(yi, vi, data = es, method = "REML", test = "knha", control = ctrl)
  grid <- sapply(seq(0.1, 0.9, by = 0.1), function(r) {
    e <- escalc(measure = "SMCR", m1i = post_m, m2i = pre_m, sd1i = pre_sd, ni = n, ri = rep(r, nrow(d)),
                data = d)
    coef(rma(yi, vi, data = e, method = "REML", control = ctrl))[[1]]
  })
  ig <- escalc(measure = "SMD", m1i = post_m, sd1i = post_sd, n1i = n, m2i = pre_m,
               sd2i = pre_sd, n2i = n, data = d)
  smd <- rma(yi, vi, data = ig, method = "REML", control = ctrl)
  out <- list(input = as.list(d), yi = as.numeric(es$yi), vi = as.numeric(es$vi),
              smcr_reml_z = fit_out(z), smcr_reml_knha = fit_out(knha),
              ri_grid = seq(0.1, 0.9, by = 0.1), ri_grid_estimate = grid,
              smd_reml_z = fit_out(smd))
  if (nrow(d) >= 3) out$leave1out_estimate <- as.numeric(leave1out(z)$estimate)
  out
}

# injection-site reaction: rows 3 (He 2020, 9/29) and 11 (He 2016 abstract, 5/40)
xi <- c(9, 5); ni <- c(29, 40)
plo <- rma(measure = "PLO", xi = xi, ni = ni, method = "REML", control = ctrl)
pft <- rma(measure = "PFT", xi = xi, ni = ni, method = "REML", control = ctrl)
plo_b <- predict(plo, transf = transf.ilogit)
pft_b <- predict(pft, transf = transf.ipft.hm, targs = list(ni = ni))
glmm <- rma.glmm(measure = "PLO", xi = xi, ni = ni)   # lme4, ML, nAGQ = 7
glmm_b <- predict(glmm, transf = transf.ilogit)
props <- list(xi = xi, ni = ni,
              plo = c(fit_out(plo), list(pred = plo_b$pred, pred_lb = plo_b$ci.lb, pred_ub = plo_b$ci.ub)),
              pft = c(fit_out(pft), list(pred = pft_b$pred, pred_lb = pft_b$ci.lb, pred_ub = pft_b$ci.ub)),
              glmm = list(estimate = as.numeric(coef(glmm)), ci_lb = glmm$ci.lb, ci_ub = glmm$ci.ub,
                          tau2 = glmm$tau2, pred = glmm_b$pred, pred_lb = glmm_b$ci.lb,
                          pred_ub = glmm_b$ci.ub))

out <- list(metafor_version = as.character(packageVersion("metafor")),
            treg = outcome(treg), th17 = outcome(th17), injection_site = props)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "fixtures/ld_il2_metafor.json")
