"""results.json: every number of an analysis, unrounded, in a versioned schema.

The schema is documented in ``docs/results-schema.md``; :data:`SCHEMA_VERSION` changes with
it (a new key: minor; a renamed or removed key: major). The file holds no timestamps or
paths of the machine that ran it, so the same plan and data give the same bytes. JSON has no
NaN or infinity: such values are written as ``null``.

Examples
--------
>>> import numpy as np
>>> to_jsonable({"a": np.float64(0.1), "b": np.nan, "c": (np.int64(2),)})
{'a': 0.1, 'b': None, 'c': [2]}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SCHEMA_VERSION", "comparison_frame", "results_dict", "to_jsonable", "write_json"]

SCHEMA_VERSION = "1.1.0"

MODEL_KEYS = ("k", "method", "test", "level", "estimate", "se", "zval", "pval", "ci_lb",
              "ci_ub", "pi_lb", "pi_ub", "tau2", "se_tau2", "I2", "H2", "QE", "QEp")


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: NumPy scalars/arrays to Python, NaN/inf to None, tuples to lists."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, list | tuple | np.ndarray):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is None or isinstance(value, str | int):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


COMPARISON_COLUMNS = ("outcome", "label", "k", "published", "published_ci_lb",
                      "published_ci_ub", "ours", "ours_ci_lb", "ours_ci_ub", "source", "note",
                      "reasons")


def _reasons(o: Any, p: Any) -> str:
    """Plain-language reasons, computed from the run, why ours may differ from the paper's."""
    k = int(o.fit.k)
    out = [f"{k} {'study' if k == 1 else 'studies'} analysed here"
           + (" (one study: its own estimate, not pooled)" if k == 1 else "")]
    flags = o.objects.get("flags") or {}
    if flags:
        for note in dict.fromkeys(flags.values()):
            n = sum(1 for v in flags.values() if v == note)
            out.append(f"{n} of {k} flagged: {note}")
    if o.spec.ri is not None:
        text = f"assumed pre-post correlation ri = {o.spec.ri:g} (no study reports it)"
        ri = o.tables.get("ri_sensitivity")
        if ri is not None and len(ri):
            col = "estimate_scaled" if "estimate_scaled" in ri else "estimate"
            text += (f"; across ri {ri['ri'].min():g} to {ri['ri'].max():g} the estimate runs "
                     f"from {ri[col].min():.2f} to {ri[col].max():.2f}")
        out.append(text)
    alt = o.tables.get("alternatives")
    if alt is not None:
        for r in alt.to_dict("records"):
            if r["analysis"].startswith("independent-groups"):
                out.append(f"independent-groups SMD {r['estimate']:.2f} ({r['ci_lb']:.2f} to "
                           f"{r['ci_ub']:.2f}), which ignores the pre-post pairing")
    glmm = o.tables.get("glmm")
    if glmm is not None and glmm["estimate_scaled"].notna().any():
        g = glmm.iloc[0]
        out.append(f"binomial-normal GLMM {g['estimate_scaled']:.3f} ({g['ci_lb_scaled']:.3f} "
                   f"to {g['ci_ub_scaled']:.3f})")
    if p.estimate is None:
        out.append("the paper gives no number")
    elif p.ci_lb is None:
        out.append("no CI published")
    else:
        lb, ub = o.summary["pred_ci_lb"], o.summary["pred_ci_ub"]
        overlap = lb <= p.ci_ub and p.ci_lb <= ub
        out.append("the two CIs overlap" if overlap else "the two CIs do not overlap")
    return "; ".join(out)


def comparison_frame(result: Any) -> pd.DataFrame:
    """Published vs. our estimate, one row per outcome that has ``[outcomes.X.published]``.

    Columns :data:`COMPARISON_COLUMNS`: outcome, label, k, published, published_ci_lb,
    published_ci_ub (NaN when no CI was published), ours, ours_ci_lb, ours_ci_ub (reporting
    scale), source, note (the plan's), reasons (computed: studies analysed, flagged
    conversions, the assumed correlation and its range, the independent-groups SMD, whether
    the CIs overlap).
    """
    rows = []
    for o in result.outcomes:
        p = o.spec.published
        if p is None:
            continue
        rows.append({
            "outcome": o.spec.name, "label": o.spec.label, "k": int(o.fit.k),
            "published": np.nan if p.estimate is None else p.estimate,
            "published_ci_lb": np.nan if p.ci_lb is None else p.ci_lb,
            "published_ci_ub": np.nan if p.ci_ub is None else p.ci_ub,
            "ours": o.summary["pred"], "ours_ci_lb": o.summary["pred_ci_lb"],
            "ours_ci_ub": o.summary["pred_ci_ub"], "source": p.source, "note": p.note,
            "reasons": _reasons(o, p),
        })
    for q in getattr(result.plan, "published_only", ()):
        rows.append({
            "outcome": q.name, "label": q.label, "k": 0,
            "published": np.nan if q.estimate is None else q.estimate,
            "published_ci_lb": np.nan if q.ci_lb is None else q.ci_lb,
            "published_ci_ub": np.nan if q.ci_ub is None else q.ci_ub,
            "ours": np.nan, "ours_ci_lb": np.nan, "ours_ci_ub": np.nan, "source": q.source,
            "note": q.note,
            "reasons": "no study analysed here reports this outcome in this scope"
                       + ("" if q.estimate is not None else "; the paper gives no number"),
        })
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _outcome(o: Any) -> dict[str, Any]:
    spec = o.spec
    s = o.summary
    sof = o.sof
    return {
        "name": spec.name,
        "label": spec.label,
        "data": spec.data,
        "measure": spec.measure,
        "transf": spec.transf,
        "model": {
            "method_requested": list(spec.model.methods),
            **{k: s.get(k) for k in MODEL_KEYS},
        },
        "reporting_scale": {
            "transf": spec.transf,
            "estimate": s["pred"], "ci_lb": s["pred_ci_lb"], "ci_ub": s["pred_ci_ub"],
            "pi_lb": s["pred_pi_lb"], "pi_ub": s["pred_pi_ub"],
        },
        "participants": o.participants,
        "published": None if spec.published is None else {
            "estimate": spec.published.estimate, "ci_lb": spec.published.ci_lb,
            "ci_ub": spec.published.ci_ub, "source": spec.published.source,
            "note": spec.published.note,
        },
        "tests": dict(o.tests),
        "grade": {
            "design": sof.design, "start": sof.start, "upgrade": sof.upgrade,
            "upgrade_reason": sof.upgrade_reason, "certainty": sof.certainty,
            "domains": sof.to_frame(),
        },
        "tables": dict(o.tables),
        "warnings": list(o.warnings),
        "notes": list(o.notes),
    }


def results_dict(result: Any) -> dict[str, Any]:
    """The whole results document (see ``docs/results-schema.md``), JSON-ready."""
    from metareview.report.sof import sof_frame

    doc = {
        "schema_version": SCHEMA_VERSION,
        "software": dict(result.versions),
        "plan": {
            "file": Path(result.plan.file).name,
            "title": result.plan.title,
            "design": result.plan.design,
            "authors": list(result.plan.authors),
        },
        "comparison": comparison_frame(result),
        "summary_of_findings": sof_frame([o.sof for o in result.outcomes]),
        "outcomes": [_outcome(o) for o in result.outcomes],
    }
    return to_jsonable(doc)  # type: ignore[no-any-return]


def write_json(result: Any, path: Path | str) -> Path:
    """Write results.json (UTF-8, 2-space indent, keys in schema order, no NaN)."""
    path = Path(path)
    text = json.dumps(results_dict(result), indent=2, ensure_ascii=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
