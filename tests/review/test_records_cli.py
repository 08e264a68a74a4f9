"""`metareview records FILE... --out records.csv|records.json [--format NAME]`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from metareview.cli import build_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
runner = CliRunner()


def test_records_mixed_formats_to_csv(tmp_path):
    out = tmp_path / "records.csv"
    files = [
        FIXTURES / "synthesisr__Ovid_ris_example.ris",  # ris, 4
        FIXTURES / "wosfile__wos_tab_delimited_win_utf16.txt",  # wos_tab, 5
        FIXTURES / "translatorsCN__cnki_refworks_case01.txt",  # cnki_refworks, 1
    ]
    result = runner.invoke(build_app(), ["records", *map(str, files), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for text in ("ris", "wos_tab", "cnki_refworks", "utf-16", "10 records from 3 file(s)"):
        assert text in result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == 10
    assert list(frame["source_format"]) == ["ris"] * 4 + ["wos_tab"] * 5 + ["cnki_refworks"]
    assert frame.loc[0, "title"] == "Detection of retention trees on clearcuts, a 50-year perspective."
    assert frame.loc[0, "authors"] == "Holmstrom, E.; Nordstrom, E.; Lariviere, D.; Wallin, I."
    assert frame.loc[9, "title"] == "黄瓜胚性愈伤组织的诱导保存和再生"


def test_records_to_json_with_forced_format(tmp_path):
    out = tmp_path / "records.json"
    src = FIXTURES / "translatorsCN__cnki_refer_case02.txt"
    result = runner.invoke(build_app(), ["records", str(src), "--format", "cnki_endnote", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 1
    assert rows[0]["authors"] == ["胡婕伦"]
    assert rows[0]["year"] == 2014
    assert rows[0]["raw"]["%Y"] == ["谢明勇;聂少平"]


def test_records_bad_output_extension(tmp_path):
    src = FIXTURES / "synthesisr__Ovid_ris_example.ris"
    result = runner.invoke(build_app(), ["records", str(src), "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code != 0
    assert "--out" in str(result.exception)


def test_records_malformed_file_exits_2_with_file_and_line(tmp_path, capsys):
    from metareview.cli import main

    bad = tmp_path / "cut.ris"
    bad.write_text("TY  - JOUR\nTI  - Unfinished\n")
    try:
        main(["records", str(bad), "--out", str(tmp_path / "r.csv")])
    except SystemExit as exc:
        assert exc.code == 2
    else:  # pragma: no cover - must exit
        raise AssertionError("no SystemExit")
    err = capsys.readouterr().err
    assert f"{bad}, line 2" in err
    assert not (tmp_path / "r.csv").exists()  # nothing half-written
