"""Case 2: one REML fit with k = 1,000,000 studies (time and peak memory), and k = 100,000 with
the peers.

Every tool runs in its own subprocess under ``ulimit -v`` (an address-space cap) and a timeout,
so one that builds k x k matrices fails to allocate instead of eating the machine's memory.
Peak memory is measured two ways in that subprocess: ``tracemalloc``'s peak during the fit
(Python and NumPy allocations) and the growth of the resident set (``ru_maxrss``) over the
fit.

Run alone: ``.venv/bin/python bench/case2_large_k.py``.
"""

from __future__ import annotations

import json
import subprocess
import time

import numpy as np

if __package__ in (None, ""):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, REPO, Report, Target, r_available, run_alone, run_r, simulate, tempdir, write_matrix

CASE = "case 2"
MEM_GB = 6  # ulimit -v for every subprocess
TIMEOUT = 150

# each snippet defines fit(yi, vi) -> (estimate, tau2) with REML (DL where the tool has no REML)
FITS = {
    "metareview": ("REML", """
from metareview.models import rma
def fit(yi, vi):
    r = rma(yi, vi, method="REML")
    return r.estimate, r.tau2
"""),
    "metareview-DL": ("DL", """
from metareview.models import rma
def fit(yi, vi):
    r = rma(yi, vi, method="DL")
    return r.estimate, r.tau2
"""),
    "pimeta": ("REML", """
import pimeta
def fit(yi, vi):
    r = pimeta.rma(yi, vi, method="REML")
    return float(np.ravel(r.b)[0]), float(r.tau2)
"""),
    "PyMetaAnalysis": ("REML", """
import meta_analyze
def fit(yi, vi):
    r = meta_analyze.meta_analysis(effect=yi, variance=vi, tau2_method="REML")
    return r.estimate, r.tau2
"""),
    "PyMARE": ("REML", """
from pymare.estimators import VarianceBasedLikelihoodEstimator
def fit(yi, vi):
    p = VarianceBasedLikelihoodEstimator(method="REML").fit(y=yi[:, None], v=vi[:, None], X=np.ones((yi.size, 1))).params_
    return float(np.ravel(p["fe_params"])[0]), float(np.ravel(p["tau2"])[0])
"""),
    "statsmodels": ("DL", """
from statsmodels.stats.meta_analysis import combine_effects
def fit(yi, vi):
    r = combine_effects(yi, vi, method_re="chi2")
    return float(r.mean_effect_re), float(r.tau2)
"""),
    "PythonMeta": ("DL", """
import logging
import PythonMeta
logging.disable(logging.CRITICAL)
def fit(yi, vi):
    n = 50
    sd = np.sqrt(vi * n / 2)
    m = PythonMeta.Meta()
    m.datatype, m.models, m.algorithm, m.effect = "CONT", "Random", "IV", "MD"
    r = m.meta([[float(a), float(b), n, 0.0, float(b), n, "s"] for a, b in zip(yi, sd)])
    return r[0][1], r[0][12]
"""),
}

HARNESS = """
import json, resource, sys, time, tracemalloc, warnings
import numpy as np
warnings.simplefilter("ignore")
yi = np.load(sys.argv[1]); vi = np.load(sys.argv[2]); repeats = int(sys.argv[3])
{fit}
fit(yi[:50], vi[:50])  # warm-up: imports and first-call costs are not the fit's
# memory first, on the first full-size call: peak resident set (ru_maxrss) over the resident
# set just before the fit (VmRSS), and tracemalloc's peak
def vmrss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rss0 = vmrss_kb()
tracemalloc.start()
fit(yi, vi)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter(); est, tau2 = fit(yi, vi); best = min(best, time.perf_counter() - t)
print(json.dumps({{"seconds": best, "estimate": float(est), "tau2": float(tau2), "repeats": repeats,
                  "traced_peak_mb": peak / 1e6, "rss_growth_mb": (rss1 - rss0) / 1024, "rss_mb": rss1 / 1024}}))
"""

R_SCRIPT = """
suppressPackageStartupMessages({{library(metafor); library(jsonlite)}})
k <- {k}
yi <- readBin("yi.bin", "double", k); vi <- readBin("vi.bin", "double", k)
t0 <- proc.time()[["elapsed"]]
r <- rma(yi, vi, method = "REML", control = list(threshold = 1e-10, maxiter = 1000))
writeLines(toJSON(list(seconds = proc.time()[["elapsed"]] - t0, estimate = r$b[1], tau2 = r$tau2),
                  digits = NA, auto_unbox = TRUE), "out.json")
"""


