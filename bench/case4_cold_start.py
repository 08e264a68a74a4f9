"""Case 4: cold start: ``import metareview``, ``metareview --help``, ``metareview pool`` on a small CSV.

Each is a fresh subprocess (wall time, interpreter start-up included; best of 5). The slowest
imports of each (``python -X importtime``, self time) are printed to show where the time goes.

Run alone: ``.venv/bin/python bench/case4_cold_start.py``.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, REPO, Report, Target, run_alone, tempdir

CASE = "case 4"
REPEATS = 5
CLI = Path(PYTHON).with_name("metareview")


def _wall(cmd: list[str], n: int = REPEATS) -> tuple[float, str]:
    best = float("inf")
    out = ""
    for _ in range(n):
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=120)
        best = min(best, time.perf_counter() - t)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {p.stderr[-500:]}")
        out = p.stdout
    return best, out


def _slowest_imports(cmd: list[str], n: int = 6) -> str:
    p = subprocess.run([PYTHON, "-X", "importtime", *cmd], capture_output=True, text=True, cwd=REPO, timeout=120)
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _cum, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(self_us), name.strip()))
    top = sorted(rows, reverse=True)[:n]
    return ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in top)


def run(report: Report) -> None:
    print(f"\n== {CASE}: cold start (fresh subprocess, wall time, best of {REPEATS}) ==", flush=True)
    base, _ = _wall([PYTHON, "-c", "pass"])
    report.figure(CASE, "python", "interpreter start-up (-c pass)", base, f"best of {REPEATS}, for reference")
    imp, _ = _wall([PYTHON, "-c", "import metareview"])
    report.figure(CASE, "metareview", "import metareview", imp, f"best of {REPEATS}; slowest: "
                  + _slowest_imports(["-c", "import metareview"]))  # fmt: skip
    report.target(Target("case 4: import metareview (wall, with start-up)", imp, 0.2, "s"))
    hlp, _ = _wall([str(CLI), "--help"])
    report.figure(CASE, "metareview", "metareview --help", hlp, f"best of {REPEATS}; slowest: "
                  + _slowest_imports(["-m", "metareview", "--help"]))  # fmt: skip
    report.target(Target("case 4: metareview --help (wall)", hlp, 0.3, "s"))
    wd = tempdir()
    csv = wd / "small.csv"
    csv.write_text("study,yi,vi\nA,0.10,0.040\nB,0.30,0.020\nC,0.35,0.050\nD,0.65,0.030\n")
    pool, out = _wall([str(CLI), "pool", str(csv), "--method", "DL", "--json"])
    # metafor: rma(c(.1,.3,.35,.65), c(.04,.02,.05,.03), method="DL") gives 0.3578696
    ok = '"estimate": 0.35786' in out
    report.figure(CASE, "metareview", "metareview pool small.csv --json", pool,
                  f"best of {REPEATS}; estimate {'matches' if ok else 'DOES NOT match'} metafor's 0.3578696; slowest: "
                  + _slowest_imports(["-m", "metareview", "pool", str(csv), "--method", "DL", "--json"]))  # fmt: skip
    report.note("no target is set for `metareview pool`; it imports NumPy, SciPy and pandas")


if __name__ == "__main__":
    run_alone(run, timed=False)
