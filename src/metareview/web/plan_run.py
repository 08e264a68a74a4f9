"""Run an analysis plan on a web project's extracted data (the machinery of ``metareview
analyze``: :func:`metareview.analysis.run_plan` and :func:`metareview.report.write_report`).

In the web app every data source of a plan reads the project's own store: a plan's ``store``
and ``project`` are replaced by the app's store and the project (a plan cannot name a file or
another store on the server: a data source with ``file = ...`` is refused).

:func:`generated_plan_text` writes a starting plan from the project's extraction forms: one
data source and one outcome per form with extracted data, the measure chosen from the fields
present (``yi``/``vi``: as given; means, SDs and ns of two groups: SMD, Hedges' g (Hedges
1981, J Educ Stat 6(2):107-128, doi:10.3102/10769986006002107); events and totals of two
groups: log odds ratio; events in one group: logit proportion, back-transformed), REML
(Viechtbauer 2005, J Educ Behav Stat 30(3):261-293, doi:10.3102/10769986030003261) and z
tests.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metareview.errors import PlanError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["PlanRun", "choose_measure", "extracted_outcomes", "generated_plan_text", "run_web_plan"]

#: (fields needed, measure, columns, transf), tried in order
_MEASURES: tuple[tuple[tuple[str, ...], str, tuple[str, ...], str], ...] = (
    (("yi", "vi"), "GEN", ("yi", "vi"), "none"),
    (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), "SMD",
     ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), "none"),
    (("ai", "bi", "ci", "di"), "OR", ("ai", "bi", "ci", "di"), "exp"),
    (("ai", "n1i", "ci", "n2i"), "OR", ("ai", "n1i", "ci", "n2i"), "exp"),
    (("xi", "ni"), "PLO", ("xi", "ni"), "ilogit"),
)


def choose_measure(fields: set[str] | frozenset[str]) -> tuple[str, tuple[str, ...], str] | None:
    """The measure, mapped columns and reporting transform the *fields* allow, or None.

    >>> choose_measure({"yi", "vi", "note"})
    ('GEN', ('yi', 'vi'), 'none')
    >>> choose_measure({"xi", "ni"})
    ('PLO', ('xi', 'ni'), 'ilogit')
    >>> choose_measure({"n"}) is None
    True
    """
    for needed, measure, columns, transf in _MEASURES:
        if set(needed) <= set(fields):
            return measure, columns, transf
    return None


def _key(name: str, taken: set[str]) -> str:
    key = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower() or "outcome"
    if not key[0].isalpha():
        key = "o_" + key
    base, n = key, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    taken.add(key)
    return key


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generated_plan_text(forms: Mapping[str, Mapping[str, Any]], *, title: str,
                        reviewer: str | None = None,
                        with_data: set[str] | None = None) -> tuple[str, list[str]]:
    """A plan for the extraction *forms* (outcome -> JSON Schema) and the notes on forms
    left out (no effect size from their fields, or no extracted data yet).

    >>> text, notes = generated_plan_text(
    ...     {"Mortality": {"properties": {"yi": {}, "vi": {}}}, "Age": {"properties": {"n": {}}}},
    ...     title="P1")
    >>> 'measure = "GEN"' in text, notes[0][:37]
    (True, 'Age: its fields (n) give no effect si')
    """
    lines = [f"[plan]\ntitle = {_toml_str(title)}\n"]
    notes = []
    taken: set[str] = set()
    for outcome, schema in forms.items():
        fields = set(schema.get("properties", {}))
        chosen = choose_measure(fields)
        if chosen is None:
            notes.append(f"{outcome}: its fields ({', '.join(sorted(fields))}) give no effect "
                         "size; add yi and vi, means/SDs/ns, or events/ns")
            continue
        if with_data is not None and outcome not in with_data:
            notes.append(f"{outcome}: no study has extracted data for it yet")
            continue
        measure, columns, transf = chosen
        key = _key(outcome, taken)
        mapping = ", ".join(f'{c} = "{c}"' for c in columns)
        lines.append(f"[data.{key}]\nstore = \"project\"\noutcome = {_toml_str(outcome)}\n"
                     + (f"reviewer = {_toml_str(reviewer)}\n" if reviewer else "")
                     + f"columns = {{ {mapping} }}\n")
        lines.append(f"[outcomes.{key}]\nlabel = {_toml_str(outcome)}\ndata = \"{key}\"\n"
                     f"measure = \"{measure}\"\n"
                     + (f"transf = \"{transf}\"\n" if transf != "none" else "")
                     + f"\n[outcomes.{key}.model]\nmethod = \"REML\"\ntest = \"z\"\n")
    return "\n".join(lines), notes


@dataclass(frozen=True)
class PlanRun:
    """A plan run in the web app: the result, the files written and the warnings."""

    result: Any
    files: Any
    warnings: tuple[str, ...]


def _on_project_store(plan: Any, *, store_url: str, project: str) -> Any:
    """*plan* with every data source reading the project's store (files are refused)."""
    data = {}
    for name, source in plan.data.items():
        if source.store is None:
            raise plan.error(("data", name, "file"),
                             "in the web app a plan reads this project's extracted data; it "
                             "cannot read files on the server",
                             f'use store = "project" with outcome = "..." in [data.{name}]')
        data[name] = dataclasses.replace(source, store=store_url, project=project,
                                         file=Path(f"project {project!r}"))
    return dataclasses.replace(plan, data=data)


def run_web_plan(text: str, *, store_url: str, project: str, out_dir: Path,
                 file: str = "plan.toml") -> PlanRun:
    """Parse *text*, run it on the project's store and write the report into *out_dir*.

    Raises
    ------
    PlanError
        A plan mistake (file, line, key), a data source naming a file, or a data source
        whose form or fields the project lacks.
    """
    from metareview.analysis import run_plan
    from metareview.plan import parse_plan
    from metareview.report import write_report

    if not text.strip():
        raise PlanError("the plan is empty", file=file, hint="paste a plan or upload a .toml")
    plan = _on_project_store(parse_plan(text, file=file, base_dir=out_dir),
                             store_url=store_url, project=project)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "plan.toml").write_text(text, encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_plan(plan)
        files = write_report(result, out_dir, formats=("svg",))
    return PlanRun(result=result, files=files,
                   warnings=tuple(dict.fromkeys(str(w.message) for w in caught)))


def extracted_outcomes(engine: Engine, project_id: int) -> set[str]:
    """Outcomes (form names) with at least one extraction in the project."""
    from metareview.web.store import extraction_rows

    rows = extraction_rows(engine, project_id)
    return set(rows["outcome"]) if len(rows) else set()
