"""`metareview review ...` end to end on real exports, and its one-line errors (exit 2).

Record counts come from ``../shared/corpus/exports/MANIFEST.csv`` (counted from the file
structure): PubMed 176, Embase 6, Scopus 255, so 437 records are identified.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rispy

from metareview.cli import main
from metareview.review.project import ReviewProject

PUBMED = "citesource__20221207_gambling-harms_pubmed_176.ris"
EMBASE = "asreview__embase.ris"
SCOPUS = "citesource__20221207_gambling-harms_scopus_255.ris"


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _row(out: str, item: str) -> str:
    match = re.search(rf"│ {re.escape(item)}\s+│\s+([^│]+?)\s+│", out)
    assert match, f"{item!r} not in\n{out}"
    return match.group(1)


@pytest.mark.corpus
def test_review_commands_end_to_end(capsys, shared_dir: Path, tmp_path: Path) -> None:
    exports = shared_dir / "corpus" / "exports"
    db = str(tmp_path / "review.db")
    code, out, err = run(capsys, "review", "init", "--db", db, "--name", "Gambling harms",
                         "--lead", "ann")
    assert code == 0, err
    assert "Created project 'Gambling harms'" in out

    for name, database, n in [(PUBMED, "PubMed", 176), (EMBASE, "Embase", 6), (SCOPUS, "Scopus", 255)]:
        code, out, err = run(capsys, "review", "import", str(exports / name), "--database",
                             database, "--date", "2022-12-07", "--query", "gambling", "--db", db)
        assert code == 0, err
        assert _row(out, "records") == str(n)
        assert _row(out, "database") == database

    code, out, err = run(capsys, "review", "import", str(exports / PUBMED), "--database",
                         "PubMed", "--date", "2022-12-08", "--db", db)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {exports / PUBMED}: this file was already imported")

    code, out, err = run(capsys, "review", "dedup", "--db", db)
    assert code == 0, err
    removed = int(_row(out, "duplicates removed"))
    assert removed >= 171  # 172 DOIs shared by PubMed and Scopus, one an erratum (see tests/review)

    code, out, err = run(capsys, "review", "status", "--db", db)
    assert code == 0, err
    assert _row(out, "searches") == "3"
    assert _row(out, "records") == "437"
    assert _row(out, "records screened") == str(437 - removed)

    ris, sheet = tmp_path / "unique.ris", tmp_path / "sheet.xlsx"
    code, out, err = run(capsys, "review", "export", "--records", str(ris), "--extraction",
                         str(sheet), "--db", db)
    assert code == 0, err
    assert len(rispy.loads(ris.read_text(encoding="utf-8"))) == 437 - removed
    assert sheet.read_bytes()[:2] == b"PK"  # an xlsx is a zip file

    for suffix, magic in [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF-")]:
        target = tmp_path / f"flow{suffix}"
        code, out, err = run(capsys, "review", "prisma", "--out", str(target), "--db", db)
        assert code == 0, err
        assert target.read_bytes().startswith(magic)
    assert _row(out, "identified databases: PubMed") == "176"
    assert _row(out, "identified databases: Scopus") == "255"
    assert _row(out, "duplicates removed") == str(removed)
    assert _row(out, "records awaiting screening") == str(437 - removed)

    md = tmp_path / "checklist.md"
    code, out, err = run(capsys, "review", "checklist", "--out", str(md), "--db", db)
    assert code == 0, err
    assert _row(out, "items") == "42"
    assert ("Databases: PubMed (searched 2022-12-07, 176 records); Embase (searched 2022-12-07, "
            "6 records); Scopus (searched 2022-12-07, 255 records).") in md.read_text(encoding="utf-8")

    with ReviewProject.open(db) as project:  # the CLI wrote what the API reads
        assert project.prisma_counts().identified_total == 437


def test_errors_are_one_line_and_exit_2(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    code, _, err = run(capsys, "review", "status", "--db", db)
    assert code == 2
    assert err == f"error: {db}: no review store here (create one with `metareview review init --db FILE --name NAME`)\n"

    assert run(capsys, "review", "init", "--db", db, "--name", "R")[0] == 0
    code, _, err = run(capsys, "review", "init", "--db", db, "--name", "R")
    assert code == 2 and "a project named 'R' already exists" in err

    export = tmp_path / "x.ris"
    export.write_text("TY  - JOUR\nTI  - A title\nER  - \n", encoding="utf-8")
    code, _, err = run(capsys, "review", "import", str(export), "--database", "Embase",
                       "--date", "31/01/2024", "--db", db)
    assert code == 2
    assert err == ("error: column --date: '31/01/2024' is not a date (write the date the search "
                   "was run as YYYY-MM-DD, e.g. 2024-01-31)\n")

    code, _, err = run(capsys, "review", "import", str(tmp_path / "nope.ris"), "--database",
                       "Embase", "--date", "2024-01-31", "--db", db)
    assert code == 2 and f"{tmp_path / 'nope.ris'}: no such file" in err

    code, _, err = run(capsys, "review", "prisma", "--out", str(tmp_path / "flow.gif"), "--db", db)
    assert code == 2 and "column --out" in err and ".svg, .png or .pdf" in err

    code, _, err = run(capsys, "review", "export", "--db", db)
    assert code == 2 and "nothing to export" in err

    code, _, err = run(capsys, "review", "export", "--extraction", str(tmp_path / "s.json"),
                       "--db", db)
    assert code == 2 and "use a .csv or .xlsx file name" in err

    # --name is required: a usage error (checked through Typer's runner, standalone mode)
    from typer.testing import CliRunner

    from metareview.cli import build_app

    res = CliRunner().invoke(build_app(), ["review", "init", "--db", db])
    assert res.exit_code == 2 and "--name" in res.output


def test_store_paths_users_get_wrong(capsys, tmp_path: Path) -> None:
    missing = tmp_path / "nodir" / "r.db"
    code, _, err = run(capsys, "review", "init", "--name", "R", "--db", str(missing))
    assert code == 2
    assert err == (f"error: {missing}, column --db: the folder '{missing.parent}' does not exist "
                   "(create it first (mkdir) or put the store somewhere else)\n")
    assert not missing.parent.exists()

    code, _, err = run(capsys, "review", "init", "--name", "R", "--db", str(tmp_path))
    assert code == 2
    assert err == (f"error: {tmp_path}, column --db: is a folder, not a review store "
                   f"(give a file name inside it, e.g. {tmp_path / 'review.db'})\n")

    not_a_db = tmp_path / "data.csv"
    not_a_db.write_text("study,yi,vi\nA,0.1,0.02\n")
    for cmd in (("init", "--name", "R"), ("status",)):
        code, _, err = run(capsys, "review", *cmd, "--db", str(not_a_db))
        assert code == 2
        assert err.startswith(f"error: {not_a_db}, column --db: is not a review store "
                              "(not a SQLite database)"), err
        assert err.count("\n") == 1
    assert not_a_db.read_text() == "study,yi,vi\nA,0.1,0.02\n"  # left untouched


def test_outputs_checked_before_writing(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    assert run(capsys, "review", "init", "--db", db, "--name", "R")[0] == 0
    export = tmp_path / "x.ris"
    export.write_text("TY  - JOUR\nTI  - A title\nER  - \n", encoding="utf-8")
    assert run(capsys, "review", "import", str(export), "--database", "Embase",
               "--date", "2024-01-31", "--db", db)[0] == 0
    code, _, err = run(capsys, "review", "import", str(tmp_path), "--database", "Embase",
                       "--date", "2024-01-31", "--db", db)
    assert code == 2
    assert err == f"error: {tmp_path}: is a folder, not an export file (give the path of the exported file inside it)\n"
    code, _, err = run(capsys, "review", "import", str(export), "--database", "Embase",
                       "--date", "2024-01-31", "--db", db)
    assert code == 2 and err.startswith(f"error: {export}: this file was already imported")
    before = sorted(p.name for p in tmp_path.iterdir())
    target = tmp_path / "out" / "unique.ris"
    for option, cmd in (("--records", "export"), ("--out", "prisma"), ("--out", "checklist")):
        path = target.with_suffix({"export": ".ris", "prisma": ".svg", "checklist": ".md"}[cmd])
        code, _, err = run(capsys, "review", cmd, option, str(path), "--db", db)
        assert code == 2
        assert err == (f"error: {path}, column {option}: the folder '{target.parent}' does not exist "
                       "(create it first (mkdir) or write somewhere else)\n")
    code, _, err = run(capsys, "review", "export", "--records", str(tmp_path / "u.ris"),
                       "--subset", "some", "--db", db)
    assert code == 2
    assert err == "error: column --subset: 'some' is not allowed (use one of: all, unique, included)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing half-written
    code, out, _ = run(capsys, "review", "export", "--records", str(tmp_path / "u.ris"), "--db", db)
    assert code == 0 and "records -> " in out
    assert (tmp_path / "u.ris").read_text(encoding="utf-8").count("ER  -") == 1


def test_query_file_mistakes(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "r.db")
    assert run(capsys, "review", "init", "--db", db, "--name", "R")[0] == 0
    export = tmp_path / "x.ris"
    export.write_text("TY  - JOUR\nTI  - A title\nER  - \n", encoding="utf-8")
    latin = tmp_path / "query.txt"
    latin.write_bytes("aspirin AND stroke\ncafé[tiab]\n".encode("cp1252"))
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    expected = {
        latin: f"error: {latin}, line 2, column --query-file: is not UTF-8 text (byte 0xe9) "
               "(save the search strategy as UTF-8 text)\n",
        empty: f"error: {empty}, column --query-file: is empty (paste the search strategy as run "
               "into it, or leave --query-file out)\n",
        tmp_path: f"error: {tmp_path}, column --query-file: is a folder, not a text file "
                  "(give the text file holding the search strategy)\n",
    }
    for path, message in expected.items():
        code, _, err = run(capsys, "review", "import", str(export), "--database", "Embase",
                           "--date", "2024-01-31", "--query-file", str(path), "--db", db)
        assert (code, err) == (2, message)
    with ReviewProject.open(db) as project:  # nothing was imported
        assert project.status().to_frame().set_index("item").loc["searches", "n"] == 0


def test_sqlite_database_of_another_program_is_left_untouched(capsys, tmp_path: Path) -> None:
    import sqlite3

    other = tmp_path / "clinic.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE patients (id INTEGER)")
    con.commit()
    con.close()
    before = other.read_bytes()
    code, _, err = run(capsys, "review", "init", "--name", "R", "--db", str(other))
    assert (code, err) == (2, f"error: {other}, column --db: is a SQLite database of another program "
                              "(tables patients), not a review store (choose a new file name; this "
                              "database is left untouched)\n")
    code, _, err = run(capsys, "review", "status", "--db", str(other))
    assert (code, err) == (2, f"error: {other}, column --db: is a SQLite database of another program "
                              "(tables patients), not a review store (give the .db file made by "
                              "`metareview review init`)\n")
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.db"]
