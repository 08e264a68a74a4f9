"""Trim-and-fill (Duval & Tweedie 2000), with the L0 and R0 estimators of the number of
missing studies and metafor's rule for the side.

The side on which studies are missing is, unless given, the opposite of the sign of the slope
in the regression of the effects on their standard errors (Egger-type), as in metafor. The
data are put on the side that needs no flipping, studies are trimmed from the other end one
estimate of k0 at a time until k0 stops changing, and the k0 most extreme studies are mirrored
about the trimmed estimate. The filled model is refitted with the same estimator (and, as
metafor does, the z test).

How the loop is made fast without changing its result
-----------------------------------------------------
Each pass of the loop needs only the pooled estimate of the trimmed data, and from it only
which studies lie above it and how their distances from it interleave with those below it
(the ranks of the signed-rank statistic). For the common-effect model, DL, ML and REML the
passes therefore fit the trimmed data with a lean solver of the engine's own estimating
equations (same starting value, same stopping rule, same check of the likelihood at
tau^2 = 0; formulas from Viechtbauer 2005) and bound its distance ``delta`` from the
engine's estimate (the convergence error of tau^2 times d(beta)/d(tau^2), plus rounding). A
pass is *certified* when no study lies within ``delta`` of the estimate and no two studies
on opposite sides have distances within ``2 delta`` of each other: then any estimate within
``delta`` gives the same signs and ranks, hence the same k0. A pass that is not certified
(ties, a study at the estimate, slow convergence, a local maximum below tau^2 = 0) is refitted
with :func:`~metareview.models.rma`, exactly as before. The estimate the filled studies are
mirrored about always comes from :func:`~metareview.models.rma`; if it differs from the lean
one by more than ``delta`` the whole loop is rerun with ``rma``. The side's slope takes the
same route (lean meta-regression, kept only when its sign is certain). So k0, the filled
studies and the filled model are those of the plain algorithm, bit for bit, on one condition
the code cannot check cheaply for the passes before the last: that the lean solver and the
engine, both started at the truncated Hedges estimate, reach the same root of the
estimating equation (they can differ only where it has several roots, which the engine's
bracketed Newton and the lean one then need not pick alike).

References
----------
Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing and
adjusting for publication bias in meta-analysis. Biometrics 56:455-463.
doi:10.1111/j.0006-341X.2000.00455.x.
Duval S, Tweedie R (2000). A nonparametric "trim and fill" method of accounting for
publication bias in meta-analysis. J Am Stat Assoc 95:89-98. doi:10.1080/01621459.2000.10473905.
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
random-effects model. J Educ Behav Stat 30:261-293. doi:10.3102/10769986030003261.
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw
36(3):1-48. doi:10.18637/jss.v036.i03.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from metareview.errors import InputError, NotApplicableError, StatisticalWarning
from metareview.models import Control, rma
from metareview.models._engine import fit_batch
from metareview.models.results import RMAResult

#: estimators whose refits in the loop take the lean path; any other refits with rma()
LEAN_METHODS: tuple[str, ...] = ("EE", "FE", "CE", "DL", "ML", "REML")
_COMMON = ("EE", "FE", "CE")
#: the engine's default convergence settings, which the loop's rma() refits use
_CTRL = Control()
#: the lean Fisher scoring gives up (and rma() refits) after this many steps
_LEAN_MAXITER = 100
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True, repr=False, eq=False)
class TrimFill:
    """``k0`` missing studies on ``side``; ``filled`` holds their yi, vi; ``fit`` the model on
    the observed plus filled studies."""

    k0: int
    se_k0: float
    side: str
    estimator: str
    p_k0: float | None
    filled: pd.DataFrame
    fit: RMAResult
    original: RMAResult

    def to_dict(self) -> dict[str, Any]:
        return {
            "k0": self.k0, "se_k0": self.se_k0, "side": self.side, "estimator": self.estimator,
            "p_k0": self.p_k0, "estimate": self.fit.estimate, "se": float(self.fit.se[0]),
            "ci_lb": float(self.fit.ci_lb[0]), "ci_ub": float(self.fit.ci_ub[0]), "tau2": self.fit.tau2,
            "filled": self.filled.to_dict(orient="list"),
        }  # fmt: skip

    def __repr__(self) -> str:
        return (f"TrimFill(k0={self.k0}, side={self.side!r}, estimator={self.estimator!r}, "
                f"estimate={self.fit.estimate:.4f} [{self.fit.ci_lb[0]:.4f}, {self.fit.ci_ub[0]:.4f}])")  # fmt: skip


def _quiet_rma(*args: Any, **kwargs: Any) -> RMAResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return rma(*args, **kwargs)


def trim_and_fill(
    res: RMAResult,
    *,
    side: Literal["left", "right"] | None = None,
    estimator: Literal["L0", "R0"] = "L0",
    maxiter: int = 100,
) -> TrimFill:
    """Trim-and-fill for a model without moderators, as metafor's ``trimfill()``.

    Parameters
    ----------
    res : RMAResult
        An intercept-only fit with at least 3 studies. The loop refits with the estimator it
        used (``res.method_used``).
    side : {"left", "right"}, optional
        Where studies are missing. By default the opposite of the sign of the slope of the
        effects on their standard errors, fitted with the same estimator (metafor's rule).
    estimator : {"L0", "R0"}, default "L0"
        Duval & Tweedie's estimator of the number of missing studies.
    maxiter : int, default 100
        Passes of the trim loop before giving up (metafor's ``maxiter``).

    Returns
    -------
    TrimFill
        ``k0`` and its standard error, the side, ``p_k0`` (R0 only), the ``filled`` studies
        (yi, vi, slab) and ``fit``, the model refitted on the observed plus filled studies
        (``res`` itself when k0 = 0).

    Raises
    ------
    NotApplicableError
        With moderators, with fewer than 3 studies, or when k0 has not settled within
        ``maxiter`` passes.
    InputError
        For an unknown ``side`` or ``estimator``.

    Notes
    -----
    The data are flipped so that the missing studies are on the left and sorted; each pass
    fits the k - k0 smallest, ranks the absolute deviations of all k studies from that
    estimate and recomputes k0 (L0: from the sum of the ranks above the estimate; R0: from the
    rightmost run of ranks), rounded half to even as R, until k0 repeats (Duval & Tweedie
    2000, Biometrics; metafor). The module docstring explains the lean refits, which give the
    same k0 and filled studies as refitting with :func:`~metareview.models.rma` every pass.

    References
    ----------
    Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing
    and adjusting for publication bias in meta-analysis. Biometrics 56:455-463.
    doi:10.1111/j.0006-341X.2000.00455.x.
    """
    if not res.int_only:
        raise NotApplicableError(
            "trim-and-fill applies to models without moderators; fit the model without mods= first"
        )
    if res.k < 3:
        raise NotApplicableError(f"trim-and-fill needs at least 3 studies (k = {res.k})")
    if estimator not in ("L0", "R0"):
        raise InputError(f"estimator must be 'L0' or 'R0', got {estimator!r}", column="estimator")
    yi0, vi0 = np.asarray(res.yi), np.asarray(res.vi)
    method = res.method_used
    lean = method in LEAN_METHODS
    if side is None:
        if np.ptp(vi0) == 0:  # metafor stops here with "missing value where TRUE/FALSE needed"
            raise NotApplicableError(
                "trim-and-fill cannot choose the side of the missing studies: every study has the "
                "same sampling variance, so the slope of yi on sqrt(vi) is undefined; pass "
                "side='left' or side='right'"
            )
        slope = _lean_slope(yi0, vi0, method) if lean else None
        if slope is None:
            slope = _quiet_rma(yi0, vi0, mods=np.sqrt(vi0)[:, None], method=method).b[1]
        side = "right" if slope < 0 else "left"
    elif side not in ("left", "right"):
        raise InputError(f"side must be 'left' or 'right', got {side!r}", column="side")
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * yi0, kind="stable")
    yi = sign * yi0[order]
    vi = vi0[order]
    k = yi.size
    k0, se_k0, beta, bound = _trim_loop(yi, vi, method=method, estimator=estimator, maxiter=maxiter, lean=lean)
    if k0 > 0 and bound is not None:
        # the estimate the studies are mirrored about comes from rma(), as in the plain loop
        exact = _exact_estimate(yi[: k - k0], vi[: k - k0], method)
        if abs(exact - beta) > bound:  # the lean solver disagrees with the engine: redo
            k0, se_k0, beta, _ = _trim_loop(yi, vi, method=method, estimator=estimator, maxiter=maxiter,
                                            lean=False)  # fmt: skip
        else:
            beta = exact
    p_k0 = None
    if estimator == "R0":
        m = np.arange(-1, k0)
        from scipy.special import comb

        p_k0 = float(1 - np.sum(comb(m + 1, m + 1) * 0.5 ** (m + 2)))
    if k0 > 0:
        mirrored = sign * (2 * beta - yi[k - k0 :])
        labels = [f"Filled {i + 1}" for i in range(k0)]
        filled = pd.DataFrame({"yi": mirrored, "vi": vi[k - k0 :], "slab": labels})
        fit = _quiet_rma(np.concatenate([yi0, mirrored]), np.concatenate([vi0, vi[k - k0 :]]), method=method,
                         level=res.level, slab=(*res.slab, *labels), measure=res.measure)  # fmt: skip
    else:
        filled = pd.DataFrame({"yi": [], "vi": [], "slab": []})
        fit = res
    return TrimFill(k0=k0, se_k0=se_k0, side=side, estimator=estimator, p_k0=p_k0, filled=filled,
                    fit=fit, original=res)  # fmt: skip


# ------------------------------------------------------------------------------ the loop
def _trim_loop(
    y: np.ndarray, v: np.ndarray, *, method: str, estimator: str, maxiter: int, lean: bool
) -> tuple[int, float, float, float | None]:
    """The trim loop on sorted, flipped data: (k0, se_k0, last estimate, its lean bound).

    The bound is None when the last estimate came from rma(). Each pass tries the lean fit
    and keeps it only when the ranks it gives are certified (:func:`_rank_stat`).
    """
    k = y.size
    k0, k0_prev, it = 0, -1, 0
    se_k0 = 0.0
    beta = 0.0
    bound: float | None = None
    zero = _prefix_sums_at_zero(y, v) if lean and method in ("ML", "REML") else None
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            raise NotApplicableError(f"trim-and-fill did not settle on k0 within {maxiter} iterations")
        n = k - k0
        stat = None
        fit = _lean_fit(y[:n], v[:n], None, method, zero=None if zero is None else zero[:, n - 1]) if lean else None
        if fit is not None:
            beta, bound = float(fit[0][0]), fit[2]
            stat = _rank_stat(y - beta, estimator, bound)
        if stat is None:
            beta, bound = _exact_estimate(y[:n], v[:n], method), None
            stat = _rank_stat(y - beta, estimator, None)
        k0f, se_k0 = _k0_from(stat, k, estimator)
        k0 = int(max(0, _round_half_even(k0f)))
        se_k0 = max(0.0, se_k0)
    return k0, se_k0, beta, bound


def _exact_estimate(y: np.ndarray, v: np.ndarray, method: str) -> float:
    """The estimate ``rma(y, v, method=method)`` reports: its engine call without the result
    object; rma() itself (its errors and warnings) where the fit is not a plain one."""
    n = y.size
    if n >= 3:
        arr = fit_batch(y[None, :], v[None, :], np.ones((1, n), dtype=bool), method=(method,), test="z",
                        level=95.0, control=_CTRL, fit_stats=False)  # fmt: skip
        if arr.converged[0] and not arr.stuck_at_local_max[0] and arr.method_used[0] == method:
            return float(arr.b[0, 0])
    return _quiet_rma(y, v, method=method).estimate


def _prefix_sums_at_zero(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """For every n, the common-effect sum of weights and Q of the first n studies, and the
    scale of the sums Q came from: shape (3, k). Q is invariant to shifting y, so y is
    centred first (less cancellation in sum w y^2 - (sum w y)^2 / sum w)."""
    yc = y - y.mean()
    w0 = 1.0 / v
    c0 = np.cumsum(w0)
    c1 = np.cumsum(w0 * yc)
    c2 = np.cumsum(w0 * yc * yc)
    return np.stack([c0, c2 - c1 * c1 / c0, c2])


def _rank_stat(yc: np.ndarray, estimator: str, delta: float | None) -> np.float64 | None:
    """The rank statistic of the deviations ``yc`` from the trimmed estimate.

    L0: the sum of the (ordinal) ranks of |yc| over the studies above the estimate; R0: the
    largest rank below it (0 if none). Ranks of ties follow the order of the studies, as R's
    ``rank(ties.method = "first")``. With ``delta``, returns None unless the statistic is the
    same for every estimate within ``delta`` of this one: no |yc| <= delta, and no two
    studies on opposite sides, adjacent in the ranking, within 2 delta of each other
    (swapping two studies on one side changes neither statistic).
    """
    a = np.abs(yc)
    order = np.argsort(a, kind="stable")
    ys = yc[order]
    pos = ys > 0
    if delta is not None:
        a_sorted = a[order]
        if not a_sorted[0] > delta:
            return None
        opp = pos[1:] != pos[:-1]
        if np.any((a_sorted[1:] - a_sorted[:-1])[opp] <= 2.0 * delta):
            return None
    if estimator == "L0":
        idx = np.flatnonzero(pos)
        return np.float64(idx.sum() + idx.size)  # ranks are positions + 1
    neg = np.flatnonzero(ys < 0)
    return np.float64(neg[-1] + 1 if neg.size else 0)


def _k0_from(stat: np.float64, k: int, estimator: str) -> tuple[Any, float]:
    """k0 (unrounded) and its standard error from the rank statistic (Duval & Tweedie 2000,
    Biometrics, eqs. for L0 and R0; metafor's variance of L0)."""
    if estimator == "R0":
        k0f = (k - stat) - 1
        return k0f, float(np.sqrt(2 * max(0.0, k0f) + 2))
    Sr = stat
    k0f = (4 * Sr - k * (k + 1)) / (2 * k - 1)
    var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0f**3 + 27 * k0f**2 + 17 * k0f
              - 18 * k * k0f**2 - 18 * k * k0f + 6 * k**2 * k0f) / 24  # fmt: skip
    return k0f, float(4 * np.sqrt(var_sr) / (2 * k - 1))


def _round_half_even(x: float) -> float:
    """R's round(): IEC 60559 round half to even, as NumPy's."""
    return float(np.round(x))


# --------------------------------------------------------------------------- lean fits
def _lean_slope(y: np.ndarray, v: np.ndarray, method: str) -> float | None:
    """The slope of y on sqrt(v) (metafor's side rule), or None when its sign is uncertain
    or the lean fit does not apply (then rma() decides, as before)."""
    x = np.sqrt(v)
    span = float(x.max() - x.min())
    if not span > 1e-6 * float(x.max()):  # (nearly) constant: rma() judges collinearity
        return None
    X = np.column_stack([np.ones(x.size), x])
    fit = _lean_fit(y, v, X, method)
    if fit is None:
        return None
    b, db, err = fit
    slope = float(b[1])
    scale = float(np.abs(y).max())
    rounding = 1e4 * y.size * _EPS * scale / span
    delta = 10.0 * (abs(float(db[1])) * err + rounding)
    return slope if abs(slope) > delta else None


def _lean_fit(
    y: np.ndarray, v: np.ndarray, X: np.ndarray | None, method: str, *, zero: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Coefficients of an EE, DL, ML or REML fit (X None: intercept only, else (k, p)).

    Returns (b, d b / d tau^2, bound) where for the intercept-only model the bound covers
    |b - engine's b| (convergence error of tau^2 times the derivative, plus rounding), and
    for a design the convergence error of tau^2 alone; None when the fit is not one the lean
    path should decide (too few studies, no convergence within 100 steps or slow
    convergence, a likelihood maximum below that at tau^2 = 0, non-finite numbers).
    ``zero``: the intercept-only fit at tau^2 = 0 as (sum w, Q, scale), if already known.
    """
    k = y.size
    p = 1 if X is None else X.shape[1]
    if method not in LEAN_METHODS or k < p + 2:
        return None
    with np.errstate(all="ignore"):
        if method in _COMMON:
            tau2, err = 0.0, 0.0
        elif method == "DL":
            # DerSimonian R, Laird N (1986). Control Clin Trials 7:177-188.
            # doi:10.1016/0197-2456(86)90046-2
            w = 1.0 / v
            b, A, r = _wls(y, w, X)
            trP = w.sum() - (np.trace(A @ ((X * (w * w)[:, None]).T @ X)) if X is not None else (w @ w) * A)
            tau2, err = max(0.0, float(((w * r) @ r - (k - p)) / trP)), 0.0
        else:
            sol = _solve_tau2(y, v, X, reml=method == "REML")
            if sol is None:
                return None
            tau2, err = sol
        w = 1.0 / (v + tau2)
        b, A, r = _wls(y, w, X)
        if method in ("ML", "REML") and _CTRL.ll0check and tau2 > _CTRL.threshold:
            if not _beats_zero(y, v, X, tau2, w, A, r, reml=method == "REML", zero=zero):
                return None  # the engine may set tau^2 = 0 here (and warn): let rma() decide
        # d b / d tau^2 = -(X'WX)^-1 X'W^2 r (dW/dtau^2 = -W^2)
        wwr = w * w * r
        db = -(A @ (X.T @ wwr)) if X is not None else np.array([-wwr.sum() * A])
        if not (np.all(np.isfinite(b)) and np.all(np.isfinite(db))):
            return None
        tol = err + 1e-12 * max(1.0, tau2)  # + the engine's own convergence error
        if X is not None:
            return b, db, tol
        rounding = 8 * k * _EPS * float(np.abs(y).max())
        return b, db, 10.0 * (abs(float(db[0])) * tol + rounding)


def _wls(y: np.ndarray, w: np.ndarray, X: np.ndarray | None) -> tuple[np.ndarray, Any, np.ndarray]:
    """Weighted least squares: (b, A = (X'WX)^-1, residuals); A is a scalar without X."""
    if X is None:
        s0 = w.sum()
        b = np.array([(w @ y) / s0])
        return b, 1.0 / s0, y - b[0]
    Xw = X * w[:, None]
    A = np.linalg.inv(Xw.T @ X)
    b = A @ (Xw.T @ y)
    return b, A, y - X @ b


def _equation(
    y: np.ndarray, v: np.ndarray, X: np.ndarray | None, tau2: float, reml: bool
) -> tuple[float, float, float]:
    """The ML or REML estimating equation at tau2 as (f, f', I): f = y'PPy - tr P (REML) or
    y'PPy - sum w (ML), decreasing through the root; f' = tr PP - 2 y'PPPy (REML) or
    sum w^2 - 2 y'PPPy (ML), since dP/dtau^2 = -PP; I = tr PP or sum w^2, the expected
    information (f / I is the Fisher-scoring step). P = W - WX(X'WX)^-1X'W (Viechtbauer
    2005, J Educ Behav Stat 30:261)."""
    w = 1.0 / (v + tau2)
    if X is None:  # the hot path: a dozen vectorised passes over the k studies
        s0 = w.sum()
        u = w * (y - (w @ y) / s0)  # Py
        ypp = u @ u
        s2 = w @ w
        yppp = (w * u) @ u - (w @ u) ** 2 / s0  # u'Pu
        if not reml:
            return ypp - s0, s2 - 2.0 * yppp, s2
        ratio = s2 / s0
        trPP = s2 - 2.0 * ((w * w) @ w) / s0 + ratio * ratio
        return ypp - (s0 - ratio), trPP - 2.0 * yppp, trPP
    b, A, r = _wls(y, w, X)
    u = w * r  # Py
    wu = w * u
    ypp = u @ u
    s2 = w @ w
    g = X.T @ wu
    yppp = wu @ u - g @ A @ g
    if not reml:
        return ypp - w.sum(), s2 - 2.0 * yppp, s2
    Xw2 = X * (w * w)[:, None]
    AW2 = A @ (Xw2.T @ X)
    trPP = s2 - 2.0 * np.sum(A * ((Xw2 * w[:, None]).T @ X)) + np.sum(AW2 * AW2.T)
    return ypp - (w.sum() - np.trace(AW2)), trPP - 2.0 * yppp, trPP


def _solve_tau2(
    y: np.ndarray, v: np.ndarray, X: np.ndarray | None, *, reml: bool
) -> tuple[float, float] | None:
    """ML or REML tau^2 from the truncated Hedges estimate (metafor's start), by Newton's
    method kept inside a bracket of the root (Fisher scoring, then bisection, where a Newton
    step would leave it; Press WH et al. 2007, Numerical Recipes 3rd ed., 9.4), with the
    engine's stopping rule (:func:`_beats_zero` then repeats its check of the likelihood at
    tau^2 = 0). Returns (tau2, bound on its convergence error) or None."""
    k = y.size
    if X is None:
        d = y - y.sum() / k
        sv = v.sum()
        tau2 = max(0.0, float((d @ d - (sv - sv / k)) / (k - 1)))
    else:  # Hedges: OLS residuals, tr(PV) with the OLS projection
        A0 = np.linalg.inv(X.T @ X)
        r0 = y - X @ (A0 @ (X.T @ y))
        trPV = v.sum() - np.sum(A0 * ((X * v[:, None]).T @ X))
        tau2 = max(0.0, float((r0 @ r0 - trPV) / (k - X.shape[1])))
    lo, hi = 0.0, np.inf
    zero_tried = False
    last = prev = np.inf
    for _ in range(_LEAN_MAXITER):
        f, df, info = (float(x) for x in _equation(y, v, X, tau2, reml))
        if not (np.isfinite(f) and np.isfinite(df) and info > 0):
            return None
        if f > 0:
            lo = max(lo, tau2)
        else:
            hi = min(hi, tau2)
        new = tau2 - f / df if df < 0 else -1.0
        if not (lo < new < hi):
            new = tau2 + f / info
        if not (lo < new < hi):
            if new <= 0 and lo == 0 and not zero_tried:
                new, zero_tried = 0.0, True  # a root at 0 is reached exactly, not by halving
            elif np.isfinite(hi):
                new = 0.5 * (lo + hi)
            else:
                return None
        if f == 0 or tau2 == hi == 0:
            new = tau2
        prev, last = last, abs(new - tau2)
        tau2 = new
        if last <= _CTRL.threshold * max(1.0, new):
            break
    else:
        return None
    if last == 0.0:
        err = 0.0
    elif np.isfinite(prev):
        rho = last / prev  # at worst linear convergence: the error is below step * rho / (1 - rho)
        if rho >= 0.5:
            return None
        err = last * rho / (1.0 - rho)
    else:
        err = last
    return tau2, err


def _beats_zero(
    y: np.ndarray, v: np.ndarray, X: np.ndarray | None, tau2: float, w: np.ndarray, A: Any, r: np.ndarray,
    *, reml: bool, zero: np.ndarray | None,
) -> bool:
    """The engine's (and metafor's) check of an ML/REML maximum: False when the likelihood at
    tau^2 = 0 exceeds that at ``tau2`` by more than ``ll0tol`` (the engine then sets tau^2 = 0)
    or comes too close to it to call. ll(0) - ll(tau2) = (sum log(1 + tau2/v) + Q(tau2) - Q(0)
    [+ log det X'W(tau2)X - log det X'W(0)X for REML]) / 2, with Q the weighted residual sum of
    squares (``w``, ``A``, ``r``: the fit at ``tau2``)."""
    Q = float((w * r) @ r)
    shift = float(np.log1p(tau2 / v).sum())
    if X is None:
        if zero is None:
            w0 = 1.0 / v
            s0 = w0.sum()
            d = y - (w0 @ y) / s0
            Q0 = (w0 * d) @ d
            zero = np.array([s0, Q0, Q0])
        s0_0, Q0, scale = (float(x) for x in zero)
        logdet = -np.log(A * s0_0) if reml else 0.0  # log(sum w / sum w0)
    else:
        w0 = 1.0 / v
        _, A0, r0 = _wls(y, w0, X)
        Q0 = scale = float((w0 * r0) @ r0)
        logdet = np.linalg.slogdet(A0)[1] - np.linalg.slogdet(A)[1] if reml else 0.0
    gap = 0.5 * (shift + Q - Q0 + logdet)
    slack = 64 * y.size * _EPS * (abs(shift) + abs(Q) + abs(scale) + abs(logdet) + 1.0)
    return bool(gap < _CTRL.ll0tol - slack)