def run_tool(name: str, yi_path: str, vi_path: str, *, repeats: int) -> dict:
    code = HARNESS.format(fit=FITS[name][1])
    cmd = f'ulimit -v {MEM_GB * 1024 * 1024} && exec "{PYTHON}" -c "$0" "$@"'
    t = time.perf_counter()
    try:
        p = subprocess.run(["bash", "-c", cmd, code, yi_path, vi_path, str(repeats)], capture_output=True,
                           text=True, timeout=TIMEOUT, cwd=REPO)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": f"timeout after {TIMEOUT} s"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        status = "out of memory" if "MemoryError" in p.stderr or "Unable to allocate" in p.stderr else "error"
        return {"status": f"{status}: {last[:160]}", "wall": time.perf_counter() - t}
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["status"] = "ok"
    return out


def run(report: Report, *, repeats: int = 5) -> None:
    print(f"\n== {CASE}: one REML fit with very large k (each tool in a subprocess, ulimit -v {MEM_GB} GB) ==",
          flush=True)  # fmt: skip
    wd = tempdir()
    yi1m, vi1m = (a[0] for a in simulate(1, 1_000_000, seed=7))
    np.save(wd / "y1m.npy", yi1m)
    np.save(wd / "v1m.npy", vi1m)
    big = run_tool("metareview", str(wd / "y1m.npy"), str(wd / "v1m.npy"), repeats=repeats)
    if big["status"] != "ok":
        report.note(f"metareview k = 1,000,000 failed: {big['status']}")
        report.target(Target("case 2: k = 1,000,000 REML time", None, 0.1, "s"))
        report.target(Target("case 2: k = 1,000,000 REML peak memory", None, 200, "MB"))
    else:
        report.figure(CASE, "metareview", "k = 1,000,000 REML", big["seconds"],
                      f"best of {big['repeats']}; traced peak {big['traced_peak_mb']:.0f} MB, "
                      f"RSS growth {big['rss_growth_mb']:.0f} MB")  # fmt: skip
        report.target(Target("case 2: k = 1,000,000 REML time", big["seconds"], 0.1, "s"))
        peak = max(big["traced_peak_mb"], big["rss_growth_mb"])
        report.target(Target("case 2: k = 1,000,000 REML peak memory", peak, 200, "MB",
                             note=f"tracemalloc {big['traced_peak_mb']:.0f} MB, RSS growth {big['rss_growth_mb']:.0f} MB"))  # fmt: skip
    yi, vi = (a[0] for a in simulate(1, 100_000, seed=8))
    np.save(wd / "y.npy", yi)
    np.save(wd / "v.npy", vi)
    ours = {}
    # REML first (metareview, then the peers that have it), then DL for the peers that have only DL
    for name, (method, _) in sorted(FITS.items(), key=lambda kv: (kv[1][0] != "REML", not kv[0].startswith("metareview"))):
        res = run_tool(name, str(wd / "y.npy"), str(wd / "v.npy"),
                       repeats=repeats if name.startswith("metareview") else 3)  # fmt: skip
        _report_k1e5(report, name, method, res, ours)
    ok, why = r_available()
    if not ok:
        report.note(why)
        return
    write_matrix(wd / "yi.bin", yi)
    write_matrix(wd / "vi.bin", vi)
    rr = run_r(R_SCRIPT.format(k=yi.size), timeout=TIMEOUT, mem_gb=MEM_GB, workdir=wd)
    if rr.status == "ok":
        report.agree(CASE, "metafor", "REML estimate (k = 100,000)", [rr.out["estimate"]], [ours["REML"][0]])
        report.agree(CASE, "metafor", "REML tau2 (k = 100,000)", [rr.out["tau2"]], [ours["REML"][1]])
        report.figure(CASE, "metafor", "k = 100,000 REML", rr.out["seconds"], why)
    else:
        report.figure(CASE, "metafor", "k = 100,000 REML", None,
                      f"{rr.status} after {rr.wall:.0f} s (ulimit -v {MEM_GB} GB; rma builds k x k matrices: "
                      f"{yi.size**2 * 8 / 1e9:.0f} GB each) " + next((ln.strip() for ln in rr.stderr.splitlines() if "allocate" in ln), ""))  # fmt: skip


def _report_k1e5(report: Report, name: str, method: str, res: dict, ours: dict) -> None:
    label = name.replace("-DL", "")
    if res["status"] != "ok":
        report.figure(CASE, label, f"k = 100,000 {method}", None, res["status"])
        return
    if label == "metareview":
        ours[method] = (res["estimate"], res["tau2"])
    else:
        report.agree(CASE, label, f"{method} estimate (k = 100,000)", [res["estimate"]], [ours[method][0]])
        report.agree(CASE, label, f"{method} tau2 (k = 100,000)", [res["tau2"]], [ours[method][1]])
    report.figure(CASE, label, f"k = 100,000 {method}", res["seconds"],
                  f"best of {res['repeats']}; traced peak {res['traced_peak_mb']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    run_alone(run)
