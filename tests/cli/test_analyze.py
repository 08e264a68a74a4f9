"""`metareview analyze PLAN.toml --out DIR`: writes every output; plan mistakes are one line, exit 2.

The numbers themselves are checked against metafor in tests/report/test_report_bcg.py; here the
command line: files written, the pooled estimate carried through (metafor 3.8.1:
``predict(rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg), transf=exp)``
gives 0.4894209), and errors naming file, line and key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metareview.cli import main

REPO = Path(__file__).resolve().parents[2]
CORE_PLAN = REPO / "tests" / "report" / "data" / "bcg_core.toml"


def test_analyze_writes_report_json_tables_and_figures(tmp_path: Path, capsys) -> None:
    main(["analyze", str(CORE_PLAN), "--out", str(tmp_path / "out")])
    out = tmp_path / "out"
    assert (out / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    results = json.loads((out / "results.json").read_text("utf-8"))
    assert results["outcomes"][0]["reporting_scale"]["estimate"] == pytest.approx(0.4894209398,
                                                                                 rel=1e-6)
    assert (out / "tables" / "summary_of_findings.csv").is_file()
    assert sorted(p.suffix for p in (out / "figures").glob("tb_forest.*")) == [".pdf", ".png",
                                                                               ".svg"]
    err = capsys.readouterr().err
    assert "report:" in err and "report.html" in err  # rich progress/console go to stderr


def test_analyze_svg_only(tmp_path: Path) -> None:
    main(["analyze", str(CORE_PLAN), "--out", str(tmp_path), "--formats", "svg", "--quiet"])
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "tb_forest.svg", "tb_forest_allocation.svg"]


def test_plan_mistake_is_one_line_with_file_line_key(tmp_path: Path, capsys) -> None:
    text = CORE_PLAN.read_text("utf-8").replace('test = "z"', 'test = "wald"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(bad), "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("test ="))
    assert err == (f"error: {bad}, line {line}, key outcomes.tb.model.test: "
                   "outcomes.tb.model.test must be one of z, t, knha; got 'wald'")
    assert not (tmp_path / "out").exists()


def test_missing_column_points_into_the_plan(tmp_path: Path, capsys) -> None:
    text = CORE_PLAN.read_text("utf-8").replace('di = "cneg"', 'di = "c_neg"')
    text = text.replace("../../../examples/bcg/dat_bcg.csv",
                        str(REPO / "examples" / "bcg" / "dat_bcg.csv"))
    bad = tmp_path / "plan.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["analyze", str(bad), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert f"{bad}, line 10, key data.bcg.columns.di: dat_bcg.csv has no column 'c_neg'" in err
    assert "the file's columns are: trial, author, year, tpos" in err


def test_missing_plan_file(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["analyze", str(tmp_path / "nope.toml"), "--out", str(tmp_path)])
    assert info.value.code == 2
    assert "nope.toml: plan file not found" in capsys.readouterr().err


def test_unknown_figure_format(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", str(CORE_PLAN), "--out", str(tmp_path), "--formats", "svg,jpg"])
    assert "column --formats: unknown figure format 'jpg'" in capsys.readouterr().err
