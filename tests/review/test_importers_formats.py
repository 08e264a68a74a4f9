"""One real export per format (tests/fixtures/exports, sources in SOURCES.md): detection,
record counts and field values read by eye from the files (the tag lines are quoted)."""

from __future__ import annotations

import pytest

from pathlib import Path

from metareview.review.importers import FORMATS, detect_format, read_csv_records, read_many, read_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"

# file -> (format, number of records)
FILES = {
    "cochrane_andrewjt71__citation-export.txt": ("cochrane_text", 3),
    "synthesisr__res_synth_methods.txt": ("pubmed_medline", 2),
    "nbib__pmc_medlars.txt": ("pmc_medlars", 5),
    "biopython__pubmed1.xml": ("pubmed_xml", 2),
    "synthesisr__Ovid_ris_example.ris": ("ris", 4),
    "synthesisr__WoS_txt_example.txt": ("wos_plaintext", 4),
    "wosfile__wos_tab_delimited_win_utf16.txt": ("wos_tab", 5),
    "litstudy__scopus.csv": ("scopus_csv", 5),
    "asreview__embase.csv": ("embase_csv", 6),
    "asysd__zotero_export.csv": ("zotero_csv", 5),
    "litstudy__ieee.csv": ("ieee_csv", 10),
    "litstudy__springer.csv": ("springer_csv", 5),
    "synthesisr__eviatlas.csv": ("csv", 1),
    "synthesisr__eviatlas.tsv": ("tsv", 1),
    "jabref__EndnoteXmlImporterTestArticle2.xml": ("endnote_xml", 2),
    "synthesisr__Scopus_bib_example.bib": ("bibtex", 3),
    "jabref__OvidImporterTest3.txt": ("ovid_text", 1),
    "metaknowledge__ProQuest_TestFile.testtxt": ("proquest_text", 100),
    "translatorsCN__cnki_refworks_case01.txt": ("cnki_refworks", 1),
    "translatorsCN__cnki_refer_case02.txt": ("cnki_endnote", 1),
    "cnki2bibtex__Classic5Test.net": ("cnki_noteexpress", 5),
}


