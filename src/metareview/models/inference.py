"""Predictions, prediction intervals and Q-profile confidence intervals for tau^2, I^2, H^2.

References
----------
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009). A re-evaluation of random-effects
meta-analysis. J R Stat Soc A 172:137-159. doi:10.1111/j.1467-985X.2008.00552.x.
Viechtbauer W (2007). Confidence intervals for the amount of heterogeneity in meta-analysis.
Stat Med 26:37-52. doi:10.1002/sim.2514.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from metareview.errors import InputError, NotApplicableError
from metareview.models._design import Design
from metareview.models.results import RMAResult
from metareview.models.tau2 import Control, generalised_q, solve_q


def prediction_interval(
    pred: np.ndarray, se: np.ndarray, tau2: np.ndarray, crit: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """pred -/+ crit * sqrt(se^2 + tau2) (metafor's default: z, or t(k - p) with knha)."""
    half = crit * np.sqrt(se**2 + tau2)
    return pred - half, pred + half


@dataclass(frozen=True)
class Prediction:
    """Predicted (pooled) effect with its CI and prediction interval, possibly transformed."""

    pred: Any
    se: Any
    ci_lb: Any
    ci_ub: Any
    pi_lb: Any
    pi_ub: Any
    transformed: bool = False

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "pred": np.atleast_1d(self.pred),
                "se": np.atleast_1d(self.se),
                "ci_lb": np.atleast_1d(self.ci_lb),
                "ci_ub": np.atleast_1d(self.ci_ub),
                "pi_lb": np.atleast_1d(self.pi_lb),
                "pi_ub": np.atleast_1d(self.pi_ub),
            }
        )


def predict(
    res: RMAResult,
    *,
    newmods: Any = None,
    transf: Callable[[np.ndarray], np.ndarray] | None = None,
    level: float | None = None,
) -> Prediction:
    """Predicted effect, CI and prediction interval (like metafor's ``predict.rma``).

    For an intercept-only model this is the pooled estimate. ``newmods`` gives moderator
    values (without the intercept column) for a meta-regression. ``transf`` (e.g.
    ``np.exp`` for log odds ratios, or a back-transformation from
    :mod:`metareview.effects`) is applied to the prediction and the bounds; ``se`` is then
    reported as NaN, as metafor does.
    """
    if level is None:
        crit = res.crit
    else:
        from metareview.models._validate import check_level

        alpha = (100 - check_level(level)) / 100
        crit = (
            float(stats.t.isf(alpha / 2, res.ddf))
            if res.test in ("t", "knha") and res.ddf > 0
            else float(stats.norm.isf(alpha / 2))
        )
    if res.int_only:
        if newmods is not None:
            raise InputError("newmods given but the model has no moderators", column="newmods")
        x = np.ones((1, 1))
    else:
        if newmods is None:
            x = np.asarray(res.X)
        else:
            nm = np.asarray(newmods, dtype=float)
            n_mods = res.p - int(res.intercept)
            # as metafor: with one moderator a vector means several values of it
            x = nm[:, None] if (nm.ndim == 1 and n_mods == 1) else np.atleast_2d(nm)
            if res.intercept and x.shape[1] == res.p - 1:
                x = np.column_stack([np.ones(x.shape[0]), x])
            if x.shape[1] != res.p:
                raise InputError(
                    f"newmods has {x.shape[1]} columns; the model has {res.p - int(res.intercept)} moderators",
                    column="newmods",
                )
    pred = x @ res.b
    se = np.sqrt(np.einsum("ni,ij,nj->n", x, res.vb, x))
    ci_lb, ci_ub = pred - crit * se, pred + crit * se
    pi_lb, pi_ub = prediction_interval(pred, se, np.asarray(res.tau2), np.asarray(crit))
    if res.int_only:
        pred, se, ci_lb, ci_ub, pi_lb, pi_ub = (float(a[0]) for a in (pred, se, ci_lb, ci_ub, pi_lb, pi_ub))
    if transf is not None:
        f = transf
        return Prediction(
            pred=f(pred), se=np.nan if res.int_only else np.full_like(se, np.nan),
            ci_lb=f(ci_lb), ci_ub=f(ci_ub), pi_lb=f(pi_lb), pi_ub=f(pi_ub), transformed=True,
        )  # fmt: skip
    return Prediction(pred=pred, se=se, ci_lb=ci_lb, ci_ub=ci_ub, pi_lb=pi_lb, pi_ub=pi_ub)


