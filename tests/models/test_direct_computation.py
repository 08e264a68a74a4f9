"""metareview.models.rma re-derived with plain NumPy: no oracle, only the formulas.

Given the engine's tau2, everything else follows in closed form, written out below:

- weighted least squares with W = diag(1 / (vi + tau2)): b = (X'WX)^-1 X'Wy, var(b) = (X'WX)^-1
  (Raudenbush 2009, in Cooper, Hedges & Valentine (eds), The Handbook of Research Synthesis and
  Meta-Analysis, 2nd ed., Russell Sage, ch. 16, eqs 16.5-16.8);
- QE = sum w0 (y - X b0)^2 with w0 = 1/vi and b0 the common-effect WLS fit (Cochran 1954,
  Biometrics 10:101, doi:10.2307/3001666); QM = b2' var(b2)^-1 b2 over the slopes;
- s2 = (k - p) / tr(P0), P0 = W0 - W0 X (X'W0X)^-1 X'W0, the "typical" sampling variance, so
  I2 = 100 tau2 / (tau2 + s2) and H2 = (tau2 + s2) / s2 (Higgins & Thompson 2002, Stat Med
  21:1539, doi:10.1002/sim.1186; the meta-regression form is metafor's, Viechtbauer 2010,
  J Stat Softw 36(3), doi:10.18637/jss.v036.i03);
- DL: tau2 = max(0, (QE - (k - p)) / tr(P0)) (DerSimonian & Laird 1986, Control Clin Trials
  7:177, doi:10.1016/0197-2456(86)90046-2; regression form Raudenbush 2009);
- Knapp-Hartung: var(b) scaled by s2_kh = sum w (y - Xb)^2 / (k - p), t with k - p df (Knapp &
  Hartung 2003, Stat Med 22:2693, doi:10.1002/sim.1482);
- the estimating equations the iterative estimators solve: REML tr(P) = y'PPy, ML
  sum w^2 (y - Xb)^2 = sum w (intercept-only), PM sum w (y - Xb)^2 = k - p (Viechtbauer 2005,
  J Educ Behav Stat 30:261, doi:10.3102/10769986030003261; Paule & Mandel 1982);
- the ML and REML log-likelihoods (Viechtbauer 2005, eqs 8 and 11, with metafor's
  + 1/2 log|X'X| term in the REML one), the deviance (ML: against the saturated model) and
  AIC/BIC/AICc from them (Burnham & Anderson 2002, Model Selection and Multimodel Inference,
  2nd ed., Springer; with n = k - p for REML, as in metafor).
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

_spec = importlib.util.spec_from_file_location(
    "_metafor_fixtures", Path(__file__).resolve().parent / "_metafor_fixtures.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

from metareview.errors import MetaReviewWarning  # noqa: E402

RTOL = 1e-9  # the same arithmetic two ways: only floating-point differences are allowed


def _fit(yi, vi, **kw):
    from metareview.models import rma

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaReviewWarning)
        return rma(yi, vi, **kw)


def _bcg():
    c = fx.case("bcg_RR~ablat+year/REML/z/95")
    d = c["data"]
    yi, vi = fx.yi_vi(c)
    X = np.column_stack([np.ones(yi.size), d["ablat"], d["year"]]).astype(float)
    return yi, vi, X


def _wls(X, y, w):
    XtWX = X.T @ (w[:, None] * X)
    vb = np.linalg.inv(XtWX)
    b = vb @ (X.T @ (w * y))
    return b, vb


def _P(X, w):
    W = np.diag(w)
    return W - W @ X @ np.linalg.inv(X.T @ W @ X) @ X.T @ W


DATASETS = ["bcg_RR", "normand1999_SMD", "hackshaw1998", "pritz1997_PLO", "raudenbush1985"]


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("method", ["REML", "ML", "DL", "PM", "SJ", "HE"])
def test_intercept_only_by_hand(dataset, method):
    yi, vi = fx.yi_vi(fx.case(f"{dataset}/{method}/z/95"))
    res = _fit(yi, vi, method=method)
    k, tau2 = yi.size, res.tau2
    w = 1 / (vi + tau2)
    b = np.sum(w * yi) / np.sum(w)
    se = np.sqrt(1 / np.sum(w))
    z = b / se
    crit = stats.norm.ppf(0.975)
    w0 = 1 / vi
    b0 = np.sum(w0 * yi) / np.sum(w0)
    qe = np.sum(w0 * (yi - b0) ** 2)
    s2 = (k - 1) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0))
    np.testing.assert_allclose(res.b, [b], rtol=RTOL)
    np.testing.assert_allclose(res.se, [se], rtol=RTOL)
    np.testing.assert_allclose(res.zval, [z], rtol=RTOL)
    np.testing.assert_allclose(res.pval, [2 * stats.norm.sf(abs(z))], rtol=1e-7)
    np.testing.assert_allclose(res.ci_lb, [b - crit * se], rtol=RTOL)
    np.testing.assert_allclose(res.ci_ub, [b + crit * se], rtol=RTOL)
    np.testing.assert_allclose(res.weights, 100 * w / np.sum(w), rtol=RTOL)
    assert res.QE == pytest.approx(qe, rel=RTOL)
    assert res.QEp == pytest.approx(stats.chi2.sf(qe, k - 1), rel=1e-7)
    assert res.I2 == pytest.approx(100 * tau2 / (tau2 + s2), rel=RTOL, abs=1e-12)
    assert res.H2 == pytest.approx((tau2 + s2) / s2, rel=RTOL)
    # prediction interval: b +- z * sqrt(se^2 + tau2)
    from metareview.models import predict

    pr = predict(res)
    half = crit * np.sqrt(se**2 + tau2)
    assert float(np.squeeze(pr.pi_lb)) == pytest.approx(b - half, rel=RTOL)
    assert float(np.squeeze(pr.pi_ub)) == pytest.approx(b + half, rel=RTOL)


@pytest.mark.parametrize("dataset", DATASETS)
def test_dl_formula_by_hand(dataset):
    yi, vi = fx.yi_vi(fx.case(f"{dataset}/DL/z/95"))
    w0 = 1 / vi
    b0 = np.sum(w0 * yi) / np.sum(w0)
    qe = np.sum(w0 * (yi - b0) ** 2)
    tau2 = max(0.0, (qe - (yi.size - 1)) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0)))
    assert _fit(yi, vi, method="DL").tau2 == pytest.approx(tau2, rel=RTOL, abs=1e-15)


@pytest.mark.parametrize("dataset", DATASETS)
def test_estimating_equations_hold(dataset):
    yi, vi = fx.yi_vi(fx.case(f"{dataset}/REML/z/95"))
    X = np.ones((yi.size, 1))
    for method in ("REML", "ML", "PM"):
        tau2 = _fit(yi, vi, method=method).tau2
        if tau2 == 0.0:
            continue  # on the boundary the equation need not hold
        w = 1 / (vi + tau2)
        P = _P(X, w)
        r = yi - np.sum(w * yi) / np.sum(w)
        if method == "REML":
            lhs, rhs = np.trace(P), yi @ P @ P @ yi
        elif method == "ML":
            lhs, rhs = np.sum(w), np.sum(w**2 * r**2)
        else:
            lhs, rhs = yi.size - 1.0, np.sum(w * r**2)
        assert lhs == pytest.approx(rhs, rel=1e-7), (method, lhs, rhs)


@pytest.mark.parametrize("method", ["REML", "ML", "DL", "PM"])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_meta_regression_by_hand(method, test):
    yi, vi, X = _bcg()
    res = _fit(yi, vi, method=method, test=test, mods=X[:, 1:])
    k, p = X.shape
    tau2 = res.tau2
    w = 1 / (vi + tau2)
    b, vb = _wls(X, yi, w)
    if test == "knha":
        s2_kh = np.sum(w * (yi - X @ b) ** 2) / (k - p)
        vb = s2_kh * vb
        crit = stats.t.ppf(0.975, k - p)
    else:
        crit = stats.norm.ppf(0.975)
    se = np.sqrt(np.diag(vb))
    np.testing.assert_allclose(res.b, b, rtol=RTOL)
    np.testing.assert_allclose(res.se, se, rtol=1e-8)
    np.testing.assert_allclose(res.ci_lb, b - crit * se, rtol=1e-8)
    np.testing.assert_allclose(res.ci_ub, b + crit * se, rtol=1e-8)
    qm = b[1:] @ np.linalg.solve(vb[1:, 1:], b[1:])
    if test == "knha":
        assert res.QM == pytest.approx(qm / (p - 1), rel=1e-8)  # F statistic
        assert res.QMp == pytest.approx(stats.f.sf(qm / (p - 1), p - 1, k - p), rel=1e-6)
    else:
        assert res.QM == pytest.approx(qm, rel=1e-8)
        assert res.QMp == pytest.approx(stats.chi2.sf(qm, p - 1), rel=1e-6)
    w0 = 1 / vi
    b0, _ = _wls(X, yi, w0)
    qe = np.sum(w0 * (yi - X @ b0) ** 2)
    s2 = (k - p) / np.trace(_P(X, w0))
    assert res.QE == pytest.approx(qe, rel=RTOL)
    assert res.I2 == pytest.approx(100 * tau2 / (tau2 + s2), rel=RTOL)
    assert res.H2 == pytest.approx((tau2 + s2) / s2, rel=RTOL)
    if method == "DL":
        assert tau2 == pytest.approx(max(0.0, (qe - (k - p)) / np.trace(_P(X, w0))), rel=RTOL)


def _loglik(yi, vi, X, tau2, reml):
    k, p = X.shape
    w = 1 / (vi + tau2)
    b, _ = _wls(X, yi, w)
    rss = np.sum(w * (yi - X @ b) ** 2)
    if not reml:
        return -0.5 * k * np.log(2 * np.pi) - 0.5 * np.sum(np.log(vi + tau2)) - 0.5 * rss
    return (-0.5 * (k - p) * np.log(2 * np.pi) + 0.5 * np.linalg.slogdet(X.T @ X)[1]
            - 0.5 * np.sum(np.log(vi + tau2))
            - 0.5 * np.linalg.slogdet(X.T @ (w[:, None] * X))[1] - 0.5 * rss)


@pytest.mark.parametrize("mods", [False, True])
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_fit_statistics_by_hand(method, mods):
    yi, vi, X = _bcg()
    if not mods:
        X = X[:, :1]
    res = _fit(yi, vi, method=method, mods=X[:, 1:] if mods else None)
    reml = method == "REML"
    k, p = X.shape
    ll = _loglik(yi, vi, X, res.tau2, reml)
    n = k - p if reml else k
    npar = p + 1
    assert res.ll == pytest.approx(ll, rel=1e-9)
    # deviance: -2 ll for REML; for ML relative to the saturated model (each yi fitted
    # exactly, tau2 = 0), whose log-likelihood is -1/2 sum log(2 pi vi)
    dev = -2 * ll if reml else -2 * (ll + 0.5 * np.sum(np.log(2 * np.pi * vi)))
    assert res.dev == pytest.approx(dev, rel=1e-9)
    assert res.AIC == pytest.approx(-2 * ll + 2 * npar, rel=1e-9)
    assert res.BIC == pytest.approx(-2 * ll + npar * np.log(n), rel=1e-9)
    assert res.AICc == pytest.approx(-2 * ll + 2 * npar * max(n, npar + 2) / (max(n, npar + 2) - npar - 1), rel=1e-9)


def test_hand_formulas_agree_with_the_fixture():
    # the same hand computation on metafor's own tau2 reproduces metafor's printed values:
    # a check that the formulas above (and so the tests) are the ones metafor uses
    for cid in ("bcg_RR~ablat+year/REML/z/95", "bcg_RR~ablat+year/ML/z/95"):
        e = fx.case(cid)["expected"]
        yi, vi, X = _bcg()
        ll = _loglik(yi, vi, X, e["tau2"], reml=cid.split("/")[1] == "REML")
        assert ll == pytest.approx(e["ll"], rel=1e-8)
        w = 1 / (vi + e["tau2"])
        b, vb = _wls(X, yi, w)
        np.testing.assert_allclose(b, e["b"], rtol=1e-9)
        np.testing.assert_allclose(np.sqrt(np.diag(vb)), e["se"], rtol=1e-9)
