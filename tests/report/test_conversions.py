"""Continuous outcomes reported as medians: converted before escalc, recorded, and described.

The expected values are computed by hand in the test from the published formulas:
mean (Luo et al. 2018, Stat Methods Med Res 27:1785, eq. 11, median with IQR):
    w = 0.7 + 0.39 / n ;  mean = w (q1 + q3) / 2 + (1 - w) median
SD (Wan et al. 2014, BMC Med Res Methodol 14:135, eq. 15):
    eta(n) = 2 * Phi^-1((0.75 n - 0.125) / (n + 0.25)) ;  sd = (q3 - q1) / eta(n)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from metareview.analysis import run_plan
from metareview.errors import PlanError
from metareview.plan import parse_plan
from metareview.report.methods_text import methods_text

CSV = """\
study,n1,mean1,sd1,med1,q1a,q3a,n2,mean2,sd2,med2,q1b,q3b
A,40,10.0,2.0,,,,42,12.0,2.5,,,
B,30,,,9.0,7.0,12.0,31,,,11.0,9.0,14.0
C,50,11.0,3.0,,,,48,,,13.0,10.0,15.0
"""

PLAN = """\
[plan]
title = "medians"
[data.d]
file = "d.csv"
study = "study"
columns = {{ n1i = "n1", m1i = "mean1", sd1i = "sd1", median1i = "med1", q1_1i = "q1a", q3_1i = "q3a", n2i = "n2", m2i = "mean2", sd2i = "sd2", median2i = "med2", q1_2i = "q1b", q3_2i = "q3b" }}
[outcomes.x]
data = "d"
measure = "{measure}"
[outcomes.x.conversions]
median_method = "luo_wan"
"""


def _luo_wan(n: float, q1: float, med: float, q3: float) -> tuple[float, float]:
    w = 0.7 + 0.39 / n
    eta = 2 * norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    return w * (q1 + q3) / 2 + (1 - w) * med, (q3 - q1) / eta


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "d.csv").write_text(CSV, encoding="utf-8")
    return tmp_path


def test_medians_are_converted_and_recorded(folder: Path) -> None:
    plan = parse_plan(PLAN.format(measure="MD"), file="p.toml", base_dir=folder)
    result = run_plan(plan)
    (o,) = result.outcomes
    m1, s1 = _luo_wan(30, 7.0, 9.0, 12.0)
    m2, s2 = _luo_wan(31, 9.0, 11.0, 14.0)
    m2c, s2c = _luo_wan(48, 10.0, 13.0, 15.0)
    yi = np.array([10.0 - 12.0, m1 - m2, 11.0 - m2c])
    vi = np.array([2.0**2 / 40 + 2.5**2 / 42, s1**2 / 30 + s2**2 / 31, 3.0**2 / 50 + s2c**2 / 48])
    np.testing.assert_allclose(o.effects.yi, yi, rtol=1e-12)
    np.testing.assert_allclose(o.effects.vi, vi, rtol=1e-12)
    conv = o.tables["conversions"]
    assert list(zip(conv["row"], conv["what"], strict=True)) == [
        (2, "m1i"), (2, "m2i"), (2, "sd1i"), (2, "sd2i"), (3, "m2i"), (3, "sd2i")]
    text = methods_text(result).text
    assert ("For 2 studies, means and standard deviations were estimated from medians with "
            "interquartile ranges and/or ranges (Luo et al. 2018; Wan et al. 2014).") in text


def test_median_columns_with_a_binary_measure_are_a_plan_error(folder: Path) -> None:
    text = PLAN.format(measure="RR")
    plan = parse_plan(text, file="p.toml", base_dir=folder)
    with pytest.raises(PlanError) as info:
        run_plan(plan)
    err = info.value
    assert err.line == 6 and err.key == "data.d.columns.median1i"
    assert "can be converted only for MD, SMD, SMDH, ROM, MN, MNLN" in err.message


def test_studies_converted_here_are_flagged(folder: Path) -> None:
    from metareview.report.figures import _flags

    plan = parse_plan(PLAN.format(measure="MD"), file="p.toml", base_dir=folder)
    (o,) = run_plan(plan).outcomes
    note = "mean and SD estimated from a median (see the conversions table)"
    # rows 2 and 3 of d.csv (studies B and C) were given as medians
    assert o.tables["studies"]["flag"].tolist() == ["", note, note]
    assert _flags(o) == {"flags": {"B": note, "C": note}}
