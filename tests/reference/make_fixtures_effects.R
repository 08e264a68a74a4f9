# Regenerate tests/reference/effects.json: metafor's escalc() and transf.*() as the oracle for
# metareview.effects.
#
#   cd tests/reference && Rscript make_fixtures_effects.R
#
# Needs R >= 4, metafor 3.8-1, metadat, gsl (for UCOR) and jsonlite. Every case stores the exact
# escalc() call that was evaluated, the input vectors it was evaluated on (the call's names are
# looked up in `inputs`), the data source, and yi / vi printed with 17 significant digits
# (jsonlite caps digits = NA and digits = I(17) at 15, so the numbers are formatted with
# sprintf("%.17g") and passed through json_verbatim). NA -> null.

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})
stopifnot(packageVersion("metafor") == "3.8.1")

cases <- list()

# a numeric vector as a JSON array with 17 significant digits (NA -> null)
num17 <- function(x) {
  x <- as.numeric(x)
  structure(paste0("[", paste(ifelse(is.na(x), "null", sprintf("%.17g", x)), collapse = ", "), "]"),
            class = "json")
}

add_case <- function(name, call, inputs, source) {
  env <- list2env(inputs, parent = asNamespace("metafor"))
  warned <- FALSE
  res <- withCallingHandlers(
    eval(parse(text = call), envir = env),
    warning = function(w) {
      warned <<- TRUE
      invokeRestart("muffleWarning")
    }
  )
  cases[[length(cases) + 1L]] <<- list(
    case = name,
    call = call,
    source = source,
    inputs = inputs,
    r_warning = warned,
    yi = num17(res$yi),
    vi = num17(res$vi)
  )
}

# ---------------------------------------------------------------- binary: dat.bcg (13 trials)
bcg <- list(ai = dat.bcg$tpos, bi = dat.bcg$tneg, ci = dat.bcg$cpos, di = dat.bcg$cneg)
src_bcg <- "metadat::dat.bcg (ai = tpos, bi = tneg, ci = cpos, di = cneg)"
for (m in c("OR", "RR", "PETO")) {
  add_case(paste0("bcg_", m), sprintf('escalc(measure = "%s", ai = ai, bi = bi, ci = ci, di = di)', m),
           bcg, src_bcg)
}
for (vt in c("LS", "UB", "AV")) {
  add_case(paste0("bcg_RD_", vt),
           sprintf('escalc(measure = "RD", ai = ai, bi = bi, ci = ci, di = di, vtype = "%s")', vt),
           bcg, src_bcg)
}
bcg_n <- list(ai = dat.bcg$tpos, n1i = dat.bcg$tpos + dat.bcg$tneg,
              ci = dat.bcg$cpos, n2i = dat.bcg$cpos + dat.bcg$cneg)
add_case("bcg_OR_from_n", 'escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i)',
         bcg_n, "metadat::dat.bcg with n1i = tpos + tneg, n2i = cpos + cneg")
add_case("bcg_RR_from_n", 'escalc(measure = "RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i)',
         bcg_n, "metadat::dat.bcg with n1i = tpos + tneg, n2i = cpos + cneg")

# ---------------------------------------------------------------- binary: zero cells (hand-made)
# row 1: zero events in group 1; row 2: zero events in group 2; row 3: no events at all (00);
# row 4: only events in group 1; row 5: only events in both groups (00 for non-events);
# row 6: no zero cell
zero <- list(ai = c(0, 3, 0, 5, 10, 2), bi = c(10, 7, 12, 0, 0, 8),
             ci = c(2, 0, 0, 4, 10, 3), di = c(8, 11, 15, 6, 0, 7))
src_zero <- "hand-made 2x2 tables with zero cells"
opts <- list(
  only0 = "",
  all = ', to = "all"',
  if0all = ', to = "if0all"',
  add025 = ", add = 0.25",
  all_add1 = ', add = 1, to = "all"',
  drop00 = ", drop00 = TRUE",
  none = ', to = "none"'
)
for (m in c("OR", "RR", "RD", "PETO")) {
  for (o in names(opts)) {
    add_case(paste0("zero_", m, "_", o),
             sprintf('escalc(measure = "%s", ai = ai, bi = bi, ci = ci, di = di%s)', m, opts[[o]]),
             zero, src_zero)
  }
}
# no zero cell anywhere: if0all adds nothing
nozero <- list(ai = c(1, 3), bi = c(10, 7), ci = c(2, 4), di = c(8, 11))
add_case("nozero_OR_if0all", 'escalc(measure = "OR", ai = ai, bi = bi, ci = ci, di = di, to = "if0all")',
         nozero, "hand-made 2x2 tables without zero cells")

# ---------------------------------------------------------------- continuous: dat.normand1999
nor <- with(dat.normand1999, list(m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i))
src_nor <- "metadat::dat.normand1999"
two <- "m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i"
for (vt in c("LS", "HO")) add_case(paste0("normand_MD_", vt),
  sprintf('escalc(measure = "MD", %s, vtype = "%s")', two, vt), nor, src_nor)
