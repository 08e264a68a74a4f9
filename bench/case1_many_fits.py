"""Case 1: 10,000 random-effects meta-analyses (REML and DL) of k = 20 studies, in one call.

metareview fits all of them with one vectorised ``rma_batch``. The peers fit them one at a
time (PyMARE's DerSimonian-Laird is vectorised over data sets too). Slow peers are timed on a
subset and scaled to 10,000, which is printed beside the figure. Before timing, each peer's
estimate and tau^2 are checked against metareview's on the same data sets.

Run alone: ``.venv/bin/python bench/case1_many_fits.py``.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np

if __package__ in (None, ""):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Report, Target, best_of, r_available, run_alone, run_r, simulate, tempdir, write_matrix

CASE = "case 1"
B, K = 10_000, 20
SUBSET = {"pimeta": 300, "PyMetaAnalysis": 300, "PyMARE": B, "statsmodels": 1000, "PythonMeta": 2000}

R_SCRIPT = """
suppressPackageStartupMessages({{library(metafor); library(jsonlite)}})
B <- {B}; k <- {K}
yi <- matrix(readBin("yi.bin", "double", B * k), nrow = B, byrow = TRUE)
vi <- matrix(readBin("vi.bin", "double", B * k), nrow = B, byrow = TRUE)
# a tight threshold so tau2 is exact to 1e-6 (the default 1e-5 is not); where Fisher scoring
# fails, retry with step halving, then with the defaults; NA if all fail (counted and reported)
ctrls <- list(list(threshold = 1e-10, maxiter = 1000), list(threshold = 1e-10, maxiter = 10000, stepadj = 0.5),
              list())
