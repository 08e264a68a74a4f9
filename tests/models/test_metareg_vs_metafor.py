"""metareview.models.rma with moderators (meta-regression) against R's metafor 3.8.1.

Expectations: tests/reference/models.json (``kind == "metareg"``), written by
tests/reference/make_fixtures_models.R: dat.bcg (log RR) with ~ ablat, ~ ablat + year,
~ alloc (a three-level factor, "alternate" the reference level, as R orders levels
alphabetically) under REML, ML, DL, PM, EE, HE, SJ and test "z" / "knha"; the same moderators
as a 2-D matrix (intercept added); ~ alloc - 1 (no intercept: the per-group means); and
dat.raudenbush1985 (~ weeks, ~ weeks + tester), dat.konstantopoulos2011 (~ year),
dat.hackshaw1998 (~ year) under REML, ML, DL, PM, EE. Compared: coefficients, their se, z/t,
p and CI, tau2 (residual), se_tau2, I2, H2, QE, QM (F for knha, with both df), R2, weights,
fit statistics and the Q-profile intervals of the residual tau2.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location(
    "_metafor_fixtures", Path(__file__).resolve().parent / "_metafor_fixtures.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

CASES = fx.cases("metareg")
IDS = [c["id"] for c in CASES]


def test_inventory():
    formulas = {c["formula"] for c in CASES}
    assert {"~ ablat", "~ ablat + year", "~ alloc", "~ alloc - 1", "~ weeks"} <= formulas
    assert any(c["mods_matrix"] for c in CASES)
    assert {"REML", "ML", "DL", "PM", "EE"} <= {c["method"] for c in CASES}
    assert all(c["error"] is None for c in CASES)


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_metareg_matches_metafor(c):
    res = fx.fit_rma(c)
    assert np.shape(res.b) == (c["expected"]["p"],), f"{c['id']}: {len(c['expected']['b'])} coefficients expected"
    problem = fx.report(c["id"], c["call"], fx.compare_fit(res, c))
    assert problem is None, problem


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_metareg_fitstats_match_metafor(c):
    res = fx.fit_rma(c)
    problem = fx.report(c["id"], c["call"], fx.compare_fitstats(res, c))
    assert problem is None, problem


CI_CASES = fx.confint_cases(CASES)


@pytest.mark.parametrize("c", CI_CASES, ids=[c["id"] for c in CI_CASES])
def test_metareg_confint_matches_metafor(c):
    problem = fx.confint_report(fx.fit_rma(c), c)
    assert problem is None, problem


def test_matrix_and_formula_give_the_same_fit():
    # the same model two ways: mods = cbind(ablat, year) and mods = ~ ablat + year; metafor's
    # values for both are in the fixtures and equal (checked here on the fixture itself, so a
    # mix-up of the two cases in the R script would be caught)
    m = fx.case("bcg_RR~matrix(ablat,year)/REML/z/95")["expected"]
    f = fx.case("bcg_RR~ablat+year/REML/z/95")["expected"]
    np.testing.assert_allclose(m["b"], f["b"], rtol=1e-12)
    res = fx.fit_rma(fx.case("bcg_RR~matrix(ablat,year)/REML/z/95"))
    np.testing.assert_allclose(res.b, f["b"], **fx.TOL["estimate"])