for (vt in c("LS", "UB", "LS2", "AV")) add_case(paste0("normand_SMD_", vt),
  sprintf('escalc(measure = "SMD", %s, vtype = "%s")', two, vt), nor, src_nor)
for (vt in c("LS", "HO", "AV", "AVHO")) add_case(paste0("normand_ROM_", vt),
  sprintf('escalc(measure = "ROM", %s, vtype = "%s")', two, vt), nor, src_nor)
add_case("normand_SMD_vtype_per_study",
  sprintf('escalc(measure = "SMD", %s, vtype = c("LS", "UB", "LS2", "LS", "UB", "LS2", "LS", "UB", "LS2"))', two),
  nor, src_nor)
# smallest groups: n = 2 per group (SMD's correction c(m) with m = 2)
small <- list(m1i = c(10, 4.5), sd1i = c(2, 1.5), n1i = c(2, 2), m2i = c(8, 5), sd2i = c(3, 0.5), n2i = c(2, 3))
for (m in c("MD", "SMD", "ROM")) add_case(paste0("n2_", m),
  sprintf('escalc(measure = "%s", %s)', m, two), small, "hand-made, groups of n = 2")
add_case("n2_SMD_UB", sprintf('escalc(measure = "SMD", %s, vtype = "UB")', two), small,
         "hand-made, groups of n = 2")

# ---------------------------------------------------------------- pre-post (hand-made)
pp <- list(m1i = c(24.1, 30.2, 18.5, 22.0, 27.3), m2i = c(20.3, 25.9, 17.8, 23.1, 21.0),
           sd1i = c(5.2, 6.1, 4.0, 5.5, 7.2), sd2i = c(5.9, 6.4, 4.4, 5.0, 6.8),
           ni = c(20, 35, 12, 48, 3), ri = c(0.45, 0.62, 0.30, 0.71, -0.2))
src_pp <- "hand-made pre-post summaries (m1i = post, m2i = pre is the user's choice)"
pp_args <- "m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = ri"
add_case("pp_MC", sprintf('escalc(measure = "MC", %s)', pp_args), pp, src_pp)
for (m in c("SMCC", "SMCR")) for (vt in c("LS", "LS2")) add_case(paste0("pp_", m, "_", vt),
  sprintf('escalc(measure = "%s", %s, vtype = "%s")', m, pp_args, vt), pp, src_pp)
pp1 <- pp[c("m1i", "m2i", "sd1i", "ni")]
pp1$ri <- 0.5
add_case("pp_SMCR_assumed_r",
  'escalc(measure = "SMCR", m1i = m1i, m2i = m2i, sd1i = sd1i, ni = ni, ri = rep(ri, length(ni)))',
  pp1, "hand-made pre-post summaries, one assumed ri = 0.5")
pp1$ri <- 0.7
pp1$sd2i <- pp$sd2i
add_case("pp_SMCC_assumed_r",
  'escalc(measure = "SMCC", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = rep(ri, length(ni)))',
  pp1, "hand-made pre-post summaries, one assumed ri = 0.7")

# ---------------------------------------------------------------- proportions
props <- list(
  pritz = list(data = list(xi = dat.pritz1997$xi, ni = dat.pritz1997$ni),
               src = "metadat::dat.pritz1997 (rows 5 and 8 have xi = ni)"),
  debruin = list(data = list(xi = dat.debruin2009$xi, ni = dat.debruin2009$ni),
                 src = "metadat::dat.debruin2009"),
  edge = list(data = list(xi = c(0, 7, 7, 1, 0), ni = c(7, 7, 20, 2, 1)),
              src = "hand-made: xi = 0, xi = ni, ni = 1 and 2")
)
pv <- list(PR = c("LS", "UB", "AV"), PLN = c("LS", "AV"), PLO = c("LS", "AV"), PAS = "LS", PFT = "LS")
for (p in names(props)) for (m in names(pv)) for (vt in pv[[m]]) {
  add_case(paste0(p, "_", m, "_", vt),
           sprintf('escalc(measure = "%s", xi = xi, ni = ni, vtype = "%s")', m, vt),
           props[[p]]$data, props[[p]]$src)
}
edge <- props$edge$data
add_case("edge_PLO_all", 'escalc(measure = "PLO", xi = xi, ni = ni, to = "all")', edge, props$edge$src)
add_case("edge_PLO_if0all_add1", 'escalc(measure = "PLO", xi = xi, ni = ni, add = 1, to = "if0all")', edge, props$edge$src)
add_case("edge_PLO_none", 'escalc(measure = "PLO", xi = xi, ni = ni, to = "none")', edge, props$edge$src)
add_case("edge_PFT_add", 'escalc(measure = "PFT", xi = xi, ni = ni, add = 0.5)', edge, props$edge$src)
edge_mi <- list(xi = edge$xi, mi = edge$ni - edge$xi)
add_case("edge_PR_from_mi", 'escalc(measure = "PR", xi = xi, mi = mi)', edge_mi, "hand-made, mi = ni - xi")

