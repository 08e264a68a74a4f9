"""A review built from five real database exports of the shared corpus.

Files (``../shared/corpus/exports``; record counts from ``MANIFEST.csv``, counted from the
file structure independently of our importers):

* PubMed: ``citesource__20221207_gambling-harms_pubmed_176.ris`` (176)
* Embase: ``asreview__embase.ris`` (6)
* Web of Science: ``citesource__WoS_79.ris`` (79)
* Scopus: ``citesource__20221207_gambling-harms_scopus_255.ris`` (255)
* CNKI: ``cnki/cnkiconverter__demo.txt`` (40)

The PubMed and Scopus files come from the same gambling-harms search (CiteSource vignette);
rispy, an independent RIS parser, finds 172 DOIs present in both. One of them (10.1136/bmj.m2832)
is shared by a PubMed letter and a Scopus *erratum* of it: different records, which
de-duplication must not merge (Rathbone et al. 2015, Syst Rev 4:6). So the other 171 pairs
must each keep exactly one record, and at least 171 records are removed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import rispy

from metareview.errors import InputError
from metareview.plots.prisma import prisma_flow
from metareview.review.project import ReviewProject

pytestmark = pytest.mark.corpus

FILES = [
    ("citesource__20221207_gambling-harms_pubmed_176.ris", "PubMed"),
    ("asreview__embase.ris", "Embase"),
    ("citesource__WoS_79.ris", "Web of Science"),
    ("citesource__20221207_gambling-harms_scopus_255.ris", "Scopus"),
    ("cnki/cnkiconverter__demo.txt", "CNKI"),
]


def _manifest(exports: Path) -> dict[str, int]:
    with (exports / "MANIFEST.csv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: int(row["expected_records"]) for row in csv.DictReader(handle)}


def _rispy_dois(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig") as handle:
        return {str(e["doi"]).strip().lower() for e in rispy.load(handle) if e.get("doi")}


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))


def test_review_from_five_real_exports(shared_dir: Path, tmp_path: Path) -> None:
    exports = shared_dir / "corpus" / "exports"
    expected = _manifest(exports)
    with ReviewProject.init(tmp_path / "review.db", "Gambling harms", lead="ann") as p:
        for name, database in FILES:
            summary = p.import_file(exports / name, database=database, date="2022-12-07",
                                    query="gambling AND harm*")
            assert summary.records == expected[name], name
        with pytest.raises(InputError, match="already imported") as info:
            p.import_file(exports / FILES[0][0], database="PubMed", date="2022-12-08")
        assert info.value.file == str(exports / FILES[0][0])

        dedup = p.dedup()
        assert p.dedup() == dedup  # idempotent

        frame = p.records_frame()
        shared_dois = _rispy_dois(exports / FILES[0][0]) & _rispy_dois(exports / FILES[3][0])
        assert len(shared_dois) == 172
        both = frame[frame["database"].isin(["PubMed", "Scopus"]) & frame["doi"].isin(shared_dois)]
        per_doi = both.groupby("doi")["duplicate"].agg(["size", "sum"])
        erratum = both.loc[both["title"].str.startswith("Erratum"), "doi"].tolist()
        assert erratum == ["10.1136/bmj.m2832"]
        assert (per_doi["size"] == 2).all()
        assert per_doi.loc[erratum, "sum"].tolist() == [0]
        assert (per_doi.drop(index=erratum)["sum"] == 1).all()
        assert dedup.duplicates_removed >= 171
        assert dedup.duplicates_removed == int(frame["duplicate"].sum())

        # screen ten unique records by hand: 4 in, 6 out; then full text for the four
        unique = p.records_frame(subset="unique")["record_id"].astype(int).tolist()[:10]
        for i, rid in enumerate(unique):
            p.record_decision(rid, stage="title_abstract", reviewer="ann",
                              decision="include" if i < 4 else "exclude")
        p.set_retrieval(unique[3], status="not_retrieved", reason="not held by any library")
        p.add_exclusion_reason("wrong outcome")
        p.record_decision(unique[0], stage="full_text", reviewer="ann", decision="include")
        p.record_decision(unique[1], stage="full_text", reviewer="ann", decision="include")
        p.record_decision(unique[2], stage="full_text", reviewer="ann", decision="exclude",
                          reason="wrong outcome")
        counts = p.prisma_counts()

    identified = {db: expected[name] for name, db in FILES}
    assert counts.identified_databases == identified
    assert counts.identified_total == 176 + 6 + 79 + 255 + 40 == 556
    assert counts.duplicates_removed == dedup.duplicates_removed
    assert counts.records_screened == 556 - counts.duplicates_removed
    assert (counts.records_excluded, counts.reports_sought) == (6, 4)
    assert counts.records_awaiting_screening == counts.records_screened - 10
    assert (counts.reports_not_retrieved, counts.reports_assessed) == (1, 3)
    assert counts.reports_excluded == {"wrong outcome": 1}
    assert (counts.reports_included, counts.studies_included) == (2, 2)

    text = _texts(prisma_flow(counts))
    for db, n in identified.items():
        assert f"{db} (n = {n})" in text
    assert "Databases (n = 556)" in text
    assert f"Duplicate records removed (n = {counts.duplicates_removed})" in text
    assert f"Records screened (n = {556 - counts.duplicates_removed})" in text
    assert "Records excluded (n = 6)" in text
    assert "Reports sought for retrieval (n = 4)" in text
    assert "Reports not retrieved (n = 1)" in text
    assert "Reports assessed for eligibility (n = 3)" in text
    assert "wrong outcome (n = 1)" in text
    assert "Studies included in review (n = 2)" in text
    assert "Reports of included studies (n = 2)" in text
