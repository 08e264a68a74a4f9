"""Mistakes in the data a plan points at: named by file, row and column (or plan line and key)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metareview.analysis import run_plan
from metareview.errors import InputError, PlanError
from metareview.plan import parse_plan

BCG = Path(__file__).resolve().parents[2] / "examples" / "bcg" / "dat_bcg.csv"

PLAN = """\
[plan]
title = "t"

[data.bcg]
file = "{file}"
study = "author"
columns = {{ ai = "tpos", bi = "tneg", ci = "cpos", di = "cneg" }}
{extra_data}
[outcomes.tb]
data = "bcg"
measure = "RR"
{extra}
"""


def _run(tmp_path: Path, frame: pd.DataFrame | None = None, *, suffix: str = ".csv",
         extra: str = "", extra_data: str = "") -> None:
    path = tmp_path / f"data{suffix}"
    frame = pd.read_csv(BCG) if frame is None else frame
    if suffix == ".xlsx":
        frame.to_excel(path, sheet_name="trials", index=False)
    else:
        frame.to_csv(path, index=False)
    text = PLAN.format(file=path, extra=extra, extra_data=extra_data)
    run_plan(parse_plan(text, file="plan.toml"))


def test_empty_subgroup_cell_is_refused_not_grouped_as_nan(tmp_path: Path) -> None:
    frame = pd.read_csv(BCG)
    frame.loc[[4, 8], "alloc"] = None
    with pytest.raises(InputError) as info:
        _run(tmp_path, frame, extra='[outcomes.tb.subgroups.alloc]\ncolumn = "alloc"\n')
    err = info.value
    assert (err.file, err.row, err.column) == (str(tmp_path / "data.csv"), [5, 9], "alloc")
    assert "empty cell in the subgroup column" in err.message


def test_missing_subgroup_column_points_into_the_plan(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as info:
        _run(tmp_path, extra='[outcomes.tb.subgroups.alloc]\ncolumn = "allocation"\n')
    err = info.value
    assert (err.file, err.line, err.key) == ("plan.toml", 13,
                                             "outcomes.tb.subgroups.alloc.column")
    assert "data.csv has no column 'allocation'" in err.message


def test_bad_moderator_formula_points_into_the_plan(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as info:
        _run(tmp_path, extra='[outcomes.tb.moderators]\nlat = "~ latitude"\n')
    err = info.value
    assert (err.line, err.key) == (13, "outcomes.tb.moderators.lat")
    assert "cannot fit the formula '~ latitude'" in err.message


def test_sheet_for_a_csv_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as info:
        _run(tmp_path, extra_data='sheet = "trials"\n')
    err = info.value
    assert (err.line, err.key) == (8, "data.bcg.sheet")
    assert "sheet applies to Excel files; data.csv is not one" in err.message


def test_unknown_excel_sheet_lists_the_sheets(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as info:
        _run(tmp_path, suffix=".xlsx", extra_data='sheet = "Trials"\n')
    err = info.value
    assert (err.line, err.key) == (8, "data.bcg.sheet")
    assert err.message == "data.xlsx has no sheet 'Trials'"
    assert err.hint == "its sheets are: trials"


def test_missing_data_file(tmp_path: Path) -> None:
    text = PLAN.format(file=tmp_path / "nope.csv", extra="", extra_data="")
    with pytest.raises(PlanError) as info:
        run_plan(parse_plan(text, file="plan.toml"))
    assert (info.value.line, info.value.key) == (5, "data.bcg.file")
    assert "data file not found" in info.value.message


def test_empty_participants_cell(tmp_path: Path) -> None:
    frame = pd.read_csv(BCG)
    frame["n"] = frame[["tpos", "tneg", "cpos", "cneg"]].sum(axis=1)
    frame.loc[2, "n"] = None
    with pytest.raises(InputError) as info:
        _run(tmp_path, frame, extra='[outcomes.tb.grade]\nparticipants = ["n"]\n')
    assert (info.value.row, info.value.column) == ([3], "n")
