"""The intercept-only random-effects model from weighted power sums, and its tau^2 solver.

Without moderators, every quantity the estimators of tau^2 need is a function of the
weighted power sums

.. math:: S_{n,p}(\\tau^2) = \\sum_i w_i^n y_i^p, \\qquad w_i = 1 / (v_i + \\tau^2),
   \\qquad n = 1, 2, 3,\\; p = 0, 1, 2,

with ``y`` centred (these are the traces and quadratic forms of :mod:`._design` with
``X = 1``; Viechtbauer 2005 writes the ML and REML estimating equations in them):

* :math:`\\mu = S_{11}/S_{10}` and :math:`Q = y'Py = S_{12} - \\mu S_{11}`;
* :math:`y'PPy = S_{22} - 2\\mu S_{21} + \\mu^2 S_{20}`;
* :math:`\\operatorname{tr}P = S_{10} - S_{20}/S_{10}` and
  :math:`\\operatorname{tr}PP = S_{20} - 2 S_{30}/S_{10} + (S_{20}/S_{10})^2`;
* :math:`y'PPPy = (S_{32} - 2\\mu S_{31} + \\mu^2 S_{30}) - (S_{21} - \\mu S_{20})^2 / S_{10}`.

Since :math:`dP/d\\tau^2 = -PP`, the derivatives of the estimating equations come from the
same sums, so ML and REML are solved by Newton's method (quadratic convergence) rather than
by Fisher scoring (linear), inside a bracket that makes it safe (Press WH et al., Numerical
Recipes, 3rd ed., 2007, section 9.4, "rtsafe"). Each step costs a handful of row-wise dot
products; no k-by-k matrix and no (B, k) temporary beyond ``w``, ``w^2`` and ``w^3``.

Where the sums come from is a *source*. :class:`RowSource` computes them from a (B, k) batch
in which padding cells carry ``v = +inf`` (so their weights are exactly zero and no mask is
ever multiplied in), dropping analyses from its arrays as they converge. The leave-one-out
module supplies them for the k deletion fits from power sums of the full data
(:mod:`metareview.diagnostics._deletion`). One solver serves both.

References
----------
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
random-effects model. J Educ Behav Stat 30:261-293. doi:10.3102/10769986030003261.
Paule RC, Mandel J (1982). Consensus values and weighting factors. J Res Natl Bur Stand
87:377-385.
Morris CN (1983). Parametric empirical Bayes inference. J Am Stat Assoc 78:47-55.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from metareview.models.tau2 import Control

Array = NDArray[np.float64]

#: studies per block when one analysis is very large (3 x 256 KB of workspace)
BLOCK = 1 << 15

#: estimators of tau^2 solved here, with the highest power of w each needs
ORDER: dict[str, int] = {"REML": 3, "ML": 3, "EB": 2, "PM": 2, "PMM": 2}


@dataclass(frozen=True)
class PowerSums:
    """``S[n - 1, p]`` = sum_i w_i^n y_i^p for each analysis: shape (order, 3, B)."""

    S: Array

    @property
    def s0(self) -> Array:
        return self.S[0, 0]

    @property
    def mu(self) -> Array:
        return self.S[0, 1] / self.S[0, 0]

    @property
    def Q(self) -> Array:
        """y'Py = sum w (y - mu)^2 (the generalised Q statistic)."""
        return self.S[0, 2] - self.S[0, 1] * self.mu

    @property
    def trP(self) -> Array:
        return self.S[0, 0] - self.S[1, 0] / self.S[0, 0]

    def ypp(self, mu: Array) -> Array:
        """y'PPy = sum w^2 (y - mu)^2."""
        S = self.S
        return S[1, 2] - 2 * mu * S[1, 1] + mu * mu * S[1, 0]

    @property
    def trPP(self) -> Array:
        S = self.S
        ratio = S[1, 0] / S[0, 0]
        return S[1, 0] - 2 * S[2, 0] / S[0, 0] + ratio * ratio

    def yppp(self, mu: Array) -> Array:
        """y'PPPy = sum w^3 (y - mu)^2 - (sum w^2 (y - mu))^2 / sum w."""
        S = self.S
        c = S[1, 1] - mu * S[1, 0]
        return (S[2, 2] - 2 * mu * S[2, 1] + mu * mu * S[2, 0]) - c * c / S[0, 0]


class SumSource(Protocol):
    """Supplies the power sums of analyses ``idx`` at ``tau2`` (one value per analysis)."""

    def sums(self, idx: np.ndarray, tau2: Array) -> PowerSums: ...

    def log1p_sum(self, idx: np.ndarray, tau2: Array) -> Array:
        """sum_i log(1 + tau2 / v_i) per analysis (the log-determinant change from 0)."""
        ...


