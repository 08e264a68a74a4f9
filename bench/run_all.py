"""Run every metareview benchmark and print one summary table (what ``make bench`` runs).

Cases (one module each, runnable alone):

1. ``case1_many_fits``: 10,000 REML and DL fits of k = 20 in one call, against metafor and
   the Python peers (PyMARE, pimeta, PyMetaAnalysis, statsmodels, PythonMeta).
2. ``case2_large_k``: one REML fit with k = 1,000,000 (time, peak memory) and k = 100,000.
3. ``case3_diagnostics``: leave-one-out (k = 2,000), trim-and-fill (k = 500), GOSH (k = 16).
4. ``case4_cold_start``: ``import metareview``, ``metareview --help``, ``metareview pool``.
5. ``case5_dask``: 10^6 REML fits on a local Dask cluster, 1 vs 2 workers.

Every peer's numbers are checked against metareview's before it is timed; the agreement is
printed. Where a target is missed, a cProfile of the metareview call shows where the time
goes. Usage: ``python bench/run_all.py [--only 1,3] [--no-profile]``.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Report, profile_top, simulate  # noqa: E402

CASES = {
    "1": "case1_many_fits",
    "2": "case2_large_k",
    "3": "case3_diagnostics",
    "4": "case4_cold_start",
    "5": "case5_dask",
}


def _profilers() -> dict[str, Callable[[], object]]:
    """For each target: the metareview call to profile when it is missed."""
    import numpy as np

    from metareview.bias import trim_and_fill  # noqa: F401
    from metareview.diagnostics import leave_one_out
    from metareview.models import rma, rma_batch

    yi, vi = simulate(10_000, 20)
    y1, v1 = (a[0] for a in simulate(1, 1_000_000, seed=7))
    y2, v2 = (a[0] for a in simulate(1, 2000, seed=11))
    fit2 = rma(y2, v2)
    return {
        "case 1 REML": lambda: rma_batch(yi, vi, method="REML"),
        "case 1 DL": lambda: rma_batch(yi, vi, method="DL"),
        "case 2": lambda: rma(y1, v1),
        "case 3: leave-one-out": lambda: leave_one_out(fit2),
        "case 4": lambda: np.zeros(1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(CASES), help="comma list of case numbers (default: all)")
    ap.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    args = ap.parse_args(argv)
    import numpy as np

    import metareview

    print(f"metareview {getattr(metareview, '__version__', '?')} | Python {platform.python_version()} | "
          f"NumPy {np.__version__} | {platform.machine()}, {_cores()} cores | "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")  # fmt: skip
    print("The machine is shared: figures are the best of N repeats (N printed beside each).")
    report = Report()
    t0 = time.perf_counter()
    for key in args.only.split(","):
        mod = importlib.import_module(CASES[key.strip()])
        t = time.perf_counter()
        try:
            mod.run(report)
        except Exception as exc:  # a broken case is reported; the others still run
            report.note(f"case {key} failed: {type(exc).__name__}: {exc}")
        print(f"  ({time.perf_counter() - t:.0f} s)", flush=True)
    _summary(report)
    if not args.no_profile:
        _profile_missed(report)
    print(f"\nbench finished in {time.perf_counter() - t0:.0f} s")
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _task(what: str) -> str:
    return what.split(" (")[0].strip()


def _summary(report: Report) -> None:
    print("\n" + "=" * 100 + "\nSUMMARY: figures (seconds)\n" + "=" * 100)
    print("ratio = this tool's time / metareview's time on the same task in this run")
    ours = {(f.case, _task(f.what)): f.seconds for f in report.figures if f.tool == "metareview" and f.seconds}
    print(f"{'case':<7} {'tool':<16} {'what':<44} {'seconds':>10} {'ratio':>9}  note")
    for f in report.figures:
        base = ours.get((f.case, _task(f.what)))
        ratio = "" if (f.tool == "metareview" or base is None or f.seconds is None) else f"{f.seconds / base:,.1f}x"
        if f.seconds is None and f.note.startswith(">="):  # a capped run: at least this ratio
            cap = float(f.note.split()[1])
            ratio = f">={cap / base:,.0f}x" if base else ""
        print(f"{f.case:<7} {f.tool:<16} {f.what:<44} {_fmt(f.seconds):>10} {ratio:>9}  {f.note[:100]}")
    print("\nAGREEMENT (checked before timing)")
    for line in report.agreement:
        print("  " + line)
    if report.notes:
        print("\nNOTES")
        for n in report.notes:
            print("  " + n)
    print("\nTARGETS")
    print(f"{'target':<66} {'measured':>12} {'target':>10}  result")
    for t in report.targets:
        cmp = ">=" if t.higher_is_better else "<"
        print(f"{t.name:<66} {_fmt(t.value) + ' ' + t.unit:>12} {cmp + ' ' + _fmt(t.limit) + ' ' + t.unit:>10}  "
              f"{'met' if t.met else 'MISSED'}  {t.note}")  # fmt: skip
    met = sum(t.met for t in report.targets)
    print(f"{met} of {len(report.targets)} targets met")


def _profile_missed(report: Report) -> None:
    missed = [t for t in report.targets if not t.met]
    if not missed:
        return
    profs = _profilers()
    done: set[str] = set()
    for t in missed:
        key = next((k for k in profs if t.name.startswith(k)), None)
        if key is None or key in done or key == "case 4":
            continue
        done.add(key)
        print(f"\nWHERE THE TIME GOES ({t.name}): cProfile, top functions by own time")
        print(profile_top(profs[key], 10))


if __name__ == "__main__":
    raise SystemExit(main())
