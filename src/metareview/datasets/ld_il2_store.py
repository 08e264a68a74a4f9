"""The LD-IL-2 flagship data in a review store, and the plan that reads them from it.

:func:`build_store` writes the flagship's analysis-ready rows (``ld_il2_continuous.csv`` and
``ld_il2_counts.csv``, see :mod:`metareview.datasets.ld_il2_plan`) into a review store
through the public :class:`~metareview.review.project.ReviewProject` API:

* a project ``LD-IL-2`` with the lead ``metareview``;
* one study per cohort (the ``cohort`` column of ``ld_il2_cohorts.csv``), so a cohort reported
  in several places is one study, counted once; the report each number was read from is the
  extracted field ``report``;
* one extraction form per analysis outcome (``Treg``, ``fever``, ...), and one per
  sensitivity variant of it (``Treg (median_wan)``: the medians converted by another method;
  ``CDASI (overlapping_included)``: the overlapping report kept, which, being a second report
  of a study already extracted for that form, gets its own form ``... report 2``);
* every number with its provenance: ``source_url``, ``source_location`` and ``note`` (the
  coding note of ``ld_il2_coding.csv``) are extracted fields beside the numbers.

The shipped plan ``ld_il2_store_plan.toml`` is the CSV plan (``ld_il2_plan.toml``) with its
two data sources reading that store instead of the files (:func:`store_plan_text` derives it;
a test checks the shipped file is current), so both give the same results.

Examples
--------
>>> forms = extraction_forms()
>>> forms[0][:2]
('SELENA-SLEDAI', 'prepost')
>>> sum(1 for f in forms if f[1] == "counts"), len(forms)
(10, 47)
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metareview.datasets import DATA_DIR
from metareview.datasets.ld_il2_plan import CONTINUOUS_FILE, COUNTS_FILE, PLAN_FILE

__all__ = ["LEAD", "PROJECT", "STORE_PLAN_FILE", "build_store", "extraction_forms",
           "store_plan_text", "write_demo_inputs", "write_store_plan"]

PROJECT = "LD-IL-2"
LEAD = "metareview"
STORE_PLAN_FILE = "ld_il2_store_plan.toml"

#: field descriptions of the extraction forms (the rest are the CSV's own columns)
_DESCRIPTIONS = {
    "report": "the report (paper, abstract, thesis) the numbers were read from",
    "source_url": "where the numbers were read",
    "source_location": "table, row or paragraph of that source",
    "note": "how the row was coded (ld_il2_coding.csv)",
}


def _tables() -> dict[str, pd.DataFrame]:
    return {"prepost": pd.read_csv(DATA_DIR / CONTINUOUS_FILE),
            "counts": pd.read_csv(DATA_DIR / COUNTS_FILE)}


def _form_name(outcome: str, variant: str) -> str:
    return outcome if variant == "main" else f"{outcome} ({variant})"


def _assign_forms(tables: dict[str, pd.DataFrame]) -> list[tuple[str, str, int]]:
    """(form name, table, row position) for every row, in table order: a row whose study
    (cohort) already has a row in its form goes into a ``report N`` form of its own."""
    taken: set[tuple[str, str]] = set()
    out = []
    for table, frame in tables.items():
        for pos, (outcome, variant, cohort) in enumerate(
                frame[["analysis_outcome", "variant", "cohort"]].itertuples(index=False)):
            name = base = _form_name(outcome, variant)
            n = 1
            while (name, cohort) in taken:
                n += 1
                name = f"{base[:-1]}, report {n})" if base.endswith(")") else \
                    f"{base} (report {n})"
            taken.add((name, cohort))
            out.append((name, table, pos))
    return out


def extraction_forms() -> list[tuple[str, str]]:
    """The store's extraction forms, in order: (outcome name, data source of the plan)."""
    seen: dict[str, str] = {}
    for name, table, _ in _assign_forms(_tables()):
        seen.setdefault(name, table)
    return list(seen.items())


def _json_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "string"


