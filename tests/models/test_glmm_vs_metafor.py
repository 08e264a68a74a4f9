"""The binomial-normal model for proportions against metafor::rma.glmm(measure="PLO"), which
calls lme4::glmer (fixtures: tests/reference/make_fixtures_glmm.R -> glmm.json).

Tolerances, and why they are looser than 1e-6:
lme4 maximises the same quadrature likelihood with derivative-free optimisers (bobyqa, then
Nelder-Mead) stopped at their default tolerances, and takes the variance of the fixed effects
from a finite-difference Hessian. Its estimates therefore sit up to ~1e-5 (relative) from the
exact maximiser, and the test below shows ours is at least as high on the likelihood. So the
nAGQ = 7 fits are compared at 5e-5 relative, the heterogeneity statistics (closed form, from
ordinary logistic fits) at 1e-6. With nAGQ = 1 lme4's two-stage Laplace optimisation stops
further from the maximum (pritz1997: 5.8e-6 lower in log-likelihood); those cases are compared
at 2e-2 (se) and checked by the likelihood comparison instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from metareview.errors import InputError
from metareview.models import glmm as G
from metareview.models import rma_glmm

FIX = json.loads((Path(__file__).resolve().parents[1] / "reference" / "glmm.json").read_text())
CASES = {c["id"]: c for c in FIX["cases"]}
TIGHT = 1e-6
LME4 = {7: 5e-5, 1: 2e-2}


@pytest.mark.parametrize("cid", list(CASES))
def test_glmm_matches_metafor(cid):
    c = CASES[cid]
    r = rma_glmm(c["xi"], c["ni"], nAGQ=c["nAGQ"])
    tol = LME4[c["nAGQ"]]
    for name, got in (("b", r.b[0]), ("se", r.se[0]), ("ci_lb", r.ci_lb[0]), ("pi_lb", r.pi_lb),
                      ("ll", r.ll), ("AIC", r.AIC), ("BIC", r.BIC), ("AICc", r.AICc)):  # fmt: skip
        assert got == pytest.approx(c[name], rel=tol), name
    assert r.tau2 == pytest.approx(c["tau2"], rel=tol, abs=1e-8)
    assert r.I2 == pytest.approx(c["I2"], rel=tol, abs=1e-6)
    for name in ("QE_Wld", "QEp_Wld", "QE_LRT", "QEp_LRT"):
        assert getattr(r, name) == pytest.approx(c[name], rel=TIGHT), name


@pytest.mark.parametrize("cid", list(CASES))
def test_our_maximum_is_not_below_lme4s(cid):
    """The quadrature log-likelihood at our estimates is >= at lme4's (up to rounding)."""
    c = CASES[cid]
    x, n = np.asarray(c["xi"], float), np.asarray(c["ni"], float)
    nodes, w = np.polynomial.hermite_e.hermegauss(c["nAGQ"])
    r = rma_glmm(x, n, nAGQ=c["nAGQ"])
    X = np.ones((x.size, 1))
    ours = G._aghq_loglik(x, n, X, r.b, np.sqrt(r.tau2), nodes, w)
    theirs = G._aghq_loglik(x, n, X, np.array([c["b"]]), np.sqrt(c["tau2"]), nodes, w)
    assert ours >= theirs - 1e-9


def test_homogeneous_studies_give_the_pooled_logit_by_hand():
    """Identical studies: tau2 = 0, so the model is ordinary logistic regression; the
    estimate is logit(15/60) and its se is 1/sqrt(N p (1 - p)) with N = 60, p = 1/4."""
    r = rma_glmm([5, 5, 5], [20, 20, 20])
    assert r.tau2 == pytest.approx(0.0, abs=1e-10)
    assert r.estimate == pytest.approx(np.log(0.25 / 0.75), rel=1e-8)
    assert r.se[0] == pytest.approx(1 / np.sqrt(60 * 0.25 * 0.75), rel=1e-6)


@pytest.mark.parametrize(
    ("xi", "ni", "match"),
    [([3, 12], [10, 10], "row 2, column xi: events exceed"), ([3, -1], [10, 10], "row 2, column xi"),
     ([3, 2.5], [10, 10], "whole number"), ([1, 2], [0, 5], "row 1, column ni")],
)  # fmt: skip
def test_bad_counts(xi, ni, match):
    with pytest.raises(InputError, match=match):
        rma_glmm(xi, ni)
