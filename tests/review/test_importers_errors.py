"""Malformed exports are refused with ImportFormatError naming the file and the line."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

from metareview.errors import ImportFormatError
from metareview.review.importers import FORMATS, detect_format, read_csv_records, read_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def _load_helpers():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_importer_helpers", Path(__file__).parent / "_importer_helpers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_helpers = _load_helpers()
write = _helpers.write
refused = _helpers.refused


def test_truncated_ris(tmp_path):
    lines = (FIXTURES / "synthesisr__Ovid_ris_example.ris").read_text().split("\n")
    # keep the file up to the middle of the third record (its TY is on the line after "3.")
    third = lines.index("3.") + 2  # 1-based line of the third record's TY
    path = write(tmp_path, "cut.ris", "\n".join(lines[: third + 5]))
    err = refused(path)
    assert err.line == third + 5
    assert f"starts at line {third}" in err.message
    assert "truncated" in err.message


def test_ris_record_without_er_before_next_ty(tmp_path):
    text = "TY  - JOUR\nTI  - First\nTY  - JOUR\nTI  - Second\nER  - \n"
    err = refused(write(tmp_path, "merged.ris", text))
    assert err.line == 3
    assert "line 1" in err.message


def test_ris_tag_before_first_record(tmp_path):
    path = write(tmp_path, "odd.ris", "TI  - No type line\nTY  - JOUR\nER  - \n")
    err = refused(path, format="ris")
    assert err.line == 1
    assert "TY" in err.message


def test_truncated_pubmed_xml(tmp_path):
    text = (FIXTURES / "biopython__pubmed1.xml").read_text()
    path = write(tmp_path, "cut.xml", text[: len(text) // 2])
    err = refused(path)
    assert err.line is not None and err.line >= 1
    assert "not well formed" in err.message


def test_bad_endnote_xml(tmp_path):
    text = (FIXTURES / "jabref__EndnoteXmlImporterTestArticle2.xml").read_text()
    bad = text.replace("</titles>", "</title>", 1)
    path = write(tmp_path, "bad.xml", bad)
    line = text[: text.index("</titles>")].count("\n") + 1  # where the wrong end tag now is
    err = refused(path)
    assert err.line == line
    assert "mismatch" in err.message


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 20, gzip.compress(b"TY  - JOUR\nER  - \n" * 50)],
    ids=["binary-bytes", "gzip"],
)
def test_binary_garbage(tmp_path, data):
    err = refused(write(tmp_path, "garbage.ris", data))
    assert err.line is not None
    assert "binary" in err.message or "decoded" in err.message


def test_unknown_format_lists_supported_formats(tmp_path):
    path = write(tmp_path, "notes.txt", "Just some notes about my review.\nNothing tagged here.\n")
    err = refused(path)
    assert "not recognised" in err.message
    for name in FORMATS:
        assert name in err.hint
    with pytest.raises(ImportFormatError, match="supported formats"):
        detect_format(path)


def test_unknown_format_name(tmp_path):
    path = FIXTURES / "synthesisr__Ovid_ris_example.ris"
    with pytest.raises(ImportFormatError, match="unknown format 'endnote'") as info:
        read_records(path, format="endnote")
    assert "endnote_xml" in info.value.hint


def test_wrong_forced_format(tmp_path):
    path = FIXTURES / "synthesisr__Ovid_ris_example.ris"
    err = refused(path, format="pubmed_xml")
    assert err.line == 1
    err = refused(path, format="wos_plaintext")
    assert err.line is not None


def test_empty_file(tmp_path):
    err = refused(write(tmp_path, "empty.ris", b""))
    assert "empty" in err.message


def test_csv_unclosed_quote(tmp_path):
    text = 'Title,Authors,Year\n"A first title","Smith, J",2020\n"An unclosed title,"Doe, J",2021\n'
    err = refused(write(tmp_path, "t.csv", text))
    assert err.line == 3


def test_csv_row_with_too_many_cells(tmp_path):
    text = "Title,Authors,Year\nOne,Smith,2020\nTwo,Doe,2021,extra\n"
    err = refused(write(tmp_path, "t.csv", text))
    assert (err.line, err.row) == (3, 2)
    assert "3 columns" in err.message


def test_csv_without_title_column_asks_for_mapping(tmp_path):
    path = write(tmp_path, "t.csv", "Name,When\nOne,2020\n")
    err = refused(path)
    assert "mapping" in err.hint
    with pytest.raises(ImportFormatError, match="column 'Heading'") as info:
        read_csv_records(path, mapping={"title": "Heading"})
    assert info.value.column == "Heading"
    with pytest.raises(ImportFormatError, match="unknown record field 'name'"):
        read_csv_records(path, mapping={"name": "Name"})
    ok = read_csv_records(path, mapping={"title": "Name", "year": "When"})
    assert [(r.title, r.year) for r in ok.records] == [("One", 2020)]


def test_truncated_wos(tmp_path):
    lines = (FIXTURES / "synthesisr__WoS_txt_example.txt").read_text().split("\n")
    second = [i for i, line in enumerate(lines, start=1) if line.startswith("PT ")][1]
    path = write(tmp_path, "cut.txt", "\n".join(lines[: second + 3]))
    err = refused(path)
    assert f"starts at line {second}" in err.message


def test_bibtex_unbalanced_brace(tmp_path):
    text = (FIXTURES / "synthesisr__Scopus_bib_example.bib").read_text()
    start = text.index("@ARTICLE{Cao2020")
    line = text[:start].count("\n") + 1
    cut = text[: text.index("title={", start) + 20]  # cut inside the title value
    err = refused(write(tmp_path, "cut.bib", cut))
    assert err.line == line + 2  # the title line of Cao2020
    assert "never closed" in err.message


def test_medline_without_pmid(tmp_path):
    err = refused(write(tmp_path, "m.txt", "TI  - A title\nAU  - Smith J\n"), format="pubmed_medline")
    assert "PMID" in err.hint


def test_proquest_truncated(tmp_path):
    text = (FIXTURES / "metaknowledge__ProQuest_TestFile.testtxt").read_text(encoding="utf-8")
    cut = text[: text.index("Document 3 of 100") + 200]
    err = refused(write(tmp_path, "pq.txt", cut.encode("utf-8")))
    assert "truncated" in err.message


def test_cnki_text_before_first_record(tmp_path):
    text = (FIXTURES / "translatorsCN__cnki_refworks_case01.txt").read_text(encoding="utf-8")
    err = refused(write(tmp_path, "c.txt", "导出说明\n" + text), format="cnki_refworks")
    assert err.line == 1


def test_explicit_wrong_encoding(tmp_path):
    data = (FIXTURES / "translatorsCN__cnki_refworks_case01.txt").read_bytes()
    err = refused(write(tmp_path, "c.txt", data), encoding="ascii")
    assert err.line is not None and "ascii" in err.message


def test_windows_1252_refused_unless_named(tmp_path):
    text = "TY  - JOUR\nTI  - Caf\u00e9 au lait spots \u2013 a review\nAU  - Fern\u00e1ndez, Jos\u00e9\nER  - \n"
    path = write(tmp_path, "latin.ris", text.encode("cp1252"))
    err = refused(path)
    assert err.line == 2
    assert "cp1252" in err.hint
    ok = read_records(path, encoding="cp1252")
    assert ok.records[0].title == "Caf\u00e9 au lait spots \u2013 a review"
    assert ok.records[0].authors == ("Fern\u00e1ndez, Jos\u00e9",)


def test_latin1_bytes_that_decode_as_gb18030_are_not_taken_for_chinese(tmp_path):
    # "\u00e9t\u00e9s" etc.: each accented byte is followed by an ASCII letter, which GB18030
    # would read as one Chinese character
    text = "TY  - JOUR\nTI  - \u00c9t\u00e9s Montr\u00e9al d\u00e9sagr\u00e9able r\u00e9trospective\nER  - \n"
    data = text.encode("cp1252")
    data.decode("gb18030")  # it does decode ...
    err = refused(write(tmp_path, "fr.ris", data))
    assert "GB18030" in err.message and err.line == 2  # ... but is refused


def test_prose_with_commas_is_not_taken_for_a_table(tmp_path):
    path = write(tmp_path, "notes.txt", "Dear colleague, here are the results, as promised.\nBest, J\n")
    err = refused(path)
    assert "not recognised" in err.message


def test_header_only_table_warns(tmp_path):
    result = read_records(write(tmp_path, "t.csv", "Title,Authors,Year\n"))
    assert result.records == ()
    assert "no record rows" in result.warnings[0]


def test_ris_record_missing_its_ty_line(tmp_path):
    text = ("TY  - JOUR\nTI  - First\nER  - \n\n"
            "TI  - Second\nAU  - Doe, J\nPY  - 2020\nDO  - 10.1000/xyz\nER  - \n")
    err = refused(write(tmp_path, "no_ty.ris", text))
    assert err.line == 8
    assert "TY" in err.hint
