# Reference fixtures for the pooling models (metareview.models), computed with R's metafor.
#
# Run from inside tests/reference/ (`make fixtures` does this):
#     Rscript make_fixtures_models.R
# Writes models.json next to this script. Needs R 4.x with metafor (3.8.1 was used),
# metadat and jsonlite. CI never runs this script; it reads the committed JSON.
#
# Every model is fitted with tight convergence so that the fixtures are accurate to far more
# digits than the tests' tolerances: Fisher scoring (ML, REML, EB) stops when the change in
# tau2 is below `threshold`; the root finders (PM, PMM, GENQM; the Q-profile intervals of
# confint) use `tol`.
#
# Each case stores its inputs (yi, vi and any moderators as named columns), the exact R call
# that was evaluated (the string below is parsed and run, so it is the call), and the values
# metafor returned. NA is written as null.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

stopifnot(packageVersion("metafor") >= "3.8.1")

ctrl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)
ci_ctrl <- list(tol = 1e-12, maxiter = 1000)

METHODS <- c("EE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "GENQ")
RE_METHODS <- setdiff(METHODS, "EE")

arr <- function(x) I(as.vector(unname(x)))
num <- function(x) if (is.null(x) || length(x) == 0) NA else unname(x)

# Evaluate an expression, recording (and muffling) warnings and messages.
capture <- function(expr_text, env) {
  warns <- character(0)
  msgs <- character(0)
  value <- tryCatch(
    withCallingHandlers(
      eval(parse(text = expr_text), envir = env),
      warning = function(w) {
        warns <<- c(warns, conditionMessage(w))
        invokeRestart("muffleWarning")
      },
      message = function(m) {
        msgs <<- c(msgs, trimws(conditionMessage(m)))
        invokeRestart("muffleMessage")
      }
    ),
    error = function(e) structure(list(message = conditionMessage(e)), class = "fit_error")
  )
  list(value = value, warnings = arr(warns), messages = arr(msgs))
}

# Everything we compare from one rma.uni fit.
extract <- function(res, env) {
  out <- list(
    b = arr(res$beta), coef_names = arr(rownames(res$beta)),
    se = arr(res$se), zval = arr(res$zval), pval = arr(res$pval),
    ci_lb = arr(res$ci.lb), ci_ub = arr(res$ci.ub),
    tau2 = num(res$tau2), se_tau2 = num(res$se.tau2),
    I2 = num(res$I2), H2 = num(res$H2),
    QE = num(res$QE), QEp = num(res$QEp),
    QM = num(res$QM), QMp = num(res$QMp), QMdf = arr(res$QMdf),
    k = res$k, p = res$p,
    R2 = if (is.null(res$R2)) NA else num(res$R2),
    weights = arr(weights(res)),
    iterations = if (is.null(res$iter)) NA else num(res$iter),
    method = res$method, test = res$test, level = 100 * (1 - res$level)
  )
  fs <- fitstats(res)
  out$ll <- num(fs[1, 1])
  out$dev <- num(fs[2, 1])
  out$AIC <- num(fs[3, 1])
  out$BIC <- num(fs[4, 1])
  out$AICc <- num(fs[5, 1])
  out$fitstats_type <- colnames(fs)[1]
  if (isTRUE(res$int.only)) {
    pr <- predict(res)
    out$pred <- num(pr$pred)
    out$pred_se <- num(pr$se)
    out$pred_ci_lb <- num(pr$ci.lb)
    out$pred_ci_ub <- num(pr$ci.ub)
    out$pi_lb <- if (is.null(pr$pi.lb)) NA else num(pr$pi.lb)
    out$pi_ub <- if (is.null(pr$pi.ub)) NA else num(pr$pi.ub)
  }
  if (!(res$method %in% c("EE", "FE"))) {
    env$res <- res
    cc <- capture("confint(res, control = ci_ctrl)", env)
    if (!inherits(cc$value, "fit_error")) {
      rnd <- cc$value$random
      out$tau2_ci <- arr(rnd["tau^2", ])
      out$tau_ci <- arr(rnd["tau", ])
      out$I2_ci <- arr(rnd["I^2(%)", ])
      out$H2_ci <- arr(rnd["H^2", ])
      out$confint_messages <- cc$messages
      out$confint_warnings <- cc$warnings
    } else {
      out$confint_error <- cc$value$message
    }
  }
  out
}

cases <- list()
add_case <- function(id, kind, dataset, dat, call, method, test, level, mods_cols = character(0),
                     formula = NA, mods_matrix = NA, intercept = TRUE, weights_arg = NA,
                     note = NA) {
  env <- new.env()
  env$dat <- dat
  env$ctrl <- ctrl
  env$ci_ctrl <- ci_ctrl
  fit <- capture(call, env)
  data <- list(yi = arr(dat$yi), vi = arr(dat$vi))
  for (m in mods_cols) data[[m]] <- arr(dat[[m]])
  case <- list(
    id = id, kind = kind, dataset = dataset, method = method, test = test, level = level,
    formula = formula, mods_matrix = if (identical(mods_matrix, NA)) NA else arr(mods_matrix),
    intercept = intercept, weights_arg = weights_arg, note = note,
    call = call, data = data,
    warnings = fit$warnings, messages = fit$messages
  )
  if (inherits(fit$value, "fit_error")) {
    case$error <- fit$value$message
    case$expected <- NA
  } else {
    case$error <- NA
    case$expected <- extract(fit$value, env)
  }
  cases[[length(cases) + 1]] <<- case
  invisible(case)
}

rma_call <- function(method, test, level, mods = NULL, extra = NULL) {
  parts <- c("rma(yi, vi", if (!is.null(mods)) paste0("mods = ", mods),
             "data = dat", sprintf('method = "%s"', method),
             if (method == "GENQ") "weights = 1/vi",
             sprintf('test = "%s"', test), sprintf("level = %s", level),
             extra, "control = ctrl)")
  paste(parts, collapse = ", ")
}

# ---------------------------------------------------------------------------------------------
# Data sets (yi, vi computed once with escalc; the escalc call is recorded with the data)
# ---------------------------------------------------------------------------------------------
datasets <- list()
escalc_calls <- list()
add_data <- function(name, call) {
  d <- eval(parse(text = call))
  d <- d[!is.na(d$yi) & !is.na(d$vi), , drop = FALSE]
  datasets[[name]] <<- as.data.frame(d)
  escalc_calls[[name]] <<- call
}

add_data("bcg_RR", 'escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)')
add_data("bcg_OR", 'escalc(measure = "OR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)')
add_data("normand1999_SMD", 'escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)')
add_data("hackshaw1998", 'dat.hackshaw1998')
add_data("molloy2014_ZCOR", 'escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)')
add_data("pritz1997_PLO", 'escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)')
add_data("konstantopoulos2011", 'dat.konstantopoulos2011')
add_data("raudenbush1985", 'dat.raudenbush1985')
add_data("hart1999_IRR", 'escalc(measure = "IRR", x1i = x1i, t1i = t1i, x2i = x2i, t2i = t2i, data = dat.hart1999)')
add_data("li2007_OR", 'escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.li2007)')
add_data("yusuf1985_t6_OR", 'escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.yusuf1985[dat.yusuf1985$table == "6", ])')
add_data("mcdaniel1994_ZCOR", 'escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.mcdaniel1994)')
add_data("colditz1994_RD", 'escalc(measure = "RD", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.colditz1994)')

# ---------------------------------------------------------------------------------------------
# Intercept-only models: every data set x every estimator x test z / knha (level 95),
# plus level 90 for REML, DL, PM.
# ---------------------------------------------------------------------------------------------
for (nm in names(datasets)) {
  dat <- datasets[[nm]][, c("yi", "vi")]
  for (method in METHODS) {
    for (test in c("z", "knha")) {
      levels <- if (method %in% c("REML", "DL", "PM")) c(95, 90) else 95
      for (level in levels) {
        add_case(
          id = sprintf("%s/%s/%s/%d", nm, method, test, level), kind = "intercept",
          dataset = nm, dat = dat, call = rma_call(method, test, level),
          method = method, test = test, level = level,
          weights_arg = if (method == "GENQ") "1/vi" else NA
        )
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Meta-regression
# ---------------------------------------------------------------------------------------------
bcg <- datasets[["bcg_RR"]][, c("yi", "vi", "ablat", "year", "alloc")]
bcg$alloc <- as.character(bcg$alloc)
for (f in c("~ ablat", "~ ablat + year", "~ alloc")) {
  for (method in c("REML", "ML", "DL", "PM", "EE", "HE", "SJ")) {
    for (test in c("z", "knha")) {
      add_case(
        id = sprintf("bcg_RR%s/%s/%s/95", gsub(" ", "", f), method, test), kind = "metareg",
        dataset = "bcg_RR", dat = bcg, call = rma_call(method, test, 95, mods = f),
        method = method, test = test, level = 95,
        mods_cols = c("ablat", "year", "alloc"), formula = f,
        note = if (f == "~ alloc") "alloc is character; R turns it into a factor with levels in alphabetical order (alternate = reference), dummy coding" else NA
      )
    }
  }
}
# a matrix of moderators (intercept added by rma, as the Python API does for a 2-D array)
for (method in c("REML", "DL")) {
  for (test in c("z", "knha")) {
    add_case(
      id = sprintf("bcg_RR~matrix(ablat,year)/%s/%s/95", method, test), kind = "metareg",
      dataset = "bcg_RR", dat = bcg,
      call = rma_call(method, test, 95, mods = "cbind(ablat, year)"),
      method = method, test = test, level = 95,
      mods_cols = c("ablat", "year"), mods_matrix = c("ablat", "year")
    )
  }
}
# a model without intercept: the per-group means of a common-tau2 subgroup model
for (method in c("REML", "DL")) {
  add_case(
    id = sprintf("bcg_RR~alloc-1/%s/z/95", method), kind = "metareg", dataset = "bcg_RR",
    dat = bcg, call = rma_call(method, "z", 95, mods = "~ alloc - 1"),
    method = method, test = "z", level = 95, mods_cols = "alloc", formula = "~ alloc - 1",
    intercept = FALSE
  )
}
# other data sets with a continuous moderator
raud <- datasets[["raudenbush1985"]][, c("yi", "vi", "weeks", "tester")]
raud$tester <- as.character(raud$tester)
kon <- datasets[["konstantopoulos2011"]][, c("yi", "vi", "year")]
hack <- datasets[["hackshaw1998"]][, c("yi", "vi", "year")]
for (spec in list(list("raudenbush1985", raud, "~ weeks", c("weeks", "tester")),
                  list("raudenbush1985", raud, "~ weeks + tester", c("weeks", "tester")),
                  list("konstantopoulos2011", kon, "~ year", "year"),
                  list("hackshaw1998", hack, "~ year", "year"))) {
  for (method in c("REML", "ML", "DL", "PM", "EE")) {
    for (test in c("z", "knha")) {
      add_case(
        id = sprintf("%s%s/%s/%s/95", spec[[1]], gsub(" ", "", spec[[3]]), method, test),
        kind = "metareg", dataset = spec[[1]], dat = spec[[2]],
        call = rma_call(method, test, 95, mods = spec[[3]]), method = method, test = test,
        level = 95, mods_cols = spec[[4]], formula = spec[[3]]
      )
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Edge cases
# ---------------------------------------------------------------------------------------------
edge_sets <- list(
  # k = 1: first BCG trial only
  k1 = datasets[["bcg_RR"]][1, c("yi", "vi")],
  # k = 2: first two BCG trials
  k2 = datasets[["bcg_RR"]][1:2, c("yi", "vi")],
  # homogeneous: Q < k - 1, so DL/HE are negative before truncation and REML/ML hit tau2 = 0
  homogeneous = data.frame(yi = c(0.10, 0.12, 0.09, 0.11, 0.10, 0.13),
                           vi = c(0.010, 0.020, 0.015, 0.010, 0.030, 0.025)),
  # identical studies: all yi equal, so QE = 0
  identical = data.frame(yi = rep(0.5, 5), vi = c(0.1, 0.2, 0.3, 0.4, 0.5)),
  # sampling variances spread over ten orders of magnitude
  huge_vi_range = data.frame(yi = c(0.20, -0.30, 1.50, 0.80, 0.05, -1.20),
                             vi = c(1e-6, 1e-3, 1, 100, 1e4, 0.5))
)
for (nm in names(edge_sets)) {
  dat <- edge_sets[[nm]]
  for (method in METHODS) {
    for (test in c("z", "knha")) {
      add_case(
        id = sprintf("edge_%s/%s/%s/95", nm, method, test), kind = "edge", dataset = nm,
        dat = dat, call = rma_call(method, test, 95), method = method, test = test,
        level = 95, weights_arg = if (method == "GENQ") "1/vi" else NA
      )
    }
  }
}

# ---------------------------------------------------------------------------------------------
# Subgroups
# ---------------------------------------------------------------------------------------------
subgroups <- list()

# (a) separate tau2: one rma per subgroup, then a fixed-effect meta-regression of the subgroup
#     estimates on the group (what R's meta package does for subgroup differences when tau2 is
#     estimated separately): Q_between = QM of rma(est, sei = se, mods = ~ group, method = "FE").
# (b) common tau2: rma(yi, vi, mods = ~ group) -> QM (the omnibus test of the group dummies);
#     per-group estimates from rma(yi, vi, mods = ~ group - 1).
sg_separate <- function(dat, group, method, test, level) {
  lv <- sort(unique(as.character(dat[[group]])))
  per <- list()
  calls <- character(0)
  for (g in lv) {
    sub <- dat[as.character(dat[[group]]) == g, , drop = FALSE]
    env <- new.env()
    env$sub <- sub
    env$ctrl <- ctrl
    env$ci_ctrl <- ci_ctrl
    call <- sprintf('rma(yi, vi, data = sub, method = "%s", test = "%s", level = %s, control = ctrl)',
                    method, test, level)
    calls <- c(calls, sprintf("%s  # sub = dat[dat$%s == \"%s\", ]", call, group, g))
    fit <- capture(call, env)
    r <- fit$value
    per[[length(per) + 1]] <- list(
      level = g, k = r$k, estimate = num(r$beta[1]), se = num(r$se), ci_lb = num(r$ci.lb),
      ci_ub = num(r$ci.ub), tau2 = num(r$tau2), I2 = num(r$I2), H2 = num(r$H2),
      QE = num(r$QE), QEp = num(r$QEp), pval = num(r$pval),
      warnings = fit$warnings, messages = fit$messages
    )
  }
  est <- sapply(per, `[[`, "estimate")
  ses <- sapply(per, `[[`, "se")
  grp <- factor(lv)
  between_call <- 'rma(est, sei = ses, mods = ~ grp, method = "FE")'
  bt <- eval(parse(text = between_call))
  list(per_level = per, calls = arr(c(calls, between_call)),
       Q_between = num(bt$QM), df_between = num(bt$QMdf[1]), p_between = num(bt$QMp))
}

sg_common <- function(dat, group, method, test, level) {
  env <- new.env()
  env$dat <- dat
  env$ctrl <- ctrl
  f <- sprintf("~ %s", group)
  c1 <- sprintf('rma(yi, vi, mods = ~ %s, data = dat, method = "%s", test = "%s", level = %s, control = ctrl)',
                group, method, test, level)
  c2 <- sprintf('rma(yi, vi, mods = ~ %s - 1, data = dat, method = "%s", test = "%s", level = %s, control = ctrl)',
                group, method, test, level)
  r1 <- eval(parse(text = c1), envir = env)
  r2 <- eval(parse(text = c2), envir = env)
  lv <- sort(unique(as.character(dat[[group]])))
  per <- lapply(seq_along(lv), function(i) list(
    level = lv[i], k = sum(as.character(dat[[group]]) == lv[i]),
    estimate = num(r2$beta[i]), se = num(r2$se[i]), ci_lb = num(r2$ci.lb[i]),
    ci_ub = num(r2$ci.ub[i]), tau2 = num(r2$tau2), pval = num(r2$pval[i])))
  list(per_level = per, calls = arr(c(c1, c2)),
       Q_between = num(r1$QM), df_between = num(r1$QMdf[1]), df_between_denominator = num(r1$QMdf[2]),
       p_between = num(r1$QMp), tau2 = num(r1$tau2), I2 = num(r1$I2), QE = num(r1$QE),
       QEp = num(r1$QEp))
}

sg_specs <- list(
  list("bcg_RR", bcg, "alloc"),
  list("raudenbush1985", raud, "tester"),
  list("hackshaw1998", local({
    d <- datasets[["hackshaw1998"]][, c("yi", "vi", "design")]
    d$design <- as.character(d$design)
    d
  }), "design"),
  list("molloy2014_ZCOR", local({
    d <- datasets[["molloy2014_ZCOR"]][, c("yi", "vi", "design")]
    d$design <- as.character(d$design)
    d
  }), "design")
)
for (spec in sg_specs) {
  for (method in c("REML", "DL", "ML", "PM")) {
    for (tau2_mode in c("separate", "common")) {
      for (test in c("z", "knha")) {
        if (tau2_mode == "common" && test == "knha") next
        res <- if (tau2_mode == "separate") sg_separate(spec[[2]], spec[[3]], method, test, 95)
               else sg_common(spec[[2]], spec[[3]], method, test, 95)
        subgroups[[length(subgroups) + 1]] <- c(
          list(id = sprintf("%s/by_%s/%s/%s/%s", spec[[1]], spec[[3]], tau2_mode, method, test),
               dataset = spec[[1]], group = spec[[3]], tau2_mode = tau2_mode, method = method,
               test = test, level = 95,
               data = list(yi = arr(spec[[2]]$yi), vi = arr(spec[[2]]$vi),
                           group = arr(as.character(spec[[2]][[spec[[3]]]])))),
          res
        )
      }
    }
  }
}

out <- list(
  generated_by = "tests/reference/make_fixtures_models.R",
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  R_version = R.version.string,
  control = ctrl, confint_control = ci_ctrl,
  escalc_calls = escalc_calls,
  cases = cases,
  subgroups = subgroups
)
# NA is written as null. Non-finite numbers are kept as the strings "Inf", "-Inf" and "NaN"
# (with na = "null", jsonlite would write them as null too and lose, e.g., a z value of Inf
# when se = 0): write with na = "string", then turn the "NA" strings back into null. No
# character field of this file is the literal string "NA".
json <- toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "string")
json <- gsub('"NA"', "null", json, fixed = TRUE)
writeLines(json, "models.json", useBytes = TRUE)
cat(sprintf("wrote models.json: %d cases, %d subgroup analyses\n", length(cases), length(subgroups)))
