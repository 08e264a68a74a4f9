"""Leave-one-out, influence, cumulative and Baujat on the BCG trials, against metafor 3.8.1.

R (values printed with digits=8 and pasted below):

    dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    r   <- rma(yi, vi, data=dat, control=list(threshold=1e-12))
    influence(r); leave1out(r); cumul(r, order=dat$year); baujat(r)
    rm  <- rma(yi, vi, mods=~ablat, data=dat, test="knha", control=list(threshold=1e-12))
    influence(rm)

Printed values carry 8 significant digits, so the comparisons use rtol = 1e-7 (the
printing, not the method, limits them).
"""

from __future__ import annotations

import numpy as np
import pytest

from metareview.diagnostics import baujat, cumulative, gosh, influence, leave_one_out
from metareview.errors import NotApplicableError
from metareview.models import rma

RTOL = 1e-7  # 8 printed digits

TPOS = np.array([4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27])
TNEG = np.array([119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886])
CPOS = np.array([11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29])
CNEG = np.array([128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825])
ABLAT = np.array([44, 55, 42, 52, 13, 44, 19, 13, 27, 42, 18, 33, 33.0])
YEAR = np.array([1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976])
YI = np.log(TPOS / (TPOS + TNEG)) - np.log(CPOS / (CPOS + CNEG))
VI = 1 / TPOS - 1 / (TPOS + TNEG) + 1 / CPOS - 1 / (CPOS + CNEG)


@pytest.fixture(scope="module")
def fit():
    return rma(YI, VI)


def test_influence_first_rows(fit):
    inf = influence(fit).to_frame()
    np.testing.assert_allclose(inf["rstudent"][:3], [-0.21814249, -1.29179019, -0.75471977], rtol=RTOL)
    np.testing.assert_allclose(inf["dffits"][:3], [-0.040707548, -0.343587710, -0.160361504], rtol=RTOL)
    np.testing.assert_allclose(inf["cook_d"][:3], [0.0017165413, 0.1132497014, 0.0259803310], rtol=RTOL)
    np.testing.assert_allclose(inf["cov_r"][:3], [1.1164490, 1.0101923, 1.0669958], rtol=RTOL)
    np.testing.assert_allclose(inf["tau2_del"][:3], [0.33615670, 0.29258308, 0.32073793], rtol=RTOL)
    np.testing.assert_allclose(inf["QE_del"][:3], [151.58257, 145.31761, 150.19704], rtol=RTOL)
    np.testing.assert_allclose(inf["hat"][:3], [0.050594827, 0.063646794, 0.044360274], rtol=RTOL)
    assert not inf["inf"].any()  # metafor flags no BCG study


def test_influence_meta_regression_knha():
    rm = rma(YI, VI, mods=ABLAT[:, None], test="knha")
    inf = influence(rm).to_frame()
    np.testing.assert_allclose(inf["rstudent"][:3], [0.19360000, -0.41947279, -0.46540737], rtol=RTOL)
    np.testing.assert_allclose(inf["dffits"][:3], [0.054832222, -0.185102682, -0.086146871], rtol=RTOL)
    np.testing.assert_allclose(inf["cook_d"][:3], [0.0036978355, 0.0376416896, 0.0080010318], rtol=RTOL)
    np.testing.assert_allclose(inf["cov_r"][:3], [1.3655574, 1.5384605, 1.2505174], rtol=RTOL)
    np.testing.assert_allclose(inf["hat"][:3], [0.049023295, 0.149265843, 0.035142048], rtol=RTOL)


def test_leave_one_out_equals_refits(fit):
    """Each row equals an independent rma() on the data without that study."""
    loo = leave_one_out(fit).to_frame()
    for i in (0, 7, 12):
        keep = np.arange(13) != i
        r = rma(YI[keep], VI[keep])
        assert loo["estimate"][i] == pytest.approx(r.estimate, rel=1e-10)
        assert loo["tau2"][i] == pytest.approx(r.tau2, rel=1e-9)
        assert loo["QE"][i] == pytest.approx(r.QE, rel=1e-10)
    np.testing.assert_allclose(loo["tau2"][:3], [0.33615670, 0.29258308, 0.32073793], rtol=RTOL)


def test_cumulative_by_year(fit):
    cum = cumulative(fit, order=YEAR).to_frame()
    np.testing.assert_allclose(cum["estimate"][:3], [-0.88931133, -1.32500344, -0.97207993], rtol=RTOL)
    np.testing.assert_allclose(cum["se"][:3], [0.57060035, 0.34898877, 0.24546335], rtol=RTOL)
    np.testing.assert_allclose(cum["tau2"][:3], [0.0, 0.0, 0.087206793], rtol=RTOL, atol=1e-10)
    np.testing.assert_allclose(cum["I2"][2], 40.709105, rtol=RTOL)


def test_baujat(fit):
    b = baujat(fit).to_frame()
    np.testing.assert_allclose(b["x"][:3], [0.047818341, 1.493411408, 0.550875337], rtol=RTOL)
    np.testing.assert_allclose(b["y"][:3], [0.0015375009, 0.1121070734, 0.0243490469], rtol=RTOL)


def test_gosh_counts_and_full_set(fit):
    g = gosh(fit)
    assert g.exhaustive and len(g.frame) == 2**13 - 1
    full = g.frame[g.frame["k"] == 13]
    assert full["estimate"].iloc[0] == pytest.approx(fit.estimate, rel=1e-10)


def test_not_applicable_cases():
    with pytest.warns(Warning):
        one = rma([0.1], [0.02])
    with pytest.raises(NotApplicableError, match="at least 2 studies"):
        leave_one_out(one)
    big = rma(np.linspace(0, 1, 25), np.full(25, 0.1))
    with pytest.raises(NotApplicableError, match="subsets=N"):
        gosh(big)
