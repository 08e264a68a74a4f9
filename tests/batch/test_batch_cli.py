"""`metareview batch`: output table against metafor, Parquet, one-line errors, --scheduler."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metareview.cli import main

HERE = Path(__file__).parent
LONG = HERE / "data" / "long.csv"
FIX = json.loads((HERE / "metafor_batch.json").read_text())
POOL_KEYS = ["k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "se_tau2",
             "I2", "H2", "QE", "QEp", "method", "converged"]  # fmt: skip


def _expected(method: str, test: str) -> pd.DataFrame:
    exp = pd.DataFrame([r for r in FIX["long"] if r["method"] == method and r["test"] == test])
    return exp.sort_values(["outcome", "population"]).reset_index(drop=True)


def _run(*args: str) -> None:
    main([str(a) for a in args])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batch_writes_one_row_per_group(tmp_path: Path, capsys, suffix: str) -> None:
    src = LONG
    if suffix == ".parquet":
        src = tmp_path / "long.parquet"
        pd.read_csv(LONG).to_parquet(src)
    out = tmp_path / f"res{suffix}"
    _run("batch", src, "--by", "outcome,population", "--method", "DL", "--test", "knha", "--out", out)
    assert f"7 groups pooled from 50 studies -> {out}" in capsys.readouterr().out
    got = pd.read_csv(out, keep_default_na=False, na_values=[""]) if suffix == ".csv" else pd.read_parquet(out)
    assert list(got.columns) == ["outcome", "population", *POOL_KEYS, "note", "error"]
    exp = _expected("DL", "knha")
    assert got[["outcome", "population"]].values.tolist() == exp[["outcome", "population"]].values.tolist()
    for c in POOL_KEYS:
        if c in ("method", "converged"):
            continue
        np.testing.assert_allclose(got[c].to_numpy(float), exp[c].to_numpy(float), rtol=1e-9, atol=1e-12,
                                   equal_nan=True, err_msg=c)  # fmt: skip
    assert set(got["method"]) == {"DL"}


def test_repeated_by_and_measure(tmp_path: Path, capsys) -> None:
    from metareview.datasets import __file__ as ds_init

    bcg = pd.read_csv(Path(ds_init).parent / "data" / "bcg.csv")
    src = tmp_path / "bcg.csv"
    bcg.rename(columns={"tpos": "ai", "tneg": "bi", "cpos": "ci", "cneg": "di"}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    _run("batch", src, "--by", "alloc", "--measure", "rr", "--out", out)
    got = pd.read_csv(out)
    exp = pd.DataFrame(FIX["bcg_rr_by_alloc"]).sort_values("alloc")
    np.testing.assert_allclose(got["estimate"], exp["estimate"], rtol=1e-6)
    np.testing.assert_allclose(got["tau2"], exp["tau2"], rtol=1e-6, atol=1e-9)


def test_bad_variance_is_one_line_naming_file_row_column(tmp_path: Path, capsys) -> None:
    frame = pd.read_csv(LONG)
    frame.loc[7, "vi"] = -0.02
    src = tmp_path / "bad.csv"
    frame.to_csv(src, index=False)
    with pytest.raises(SystemExit) as ei:
        _run("batch", src, "--by", "outcome", "--out", tmp_path / "o.csv")
    assert ei.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {src}, row 8, column vi: sampling variances must be positive")
    assert err.count("\n") == 1
    assert not (tmp_path / "o.csv").exists()


def test_missing_by_column_and_bad_out(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        _run("batch", LONG, "--by", "arm", "--out", tmp_path / "o.csv")
    assert f"error: {LONG}, column arm: missing column arm" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run("batch", LONG, "--by", "outcome", "--out", tmp_path / "o.xlsx")
    assert "give a .csv or .parquet file" in capsys.readouterr().err


def test_unreachable_scheduler_is_a_user_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as ei:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # distributed logs/warns while retrying
            _run("batch", LONG, "--by", "outcome", "--out", tmp_path / "o.csv", "--scheduler",
                 "tcp://127.0.0.1:9", "--timeout", "2")  # fmt: skip
    assert ei.value.code == 2
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