class RowSource:
    """Power sums of a batch (B, k): ``y`` centred and 0 in padding, ``v`` +inf in padding.

    The solver asks for an ever smaller set of analyses as they converge; once a quarter of
    the rows held have dropped out, the arrays are compacted, so late iterations on a few
    stubborn analyses cost little. Rows outside the held set are read from the originals.
    """

    def __init__(self, y: Array, v: Array, *, order: int) -> None:
        self._y0, self._v0 = y, v
        self._y2_0 = y * y
        self.order = order
        B, k = y.shape
        self._rows = np.arange(B)
        self._y, self._v, self._y2 = y, v, self._y2_0
        self._t = np.zeros(B)
        self._ones = np.ones(k)
        self._buf = np.empty((order, B, k)) if k <= BLOCK else np.empty((order, 0, 0))

    @property
    def y2(self) -> Array:
        """The squared centred outcomes of every analysis (B, k)."""
        return self._y2_0

    def _compute(self, y: Array, y2: Array, v: Array, t: Array) -> Array:
        n, k = y.shape
        S = np.zeros((self.order, 3, n))
        if k <= BLOCK:
            W = self._buf[:, :n] if n <= self._buf.shape[1] else np.empty((self.order, n, k))
            self._accumulate(S, W, y, y2, v, t, self._ones)
            return S
        # very large analyses: blocks of studies whose w, w^2, w^3 stay in the CPU cache,
        # so each step reads y, y^2 and v once from memory
        W = np.empty((self.order, n, BLOCK))
        for j in range(0, k, BLOCK):
            m = min(BLOCK, k - j)
            cols = slice(j, j + m)
            self._accumulate(S, W[:, :, :m], y[:, cols], y2[:, cols], v[:, cols], t, self._ones[:m])
        return S

    def _accumulate(self, S: Array, W: Array, y: Array, y2: Array, v: Array, t: Array, ones: Array) -> None:
        """Add the power sums of these studies to S (W: workspace of shape (order,) + y.shape)."""
        w = W[0]
        np.add(v, t[:, None], out=w)
        np.reciprocal(w, out=w)
        for j in range(self.order):
            if j:
                np.multiply(W[j - 1], w, out=W[j])
            S[j, 0] += W[j] @ ones
            S[j, 1] += np.einsum("ij,ij->i", W[j], y)
            S[j, 2] += np.einsum("ij,ij->i", W[j], y2)

    def sums(self, idx: np.ndarray, tau2: Array) -> PowerSums:
        rows = self._rows
        if np.array_equal(idx, rows):
            self._t = np.asarray(tau2, dtype=float)
            return PowerSums(self._compute(self._y, self._y2, self._v, self._t))
        pos = np.searchsorted(rows, idx)
        inside = pos < rows.size
        inside[inside] = rows[pos[inside]] == idx[inside]
        if not inside.all():  # rows already dropped: read them from the originals
            return PowerSums(self._compute(self._y0[idx], self._y2_0[idx], self._v0[idx], tau2))
        if idx.size <= 0.75 * rows.size:
            self._y, self._v, self._y2 = self._y[pos], self._v[pos], self._y2[pos]
            self._rows, self._t = idx, np.asarray(tau2, dtype=float)
            return PowerSums(self._compute(self._y, self._y2, self._v, self._t))
        self._t[pos] = tau2
        return PowerSums(self._compute(self._y, self._y2, self._v, self._t)[:, :, pos])

    def log1p_sum(self, idx: np.ndarray, tau2: Array) -> Array:
        v = self._v0[idx]
        return np.log1p(tau2[:, None] / v).sum(axis=1)


@dataclass(frozen=True)
class Solution:
    """Roots of the estimating equation, with what the last step saw there (shape (B,))."""

    tau2: Array
    converged: NDArray[np.bool_]
    iterations: Array
    info: Array  # the expected information (REML tr PP, ML sum w^2, else sum w) at the root
    s0: Array  # sum w at the root
    Q: Array  # y'Py at the root


def _equation(method: str, s: PowerSums, k: Array, target: Array | None) -> tuple[Array, Array, Array]:
    """(f, f', I): the estimating equation f(tau2), decreasing through its root, its
    derivative, and a positive scale I with f / I the Fisher-scoring step."""
    mu = s.mu
    if method == "REML":
        trPP = s.trPP
        return s.ypp(mu) - s.trP, trPP - 2 * s.yppp(mu), trPP
    if method == "ML":
        S20 = s.S[1, 0]
        return s.ypp(mu) - s.s0, S20 - 2 * s.yppp(mu), S20
    q, ypp = s.Q, s.ypp(mu)
    if method == "EB":
        return q * k / (k - 1) - k, -ypp * k / (k - 1), s.s0
    goal = k - 1 if target is None else target  # PM; PMM passes the chi-square median
    return q - goal, -ypp, s.s0


