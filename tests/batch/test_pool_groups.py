"""pool_groups: one metafor fit per group (fixtures from make_fixtures_batch.R), errors, layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.models.batch import (
    RESULT_COLUMNS,
    chunk_groups,
    fit_padded,
    layout_groups,
    pad_chunk,
    pool_groups,
)

HERE = Path(__file__).parent
LONG = HERE / "data" / "long.csv"
FIX = json.loads((HERE / "metafor_batch.json").read_text())
NUMBERS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "se_tau2",
           "I2", "H2", "QE", "QEp")  # fmt: skip


def _expected(method: str, test: str) -> pd.DataFrame:
    rows = [r for r in FIX["long"] if r["method"] == method and r["test"] == test]
    return pd.DataFrame(rows).sort_values(["outcome", "population"]).reset_index(drop=True)


def _compare(got: pd.DataFrame, exp: pd.DataFrame) -> None:
    assert got["k"].tolist() == exp["k"].tolist()
    for c in NUMBERS:
        e = exp[c].to_numpy(dtype=float)
        np.testing.assert_allclose(got[c].to_numpy(dtype=float), e, rtol=1e-6, atol=1e-7,
                                   equal_nan=True, err_msg=c)  # fmt: skip


@pytest.mark.parametrize("method", ["REML", "DL"])
@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("chunk_size", [1, 3, 10_000])
def test_matches_metafor_per_group(method: str, test: str, chunk_size: int) -> None:
    frame = pd.read_csv(LONG)
    got = pool_groups(frame, by=["outcome", "population"], method=method, test=test,
                      chunk_size=chunk_size, file=str(LONG))  # fmt: skip
    assert list(got.columns) == ["outcome", "population", *RESULT_COLUMNS]
    exp = _expected(method, test)
    assert got[["outcome", "population"]].values.tolist() == exp[["outcome", "population"]].values.tolist()
    _compare(got, exp)
    assert got["converged"].all()
    assert (got["error"] == "").all()
    assert (got["method"] == method).all()
    # the single-study group: metafor's k = 1 policy, noted
    one = got[got["k"] == 1]
    assert one["note"].str.contains("k = 1").all() and len(one) == 1
    assert (got.loc[got["k"] > 1, "note"] == "").all()


def test_measure_computed_with_escalc_bcg() -> None:
    from metareview.datasets import __file__ as ds_init

    bcg = pd.read_csv(Path(ds_init).parent / "data" / "bcg.csv")
    bcg = bcg.rename(columns={"tpos": "ai", "tneg": "bi", "cpos": "ci", "cneg": "di"})
    got = pool_groups(bcg, by="alloc", measure="RR")
    exp = pd.DataFrame(FIX["bcg_rr_by_alloc"]).sort_values("alloc").reset_index(drop=True)
    assert got["alloc"].tolist() == exp["alloc"].tolist() == ["alternate", "random", "systematic"]
    _compare(got, exp)


def test_row_order_does_not_matter() -> None:
    frame = pd.read_csv(LONG)
    a = pool_groups(frame, by=["outcome", "population"])
    b = pool_groups(frame.iloc[::-1].reset_index(drop=True), by=["outcome", "population"])
    _compare(b, _expected("REML", "z"))
    assert a["k"].tolist() == b["k"].tolist()


def test_missing_column_names_file_and_column() -> None:
    frame = pd.read_csv(LONG).drop(columns="vi")
    with pytest.raises(InputError) as ei:
        pool_groups(frame, by="outcome", file="long.csv")
    assert ei.value.file == "long.csv" and ei.value.column == "vi"
    assert "long.csv" in str(ei.value) and "column vi" in str(ei.value)


def test_missing_by_column() -> None:
    with pytest.raises(InputError) as ei:
        pool_groups(pd.read_csv(LONG), by=["outcome", "arm"], file="long.csv")
    assert ei.value.column == "arm" and "missing column arm" in str(ei.value)


def test_nonpositive_variance_names_rows() -> None:
    frame = pd.read_csv(LONG)
    frame.loc[4, "vi"] = 0.0
    frame.loc[9, "vi"] = -0.1
    with pytest.raises(InputError) as ei:
        pool_groups(frame, by="outcome", file="long.csv")
    assert ei.value.row == [5, 10] and ei.value.column == "vi"
    assert str(ei.value).startswith("long.csv, rows 5, 10, column vi: sampling variances must be positive")


def test_missing_yi_and_text_cells() -> None:
    frame = pd.read_csv(LONG)
    frame.loc[2, "yi"] = np.nan
    with pytest.raises(InputError) as ei:
        pool_groups(frame, by="outcome", file="f.csv")
    assert ei.value.row == [3] and ei.value.column == "yi"
    frame = pd.read_csv(LONG).astype({"vi": object})
    frame.loc[6, "vi"] = "0,02"
    with pytest.raises(InputError) as ei:
        pool_groups(frame, by="outcome", file="f.csv")
    assert ei.value.row == [7] and ei.value.column == "vi" and "'0,02' is not a number" in str(ei.value)


def test_empty_group_key_is_an_error_not_dropped() -> None:
    frame = pd.read_csv(LONG)
    frame.loc[[0, 11], "population"] = np.nan
    with pytest.raises(InputError) as ei:
        pool_groups(frame, by=["outcome", "population"], file="f.csv")
    assert ei.value.row == [1, 12] and ei.value.column == "population"


def test_bad_options() -> None:
    frame = pd.read_csv(LONG)
    with pytest.raises(InputError, match="unknown method"):
        pool_groups(frame, by="outcome", method="XYZ")
    with pytest.raises(InputError, match="chunk_size"):
        pool_groups(frame, by="outcome", chunk_size=0)


def test_failed_group_reported_not_fatal() -> None:
    # a chunk of three analyses, the middle one invalid (vi = 0 inside the mask) and one empty:
    # the vectorised call fails, each analysis is refitted alone and only the bad one fails
    ex = _expected("DL", "z")
    a = pd.read_csv(LONG).query("outcome == 'anxiety' and population == 'adult'")
    y = np.full((4, 12), np.nan)
    v = np.full((4, 12), np.nan)
    y[0], v[0] = a["yi"], a["vi"]
    y[1, :3], v[1, :3] = [0.1, 0.2, 0.3], [0.01, 0.0, 0.02]
    y[3], v[3] = a["yi"], a["vi"]
    out = fit_padded(y, v, np.isfinite(y), method="DL")
    want = ex[(ex.outcome == "anxiety") & (ex.population == "adult")].iloc[0]
    np.testing.assert_allclose(out["estimate"][[0, 3]], want["estimate"], rtol=1e-9)
    np.testing.assert_allclose(out["tau2"][[0, 3]], want["tau2"], rtol=1e-6)
    assert out["error"][0] == out["error"][3] == ""
    assert "sampling variances must be positive" in out["error"][1]
    assert np.isnan(out["estimate"][1]) and not out["converged"][1]
    assert out["error"][2] == "no studies" and out["k"].tolist() == [12, 3, 0, 12]


def test_layout_is_hand_checked() -> None:
    frame = pd.DataFrame({"g": ["x", "y", "x", "z", "y", "x"], "v": [1.0, 2, 3, 4, 5, 6]})
    lay = layout_groups(frame, "g")
    assert lay.keys["g"].tolist() == ["x", "y", "z"]
    assert lay.k.tolist() == [3, 2, 1]
    assert [c.tolist() for c in chunk_groups(lay.k, 2)] == [[2, 1], [0]]
    v, m = pad_chunk(lay, np.array([2, 1, 0]), frame["v"].to_numpy())
    np.testing.assert_array_equal(v, [[4, np.nan, np.nan], [2, 5, np.nan], [1, 3, 6]])
    assert m.sum(axis=1).tolist() == [1, 2, 3]


def test_progress_callback_counts_chunks() -> None:
    seen: list[tuple[int, int]] = []
    pool_groups(pd.read_csv(LONG), by=["outcome", "population"], chunk_size=3,
                progress=lambda d, t: seen.append((d, t)))  # fmt: skip
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_rich_progress_bar_does_not_change_results() -> None:
    frame = pd.read_csv(LONG)
    got = pool_groups(frame, by=["outcome", "population"], chunk_size=2, progress=True)
    _compare(got, _expected("REML", "z"))


@pytest.mark.parametrize("n_groups", [1, 300, 1 << 16, (1 << 16) + 1, 250_000])
def test_the_radix_group_order_equals_a_stable_argsort(n_groups: int) -> None:
    from metareview.models.batch import _stable_order

    codes = np.random.default_rng(n_groups).integers(0, n_groups, 400_000)
    np.testing.assert_array_equal(_stable_order(codes, n_groups), np.argsort(codes, kind="stable"))
