"""report.html: one self-contained file (inline CSS and SVG figures, no external links).

Rendered with Jinja2 from ``templates/report.html.j2`` (autoescaped). Numbers are rounded
here, at display only; results.json and the CSV files keep them unrounded.

Examples
--------
>>> fmt_num(0.48942093), fmt_num(float("nan")), fmt_p(7.05e-05), fmt_p(0.42178)
('0.489', '\u2013', '< 0.001', '0.422')
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from markupsafe import Markup

__all__ = ["fmt_num", "fmt_p", "render_html", "write_html"]

#: table name -> (title, columns shown (None: all), description)
TABLE_TITLES = {
    "studies": "Studies",
    "model": "Model coefficients (model scale)",
    "conversions": "Conversions applied to the data",
    "subgroups": "Subgroup analyses",
    "moderators": "Meta-regression",
    "leave_one_out": "Leave-one-out analysis",
    "baujat": "Baujat diagnostics",
    "influence": "Influence diagnostics",
    "cumulative": "Cumulative meta-analysis",
    "estimators": "Alternative \u03c4\u00b2 estimators",
    "ri_sensitivity": "Sensitivity to the assumed pre-post correlation",
    "alternatives": "The main analysis beside its alternatives (other effect size, other rows)",
    "glmm": "Binomial-normal GLMM (logit scale; _scaled: proportion)",
    "bias_tests": "Small-study effects and publication bias",
}

RATING_TEXT = {"not_serious": "not serious", "serious": "serious (\u22121)",
               "very_serious": "very serious (\u22122)", "not_assessed": "not assessed",
               "not_judged": "not judged"}


def fmt_num(x: Any, digits: int = 3) -> str:
    """A number for display: 3 significant digits (at least), en dash for missing."""
    if x is None or isinstance(x, str):
        return "\u2013" if x is None else x
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if not math.isfinite(f):
        return "\u2013"
    if float(f).is_integer() and abs(f) < 1e15:
        return f"{int(f):,}" if abs(f) >= 10000 else f"{int(f)}"
    if abs(f) >= 1000:
        return f"{f:,.0f}"
    if abs(f) >= 0.001:
        return f"{f:.{digits}f}" if abs(f) < 100 else f"{f:.1f}"
    return f"{f:.{digits}g}"


def fmt_p(p: Any) -> str:
    """A p-value for display: '< 0.001' below 0.001, else 3 decimals."""
    if p is None:
        return "\u2013"
    f = float(p)
    if not math.isfinite(f):
        return "\u2013"
    return "< 0.001" if f < 0.001 else f"{f:.3f}"


def _given(x: Any) -> str:
    """A number as the plan gave it (no rounding); en dash when absent."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "\u2013"
    return f"{x:g}"


def _cell(column: str, value: Any) -> str:
    if column.lower() in ("pval", "qep", "qmp", "p_between"):
        return fmt_p(value)
    return fmt_num(value)


def _table(frame: Any) -> dict[str, Any]:
    import pandas as pd

    cols = [str(c) for c in frame.columns]
    numeric = [bool(pd.api.types.is_numeric_dtype(frame[c])) for c in frame.columns]
    rows = [[_cell(c, v) for c, v in zip(cols, row, strict=True)]
            for row in frame.itertuples(index=False, name=None)]
    return {"columns": cols, "rows": rows, "numeric": numeric}


def _context(result: Any, figures: list[Any]) -> dict[str, Any]:
    from metareview.report.methods_text import format_reference, methods_text
    from metareview.report.results_json import comparison_frame

    methods = methods_text(result)
    comparison = comparison_frame(result)
    outcomes = []
    for o in result.outcomes:
        figs = [{"title": f.title, "name": f.name, "svg": Markup(f.svg)}
                for f in figures if f.outcome == o.spec.name]
        outcomes.append({
            "name": o.spec.name, "label": o.spec.label, "measure": o.spec.measure,
            "transf": o.spec.transf, "summary": o.summary, "fit": o.fit,
            "sof": o.sof, "participants": o.participants,
            "tables": [{"name": n, "title": TABLE_TITLES.get(n, n), **_table(t)}
                       for n, t in o.tables.items()],
            "tests": o.tests, "figures": figs, "warnings": o.warnings, "notes": o.notes,
            "flag_note": "; ".join(dict.fromkeys((o.objects.get("flags") or {}).values())),
        })
    return {
        "plan": result.plan,
        "versions": result.versions,
        "comparison": comparison.to_dict(orient="records"),
        "outcomes": outcomes,
        "methods": methods.paragraphs,
        "references": [format_reference(k) for k in methods.references],
        "rating_text": RATING_TEXT,
    }


def render_html(result: Any, figures: list[Any] | None = None) -> str:
    """The report as one HTML string.

    *figures* come from :func:`~metareview.report.figures.render_figures`.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("metareview.report", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = fmt_num
    env.filters["p"] = fmt_p
    env.filters["given"] = _given
    return env.get_template("report.html.j2").render(**_context(result, figures or []))


def write_html(result: Any, path: Path | str, figures: list[Any] | None = None) -> Path:
    """Write report.html."""
    path = Path(path)
    path.write_text(render_html(result, figures), encoding="utf-8")
    return path