def solve(
    method: str,
    source: SumSource,
    k: Array,
    tau2_start: Array,
    control: Control,
    *,
    target: Array | None = None,
) -> Solution:
    """Solve the estimating equation of ``method`` for every analysis at once.

    Newton's method in a bracket [lo, hi] that every evaluation narrows (the equation is
    positive below its root and negative above it): a step that would leave the bracket, or
    that does not at least halve the step before it, is replaced by bisection (rtsafe). Where
    the Newton step is undefined (ML and REML are not concave everywhere), the Fisher-scoring
    step is taken instead. A step to or below 0 tries the boundary itself once, so a root at
    tau^2 = 0 is reached exactly. An analysis stops when its step is below
    ``control.threshold * max(1, tau2)``.
    """
    B = tau2_start.shape[0]
    t = np.maximum(np.asarray(tau2_start, dtype=float), 0.0).copy()
    lo, hi = np.zeros(B), np.full(B, np.inf)
    last_step = np.full(B, np.inf)
    zero_seen = np.zeros(B, dtype=bool)  # f(0) > 0 has been seen: 0 is not the root
    iterations = np.zeros(B)
    converged = np.zeros(B, dtype=bool)
    info, s0, Q = np.full(B, np.nan), np.full(B, np.nan), np.full(B, np.nan)
    idx = np.arange(B)
    for _ in range(control.maxiter):
        tt = t[idx]
        s = source.sums(idx, tt)
        f, df, scale = _equation(method, s, k[idx], None if target is None else target[idx])
        info[idx], s0[idx], Q[idx] = scale, s.s0, s.Q
        up = f > 0
        lo_i = np.where(up, np.maximum(lo[idx], tt), lo[idx])
        hi_i = np.where(up, hi[idx], np.minimum(hi[idx], tt))
        lo[idx], hi[idx] = lo_i, hi_i
        zs = zero_seen[idx] | (up & (tt == 0))
        zero_seen[idx] = zs
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = tt - f / df
            fisher = tt + f / scale
            # Newton where it lands inside the bracket (and above 0); else the scoring step;
            # rtsafe's rule: bisect when a step would not halve the one before
            newton_ok = (df < 0) & (newton > lo_i) & (newton < hi_i) & (newton > 0)
            slow = newton_ok & (np.abs(2 * f) > np.abs(last_step[idx] * df))
            fisher_ok = (fisher > lo_i) & (fisher < hi_i) & (fisher > 0)
        # as in plain scoring, a scoring step to or below 0 tries the boundary itself (once)
        to_zero = ~newton_ok & (fisher <= 0) & (lo_i == 0) & (tt > 0) & ~zs
        bisect = np.isfinite(hi_i) & ((~newton_ok & ~fisher_ok) | slow) & ~to_zero
        new = np.where(newton_ok, newton, fisher)
        new = np.where(bisect, 0.5 * (lo_i + hi_i), new)
        new = np.where(to_zero | ~np.isfinite(new), 0.0, np.maximum(new, 0.0))
        new = np.where(f == 0, tt, new)  # an exact root
        step = new - tt
        t[idx] = new
        last_step[idx] = step
        iterations[idx] += 1
        still = np.abs(step) > control.threshold * np.maximum(1.0, new)
        converged[idx[~still]] = True
        idx = idx[still]
        if idx.size == 0:
            break
    return Solution(tau2=t, converged=converged, iterations=iterations, info=info, s0=s0, Q=Q)


def stuck_below_zero(
    method: str, source: SumSource, sol: Solution, Q0: Array, s0_0: Array, control: Control
) -> tuple[NDArray[np.bool_], Array]:
    """metafor's check that an ML or REML maximum is not below the likelihood at tau^2 = 0.

    Returns (stuck, L): stuck is True where ll(0) - ll(tau2) exceeds ``control.ll0tol``;
    L = sum log(1 + tau2 / v_i) where it was computed (NaN elsewhere), which the fit
    statistics reuse. ``Q0`` and ``s0_0`` are Q and sum w at tau^2 = 0, and

        ll(0) - ll(tau2) = (L + Q(tau2) - Q(0) [+ log(sum w(tau2) / sum w(0)) for REML]) / 2.
    """
    bad = np.zeros(sol.tau2.size, dtype=bool)
    L = np.full(sol.tau2.size, np.nan)
    if method not in ("ML", "REML") or not control.ll0check:
        return bad, L
    cand = np.flatnonzero(sol.converged & (sol.tau2 > control.threshold))
    if cand.size:
        L[cand] = source.log1p_sum(cand, sol.tau2[cand])
        gap = L[cand] + sol.Q[cand] - Q0[cand]
        if method == "REML":
            gap = gap + np.log(sol.s0[cand] / s0_0[cand])
        bad[cand[0.5 * gap > control.ll0tol]] = True
    return bad, L
