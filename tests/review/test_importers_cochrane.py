"""Cochrane Library plain-text exports ("Record #1 of N"): the real CDSR excerpt in
tests/fixtures/exports (source in SOURCES.md; field values read by eye from its lines, which
are quoted), a CENTRAL record written out by hand, detection by content, and refusals."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from metareview.review.importers import FORMATS, detect_format, detect_text_format, read_records
from metareview.review.importers.cochrane import looks_like_cochrane_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SAMPLE = FIXTURES / "cochrane_andrewjt71__citation-export.txt"

# No real CENTRAL plain-text export could be found in a public repository (the shared corpus
# lists none either), so this record is written here by hand in the layout of the Cochrane
# Library export: one "TAG: value" line per field, several authors on one AU line, the
# PubMed ID as "PM: PUBMED n", an abstract running over two lines. Every expected value below
# is read from these lines.
CENTRAL = (
    "Record #1 of 2\n"
    "ID: CN-01234567\n"
    "AU: Smith J; Jones K\n"
    "AU: Lee M\n"
    "TI: A randomised trial of something\n"
    "SO: Trials\n"
    "YR: 2019\n"
    "VL: 20\n"
    "NO: 1\n"
    "PG: 101-109\n"
    "PM: PUBMED 31234567\n"
    "XR: EMBASE 627654321\n"
    "PT: Journal: Article; Randomized Controlled Trial\n"
    "KY: Adult; Female; Humans\n"
    "DOI: https://doi.org/10.1186/S13063-019-0001-X\n"
    "AB: BACKGROUND: first paragraph.\n"
    "AIMS: second paragraph.\n"
    "US: https://www.cochranelibrary.com/central/doi/10.1002/central/CN-01234567/full\n"
    "\n\n"
    "Record #2 of 2\n"
    "ID: CN-07654321\n"
    "TI: Second trial\n"
    "XR: PUBMED 29876543; EMBASE 2001234567\n"
    "US: https://www.cochranelibrary.com/central/doi/10.1002/central/CN-07654321/full\n"
)


def _load_helpers():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_importer_helpers", Path(__file__).parent / "_importer_helpers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_helpers = _load_helpers()
write = _helpers.write
refused = _helpers.refused


def sample_lines() -> list[str]:
    """The fixture's lines (UTF-8 with BOM, bare CR line endings)."""
    return SAMPLE.read_bytes().decode("utf-8-sig").split("\r")


# --- the real CDSR excerpt -------------------------------------------------------------


def test_sample_is_the_raw_export():
    data = SAMPLE.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfRecord #1 of 271\rID: CD009275\r")
    assert b"\n" not in data  # 2017 exports end lines with a bare CR
    assert data.count(b"Record #") == 3


def test_sample_detected_and_counted():
    assert detect_format(SAMPLE) == "cochrane_text"
    result = read_records(SAMPLE)
    assert (result.format, result.encoding, len(result)) == ("cochrane_text", "utf-8-sig", 3)
    assert read_records(SAMPLE, format="cochrane_text").records == result.records
    # the excerpt holds records 1-3 of "Record #3 of 271": the reader says 268 are missing
    assert len(result.warnings) == 1
    assert "announces 271 records" in result.warnings[0]
    assert "line 37" in result.warnings[0]
    assert "268 records are not in the file" in result.warnings[0]


def test_sample_first_record():
    r = read_records(SAMPLE).records[0]
    # AU: Han Shanshan / AU: Middleton Philippa / ... / AU: Crowther Caroline A (lines 3-7)
    assert r.authors == ("Han Shanshan", "Middleton Philippa", "Shepherd Emily", "Van Ryswyk Emer",
                         "Crowther Caroline A")
    assert r.title == "Different types of dietary advice for women with gestational diabetes mellitus"
    assert r.journal == "Cochrane Database of Systematic Reviews"  # SO:
    assert (r.year, r.issue, r.volume, r.pages) == (2017, "2", None, None)  # YR: 2017 / NO: 2
    assert r.doi == "10.1002/14651858.cd009275.pub3"  # DOI: 10.1002/14651858.CD009275.pub3
    assert r.pmid is None
    assert r.source_database == "Cochrane Library"
    assert (r.source_format, r.source_index) == ("cochrane_text", 0)
    # KY: Caloric Restriction;Diabetes, Gestational [diet therapy];...;Pregnancy[checkword]
    assert len(r.keywords) == 11
    assert r.keywords[:2] == ("Caloric Restriction", "Diabetes, Gestational [diet therapy]")
    assert r.keywords[-1] == "Pregnancy[checkword]"
    assert r.abstract.startswith("Background: Dietary advice is the main strategy for managing"
                                 " gestational diabetes mellitus (GDM).")
    assert r.abstract.endswith("Future trials should be adequately powered to evaluate short- and"
                               " long-term outcomes.")
    assert r.raw["ID"] == ("CD009275",)
    assert r.raw["PB"] == ("John Wiley & Sons, Ltd",)
    assert r.raw["US"] == ("http://onlinelibrary.wiley.com/doi/10.1002/14651858.CD009275.pub3/abstract",)
    assert len(r.raw["AU"]) == 5


