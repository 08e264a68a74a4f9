"""Regression tests for funnel-plot asymmetry: Egger's test and its variants, Peters' test,
and PET-PEESE.

References
----------
Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by a
simple, graphical test. BMJ 315:629-634. doi:10.1136/bmj.315.7109.629.
Sterne JAC, Egger M (2005). Regression methods to detect publication and other bias in
meta-analysis. In: Rothstein HR et al. (eds), Publication Bias in Meta-Analysis. Wiley.
Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2006). Comparison of two methods to
detect publication bias in meta-analysis. JAMA 295:676-680. doi:10.1001/jama.295.6.676.
Stanley TD, Doucouliagos H (2014). Meta-regression approximations to reduce publication
selection bias. Res Synth Methods 5:60-78. doi:10.1002/jrsm.1095.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from metareview.errors import InputError, NotApplicableError
from metareview.models import rma
from metareview.models.results import RMAResult

Predictor = Literal["sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv"]
PREDICTORS: tuple[str, ...] = ("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")


@dataclass(frozen=True)
class RegTest:
    """Result of a regression test (metafor's ``regtest``): the test of the predictor's
    coefficient, and for the predictors that vanish as studies grow (sei, vi, 1/n, 1/sqrt n)
    the limit estimate (the intercept) with its CI."""

    model: str
    predictor: str
    zval: float
    pval: float
    ddf: float | None
    limit_estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    fit: Any

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "predictor": self.predictor, "zval": self.zval, "pval": self.pval,
            "ddf": self.ddf, "limit_estimate": self.limit_estimate, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
        }  # fmt: skip


def _predictor_column(res: RMAResult, predictor: str, ni: Any) -> np.ndarray:
    vi = np.asarray(res.vi)
    if predictor == "sei":
        return np.sqrt(vi)
    if predictor == "vi":
        return vi
    if ni is None:
        raise InputError(f"predictor {predictor!r} needs the sample sizes ni", column="ni")
    n = np.asarray(ni, dtype=float)
    if n.shape != vi.shape:
        raise InputError(f"ni has {n.size} values for {vi.size} studies", column="ni")
    if np.any(~np.isfinite(n) | (n <= 0)):
        bad = [int(i) + 1 for i in np.flatnonzero(~np.isfinite(n) | (n <= 0))]
        raise InputError("sample sizes must be positive", row=bad, column="ni")
    return {"ni": n, "ninv": 1 / n, "sqrtni": np.sqrt(n), "sqrtninv": 1 / np.sqrt(n)}[predictor]


def wls_lm(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Weighted least squares as R's ``lm(y ~ X - 1, weights = w)``: coefficients, their
    standard errors (with the residual variance estimated), and the residual df."""
    sw = np.sqrt(w)
    Xw = X * sw[:, None]
    yw = y * sw
    beta, *_ = np.linalg.lstsq(Xw, yw, rcond=None)
    resid = yw - Xw @ beta
    df = X.shape[0] - X.shape[1]
    sigma2 = float(resid @ resid) / df
    cov = sigma2 * np.linalg.inv(Xw.T @ Xw)
    return beta, np.sqrt(np.diag(cov)), df


def regtest(
    res: RMAResult,
    *,
    model: Literal["rma", "lm"] = "rma",
    predictor: Predictor = "sei",
    ni: Any = None,
) -> RegTest:
    """Egger-type regression test for funnel-plot asymmetry (metafor's ``regtest``).

    ``model="rma"`` adds the predictor as a moderator to the same random/common-effects model
    (same estimator and test); ``model="lm"`` is the classical weighted regression of
    Egger et al. (1997) (weights 1/vi, residual variance estimated, t with k - 2 df).
    """
    if not res.int_only:
        raise NotApplicableError("regtest here supports models without moderators")
    if predictor not in PREDICTORS:
        raise InputError(f"unknown predictor {predictor!r}", column="predictor", hint="use " + ", ".join(PREDICTORS))
    if res.k < 3:
        raise NotApplicableError(f"a regression test needs at least 3 studies (k = {res.k})")
    z = _predictor_column(res, predictor, ni)
    yi, vi = np.asarray(res.yi), np.asarray(res.vi)
    limit = predictor in ("sei", "vi", "ninv", "sqrtninv")
    if model == "rma":
        fit = rma(yi, vi, mods=z[:, None], method=res.method_used, test=res.test, level=res.level)
        return RegTest(
            model=model, predictor=predictor, zval=float(fit.zval[1]), pval=float(fit.pval[1]),
            ddf=fit.ddf if res.test in ("t", "knha") else None,
            limit_estimate=float(fit.b[0]) if limit else None,
            ci_lb=float(fit.ci_lb[0]) if limit else None, ci_ub=float(fit.ci_ub[0]) if limit else None, fit=fit,
        )  # fmt: skip
    if model != "lm":
        raise InputError(f"model must be 'rma' or 'lm', got {model!r}", column="model")
    X = np.column_stack([np.ones_like(z), z])
    beta, se, df = wls_lm(yi, X, 1 / vi)
    t = beta[1] / se[1]
    crit = stats.t.isf((100 - res.level) / 200, df)
    return RegTest(
        model=model, predictor=predictor, zval=float(t), pval=float(2 * stats.t.sf(abs(t), df)), ddf=float(df),
        limit_estimate=float(beta[0]) if limit else None,
        ci_lb=float(beta[0] - crit * se[0]) if limit else None,
        ci_ub=float(beta[0] + crit * se[0]) if limit else None,
        fit=pd.DataFrame({"estimate": beta, "se": se}, index=["intrcpt", predictor]),
    )  # fmt: skip


@dataclass(frozen=True)
class PetPeese:
    """PET (yi on sei) and PEESE (yi on vi) weighted regressions and the conditional choice."""

    pet_estimate: float
    pet_se: float
    pet_pval: float
    peese_estimate: float
    peese_se: float
    peese_pval: float
    chosen: str  # "PET" or "PEESE"
    estimate: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def pet_peese(res: RMAResult, *, alpha: float = 0.05) -> PetPeese:
    """PET-PEESE (Stanley & Doucouliagos 2014): if PET's intercept differs from 0 at level
    ``alpha`` (two-sided), report PEESE's intercept, otherwise PET's."""
    if res.k < 3:
        raise NotApplicableError(f"PET-PEESE needs at least 3 studies (k = {res.k})")
    yi, vi = np.asarray(res.yi), np.asarray(res.vi)
    out = []
    for z in (np.sqrt(vi), vi):  # two regressions
        beta, se, df = wls_lm(yi, np.column_stack([np.ones_like(z), z]), 1 / vi)
        out.append((float(beta[0]), float(se[0]), float(2 * stats.t.sf(abs(beta[0] / se[0]), df))))
    (pe, ps, pp), (qe, qs, qp) = out
    chosen = "PEESE" if pp < alpha else "PET"
    return PetPeese(pe, ps, pp, qe, qs, qp, chosen, qe if chosen == "PEESE" else pe)


def peters_test(ai: Any, bi: Any, ci: Any, di: Any, *, add: float = 0.5) -> RegTest:
    """Peters' test for binary outcomes (Peters et al. 2006): weighted regression of the log
    odds ratio on 1/N, weights (1/(a+c) + 1/(b+d))^-1 (events and non-events in both arms).

    Zero cells get ``add`` in studies that have one (as escalc's default) for the log OR.
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (ai, bi, ci, di))
    if not (a.shape == b.shape == c.shape == d.shape) or a.ndim != 1:
        raise InputError("ai, bi, ci, di must have one value per study", column="ai")
    if a.size < 3:
        raise NotApplicableError(f"Peters' test needs at least 3 studies (k = {a.size})")
    for name, x in zip(("ai", "bi", "ci", "di"), (a, b, c, d), strict=True):
        bad = ~np.isfinite(x) | (x < 0)
        if bad.any():
            raise InputError("cell counts must be non-negative", row=[int(i) + 1 for i in np.flatnonzero(bad)], column=name)
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    aa, bb, cc, dd = (np.where(zero, x + add, x) for x in (a, b, c, d))
    yi = np.log(aa * dd / (bb * cc))
    n = a + b + c + d
    w = 1 / (1 / (a + c) + 1 / (b + d))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        beta, se, df = wls_lm(yi, np.column_stack([np.ones_like(n), 1 / n]), w)
    t = beta[1] / se[1]
    return RegTest(
        model="lm", predictor="ninv (Peters)", zval=float(t), pval=float(2 * stats.t.sf(abs(t), df)), ddf=float(df),
        limit_estimate=float(beta[0]), ci_lb=None, ci_ub=None,
        fit=pd.DataFrame({"estimate": beta, "se": se}, index=["intrcpt", "ninv"]),
    )  # fmt: skip
