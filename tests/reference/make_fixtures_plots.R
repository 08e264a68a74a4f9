# Reference values drawn by the figures (metareview.plots), computed with R's metafor.
#
# Run from inside tests/reference/ (`make fixtures` does this):
#     Rscript make_fixtures_plots.R
# Writes plots.json next to this script. Needs R 4.x with metafor (3.8.1 was used), metadat
# and jsonlite. CI never runs this script; tests/plots reads the committed JSON.
#
# The plots only draw what the diagnostics computed, so these are the numbers a figure must
# show: leave-one-out and cumulative estimates (forest-style plots), Baujat coordinates,
# trim-and-fill's imputed studies (funnel plot) and the fitted line and band of a
# meta-regression (bubble plot). Every value is stored beside the exact R call that produced
# it: the call strings below are parsed and evaluated, so they are the calls (with `dat` the
# data set of the entry and `ctrl` the `control` list stored at the top of the file).

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

stopifnot(packageVersion("metafor") >= "3.8.1")

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)

num <- function(x) I(as.vector(unname(as.numeric(x))))

datasets <- list(
  bcg_RR = 'escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)',
  hackshaw1998 = "dat.hackshaw1998"
)
data_of <- function(name) as.data.frame(eval(parse(text = datasets[[name]])))

# Evaluate `call` with `dat` and `ctrl` (and anything in `extra`) in scope.
run <- function(call, dat, extra = list()) {
  env <- new.env()
  env$dat <- dat
  env$ctrl <- ctrl
  for (n in names(extra)) env[[n]] <- extra[[n]]
  eval(parse(text = call), envir = env)
}

out <- list(
  generated_by = "tests/reference/make_fixtures_plots.R",
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  R_version = R.version.string,
  control = ctrl,
  datasets = datasets
)

bcg <- data_of("bcg_RR")
fit_call <- "rma(yi, vi, data = dat, method = \"REML\", control = ctrl)"
res <- run(fit_call, bcg)
bcg_data <- list(yi = num(bcg$yi), vi = num(bcg$vi), year = num(bcg$year),
                 ablat = num(bcg$ablat), author = I(as.character(bcg$author)))

# ---- leave-one-out (leave_one_out_plot)
call <- "leave1out(res)"
l1 <- run(call, bcg, list(res = res))
out$leave1out <- list(
  dataset = "bcg_RR", fit = fit_call, call = call, data = bcg_data,
  estimate = num(l1$estimate), ci_lb = num(l1$ci.lb), ci_ub = num(l1$ci.ub),
  tau2 = num(l1$tau2), I2 = num(l1$I2), QE = num(l1$Q)
)

# ---- cumulative meta-analysis in year order (cumulative_plot)
call <- "cumul(res, order = dat$year)"
cu <- run(call, bcg, list(res = res))
out$cumul <- list(
  dataset = "bcg_RR", fit = fit_call, call = call, data = bcg_data,
  order = num(order(bcg$year)),  # 1-based study numbers, as R's order(dat$year)
  estimate = num(cu$estimate), ci_lb = num(cu$ci.lb), ci_ub = num(cu$ci.ub),
  tau2 = num(cu$tau2), I2 = num(cu$I2)
)

# ---- Baujat plot coordinates (baujat_plot)
call <- "baujat(res)"
pdf(NULL)  # baujat() draws; send its drawing nowhere
bj <- run(call, bcg, list(res = res))
invisible(dev.off())
out$baujat <- list(
  dataset = "bcg_RR", fit = fit_call, call = call, data = bcg_data,
  slab = I(as.character(bj$slab)), x = num(bj$x), y = num(bj$y)
)

# ---- bubble plot: fitted line and confidence band at the ends of the latitude range
reg_call <- "rma(yi, vi, mods = ~ ablat, data = dat, method = \"REML\", control = ctrl)"
reg <- run(reg_call, bcg)
call <- "predict(reg, newmods = c(min(dat$ablat), max(dat$ablat)))"
pr <- run(call, bcg, list(reg = reg))
out$bubble <- list(
  dataset = "bcg_RR", fit = reg_call, call = call, data = bcg_data,
  newmods = num(c(min(bcg$ablat), max(bcg$ablat))),
  pred = num(pr$pred), ci_lb = num(pr$ci.lb), ci_ub = num(pr$ci.ub),
  weights = num(weights(reg))
)

# ---- trim and fill on dat.hackshaw1998 (funnel_plot)
hack <- data_of("hackshaw1998")
hfit_call <- "rma(yi, vi, data = dat, method = \"REML\", control = ctrl)"
hres <- run(hfit_call, hack)
call <- "trimfill(res)"
tf <- run(call, hack, list(res = hres))
out$trimfill <- list(
  dataset = "hackshaw1998", fit = hfit_call, call = call,
  data = list(yi = num(hack$yi), vi = num(hack$vi)),
  k0 = tf$k0, side = tf$side, estimate = num(tf$beta),
  filled_yi = num(tf$yi[tf$fill]), filled_vi = num(tf$vi[tf$fill])
)

json <- toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")
writeLines(json, "plots.json", useBytes = TRUE)
cat("wrote plots.json: leave1out, cumul, baujat, bubble, trimfill\n")
