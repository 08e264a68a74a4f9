"""metareview.models.rma against R's metafor 3.8.1, intercept-only (random- and common-effect) models.

Expectations: tests/reference/models.json (``kind == "intercept"``), written by
tests/reference/make_fixtures_models.R: 13 data sets from metadat (dat.bcg as log RR and log
OR, dat.normand1999 SMD, dat.hackshaw1998, dat.molloy2014 ZCOR, dat.pritz1997 PLO,
dat.konstantopoulos2011, dat.raudenbush1985, dat.hart1999 IRR, dat.li2007 OR, dat.yusuf1985
table 6 OR, dat.mcdaniel1994 ZCOR, dat.colditz1994 RD) x the estimators EE, DL, HE, HS, HSk,
SJ, ML, REML, EB, PM, PMM, GENQ x test "z" / "knha", at level 95 and, for REML, DL and PM,
also 90. Tolerances: tests/reference/tolerances.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "_metafor_fixtures", Path(__file__).resolve().parent / "_metafor_fixtures.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

CASES = fx.cases("intercept")
IDS = [c["id"] for c in CASES]


def test_fixture_inventory():
    # the fixture file is what the brief asks for: >= 150 cases, all estimators, both tests
    data = fx.fixtures()
    assert data["metafor_version"] == "3.8.1"
    assert len(data["cases"]) >= 150
    assert {c["method"] for c in CASES} == {
        "EE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "GENQ"}
    assert {c["test"] for c in CASES} == {"z", "knha"}
    assert {c["level"] for c in CASES} == {90, 95}
    assert all(c["error"] is None for c in CASES)


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_rma_matches_metafor(c):
    res = fx.fit_rma(c)
    problem = fx.report(c["id"], c["call"], fx.compare_fit(res, c))
    assert problem is None, problem


# fitstats: metafor reports the REML log-likelihood for REML fits and the ML log-likelihood
# (evaluated at the method's tau2) for every other method.
FIT_CASES = [c for c in CASES if c["method"] != "GENQ"]


@pytest.mark.parametrize("c", FIT_CASES, ids=[c["id"] for c in FIT_CASES])
def test_fitstats_match_metafor(c):
    res = fx.fit_rma(c)
    problem = fx.report(c["id"], c["call"], fx.compare_fitstats(res, c))
    assert problem is None, problem


@pytest.mark.parametrize("c", FIT_CASES, ids=[c["id"] for c in FIT_CASES])
def test_predict_matches_metafor(c):
    from metareview.models import predict

    pred = predict(fx.fit_rma(c))
    problem = fx.report(c["id"], c["call"], fx.compare_predict(pred, c))
    assert problem is None, problem


CI_CASES = fx.confint_cases(CASES)


@pytest.mark.parametrize("c", CI_CASES, ids=[c["id"] for c in CI_CASES])
def test_confint_matches_metafor(c):
    problem = fx.confint_report(fx.fit_rma(c), c)
    assert problem is None, problem
