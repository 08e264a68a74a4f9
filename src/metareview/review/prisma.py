"""PRISMA 2020 flow-diagram counts, computed from the review store.

The numbers in a PRISMA 2020 flow diagram (Page MJ, McKenzie JE, Bossuyt PM, et al. The
PRISMA 2020 statement: an updated guideline for reporting systematic reviews. BMJ
2021;372:n71. doi:10.1136/bmj.n71, figure 1, "new systematic reviews which included searches
of databases and registers only") are never typed by hand here: :func:`prisma_counts_from_store`
derives every box from the imported searches, the de-duplication result, the screening
decisions, conflict resolutions and full-text retrieval status, and :meth:`PrismaCounts.check`
verifies the arithmetic the diagram implies.

How a record moves through the boxes
------------------------------------
* *Identified*: every imported record, counted per database (or register) it was exported from.
* *Removed before screening*: records that de-duplication marked as a non-kept member of a
  duplicate cluster, and records removed for another stated reason (e.g. "marked as
  ineligible by automation tools").
* *Screened*: the rest. A record's title/abstract decision is final when the project's number
  of reviewers agree (``reviewers_per_record``), or when a lead resolved a conflict.
  ``exclude`` counts as *records excluded*; ``include`` or ``maybe`` (if in doubt, read the full
  text: Cochrane Handbook, Lefebvre et al. 2023, chapter 4) sends the report to retrieval.
  Records without a final decision yet are *awaiting screening*.
* *Reports sought for retrieval*: reports that passed title/abstract screening; those marked
  ``not_retrieved`` are *not retrieved*; those marked ``retrieved`` or with any full-text
  decision were *assessed for eligibility*; the rest are *awaiting retrieval*.
* *Assessed*: a final full-text ``exclude`` counts under its exclusion reason; ``include`` is a
  *report of an included study*; everything else is *awaiting assessment*.
* *Studies included*: distinct studies among the included reports (reports grouped into a
  study count once; a report not grouped is its own study).

The *awaiting* counts are not boxes of the PRISMA 2020 diagram: they are zero in a finished
review and say how much work is left in one under way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from metareview.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

__all__ = ["PrismaCounts", "final_decisions", "prisma_counts_from_store"]

_INT_FIELDS = (
    "duplicates_removed",
    "records_screened",
    "records_excluded",
    "records_awaiting_screening",
    "reports_sought",
    "reports_not_retrieved",
    "reports_awaiting_retrieval",
    "reports_assessed",
    "reports_awaiting_assessment",
    "reports_included",
    "studies_included",
)
_DICT_FIELDS = ("identified_databases", "identified_registers", "removed_other", "reports_excluded")


@dataclass(frozen=True)
class PrismaCounts:
    """The numbers of a PRISMA 2020 flow diagram (Page et al. 2021, BMJ 372:n71, figure 1).

    Parameters
    ----------
    identified_databases, identified_registers : dict of str to int
        Records identified, per database and per register searched.
    duplicates_removed : int
        Duplicate records removed before screening.
    removed_other : dict of str to int
        Records removed before screening for other reasons (reason -> count), e.g.
        ``{"marked as ineligible by automation tools": 12}``.
    records_screened, records_excluded, records_awaiting_screening : int
        Title/abstract screening.
    reports_sought, reports_not_retrieved, reports_awaiting_retrieval : int
        Full-text retrieval.
    reports_assessed : int
        Reports assessed for eligibility.
    reports_excluded : dict of str to int
        Reports excluded at full text, per exclusion reason.
    reports_awaiting_assessment : int
        Retrieved reports without a final full-text decision.
    reports_included, studies_included : int
        Reports of included studies, and the studies they belong to.

    Examples
    --------
    >>> c = PrismaCounts(identified_databases={"PubMed": 60, "Embase": 40},
    ...     duplicates_removed=30, records_screened=70, records_excluded=50,
    ...     reports_sought=20, reports_not_retrieved=2, reports_assessed=18,
    ...     reports_excluded={"wrong population": 5, "not randomised": 3},
    ...     reports_included=10, studies_included=8)
    >>> c.identified_total, c.reports_excluded_total
    (100, 8)
    >>> c.check() is c
    True
    """

    identified_databases: dict[str, int] = field(default_factory=dict)
    identified_registers: dict[str, int] = field(default_factory=dict)
    duplicates_removed: int = 0
    removed_other: dict[str, int] = field(default_factory=dict)
    records_screened: int = 0
    records_excluded: int = 0
    records_awaiting_screening: int = 0
    reports_sought: int = 0
    reports_not_retrieved: int = 0
    reports_awaiting_retrieval: int = 0
    reports_assessed: int = 0
    reports_excluded: dict[str, int] = field(default_factory=dict)
    reports_awaiting_assessment: int = 0
    reports_included: int = 0
    studies_included: int = 0

    def __post_init__(self) -> None:
        for name in _DICT_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise InputError(
                    f"must be a mapping of name to count, got {type(value).__name__}",
                    column=name,
                )
            object.__setattr__(self, name, {str(k): _count(v, f"{name}[{k!r}]") for k, v in value.items()})
        for name in _INT_FIELDS:
            object.__setattr__(self, name, _count(getattr(self, name), name))

    # --- totals ---------------------------------------------------------------------------
    @property
    def identified_total(self) -> int:
        """All records identified from databases and registers."""
        return sum(self.identified_databases.values()) + sum(self.identified_registers.values())

    @property
    def removed_other_total(self) -> int:
        return sum(self.removed_other.values())

    @property
    def removed_before_screening(self) -> int:
        """Duplicates plus records removed for other reasons."""
        return self.duplicates_removed + self.removed_other_total

    @property
    def reports_excluded_total(self) -> int:
        return sum(self.reports_excluded.values())

    @property
    def complete(self) -> bool:
        """True when nothing is awaiting screening, retrieval or assessment."""
        return (
            self.records_awaiting_screening == 0
            and self.reports_awaiting_retrieval == 0
            and self.reports_awaiting_assessment == 0
        )

    # --- consistency ------------------------------------------------------------------------
    def check(self) -> PrismaCounts:
        """Verify that the boxes add up; return ``self`` so it can be chained.

        Raises
        ------
        InputError
            Naming the first identity that fails, e.g. ``records_screened (70) must equal
            identified (100) - duplicates removed (30) - removed for other reasons (5) = 65``.
        """
        identities = [
            (
                "records_screened",
                self.records_screened,
                self.identified_total - self.removed_before_screening,
                f"identified ({self.identified_total}) - duplicates removed "
                f"({self.duplicates_removed}) - removed for other reasons "
                f"({self.removed_other_total})",
            ),
            (
                "records_screened",
                self.records_screened,
                self.records_excluded + self.reports_sought + self.records_awaiting_screening,
                f"records excluded ({self.records_excluded}) + reports sought "
                f"({self.reports_sought}) + awaiting screening ({self.records_awaiting_screening})",
            ),
            (
                "reports_sought",
                self.reports_sought,
                self.reports_not_retrieved + self.reports_assessed + self.reports_awaiting_retrieval,
                f"not retrieved ({self.reports_not_retrieved}) + assessed "
                f"({self.reports_assessed}) + awaiting retrieval ({self.reports_awaiting_retrieval})",
            ),
            (
                "reports_assessed",
                self.reports_assessed,
                self.reports_excluded_total + self.reports_included + self.reports_awaiting_assessment,
                f"reports excluded ({self.reports_excluded_total}) + reports of included studies "
                f"({self.reports_included}) + awaiting assessment "
                f"({self.reports_awaiting_assessment})",
            ),
        ]
        for name, actual, expected, how in identities:
            if actual != expected:
                raise InputError(
                    f"{name} ({actual}) must equal {how} = {expected}",
                    column=name,
                    hint="the PRISMA 2020 flow must add up (Page et al. 2021, BMJ 372:n71)",
                )
        if self.studies_included > self.reports_included:
            raise InputError(
                f"studies_included ({self.studies_included}) cannot exceed reports of included "
                f"studies ({self.reports_included})",
                column="studies_included",
                hint="every included study has at least one included report",
            )
        if self.reports_included > 0 and self.studies_included == 0:
            raise InputError(
                f"{self.reports_included} reports are included but no study is",
                column="studies_included",
            )
        return self

    # --- tables -----------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per number in the diagram.

        Returns
        -------
        pandas.DataFrame
            Columns ``section`` (identification, screening, included, progress), ``box``
            (the field name), ``label`` (database, register or reason, else ``""``) and ``n``.
        """
        import pandas as pd

        rows: list[tuple[str, str, str, int]] = []
        for name, n in self.identified_databases.items():
            rows.append(("identification", "identified_databases", name, n))
        for name, n in self.identified_registers.items():
            rows.append(("identification", "identified_registers", name, n))
        rows.append(("identification", "duplicates_removed", "", self.duplicates_removed))
        for reason, n in self.removed_other.items():
            rows.append(("identification", "removed_other", reason, n))
        for name in (
            "records_screened",
            "records_excluded",
            "reports_sought",
            "reports_not_retrieved",
            "reports_assessed",
        ):
            rows.append(("screening", name, "", getattr(self, name)))
        for reason, n in self.reports_excluded.items():
            rows.append(("screening", "reports_excluded", reason, n))
        rows.append(("included", "studies_included", "", self.studies_included))
        rows.append(("included", "reports_included", "", self.reports_included))
        for name in (
            "records_awaiting_screening",
            "reports_awaiting_retrieval",
            "reports_awaiting_assessment",
        ):
            rows.append(("progress", name, "", getattr(self, name)))
        frame = pd.DataFrame(rows, columns=["section", "box", "label", "n"])
        frame["n"] = frame["n"].astype("int64")
        return frame

    def summary(self) -> pd.DataFrame:
        """Same as :meth:`to_frame`."""
        return self.to_frame()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary of every field."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            import numpy as np

            if isinstance(value, np.integer):
                value = int(value)
            else:
                raise TypeError
        except TypeError:
            raise InputError(
                f"must be a whole number of records, got {value!r}", column=name
            ) from None
    if value < 0:
        raise InputError(f"must not be negative, got {value}", column=name)
    return int(value)


