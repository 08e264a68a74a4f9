"""The LD-IL-2 flagship analysis as an analysis plan shipped with metareview.

``metareview/datasets/data/ld_il2_plan.toml`` states every choice of the flagship analysis
(effect size, assumed pre-post correlation, model, subgroups, sensitivity analyses, bias
tests, the published numbers it is set beside). It reads two analysis-ready tables shipped
beside it:

* ``ld_il2_continuous.csv``: every pre/post row of :func:`~metareview.datasets.ld_il2.
  analysis_tables`, with ``analysis_outcome`` and ``variant``: ``main`` (counted-once rule,
  medians converted by Luo et al. 2018 / Wan et al. 2014), ``median_wan`` and ``median_shi``
  (the other median conversions) and ``overlapping_included`` (the not-counted report of an
  overlapping cohort kept); the plan picks rows with ``filter`` and its sensitivity
  ``subsets``;
* ``ld_il2_counts.csv``: the count outcomes (``variant = main``).

Both are written by :func:`write_plan_tables` from the shipped study rows; a test checks that
the shipped files equal a fresh run, so they cannot drift from the data.

Examples
--------
>>> cont, counts = plan_tables()
>>> sorted(cont["variant"].unique())
['main', 'median_shi', 'median_wan', 'overlapping_included']
>>> int(((cont["variant"] == "main") & (cont["analysis_outcome"] == "Treg")).sum())
4
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from metareview.datasets import DATA_DIR
from metareview.datasets.ld_il2 import CONTINUOUS_COLUMNS, COUNT_COLUMNS, analysis_tables

__all__ = ["CONTINUOUS_FILE", "COUNTS_FILE", "PLAN_FILE", "VARIANTS", "copy_plan",
           "plan_path", "plan_tables", "write_plan_tables"]

PLAN_FILE = "ld_il2_plan.toml"
CONTINUOUS_FILE = "ld_il2_continuous.csv"
COUNTS_FILE = "ld_il2_counts.csv"

#: variant -> options of :func:`~metareview.datasets.ld_il2.analysis_tables`
VARIANTS: dict[str, dict[str, object]] = {
    "main": {"median_method": "luo_wan", "include_overlapping": False},
    "median_wan": {"median_method": "wan", "include_overlapping": False},
    "median_shi": {"median_method": "shi", "include_overlapping": False},
    "overlapping_included": {"median_method": "luo_wan", "include_overlapping": True},
}


def plan_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two long tables the shipped plan reads: continuous (every variant) and counts.

    Columns: ``analysis_outcome, variant`` then
    :data:`~metareview.datasets.ld_il2.CONTINUOUS_COLUMNS` or
    :data:`~metareview.datasets.ld_il2.COUNT_COLUMNS`.
    """
    cont = []
    counts = []
    for variant, options in VARIANTS.items():
        tables = analysis_tables(**options)  # type: ignore[arg-type]
        for name, t in tables.continuous.items():
            cont.append(t.assign(analysis_outcome=name, variant=variant))
        if variant == "main":
            for name, t in tables.counts.items():
                counts.append(t.assign(analysis_outcome=name, variant=variant))
    head = ["analysis_outcome", "variant"]
    c = pd.concat(cont, ignore_index=True)[head + list(CONTINUOUS_COLUMNS)]
    n = pd.concat(counts, ignore_index=True)[head + list(COUNT_COLUMNS)]
    return c, n


def write_plan_tables(out_dir: Path | str = DATA_DIR) -> tuple[Path, Path]:
    """Write ``ld_il2_continuous.csv`` and ``ld_il2_counts.csv`` into *out_dir* (default:
    the package's data folder, to regenerate the shipped files)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cont, counts = plan_tables()
    paths = (out / CONTINUOUS_FILE, out / COUNTS_FILE)
    cont.to_csv(paths[0], index=False, lineterminator="\n")
    counts.to_csv(paths[1], index=False, lineterminator="\n")
    return paths


def plan_path() -> Path:
    """The shipped flagship plan (``metareview analyze`` runs it as it is)."""
    return DATA_DIR / PLAN_FILE


def copy_plan(out_dir: Path | str) -> Path:
    """Copy the plan and its two tables into *out_dir*, with the ``package:`` file references
    made local, so the copy runs on its own (``metareview analyze out_dir/ld_il2_plan.toml``)
    and a reader can open every input. Returns the plan's path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = plan_path().read_text(encoding="utf-8")
    for name in (CONTINUOUS_FILE, COUNTS_FILE):
        text = text.replace(f'"package:{name}"', f'"{name}"')
        (out / name).write_bytes((DATA_DIR / name).read_bytes())
    target = out / PLAN_FILE
    target.write_text(text, encoding="utf-8")
    return target
