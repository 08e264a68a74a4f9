"""The k leave-one-out fits of an intercept-only model from one set of power sums.

Deleting study i leaves the weighted power sums :math:`S_{n,p}(\\tau^2)` of
:mod:`metareview.models._sums` over the other k - 1 studies, at that deletion's own
:math:`\\tau^2_i`. Computed directly, each step of each deletion costs O(k), so k deletions
cost O(k^2) per step. But the :math:`\\tau^2_i` lie close to the full fit's :math:`\\tau^2_0`,
and with :math:`w_j = 1/(v_j + \\tau^2_0)` and :math:`\\delta = \\tau^2_i - \\tau^2_0`,

.. math:: \\frac{1}{(v_j + \\tau^2_i)^n} = w_j^n (1 + \\delta w_j)^{-n}
   = \\sum_{m \\ge 0} \\binom{n + m - 1}{m} (-\\delta)^m w_j^{n + m},

so every deletion's sums are a short series in :math:`\\delta` over the power sums
:math:`P_{q,p} = \\sum_j w_j^q y_j^p` of the full data (computed once, O(k) each), less the
deleted study's own term (exact). With weights scaled by their maximum the terms shrink like
:math:`|\\delta| \\max w` to the power m; the series is used where that ratio is at most 1/2
and summed to double precision (at most 64 terms), and a deletion outside that range (a
step to tau^2 = 0 far from the full fit, say), or of a study holding a quarter or more of the
weight (where subtracting its term would cancel digits), is summed directly instead. A step
costs O(k x terms) for all deletions together, so leave-one-out at k = 2,000 is a few
milliseconds rather than a batch of 2,000 fits.

The solver, the estimating equations and the statistics are those of the intercept-only
engine path, so the results are the same numbers a refit gives (the tests compare them).
:func:`deletion_fits` is what leave-one-out, influence diagnostics and Baujat statistics
read; for other models it is one batched refit with a (k, k) mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metareview.models._sums import Array, PowerSums
from metareview.models.results import RMAResult
from metareview.models.tau2 import COMMON_EFFECT, Control

#: estimators whose deletion fits are solved from power sums
BY_SUMS = (*COMMON_EFFECT, "DL", "ML", "REML", "EB", "PM", "PMM")

#: largest |delta| * max(w) summed as a series, and the most terms ever summed
SERIES_RADIUS = 0.5
MAX_TERMS = 64
#: a study holding this share of the total weight is deleted by direct summation
DOMINANT_SHARE = 0.25
#: cells per block of directly summed deletions
DIRECT_CELLS = 1 << 20


def _binomials(n: int, terms: int) -> Array:
    """C(n + m - 1, m) for m = 0 .. terms-1 (n = 1, 2, 3)."""
    m = np.arange(terms, dtype=float)
    return {1: np.ones(terms), 2: m + 1, 3: (m + 1) * (m + 2) / 2}[n]


class DeletionSource:
    """Power sums of the k deletion fits of one data set (``y`` centred, ``v`` > 0), expanded
    around ``tau2_0``. Row i of every request is the analysis without study i."""

    def __init__(self, y: Array, v: Array, tau2_0: float, *, order: int) -> None:
        self.y, self.v, self.y2 = y, v, y * y
        self.order = order
        self.tau2_0 = float(tau2_0)
        w = 1.0 / (v + self.tau2_0)
        self.wmax = float(w.max())
        self._u = w / self.wmax  # scaled weights in (0, 1]
        self._P = np.empty((0, 3))
        self.dominant = w / w.sum() >= DOMINANT_SHARE
        self._log0 = np.log1p(self.tau2_0 / v)  # log(v + tau2_0) - log v, per study

    def _power_sums(self, q_max: int) -> Array:
        """P[q - 1, p] = sum_j u_j^q y_j^p for q = 1 .. q_max (extended on demand)."""
        have = self._P.shape[0]
        if have < q_max:
            P = np.empty((q_max, 3))
            uq = self._u.copy()
            for q in range(q_max):  # one pass per power (at most 67), O(k) memory
                if q:
                    uq *= self._u
                P[q] = uq.sum(), uq @ self.y, uq @ self.y2
            self._P = P
        return self._P

    def _terms(self, radius: float) -> int:
        """Series terms for |x| <= radius: the tail is below 1e-17 of the leading term."""
        if radius <= 0:
            return 1
        n = int(np.ceil(np.log(1e-17) / np.log(radius))) + 4
        return int(min(max(n, 2), MAX_TERMS))

    def _split(self, idx: np.ndarray, tau2: Array) -> tuple[Array, np.ndarray]:
        x = -(tau2 - self.tau2_0) * self.wmax
        series = (np.abs(x) <= SERIES_RADIUS) & ~self.dominant[idx]
        return x, series

    def sums(self, idx: np.ndarray, tau2: Array) -> PowerSums:
        tau2 = np.asarray(tau2, dtype=float)
        S = np.empty((self.order, 3, idx.size))
        x, series = self._split(idx, tau2)
        if series.any():
            xs = x[series]
            terms = self._terms(float(np.abs(xs).max()))
            P = self._power_sums(self.order + terms)
            X = np.cumprod(np.column_stack([np.ones(xs.size), np.broadcast_to(xs[:, None], (xs.size, terms - 1))]), axis=1)
            own = idx[series]
            wi = 1.0 / (self.v[own] + tau2[series])
            win = np.ones_like(wi)
            for n in range(1, self.order + 1):
                win = win * wi
                full = (X @ (_binomials(n, terms)[:, None] * P[n - 1 : n - 1 + terms])) * self.wmax**n
                S[n - 1, 0, series] = full[:, 0] - win
                S[n - 1, 1, series] = full[:, 1] - win * self.y[own]
                S[n - 1, 2, series] = full[:, 2] - win * self.y2[own]
        if not series.all():
            rest = np.flatnonzero(~series)
            S[:, :, rest] = self._direct(idx[rest], tau2[rest])
        return PowerSums(S)

    def _direct(self, idx: np.ndarray, tau2: Array) -> Array:
        """Sums of the deletions ``idx`` by direct summation over the other studies, in blocks
        of deletions that keep the (block, k) workspace near 8 MB whatever k is."""
        out = np.empty((self.order, 3, idx.size))
        rows = max(1, DIRECT_CELLS // self.v.size)
        for start in range(0, idx.size, rows):
            block = slice(start, start + rows)
            part, t = idx[block], tau2[block]
            W = 1.0 / (self.v[None, :] + t[:, None])
            W[np.arange(part.size), part] = 0.0
            Wn = np.ones_like(W)
            for n in range(self.order):
                Wn = Wn * W
                out[n, :, block] = np.stack([Wn.sum(axis=1), Wn @ self.y, Wn @ self.y2])
        return out

    def log1p_sum(self, idx: np.ndarray, tau2: Array) -> Array:
        """sum over j != i of log(1 + tau2_i / v_j):
        log(1 + t/v) = log(1 + t0/v) + log(1 - x u) with x = -(t - t0) max w, and
        sum_j log(1 - x u_j) = -sum_m x^m P_m / m."""
        tau2 = np.asarray(tau2, dtype=float)
        out = np.empty(idx.size)
        x, series = self._split(idx, tau2)
        base = self._log0.sum() - self._log0[idx]
        if series.any():
            xs = x[series]
            terms = self._terms(float(np.abs(xs).max()))
            P = self._power_sums(terms)
            m = np.arange(1, terms + 1, dtype=float)
            X = np.cumprod(np.broadcast_to(xs[:, None], (xs.size, terms)), axis=1)
            own = idx[series]
            out[series] = base[series] - X @ (P[:terms, 0] / m) - np.log1p((tau2[series] - self.tau2_0) / (self.v[own] + self.tau2_0))
        rest = np.flatnonzero(~series)
        rows = max(1, DIRECT_CELLS // self.v.size)
        for start in range(0, rest.size, rows):
            block = rest[start : start + rows]
            L = np.log1p(tau2[block][:, None] / self.v[None, :])
            L[np.arange(block.size), idx[block]] = 0.0
            out[block] = L.sum(axis=1)
        return out


@dataclass(frozen=True)
class DeletionFits:
    """The model refitted without study i (row i), for every i.

    ``A`` is the unscaled covariance (X'WX)^-1 of the coefficients and ``s2w`` the
    Knapp-Hartung factor (1 for other tests), so ``vb = s2w * A``. Every other field is named
    and computed as in :class:`~metareview.models._engine.BatchArrays`."""

    b: Array  # (k, p)
    A: Array  # (k, p, p)
    vb: Array  # (k, p, p)
    s2w: Array
    se: Array  # (k, p)
    zval: Array
    pval: Array
    ci_lb: Array
    ci_ub: Array
    tau2: Array
    QE: Array
    QEp: Array
    I2: Array
    H2: Array


def deletion_fits(res: RMAResult) -> DeletionFits:
    """Refit ``res`` without each study in turn: from power sums for an intercept-only model
    with one of :data:`BY_SUMS` and k >= 3, else as one batch of k fits."""
    if res.X is None and res.method_used in BY_SUMS and res.k >= 3:
        return _by_power_sums(res)
    from metareview.diagnostics._subsets import refit

    arr = refit(res, ~np.eye(res.k, dtype=bool))
    from metareview.models._design import Design, inv

    X = None if res.X is None else np.broadcast_to(res.X, (res.k, *res.X.shape))
    A = inv(Design(X=X, B=res.k, k_max=res.k).xtdx(arr.w))
    s2w = arr.vb[:, 0, 0] / A[:, 0, 0] if res.test == "knha" else np.ones(res.k)
    return DeletionFits(b=arr.b, A=A, vb=arr.vb, s2w=s2w, se=arr.se, zval=arr.zval, pval=arr.pval,
                        ci_lb=arr.ci_lb, ci_ub=arr.ci_ub, tau2=arr.tau2, QE=arr.QE, QEp=arr.QEp,
                        I2=arr.I2, H2=arr.H2)  # fmt: skip


def _by_power_sums(res: RMAResult) -> DeletionFits:
    """Every deletion fit of an intercept-only model, from power sums."""
    from scipy import special

    from metareview.models._engine import coefficient_tests, heterogeneity
    from metareview.models._sums import ORDER, solve, stuck_below_zero

    y = np.asarray(res.yi, dtype=float)
    v = np.asarray(res.vi, dtype=float)
    k = res.k
    ybar = y.mean()
    yc = y - ybar  # metafor centres before estimating tau^2; P annihilates the constant
    idx = np.arange(k)
    kk = np.full(k, k - 1.0)
    fe = DeletionSource(yc, v, 0.0, order=3).sums(idx, np.zeros(k))  # each deletion's common-effect fit
    method = res.method_used
    around = DeletionSource(yc, v, res.tau2, order=ORDER.get(method, 1))
    if method in COMMON_EFFECT:
        tau2 = np.zeros(k)
    elif method == "DL":
        tau2 = np.maximum((fe.Q - (k - 2)) / fe.trP, 0.0)
    else:
        # each deletion starts from the full fit's tau^2, as the batched refit does
        target = None if method not in ("PM", "PMM") else (kk - 1 if method == "PM" else special.chdtri(kk - 1, 0.5))
        control = Control()
        sol = solve(method, around, kk, np.full(k, res.tau2), control, target=target)
        tau2 = np.where(stuck_below_zero(method, around, sol, fe.Q, fe.s0, control)[0], 0.0, sol.tau2)
    at = around.sums(idx, tau2)
    b = (at.mu + ybar)[:, None]
    A = (1.0 / at.s0)[:, None, None]
    tests = coefficient_tests(b, A, at.Q, kk - 1, test=res.test, level=res.level, btt=None)
    het = heterogeneity(fe.Q, fe.trP, kk, 1, tau2, np.full(k, method in COMMON_EFFECT))
    vb = tests["vb"]
    return DeletionFits(b=b, A=A, vb=vb, s2w=vb[:, 0, 0] / A[:, 0, 0], se=tests["se"], zval=tests["zval"],
                        pval=tests["pval"], ci_lb=tests["ci_lb"], ci_ub=tests["ci_ub"], tau2=tau2,
                        QE=het["QE"], QEp=het["QEp"], I2=het["I2"], H2=het["H2"])  # fmt: skip
