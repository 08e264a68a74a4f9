"""PrismaCounts arithmetic, final decisions, and the PRISMA 2020 flow diagram.

The hand example (numbers chosen so every box differs):

    identified: MEDLINE 500 + Embase 300 (databases) + ClinicalTrials.gov 40 (register) = 840
    removed before screening: 220 duplicates + 20 by automation tool = 240
    screened 840 - 240 = 600 = excluded 540 + sought 60
    sought 60 = not retrieved 5 + assessed 55
    assessed 55 = excluded (wrong design 20 + wrong population 14 + wrong comparator 6 = 40)
                  + reports of included studies 15
    studies included 12 (15 reports; three studies have two reports)
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.plots.prisma import flow_texts, prisma_flow, save, save_prisma_flow
from metareview.review.prisma import PrismaCounts, counts_from_frames, final_decisions

EXAMPLE = dict(
    identified_databases={"MEDLINE": 500, "Embase": 300},
    identified_registers={"ClinicalTrials.gov": 40},
    duplicates_removed=220,
    removed_other={"marked as ineligible by automation tools": 20},
    records_screened=600,
    records_excluded=540,
    reports_sought=60,
    reports_not_retrieved=5,
    reports_assessed=55,
    reports_excluded={"wrong design": 20, "wrong population": 14, "wrong comparator": 6},
    reports_included=15,
    studies_included=12,
)


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def test_example_adds_up() -> None:
    c = PrismaCounts(**EXAMPLE).check()
    assert c.identified_total == 840
    assert c.removed_before_screening == 240
    assert c.reports_excluded_total == 40
    assert c.complete
    frame = c.to_frame()
    assert list(frame.columns) == ["section", "box", "label", "n"]
    assert frame.loc[frame["label"] == "Embase", "n"].item() == 300
    assert frame.loc[frame["box"] == "reports_excluded", "n"].sum() == 40


@pytest.mark.parametrize(
    ("change", "column", "fragment"),
    [
        ({"records_screened": 601}, "records_screened", "identified (840) - duplicates removed (220)"),
        ({"records_excluded": 541}, "records_screened", "records excluded (541) + reports sought (60)"),
        ({"reports_not_retrieved": 4}, "reports_sought", "not retrieved (4) + assessed (55)"),
        ({"reports_included": 16}, "reports_assessed", "reports of included studies (16)"),
        ({"studies_included": 16}, "studies_included", "cannot exceed"),
    ],
)
def test_check_names_the_identity_that_fails(change, column, fragment) -> None:
    with pytest.raises(InputError) as info:
        PrismaCounts(**{**EXAMPLE, **change}).check()
    assert info.value.column == column
    assert fragment in str(info.value)
    if column != "studies_included":
        assert "BMJ 372:n71" in str(info.value)


@pytest.mark.parametrize(("field", "value"), [("records_screened", -1), ("records_excluded", 2.5),
                                             ("duplicates_removed", True)])
def test_counts_must_be_whole_non_negative(field, value) -> None:
    with pytest.raises(InputError) as info:
        PrismaCounts(**{**EXAMPLE, field: value})
    assert info.value.column == field


def test_final_decisions_dual_screening() -> None:
    """Hand-worked: two reviewers must agree; a lead's resolution wins; FT reasons must agree."""
    d = pd.DataFrame(
        [
            (1, "title_abstract", 1, "include", None),
            (1, "title_abstract", 2, "include", None),    # agree -> include
            (2, "title_abstract", 1, "include", None),
            (2, "title_abstract", 2, "exclude", None),    # disagree, resolved -> exclude
            (3, "title_abstract", 1, "maybe", None),      # one decision -> pending
            (1, "full_text", 1, "exclude", "wrong design"),
            (1, "full_text", 2, "exclude", "wrong population"),  # reasons differ -> conflict
        ],
        columns=["record_id", "stage", "reviewer_id", "decision", "reason"],
    )
    r = pd.DataFrame([(2, "title_abstract", "exclude", None)],
                     columns=["record_id", "stage", "decision", "reason"])
    out = final_decisions(d, r, reviewers_per_record=2)
    got = {(row.record_id, row.stage): (row.status, row.decision) for row in out.itertuples()}
    assert got == {
        (1, "full_text"): ("conflict", None),
        (1, "title_abstract"): ("final", "include"),
        (2, "title_abstract"): ("final", "exclude"),
        (3, "title_abstract"): ("pending", None),
    }