# ---------------------------------------------------------------- correlations
mol <- list(ri = dat.molloy2014$ri, ni = dat.molloy2014$ni)
src_mol <- "metadat::dat.molloy2014"
for (vt in c("LS", "AV")) add_case(paste0("molloy_COR_", vt),
  sprintf('escalc(measure = "COR", ri = ri, ni = ni, vtype = "%s")', vt), mol, src_mol)
for (vt in c("UB", "LS", "AV")) add_case(paste0("molloy_UCOR_", vt),
  sprintf('escalc(measure = "UCOR", ri = ri, ni = ni, vtype = "%s")', vt), mol, src_mol)
add_case("molloy_ZCOR", 'escalc(measure = "ZCOR", ri = ri, ni = ni)', mol, src_mol)
redge <- list(ri = c(0.999, -0.999, 0.99, 0, -0.5, 1), ni = c(5, 6, 40, 5, 1000, 30))
src_redge <- "hand-made: r near +-1, r = 0, r = 1, n = 5"
add_case("redge_COR", 'escalc(measure = "COR", ri = ri, ni = ni)', redge, src_redge)
add_case("redge_ZCOR", 'escalc(measure = "ZCOR", ri = ri, ni = ni)', redge, src_redge)
redge2 <- lapply(redge, function(x) x[1:5])
add_case("redge_UCOR_UB", 'escalc(measure = "UCOR", ri = ri, ni = ni, vtype = "UB")', redge2, src_redge)
# large samples with small r (where SciPy's hyp2f1 fails) and n around the series switch (n = 40-42)
rbig <- list(ri = c(0.01, 0, 0.3, -0.2, 0.95, 0.05), ni = c(5000, 41, 42, 40, 300, 100000))
for (vt in c("UB", "LS")) add_case(paste0("rbig_UCOR_", vt),
  sprintf('escalc(measure = "UCOR", ri = ri, ni = ni, vtype = "%s")', vt), rbig,
  "hand-made: large ni with small ri, ni around 40")

# ---------------------------------------------------------------- back-transformations
x_logit <- c(-3, -0.5, 0, 0.25, 2.5)
x_asin <- c(-0.1, 0, 0.3, 0.785398163397448, 1.5, 1.6)
x_ft <- c(0.05, 0.2, 0.5, 0.9, 1.3, 1.55)
n_ft <- c(10, 25, 8, 100, 12, 30)
x_z <- c(-2, -0.3, 0, 0.8, 3)
transforms <- list(
  list(fn = "transf_ilogit", call = "transf.ilogit(x)", x = x_logit, ni = NULL,
       value = transf.ilogit(x_logit)),
  list(fn = "transf_iarcsin", call = "transf.iarcsin(x)", x = x_asin, ni = NULL,
       value = transf.iarcsin(x_asin)),
  list(fn = "transf_ztor", call = "transf.ztor(x)", x = x_z, ni = NULL, value = transf.ztor(x_z)),
  list(fn = "transf_rtoz", call = "transf.rtoz(x)", x = c(-0.9, 0, 0.3, 0.99), ni = NULL,
       value = transf.rtoz(c(-0.9, 0, 0.3, 0.99))),
  list(fn = "transf_ipft", call = "transf.ipft(x, ni)", x = x_ft, ni = n_ft,
       value = transf.ipft(x_ft, n_ft)),
  list(fn = "transf_ipft_hm", call = "transf.ipft.hm(x, targs = list(ni = ni))", x = x_ft,
       ni = n_ft, value = transf.ipft.hm(x_ft, targs = list(ni = n_ft))),
  list(fn = "transf_ipft_hm", call = "transf.ipft.hm(x, targs = list(ni = ni))",
       x = c(0, 0.1, 0.6, 1.5, 1.6), ni = dat.pritz1997$ni,
       value = transf.ipft.hm(c(0, 0.1, 0.6, 1.5, 1.6), targs = list(ni = dat.pritz1997$ni))),
  list(fn = "transf_pft", call = "transf.pft(x, ni)", x = c(0, 0.25, 1), ni = c(10, 20, 5),
       value = transf.pft(c(0, 0.25, 1), c(10, 20, 5)))
)

out <- list(
  generated_by = "tests/reference/make_fixtures_effects.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  cases = cases,
  transforms = lapply(transforms, function(t) {
    t$value <- num17(t$value)
    t
  })
)
writeLines(toJSON(out, digits = NA, json_verbatim = TRUE, auto_unbox = TRUE, null = "null", na = "null", pretty = TRUE),
           "effects.json")
cat(length(cases), "escalc cases and", length(transforms), "transformation cases written\n")
