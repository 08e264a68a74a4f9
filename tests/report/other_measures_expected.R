# Expected values for tests/report/test_other_measures.py.
# Run from this folder: Rscript other_measures_expected.R  (R 4.2.2, metafor 3.8.1, metadat 1.2.0)
# It also writes the two data files the test reads (data/).
suppressPackageStartupMessages(library(metafor))
ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
f <- function(label, x) cat(label, formatC(x, digits = 12, format = "g"), "\n")

# Morris (2008, Organizational Research Methods 11:364-386), treatment groups of five pre-post
# studies, as in the example of metafor's escalc help page: standardised mean change (SMCR)
d <- data.frame(study = paste("Study", 1:5), ni = c(20, 50, 9, 10, 14),
                mi1 = c(30.6, 23.5, 0.5, 53.4, 35.6), mi2 = c(38.5, 26.8, 0.7, 75.9, 36.0),
                sdi1 = c(15.0, 3.1, 0.1, 14.5, 4.7), ri = c(0.47, 0.64, 0.77, 0.89, 0.44))
write.csv(d, "data/morris2008_treatment.csv", row.names = FALSE)
dat <- escalc(measure = "SMCR", m1i = mi2, m2i = mi1, sd1i = sdi1, ni = ni, ri = ri, data = d)
res <- rma(yi, vi, data = dat, method = "DL")
f("SMCR DL b ci.lb ci.ub tau2", c(res$b, res$ci.lb, res$ci.ub, res$tau2))
for (r in c(0.3, 0.7)) {
  dr <- escalc(measure = "SMCR", m1i = mi2, m2i = mi1, sd1i = sdi1, ni = ni, ri = rep(r, nrow(d)), data = d)
  rr <- rma(yi, vi, data = dr, method = "DL")
  f(paste("ri", r, "b tau2"), c(rr$b, rr$tau2))
}

# Pritz (1997): proportions, Freeman-Tukey with the harmonic-mean back-transformation
write.csv(dat.pritz1997[, c("study", "authors", "xi", "ni")], "data/pritz1997.csv",
          row.names = FALSE)
dat <- escalc(measure = "PFT", xi = xi, ni = ni, data = dat.pritz1997)
res <- rma(yi, vi, data = dat, control = ctrl)
f("PFT REML b tau2", c(res$b, res$tau2))
p <- predict(res, transf = transf.ipft.hm, targs = list(ni = dat.pritz1997$ni))
f("ipft.hm pred ci.lb ci.ub pi.lb pi.ub", c(p$pred, p$ci.lb, p$ci.ub, p$pi.lb, p$pi.ub))
