"""Egger-type regression tests, Begg's rank test, trim-and-fill and fail-safe N against
metafor 3.8.1 (fixtures written by tests/reference/make_fixtures_bias.R; the R call of each
value is stored beside it in bias.json)."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from metareview.bias import fail_safe_n, ranktest, regtest, trim_and_fill
from metareview.errors import NotApplicableError
from metareview.models import rma

REF = Path(__file__).resolve().parents[1] / "reference"
_spec = importlib.util.spec_from_file_location("tolerances", REF / "tolerances.py")
_tol = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(_tol)  # type: ignore[union-attr]
TOL = _tol.TOL
FIX = json.loads((REF / "bias.json").read_text())
CASES = {c["id"]: c for c in FIX["cases"]}


def close(a, b, kind="estimate"):
    np.testing.assert_allclose(a, b, rtol=TOL[kind]["rtol"], atol=TOL[kind]["atol"])


def fit(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rma(case["yi"], case["vi"], method=case["method"])


REGTESTS = [(cid, key) for cid, c in CASES.items() for key in c["regtest"]]


@pytest.mark.parametrize(("cid", "key"), REGTESTS, ids=[f"{a}/{b}" for a, b in REGTESTS])
def test_regtest(cid, key):
    case = CASES[cid]
    exp = case["regtest"][key]
    model, predictor = key.split("/")
    res = regtest(fit(case), model=model, predictor=predictor, ni=case["ni"])
    close(res.zval, exp["zval"])
    close(res.pval, exp["pval"], "pvalue")
    if exp["est"] is not None:
        close(res.limit_estimate, exp["est"])
        close(res.ci_lb, exp["ci_lb"], "ci")
        close(res.ci_ub, exp["ci_ub"], "ci")
    else:
        assert res.limit_estimate is None


@pytest.mark.parametrize("cid", list(CASES))
def test_ranktest(cid):
    case = CASES[cid]
    res = ranktest(fit(case))
    close(res.tau, case["ranktest"]["tau"])
    close(res.pval, case["ranktest"]["pval"], "pvalue")


@pytest.mark.parametrize("cid", list(CASES))
@pytest.mark.parametrize("estimator", ["L0", "R0"])
def test_trim_and_fill(cid, estimator):
    case = CASES[cid]
    exp = case["trimfill"][estimator]
    tf = trim_and_fill(fit(case), estimator=estimator)
    assert tf.k0 == exp["k0"]
    assert tf.side == exp["side"]
    close(tf.se_k0, exp["se_k0"])
    close(tf.fit.estimate, exp["estimate"])
    close(tf.fit.se[0], exp["se"], "se")
    close(tf.fit.ci_lb[0], exp["ci_lb"], "ci")
    close(tf.fit.tau2, exp["tau2"], "tau2")
    if tf.k0:
        close(np.sort(tf.filled["yi"]), np.sort(np.atleast_1d(exp["filled_yi"])))


@pytest.mark.parametrize("name", list(FIX["fsn"]))
@pytest.mark.parametrize("kind", ["Rosenthal", "Orwin", "Rosenberg"])
def test_fail_safe_n(name, kind):
    d = FIX["fsn"][name]
    exp = d["results"][kind]
    res = fail_safe_n(d["yi"], d["vi"], type=kind)
    assert res.fsnum == exp["fsnum"]
    if exp["pval"] is not None:
        close(res.pval, exp["pval"], "pvalue")


def test_not_applicable():
    case = CASES["bcg_RR/REML"]
    mr = rma(case["yi"], case["vi"], mods=np.arange(13.0)[:, None])
    with pytest.raises(NotApplicableError, match="without moderators"):
        trim_and_fill(mr)
    with pytest.warns(Warning):
        one = rma([0.2], [0.1])
    with pytest.raises(NotApplicableError, match="at least 3"):
        regtest(one)


@pytest.mark.parametrize("name", list(FIX["pet_peese"]))
def test_pet_peese_matches_r_lm(name):
    """PET and PEESE are weighted lm() fits in R (calls stored in bias.json)."""
    from metareview.bias import pet_peese

    d = FIX["pet_peese"][name]
    res = pet_peese(rma(d["yi"], d["vi"], method="EE"))
    for key in ("pet_estimate", "pet_se", "peese_estimate", "peese_se"):
        close(getattr(res, key), d[key])
    for key in ("pet_pval", "peese_pval"):
        close(getattr(res, key), d[key], "pvalue")
    assert res.chosen == ("PEESE" if d["pet_pval"] < 0.05 else "PET")


def test_peters_matches_r_lm():
    from metareview.bias import peters_test

    d = FIX["peters"]
    res = peters_test(d["ai"], d["bi"], d["ci"], d["di"])
    close(res.limit_estimate, d["intercept"])
    close(res.zval, d["tval"])
    close(res.pval, d["pval"], "pvalue")


def test_funnel_contours_by_hand():
    """Contour half-widths are z_{1-p/2} x se: 1.6449, 1.9600, 2.5758 at se = 1."""
    from metareview.bias import funnel_data

    case = CASES["bcg_RR/REML"]
    fd = funnel_data(fit(case))
    row = fd.contours.groupby("level").apply(lambda g: (g["upper"] / g["sei"]).iloc[-1], include_groups=False)
    np.testing.assert_allclose(row.to_numpy(), [1.6448536269514722, 1.959963984540054, 2.5758293035489004], rtol=1e-12)
    assert fd.estimate == pytest.approx(fit(case).estimate)
