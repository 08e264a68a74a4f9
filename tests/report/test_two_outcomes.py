"""A plan with two outcomes on one data file: both reported, in plan order, files per outcome.

Expected values, R 4.2.2 / metafor 3.8.1:
    rma(measure="OR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, method="DL")$b
        -0.7473923497 (printed with digits=10)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metareview.analysis import analysis_steps, run_plan
from metareview.plan import parse_plan
from metareview.report import write_report

BCG = Path(__file__).resolve().parents[2] / "examples" / "bcg" / "dat_bcg.csv"

PLAN = f"""\
[plan]
title = "two outcomes"

[data.bcg]
file = "{BCG}"
study = "author"
columns = {{ ai = "tpos", bi = "tneg", ci = "cpos", di = "cneg" }}

[outcomes.rr]
data = "bcg"
measure = "RR"
transf = "exp"

[outcomes.or]
label = "Odds ratio"
data = "bcg"
measure = "OR"
transf = "exp"
model = {{ method = "DL" }}
"""


def test_two_outcomes(tmp_path: Path) -> None:
    plan = parse_plan(PLAN, file="two.toml")
    steps: list[tuple[str, str]] = []
    result = run_plan(plan, progress=lambda o, s: steps.append((o, s)))
    assert steps == analysis_steps(plan)
    assert [o.spec.name for o in result.outcomes] == ["rr", "or"]
    assert result.outcome("or").fit.method_used == "DL"
    assert result.outcome("or").summary["estimate"] == pytest.approx(-0.7473923497, rel=1e-8)
    write_report(result, tmp_path, formats=("svg",))
    doc = json.loads((tmp_path / "results.json").read_text("utf-8"))
    assert [r["outcome"] for r in doc["summary_of_findings"]] == ["rr", "Odds ratio"]
    assert doc["comparison"] == []
    assert (tmp_path / "tables" / "or_studies.csv").is_file()
    assert (tmp_path / "figures" / "or_forest.svg").is_file()
    html = (tmp_path / "report.html").read_text("utf-8")
    assert "Comparison with published results" not in html  # no published values given
    assert html.index('id="outcome-rr"') < html.index('id="outcome-or"')