def test_every_format_has_a_fixture():
    assert sorted(fmt for fmt, _ in FILES.values()) == sorted(FORMATS)
    assert sorted(p.name for p in FIXTURES.iterdir() if p.name not in ("SOURCES.md", ".gitattributes")) == sorted(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_fixture_detected_and_counted(name):
    fmt, n = FILES[name]
    path = FIXTURES / name
    assert detect_format(path) == fmt
    result = read_records(path)
    assert (result.format, len(result.records)) == (fmt, n)
    forced = read_records(path, format=fmt)
    assert forced.records == result.records


def one(name, index=0):
    return read_records(FIXTURES / name).records[index]


def test_pubmed_medline():
    # PMID- 32336025 / DP  - 2020 Apr 26 / TI wrapped over two lines / LID - 10.1002/jrsm.1411 [doi]
    r = one("synthesisr__res_synth_methods.txt")
    assert r.pmid == "32336025"
    assert r.title == ("Risk-Of-Bias VISualization (robvis): an R package and Shiny web app for"
                       " visualizing risk-of-bias assessments.")
    assert r.authors[:2] == ("McGuinness, Luke A", "Higgins, Julian Pt")
    assert r.year == 2020
    assert r.doi == "10.1002/jrsm.1411"
    assert r.source_database == "PubMed"
    assert r.raw["IS"] == ("1759-2887 (Electronic)", "1759-2879 (Linking)")


def test_pmc_medlars():
    # PMC - PMC6055010 / PMID- 30042925 / AB empty then OAB / AID - 10.1016/j.mex.2018.03.007 [doi]
    r = one("nbib__pmc_medlars.txt")
    assert r.pmid == "30042925"
    assert r.raw["PMC"] == ("PMC6055010",)
    assert r.title == ("A method package for electrophysiological evaluation of reconstructed or"
                       " regenerated facial nerves in rodents.")
    assert r.authors[0] == "Takeuchi, Yuichi"
    assert (r.year, r.journal, r.volume, r.pages) == (2018, "MethodsX", "5", "283-98")
    assert r.doi == "10.1016/j.mex.2018.03.007"
    assert r.abstract is None  # "AB  - " is empty; OAB is a publisher note, kept in raw
    assert r.raw["OAB"] == ("Publisher: Abstract available from the publisher.",)


def test_pubmed_xml():
    a, b = read_records(FIXTURES / "biopython__pubmed1.xml").records
    # <PMID Version="1">12091962</PMID>, <LastName>Olivero</LastName><ForeName>J Michael
    assert a.pmid == "12091962"
    assert a.title == "The treatment of AIDS behind the walls of correctional facilities."
    assert a.authors == ("Olivero, J Michael",)
    assert (a.year, a.volume, a.issue) == (1990, "17", "1")
    assert a.journal == "Social justice (San Francisco, Calif.)"
    # second article: <ArticleId IdType="doi">10.1016/0005-2795(76)90109-4
    assert b.pmid == "9997"
    assert b.doi == "10.1016/0005-2795(76)90109-4"
    assert b.authors == ("Strekas, T C",)
    assert b.year == 1976


def test_ris_ovid_dialect():
    result = read_records(FIXTURES / "synthesisr__Ovid_ris_example.ris")
    r = result.records[0]
    # T1, A1 x4, Y1 2020//, DO http://dx.doi.org/..., JF, VL 10, IS 1, SP 110, EP 123
    assert r.title == "Detection of retention trees on clearcuts, a 50-year perspective."
    assert r.authors == ("Holmstrom, E.", "Nordstrom, E.", "Lariviere, D.", "Wallin, I.")
    assert (r.year, r.journal, r.volume, r.issue, r.pages) == (2020, "Open Journal of Forestry", "10", "1", "110-123")
    assert r.doi == "10.4236/ojf.2020.101008"
    # the "Link to the Ovid Full Text" line after ER belongs to this record
    assert r.raw["Link to"][0].startswith("Link to the Ovid Full Text or citation: http://ovidsp.ovid.com/")
    assert result.warnings == ()  # the "1." numbering lines are known noise


def test_wos_plaintext():
    r = one("synthesisr__WoS_txt_example.txt")
    assert r.title == ("Soil fauna diversity at different stages of reed restoration in a"
                       " lakeshore wetland at Lake Taihu, China")
    assert r.authors[:3] == ("Li, Wei", "Dou, Zhiguo", "Cui, Lijuan")
    assert len(r.authors) == 10
    assert (r.year, r.journal, r.volume, r.issue) == (2020, "ECOSYSTEM HEALTH AND SUSTAINABILITY", "6", "1")
    assert r.doi == "10.1080/20964129.2020.1722034"
    assert r.raw["UT"] == ("WOS:000514379300001",)
    assert r.source_database == "Web of Science"


def test_wos_tab_utf16_and_same_text_in_utf8(tmp_path):
    src = FIXTURES / "wosfile__wos_tab_delimited_win_utf16.txt"
    assert src.read_bytes()[:2] == b"\xff\xfe"
    result = read_records(src)
    assert result.encoding == "utf-16"
    r = result.records[0]
    assert r.title.startswith("Knowledge networks as channels and conduits")
    assert r.authors == ("Owen-Smith, J", "Powell, WW")
    assert (r.year, r.doi) == (2004, "10.1287/orsc.1030.0054")
    utf8 = tmp_path / "wos_utf8.txt"
    utf8.write_bytes(b"\xef\xbb\xbf" + src.read_bytes().decode("utf-16").encode("utf-8"))
    again = read_records(utf8)
    assert again.encoding == "utf-8-sig"
    assert [x.title for x in again.records] == [x.title for x in result.records]


def test_scopus_csv_with_unlabelled_funding_text_cell():
    records = read_records(FIXTURES / "litstudy__scopus.csv").records
    r = records[0]
    assert r.title == "Scalable molecular dynamics with NAMD"
    assert r.authors[:2] == ("Phillips J.C.", "Braun R.")
    assert (r.year, r.volume, r.issue, r.pages) == (2005, "26", "16", "1781-1802")
    assert r.doi == "10.1002/jcc.20289"
    # rows 3-5 have 46 cells for 45 header names: the extra one follows "Funding Text 1"
    third = records[2]
    assert third.raw["EID"] == ("2-s2.0-85123480963",)
    assert third.raw["References"][0].startswith("Edelstein-Keshet, L., (2005) Mathematica")
    assert third.title.startswith("Petri nets and ODEs as complementary methods")


def test_embase_csv_source_cell_and_doi_in_link():
    r = one("asreview__embase.csv")
    # Source: "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014"
    assert (r.journal, r.year, r.volume, r.issue, r.pages) == ("Endoscopic Ultrasound", 2014, "3", "3", "152-160")
    assert r.authors == ("Liu R.", "Adler D.G.")
    assert r.doi == "10.4103/2303-9027.138783"  # from "...id=doi:10.4103%2F2303-9027.138783&..."
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in r.keywords
    assert r.source_database == "Embase"


def test_zotero_csv():
    r = one("asysd__zotero_export.csv")
    assert r.title == "Myoclonus in older Cavalier King Charles Spaniels."
    assert r.authors == ("Rotter, Carina", "Whittaker, Danielle", "Rusbridge, Clare")
    assert (r.year, r.doi, r.pmid) == (2022, "10.1111/jvim.16404", "35319117")  # PMID from Extra
    assert r.publication_type == "journalArticle"


def test_ieee_csv():
    r = one("litstudy__ieee.csv")
    assert r.title == 'Exascale Computing Trends: Adjusting to the "New Normal"\' for Computer Architecture'
    assert r.authors == ("P. Kogge", "J. Shalf")
    assert (r.year, r.doi, r.pages) == (2013, "10.1109/mcse.2013.95", "16-26")
    assert r.source_database == "IEEE Xplore"


def test_springer_csv_splits_glued_names_and_warns():
    result = read_records(FIXTURES / "litstudy__springer.csv")
    r = result.records[0]
    # Authors: "Vivek K. PallipuramMohammad BhuiyanMelissa C. Smith"
    assert r.authors == ("Vivek K. Pallipuram", "Mohammad Bhuiyan", "Melissa C. Smith")
    assert r.doi == "10.1007/s11227-011-0631-3"
    assert r.year == 2012
    assert any("without a separator" in w for w in result.warnings)


@pytest.mark.parametrize("name", ["synthesisr__eviatlas.csv", "synthesisr__eviatlas.tsv"])
def test_generic_tables_with_ris_tag_columns(name):
    r = one(name)
    assert r.title == "EviAtlas: a tool for visualising evidence synthesis databases"
    assert r.authors[0] == "Haddaway, Neal R." and len(r.authors) == 7
    assert (r.year, r.doi, r.journal) == (2019, "10.1186/s13750-019-0167-1", "Environmental Evidence")


def test_read_csv_records_with_mapping():
    result = read_csv_records(
        FIXTURES / "litstudy__springer.csv",
        mapping={"title": "Item Title", "doi": "Item DOI", "year": "Publication Year"},
    )
    assert result.format == "csv"
    r = result.records[0]
    assert r.title == "A comparative study of GPU programming models and architectures using neural networks"
    assert (r.doi, r.year, r.authors) == ("10.1007/s11227-011-0631-3", 2012, ())


def test_endnote_xml_with_style_wrappers():
    a, b = read_records(FIXTURES / "jabref__EndnoteXmlImporterTestArticle2.xml").records
    assert a.authors == ("Chapman, A. G.",)
    assert a.title.startswith("An ecological basis for reforestation of submariginal lands in the Central")
    assert (a.year, a.journal, a.volume, a.issue, a.pages) == (1937, "Ecology", "18", "1", "93-105")
    assert a.raw["accession-num"] == ("ISI:000200148800007",)
    assert b.title == "A survey of soil temperatures in the Chicago area"


def test_bibtex_scopus_export():
    records = read_records(FIXTURES / "synthesisr__Scopus_bib_example.bib").records
    r = records[0]
    # @ARTICLE{Li2020, author={Li, W. and Dou, Z. and ...}, year={2020}, doi={...}
    assert r.raw["ID"] == ("Li2020",)
    assert r.authors[:2] == ("Li, W.", "Dou, Z.")
    assert len(r.authors) == 10
    assert (r.year, r.doi, r.journal) == (2020, "10.1080/20964129.2020.1722034", "Ecosystem Health and Sustainability")
    assert r.source_database == "Scopus"
    # "funding_text\u00a01" (no-break space in the name) does not lose the entry
    assert [x.raw["ID"][0] for x in records] == ["Li2020", "Cao2020", "Tang2020"]
    assert "funding_text_1" in records[0].raw


def test_ovid_text():
    r = one("jabref__OvidImporterTest3.txt")
    assert r.authors == ("Holstiege, Jakob", "Mathes, Tim", "Pieper, Dawid")
    assert r.title == ("Effects of computer-aided clinical decision support systems in improving"
                       " antibiotic prescribing by primary care providers: a systematic review.")
    assert r.doi == "10.1136/amiajnl-2014-002886"
    assert r.journal == "Journal of the American Medical Informatics Association"
    assert r.raw["Title"][0].endswith("[Review]")


def test_proquest_text():
    result = read_records(FIXTURES / "metaknowledge__ProQuest_TestFile.testtxt")
    r = result.records[0]
    assert r.title == "Entrenchment and the Kripke-Wittgenstein paradox"
    assert r.authors == ("Dorst, Chris",)
    assert (r.year, r.language, r.publication_type) == (2014, "English", "Dissertation/Thesis")
    assert r.raw["ProQuest document ID"] == ("1548716365",)
    last = result.records[-1]
    assert last.title == "Anthrobiota: Human-microbe relationships on the edge of biological science"
    assert last.authors == ("Benezra, Amber",)
    assert any("not imported" in w for w in result.warnings)  # the BibTeX bibliography


def test_cnki_refworks():
    r = one("translatorsCN__cnki_refworks_case01.txt")
    assert r.title == "黄瓜胚性愈伤组织的诱导保存和再生"
    assert r.authors == ("薛婉钰", "刘娜", "苑鑫", "张婷婷", "曹云娥", "陈书霞")
    assert (r.year, r.journal, r.issue, r.pages) == (2024, "西北农林科技大学学报(自然科学版)", "07", "1-7")
    assert r.doi == "10.13207/j.cnki.jnwafu.2024.07.011"
    assert r.keywords == ("黄瓜", "遗传转化", "胚性愈伤组织", "离体保存")
    assert r.source_database == "CNKI"


def test_cnki_refer():
    r = one("translatorsCN__cnki_refer_case02.txt")
    assert r.publication_type == "Thesis"
    assert r.authors == ("胡婕伦",)
    assert r.title == "大粒车前子多糖体内外消化与酵解特征体系构建及其促进肠道健康的作用"
    assert (r.year, r.journal) == (2014, "南昌大学")
    assert r.keywords[:3] == ("大粒车前子", "多糖", "体内")
    assert r.raw["%Y"] == ("谢明勇;聂少平",)


def test_cnki_noteexpress():
    records = read_records(FIXTURES / "cnki2bibtex__Classic5Test.net").records
    a = records[0]
    assert a.title == "Share-option based compensation expense, shareholder returns and financial crisis"
    assert a.authors == ("Alaa Alhaj-Ismail", "Sami Adwan", "John Stittle")
    assert (a.year, a.volume, a.issue) == (2019, "15", "1")
    assert a.abstract.startswith("This paper contributes to the literature")  # "Abstract(#br)" dropped
    c = records[2]
    assert c.title == "高效产生任意矢量光场的一种方法"
    assert c.authors == ("齐淑霞", "刘圣", "李鹏", "韩磊", "程华超", "吴东京", "赵建林")
    assert c.keywords == ("偏振态", "空间光调制器", "矢量光场")


def test_gb18030_cnki_file_keeps_chinese(tmp_path):
    src = FIXTURES / "translatorsCN__cnki_refworks_case01.txt"
    gbk = tmp_path / "cnki_gb18030.txt"
    gbk.write_bytes(src.read_bytes().decode("utf-8").encode("gb18030"))
    result = read_records(gbk)
    assert result.encoding == "gb18030"
    assert result.records[0].title == "黄瓜胚性愈伤组织的诱导保存和再生"
    assert result.records[0].authors[0] == "薛婉钰"


def test_line_endings_do_not_matter(tmp_path):
    src = (FIXTURES / "synthesisr__Ovid_ris_example.ris").read_bytes()
    titles = [r.title for r in read_records(FIXTURES / "synthesisr__Ovid_ris_example.ris").records]
    for name, data in (("crlf.ris", src.replace(b"\n", b"\r\n")), ("cr.ris", src.replace(b"\n", b"\r"))):
        (tmp_path / name).write_bytes(data)
        assert [r.title for r in read_records(tmp_path / name).records] == titles


def test_database_override_and_read_many():
    results = read_many([FIXTURES / "synthesisr__Ovid_ris_example.ris", FIXTURES / "litstudy__ieee.csv"])
    assert [len(r) for r in results] == [4, 10]
    forced = read_records(FIXTURES / "synthesisr__Ovid_ris_example.ris", database="CAB Abstracts")
    assert {r.source_database for r in forced.records} == {"CAB Abstracts"}


def test_import_result_tables():
    result = read_records(FIXTURES / "litstudy__ieee.csv")
    frame = result.to_frame()
    assert len(frame) == 10
    assert frame.loc[0, "authors"] == "P. Kogge; J. Shalf"
    summary = result.summary()
    assert list(summary.columns) == ["file", "format", "encoding", "records", "warnings"]
    assert summary.loc[0, "records"] == 10 and summary.loc[0, "format"] == "ieee_csv"


def test_utf16_without_bom_needs_the_encoding(tmp_path):
    from metareview.errors import ImportFormatError

    text = (FIXTURES / "synthesisr__Ovid_ris_example.ris").read_text()
    path = tmp_path / "le.ris"
    path.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(ImportFormatError, match="binary") as info:
        read_records(path)
    assert "utf-16-le" in info.value.hint
    assert len(read_records(path, encoding="utf-16-le").records) == 4


def test_ris_with_one_space_before_the_dash(tmp_path):
    text = (FIXTURES / "synthesisr__Ovid_ris_example.ris").read_text()
    squeezed = "\n".join(
        line[:2] + line[3:] if len(line) > 4 and line[2:5] == "  -" else line for line in text.split("\n")
    )
    assert "TY - JOUR" in squeezed
    path = tmp_path / "one_space.ris"
    path.write_text(squeezed)
    assert detect_format(path) == "ris"
    again = read_records(path).records
    original = read_records(FIXTURES / "synthesisr__Ovid_ris_example.ris").records
    assert [(r.title, r.authors, r.doi, r.year) for r in again] == [
        (r.title, r.authors, r.doi, r.year) for r in original
    ]


def test_cochrane_ris_pubmed_cross_reference_gives_the_pmid(tmp_path):
    """Cochrane Library RIS writes the PubMed ID as "C3  - PUBMED <n>" (e.g. the CENTRAL export
    in BridgesLab/PrecisionNutrition, record CN-00726468: "C3  - PUBMED 18516353")."""
    from metareview.review.importers import read_records

    f = tmp_path / "central.ris"
    f.write_text(
        "TY  - JOUR\nID  - CN-00726468\nTI  - A trial\nAU  - Smith, J\nPY  - 2008\n"
        "C3  - PUBMED 18516353\nER  - \n",
        encoding="utf-8",
    )
    rec = read_records(f).records[0]
    assert rec.pmid == "18516353"
