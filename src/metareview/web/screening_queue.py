"""Which record a reviewer screens next: eligibility, ranking and the stopping estimate.

The order comes from :class:`metareview.review.screening_ranking.Ranker` (TF-IDF with naive
Bayes; van de Schoot et al. 2021, Nat Mach Intell 3:125, doi:10.1038/s42256-020-00287-7),
retrained when the number of decisions changes; the estimated recall is the hypergeometric
stopping test of Callaghan & Müller-Hansen (2020), Syst Rev 9:254,
doi:10.1186/s13643-020-01521-4 (:func:`metareview.review.screening_stopping.stopping_test`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from metareview.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from metareview.review.project import ReviewProject

__all__ = ["Queue", "eligible_records", "not_retrieved_ids", "reviewer_queue"]

RELEVANT = ("include", "maybe")


def eligible_records(project: ReviewProject, stage: str, *, final: pd.DataFrame | None = None,
                     records: pd.DataFrame | None = None) -> pd.DataFrame:
    """Records to screen at *stage*: after de-duplication at title/abstract; at full text,
    those whose title/abstract decision is final and not "exclude"."""
    if records is None:
        records = project.records_frame(subset="unique", raw=False)
    if stage == "title_abstract":
        return records
    if final is None:
        final = project.final_decisions()
    ta = final[(final["stage"] == "title_abstract") & (final["status"] == "final")
               & final["decision"].isin(RELEVANT)]
    return records[records["record_id"].isin(ta["record_id"])]


def not_retrieved_ids(project: ReviewProject) -> set[int]:
    """Records whose full text the lead marked ``not_retrieved`` (PRISMA 2020's "reports not
    retrieved": Page et al. 2021, BMJ 372:n71, doi:10.1136/bmj.n71); not offered for
    full-text screening."""
    from sqlalchemy import select

    from metareview.store import models as m

    with project.engine.connect() as conn:
        return {int(r) for r in conn.scalars(
            select(m.FullTextRetrieval.record_id)
            .join(m.RecordRow, m.RecordRow.id == m.FullTextRetrieval.record_id)
            .where(m.RecordRow.project_id == project.project_id,
                   m.FullTextRetrieval.status == "not_retrieved"))}


@dataclass(frozen=True)
class Queue:
    """A reviewer's remaining records at a stage, most likely relevant first."""

    order: tuple[int, ...]
    n_eligible: int
    n_done: int
    ranked: bool
    recall_bound: float | None
    stop: bool | None
    n_relevant_seen: int
    note: str | None


def _texts(frame: pd.DataFrame) -> list[str]:
    return (frame["title"].fillna("") + " " + frame["abstract"].fillna("")).tolist()


def reviewer_queue(project: ReviewProject, decisions: pd.DataFrame, *, stage: str,
                   reviewer: str, reviewers_per_record: int = 2,
                   cache: dict[Any, Any] | None = None) -> Queue:
    """The records *reviewer* has not decided at *stage*, ranked when the ranker can train.

    A record already decided by *reviewers_per_record* other reviewers is not offered (each
    record gets its independent reviewers, no more). *decisions* is
    :func:`metareview.web.store.decisions_frame`. The ranking is cached per project, stage,
    reviewer and decision count in *cache* (shared by the app's workers).
    """
    import numpy as np

    from metareview.review.screening_ranking import Ranker
    from metareview.review.screening_stopping import stopping_test

    records = eligible_records(project, stage)
    if stage == "full_text":  # a report that could not be retrieved cannot be assessed
        records = records[~records["record_id"].isin(not_retrieved_ids(project))]
    at = decisions[decisions["stage"] == stage]
    mine = set(at.loc[at["reviewer"] == reviewer, "record_id"])
    ids = records["record_id"].to_numpy()
    others = at[at["reviewer"] != reviewer].groupby("record_id")["reviewer"].nunique()
    full = set(others.index[others >= reviewers_per_record])
    pending = records[~records["record_id"].isin(mine | full)]
    # a record's label: relevant when any reviewer voted include or maybe; screened in the
    # order of its first decision
    first = at.drop_duplicates("record_id", keep="first")["record_id"]
    relevant = set(at.loc[at["decision"].isin(RELEVANT), "record_id"])
    first = first[first.isin(set(ids))]
    labels = np.array([1 if r in relevant else 0 for r in first], dtype=np.int64)
    bound = stop = None
    note = None
    if len(ids):
        res = stopping_test(labels, n_total=len(ids))
        bound, stop = res.recall_bound, res.stop
    key = (project.project_id, stage, len(at), reviewer)
    order: list[int] | None = None if cache is None else cache.get(key)
    ranked = False
    if order is None:
        order = pending["record_id"].astype(int).tolist()
        decided = records[records["record_id"].isin(set(first))]
        y = decided["record_id"].map(lambda r: 1 if r in relevant else 0).to_numpy()
        if len(pending) > 1 and 0 < y.sum() < len(y):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ranker = Ranker().fit(_texts(decided), y.tolist())
                    pos = ranker.rank(_texts(pending))
                order = [order[int(i)] for i in pos]
                ranked = True
            except InputError as exc:
                note = str(exc)
        elif len(pending) > 1:
            note = "ranking starts once at least one record was judged relevant and one not"
        if cache is not None:
            if len(cache) > 256:
                cache.clear()
            cache[key] = (order, ranked, note)
    else:
        order, ranked, note = order
    return Queue(order=tuple(order), n_eligible=len(ids), n_done=len(mine & set(ids)),
                 ranked=ranked, recall_bound=bound, stop=stop,
                 n_relevant_seen=int(labels.sum()), note=note)
