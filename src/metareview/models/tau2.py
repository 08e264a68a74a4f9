"""Estimators of the between-study variance tau^2, each written once for a batch.

Every estimator takes outcomes ``y`` (already centred, as metafor does before estimating
tau^2), sampling variances ``v`` and a ``mask`` of shape (B, k), a :class:`~._design.Design`
and the per-analysis number of studies ``k`` (B,), and returns a :class:`Tau2Fit` of arrays
of shape (B,). Iterative estimators stop when the change in tau^2 falls below
``threshold * max(1, tau2)`` for every analysis; analyses that have not converged after
``maxiter`` steps are reported as such, never silently.

Estimators and their sources
----------------------------
DL   DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Control Clin Trials
     7:177-188. doi:10.1016/0197-2456(86)90046-2. Regression form: Raudenbush 2009.
HE   Hedges LV, Olkin I (1985). Statistical Methods for Meta-Analysis. Academic Press.
HS   Hunter JE, Schmidt FL (2004). Methods of Meta-Analysis, 2nd ed. Sage.
HSk  HS with the small-sample correction k/(k-p) (Brannick et al. 2019, Res Synth Methods
     10:586; as metafor's "HSk").
SJ   Sidik K, Jonkman JN (2005). Simple heterogeneity variance estimation for meta-analysis.
     J R Stat Soc C 54:367-384. doi:10.1111/j.1467-9876.2005.00489.x.
ML, REML
     Fisher scoring as in Viechtbauer W (2005). Bias and efficiency of meta-analytic variance
     estimators in the random-effects model. J Educ Behav Stat 30:261-293.
     doi:10.3102/10769986030003261.
EB   Morris CN (1983). Parametric empirical Bayes inference. J Am Stat Assoc 78:47-55;
     Berkey CS et al. (1995). Stat Med 14:395-411.
PM   Paule RC, Mandel J (1982). Consensus values and weighting factors. J Res Natl Bur Stand
     87:377-385; as a generalised Q estimator: DerSimonian R, Kacker R (2007). Contemp Clin
     Trials 28:105-114.
GENQ The generalised Q-statistic estimator with user weights a_i (DerSimonian R, Kacker R
     2007, Contemp Clin Trials 28:105-114): tau^2 = (Q_a - tr(P_a V)) / tr(P_a).
PMM  The median-unbiased Paule-Mandel variant: Viechtbauer W (2021), metafor documentation;
     Q(tau2) set to the median of its chi-square distribution.

The standard errors of tau^2 are those metafor reports (Viechtbauer 2005, and the
moment-estimator variances derived there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from metareview.models._design import WLS, Array, Design, logdet, tr_P, tr_PDPD, wls

#: Estimators of tau^2 accepted by ``method=`` (with "EE", "FE" and "CE" for the
#: common-effect model, for which tau^2 = 0).
TAU2_METHODS: tuple[str, ...] = ("DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "GENQ")
COMMON_EFFECT: tuple[str, ...] = ("EE", "FE", "CE")
ITERATIVE: tuple[str, ...] = ("ML", "REML", "EB", "PM", "PMM")

BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Control:
    """Convergence settings of the iterative estimators.

    ``threshold`` is the stopping rule on the change in tau^2 (relative to max(1, tau^2));
    the default is far tighter than metafor's 1e-5 so that results agree with a fully
    converged metafor run to 1e-6 relative. ``ll0check`` repeats metafor's check that an
    ML/REML maximum is not below the likelihood at tau^2 = 0.
    """

    threshold: float = 1e-13
    maxiter: int = 1000
    ll0check: bool = True
    ll0tol: float = 1e-7
    #: starting value(s) of ML/REML/EB (default: the truncated HE estimate, as metafor);
    #: leave-one-out starts each deletion fit from the full fit's tau^2
    tau2_init: Any = None


@dataclass(frozen=True)
class Tau2Fit:
    tau2: Array
    se_tau2: Array
    converged: BoolArray
    iterations: Array
    stuck_at_local_max: BoolArray


def _nonneg(t: Array) -> Array:
    return np.maximum(t, 0.0)


def _moment_DL(d: Design, y: Array, v: Array, m: Array, k: Array) -> Tau2Fit:
    p = d.p
    fit = wls(d, y, m / v, m)
    trP = tr_P(d, fit)
    tau2 = _nonneg((fit.rss - (k - p)) / trP)
    trPP = tr_PDPD(d, fit)
    se = np.sqrt((2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * trPP) / trP**2)
    return _done(tau2, se)


def _he(d: Design, y: Array, v: Array, m: Array, k: Array, *, with_se: bool = True) -> tuple[Array, Array, Array]:
    """Hedges' estimator (unweighted OLS residuals); returns raw tau2, trPV, tr(PVPV)
    (the last only when ``with_se``: a starting value needs no standard error)."""
    p = d.p
    ols = wls(d, y, np.asarray(m, dtype=float), m)
    vm = v * m
    trPV = vm.sum(axis=1) - _tr_AM(ols.A, d.xtdx(vm))
    trPVPV = tr_PDPD(d, ols, v, v) if with_se else trPV
    return (ols.rss - trPV) / (k - p), trPV, trPVPV


def _tr_AM(A: Array, M: Array) -> Array:
    return np.einsum("bij,bji->b", A, M)


def _moment_GENQ(d: Design, y: Array, v: Array, m: Array, a: Array) -> Tau2Fit:
    fit = wls(d, y, a * m, m)
    w = fit.w
    trP = tr_P(d, fit)
    trPV = (w * v).sum(axis=1) - _tr_AM(fit.A, d.xtdx(w * w * v))
    tau2 = _nonneg((fit.rss - trPV) / trP)
    trPVPV = tr_PDPD(d, fit, v, v)
    trPVP = tr_PDPD(d, fit, v, 1.0)
    trPP = tr_PDPD(d, fit)
    se = np.sqrt((2 * trPVPV + 4 * tau2 * trPVP + 2 * tau2**2 * trPP) / trP**2)
    return _done(tau2, se)


def _moment_HE(d: Design, y: Array, v: Array, m: Array, k: Array) -> Tau2Fit:
    p = d.p
    raw, trPV, trPVPV = _he(d, y, v, m, k)
    tau2 = _nonneg(raw)
    se = np.sqrt((2 * trPVPV + 4 * tau2 * trPV + 2 * tau2**2 * (k - p)) / (k - p) ** 2)
    return _done(tau2, se)


def _moment_HS(d: Design, y: Array, v: Array, m: Array, k: Array, *, small_k: bool) -> Tau2Fit:
    p = d.p
    fit = wls(d, y, m / v, m)
    sw = fit.w.sum(axis=1)
    factor = k / (k - p) if small_k else 1.0
    tau2 = _nonneg((factor * fit.rss - k) / sw)
    trP = tr_P(d, fit)
    trPP = tr_PDPD(d, fit)
    se = factor * np.sqrt((2 * (k - p) + 4 * tau2 * trP + 2 * tau2**2 * trPP) / sw**2)
    return _done(tau2, se)


def _moment_SJ(d: Design, y: Array, v: Array, m: Array, k: Array) -> Tau2Fit:
    p = d.p
    ybar = (y * m).sum(axis=1) / k
    tau2_0 = (((y - ybar[:, None]) ** 2) * m).sum(axis=1) / k
    fit = wls(d, y, m / (v + tau2_0[:, None]), m)
    tau2 = _nonneg(tau2_0 * fit.rss / (k - p))
    trPVPV = tr_PDPD(d, fit, v, v)
    trPVP = tr_PDPD(d, fit, v, 1.0)
    trPP = tr_PDPD(d, fit)
    se = np.sqrt(tau2_0**2 / (k - p) ** 2 * (2 * trPVPV + 4 * tau2 * trPVP + 2 * tau2**2 * trPP))
    return _done(tau2, se)


def _done(tau2: Array, se: Array) -> Tau2Fit:
    B = tau2.shape[0]
    return Tau2Fit(
        tau2=tau2,
        se_tau2=se,
        converged=np.ones(B, dtype=bool),
        iterations=np.zeros(B),
        stuck_at_local_max=np.zeros(B, dtype=bool),
    )


def _fisher_scoring(
    method: str, d: Design, y: Array, v: Array, m: Array, k: Array, control: Control
) -> Tau2Fit:
    """ML, REML and EB by Fisher scoring from the (truncated) HE estimate, as metafor does,
    safeguarded by a bracket on the root of the estimating equation.

    Plain Fisher scoring (metafor's algorithm) can oscillate for ever between two values when
    the expected information is a poor guide (metafor then stops with "Fisher scoring
    algorithm did not converge"; about 4 in 1,000 random data sets of k = 20 do this). Each
    iteration here also narrows a bracket [lo, hi] around the root of the score (the score is
    positive below the root and negative above it); a scoring step that leaves the bracket,
    or reverses direction without halving, is replaced by bisection (a safeguarded Newton
    method, after Press et al., Numerical Recipes, 9.4). Where plain
    scoring converges both find the same root; where it would not, this one still does.
    Steps below 0 are bounded by the bracket's lower end 0 (metafor halves them instead;
    both lead to the same limit).
    """
    p = d.p
    if control.tau2_init is not None:
        tau2 = np.maximum(np.broadcast_to(np.asarray(control.tau2_init, dtype=float), k.shape), 0.0).copy()
    elif d.X is None:
        # Hedges' estimator for the intercept-only model, from three sums
        mean_y = (y * m).sum(axis=1) / k
        ss = (((y - mean_y[:, None]) ** 2) * m).sum(axis=1)
        sv = (v * m).sum(axis=1)
        tau2 = _nonneg((ss - (sv - sv / k)) / (k - 1))
    else:
        tau2 = _nonneg(_he(d, y, v, m, k, with_se=False)[0])
    B = tau2.shape[0]
    active = np.ones(B, dtype=bool)
    iterations = np.zeros(B)
    lo = np.zeros(B)
    hi = np.full(B, np.inf)
    last_step = np.full(B, np.inf)
    last_info = np.full(B, np.nan)
    prev_t = np.full(B, np.nan)
    prev_s = np.full(B, np.nan)
    idx = np.arange(B)
    for _ in range(control.maxiter):
        # only the analyses still iterating are recomputed
        if idx.size == B:  # no copies while every analysis is still iterating
            score, info = _score_info(method, d, y, v, m, k, tau2, p)
        else:
            score, info = _score_info(method, _subset(d, idx), y[idx], v[idx], m[idx], k[idx], tau2[idx], p)
        t = tau2[idx]
        last_info[idx] = info
        lo[idx] = np.where(score > 0, np.maximum(lo[idx], t), lo[idx])
        hi[idx] = np.where(score <= 0, np.minimum(hi[idx], t), hi[idx])
        adj = np.where(np.isnan(score), 0.0, score / info)
        new = t + adj
        # where two iterates exist, a secant step on the score (superlinear even where the
        # expected information is a poor guide and scoring crawls)
        pt, ps = prev_t[idx], prev_s[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            sec = t - score * (t - pt) / (score - ps)
        lo_i, hi_i = lo[idx], hi[idx]
        use_sec = np.isfinite(sec) & (sec > lo_i) & (sec < hi_i) & (ps != score)
        new = np.where(use_sec, sec, new)
        adj = new - t
        # safeguard: bisect when the step leaves the bracket, or when it reverses
        # direction without at least halving (the two-cycle plain scoring can fall into)
        last = last_step[idx]
        cycling = (np.sign(adj) != np.sign(last)) & (np.abs(adj) > 0.5 * np.abs(last))
        bisect = np.isfinite(hi_i) & ((new <= lo_i) | (new >= hi_i) | cycling)
        # a step to or below 0 tries the boundary itself first: a root at tau2 = 0 is then
        # reached exactly instead of by some 40 halvings
        to_zero = (new <= 0) & (lo_i == 0) & (t > 0)
        new = np.where(bisect & ~to_zero, 0.5 * (lo_i + hi_i), new)
        new = np.maximum(np.where(to_zero, 0.0, new), 0.0)
        prev_t[idx], prev_s[idx] = t, score
        last_step[idx] = new - t
        change = np.abs(new - t)
        iterations[idx] += 1
        tau2[idx] = new
        still = change > control.threshold * np.maximum(1.0, new)
        active[idx] = still
        idx = idx[still]
        if idx.size == 0:
            break
    converged = ~active
    stuck = np.zeros(B, dtype=bool)
    if method in ("ML", "REML") and control.ll0check:
        ll_hat = _loglik(method, d, y, v, m, k, tau2)
        ll_0 = _loglik(method, d, y, v, m, k, np.zeros(B))
        stuck = converged & (ll_0 - ll_hat > control.ll0tol) & (tau2 > control.threshold)
        tau2 = np.where(stuck, 0.0, tau2)
    # se(tau^2) from the expected information at the estimate (ML: sum w^2, REML: tr(PP)):
    # the last scoring step evaluated it within the convergence threshold of the estimate;
    # analyses reset to tau^2 = 0 by the likelihood check are evaluated afresh
    if method in ("ML", "REML"):
        info = last_info.copy()
        redo = np.flatnonzero(stuck | ~np.isfinite(info))
        if redo.size:
            sub = d if redo.size == B else _subset(d, redo)
            info[redo] = _score_info(method, sub, y[redo], v[redo], m[redo], k[redo], tau2[redo], p)[1]
        se = np.sqrt(2.0 / info)
    else:
        sw = (m / (v + tau2[:, None])).sum(axis=1)
        se = np.sqrt(2.0 * k**2 / (k - p) / sw**2)
    return Tau2Fit(tau2=tau2, se_tau2=se, converged=converged, iterations=iterations, stuck_at_local_max=stuck)


def _subset(d: Design, idx: np.ndarray) -> Design:
    return Design(X=None if d.X is None else d.X[idx], B=idx.size, k_max=d.k_max)


def _score_info(
    method: str, d: Design, y: Array, v: Array, m: Array, k: Array, tau2: Array, p: int
) -> tuple[Array, Array]:
    """The estimating equation of ML, REML or EB at tau2 and its expected information."""
    if d.X is None:
        # intercept only: a handful of fused row-wise dot products, no k-sized temporaries
        # beyond three buffers (this loop is the hot path of every random-effects fit)
        w = np.add(v, tau2[:, None])
        np.divide(m, w, out=w)
        s0 = w.sum(axis=1)
        mu = _rowdot(w, y) / s0
        r = np.subtract(y, mu[:, None])  # outside the mask w = 0, so r there never counts
        wr = w * r
        if method == "EB":
            return _rowdot(wr, r) * k / (k - p) - k, s0
        s2 = _rowdot(w, w)
        ypp = _rowdot(wr, wr)
        if method == "ML":
            return ypp - s0, s2
        np.multiply(w, w, out=wr)
        s3 = _rowdot(wr, w)
        trP = s0 - s2 / s0
        trPP = s2 - 2 * s3 / s0 + (s2 / s0) ** 2
        return ypp - trP, trPP
    w = m / (v + tau2[:, None])
    fit = wls(d, y, w, m)
    if method == "ML":
        return fit.ypp_y - fit.w.sum(axis=1), (fit.w**2).sum(axis=1)
    if method == "REML":
        return fit.ypp_y - tr_P(d, fit), tr_PDPD(d, fit)
    return fit.rss * k / (k - p) - k, fit.w.sum(axis=1)


def _rowdot(a: Array, b: Array) -> Array:
    """Row-wise dot products sum_j a_ij b_ij, without a temporary."""
    return np.einsum("ij,ij->i", a, b)


def _halve_into_range(tau2: Array, adj: Array) -> Array:
    """Halve a negative step until tau2 + adj >= 0 (metafor's rule), without a loop."""
    bad = tau2 + adj < 0
    if not bad.any():
        return adj
    out = adj.copy()
    zero = bad & (tau2 <= 0)
    out[zero] = 0.0
    pos = bad & (tau2 > 0)
    if pos.any():
        n = np.ceil(np.log2(-adj[pos] / tau2[pos]))
        step = adj[pos] / 2.0**n
        # guard against rounding in log2: one more halving where still out of range
        step = np.where(tau2[pos] + step < 0, step / 2.0, step)
        out[pos] = step
    return out


def _loglik(method: str, d: Design, y: Array, v: Array, m: Array, k: Array, tau2: Array) -> Array:
    if d.X is None:
        # intercept only: sums and one logarithm pass, no k-sized fit object
        w = np.add(v, tau2[:, None])
        logv = np.log(w, where=np.asarray(m, dtype=bool), out=np.zeros_like(w)).sum(axis=1)
        np.divide(m, w, out=w)
        s0 = w.sum(axis=1)
        mu = _rowdot(w, y) / s0
        r = np.subtract(y, mu[:, None])
        rss = _rowdot(w * r, r)
        if method == "ML":
            return -0.5 * k * np.log(2 * np.pi) - 0.5 * logv - 0.5 * rss
        return -0.5 * (k - 1) * np.log(2 * np.pi) - 0.5 * logv - 0.5 * np.log(s0) - 0.5 * rss
    fit = wls(d, y, m / (v + tau2[:, None]), m)
    return _loglik_from_fit(method, d, v, m, k, tau2, fit)


def _loglik_from_fit(method: str, d: Design, v: Array, m: Array, k: Array, tau2: Array, fit: WLS) -> Array:
    """ML or REML log-likelihood (without the constant log det(X'X) term of REML)."""
    logv = (np.log(np.where(m, v + tau2[:, None], 1.0))).sum(axis=1)
    if method == "ML":
        return -0.5 * k * np.log(2 * np.pi) - 0.5 * logv - 0.5 * fit.rss
    return -0.5 * (k - d.p) * np.log(2 * np.pi) - 0.5 * logv - 0.5 * logdet(d.xtdx(fit.w)) - 0.5 * fit.rss


def generalised_q(d: Design, y: Array, v: Array, m: Array, tau2: Array) -> tuple[Array, WLS]:
    """The generalised Q statistic Q(tau2) = y'P(tau2)y and its fit."""
    fit = wls(d, y, m / (v + tau2[:, None]), m)
    return fit.rss, fit


def solve_q(
    d: Design, y: Array, v: Array, m: Array, target: Array, control: Control
) -> tuple[Array, Array, Array]:
    """Solve Q(tau2) = target for tau2 >= 0, for every analysis at once.

    Q(tau2) is convex and decreasing in tau2 (it is the partial minimum over the
    coefficients of a sum of perspective functions), and dQ/dtau2 = -y'PPy, so Newton's
    method started at 0 climbs monotonically to the root: no bracket or upper bound is
    needed. Where Q(0) <= target the solution is 0.

    Returns (tau2, converged, iterations).
    """
    B = y.shape[0]
    tau2 = np.zeros(B)
    q0, _ = generalised_q(d, y, v, m, tau2)
    active = q0 > target
    iterations = np.zeros(B)
    for _ in range(control.maxiter):
        if not active.any():
            break
        q, fit = generalised_q(d, y, v, m, tau2)
        slope = fit.ypp_y
        with np.errstate(divide="ignore", invalid="ignore"):
            step = (q - target) / slope
        step = np.where(active & np.isfinite(step), np.maximum(step, 0.0), 0.0)
        tau2 = tau2 + step
        iterations += active
        active &= step > control.threshold * np.maximum(1.0, tau2)
    return tau2, ~active, iterations


def _paule_mandel(method: str, d: Design, y: Array, v: Array, m: Array, k: Array, control: Control) -> Tau2Fit:
    p = d.p
    target = (k - p) if method == "PM" else stats.chi2.ppf(0.5, k - p)
    tau2, converged, iterations = solve_q(d, y, v, m, np.asarray(target, dtype=float), control)
    fit = wls(d, y, m / (v + tau2[:, None]), m)
    se = np.sqrt(2.0 * k**2 / (k - p) / fit.w.sum(axis=1) ** 2)
    return Tau2Fit(
        tau2=tau2,
        se_tau2=se,
        converged=converged,
        iterations=iterations,
        stuck_at_local_max=np.zeros(y.shape[0], dtype=bool),
    )


def estimate_tau2(
    method: str,
    d: Design,
    y: Array,
    v: Array,
    m: Array,
    k: Array,
    control: Control,
    weights: Array | None = None,
) -> Tau2Fit:
    """Estimate tau^2 with ``method`` for every analysis of a batch.

    ``y`` must be centred per analysis and zero outside the mask; ``v`` must be positive
    everywhere (pad with 1); ``m`` is the mask as floats.
    """
    if method in COMMON_EFFECT:
        B = y.shape[0]
        return Tau2Fit(
            tau2=np.zeros(B),
            se_tau2=np.full(B, np.nan),
            converged=np.ones(B, dtype=bool),
            iterations=np.zeros(B),
            stuck_at_local_max=np.zeros(B, dtype=bool),
        )
    if method == "DL":
        return _moment_DL(d, y, v, m, k)
    if method == "HE":
        return _moment_HE(d, y, v, m, k)
    if method in ("HS", "HSk"):
        return _moment_HS(d, y, v, m, k, small_k=method == "HSk")
    if method == "SJ":
        return _moment_SJ(d, y, v, m, k)
    if method in ("ML", "REML", "EB"):
        return _fisher_scoring(method, d, y, v, m, k, control)
    if method in ("PM", "PMM"):
        return _paule_mandel(method, d, y, v, m, k, control)
    if method == "GENQ":
        if weights is None:
            raise ValueError("GENQ needs weights")  # validated in rma(); never reached
        return _moment_GENQ(d, y, v, m, weights)
    raise ValueError(f"unknown tau2 method {method!r}")  # validated earlier; never reached
