"""Every real export of the shared corpus imports with exactly its expected record count.

The expected counts (MANIFEST.csv ``expected_records``) were counted from the files'
structure by the corpus curators (TY/PMID/PT/%0 lines, XML elements, CSV rows), not by
metareview. The corpus lies beside the repository: ../shared/corpus/exports.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from metareview.review.importers import detect_format, read_records

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "exports"
MANIFEST = CORPUS / "MANIFEST.csv"


def _rows() -> list[dict[str, str] | None]:
    if not MANIFEST.is_file():
        return [None]  # the test then fails (the corpus is required, never skipped)
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _rows()
ENCODINGS = {"ASCII": "utf-8", "UTF-8": "utf-8", "UTF-8 (BOM)": "utf-8-sig", "UTF-16LE (BOM)": "utf-16"}


def _need(row):
    if row is None:
        pytest.fail(f"the shared corpus is missing: expected {MANIFEST}")
    return row


@pytest.mark.corpus
@pytest.mark.parametrize("row", ROWS, ids=[r["file"] if r else "missing-corpus" for r in ROWS])
def test_corpus_file_imports_every_record(row):
    row = _need(row)
    path = CORPUS / row["file"]
    assert detect_format(path) == row["format"]
    result = read_records(path)
    assert result.format == row["format"]
    # MANIFEST's detected encoding: BOM files are read as utf-8-sig / utf-16, the rest as UTF-8
    assert result.encoding == ENCODINGS[row["encoding"]]
    assert len(result.records) == int(row["expected_records"])
    assert [r.source_index for r in result.records] == list(range(len(result.records)))
    assert all(r.source_file == str(path) and r.source_format == row["format"] for r in result.records)
    # every record carries its source fields verbatim
    assert all(len(r.raw) > 0 for r in result.records)


@pytest.mark.corpus
def test_corpus_manifest_totals():
    rows = [_need(r) for r in ROWS]
    assert len(rows) == 142
    assert sum(int(r["expected_records"]) for r in rows) == 13772
    assert len({r["format"] for r in rows}) == 20


@pytest.mark.corpus
@pytest.mark.slow
def test_whole_corpus_imports_in_seconds():
    rows = [_need(r) for r in ROWS]
    start = time.perf_counter()
    total = sum(len(read_records(CORPUS / r["file"]).records) for r in rows)
    elapsed = time.perf_counter() - start
    assert total == 13772
    # about 2-4 s on one core of the development machine; a quadratic slip would take minutes
    assert elapsed < 30, f"importing the corpus took {elapsed:.1f} s"


# Field values read by eye from the corpus files (tag lines quoted in the comments).
CORPUS_FIELDS = [
    # asreview__embase.ris, record 1: T1, A1, Y1 2014, DO, DB Embase
    ("asreview__embase.ris", 0, dict(
        title="Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        first_author="Liu R.", year=2014, doi="10.4103/2303-9027.138783", pmid=None,
        source_database="Embase", journal="Endoscopic Ultrasound", pages="152-160")),
    # asreview__ris_issue_1099.txt (Scopus RIS): N1 spread over untagged lines
    ("asreview__ris_issue_1099.txt", 0, dict(
        title="Design and prototyping of directly driven outer rotor permanent magnet generator"
              " for small scale wind turbines",
        first_author="Vaimann, T.", year=2018, doi="10.15598/aeee.v16i3.2698", pages="271-278")),
    # litstudy__ieee_example.ris: records separated by CR LF LF CR; record 1
    ("litstudy__ieee_example.ris", 0, dict(
        title="The European Approach to the Exascale Challenge", first_author="G. Kalbe",
        year=2019, doi="10.1109/mcse.2018.2884139", volume="21", issue="1", pages="42-47")),
    # asreview__pubmed_endnote.txt (EndNote RIS of PubMed records, .txt)
    ("asreview__pubmed_endnote.txt", 0, dict(
        title="Boswellia serrata: an overall assessment of in vitro, preclinical,"
              " pharmacokinetic and clinical data",
        first_author="Abdel-Tawab, M.", year=2011, doi="10.2165/11586800-000000000-00000")),
    # rispy__example_wos.ris is WoS plain text despite its extension: AF on 4 lines, TI wrapped
    ("rispy__example_wos.ris", 0, dict(
        first_author="Parkes-Loach, PS", n_authors=4,
        title_start="Interactions stabilizing the structure of the core light-harvesting")),
    # metaknowledge__testFile.isi: "AUGilles, H" has no space after the tag (record 11)
    ("metaknowledge__testFile.isi", None, dict(any_author="Gilles, H")),
    # revtools__restoration_pubmed.nbib
    ("revtools__restoration_pubmed.nbib", 0, dict(
        pmid="30689646",
        title_start="Ecosystem services changes between 2000 and 2015 in the Loess Plateau, China: A")),
    # wosfile__wos_tab_delimited_win_utf16.txt: UTF-16LE, same records as the UTF-8 file
    ("wosfile__wos_tab_delimited_win_utf16.txt", 0, dict(
        title="Knowledge networks as channels and conduits: The effects of spillovers in the"
              " Boston biotechnology community",
        first_author="Owen-Smith, J", year=2004, doi="10.1287/orsc.1030.0054",
        journal="ORGANIZATION SCIENCE")),
    # bibdedupe__Respiratory_endnote.xml: <style> wrappers, record 1
    ("bibdedupe__Respiratory_endnote.xml", 0, dict(
        title="Perioperative nutritional support in patients undergoing hepatectomy for"
              " hepatocellular carcinoma",
        first_author="Ziegler, T. R.", year=1996, volume="20", pages="91-92")),
    # cnki/cnkiconverter__demo.txt: %A 吴继琴, %T, %D 2019, %K ;;-separated
    ("cnki/cnkiconverter__demo.txt", 0, dict(
        title="Fairclough 三维分析模型下的话语分析——以江西企业“走出去”通事语言为例",
        first_author="吴继琴", year=2019, journal="九江职业技术学院学报", issue="03",
        source_database="CNKI", keywords_start=("Fairclough 三维分析模型", "话语分析"))),
    # PubMed book XML: Book/AuthorList/CollectiveName, Book/ELocationID doi, Book/PubDate/Year 2009
    ("jabref__MedlineImporterTestBookArticleSet.xml", 0, dict(
        title="Title for some article", first_author="National Collaborating Centre for Chronic"
        " Conditions (UK)", doi="10.3275/8949", year=2009, pmid="21413195")),
    # Lens RIS: AB  - <p>Background and aims: ... (HTML kept in raw, removed from abstract)
    ("citesource__20221207_gambling-harms_lens_49.ris", 0, dict(
        abstract_start="Background and aims: Both the Problem Gambling Severity Index (PGSI)",
        raw_start=("AB", "<p>Background and aims:"), source_database="Lens.org")),
    # Ovid MEDLINE RIS: no PMID tag; L2 link ...&D=medp&NEWS=N&AN=39012781
    ("citesource__medline_84.ris", 0, dict(pmid="39012781", source_database="MEDLINE",
                                           doi="10.2337/dc24-0703", year=2024)),
    # EBSCO RIS: DB  - psyh (a code), DP  - EBSCOhost
    ("citesource__20221207_gambling-harms_psycinfo_124.ris", 0, dict(
        source_database="EBSCO", title="Frameworks of gambling harms: A comparative review and synthesis")),
    # jabref__MedlineImporterTestNbib.xml mixes a PubmedArticle and a PubmedBookArticle;
    # the PMIDs of CommentsCorrections inside the first article must not be taken
    ("jabref__MedlineImporterTestNbib.xml", 0, dict(
        pmid="23633646", title_start="Predictors of treatment failure, incipient hypothyroidism")),
    ("jabref__MedlineImporterTestNbib.xml", 1, dict(
        pmid="21413195", journal="Rheumatoid Arthritis: National Clinical Guideline for Management"
        " and Treatment in Adults")),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("file", "index", "expected"), CORPUS_FIELDS, ids=[c[0] for c in CORPUS_FIELDS])
def test_corpus_field_values(file, index, expected):
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing: expected {CORPUS}")
    records = read_records(CORPUS / file).records
    if "any_author" in expected:
        assert any(expected["any_author"] in r.authors for r in records)
        return
    r = records[index]
    for key, value in expected.items():
        if key == "first_author":
            assert r.authors[0] == value
        elif key == "n_authors":
            assert len(r.authors) == value
        elif key == "title_start":
            assert r.title.startswith(value)
        elif key == "abstract_start":
            assert r.abstract.startswith(value)
        elif key == "raw_start":
            assert r.raw[value[0]][0].startswith(value[1])
        elif key == "keywords_start":
            assert r.keywords[: len(value)] == value
        else:
            assert getattr(r, key) == value, key


# Files that the corpus notes hold the same records in two formats: the normalised fields
# read from each must agree (two independent readers checking each other).
SAME_RECORDS = [
    ("wosfile__wos_tab_delimited_win_utf8.txt", "wosfile__wos_plaintext.txt",
     ("title", "authors", "year", "doi", "journal", "volume", "issue", "pages", "keywords")),
    ("wosfile__wos_tab_delimited_win_utf16.txt", "wosfile__wos_plaintext.txt",
     ("title", "authors", "year", "doi", "journal", "volume", "issue", "pages", "keywords")),
    ("synthesisr__WoS_txt_example.txt", "synthesisr__WoS_ciw_example.ciw",
     ("title", "authors", "year", "doi", "journal")),
    ("asreview__embase.csv", "asreview__embase.ris",
     ("title", "authors", "year", "doi", "volume", "issue", "pages", "source_database")),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("left", "right", "fields"), SAME_RECORDS, ids=[f"{a}={b}" for a, b, _ in SAME_RECORDS])
def test_same_records_in_two_formats_agree(left, right, fields):
    if not CORPUS.is_dir():
        pytest.fail(f"the shared corpus is missing: expected {CORPUS}")
    a = read_records(CORPUS / left).records
    b = read_records(CORPUS / right).records
    if left.startswith("synthesisr__WoS_txt"):
        b = b[: len(a)]  # the .ciw holds the 4 records of the .txt and one more
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for name in fields:
            assert getattr(x, name) == getattr(y, name), (name, x.source_index)
