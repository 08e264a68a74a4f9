"""`metareview dedup` end to end on small files written by the test."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metareview.cli import main

HEADER = "ID,title,author,year,journal,volume,pages,doi\n"
ROWS = [
    'r1,"Eculizumab in atypical HUS: a trial","Legendre, C and Licht, C",2013,"N Engl J Med",'
    '368,2169-81,10.1056/NEJMoa1208981\n',
    'r2,"Statins in sepsis","Brown, A",2010,"Lancet",375,100-109,\n',
    'r3,"ECULIZUMAB IN ATYPICAL HUS - A TRIAL.","Legendre C, Licht C",2013,'
    '"New England Journal of Medicine",368,2169-2181,\n',
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_three_files_keeping_the_csv_ids(tmp_path: Path, capsys) -> None:
    a = write(tmp_path / "pubmed.csv", HEADER + ROWS[0] + ROWS[1])
    b = write(tmp_path / "embase.csv", HEADER + ROWS[2])
    code, out, err = run(["dedup", str(a), str(b), "--out", str(tmp_path / "out"),
                          "--id-column", "ID"], capsys)
    assert code == 0, err
    assert "3 records from 2 file(s): 1 duplicate clusters, 1 duplicates removed, 2 kept" in out
    kept = pd.read_csv(tmp_path / "out" / "kept.csv", dtype=str)
    assert kept["ID"].tolist() == ["r1", "r2"]
    clusters = pd.read_csv(tmp_path / "out" / "clusters.csv", dtype=str)
    r3 = clusters.set_index("record_id").loc["r3"]
    assert r3["linked_to"] == "r1" and r3["reason"].startswith("fuzzy: title 1.00")
    assert r3["source_file"].endswith("embase.csv") and r3["source_row"] == "1"
    assert (tmp_path / "out" / "pairs_for_review.csv").exists()


def test_without_id_column_records_are_file_and_row(tmp_path: Path, capsys) -> None:
    a = write(tmp_path / "all.csv", HEADER + "".join(ROWS))
    code, out, err = run(["dedup", str(a), "--out", str(tmp_path / "o")], capsys)
    assert code == 0, err
    clusters = pd.read_csv(tmp_path / "o" / "clusters.csv", dtype=str)
    assert clusters.loc[clusters.kept == "False", "record_id"].tolist() == ["all.csv:3"]


def test_duplicate_ids_name_file_rows_and_column(tmp_path: Path, capsys) -> None:
    a = write(tmp_path / "a.csv", HEADER + ROWS[0] + ROWS[1] + ROWS[0])
    code, _, err = run(["dedup", str(a), "--out", str(tmp_path / "o"), "--id-column", "ID"],
                       capsys)
    assert code == 2
    assert f"error: {a}, rows 1, 3, column ID: identifiers repeat" in err


def test_missing_title_column_and_bad_encoding(tmp_path: Path, capsys) -> None:
    a = write(tmp_path / "a.csv", "ID,name\n1,x\n")
    code, _, err = run(["dedup", str(a), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and f"{a}, column title: there is no title column" in err

    b = tmp_path / "b.csv"
    b.write_bytes((HEADER + ROWS[1]).encode() + 'r9,"Caf\xe9 \xa9",X,2001,,,,\n'.encode("cp1252"))
    code, _, err = run(["dedup", str(b), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and f"{b}, line 3: the file is not valid UTF-8 text" in err
    assert "--encoding cp1252" in err
    code, out, err = run(["dedup", str(b), "--out", str(tmp_path / "o"), "--encoding", "cp1252"],
                         capsys)
    assert code == 0, err

    code, _, err = run(["dedup", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")],
                       capsys)
    assert code == 2 and "missing.csv: no such file" in err


@pytest.mark.corpus
def test_same_records_in_two_formats_pair_up(shared_dir: Path, tmp_path: Path, capsys) -> None:
    # MANIFEST: asreview__embase.ris and asreview__embase.csv hold the same 6 records; the
    # Embase CSV keeps journal, year, volume and pages in one "Source" cell
    exports = shared_dir / "corpus" / "exports"
    code, out, err = run(["dedup", str(exports / "asreview__embase.ris"),
                          str(exports / "asreview__embase.csv"), "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert out.startswith("12 records from 2 file(s): 6 duplicate clusters, 6 duplicates removed")
    clusters = pd.read_csv(tmp_path / "clusters.csv", dtype=str)
    kept = clusters[clusters.kept == "True"]
    removed = clusters[clusters.kept == "False"]
    assert kept.source_file.str.endswith(".ris").sum() + removed.source_file.str.endswith(
        ".ris").sum() == 6
    # each cluster pairs one RIS record with one CSV record
    per_cluster = clusters.groupby("cluster_id").source_file.apply(
        lambda s: sorted(x.rsplit(".", 1)[1] for x in s))
    assert all(v == ["csv", "ris"] for v in per_cluster)


def test_records_table_feeds_dedup(tmp_path):
    """The README's pipeline: `metareview records ... --out records.csv`, then
    `metareview dedup records.csv`. The Embase RIS and Embase CSV exports hold the same 6
    records (corpus MANIFEST), so all 6 pairs are duplicates and 6 records are kept."""
    from typer.testing import CliRunner

    from metareview.cli import build_app

    exports = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "exports"
    runner = CliRunner()
    out = tmp_path / "records.csv"
    res = runner.invoke(build_app(), ["records", str(exports / "asreview__embase.ris"),
                                      str(exports / "asreview__embase.csv"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(build_app(), ["dedup", str(out), "--out", str(tmp_path / "dd")])
    assert res.exit_code == 0, res.output
    import pandas as pd

    kept = pd.read_csv(tmp_path / "dd" / "kept.csv")
    assert len(kept) == 6
    assert "record_source_file" in kept.columns
