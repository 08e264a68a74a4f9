"""ReviewProject on hand-built records, with every expected number worked out by hand below.

The review (dual screening, ``reviewers_per_record=2``; reviewers ann (lead) and bob):

=====  ==========  ======================================  ===========================
id     search      record                                  fate
=====  ==========  ======================================  ===========================
P1     PubMed      aspirin trial, doi 10.1000/asp.1        TA include+include; FT include
P2     PubMed      statins, doi 10.1000/stat.2             TA exclude+exclude
P3     PubMed      exercise, doi 10.1000/ex.3              TA include/exclude -> lead: include;
                                                           FT exclude (wrong population) x2
P4     PubMed      vitamin D, doi 10.1000/vitd.4           TA maybe+maybe; full text not retrieved
E1     Embase      = P1 (same DOI, less complete)          duplicate of P1
E2     Embase      = P3 (same DOI, less complete)          duplicate of P3
E3     Embase      mindfulness, doi 10.1000/mind.5         TA exclude/include: unresolved conflict
R1     CT.gov      registration, no DOI                    removed: automation tool
=====  ==========  ======================================  ===========================

Hence: identified PubMed 4, Embase 3, register ClinicalTrials.gov 1 (total 8); duplicates
removed 2; removed for other reasons 1; screened 8 - 2 - 1 = 5 (P1-P4, E3); records excluded
1 (P2); awaiting screening 1 (E3); reports sought 3 (P1, P3, P4); not retrieved 1 (P4);
assessed 2 (P1, P3); excluded 1 (wrong population); reports included 1; studies included 1.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import rispy
from sqlalchemy import func, select

from metareview.errors import InputError
from metareview.review.project import ReviewProject
from metareview.review.records import Record
from metareview.store import models as m

ABSTRACT = "Background. A randomised trial. Methods. Results. Conclusions."


def _rec(title, authors, year, doi, *, journal="Lancet", abstract=ABSTRACT, index=0, **kw):
    return Record(title=title, authors=tuple(authors), year=year, doi=doi, journal=journal,
                  abstract=abstract, source_index=index, **kw)


PUBMED = [
    _rec("Aspirin for secondary prevention of stroke: a randomised trial", ["Smith, J", "Lee, K"],
         2010, "10.1000/asp.1", volume="375", pages="100-109", pmid="111", index=0),
    _rec("Statins in heart failure", ["Brown, A"], 2012, "10.1000/stat.2", journal="BMJ",
         volume="344", pages="e12", index=1),
    _rec("Exercise for depression in older adults", ["Green, P"], 2015, "10.1000/ex.3",
         journal="JAMA", volume="313", pages="55-60", index=2),
    _rec("Vitamin D and fractures: a cohort study", ["White, R"], 2018, "10.1000/vitd.4",
         journal="NEJM", index=3),
]
EMBASE = [
    _rec("ASPIRIN FOR SECONDARY PREVENTION OF STROKE: A RANDOMISED TRIAL", ["Smith J"], 2010,
         "https://doi.org/10.1000/ASP.1", abstract=None, index=0),
    _rec("Exercise for depression in older adults.", ["Green P"], 2015, "10.1000/ex.3",
         journal=None, abstract=None, index=1),
    _rec("Mindfulness for chronic pain", ["Black, S"], 2019, "10.1000/mind.5", journal="Pain",
         index=2),
]
REGISTER = [_rec("Registration of an aspirin dosing trial NCT0001", [], 2020, None,
                 journal=None, abstract=None, index=0)]


def _sha(c: str) -> str:
    return c * 64


def _ids(project: ReviewProject) -> dict[str, int]:
    """Map the labels of the table above to store record ids (stored in import order)."""
    frame = project.records_frame()
    labels = ["P1", "P2", "P3", "P4", "E1", "E2", "E3", "R1"]
    return dict(zip(labels, frame["record_id"].astype(int)))


@pytest.fixture()
def project(tmp_path: Path):
    p = ReviewProject.init(tmp_path / "review.db", "Aspirin review", lead="ann",
                           reviewers_per_record=2)
    p.add_member("bob")
    p.import_records(PUBMED, database="PubMed", date="2024-01-31", file_name="pubmed.nbib",
                     file_sha256=_sha("a"), format="pubmed_medline", query="aspirin[tiab]")
    p.import_records(EMBASE, database="Embase", date="2024-02-01", file_name="embase.ris",
                     file_sha256=_sha("b"), format="ris")
    p.import_records(REGISTER, database="ClinicalTrials.gov", date="2024-02-02",
                     file_name="ctgov.csv", file_sha256=_sha("c"), format="csv", kind="register")
    yield p
    p.close()


def _screen(p: ReviewProject) -> dict[str, int]:
    ids = _ids(p)
    summary = p.dedup()
    assert (summary.duplicate_clusters, summary.duplicates_removed) == (2, 2)
    p.remove_record(ids["R1"], reason="marked as ineligible by automation tools")
    ta = "title_abstract"
    for label, ann, bob in [("P1", "include", "include"), ("P2", "exclude", "exclude"),
                            ("P3", "include", "exclude"), ("P4", "maybe", "maybe"),
                            ("E3", "exclude", "include")]:
        p.record_decision(ids[label], stage=ta, reviewer="ann", decision=ann)
        p.record_decision(ids[label], stage=ta, reviewer="bob", decision=bob)
    p.resolve_conflict(ids["P3"], stage=ta, lead="ann", decision="include", note="RCT")
    p.set_retrieval(ids["P4"], status="not_retrieved", reason="no response from authors")
    p.set_retrieval(ids["P1"], status="retrieved")
    p.add_exclusion_reason("wrong population")
    p.add_exclusion_reason("not randomised")
    for reviewer in ("ann", "bob"):
        p.record_decision(ids["P1"], stage="full_text", reviewer=reviewer, decision="include")
        p.record_decision(ids["P3"], stage="full_text", reviewer=reviewer, decision="exclude",
                          reason="wrong population")
    return ids


def test_prisma_counts_of_the_worked_example(project: ReviewProject) -> None:
    _screen(project)
    c = project.prisma_counts()
    assert c.identified_databases == {"PubMed": 4, "Embase": 3}
    assert c.identified_registers == {"ClinicalTrials.gov": 1}
    assert c.identified_total == 8
    assert c.duplicates_removed == 2
    assert c.removed_other == {"marked as ineligible by automation tools": 1}
    assert c.records_screened == 5 == 8 - 2 - 1
    assert (c.records_excluded, c.records_awaiting_screening) == (1, 1)
    assert (c.reports_sought, c.reports_not_retrieved, c.reports_awaiting_retrieval) == (3, 1, 0)
    assert c.reports_assessed == 2
    assert c.reports_excluded == {"wrong population": 1}
    assert (c.reports_included, c.studies_included, c.reports_awaiting_assessment) == (1, 1, 0)
    assert not c.complete

    st = project.status()
    assert (st.searches, st.records, st.duplicates_removed, st.records_screened) == (3, 8, 2, 5)
    assert (st.title_abstract_decisions, st.title_abstract_conflicts) == (4, 1)
    assert (st.full_text_decisions, st.full_text_conflicts) == (2, 0)
    assert list(st.to_frame().columns) == ["item", "n"]


def test_dedup_keeps_the_more_complete_record_and_is_idempotent(project: ReviewProject) -> None:
    ids = _ids(project)
    first = project.dedup()
    with project._sessions() as s:
        members = sorted((a, b) for a, b in s.execute(
            select(m.DuplicateMember.record_id, m.DuplicateMember.kept)))
        links = s.execute(select(m.DuplicateLink.record_a_id, m.DuplicateLink.record_b_id,
                                 m.DuplicateLink.reason, m.DuplicateLink.decided_by)).all()
    assert members == sorted([(ids["P1"], True), (ids["E1"], False),
                              (ids["P3"], True), (ids["E2"], False)])
    assert {(a, b) for a, b, _, _ in links} >= {(ids["P1"], ids["E1"]), (ids["P3"], ids["E2"])}
    assert {by for *_, by in links} == {"auto"}
    second = project.dedup()
    assert second == first
    with project._sessions() as s:
        assert s.scalar(select(func.count()).select_from(m.DuplicateCluster)) == 2
        assert s.scalar(select(func.count()).select_from(m.DuplicateMember)) == 4
        assert s.scalar(select(func.count()).select_from(m.DuplicateLink)) == first.links + first.pairs_for_review
    unique = project.records_frame(subset="unique")
    assert sorted(unique["record_id"]) == sorted(ids[k] for k in ("P1", "P2", "P3", "P4", "E3", "R1"))


def test_same_file_twice_is_refused(project: ReviewProject) -> None:
    with pytest.raises(InputError) as info:
        project.import_records(PUBMED, database="PubMed", date="2024-03-01",
                               file_name="pubmed_again.nbib", file_sha256=_sha("a"), format="ris")
    text = str(info.value)
    assert "already imported" in text and "pubmed.nbib" in text and "PubMed" in text
    assert info.value.file == "pubmed_again.nbib"
    assert project.status().records == 8


def test_a_failing_import_stores_nothing(project: ReviewProject) -> None:
    bad = [Record(title="ok", year=2020, source_index=0),
           Record(title="bad year", year="2019a", source_index=1)]  # type: ignore[arg-type]
    with pytest.raises(InputError) as info:
        project.import_records(bad, database="Scopus", date="2024-01-31", file_name="scopus.ris",
                               file_sha256=_sha("d"), format="ris")
    assert (info.value.file, info.value.row, info.value.column) == ("scopus.ris", 2, "year")
    st = project.status()
    assert (st.searches, st.records) == (3, 8)


def test_transaction_rolls_back_a_half_written_import(project: ReviewProject, monkeypatch) -> None:
    """A failure after the search row was written (here: the record insert) leaves nothing."""
    import metareview.review.project as mod

    real = mod._record_row

    def rows_then_poison(record, index, file_name):
        row = real(record, index, file_name)
        if index == 1:
            row["raw"] = {"AB": {"a set cannot be stored as JSON"}}
        return row

    monkeypatch.setattr(mod, "_record_row", rows_then_poison)
    with pytest.raises(Exception, match="not JSON serializable"):
        project.import_records(PUBMED[:2], database="Scopus", date="2024-01-31",
                               file_name="scopus.ris", file_sha256=_sha("e"), format="ris")
    st = project.status()
    assert (st.searches, st.records) == (3, 8)


@pytest.mark.parametrize("date", ["31/01/2024", "2024-13-01", "yesterday"])
def test_bad_search_date(project: ReviewProject, date: str) -> None:
    with pytest.raises(InputError) as info:
        project.import_records(PUBMED, database="Scopus", date=date, file_name="x.ris",
                               file_sha256=_sha("f"), format="ris")
    assert info.value.column == "date"
    assert "YYYY-MM-DD" in str(info.value)


def test_screening_errors_name_the_problem(project: ReviewProject) -> None:
    ids = _ids(project)
    project.dedup()
    ta = "title_abstract"
    with pytest.raises(InputError, match="'zoe' is not a member") as info:
        project.record_decision(ids["P1"], stage=ta, reviewer="zoe", decision="include")
    assert info.value.column == "reviewer"
    with pytest.raises(InputError, match=f"duplicate of record {ids['P1']}"):
        project.record_decision(ids["E1"], stage=ta, reviewer="ann", decision="include")
    with pytest.raises(InputError) as info:
        project.record_decision(ids["P1"], stage="abstract", reviewer="ann", decision="include")
    assert info.value.column == "stage" and "title_abstract, full_text" in str(info.value)
    with pytest.raises(InputError) as info:
        project.record_decision(ids["P1"], stage=ta, reviewer="ann", decision="yes")
    assert info.value.column == "decision"
    with pytest.raises(InputError, match="there is no record 999"):
        project.record_decision(999, stage=ta, reviewer="ann", decision="include")

    project.record_decision(ids["P2"], stage=ta, reviewer="ann", decision="include")
    with pytest.raises(InputError, match="already decided 'include'"):
        project.record_decision(ids["P2"], stage=ta, reviewer="ann", decision="exclude")
    project.record_decision(ids["P2"], stage=ta, reviewer="ann", decision="exclude", replace=True)
    project.record_decision(ids["P2"], stage=ta, reviewer="bob", decision="exclude")
    with pytest.raises(InputError, match="has not passed title/abstract screening \\(excluded\\)"):
        project.record_decision(ids["P2"], stage="full_text", reviewer="ann", decision="include")
    with pytest.raises(InputError, match="no final decision"):
        project.record_decision(ids["P1"], stage="full_text", reviewer="ann", decision="include")

    for r in ("ann", "bob"):
        project.record_decision(ids["P1"], stage=ta, reviewer=r, decision="include")
    with pytest.raises(InputError, match="full-text exclusion needs a reason") as info:
        project.record_decision(ids["P1"], stage="full_text", reviewer="ann", decision="exclude")
    assert info.value.column == "reason"
    project.add_exclusion_reason("wrong outcome")
    with pytest.raises(InputError, match="'wrong dose' is not in") as info:
        project.record_decision(ids["P1"], stage="full_text", reviewer="ann", decision="exclude",
                                reason="wrong dose")
    assert "wrong outcome" in str(info.value)
    with pytest.raises(InputError, match="only a lead resolves"):
        project.resolve_conflict(ids["P1"], stage=ta, lead="bob", decision="include")
    with pytest.raises(InputError, match="say why"):
        project.set_retrieval(ids["P1"], status="not_retrieved")


def test_reports_grouped_into_studies(tmp_path: Path) -> None:
    """Three included reports, two of them of one study: 3 reports, 2 studies."""
    recs = [_rec(f"Report {i}", ["Smith, J"], 2010 + i, f"10.1000/r.{i}", index=i) for i in range(3)]
    with ReviewProject.init(tmp_path / "s.db", "Studies", lead="ann") as p:
        p.import_records(recs, database="PubMed", date="2024-01-31", file_name="p.txt",
                         file_sha256=_sha("1"), format="pubmed_medline")
        ids = list(p.records_frame()["record_id"].astype(int))
        for rid in ids:
            p.record_decision(rid, stage="title_abstract", reviewer="ann", decision="include")
            p.record_decision(rid, stage="full_text", reviewer="ann", decision="include")
        study = p.assign_study(ids[:2], label="Smith 2010")
        c = p.prisma_counts()
        assert (c.reports_included, c.studies_included, c.reports_assessed) == (3, 2, 3)
        assert c.complete
        p.add_extraction_form("mortality", {"type": "object",
                                            "properties": {"ai": {"type": "integer"},
                                                           "n1i": {"type": "integer"}}})
        n = p.export_extraction_sheet(tmp_path / "sheet.xlsx")
        sheet = pd.read_excel(tmp_path / "sheet.xlsx", sheet_name="extraction")
    assert n == 2 == len(sheet)
    assert list(sheet.columns[-2:]) == ["mortality: ai", "mortality: n1i"]
    assert sheet.loc[0, "study"] == "Smith 2010" and sheet.loc[0, "study_id"] == study
    assert sheet.loc[0, "record_ids"] == f"{ids[0]}; {ids[1]}"
    assert sheet.loc[1, "study"] == "Smith 2012"  # an ungrouped report is its own study
    assert sheet["mortality: ai"].isna().all()


def test_export_ris_round_trips_through_rispy(project: ReviewProject, tmp_path: Path) -> None:
    ids = _screen(project)
    out = tmp_path / "unique.ris"
    n = project.export_records_ris(out)
    assert n == 5  # P1-P4 and E3: duplicates and the removed registration left out
    entries = rispy.loads(out.read_text(encoding="utf-8"))
    assert len(entries) == 5
    by_id = {int(e["id"]): e for e in entries}
    assert set(by_id) == {ids[k] for k in ("P1", "P2", "P3", "P4", "E3")}
    p1 = by_id[ids["P1"]]
    assert p1["title"] == PUBMED[0].title
    assert p1["authors"] == ["Smith, J", "Lee, K"]
    assert (p1["year"], p1["start_page"], p1["end_page"], p1["volume"]) == ("2010", "100", "109", "375")
    assert p1["doi"] == "10.1000/asp.1" and p1["name_of_database"] == "PubMed"
    assert by_id[ids["E3"]]["name_of_database"] == "Embase"

    included = tmp_path / "included.ris"
    assert project.export_records_ris(included, subset="included") == 1
    assert [e["title"] for e in rispy.loads(included.read_text(encoding="utf-8"))] == [PUBMED[0].title]

    sheet = tmp_path / "sheet.csv"
    assert project.export_extraction_sheet(sheet) == 1
    frame = pd.read_csv(sheet)
    assert frame.loc[0, "title"] == PUBMED[0].title and frame.loc[0, "first_author"] == "Smith, J"
    with pytest.raises(InputError) as info:
        project.export_extraction_sheet(tmp_path / "sheet.json")
    assert info.value.file == str(tmp_path / "sheet.json")


def test_project_names_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    ReviewProject.init(path, "First").close()
    ReviewProject.init(path, "Second").close()
    with pytest.raises(InputError, match="holds 2 projects \\('First', 'Second'\\)"):
        ReviewProject.open(path)
    with ReviewProject.open(path, "Second") as p:
        assert p.name == "Second"
    with pytest.raises(InputError, match="no project named 'Third'"):
        ReviewProject.open(path, "Third")
    with pytest.raises(InputError, match="already exists"):
        ReviewProject.init(path, "First")
    # the schema version lives in the file, so any SQLite tool sees it
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
    con.close()


def test_dedup_after_screening_keeps_the_screened_record(project: ReviewProject) -> None:
    """E1 (the less complete copy of P1, which dedup would drop) was screened first: dedup
    keeps E1 instead, so the decision still counts."""
    ids = _ids(project)
    project.record_decision(ids["E1"], stage="title_abstract", reviewer="ann", decision="include")
    summary = project.dedup()
    assert (summary.duplicates_removed, summary.kept_changed) == (2, 1)
    frame = project.records_frame().set_index("record_id")
    assert not frame.loc[ids["E1"], "duplicate"] and frame.loc[ids["P1"], "duplicate"]
    with pytest.raises(InputError, match=f"record {ids['P1']} is a duplicate of record {ids['E1']}"):
        project.record_decision(ids["P1"], stage="title_abstract", reviewer="ann",
                                decision="include")
    assert project.status().records_awaiting_screening == 8 - 2  # E1 pending the 2nd reviewer


def test_import_file_refuses_an_unreadable_export_and_stores_nothing(
    project: ReviewProject, tmp_path: Path
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("these are my notes, not a database export\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        project.import_file(bad, database="Embase", date="2024-01-31")
    assert info.value.file == str(bad)
    assert project.status().searches == 3
    with pytest.raises(InputError, match="no such file"):
        project.import_file(tmp_path / "missing.ris", database="Embase", date="2024-01-31")


def test_a_person_resolves_queued_pairs(project: ReviewProject) -> None:
    """A stand-in finder queues two pairs; ann merges one and separates the other; both
    decisions survive a re-run of dedup."""
    ids = _ids(project)

    def finder(frame, *, id_column):
        assert id_column == "record_id" and len(frame) == 8
        record = frame["record_id"].astype(int).tolist()
        kept = [r != ids["E1"] for r in record]
        cluster = [ids["P1"] if r == ids["E1"] else r for r in record]
        return SimpleNamespace(
            clusters=pd.DataFrame({"cluster_id": cluster, "record_id": record, "kept": kept}),
            links=pd.DataFrame({"id_a": [ids["E1"]], "id_b": [ids["P1"]], "reason": ["doi"],
                                "score": [1.0]}),
            pairs_for_review=pd.DataFrame({"id_a": [ids["P2"], ids["P4"]],
                                           "id_b": [ids["E3"], ids["E2"]],
                                           "reason": ["fuzzy: title 0.8", "fuzzy: title 0.79"],
                                           "score": [0.8, 0.79]}),
        )

    summary = project.dedup(finder=finder)
    assert (summary.duplicates_removed, summary.links, summary.pairs_for_review) == (1, 1, 2)
    queue = project.pending_duplicate_pairs()
    assert queue[["record_a_id", "record_b_id"]].values.tolist() == [
        [ids["P2"], ids["E3"]], [ids["P4"], ids["E2"]]]
    with pytest.raises(InputError, match="'zoe' is not a member"):
        project.resolve_duplicate_pair(int(queue.loc[0, "link_id"]), duplicate=True, by="zoe")
    kept = project.resolve_duplicate_pair(int(queue.loc[0, "link_id"]), duplicate=True, by="bob")
    assert kept == ids["P2"]
    assert project.resolve_duplicate_pair(int(queue.loc[1, "link_id"]), duplicate=False,
                                          by="ann") is None
    with pytest.raises(InputError, match="already decided"):
        project.resolve_duplicate_pair(int(queue.loc[1, "link_id"]), duplicate=True, by="ann")
    assert project.pending_duplicate_pairs().empty
    assert project.prisma_counts().duplicates_removed == 2

    again = project.dedup(finder=finder)
    assert (again.duplicates_removed, again.pairs_for_review) == (1, 0)
    assert project.pending_duplicate_pairs().empty
    frame = project.records_frame().set_index("record_id")
    assert frame.loc[[ids["E1"], ids["E3"]], "duplicate"].all()
    assert not frame.loc[[ids["P4"], ids["E2"], ids["P2"]], "duplicate"].any()
    assert project.prisma_counts().duplicates_removed == 2
