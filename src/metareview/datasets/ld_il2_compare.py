"""The LD-IL-2 comparison table (published estimate versus this re-analysis, outcome by
outcome) and the files the flagship run writes.

Nothing here is tuned toward the published numbers: "ours" is always the analysis of the
reachable rows under the stated assumptions (pre-post correlation *ri*, the median
conversion, REML), and the note says in plain words why the two can differ.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from metareview.datasets.ld_il2 import OutcomeTables
from metareview.diagnostics import ri_sensitivity

if TYPE_CHECKING:  # pragma: no cover
    from metareview.datasets.ld_il2_analysis import FlagshipResult

__all__ = ["COMPARISON_COLUMNS", "compare", "write_outputs"]

COMPARISON_COLUMNS = (
    "outcome", "scope", "measure", "published_estimate", "published_ci_lb", "published_ci_ub",
    "published_source", "our_model", "our_estimate", "our_ci_lb", "our_ci_ub", "our_k",
    "our_studies", "note",
)
_PAPER_K = {"Rheumatol Ther": "31 trials", "Immun Inflamm Dis": "8 SLE trials"}


def _scope(row: dict[str, Any]) -> str:
    parts = [p for p in (row["disease_group"], row["dose_group"]) if p]
    return ", ".join(parts) if parts else "all diseases"


def _subset(table: pd.DataFrame | None, row: dict[str, Any]) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(columns=["study_id"])
    keep = np.ones(len(table), dtype=bool)
    for col in ("disease_group", "dose_group"):
        if row[col]:
            keep &= (table[col] == row[col]).to_numpy()
    return table[keep].reset_index(drop=True)


def _paper_k(source: str) -> str:
    for key, text in _PAPER_K.items():
        if key in source:
            return text
    return "an unknown number of trials"


def _overlap_note(pub: tuple[float, float], ours: tuple[float, float]) -> str:
    if np.isnan(pub[0]) or np.isnan(pub[1]):
        return ""
    if ours[0] <= pub[1] and pub[0] <= ours[1]:
        return "the two 95% CIs overlap"
    return "the two 95% CIs do not overlap"


def _continuous(sub: pd.DataFrame, row: dict[str, Any], *, ri: float,
                ri_grid: Sequence[float], method: str, median_method: str
                ) -> tuple[dict[str, Any], list[str]]:
    from metareview.datasets.ld_il2_analysis import _Z, _quiet, pool_smcr, smcr_effects

    k = len(sub)
    notes: list[str] = []
    if k >= 2:
        res, _ = pool_smcr(sub, ri=ri, method=method)
        est, lb, ub = res.estimate, float(res.ci_lb[0]), float(res.ci_ub[0])
        model = f"SMCR, {res.method_used} random effects, z, ri = {ri:g}"
        sens, _ = _quiet(ri_sensitivity, "SMCR", ri=list(ri_grid), m1i=sub["m1i"],
                         m2i=sub["m2i"], sd1i=sub["sd1i"], ni=sub["ni"], method=method)
        f = sens.to_frame()
        notes.append(f"assumed pre-post correlation ri = {ri:g} (no study reports it and the "
                     f"paper's value is not known): across ri {min(ri_grid):g} to "
                     f"{max(ri_grid):g} our estimate runs from {f['estimate'].min():.2f} to "
                     f"{f['estimate'].max():.2f}")
    else:
        eff, _ = smcr_effects(sub, ri=ri)
        est = float(eff.yi[0])
        se = float(np.sqrt(eff.vi[0]))
        lb, ub = est - _Z * se, est + _Z * se
        model = f"SMCR, single study (not pooled), ri = {ri:g}"
        notes.append(f"one study only; its SMCR depends on the assumed ri = {ri:g} through "
                     "its CI")
    conv = int(sub["converted"].sum())
    if conv:
        notes.append(f"{conv} of {k} studies converted from a median with IQR or range "
                     f"({median_method})")
    sec = int(sub["secondary"].sum())
    if sec:
        notes.append(f"{sec} of {k} studies' values come from a later paper's own tabulation "
                     "(secondary source)")
    units = sorted(set(sub["unit"]))
    if len(units) > 1:
        notes.append(f"units differ between studies ({'; '.join(units)}): only the "
                     "standardised difference is comparable")
    notes.append("the paper's SMD formula for pre/post data is not known")
    out = {"our_model": model, "our_estimate": est, "our_ci_lb": lb, "our_ci_ub": ub}
    return out, notes


def _proportion(sub: pd.DataFrame, method: str) -> tuple[dict[str, Any], list[str]]:
    from metareview.datasets.ld_il2_analysis import pool_proportion

    p = pool_proportion(sub, measure="PLO", method=method)
    notes = [] if p["k"] >= 2 else ["one study only"]
    notes.append(f"{int(p['events'])} events in {int(p['total'])} patients")
    return {"our_model": f"PLO (logit), {p['model']}", "our_estimate": p["estimate"],
            "our_ci_lb": p["ci_lb"], "our_ci_ub": p["ci_ub"]}, notes


def compare(tables: OutcomeTables, published: pd.DataFrame, *, ri: float,
            ri_grid: Sequence[float], method: str = "REML") -> pd.DataFrame:
    """One line per published number: the published estimate and CI, ours (estimate, CI, k,
    studies) for the same outcome and scope, and a note on why they differ.

    Columns :data:`COMPARISON_COLUMNS`; numbers unrounded, NaN where there is no number.
    """
    rows = []
    for row in published.to_dict("records"):
        name = row["analysis_outcome"]
        is_smd = row["measure"] == "SMD"
        table = (tables.continuous if is_smd else tables.counts).get(name)
        sub = _subset(table, row)
        k = len(sub)
        line: dict[str, Any] = {
            "outcome": name, "scope": _scope(row), "measure": row["measure"],
            "published_estimate": row["estimate"], "published_ci_lb": row["ci_lb"],
            "published_ci_ub": row["ci_ub"], "published_source": row["source"],
            "our_model": "", "our_estimate": np.nan, "our_ci_lb": np.nan,
            "our_ci_ub": np.nan, "our_k": k, "our_studies": "; ".join(sub["study_id"]),
        }
        notes = [f"{k} reachable {'study' if k == 1 else 'studies'} against the paper's "
                 f"{_paper_k(row['source'])} (its per-outcome study list could not be "
                 "reached)"]
        if k == 0:
            notes.append("no reachable study reports this outcome in this scope")
        else:
            ours, more = (_continuous(sub, row, ri=ri, ri_grid=ri_grid, method=method,
                                      median_method=tables.median_method)
                          if is_smd else _proportion(sub, method))
            line.update(ours)
            notes += more
            ov = _overlap_note((row["ci_lb"], row["ci_ub"]),
                               (line["our_ci_lb"], line["our_ci_ub"]))
            if ov:
                notes.append(ov)
        if row.get("caveat"):
            notes.append(row["caveat"])
        if np.isnan(row["estimate"]):
            notes.append(f"the paper gives no number here: {row['statement']}")
        line["note"] = "; ".join(notes)
        rows.append(line)
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    return f"{x:.{digits}f}"


def _ci(lb: Any, ub: Any, digits: int = 2) -> str:
    if any(isinstance(v, float) and np.isnan(v) for v in (lb, ub)):
        return ""
    return f"{_fmt(lb, digits)} to {_fmt(ub, digits)}"


def comparison_markdown(result: FlagshipResult) -> str:
    """The comparison table and the run's assumptions as Markdown (numbers rounded for
    display only)."""
    s = result.settings
    lines = [
        "# LD-IL-2 in autoimmune rheumatic diseases: published versus re-analysed",
        "",
        f"Assumptions: pre-post correlation ri = {s['ri']:g} (sensitivity grid "
        f"{', '.join(f'{r:g}' for r in s['ri_grid'])}); medians converted with "
        f"`{s['median_method']}`; tau^2 by {s['method']}; overlapping cohorts "
        f"{'kept (sensitivity)' if s['include_overlapping'] else 'counted once'}; "
        f"GLMM: {s['glmm']}.",
        "SMCR = (post mean - pre mean) / pre SD, bias-corrected (Becker 1988); proportions on "
        "the logit scale.",
        "",
        "| outcome | scope | published (95% CI) | ours (95% CI) | k | why they may differ |",
        "|---|---|---|---|---|---|",
    ]
    for r in result.comparison.to_dict("records"):
        d = 3 if r["measure"] == "proportion" else 2
        pub = _fmt(r["published_estimate"], d)
        if _ci(r["published_ci_lb"], r["published_ci_ub"], d):
            pub += f" ({_ci(r['published_ci_lb'], r['published_ci_ub'], d)})"
        ours = _fmt(r["our_estimate"], d)
        if ours:
            ours += f" ({_ci(r['our_ci_lb'], r['our_ci_ub'], d)})"
        note = str(r["note"]).replace("|", "/")
        lines.append(f"| {r['outcome']} | {r['scope']} | {pub or 'not given'} | "
                     f"{ours or 'none'} | {r['our_k']} | {note} |")
    lines += ["", f"Rows left out of every table: {len(result.tables.excluded)} "
              "(see excluded.csv for each reason).", ""]
    return "\n".join(lines)


def write_outputs(result: FlagshipResult) -> tuple[Path, ...]:
    """Write the run's tables to ``result.out_dir``; return the paths written."""
    out = result.out_dir
    out.mkdir(parents=True, exist_ok=True)
    t = result.tables
    cont = [tab.assign(outcome=name) for name, tab in t.continuous.items()]
    cnt = [tab.assign(outcome=name) for name, tab in t.counts.items()]
    frames = {
        "pooled.csv": result.pooled, "ri_sensitivity.csv": result.ri_sensitivity,
        "subgroups.csv": result.subgroups, "leave_one_out.csv": result.leave_one_out,
        "bias.csv": result.bias, "proportions.csv": result.proportions,
        "comparison.csv": result.comparison,
        "studies_continuous.csv": pd.concat(cont, ignore_index=True) if cont else
        pd.DataFrame(), "studies_counts.csv": pd.concat(cnt, ignore_index=True) if cnt else
        pd.DataFrame(), "conversions.csv": t.conversions, "excluded.csv": t.excluded,
    }
    paths = []
    for name, frame in frames.items():
        path = out / name
        frame.to_csv(path, index=False)
        paths.append(path)
    md = out / "comparison.md"
    md.write_text(comparison_markdown(result), encoding="utf-8")
    js = out / "settings.json"
    js.write_text(json.dumps(result.settings, indent=2) + "\n", encoding="utf-8")
    return (*paths, md, js)