def test_sample_other_records():
    second, third = read_records(SAMPLE).records[1:]
    assert second.raw["ID"] == ("CD001903",)
    assert second.raw["CC"] == ("EPILEPSY",)  # line 31
    assert (second.year, second.issue) == (2016, "2")
    assert second.authors == ("Martin Kirsty", "Jackson Cerian F", "Levy Robert G", "Cooper Paul N")
    assert third.title == "Exercise or exercise and diet for preventing type 2 diabetes mellitus"
    assert third.authors[3] == "Roqué i Figuls Marta"  # line 42, UTF-8
    assert (third.year, third.issue, third.raw["CC"]) == (2008, "3", ("ENDOC",))
    assert third.keywords[:2] == ("Diet", "Exercise")


def test_sample_with_other_line_endings_and_names(tmp_path):
    text = SAMPLE.read_bytes().decode("utf-8-sig")
    want = read_records(SAMPLE).records
    for ending, name in (("\n", "export.txt"), ("\r\n", "export.ris"), ("\n", "citation-export")):
        path = write(tmp_path, name, text.replace("\r", ending))
        assert detect_format(path) == "cochrane_text"  # by content, whatever the extension
        got = read_records(path).records
        assert [(r.title, r.authors, r.doi, r.keywords) for r in got] == [
            (r.title, r.authors, r.doi, r.keywords) for r in want
        ]


def test_concatenated_parts_with_byte_order_marks(tmp_path):
    # The Library exports large selections in parts; a user who joins two downloaded parts
    # gets a byte-order mark in front of the second part's first "Record #" line (as in the
    # full 271-record source file, before "Record #201 of 271"). Here: the sample, then the
    # sample again renumbered as records 4-6 of 6.
    text = SAMPLE.read_bytes().decode("utf-8-sig").replace(" of 271", " of 6")
    second = text.replace("Record #3 of", "Record #6 of").replace("Record #2 of", "Record #5 of")
    second = second.replace("Record #1 of", "Record #4 of")
    path = write(tmp_path, "joined.txt", "\ufeff" + text + "\ufeff" + second)
    result = read_records(path)
    assert len(result) == 6
    assert result.warnings == ()
    assert [r.raw["ID"][0] for r in result.records] == ["CD009275", "CD001903", "CD003054"] * 2


# --- a CENTRAL record written out by hand ------------------------------------------------


def test_central_record(tmp_path):
    result = read_records(write(tmp_path, "central.txt", CENTRAL))
    assert (result.format, len(result), result.warnings) == ("cochrane_text", 2, ())
    r, s = result.records
    assert r.authors == ("Smith J", "Jones K", "Lee M")  # "AU: Smith J; Jones K" / "AU: Lee M"
    assert r.raw["AU"] == ("Smith J; Jones K", "Lee M")  # kept verbatim
    assert (r.title, r.journal, r.year) == ("A randomised trial of something", "Trials", 2019)
    assert (r.volume, r.issue, r.pages) == ("20", "1", "101-109")
    assert r.pmid == "31234567"  # PM: PUBMED 31234567
    assert r.raw["PM"] == ("PUBMED 31234567",)
    assert r.doi == "10.1186/s13063-019-0001-x"  # https://doi.org/ taken off, lower-cased
    assert r.publication_type == "Journal: Article; Randomized Controlled Trial"
    assert r.keywords == ("Adult", "Female", "Humans")
    assert r.abstract == "BACKGROUND: first paragraph.\nAIMS: second paragraph."
    assert r.raw["XR"] == ("EMBASE 627654321",)
    assert r.source_database == "Cochrane Library"
    # no PM line: the PubMed ID comes from the cross-references "XR: PUBMED 29876543; ..."
    assert (s.pmid, s.title, s.authors) == ("29876543", "Second trial", ())


