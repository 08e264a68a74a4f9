"""Extraction forms designed in the web app, typed values and double-extraction checks.

Forms are JSON Schema objects (as :meth:`ReviewProject.add_extraction_form` stores them) with
one property per field. Presets follow the summary data metafor's ``escalc`` takes
(Viechtbauer 2010, J Stat Softw 36(3), doi:10.18637/jss.v036.i03): group sizes, means and
SDs; events and totals; medians and quartiles (kept for conversion); or ready ``yi``/``vi``.
Double extraction compares the reviewers' values field by field (Cochrane Handbook, Li,
Higgins & Deeks 2023, chapter 5.5.9).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from metareview.errors import InputError

__all__ = ["PRESETS", "discrepancies", "form_schema", "parse_values"]

PRESETS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "continuous": (("n1i", "integer", "n, group 1"), ("m1i", "number", "mean, group 1"),
                   ("sd1i", "number", "SD, group 1"), ("n2i", "integer", "n, group 2"),
                   ("m2i", "number", "mean, group 2"), ("sd2i", "number", "SD, group 2")),
    "binary": (("ai", "integer", "events, group 1"), ("n1i", "integer", "n, group 1"),
               ("ci", "integer", "events, group 2"), ("n2i", "integer", "n, group 2")),
    "median": (("n1i", "integer", "n, group 1"), ("med1i", "number", "median, group 1"),
               ("q1_1i", "number", "first quartile, group 1"),
               ("q3_1i", "number", "third quartile, group 1"),
               ("n2i", "integer", "n, group 2"), ("med2i", "number", "median, group 2"),
               ("q1_2i", "number", "first quartile, group 2"),
               ("q3_2i", "number", "third quartile, group 2")),
    "effect": (("yi", "number", "effect size"), ("vi", "number", "sampling variance")),
}


def form_schema(presets: list[str], extra: str = "") -> dict[str, Any]:
    """A JSON Schema object from preset names and extra ``name:type`` fields.

    >>> sorted(form_schema(["effect"], "notes:string")["properties"])
    ['notes', 'vi', 'yi']
    """
    props: dict[str, Any] = {}
    for name in presets:
        if name not in PRESETS:
            raise InputError(f"unknown preset {name!r}", column="preset",
                             hint="use one of: " + ", ".join(PRESETS))
        for field, kind, title in PRESETS[name]:
            props[field] = {"type": kind, "title": title}
    for i, item in enumerate(x.strip() for x in extra.replace("\n", ",").split(",")):
        if not item:
            continue
        name, _, kind = item.partition(":")
        name, kind = name.strip(), (kind.strip() or "number")
        if not name.isidentifier() or kind not in ("number", "integer", "string"):
            raise InputError(f"field {item!r} is not name:type", row=i + 1, column="fields",
                             hint="e.g. 'followup_weeks:integer'; types number, integer, string")
        props[name] = {"type": kind, "title": name}
    if not props:
        raise InputError("the form has no fields", column="fields",
                         hint="tick a preset or list fields as name:type")
    return {"type": "object", "properties": props}


def parse_values(schema: Mapping[str, Any], form: Mapping[str, Any], *, study: str) -> dict[str, Any]:
    """Typed values from a submitted form; empty fields are left out (not extracted)."""
    out: dict[str, Any] = {}
    for field, spec in schema.get("properties", {}).items():
        raw = str(form.get(field, "") or "").strip()
        if not raw:
            continue
        kind = spec.get("type", "string")
        try:
            if kind == "integer":
                value: Any = int(raw)
            elif kind == "number":
                value = float(raw)
                if not math.isfinite(value):
                    raise ValueError
            else:
                value = raw
        except ValueError:
            raise InputError(f"{raw!r} is not a {'whole number' if kind == 'integer' else kind}",
                             file=study, column=field, hint="correct the value and save again") from None
        out[field] = value
    return out


def discrepancies(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fields whose values differ between reviewers of one study and outcome.

    >>> discrepancies([{"reviewer": "a", "values": {"n1i": 10, "m1i": 2.0}},
    ...                {"reviewer": "b", "values": {"n1i": 12, "m1i": 2.0}}])
    [{'field': 'n1i', 'values': {'a': 10, 'b': 12}}]
    """
    if len(rows) < 2:
        return []
    fields = sorted({f for r in rows for f in r["values"]})
    out = []
    for f in fields:
        vals = {r["reviewer"]: r["values"].get(f) for r in rows}
        if len({repr(v) for v in vals.values()}) > 1:
            out.append({"field": f, "values": vals})
    return out


def agreed_values(rows: list[dict[str, Any]], *, lead: set[str]) -> dict[str, Any] | None:
    """The values to analyse: those all reviewers agree on, else a lead's extraction, else
    None (a discrepancy to settle)."""
    if not rows:
        return None
    if not discrepancies(rows):
        return dict(rows[0]["values"])
    for r in rows:
        if r["reviewer"] in lead:
            return dict(r["values"])
    return None
