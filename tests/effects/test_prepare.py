"""prepare_continuous: each study converted according to the form it reports.

Hand computations (quantiles from R qnorm/qt):
  row 2: sd = se sqrt(n) = 0.5 * sqrt(16) = 2
  row 3: n = 10 < 60 -> t: sd = sqrt(10) (14 - 6) / (2 qt(0.975, 9)) = 5.5916144327598509
  row 4: S3, n = 50: Luo mean 0.7078 * 21 + 0.2922 * 20 = 20.7078; Wan sd 12 / eta(50)
  row 5: S1, n = 50: Luo mean 21.140200077459689; Wan sd 37 / xi(50) = 8.2466735615150402
  row 6: S2, n = 50: Luo mean 21.297121162935763; Wan sd 8.7031642656965076
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from metareview.effects import escalc, prepare_continuous
from metareview.errors import InputError

NAN = np.nan
ETA50 = 1.310093015453383


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "study": ["meansd", "meanse", "meanci", "iqr", "range", "five"],
        "m1i": [5.0, 4.0, 10.0, NAN, NAN, NAN],
        "sd1i": [1.0, NAN, NAN, NAN, NAN, NAN],
        "se1i": [NAN, 0.5, NAN, NAN, NAN, NAN],
        "ci_lb1i": [NAN, NAN, 6.0, NAN, NAN, NAN],
        "ci_ub1i": [NAN, NAN, 14.0, NAN, NAN, NAN],
        "median1i": [NAN, NAN, NAN, 20.0, 20.0, 20.0],
        "q1_1i": [NAN, NAN, NAN, 15.0, NAN, 15.0],
        "q3_1i": [NAN, NAN, NAN, 27.0, NAN, 27.0],
        "min1i": [NAN, NAN, NAN, NAN, 8.0, 8.0],
        "max1i": [NAN, NAN, NAN, NAN, 45.0, 45.0],
        "n1i": [20, 16, 10, 50, 50, 50],
    })


def test_each_form_is_converted() -> None:
    done, log = prepare_continuous(_frame(), groups=("1",))
    np.testing.assert_allclose(
        done["m1i"], [5.0, 4.0, 10.0, 20.7078, 21.140200077459689, 21.297121162935763],
        rtol=1e-12)
    np.testing.assert_allclose(
        done["sd1i"], [1.0, 2.0, 5.5916144327598509, 12 / ETA50, 8.2466735615150402,
                       8.7031642656965076], rtol=1e-12)
    assert list(log.columns) == ["row", "column", "from_form", "method", "reference"]
    assert list(zip(log["row"], log["column"], log["from_form"], strict=True)) == [
        (2, "sd1i", "mean/SE"), (3, "sd1i", "mean/CI"),
        (4, "m1i", "median/IQR"), (4, "sd1i", "median/IQR"),
        (5, "m1i", "median/range"), (5, "sd1i", "median/range"),
        (6, "m1i", "median/IQR/range"), (6, "sd1i", "median/IQR/range")]
    assert "Luo" in log.loc[2, "reference"]
    # the original frame is untouched
    assert np.isnan(_frame()["sd1i"][1])


def test_two_groups_then_escalc_keeps_the_log() -> None:
    f = _frame()
    g2 = pd.DataFrame({"m2i": [4.0] * 6, "sd2i": [1.5] * 6, "n2i": [20] * 6})
    done, log = prepare_continuous(pd.concat([f, g2], axis=1), method="shi")
    assert done.loc[5, "sd1i"] == pytest.approx(8.6325135236819506, rel=1e-12)  # Shi, S2
    eff = escalc("SMD", data=done, slab="study", conversions=log)
    assert len(eff.conversions) == len(log) == 8
    assert {c.row for c in eff.conversions} == {2, 3, 4, 5, 6}


def test_row_without_usable_form_names_row_and_columns() -> None:
    f = _frame()
    f.loc[2, "ci_ub1i"] = NAN  # row 3 now has a mean and only half a CI
    with pytest.raises(InputError, match=r"^row 3, column sd1i: no usable form for sd1i: give "
                                         r"sd1i, se1i, ci_lb1i/ci_ub1i, or median1i with "
                                         r"q1_1i/q3_1i or min1i/max1i"):
        prepare_continuous(f, groups=("1",))


def test_missing_n_and_text() -> None:
    f = _frame()
    f.loc[1, "n1i"] = NAN
    with pytest.raises(InputError, match=r"^row 2, column n1i: n1i is missing"):
        prepare_continuous(f, groups=("1",))
    f = _frame().astype({"se1i": object})
    f.loc[1, "se1i"] = "0.5 (SE)"
    with pytest.raises(InputError, match=r"row 2, column se1i: se1i must be a number"):
        prepare_continuous(f, groups=("1",))
    with pytest.raises(InputError, match="column n2i is missing"):
        prepare_continuous(_frame())
