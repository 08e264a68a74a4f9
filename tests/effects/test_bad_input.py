"""Bad input to escalc raises InputError naming the rows (1-based), the argument and the fix."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from metareview.effects import escalc
from metareview.errors import InputError

SMD = dict(m1i=[1.0, 2, 3, 4, 5], sd1i=[1.0, 1, 1, -1.2, 0], n1i=[10, 10, 10, 10, 10],
           m2i=[0.0, 0, 0, 0, 0], sd2i=[1.0, 1, 1, 1, 1], n2i=[10, 10, 10, 10, 10])


def _raises(match: str, *args: object, **kwargs: object) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        escalc(*args, **kwargs)
    return info.value


def test_negative_and_zero_sd() -> None:
    err = _raises(r"^rows 4, 5, column sd1i: sd1i must be positive \(got -1.2, 0\)", "SMD", **SMD)
    assert err.row == [4, 5] and err.column == "sd1i"
    assert "standard deviation" in (err.hint or "")


def test_n_below_two() -> None:
    bad = dict(SMD, sd1i=[1.0] * 5, n2i=[10, 1, 10, 10, 10])
    _raises(r"row 2, column n2i: n2i must be at least 2 \(a standard deviation needs at least "
            r"2 observations\) \(got 1\)", "MD", **bad)
    _raises(r"row 1, column ni: ni must be at least 3", "SMCC", m1i=[1.0], m2i=[0.0],
            sd1i=[1.0], sd2i=[1.0], ni=[2], ri=[0.5])
    _raises(r"row 2, column ni: ni must be at least 4", "ZCOR", ri=[0.2, 0.3], ni=[10, 3])


def test_events_larger_than_n_and_negative_counts() -> None:
    _raises(r"row 2, column ai: ai \(events\) is larger than n1i \(group size\) \(got 12\)",
            "OR", ai=[1, 12], n1i=[10, 10], ci=[2, 3], n2i=[10, 10])
    _raises(r"row 1, column ci: ci must not be negative \(got -2\)", "RR", ai=[1], bi=[9],
            ci=[-2], di=[10])
    _raises(r"row 3, column xi: xi \(events\) is larger than ni \(sample size\)", "PLO",
            xi=[1, 2, 30], ni=[10, 10, 20])
    _raises(r"row 1, column n1i: n1i is not equal to ai \+ bi", "OR", ai=[1], bi=[9],
            n1i=[11], ci=[1], di=[9])


def test_correlation_out_of_range() -> None:
    _raises(r"row 2, column ri: ri must lie between -1 and 1 \(got 1.2\)", "COR",
            ri=[0.3, 1.2], ni=[20, 20])


def test_mismatched_lengths() -> None:
    err = _raises(r"arguments have different lengths: sd2i has 4, the others 5", "SMD",
                  **dict(SMD, sd1i=[1.0] * 5, sd2i=[1.0] * 4))
    assert err.column == "sd2i"


def test_nan_where_required() -> None:
    _raises(r"^rows 2, 3, column m2i: m2i is missing", "MD",
            **dict(SMD, sd1i=[1.0] * 5, m2i=[0, np.nan, np.nan, 0, 0]))


def test_non_numeric() -> None:
    _raises(r"row 2, column n1i: n1i must be a number \(got '12 pts'\)", "SMD",
            **dict(SMD, sd1i=[1.0] * 5, n1i=[10, "12 pts", 10, 10, 10]))


def test_unknown_measure_lists_known_ones() -> None:
    err = _raises(r"unknown measure 'HEDGES'; known measures: COR, MC, MD, OR", "HEDGES", **SMD)
    assert "SMD" in str(err) and err.column == "measure"


def test_missing_argument_and_column() -> None:
    args = dict(SMD)
    del args["sd2i"]
    _raises(r"cannot compute SMD: need m1i, sd1i, n1i, m2i, sd2i, n2i; missing: sd2i", "SMD",
            **args)
    frame = pd.DataFrame(args)
    _raises(r"missing: sd2i", "SMD", data=frame)
    _raises(r"column 'SD_control' \(for sd2i\) is not in the data", "SMD", data=frame,
            columns={"sd2i": "SD_control"})
    _raises(r"argument 'ri' is not used by SMD", "SMD", ri=0.5, **SMD)
    _raises(r"unknown argument 'sd1' for escalc", "SMD", sd1=[1.0], **SMD)


def test_bad_options() -> None:
    ok = dict(SMD, sd1i=[1.0] * 5)
    _raises(r"vtype HO is not available for SMD; choose one of LS, UB, LS2, AV", "SMD",
            vtype="HO", **ok)
    _raises(r"to='some' is not one of only0, all, if0all, none", "OR", to="some", ai=[1],
            bi=[1], ci=[1], di=[1])
    _raises(r"add must be a non-negative number", "OR", add=-1, ai=[1], bi=[1], ci=[1], di=[1])
    err = _raises(r"vtype UB is not available for COR", "COR", vtype="UB", ri=[0.2], ni=[30])
    assert "UCOR" in (err.hint or "")


def test_rom_needs_positive_means() -> None:
    _raises(r"row 1, column m2i: m2i must be positive for ROM", "ROM", m1i=[2.0], sd1i=[1.0],
            n1i=[10], m2i=[-1.0], sd2i=[1.0], n2i=[10])


def test_message_lists_at_most_ten_rows() -> None:
    k = 12
    err = _raises(r"rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more", "COR", ri=[2.0] * k,
                  ni=[20] * k)
    assert re.search(r"\(got 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, \.\.\.\)", str(err))


def test_pandas_missing_and_booleans() -> None:
    df = pd.DataFrame({"ri": [0.2, 0.3], "ni": pd.array([20, None], dtype="Int64")})
    _raises(r"^row 2, column ni: ni is missing", "COR", data=df)
    _raises(r"row 2, column ri: ri must be a number \(got True\)", "COR",
            data=pd.DataFrame({"ri": [0.2, True], "ni": [20, 30]}))
    _raises(r"column ri: ri must be numbers, not True/False", "COR",
            data=pd.DataFrame({"ri": [True, False], "ni": [20, 30]}))
    # (1 - 0.2^2)^2 / 19 = 0.9216 / 19, from a nullable integer column without gaps
    eff = escalc("COR", data=pd.DataFrame({"ri": [0.2], "ni": pd.array([20], dtype="Int64")}))
    assert eff.vi[0] == pytest.approx(0.9216 / 19, rel=1e-14)
