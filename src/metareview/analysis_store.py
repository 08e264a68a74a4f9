"""Extracted data of a review store as an analysis-ready table (one row per study and form).

A plan's data source may read a review store instead of a file::

    [data.treg]
    store = "review.db"        # relative to the plan, or a sqlite:/// or postgresql+psycopg:// URL
    outcome = "Treg"           # the extraction form (by outcome name); a list reads several
    columns = { m1i = "post_mean", m2i = "pre_mean", sd1i = "pre_sd", ni = "n" }

:func:`extracted_frame` gives one row per study and form with the store's study label
(column ``study``), the form's outcome name (column ``outcome``) and one column per extracted
field. Double extraction (two reviewers extracting the same study, Cochrane Handbook, Li,
Higgins & Deeks 2023, chapter 5) must agree field by field: a disagreement is an
:class:`~metareview.errors.InputError` naming the study, the field and each reviewer's value,
unless the plan says whose values to use (``reviewer = "lead"``); that reviewer's values are
then used for every study they extracted. A field one reviewer gave and another left out is a
disagreement too: nothing is filled in or dropped silently.

Rows come in the order the data were first entered (the first extraction of each study and
form), so a table entered in a given order is analysed in that order.

The store is only read (SQLAlchemy ``select`` on :mod:`metareview.store.models`), through the
public :meth:`metareview.review.project.ReviewProject.open`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from metareview.errors import InputError

__all__ = ["STUDY_COLUMN", "OUTCOME_COLUMN", "extracted_frame"]

#: column holding the store's study label
STUDY_COLUMN = "study"
#: column holding the extraction form's outcome name
OUTCOME_COLUMN = "outcome"

_MISSING = object()


def _given(value: Any) -> bool:
    return value is not None and value is not _MISSING


def _settle(label: str, outcome: str, by_reviewer: dict[str, dict[str, Any]],
            reviewer: str | None, store: str) -> dict[str, Any]:
    """One study's values for one form from its extractions (one per reviewer)."""
    if reviewer is not None and reviewer in by_reviewer:
        return dict(by_reviewer[reviewer])
    names = sorted(by_reviewer)
    fields = sorted({f for values in by_reviewer.values() for f in values})
    settled: dict[str, Any] = {}
    for f in fields:
        seen = {name: by_reviewer[name].get(f, _MISSING) for name in names}
        given = [v for v in seen.values() if _given(v)]
        if given and (len(given) < len(seen) or any(v != given[0] for v in given)):
            shown = "; ".join(f"{n}: {'(not given)' if not _given(v) else repr(v)}"
                              for n, v in seen.items())
            raise InputError(
                f"study {label!r}, outcome {outcome!r}: the double extractions disagree on "
                f"field {f!r} ({shown})", file=store, column=f,
                hint="settle the disagreement in the store (record_extraction with "
                     "replace=True), or say whose values to use with reviewer = \"NAME\" in "
                     "the plan's data source")
        settled[f] = given[0] if given else None
    return settled


def extracted_frame(store: str, *, outcome: str | Sequence[str], project: str | None = None,
                    reviewer: str | None = None) -> pd.DataFrame:
    """The extracted values of a review store, one row per study and extraction form.

    Parameters
    ----------
    store : str
        A SQLite file path, or a ``sqlite:///`` or ``postgresql+psycopg://`` URL.
    outcome : str or sequence of str, keyword-only
        The extraction forms to read, by outcome name (every version of each form).
    project : str, keyword-only
        The project's name; may be left out when the store holds one project.
    reviewer : str, keyword-only
        Username whose values are used, for the studies they extracted, where double
        extractions disagree.

    Returns
    -------
    pandas.DataFrame
        Columns ``study`` (the store's study label), ``outcome`` (the form's outcome name),
        then the extracted fields in the order the forms list them. Rows in the order the
        data were first entered.

    Raises
    ------
    InputError
        No such store, project or form; no extraction for the form; a field named like
        ``study`` or ``outcome``; double extractions that disagree (naming study and field).

    """
    from sqlalchemy import select

    from metareview.review.project import ReviewProject
    from metareview.store import models as m

    outcomes = (outcome,) if isinstance(outcome, str) else tuple(outcome)
    with ReviewProject.open(store, project) as proj, proj.engine.connect() as conn:
        forms = conn.execute(
            select(m.ExtractionForm.id, m.ExtractionForm.outcome, m.ExtractionForm.json_schema)
            .where(m.ExtractionForm.project_id == proj.project_id)
            .order_by(m.ExtractionForm.outcome, m.ExtractionForm.version)).all()
        known = sorted({f.outcome for f in forms})
        missing = [o for o in outcomes if o not in known]
        if missing:
            raise InputError(
                f"project {proj.name!r} has no extraction form for outcome {missing[0]!r}",
                file=store, column="outcome",
                hint="its forms: " + (", ".join(repr(k) for k in known) or "none"))
        form_outcome = {f.id: f.outcome for f in forms if f.outcome in outcomes}
        field_order: list[str] = []
        for f in forms:
            if f.outcome in outcomes:
                field_order += [k for k in f.json_schema.get("properties", {})
                                if k not in field_order]
        clash = [c for c in (STUDY_COLUMN, OUTCOME_COLUMN) if c in field_order]
        if clash:
            raise InputError(f"a form field is named {clash[0]!r}, which the table uses for the "
                             "store's own " + ("study label" if clash[0] == STUDY_COLUMN
                                               else "form name"), file=store, column=clash[0],
                             hint="rename the field in the extraction form")
        rows = conn.execute(
            select(m.ExtractedData.id, m.ExtractedData.form_id, m.ExtractedData.values,
                   m.Study.id.label("study_id"), m.Study.label, m.User.username)
            .join(m.Study, m.Study.id == m.ExtractedData.study_id)
            .join(m.User, m.User.id == m.ExtractedData.reviewer_id)
            .where(m.Study.project_id == proj.project_id,
                   m.ExtractedData.form_id.in_(list(form_outcome)))
            .order_by(m.ExtractedData.id)).all()
        if not rows:
            raise InputError(f"no study of project {proj.name!r} has extracted data for "
                             + ", ".join(repr(o) for o in outcomes), file=store,
                             column="outcome", hint="record extractions first")
    groups: dict[tuple[int, str], dict[str, dict[str, Any]]] = {}
    labels: dict[int, str] = {}
    for r in rows:
        key = (r.study_id, form_outcome[r.form_id])
        labels[r.study_id] = r.label
        per = groups.setdefault(key, {})
        if r.username in per:  # an older form version: the same reviewer, extracted again
            per[r.username] = {**per[r.username], **(r.values or {})}
        else:
            per[r.username] = dict(r.values or {})
    records = []
    for (study_id, name), by_reviewer in groups.items():
        values = _settle(labels[study_id], name, by_reviewer, reviewer, store)
        records.append({STUDY_COLUMN: labels[study_id], OUTCOME_COLUMN: name,
                        **{f: values.get(f) for f in field_order}})
    frame = pd.DataFrame.from_records(records, columns=[STUDY_COLUMN, OUTCOME_COLUMN,
                                                       *field_order])
    return frame.infer_objects()
