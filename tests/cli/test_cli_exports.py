"""`metareview records` and `metareview dedup` on the files users pick by mistake.

Every mistake: one line on stderr starting ``error:``, exit status 2, and no output written.
Record counts of the real exports come from ``../shared/corpus/exports/MANIFEST.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metareview.cli import main

EXPORTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "exports"
EMBASE = EXPORTS / "asreview__embase.ris"  # 6 records (MANIFEST.csv)
WOS_UTF16 = EXPORTS / "wosfile__wos_tab_delimited_win_utf16.txt"  # 50 records, UTF-16
CNKI = EXPORTS / "cnki" / "cnkiconverter__demo.txt"  # 40 records, CNKI EndNote/Refer
HINT = ("export the search results from the database as RIS, MEDLINE (PubMed), BibTeX, "
        "EndNote XML or CSV and import that file")


def _fail(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


def test_records_mixed_real_exports(tmp_path, capsys):
    out = tmp_path / "records.csv"
    main(["records", str(EMBASE), str(WOS_UTF16), str(CNKI), "--out", str(out)])
    printed = capsys.readouterr().out
    assert "96 records from 3 file(s) ->" in printed
    assert "utf-16" in printed and "cnki_endnote" in printed
    import pandas as pd

    frame = pd.read_csv(out)
    assert len(frame) == 6 + 50 + 40
    assert [p.name for p in tmp_path.iterdir()] == ["records.csv"]


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF document"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a zip archive (or an .xlsx/.docx file)"),
    ],
)
@pytest.mark.parametrize("command", ["records", "dedup", "review"])
def test_binary_file_renamed_to_ris(tmp_path, capsys, head, what, command):
    fake = tmp_path / "search.ris"
    fake.write_bytes(head + bytes(range(256)))
    argv = {
        "records": ["records", str(fake), "--out", str(tmp_path / "r.csv")],
        "dedup": ["dedup", str(fake), "--out", str(tmp_path / "dd")],
        "review": ["review", "import", str(fake), "--database", "Embase", "--date", "2024-01-31",
                   "--db", str(tmp_path / "r.db")],
    }[command]
    if command == "review":
        main(["review", "init", "--name", "R", "--db", str(tmp_path / "r.db")])
        capsys.readouterr()
    before = sorted(p.name for p in tmp_path.iterdir())
    err = _fail(argv, capsys)
    assert err == f"error: {fake}, line 1: is a binary file ({what}), not a database export ({HINT})\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_zero_byte_ris(tmp_path, capsys):
    empty = tmp_path / "empty.ris"
    empty.write_bytes(b"")
    assert _fail(["records", str(empty), "--out", str(tmp_path / "r.csv")], capsys) == (
        f"error: {empty}, line 1: the file is empty\n"
    )
    assert not (tmp_path / "r.csv").exists()


def test_records_folder_missing_out_folder_and_repeated_file(tmp_path, capsys):
    assert _fail(["records", str(tmp_path), "--out", str(tmp_path / "r.csv")], capsys) == (
        f"error: {tmp_path}: is a folder, not an export file (give the path of the exported file inside it)\n"
    )
    target = tmp_path / "nodir" / "r.csv"
    assert _fail(["records", str(EMBASE), "--out", str(target)], capsys) == (
        f"error: {target}, column --out: the folder '{target.parent}' does not exist "
        "(create it first (mkdir) or write somewhere else)\n"
    )
    assert _fail(["records", str(EMBASE), str(EMBASE), "--out", str(tmp_path / "r.csv")], capsys) == (
        f"error: {EMBASE}: the same file is given twice "
        "(list each export once, or its records are counted twice)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_dedup_out_is_a_file_and_threshold(tmp_path, capsys):
    existing = tmp_path / "kept.csv"
    existing.write_text("keep me\n")
    assert _fail(["dedup", str(EMBASE), "--out", str(existing)], capsys) == (
        f"error: {existing}, column --out: is a file; --out names the folder for kept.csv, "
        "clusters.csv and pairs_for_review.csv (give a folder name (it is created if needed))\n"
    )
    assert existing.read_text() == "keep me\n"
    assert _fail(["dedup", str(EMBASE), "--out", str(tmp_path / "dd"), "--threshold", "90"], capsys) == (
        "error: column --threshold: must lie between 0 and 1, got 90.0 (e.g. --threshold 0.9)\n"
    )
    assert _fail(["dedup", str(EMBASE), str(EMBASE), "--out", str(tmp_path / "dd")], capsys) == (
        f"error: {EMBASE}: the same file is given twice "
        "(list each file once, or every record is its own duplicate)\n"
    )
    assert not (tmp_path / "dd").exists()


def test_dedup_reads_a_semicolon_csv(tmp_path, capsys):
    f = tmp_path / "records.csv"
    f.write_text("title;authors;year\nA study of x;Smith J;2001\nA study of x;Smith J;2001\n"
                 "Something else;Doe A;1999\n")
    main(["dedup", str(f), "--out", str(tmp_path / "dd")])
    assert capsys.readouterr().out.splitlines()[0] == (
        "3 records from 1 file(s): 1 duplicate clusters, 1 duplicates removed, 2 kept, "
        "0 pairs for review"
    )


def test_records_out_over_an_input_is_refused(tmp_path, capsys):
    f = tmp_path / "scopus.csv"
    f.write_bytes((EXPORTS / "litstudy__scopus.csv").read_bytes())
    assert _fail(["records", str(f), "--out", str(f)], capsys) == (
        f"error: {f}, column --out: is also the input file: writing it would destroy the data "
        "(choose another output name)\n"
    )
    assert f.read_bytes() == (EXPORTS / "litstudy__scopus.csv").read_bytes()


def test_dedup_never_overwrites_an_input_named_like_its_outputs(tmp_path, capsys):
    f = tmp_path / "kept.csv"
    f.write_text("title\nA study\nA study\n")
    assert _fail(["dedup", str(f), "--out", str(tmp_path)], capsys) == (
        f"error: {f}, column --out: is an input, and --out would overwrite it with the results "
        "(write the results to another folder)\n"
    )
    assert f.read_text() == "title\nA study\nA study\n"


def test_dedup_reads_a_utf16_csv(tmp_path, capsys):
    f = tmp_path / "records.csv"
    f.write_bytes("title\tauthors\nÉtude de cas\tDupont J\nÉtude de cas\tDupont J\n".encode("utf-16"))
    main(["dedup", str(f), "--out", str(tmp_path / "dd")])
    assert capsys.readouterr().out.startswith("2 records from 1 file(s): 1 duplicate clusters")
    kept = (tmp_path / "dd" / "kept.csv").read_text(encoding="utf-8")
    assert "Étude de cas" in kept