def _plain(value: Any) -> Any:
    """A JSON-safe Python value; None for an empty cell."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def build_store(path: Path | str) -> Path:
    """Write the flagship rows into a new review store at *path* (a SQLite file that must
    not exist yet) and return its path.

    Raises
    ------
    InputError
        *path* exists already (a store is never overwritten) or its folder is missing.
    """
    from metareview.errors import InputError
    from metareview.review.project import ReviewProject

    path = Path(path)
    if path.exists():
        raise InputError("a file is already here; the demo writes a new store", file=str(path),
                         hint="remove it or choose another --out folder")
    tables = _tables()
    coding = pd.read_csv(DATA_DIR / "ld_il2_coding.csv").set_index("row")["coding_note"]
    forms = _assign_forms(tables)
    with ReviewProject.init(path, PROJECT, lead=LEAD) as project:
        done: set[str] = set()
        for name, table, _ in forms:
            if name in done:
                continue
            done.add(name)
            frame = tables[table]
            props: dict[str, Any] = {"report": {"type": "string",
                                                "description": _DESCRIPTIONS["report"]}}
            for col in frame.columns:
                if col == "study_id":
                    continue
                props[col] = {"type": _json_type(frame[col])}
                if col in _DESCRIPTIONS:
                    props[col]["description"] = _DESCRIPTIONS[col]
            props["note"] = {"type": "string", "description": _DESCRIPTIONS["note"]}
            project.add_extraction_form(name, {"type": "object", "properties": props})
        for cohort in pd.concat([t[["row", "cohort"]] for t in tables.values()]
                                ).sort_values("row", kind="stable")["cohort"].unique():
            project.assign_study([], label=str(cohort))
        for name, table, pos in forms:
            row = tables[table].iloc[pos]
            values = {("report" if k == "study_id" else k): _plain(v) for k, v in row.items()}
            values["note"] = _plain(coding.get(int(row["row"])))
            values = {k: v for k, v in values.items() if v is not None}
            project.record_extraction(str(row["cohort"]), outcome=name, reviewer=LEAD,
                                      values=values)
    return path


def _toml_list(items: list[str]) -> str:
    body = "".join(f'    "{i}",\n' for i in items)
    return f"[\n{body}]"


def store_plan_text(store: str = "review.db") -> str:
    """The shipped CSV plan with its data sources reading the review store *store*."""
    text = (DATA_DIR / PLAN_FILE).read_text(encoding="utf-8")
    forms = extraction_forms()
    blocks = {
        "prepost": (
            '[data.prepost]\n'
            f'store = "{store}"\n'
            f'project = "{PROJECT}"\n'
            'description = "pre/post rows extracted into the review store (one study per '
            'cohort; written by metareview.datasets.ld_il2_store.build_store)"\n'
            f'outcome = {_toml_list([f for f, t in forms if t == "prepost"])}\n'
            'study = "report"\n'
            'columns = { m1i = "m1i", m2i = "m2i", sd1i = "sd1i", sd2i = "sd2i", ni = "ni" }\n'
            'flag = { column = "converted", note = "mean and SD converted from a median with '
            'IQR or range" }\n'),
        "counts": (
            '[data.counts]\n'
            f'store = "{store}"\n'
            f'project = "{PROJECT}"\n'
            'description = "event counts extracted into the review store (xi events in ni '
            'patients; written by metareview.datasets.ld_il2_store.build_store)"\n'
            f'outcome = {_toml_list([f for f, t in forms if t == "counts"])}\n'
            'study = "report"\n'
            'columns = { xi = "xi", ni = "ni" }\n'),
    }
    for name, block in blocks.items():
        text, n = re.subn(rf"\[data\.{name}\]\n(?:[^\[\n][^\n]*\n)*", block, text, count=1)
        if n != 1:  # the shipped plan changed shape: fail loudly, never ship a stale plan
            raise RuntimeError(f"ld_il2_plan.toml has no [data.{name}] table")
    header = ("# The flagship plan reading the review store written by `metareview demo`\n"
              "# (metareview.datasets.ld_il2_store.build_store). Generated from "
              "ld_il2_plan.toml by\n# metareview.datasets.ld_il2_store.write_store_plan(); "
              "edit that plan, not this file.\n#\n")
    return header + text


def write_store_plan(out_dir: Path | str = DATA_DIR, *, store: str = "review.db") -> Path:
    """Write :func:`store_plan_text` as ``ld_il2_store_plan.toml`` into *out_dir* (default:
    the package's data folder, to regenerate the shipped file)."""
    target = Path(out_dir) / STORE_PLAN_FILE
    target.write_text(store_plan_text(store), encoding="utf-8", newline="\n")
    return target


def _replaceable(path: Path) -> bool:
    """True when *path* is a review store holding only the demo's project (safe to rebuild)."""
    from metareview.errors import MetaReviewError
    from metareview.review.project import ReviewProject

    try:
        with ReviewProject.open(path) as project:
            return project.name == PROJECT
    except MetaReviewError:
        return False


def write_demo_inputs(out_dir: Path | str) -> Path:
    """Write the demo's inputs into *out_dir* and return the plan to run.

    * ``review.db``: the flagship store (:func:`build_store`); an earlier demo store there
      (one project, ``LD-IL-2``) is rebuilt, any other file is refused;
    * ``plan/ld_il2_plan.toml``: the store plan, reading ``../review.db``;
    * ``plan/ld_il2_csv_plan.toml`` with ``ld_il2_continuous.csv`` and ``ld_il2_counts.csv``:
      the same analysis from the tables the store was filled from.
    """
    from metareview.datasets.ld_il2_plan import copy_plan
    from metareview.errors import InputError

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store = out / "review.db"
    if store.exists() and not _replaceable(store):
        raise InputError("is not the demo's review store; it is left as it is",
                         file=str(store), hint="choose another --out folder")
    part = out / "review.db.part"
    part.unlink(missing_ok=True)
    build_store(part)
    part.replace(store)
    plan_dir = out / "plan"
    csv_plan = copy_plan(plan_dir)
    csv_plan.replace(plan_dir / "ld_il2_csv_plan.toml")
    target = plan_dir / PLAN_FILE
    target.write_text(store_plan_text("../review.db"), encoding="utf-8", newline="\n")
    return target