@dataclass(frozen=True)
class Interval:
    estimate: float
    ci_lb: float
    ci_ub: float


@dataclass(frozen=True)
class HeterogeneityCI:
    """Q-profile confidence intervals for tau^2, tau, I^2 (%) and H^2."""

    tau2: Interval
    tau: Interval
    I2: Interval
    H2: Interval
    level: float
    null_set: bool  # the whole CI lies at 0 (Q(0) below the lower quantile)

    def to_frame(self) -> pd.DataFrame:
        rows = {"tau2": self.tau2, "tau": self.tau, "I2": self.I2, "H2": self.H2}
        return pd.DataFrame(
            {"estimate": [r.estimate for r in rows.values()],
             "ci_lb": [r.ci_lb for r in rows.values()],
             "ci_ub": [r.ci_ub for r in rows.values()]},
            index=pd.Index(list(rows), name="parameter"),
        )  # fmt: skip


def confint(res: RMAResult, *, level: float | None = None, control: Control | None = None) -> HeterogeneityCI:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007), and I^2, H^2 from it.

    The bounds solve :math:`Q(\\tau^2) = \\chi^2_{k-p;\\,1-\\alpha/2}` (lower) and
    :math:`\\chi^2_{k-p;\\,\\alpha/2}` (upper) for the generalised Q statistic, which falls
    monotonically in tau^2; a bound below 0 is set to 0. I^2 and H^2 bounds use the typical
    within-study variance of the fit (Higgins & Thompson 2002), as metafor does.
    """
    if res.k - res.p < 1:
        raise NotApplicableError(
            f"a confidence interval for tau^2 needs k > p (k = {res.k}, p = {res.p})"
        )
    from metareview.models._validate import check_level

    lv = res.level if level is None else check_level(level)
    alpha = (100 - lv) / 100
    df = res.k - res.p
    ctrl = control or Control()
    X = None if res.int_only else res.X[None, :, :]  # type: ignore[index]
    d = Design(X=X, B=2, k_max=res.k) if X is None else Design(X=np.repeat(X, 2, axis=0), B=2, k_max=res.k)
    y = np.repeat(np.asarray(res.yi)[None, :], 2, axis=0)
    v = np.repeat(np.asarray(res.vi)[None, :], 2, axis=0)
    m = np.ones_like(y)
    targets = np.array([stats.chi2.isf(alpha / 2, df), stats.chi2.ppf(alpha / 2, df)])
    bounds, _, _ = solve_q(d, y, v, m, targets, ctrl)
    q0, _ = generalised_q(d, y[:1], v[:1], m[:1], np.zeros(1))
    null_set = bool(q0[0] < targets[1])
    tau2_lb, tau2_ub = float(bounds[0]), float(bounds[1])
    vt = res.vt

    def i2(t: float) -> float:
        return 100 * t / (vt + t)

    def h2(t: float) -> float:
        return t / vt + 1

    return HeterogeneityCI(
        tau2=Interval(res.tau2, tau2_lb, tau2_ub),
        tau=Interval(float(np.sqrt(res.tau2)), float(np.sqrt(tau2_lb)), float(np.sqrt(tau2_ub))),
        I2=Interval(res.I2, i2(tau2_lb), i2(tau2_ub)),
        H2=Interval(res.H2, h2(tau2_lb), h2(tau2_ub)),
        level=lv,
        null_set=null_set,
    )
