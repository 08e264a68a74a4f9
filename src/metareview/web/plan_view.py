"""What the analysis-plan page shows of a run: the report's comparison and summary tables and
each outcome's forest plot (SVG through ``<img>``: scripts in an SVG never run there, see
:mod:`metareview.web.render_svg`)."""

from __future__ import annotations

import base64
from typing import Any

__all__ = ["SUMMARY_COLUMNS", "run_view", "summary_rows"]

#: columns of the page's summary table (numbers on the reporting scale, unrounded here;
#: the template rounds them for display)
SUMMARY_COLUMNS = ("outcome", "label", "measure", "k", "estimate", "ci_lb", "ci_ub", "pi_lb",
                   "pi_ub", "tau2", "I2", "pval")


def summary_rows(result: Any) -> list[dict[str, Any]]:
    """One row per outcome of an :class:`~metareview.analysis.AnalysisResult`."""
    rows = []
    for o in result.outcomes:
        s = o.summary
        rows.append({"outcome": o.spec.name, "label": o.spec.label, "measure": o.spec.measure,
                     "k": s.get("k"), "estimate": s.get("pred"), "ci_lb": s.get("pred_ci_lb"),
                     "ci_ub": s.get("pred_ci_ub"), "pi_lb": s.get("pred_pi_lb"),
                     "pi_ub": s.get("pred_pi_ub"), "tau2": s.get("tau2"), "I2": s.get("I2"),
                     "pval": s.get("pval")})
    return rows


def _data_uri(path: Any) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def run_view(run: Any) -> dict[str, Any]:
    """The page's view of a :class:`~metareview.web.plan_run.PlanRun`."""
    from metareview.report.results_json import comparison_frame

    comparison = comparison_frame(run.result)
    forests = []
    by_name = {p.name: p for p in run.files.figures}
    for o in run.result.outcomes:
        svg = by_name.get(f"{o.spec.name}_forest.svg")
        if svg is not None:
            forests.append({"label": o.spec.label, "uri": _data_uri(svg)})
    return {
        "summary": summary_rows(run.result),
        "comparison": comparison.to_dict("records") if len(comparison) else [],
        "forests": forests,
        "warnings": list(run.warnings),
        "notes": [f"{o.spec.label}: {n}" for o in run.result.outcomes for n in o.notes],
    }