# --------------------------------------------------------------------------------------------
# From the store
# --------------------------------------------------------------------------------------------


def final_decisions(
    decisions: pd.DataFrame, resolutions: pd.DataFrame, *, reviewers_per_record: int
) -> pd.DataFrame:
    """The final decision per record and stage (vectorised over all decisions).

    The agreement rule is :func:`metareview.review.screening.final_decisions` (a lead's
    resolution wins; otherwise the required number of reviewers must agree); on top of it,
    reviewers who agree to exclude but give different reasons are in conflict, since PRISMA
    2020 counts each excluded report under one reason.

    Parameters
    ----------
    decisions : DataFrame
        Columns ``record_id, stage, reviewer_id, decision, reason`` (one row per reviewer).
    resolutions : DataFrame
        Columns ``record_id, stage, decision, reason`` (a lead's resolution of a conflict).
    reviewers_per_record : int
        How many reviewers must decide; their decisions (and, for exclusions, reasons) must
        agree for the decision to be final without a resolution.

    Returns
    -------
    DataFrame
        Columns ``record_id, stage, status, decision, reason``; ``status`` is ``final``,
        ``conflict`` (reviewers disagree) or ``pending`` (too few decisions). ``decision`` and
        ``reason`` are set only when final.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"record_id": [1, 1, 2, 2, 3], "stage": ["title_abstract"] * 5,
    ...     "reviewer_id": [1, 2, 1, 2, 1],
    ...     "decision": ["exclude", "exclude", "include", "exclude", "include"],
    ...     "reason": [None] * 5})
    >>> r = pd.DataFrame(columns=["record_id", "stage", "decision", "reason"])
    >>> final_decisions(d, r, reviewers_per_record=2)[["record_id", "status", "decision"]]
       record_id    status decision
    0          1     final  exclude
    1          2  conflict     None
    2          3   pending     None
    """
    import pandas as pd

    from metareview.review.screening import final_decisions as screening_final

    columns = ["record_id", "stage", "status", "decision", "reason"]
    d = decisions.rename(columns={"reviewer_id": "reviewer"})
    res = resolutions[["record_id", "stage", "decision"]] if len(resolutions) else None
    out = screening_final(d[["record_id", "reviewer", "decision", "stage"]], resolutions=res,
                          required_reviewers=reviewers_per_record)
    out["status"] = out["status"].map(
        {"agreed": "final", "resolved": "final", "conflict": "conflict", "awaiting": "pending"})
    # exclusion reasons: the lead's when resolved, else the reviewers' (who must agree on it)
    reasons = d.assign(reason=d["reason"].fillna("")).groupby(["record_id", "stage"]).agg(
        n_reasons=("reason", "nunique"), reason=("reason", "first"))
    out = out.join(reasons, on=["record_id", "stage"])
    if res is not None:
        lead = resolutions.set_index(["record_id", "stage"])["reason"]
        resolved = pd.MultiIndex.from_frame(out[["record_id", "stage"]]).isin(lead.index)
        keys = pd.MultiIndex.from_frame(out.loc[resolved, ["record_id", "stage"]])
        out.loc[resolved, "reason"] = lead.reindex(keys).to_numpy()
        out.loc[resolved, "n_reasons"] = 1
    disagree = (out["status"] == "final") & (out["decision"] == "exclude") & (out["n_reasons"] > 1)
    out.loc[disagree, "status"] = "conflict"
    out["decision"] = out["decision"].astype(object)
    out["reason"] = out["reason"].astype(object)
    not_final = out["status"] != "final"
    out.loc[not_final, ["decision", "reason"]] = None
    out.loc[out["decision"] != "exclude", "reason"] = None
    out["reason"] = out["reason"].where(out["reason"].notna() & (out["reason"] != ""), None)
    return (out[columns].sort_values(["record_id", "stage"], kind="stable")
            .reset_index(drop=True))


