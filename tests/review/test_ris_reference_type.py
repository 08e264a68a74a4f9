"""The RIS reference type (``TY``) is kept whole: ``JOUR``, not ``J`` with ``O``, ``U``, ``R``.

rispy returns the ``TY`` value as one string where every other tag is a list; the importer
must not iterate it character by character.
"""

from __future__ import annotations

from pathlib import Path

from metareview.review.importers import read_records

EMBASE = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "exports" / "asreview__embase.ris"


def test_reference_type_is_the_whole_code(tmp_path):
    f = tmp_path / "two.ris"
    f.write_text("TY  - JOUR\nTI  - A trial\nER  - \nTY  - BOOK\nTI  - A book\nER  - \n")
    records = read_records(f).records
    assert [r.publication_type for r in records] == ["JOUR", "BOOK"]
    assert [r.raw["TY"] for r in records] == [("JOUR",), ("BOOK",)]


def test_real_embase_export_is_all_journal_articles():
    # every one of the 6 records in the file is written "TY  - JOUR"
    records = read_records(EMBASE).records
    assert len(records) == 6
    assert {r.publication_type for r in records} == {"JOUR"}
