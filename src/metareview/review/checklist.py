"""The PRISMA 2020 checklist, pre-filled with what the review store knows.

The 27 items (42 with their parts) follow the PRISMA 2020 checklist in Page MJ, McKenzie JE,
Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline for reporting systematic
reviews. BMJ 2021;372:n71. doi:10.1136/bmj.n71 (table 1). The topics and numbers are the
checklist's; the one-line summaries of what each item asks are ours (read the statement and
its explanation and elaboration paper, Page et al. 2021, BMJ 372:n160,
doi:10.1136/bmj.n160, for the full wording).

:func:`prisma_checklist` fills the items the store can answer from data rather than memory:
information sources and dates (item 6), search strategies (7), the selection process (8),
data collection (9), risk-of-bias tools (11), and study selection with the reasons reports
were excluded (16a, 16b). Every other item is left for the authors, with ``answer`` empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metareview.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from metareview.review.project import ReviewProject

__all__ = ["CHECKLIST", "ChecklistItem", "PrismaChecklist", "prisma_checklist"]

#: (section, item, topic, what the item asks) of the PRISMA 2020 checklist.
CHECKLIST: tuple[tuple[str, str, str, str], ...] = (
    ("Title", "1", "Title", "Say in the title that the report is a systematic review."),
    ("Abstract", "2", "Abstract", "Structured abstract following PRISMA 2020 for Abstracts."),
    ("Introduction", "3", "Rationale", "Why the review is needed, given current knowledge."),
    ("Introduction", "4", "Objectives", "The objectives or questions the review addresses."),
    ("Methods", "5", "Eligibility criteria", "Inclusion and exclusion criteria and how studies were grouped for synthesis."),
    ("Methods", "6", "Information sources", "Every database, register, website and other source searched or consulted, with the date each was last searched."),
    ("Methods", "7", "Search strategy", "Full search strategies for all databases, registers and websites, with filters and limits."),
    ("Methods", "8", "Selection process", "How eligibility was decided: how many reviewers screened each record and report, whether independently, and any automation tools."),
    ("Methods", "9", "Data collection process", "How data were collected from reports: how many reviewers, independently or not, confirmation from investigators, automation tools."),
    ("Methods", "10a", "Data items", "The outcomes sought and how results compatible with each were chosen."),
    ("Methods", "10b", "Data items", "Other variables sought and assumptions about missing or unclear information."),
    ("Methods", "11", "Study risk of bias assessment", "The tools used to assess risk of bias, how many reviewers, independently or not."),
    ("Methods", "12", "Effect measures", "The effect measure(s) used for each outcome."),
    ("Methods", "13a", "Synthesis methods", "How studies were judged eligible for each synthesis."),
    ("Methods", "13b", "Synthesis methods", "Data preparation for presentation or synthesis (missing statistics, conversions)."),
    ("Methods", "13c", "Synthesis methods", "How results of individual studies and syntheses were tabulated or displayed."),
    ("Methods", "13d", "Synthesis methods", "The synthesis methods with their rationale; for meta-analysis, the model, heterogeneity methods and software."),
    ("Methods", "13e", "Synthesis methods", "Methods to explore heterogeneity (subgroups, meta-regression)."),
    ("Methods", "13f", "Synthesis methods", "Sensitivity analyses."),
    ("Methods", "14", "Reporting bias assessment", "Methods to assess risk of bias due to missing results."),
    ("Methods", "15", "Certainty assessment", "Methods to assess certainty (confidence) in the body of evidence."),
    ("Results", "16a", "Study selection", "Results of the search and selection, from records identified to studies included, ideally with a flow diagram."),
    ("Results", "16b", "Study selection", "Studies that seemed to meet the criteria but were excluded, and why."),
    ("Results", "17", "Study characteristics", "Each included study, cited, with its characteristics."),
    ("Results", "18", "Risk of bias in studies", "Risk-of-bias assessments for each included study."),
    ("Results", "19", "Results of individual studies", "For every outcome, summary statistics per group and the effect estimate with its precision, per study."),
    ("Results", "20a", "Results of syntheses", "For each synthesis, the characteristics and risk of bias of the contributing studies."),
    ("Results", "20b", "Results of syntheses", "Results of all syntheses: estimates with precision and heterogeneity measures."),
    ("Results", "20c", "Results of syntheses", "Results of investigations of possible causes of heterogeneity."),
    ("Results", "20d", "Results of syntheses", "Results of sensitivity analyses."),
    ("Results", "21", "Reporting biases", "Assessments of risk of bias due to missing results."),
    ("Results", "22", "Certainty of evidence", "Assessments of certainty in the body of evidence for each outcome."),
    ("Discussion", "23a", "Discussion", "General interpretation in the context of other evidence."),
    ("Discussion", "23b", "Discussion", "Limitations of the evidence."),
    ("Discussion", "23c", "Discussion", "Limitations of the review processes."),
    ("Discussion", "23d", "Discussion", "Implications for practice, policy and future research."),
    ("Other information", "24a", "Registration and protocol", "Registration name and number, or that the review was not registered."),
    ("Other information", "24b", "Registration and protocol", "Where the protocol can be accessed, or that none was prepared."),
    ("Other information", "24c", "Registration and protocol", "Amendments to registration or protocol."),
    ("Other information", "25", "Support", "Sources of support and the role of funders or sponsors."),
    ("Other information", "26", "Competing interests", "Competing interests of the review authors."),
    ("Other information", "27", "Availability of data, code and other materials", "Which data, code and materials are publicly available and where."),
)


@dataclass(frozen=True)
class ChecklistItem:
    section: str
    item: str
    topic: str
    asks: str
    answer: str | None = None
    location: str | None = None

    @property
    def filled(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class PrismaChecklist:
    """The checklist with the answers the store could give (others empty)."""

    items: tuple[ChecklistItem, ...]

    def to_frame(self) -> pd.DataFrame:
        """Columns ``section, item, topic, asks, answer, location`` (one row per item)."""
        import pandas as pd

        return pd.DataFrame(
            [(i.section, i.item, i.topic, i.asks, i.answer, i.location) for i in self.items],
            columns=["section", "item", "topic", "asks", "answer", "location"],
        )

    def summary(self) -> pd.DataFrame:
        return self.to_frame()

    def __getitem__(self, item: str) -> ChecklistItem:
        for entry in self.items:
            if entry.item == item:
                return entry
        raise KeyError(item)

    def to_markdown(self) -> str:
        """A Markdown table with a column left for where each item is reported."""
        def cell(text: str | None) -> str:
            return "" if text is None else text.replace("|", "\\|").replace("\n", "<br>")

        lines = ["| Section | Item | Topic | Checklist item | Pre-filled from the review store | Location reported |",
                 "|---|---|---|---|---|---|"]
        lines += [f"| {cell(i.section)} | {i.item} | {cell(i.topic)} | {cell(i.asks)} | "
                  f"{cell(i.answer)} | {cell(i.location)} |" for i in self.items]
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write as ``.csv``, ``.xlsx`` or ``.md`` (chosen by the extension)."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix == ".csv":
            self.to_frame().to_csv(target, index=False, encoding="utf-8")
        elif suffix == ".xlsx":
            self.to_frame().to_excel(target, index=False, sheet_name="PRISMA 2020",
                                     engine="openpyxl")
        elif suffix == ".md":
            target.write_text(self.to_markdown(), encoding="utf-8")
        else:
            raise InputError(f"cannot write the checklist as {suffix or 'no extension'!r}",
                             file=str(target), hint="use a .csv, .xlsx or .md file name")
        return target


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def fill_answers(facts: dict[str, Any]) -> dict[str, str]:
    """Answers for the items the store can speak to, from plain *facts*.

    Keys of *facts*: ``searches`` (list of dicts with database, kind, date_run, query_text,
    record_count), ``reviewers_per_record``, ``members``, ``resolutions`` (per stage),
    ``pending_pairs``, ``forms`` (outcomes), ``extractors`` (max reviewers per study and
    form), ``rob_instruments``, ``counts`` (PrismaCounts).

    Examples
    --------
    >>> from metareview.review.prisma import PrismaCounts
    >>> facts = {"searches": [{"database": "PubMed", "kind": "database", "date_run": "2024-01-31",
    ...     "query_text": "aspirin", "record_count": 10}], "reviewers_per_record": 2,
    ...     "members": 3, "resolutions": {}, "pending_pairs": 0, "forms": [], "extractors": 0,
    ...     "rob_instruments": [], "counts": PrismaCounts(identified_databases={"PubMed": 10},
    ...     records_screened=10, records_excluded=10)}
    >>> fill_answers(facts)["6"]
    'Databases: PubMed (searched 2024-01-31, 10 records).'
    """
    answers: dict[str, str] = {}
    searches = facts["searches"]
    if searches:
        parts = []
        for kind, label in (("database", "Databases"), ("register", "Registers")):
            chosen = [s for s in searches if s["kind"] == kind]
            if chosen:
                listed = "; ".join(
                    f"{s['database']} (searched {s['date_run']}, {_plural(s['record_count'], 'record')})"
                    for s in chosen)
                parts.append(f"{label}: {listed}.")
        answers["6"] = " ".join(parts)
        with_query = [s for s in searches if s.get("query_text")]
        text = f"Search strategies stored for {len(with_query)} of {_plural(len(searches), 'search', 'searches')}"
        if with_query:
            text += ": " + "; ".join(f"{s['database']}: {s['query_text']}" for s in with_query)
        answers["7"] = text + "."
    k = facts["reviewers_per_record"]
    how = ("by one reviewer" if k == 1 else f"independently by {k} reviewers, a decision being final "
           "when they agreed and conflicts resolved by a review lead")
    resolved = sum(facts["resolutions"].values())
    answers["8"] = (
        f"Records were de-duplicated automatically (metareview find_duplicates: DOI/PMID match and "
        f"fuzzy bibliographic matching), with uncertain pairs queued for a person "
        f"({_plural(facts['pending_pairs'], 'pair')} still pending). Titles/abstracts and full "
        f"texts were screened {how} ({_plural(facts['members'], 'project member')}; "
        f"{_plural(resolved, 'conflict')} resolved)."
    )
    if facts["forms"]:
        answers["9"] = (
            f"Data were extracted with forms for {', '.join(facts['forms'])}"
            + (f", by up to {facts['extractors']} reviewers per study (double extraction)."
               if facts["extractors"] > 1 else ".")
        )
    if facts["rob_instruments"]:
        answers["11"] = "Risk of bias was assessed with " + ", ".join(facts["rob_instruments"]) + "."
    c = facts["counts"]
    answers["16a"] = (
        f"{c.identified_total} records identified ({sum(c.identified_databases.values())} from "
        f"databases, {sum(c.identified_registers.values())} from registers); "
        f"{c.duplicates_removed} duplicates and {c.removed_other_total} other records removed; "
        f"{c.records_screened} screened, {c.records_excluded} excluded; {c.reports_sought} "
        f"reports sought, {c.reports_not_retrieved} not retrieved; {c.reports_assessed} "
        f"assessed, {c.reports_excluded_total} excluded; "
        f"{_plural(c.studies_included, 'study', 'studies')} "
        f"({_plural(c.reports_included, 'report')}) included. See the PRISMA 2020 flow diagram."
    )
    if c.reports_excluded:
        answers["16b"] = "Reports excluded at full text: " + "; ".join(
            f"{reason} ({n})" for reason, n in c.reports_excluded.items()) + "."
    return answers


def prisma_checklist(project: ReviewProject) -> PrismaChecklist:
    """The PRISMA 2020 checklist for *project*, filled where the store knows the answer."""
    from sqlalchemy import distinct, func, select

    from metareview.store import models as m

    counts = project.prisma_counts()
    pid = project.project_id
    with project._sessions() as s:
        searches = [
            {"database": r.database, "kind": r.kind, "date_run": r.date_run.isoformat(),
             "query_text": r.query_text, "record_count": r.record_count}
            for r in s.scalars(select(m.Search).where(m.Search.project_id == pid)
                               .order_by(m.Search.id))
        ]
        project_row = s.get(m.Project, pid)
        members = s.scalar(select(func.count()).select_from(m.Membership)
                           .where(m.Membership.project_id == pid)) or 0
        resolutions = dict(s.execute(
            select(m.ConflictResolution.stage, func.count())
            .join(m.RecordRow, m.ConflictResolution.record_id == m.RecordRow.id)
            .where(m.RecordRow.project_id == pid).group_by(m.ConflictResolution.stage)).all())
        pending = s.scalar(select(func.count()).select_from(m.DuplicateLink).where(
            m.DuplicateLink.project_id == pid, m.DuplicateLink.decision == "pending")) or 0
        forms = list(s.scalars(select(m.ExtractionForm.outcome).distinct()
                               .where(m.ExtractionForm.project_id == pid)
                               .order_by(m.ExtractionForm.outcome)))
        per_study = (select(func.count(distinct(m.ExtractedData.reviewer_id)).label("n"))
                     .join(m.Study, m.ExtractedData.study_id == m.Study.id)
                     .where(m.Study.project_id == pid)
                     .group_by(m.ExtractedData.study_id, m.ExtractedData.form_id).subquery())
        extractors = s.scalar(select(func.max(per_study.c.n))) or 0
        instruments = list(s.scalars(
            select(m.RiskOfBiasJudgement.instrument).distinct()
            .join(m.Study, m.RiskOfBiasJudgement.study_id == m.Study.id)
            .where(m.Study.project_id == pid).order_by(m.RiskOfBiasJudgement.instrument)))
    answers = fill_answers({
        "searches": searches, "reviewers_per_record": project_row.reviewers_per_record,
        "members": int(members), "resolutions": {str(k): int(v) for k, v in resolutions.items()},
        "pending_pairs": int(pending), "forms": forms, "extractors": int(extractors),
        "rob_instruments": instruments, "counts": counts,
    })
    return PrismaChecklist(items=tuple(
        ChecklistItem(section, item, topic, asks, answers.get(item))
        for section, item, topic, asks in CHECKLIST
    ))