def test_counts_from_frames_by_hand() -> None:
    """Six records: 1 duplicate, 1 removed, 4 screened (1 excluded, 3 sought; 1 not retrieved,
    1 included, 1 retrieved but undecided)."""
    records = pd.DataFrame({
        "record_id": [1, 2, 3, 4, 5, 6],
        "study_id": [None] * 6,
        "removed_reason": [None, None, "automation", None, None, None],
        "kind": ["database"] * 4 + ["register"] * 2,
        "database": ["A", "A", "A", "B", "R", "R"],
    })
    duplicates = pd.DataFrame({"record_id": [2]})
    decisions = pd.DataFrame(
        [(1, "title_abstract", 1, "include", None), (4, "title_abstract", 1, "exclude", None),
         (5, "title_abstract", 1, "include", None), (6, "title_abstract", 1, "maybe", None),
         (1, "full_text", 1, "include", None)],
        columns=["record_id", "stage", "reviewer_id", "decision", "reason"])
    resolutions = pd.DataFrame(columns=["record_id", "stage", "decision", "reason"])
    retrieval = pd.DataFrame({"record_id": [5, 6], "status": ["not_retrieved", "retrieved"]})
    c = counts_from_frames(records, duplicates, decisions, resolutions, retrieval).check()
    assert c.identified_databases == {"A": 3, "B": 1}
    assert c.identified_registers == {"R": 2}
    assert (c.duplicates_removed, c.removed_other, c.records_screened) == (1, {"automation": 1}, 4)
    assert (c.records_excluded, c.reports_sought, c.reports_not_retrieved) == (1, 3, 1)
    assert (c.reports_assessed, c.reports_included, c.reports_awaiting_assessment) == (2, 1, 1)
    assert c.studies_included == 1


def test_diagram_shows_every_number() -> None:
    fig = prisma_flow(PrismaCounts(**EXAMPLE))
    text = "\n".join(_texts(fig))
    for expected in [
        "Identification of studies via databases and registers",
        "Databases (n = 800)", "MEDLINE (n = 500)", "Embase (n = 300)",
        "Registers (n = 40)", "ClinicalTrials.gov (n = 40)",
        "Duplicate records removed (n = 220)",
        "Marked as ineligible by automation tools", "(n = 20)",
        "Records screened (n = 600)", "Records excluded (n = 540)",
        "Reports sought for retrieval (n = 60)", "Reports not retrieved (n = 5)",
        "Reports assessed for eligibility (n = 55)", "Reports excluded (n = 40):",
        "wrong design (n = 20)", "wrong population (n = 14)", "wrong comparator (n = 6)",
        "Studies included in review (n = 12)", "Reports of included studies (n = 15)",
        "Identification", "Screening", "Included",
    ]:
        assert expected in text, expected
    assert "Review in progress" not in text


def test_diagram_of_a_review_under_way_says_so() -> None:
    c = PrismaCounts(identified_databases={"PubMed": 10}, records_screened=10, records_excluded=3,
                     records_awaiting_screening=7)
    text = "\n".join(_texts(prisma_flow(c)))
    assert "Review in progress:" in text and "records awaiting screening (n = 7)" in text
    assert flow_texts(c)["screened"] == ["Records screened (n = 10)"]


def test_diagram_refuses_numbers_that_do_not_add_up() -> None:
    with pytest.raises(InputError, match="records_screened"):
        prisma_flow(PrismaCounts(identified_databases={"PubMed": 10}, records_screened=9))


def test_draw_into_given_axes() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 10))
    ax = fig.add_subplot()
    assert prisma_flow(PrismaCounts(**EXAMPLE), ax=ax) is fig
    assert any("Records screened (n = 600)" in t for t in _texts(fig))


def test_save_svg_png_pdf(tmp_path: Path) -> None:
    c = PrismaCounts(**EXAMPLE)
    svg = save_prisma_flow(c, tmp_path / "flow.svg")
    png = save_prisma_flow(c, tmp_path / "flow.png")
    pdf = save(prisma_flow(c), tmp_path / "flow.pdf")
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "<svg" in svg.read_text(encoding="utf-8")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # pHYs chunk: pixels per metre; 300 dpi = 11811 px/m
    i = data.index(b"pHYs")
    assert int.from_bytes(data[i + 4:i + 8], "big") == round(300 / 0.0254)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    with pytest.raises(InputError) as info:
        save_prisma_flow(c, tmp_path / "flow.gif")
    assert info.value.file == str(tmp_path / "flow.gif")