def test_unknown_tag_is_kept_and_named(tmp_path):
    text = CENTRAL.replace("SO: Trials\n", "SO: Trials\nZZ: something new\n", 1)
    result = read_records(write(tmp_path, "new_tag.txt", text))
    r = result.records[0]
    assert r.raw["ZZ"] == ("something new",)
    assert r.journal == "Trials"
    assert result.warnings == (f"{tmp_path / 'new_tag.txt'}: tags metareview does not know were"
                               " kept in raw: ZZ (first at line 7)",)


def test_pm_that_is_not_a_pubmed_id_is_kept_in_raw_with_a_warning(tmp_path):
    text = CENTRAL.replace("PM: PUBMED 31234567", "PM: see record")
    result = read_records(write(tmp_path, "odd_pm.txt", text))
    r = result.records[0]
    assert r.pmid is None
    assert r.raw["PM"] == ("see record",)
    assert len(result.warnings) == 1
    assert "record at line 1" in result.warnings[0]
    assert "'PM: see record' is not a PubMed ID" in result.warnings[0]


# --- detection ----------------------------------------------------------------------------


def test_registered_and_detected_from_text():
    assert "cochrane_text" in FORMATS
    assert detect_text_format(CENTRAL) == "cochrane_text"
    assert detect_text_format("\ufeff\n\nRecord #1 of 3\r\nID: CD000001\r\n") == "cochrane_text"


def test_cochrane_ris_and_bibtex_are_not_taken_for_the_text_export():
    # the Library's RIS export has the same "Record #1 of N" header, then "Provider:"
    ris = ("Record #1 of 1\nProvider: John Wiley & Sons, Ltd.\nContent: text/plain;"
           ' charset="UTF-8"\n\nTY  - JOUR\nAN  - CN-00648786\nTI  - A trial\nER  - \n')
    assert detect_text_format(ris) == "ris"
    # ... and its BibTeX export puts "@article{" after it
    assert not looks_like_cochrane_text(["Record #1 of 1", "@article{x,", " title = {A}", "}"])


# --- refusals -----------------------------------------------------------------------------


def test_truncated_inside_the_last_record(tmp_path):
    lines = sample_lines()
    # cut in the middle of record 3's abstract (line 53): its US: line (54) is missing
    path = write(tmp_path, "cut.txt", "\n".join(lines[:52] + [lines[52][:200]]))
    err = refused(path)
    assert err.line == 53
    assert "record #3, which starts at line 37" in err.message
    assert "truncated" in err.message
    # blank lines after the cut do not move the line named
    path = write(tmp_path, "cut2.txt", "\n".join(lines[:52] + [lines[52][:200], "", ""]))
    assert refused(path).line == 53


def test_record_numbers_that_jump(tmp_path):
    text = SAMPLE.read_bytes().decode("utf-8-sig").replace("Record #2 of 271", "Record #5 of 271")
    err = refused(write(tmp_path, "gap.txt", text))
    assert err.line == 19
    assert "from #1 to #5" in err.message


def test_text_before_the_first_record(tmp_path):
    err = refused(write(tmp_path, "header.txt", "Search run 2024-01-01\n" + CENTRAL), format="cochrane_text")
    assert err.line == 1
    assert "Record #1 of N" in err.message


def test_cochrane_ris_read_as_text_is_refused_with_a_hint(tmp_path):
    text = "Record #1 of 1\nProvider: John Wiley & Sons, Ltd.\n\nTY  - JOUR\nER  - \n"
    err = refused(write(tmp_path, "wiley.ris", text), format="cochrane_text")
    assert err.line == 2
    assert "format='ris'" in str(err)


def test_record_without_id(tmp_path):
    text = CENTRAL.replace("ID: CN-07654321\n", "")
    err = refused(write(tmp_path, "no_id.txt", text))
    assert err.line == 21  # "Record #2 of 2"
    assert "record #2" in err.message and "'ID:'" in err.message


def test_record_number_past_the_total(tmp_path):
    text = CENTRAL.replace("Record #2 of 2", "Record #2 of 1").replace("Record #1 of 2", "Record #1 of 1")
    err = refused(write(tmp_path, "past.txt", text))
    assert err.line == 21
    assert "past the number announced" in err.message


def test_empty_record(tmp_path):
    err = refused(write(tmp_path, "empty.txt", "Record #1 of 1\n\n"), format="cochrane_text")
    assert err.line == 1
    assert "no fields" in err.message
