"""The ``metareview effects`` command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metareview.cli import main

CSV = """study,m1i,sd1i,n1i,m2i,sd2i,n2i
A,10,2,4,8,2,4
B,7,3,9,7.5,3,9
"""


def test_writes_yi_vi(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(CSV)
    out = tmp_path / "out.csv"
    main(["effects", str(data), "--measure", "MD", "--slab", "study", "--out", str(out)])
    res = pd.read_csv(out)
    assert list(res.columns) == ["slab", "yi", "vi", "sei", "ni", "measure"]
    assert res["yi"].tolist() == [2.0, -0.5]  # 10 - 8, 7 - 7.5
    assert res["vi"].tolist() == [2.0, 2.0]  # 4/4 + 4/4, 9/9 + 9/9


def test_assumed_ri_and_log(tmp_path: Path) -> None:
    data = tmp_path / "pp.csv"
    data.write_text("m1i,m2i,sd1i,ni\n12,10,4,20\n")
    out, log = tmp_path / "o.csv", tmp_path / "log.csv"
    main(["effects", str(data), "-m", "SMCR", "--ri", "0.5", "-o", str(out), "--log", str(log)])
    c19 = 0.9599103529242532  # R: exp(lgamma(19/2) - log(sqrt(19/2)) - lgamma(9))
    assert pd.read_csv(out)["yi"][0] == pytest.approx(c19 * 0.5, rel=1e-12)
    assert pd.read_csv(log)["method"].tolist() == ["assumed ri = 0.5 for every study"]


def test_bad_input_is_one_line_with_file_row_column(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(CSV.replace("B,7,3,9", "B,7,-3,9"))
    with pytest.raises(SystemExit) as info:
        main(["effects", str(data), "--measure", "SMD"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {data}, row 2, column sd1i: sd1i must be positive (got -3)")
    assert err.count("\n") == 1
