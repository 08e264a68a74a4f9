# Reference values for the web app's pooled results (tests/web/test_workflow.py,
# tests/web/test_browser.py, tests/web/test_pool.py). Run from this folder:
#   Rscript make_pool_fixture.R   (metafor 3.8.1, jsonlite)
library(metafor)
library(jsonlite)
summ <- function(fit) list(estimate = unname(fit$beta[1]), ci_lb = fit$ci.lb,
                           ci_ub = fit$ci.ub, tau2 = fit$tau2, I2 = fit$I2)

# yi / vi as extracted
fit <- rma(yi = c(0.2, 0.4), vi = c(0.01, 0.02), method = "REML")
out <- c(list(metafor = as.character(packageVersion("metafor")),
              yi = c(0.2, 0.4), vi = c(0.01, 0.02)), summ(fit))

# means, SDs, ns -> SMD (Hedges' g), REML
cont <- data.frame(m1i = c(10.2, 8.1, 12.0), sd1i = c(2.1, 1.9, 3.2), n1i = c(30, 45, 25),
                   m2i = c(9.1, 7.9, 10.4), sd2i = c(2.3, 2.0, 3.0), n2i = c(32, 44, 27))
es <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
             data = cont)
out$smd <- c(list(data = cont, yi = as.numeric(es$yi), vi = as.numeric(es$vi)),
             summ(rma(yi, vi, data = es, method = "REML")))

# events and totals -> log odds ratio, REML
bin <- data.frame(ai = c(12, 20, 7), n1i = c(100, 150, 60), ci = c(20, 31, 15),
                  n2i = c(98, 149, 62))
es <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = bin)
out$or <- c(list(data = bin, yi = as.numeric(es$yi), vi = as.numeric(es$vi)),
            summ(rma(yi, vi, data = es, method = "REML")))

write_json(out, "pool_reml.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
           dataframe = "columns")