fit1 <- function(y, v, m) {{
  for (ctrl in ctrls) {{
    r <- tryCatch(rma(y, v, method = m, control = ctrl), error = function(e) NULL)
    if (!is.null(r)) return(c(r$b[1], r$tau2))
  }}
  c(NA, NA)
}}
out <- list()
for (m in c("REML", "DL")) {{
  t0 <- proc.time()[["elapsed"]]
  res <- vapply(seq_len(B), function(i) fit1(yi[i, ], vi[i, ], m), numeric(2))
  out[[m]] <- list(seconds = proc.time()[["elapsed"]] - t0, estimate = res[1, ], tau2 = res[2, ])
}}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), "out.json")
"""


def _peers() -> dict[str, dict[str, Any]]:
    """Per peer and method: a function fitting rows [0, n) of (yi, vi) -> (estimate, tau2)."""
    peers: dict[str, dict[str, Any]] = {}
    try:
        import pimeta

        def pimeta_fit(yi: np.ndarray, vi: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
            res = [pimeta.rma(y, v, method=method) for y, v in zip(yi, vi, strict=True)]
            return np.array([float(np.ravel(r.b)[0]) for r in res]), np.array([float(r.tau2) for r in res])

        peers["pimeta"] = {"REML": pimeta_fit, "DL": pimeta_fit}
    except ImportError:
        pass
    try:
        import meta_analyze

        def pma_fit(yi: np.ndarray, vi: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
            res = [meta_analyze.meta_analysis(effect=y, variance=v, tau2_method=method)
                   for y, v in zip(yi, vi, strict=True)]  # fmt: skip
            return np.array([r.estimate for r in res]), np.array([r.tau2 for r in res])

        peers["PyMetaAnalysis"] = {"REML": pma_fit, "DL": pma_fit}
    except ImportError:
        pass
    try:
        from pymare.estimators import DerSimonianLaird, VarianceBasedLikelihoodEstimator

        def pymare_fit(yi: np.ndarray, vi: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
            # PyMARE takes (k, d): one column per data set
            est = VarianceBasedLikelihoodEstimator(method="REML") if method == "REML" else DerSimonianLaird()
            p = est.fit(y=yi.T, v=vi.T, X=np.ones((yi.shape[1], 1))).params_
            return np.ravel(p["fe_params"]), np.ravel(p["tau2"])

        peers["PyMARE"] = {"REML": pymare_fit, "DL": pymare_fit}
    except ImportError:
        pass
    try:
        from statsmodels.stats.meta_analysis import combine_effects

        def sm_fit(yi: np.ndarray, vi: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
            res = [combine_effects(y, v, method_re="chi2") for y, v in zip(yi, vi, strict=True)]
            return np.array([r.mean_effect_re for r in res]), np.array([r.tau2 for r in res])

        peers["statsmodels"] = {"DL": sm_fit}  # no REML: "chi2" is DerSimonian-Laird
    except ImportError:
        pass
    try:
        import PythonMeta

        def pm_fit(yi: np.ndarray, vi: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
            # PythonMeta reads raw arms only: MD with m2 = 0, n1 = n2 = 50, sd = sqrt(vi n / 2)
            # gives exactly yi and vi (Deeks & Higgins' inverse-variance MD)
            n = 50
            sd = np.sqrt(vi * n / 2)
            est, tau2 = [], []
            for y, s in zip(yi, sd, strict=True):
                m = PythonMeta.Meta()
                m.datatype, m.models, m.algorithm, m.effect = "CONT", "Random", "IV", "MD"
                r = m.meta([[float(a), float(b), n, 0.0, float(b), n, f"s{i}"] for i, (a, b) in enumerate(zip(y, s))])
                est.append(r[0][1])
                tau2.append(r[0][12])
            return np.array(est), np.array(tau2)

        peers["PythonMeta"] = {"DL": pm_fit}  # random effects = DerSimonian-Laird only
    except ImportError:
        pass
    return peers


def run(report: Report, *, repeats: int = 5) -> None:
    from metareview.models import rma_batch

    print(f"\n== {CASE}: {B:,} meta-analyses of k = {K}, REML and DL ==", flush=True)
    yi, vi = simulate(B, K)
    ours: dict[str, Any] = {}
    for m in ("REML", "DL"):
        t, res, n = best_of(lambda m=m: rma_batch(yi, vi, method=m), repeats)
        ours[m] = (t, res)
        report.figure(CASE, "metareview", f"{B:,} x {m} (rma_batch)", t, f"best of {n}")
    # the same fits from a long table (one row per study): layout into padded arrays + chunks
    import pandas as pd

    from metareview.models.batch import pool_groups

    long = pd.DataFrame({"analysis": np.repeat(np.arange(B), K), "yi": yi.ravel(), "vi": vi.ravel()})
    long = long.sample(frac=1.0, random_state=1).reset_index(drop=True)
    t, res_long, n = best_of(lambda: pool_groups(long, by="analysis", method="REML"), repeats)
    same = float(np.max(np.abs(res_long["estimate"].to_numpy() - ours["REML"][1].estimate)))
    report.figure(CASE, "metareview", f"{B:,} x REML (pool_groups, long table)", t,
                  f"best of {n}; {B * K:,} shuffled rows; max |diff| to rma_batch {same:.1e}")  # fmt: skip
    logging.disable(logging.CRITICAL)  # PythonMeta logs every call
    fastest_py: dict[str, tuple[str, float]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fits in _peers().items():
            for m, fit in fits.items():
                n = SUBSET[name]
                est_ours, tau_ours = ours[m][1].estimate[:n], ours[m][1].tau2[:n]
                try:
                    est, tau2 = fit(yi[:n], vi[:n], m)
                except Exception as exc:  # a peer failing is reported, not fatal
                    report.note(f"{name} {m} failed: {type(exc).__name__}: {exc}")
                    continue
                keep = np.ones(n, dtype=bool)
                if name == "statsmodels":
                    # statsmodels does not truncate a negative DL tau2 at 0 (metafor and the
                    # other peers do): compare where it is >= 0, and say how many are not
                    keep = np.asarray(tau2) >= 0
                    report.note(f"statsmodels DL: {int((~keep).sum())} of {n} tau2 < 0 (not truncated at 0, "
                                "unlike metafor); agreement checked on the others")  # fmt: skip
                report.agree(CASE, name, f"{m} estimate", np.asarray(est)[keep], est_ours[keep])
                report.agree(CASE, name, f"{m} tau2", np.asarray(tau2)[keep], tau_ours[keep])
                reps = 3
                t, _, r = best_of(lambda fit=fit, n=n, m=m: fit(yi[:n], vi[:n], m), reps, budget=10)
                if n == B:
                    scaled, how = t, f"all {B:,} in one call, best of {r}"
                else:
                    scaled, how = t * B / n, f"timed on {n:,} (best of {r}), x{B / n:g} to {B:,}"
                report.figure(CASE, name, f"{B:,} x {m}", scaled, how)
                if m not in fastest_py or scaled < fastest_py[m][1]:
                    fastest_py[m] = (name, scaled)
    logging.disable(logging.NOTSET)
    ok, why = r_available()
    r_times: dict[str, float | None] = {"REML": None, "DL": None}
    if not ok:
        report.note(why)
    else:
        wd = tempdir()
        write_matrix(wd / "yi.bin", yi)
        write_matrix(wd / "vi.bin", vi)
        rr = run_r(R_SCRIPT.format(B=B, K=K), timeout=240, mem_gb=8, workdir=wd)
        if rr.status != "ok":
            report.note(f"metafor case 1: {rr.status} after {rr.wall:.0f} s {rr.stderr}")
        else:
            for m in ("REML", "DL"):
                o = rr.out[m]
                est_r = np.array(o["estimate"], dtype=float)
                tau_r = np.array(o["tau2"], dtype=float)
                ok_r = ~np.isnan(est_r)
                if not ok_r.all():
                    report.note(f"metafor {m}: rma failed (Fisher scoring did not converge, even with step halving) "
                                f"on {int((~ok_r).sum())} of {B:,} data sets; metareview fitted them "
                                f"(converged: {bool(ours[m][1].converged[~ok_r].all())}); agreement on the others")  # fmt: skip
                report.agree(CASE, "metafor", f"{m} estimate", est_r[ok_r], ours[m][1].estimate[ok_r])
                report.agree(CASE, "metafor", f"{m} tau2", tau_r[ok_r], ours[m][1].tau2[ok_r])
                r_times[m] = float(o["seconds"])
                report.figure(CASE, "metafor", f"{B:,} x {m} (rma in a loop)", r_times[m],
                              f"{why}, threshold 1e-10, one run, fits only (R start-up excluded)")  # fmt: skip
    for m in ("REML", "DL"):
        t = ours[m][0]
        rt = r_times[m]
        report.target(Target(f"case 1 {m}: metafor / metareview", None if rt is None else rt / t, 100, "x",
                             higher_is_better=True, note=f"{rt if rt is not None else float('nan'):.2f} s vs {t:.3f} s"))  # fmt: skip
        if m in fastest_py:
            name, pt = fastest_py[m]
            report.target(Target(f"case 1 {m}: fastest Python peer ({name}) / metareview", pt / t, 10, "x",
                                 higher_is_better=True, note=f"{pt:.3f} s vs {t:.3f} s"))  # fmt: skip


if __name__ == "__main__":
    run_alone(run)
