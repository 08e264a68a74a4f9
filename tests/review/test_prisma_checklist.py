"""PRISMA 2020 checklist: the 27 items (42 with parts) of Page et al. 2021, BMJ 372:n71,
table 1, pre-filled from a small hand-built review.

The review: PubMed (3 records, strategy stored) and ClinicalTrials.gov (1 record, no strategy
stored); dual screening (2 reviewers), one conflict resolved by the lead; 2 reports assessed,
1 excluded ("not randomised"), 1 included; outcome form "mortality" extracted by both
reviewers; RoB 2 judged.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.review.checklist import CHECKLIST, prisma_checklist
from metareview.review.project import ReviewProject
from metareview.review.records import Record


def test_checklist_has_the_27_items_of_prisma_2020() -> None:
    assert len(CHECKLIST) == 42
    numbers = {re.match(r"\d+", item).group(0) for _, item, _, _ in CHECKLIST}
    assert numbers == {str(i) for i in range(1, 28)}
    sections = list(dict.fromkeys(section for section, *_ in CHECKLIST))
    assert sections == ["Title", "Abstract", "Introduction", "Methods", "Results", "Discussion",
                        "Other information"]
    parts = [item for _, item, _, _ in CHECKLIST if item.startswith("13")]
    assert parts == ["13a", "13b", "13c", "13d", "13e", "13f"]
    assert [item for _, item, topic, _ in CHECKLIST if topic == "Study selection"] == ["16a", "16b"]


@pytest.fixture()
def review(tmp_path: Path):
    p = ReviewProject.init(tmp_path / "c.db", "Checklist", lead="ann", reviewers_per_record=2)
    p.add_member("bob")
    p.import_records([Record(title=f"Trial {i}", year=2020, source_index=i) for i in range(3)],
                     database="PubMed", date="2024-01-31", file_name="p.txt",
                     file_sha256="1" * 64, format="pubmed_medline", query="aspirin[tiab]")
    p.import_records([Record(title="Registration", year=2021)], database="ClinicalTrials.gov",
                     date="2024-02-01", file_name="ct.csv", file_sha256="2" * 64, format="csv",
                     kind="register")
    ids = [int(x) for x in p.records_frame()["record_id"]]
    ta = "title_abstract"
    for rid, (a, b) in zip(ids, [("include", "include"), ("include", "exclude"),
                                 ("exclude", "exclude"), ("exclude", "exclude")]):
        p.record_decision(rid, stage=ta, reviewer="ann", decision=a)
        p.record_decision(rid, stage=ta, reviewer="bob", decision=b)
    p.resolve_conflict(ids[1], stage=ta, lead="ann", decision="include")
    p.add_exclusion_reason("not randomised")
    for r in ("ann", "bob"):
        p.record_decision(ids[0], stage="full_text", reviewer=r, decision="include")
        p.record_decision(ids[1], stage="full_text", reviewer=r, decision="exclude",
                          reason="not randomised")
    p.assign_study([ids[0]], label="Trial 2020")
    p.add_extraction_form("mortality", {"type": "object", "properties": {"ai": {"type": "integer"}}})
    p.record_extraction("Trial 2020", outcome="mortality", reviewer="ann", values={"ai": 4})
    p.record_extraction("Trial 2020", outcome="mortality", reviewer="bob", values={"ai": 5})
    p.record_rob("Trial 2020", instrument="RoB2", domain="randomisation process",
                 judgement="low", reviewer="ann", support="central allocation")
    yield p
    p.close()


def test_checklist_filled_from_the_store(review: ReviewProject, tmp_path: Path) -> None:
    c = prisma_checklist(review)
    assert c["6"].answer == ("Databases: PubMed (searched 2024-01-31, 3 records). "
                             "Registers: ClinicalTrials.gov (searched 2024-02-01, 1 record).")
    assert c["7"].answer == "Search strategies stored for 1 of 2 searches: PubMed: aspirin[tiab]."
    assert "independently by 2 reviewers" in c["8"].answer
    assert "2 project members; 1 conflict resolved" in c["8"].answer
    assert c["9"].answer == ("Data were extracted with forms for mortality, by up to 2 reviewers "
                             "per study (double extraction).")
    assert c["11"].answer == "Risk of bias was assessed with RoB2."
    assert c["16a"].answer.startswith(
        "4 records identified (3 from databases, 1 from registers); 0 duplicates and 0 other "
        "records removed; 4 screened, 2 excluded; 2 reports sought, 0 not retrieved; 2 assessed, "
        "1 excluded; 1 study (1 report) included.")
    assert c["16b"].answer == "Reports excluded at full text: not randomised (1)."
    filled = {i.item for i in c.items if i.filled}
    assert filled == {"6", "7", "8", "9", "11", "16a", "16b"}

    frame = c.to_frame()
    assert list(frame.columns) == ["section", "item", "topic", "asks", "answer", "location"]
    assert len(frame) == 42
    md = c.write(tmp_path / "checklist.md").read_text(encoding="utf-8")
    assert md.count("\n") == 44  # header, rule, 42 items
    assert "| Methods | 6 | Information sources |" in md
    back = pd.read_csv(c.write(tmp_path / "checklist.csv"), dtype=str)
    assert back.loc[back["item"] == "16b", "answer"].item() == c["16b"].answer
    assert pd.read_excel(c.write(tmp_path / "checklist.xlsx"), dtype=str).shape == (42, 6)
    with pytest.raises(InputError) as info:
        c.write(tmp_path / "checklist.pdf")
    assert info.value.file == str(tmp_path / "checklist.pdf")


def test_extraction_and_rob_refuse_silent_overwrites(review: ReviewProject) -> None:
    with pytest.raises(InputError, match="already extracted"):
        review.record_extraction("Trial 2020", outcome="mortality", reviewer="ann", values={"ai": 3})
    review.record_extraction("Trial 2020", outcome="mortality", reviewer="ann", values={"ai": 3},
                             replace=True)
    with pytest.raises(InputError) as info:
        review.record_extraction("Trial 2020", outcome="mortality", reviewer="ann",
                                 values={"n1i": 3}, replace=True)
    assert info.value.column == "n1i" and "fields: ai" in str(info.value)
    with pytest.raises(InputError, match="no extraction form for outcome 'stroke'"):
        review.record_extraction("Trial 2020", outcome="stroke", reviewer="ann", values={})
    with pytest.raises(InputError, match="there is no study 'Trial 1999'"):
        review.record_rob("Trial 1999", instrument="RoB2", domain="d", judgement="low",
                          reviewer="ann")
    with pytest.raises(InputError, match="already judged 'randomisation process'"):
        review.record_rob("Trial 2020", instrument="RoB2", domain="randomisation process",
                          judgement="high", reviewer="ann")
    with pytest.raises(InputError) as info:
        review.record_rob("Trial 2020", instrument="Jadad", domain="d", judgement="1",
                          reviewer="ann")
    assert info.value.column == "instrument" and "RoB2, ROBINS-I, NOS" in str(info.value)