def prisma_counts_from_store(session: Session, project_id: int) -> PrismaCounts:
    """Compute :class:`PrismaCounts` for one project from the store (read only)."""
    import pandas as pd
    from sqlalchemy import select

    from metareview.store import models as m

    def frame(statement: Any, columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(session.execute(statement).all(), columns=columns)

    project = session.get(m.Project, project_id)
    if project is None:
        raise InputError(f"no project with id {project_id} in this store", column="project")

    records = frame(
        select(m.RecordRow.id, m.RecordRow.study_id, m.RecordRow.removed_reason, m.Search.kind,
               m.Search.database)
        .join(m.Search, m.RecordRow.search_id == m.Search.id)
        .where(m.RecordRow.project_id == project_id),
        ["record_id", "study_id", "removed_reason", "kind", "database"],
    )
    duplicates = frame(
        select(m.DuplicateMember.record_id)
        .join(m.DuplicateCluster, m.DuplicateMember.cluster_id == m.DuplicateCluster.id)
        .where(m.DuplicateCluster.project_id == project_id, m.DuplicateMember.kept.is_(False)),
        ["record_id"],
    )
    reason = m.ExclusionReason.label
    decisions = frame(
        select(m.ScreeningDecision.record_id, m.ScreeningDecision.stage,
               m.ScreeningDecision.reviewer_id, m.ScreeningDecision.decision, reason)
        .join(m.RecordRow, m.ScreeningDecision.record_id == m.RecordRow.id)
        .outerjoin(m.ExclusionReason,
                   m.ScreeningDecision.exclusion_reason_id == m.ExclusionReason.id)
        .where(m.RecordRow.project_id == project_id),
        ["record_id", "stage", "reviewer_id", "decision", "reason"],
    )
    resolutions = frame(
        select(m.ConflictResolution.record_id, m.ConflictResolution.stage,
               m.ConflictResolution.decision, reason)
        .join(m.RecordRow, m.ConflictResolution.record_id == m.RecordRow.id)
        .outerjoin(m.ExclusionReason,
                   m.ConflictResolution.exclusion_reason_id == m.ExclusionReason.id)
        .where(m.RecordRow.project_id == project_id),
        ["record_id", "stage", "decision", "reason"],
    )
    retrieval = frame(
        select(m.FullTextRetrieval.record_id, m.FullTextRetrieval.status)
        .join(m.RecordRow, m.FullTextRetrieval.record_id == m.RecordRow.id)
        .where(m.RecordRow.project_id == project_id),
        ["record_id", "status"],
    )
    return counts_from_frames(
        records, duplicates, decisions, resolutions, retrieval,
        reviewers_per_record=project.reviewers_per_record,
    )


def counts_from_frames(
    records: pd.DataFrame,
    duplicates: pd.DataFrame,
    decisions: pd.DataFrame,
    resolutions: pd.DataFrame,
    retrieval: pd.DataFrame,
    *,
    reviewers_per_record: int = 1,
) -> PrismaCounts:
    """The counting itself, over plain tables (see :func:`prisma_counts_from_store`)."""
    identified = records.groupby(["kind", "database"], sort=False).size()
    databases = {db: int(n) for (kind, db), n in identified.items() if kind == "database"}
    registers = {db: int(n) for (kind, db), n in identified.items() if kind == "register"}

    is_duplicate = records["record_id"].isin(duplicates["record_id"])
    removed = records["removed_reason"].notna() & ~is_duplicate
    removed_other = {
        str(k): int(v) for k, v in records.loc[removed, "removed_reason"].value_counts(sort=False).items()
    }
    screened = records.loc[~is_duplicate & ~removed, ["record_id", "study_id"]]

    final = final_decisions(decisions, resolutions, reviewers_per_record=reviewers_per_record)
    final = final[final["record_id"].isin(screened["record_id"])]
    is_final = final["status"] == "final"
    ta = final[(final["stage"] == "title_abstract") & is_final]
    excluded_ta = ta["decision"] == "exclude"
    sought_ids = ta.loc[~excluded_ta, "record_id"]

    ft = final[(final["stage"] == "full_text") & final["record_id"].isin(sought_ids)]
    ft_any = ft["record_id"]  # any full-text decision implies the report was retrieved
    status = retrieval.set_index("record_id")["status"] if len(retrieval) else None
    sought_status = (
        status.reindex(sought_ids.to_numpy()) if status is not None else None
    )
    not_retrieved_ids = (
        sought_ids[(sought_status == "not_retrieved").to_numpy()]
        if sought_status is not None else sought_ids.iloc[:0]
    )
    retrieved_flag = sought_ids.isin(ft_any)
    if sought_status is not None:
        retrieved_flag |= (sought_status == "retrieved").to_numpy()
    retrieved_flag &= ~sought_ids.isin(not_retrieved_ids)
    assessed_ids = sought_ids[retrieved_flag]

    ft_final = ft[(ft["status"] == "final") & ft["record_id"].isin(assessed_ids)]
    ft_excluded = ft_final[ft_final["decision"] == "exclude"]
    reasons = ft_excluded["reason"].fillna("reason not recorded").value_counts(sort=True)
    included_ids = ft_final.loc[ft_final["decision"] == "include", "record_id"]
    included = screened[screened["record_id"].isin(included_ids)]
    # A report not grouped into a study is a study of its own.
    study_keys = included["study_id"].astype("Int64").astype(str).where(
        included["study_id"].notna(), "record:" + included["record_id"].astype(str)
    )

    n_sought = len(sought_ids)
    n_assessed = len(assessed_ids)
    return PrismaCounts(
        identified_databases=databases,
        identified_registers=registers,
        duplicates_removed=int(is_duplicate.sum()),
        removed_other=removed_other,
        records_screened=len(screened),
        records_excluded=int(excluded_ta.sum()),
        records_awaiting_screening=len(screened) - len(ta),
        reports_sought=n_sought,
        reports_not_retrieved=len(not_retrieved_ids),
        reports_awaiting_retrieval=n_sought - len(not_retrieved_ids) - n_assessed,
        reports_assessed=n_assessed,
        reports_excluded={str(k): int(v) for k, v in reasons.items()},
        reports_awaiting_assessment=n_assessed - len(ft_excluded) - len(included_ids),
        reports_included=len(included_ids),
        studies_included=int(study_keys.nunique()),
    )
