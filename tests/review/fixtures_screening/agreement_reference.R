# Reference values for metareview.review.screening.agreement, computed in base R from the
# published formulas (irr/irrCAC are not installable here), written independently of the
# Python code. Run from this folder (as scripts/make-fixtures.sh does):
#   Rscript agreement_reference.R
# Sources: Cohen (1960) kappa; Fleiss, Cohen & Everitt (1969) Psychol Bull 72:323 large-sample
# and null variances; Byrt, Bishop & Carlin (1993) J Clin Epidemiol 46:423 PABAK;
# Gwet (2008) Br J Math Stat Psychol 61:29 AC1 and its variance (infinite population).
library(jsonlite)
# caret's confusionMatrix() is an implementation of Cohen's kappa written by others: its value
# is stored beside ours as caret_kappa.
suppressMessages(library(caret))

caret_kappa <- function(tab) {
  tab <- as.matrix(tab)
  lev <- paste0("c", seq_len(nrow(tab)))
  t <- as.table(matrix(tab, nrow(tab), dimnames = list(prediction = lev, reference = lev)))
  unname(confusionMatrix(t)$overall["Kappa"])
}

stats_from_table <- function(tab, level = 0.95) {
  tab <- as.matrix(tab)
  n <- sum(tab); q <- nrow(tab)
  p <- tab / n
  pr <- rowSums(p); pc <- colSums(p)
  po <- sum(diag(p)); pe <- sum(pr * pc)
  k <- (po - pe) / (1 - pe)
  # Fleiss, Cohen & Everitt (1969), eq. for the non-null variance
  A <- 0
  for (i in 1:q) A <- A + p[i, i] * (1 - (pr[i] + pc[i]) * (1 - k))^2
  B <- 0
  for (i in 1:q) for (j in 1:q) if (i != j) B <- B + p[i, j] * (pc[i] + pr[j])^2
  B <- (1 - k)^2 * B
  C <- (k - pe * (1 - k))^2
  se <- sqrt((A + B - C) / (n * (1 - pe)^2))
  se0 <- sqrt((pe + pe^2 - sum(pr * pc * (pr + pc))) / (n * (1 - pe)^2))
  z <- qnorm(1 - (1 - level) / 2)
  # Gwet (2008) AC1
  pik <- (pr + pc) / 2
  peg <- sum(pik * (1 - pik)) / (q - 1)
  ac1 <- (po - peg) / (1 - peg)
  s <- 0
  for (kk in 1:q) for (l in 1:q)
    s <- s + p[kk, l] * (as.numeric(kk == l) - 2 * (1 - ac1) * (1 - (pik[kk] + pik[l]) / 2) / (q - 1))^2
  vac1 <- (s - (po - 2 * (1 - ac1) * peg)^2) / (n * (1 - peg)^2)
  tq <- qt(1 - (1 - level) / 2, n - 1)
  list(n = n, observed_agreement = po, expected_agreement = pe, kappa = k, kappa_se = se,
       kappa_ci = c(k - z * se, k + z * se), kappa_se0 = se0,
       kappa_p = 2 * pnorm(-abs(k / se0)),
       pabak = (q * po - 1) / (q - 1), ac1 = ac1, ac1_se = sqrt(vac1),
       ac1_ci = c(ac1 - tq * sqrt(vac1), ac1 + tq * sqrt(vac1)))
}

cases <- list()
# a 3 x 3 diagnosis table, n = 100 (the kind of example Fleiss's textbook uses; page not verified)
cases$fleiss_diagnoses <- list(table = matrix(c(75, 1, 4, 5, 4, 1, 0, 0, 10), 3, byrow = TRUE))
# Feinstein & Cicchetti (1990) J Clin Epidemiol 43:543, the high-agreement low-kappa paradox
cases$paradox <- list(table = matrix(c(118, 5, 2, 0), 2, byrow = TRUE))
# a typical title/abstract screening table: few inclusions
cases$screening_2x2 <- list(table = matrix(c(40, 10, 15, 935), 2, byrow = TRUE))
for (nm in names(cases)) cases[[nm]] <- c(cases[[nm]], stats_from_table(cases[[nm]]$table),
                                          caret_kappa = caret_kappa(cases[[nm]]$table))

# raw decisions with a "maybe" category and undecided records (NA): computed on records both decided
set.seed(20261126)
lev <- c("include", "exclude", "maybe")
n <- 60
a <- sample(lev, n, replace = TRUE, prob = c(0.2, 0.65, 0.15))
b <- ifelse(runif(n) < 0.7, a, sample(lev, n, replace = TRUE, prob = c(0.25, 0.6, 0.15)))
a[c(3, 17, 41)] <- NA
b[c(8, 17, 55)] <- NA
both <- !is.na(a) & !is.na(b)
tab <- table(factor(a[both], levels = lev), factor(b[both], levels = lev))
raw <- stats_from_table(tab)
raw$caret_kappa <- caret_kappa(tab)
raw$a <- a; raw$b <- b; raw$categories <- lev; raw$table <- unclass(as.matrix(tab))
dimnames(raw$table) <- NULL
cases$raw_three_categories <- raw

out <- "agreement_reference.json"
writeLines(toJSON(cases, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", na = "null",
                  pretty = TRUE), out)
cat("wrote", out, "\n")
