"""Shared helpers of the benchmarks: data, timing (best of N), R via Rscript, agreement, targets.

Every case module exposes ``run(report: Report) -> None``; ``bench/run_all.py`` calls them in
turn and prints one summary table. The machine is shared, so every figure is the best of
several repeats (the count is printed beside it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# One BLAS thread per process for every tool (and the subprocesses, which inherit it): on 2
# shared cores, multi-threaded BLAS only contends, and it made some peers' timings swing 40x.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PYTHON = sys.executable
RSCRIPT = shutil.which("Rscript")
AGREE_TOL = 1e-6


def simulate(B: int, k: int, *, seed: int = 2026, mu: float = 0.3, tau2: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """B random-effects data sets of k studies: vi ~ U(0.01, 0.1), yi ~ N(mu, vi + tau2)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.1, (B, k))
    yi = rng.normal(mu, np.sqrt(vi + tau2))
    return yi, vi


def best_of(fn: Callable[[], Any], n: int = 5, *, budget: float | None = None) -> tuple[float, Any, int]:
    """(best seconds, last result, repeats run). Stops early once *budget* seconds are spent."""
    best = float("inf")
    out = None
    spent = 0.0
    done = 0
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = min(best, dt)
        spent += dt
        done += 1
        if budget is not None and spent > budget:
            break
    return best, out, done


# --------------------------------------------------------------------------------------- R
def r_available() -> tuple[bool, str]:
    if RSCRIPT is None:
        return False, "Rscript is not installed: metafor skipped"
    try:
        p = subprocess.run([RSCRIPT, "-e", 'cat(as.character(packageVersion("metafor")))'],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, "Rscript did not start within 60 s: metafor skipped"
    if p.returncode != 0:
        return False, "metafor is not installed in R: metafor skipped"
    return True, f"metafor {p.stdout.strip()}"


@dataclass
class RRun:
    status: str  # "ok", "timeout", "out of memory", "error"
    wall: float
    out: dict[str, Any] = field(default_factory=dict)
    stderr: str = ""


def write_matrix(path: Path, a: np.ndarray) -> None:
    """Row-major doubles, read in R with ``matrix(readBin(...), nrow = B, byrow = TRUE)``."""
    np.ascontiguousarray(a, dtype="<f8").tofile(path)


def run_r(script: str, *, timeout: float, mem_gb: float | None = None, workdir: Path) -> RRun:
    """Run an R script (which writes ``out.json`` in *workdir*) under a timeout and, if given,
    an address-space limit (``ulimit -v``), so a k x k allocation fails instead of eating the
    machine's memory."""
    f = workdir / "script.R"
    f.write_text(script)
    cmd = f'cd "{workdir}" && '
    if mem_gb is not None:
        cmd += f"ulimit -v {int(mem_gb * 1024 * 1024)} && "
    cmd += f'exec "{RSCRIPT}" --vanilla script.R'
    t = time.perf_counter()
    try:
        p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return RRun("timeout", time.perf_counter() - t)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        err = p.stderr.strip()
        status = "out of memory" if ("cannot allocate" in err or "vector memory" in err) else "error"
        return RRun(status, wall, stderr=err[-400:])
    return RRun("ok", wall, json.loads((workdir / "out.json").read_text()))


def tempdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="metareview-bench-"))


# ------------------------------------------------------------------------------- results
@dataclass
class Figure:
    case: str
    tool: str
    what: str
    seconds: float | None
    note: str = ""


@dataclass
class Target:
    name: str
    value: float | None
    limit: float
    unit: str
    higher_is_better: bool = False
    note: str = ""

    @property
    def met(self) -> bool:
        if self.value is None or not np.isfinite(self.value):
            return False
        return self.value >= self.limit if self.higher_is_better else self.value < self.limit


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    agreement: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)

    def figure(self, case: str, tool: str, what: str, seconds: float | None, note: str = "") -> None:
        self.figures.append(Figure(case, tool, what, seconds, note))
        s = "-" if seconds is None else f"{seconds:.4g} s"
        print(f"  [{case}] {tool:<16} {what:<34} {s:>12}  {note}", flush=True)

    def agree(self, case: str, tool: str, name: str, a: Any, b: Any, tol: float = AGREE_TOL) -> bool:
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        d = float(np.nanmax(np.abs(a - b))) if a.size else float("nan")
        nan_mismatch = int((np.isnan(a) != np.isnan(b)).sum())
        ok = d <= tol and nan_mismatch == 0
        line = (f"[{case}] {tool} vs metareview, {name}: max |diff| = {d:.2e} over {a.size} "
                f"({'agree' if ok else 'DIFFER'} to {tol:g})" + (f", {nan_mismatch} NaN mismatches" if nan_mismatch else ""))  # fmt: skip
        self.agreement.append(line)
        print("  " + line, flush=True)
        return ok

    def target(self, t: Target) -> None:
        self.targets.append(t)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print("  note: " + text, flush=True)


def run_alone(run: Callable[[Report], None], *, timed: bool = True) -> None:
    """Run one case on its own (``python bench/caseN_....py``): its figures as it goes, then
    each target with met/MISSED and, when *timed*, the wall time of the whole case."""
    report = Report()
    t0 = time.perf_counter()
    run(report)
    for tg in report.targets:
        print(f"{tg.name}: {tg.value} {tg.unit} (target {tg.limit:g}) {'met' if tg.met else 'MISSED'}")
    if timed:
        print(f"{time.perf_counter() - t0:.0f} s")


def py_subprocess(code: str, *, timeout: float = 600, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run *code* in a fresh interpreter; it prints one JSON object on its last stdout line."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=timeout, env=e, cwd=REPO)
    if p.returncode != 0:
        raise RuntimeError(p.stderr[-2000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def profile_top(fn: Callable[[], Any], n: int = 8) -> str:
    """cProfile of one call: the *n* functions with the most cumulative time."""
    import cProfile
    import io
    import pstats

    pr = cProfile.Profile()
    pr.enable()
    fn()
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(n)
    lines = [ln for ln in s.getvalue().splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("ncalls")), 0)
    return "\n".join(lines[start : start + n + 1])


SNIPPET_HARNESS = """
import json, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
import logging
logging.disable(logging.CRITICAL)
yi = np.load(sys.argv[1]); vi = np.load(sys.argv[2]); repeats = int(sys.argv[3]); budget = float(sys.argv[4])
{code}
best = float("inf"); spent = 0.0; n = 0
for _ in range(repeats):
    t = time.perf_counter(); out = task(yi, vi); dt = time.perf_counter() - t
    best = min(best, dt); spent += dt; n += 1
    if spent > budget:
        break
out = {{k: np.asarray(v, dtype=float).ravel().tolist() for k, v in out.items()}}
print(json.dumps({{"seconds": best, "repeats": n, "out": out}}))
"""


def run_snippet(code: str, yi: np.ndarray, vi: np.ndarray, *, workdir: Path, repeats: int = 5,
                budget: float = 10.0, timeout: float = 60.0, mem_gb: float = 6.0) -> dict[str, Any]:
    """Run ``task(yi, vi) -> dict of arrays`` (defined by *code*) in a subprocess under a timeout
    and ``ulimit -v``; returns ``{"status", "seconds", "repeats", "out"}``."""
    yp, vp = workdir / "snip_y.npy", workdir / "snip_v.npy"
    np.save(yp, yi)
    np.save(vp, vi)
    src = SNIPPET_HARNESS.format(code=code)
    cmd = f'ulimit -v {int(mem_gb * 1024 * 1024)} && exec "{PYTHON}" -c "$0" "$@"'
    t = time.perf_counter()
    try:
        p = subprocess.run(["bash", "-c", cmd, src, str(yp), str(vp), str(repeats), str(budget)],
                           capture_output=True, text=True, timeout=timeout, cwd=REPO)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "wall": time.perf_counter() - t}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"status": f"error: {last[:200]}", "wall": time.perf_counter() - t}
    res = json.loads(p.stdout.strip().splitlines()[-1])
    res["status"] = "ok"
    return res
