"""The engine's path for intercept-only models without user weights (most meta-analyses).

Everything comes from the weighted power sums of :mod:`._sums`: the common-effect sums at
tau^2 = 0 give QE, I^2, H^2 and the DerSimonian-Laird estimate; ML, REML, EB, PM and PMM are
solved by the safeguarded Newton solver there; the model at the estimate is one more pass.
Padding cells carry v = +inf, so a partly filled batch costs no mask multiplications.
The result is the same :class:`~._engine.BatchArrays` the general path returns; the tests
compare the two paths on the same data to 1e-10.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from metareview.models._design import Array, Design
from metareview.models._engine import (
    BatchArrays,
    _no_fit_statistics,
    _rows_of,
    coefficient_tests,
    fit_statistics,
    heterogeneity,
    tau2_slots,
)
from metareview.models._sums import ORDER, PowerSums, RowSource, solve, stuck_below_zero
from metareview.models.tau2 import COMMON_EFFECT, Control, estimate_tau2


def fit_intercept(
    yi: Array,
    vi: Array,
    mask: Array,
    *,
    methods: Sequence[str],
    test: str,
    level: float,
    control: Control,
    tau2_fixed: Array | None,
    fit_stats: bool,
) -> BatchArrays:
    """Fit a batch of intercept-only models (see :func:`~._engine.fit_batch`)."""
    B, kmax = yi.shape
    ones = np.ones(kmax)
    full = bool(mask.all())
    if full:
        y = np.asarray(yi, dtype=float)
        v = np.asarray(vi, dtype=float)
        k = np.full(B, float(kmax))
    else:
        y = np.where(mask, yi, 0.0)
        v = np.where(mask, vi, np.inf)
        k = mask.sum(axis=1).astype(float)
    # metafor estimates tau^2 from the outcomes centred at their unweighted mean
    ybar = (y @ ones) / np.maximum(k, 1.0)
    yc = np.subtract(y, ybar[:, None])
    if not full:
        np.multiply(yc, mask, out=yc)
    order = 3 if any(m in ("REML", "ML", "DL") for m in methods) else 2
    source = RowSource(yc, v, order=order)
    everyone = np.arange(B)
    fe = source.sums(everyone, np.zeros(B))  # the common-effect fit (weights 1/v)
    QE, trP_fe = fe.Q, fe.trP
    he_start = None
    if tau2_fixed is None and control.tau2_init is None and {"ML", "REML", "EB"} & set(methods):
        # Hedges' estimator truncated at 0, metafor's starting value (y is centred)
        sv = (v if full else np.where(mask, vi, 0.0)) @ ones
        with np.errstate(divide="ignore", invalid="ignore"):
            he_start = np.maximum((source.y2 @ ones - (sv - sv / k)) / (k - 1), 0.0)

    tau2, se_tau2, converged, iterations, stuck, method_used = tau2_slots(B, methods, tau2_fixed)
    logsum = np.full(B, np.nan)  # sum log(1 + tau2 / v_i), where the likelihood check took it
    if tau2_fixed is None:
        single = k == 1  # metafor's k = 1 rule: tau^2 = 0
        converged[single] = True
        todo = everyone[~single]
        for meth in methods:
            if todo.size == 0:
                break
            kt = k[todo]
            method_used[todo] = meth
            if meth in COMMON_EFFECT:
                tau2[todo], converged[todo] = 0.0, True
            elif meth == "DL":
                trP = trP_fe[todo]
                t = np.maximum((QE[todo] - (kt - 1)) / trP, 0.0)
                tau2[todo], converged[todo] = t, True
                se_tau2[todo] = np.sqrt((2 * (kt - 1) + 4 * t * trP + 2 * t * t * fe.trPP[todo]) / trP**2)
            elif meth in ORDER:
                t, se, conv, its, stk, ls = _iterative(meth, source, todo, B, yc, v, kt, control, fe, he_start)
                tau2[todo], se_tau2[todo], converged[todo], iterations[todo], stuck[todo] = t, se, conv, its, stk
                logsum[todo] = ls
            else:  # HE, HS, HSk, SJ: the general estimators on the padded arrays
                m = mask[todo].astype(float)
                fit = estimate_tau2(meth, Design(X=None, B=todo.size, k_max=kmax), yc[todo],
                                    np.where(mask[todo], vi[todo], 1.0), m, kt, _rows_of(control, todo, B))  # fmt: skip
                tau2[todo], se_tau2[todo], converged[todo] = fit.tau2, fit.se_tau2, fit.converged
            todo = todo[~converged[todo]]
    is_ee = np.isin(method_used, COMMON_EFFECT)

    # the model at the estimate
    w = np.add(v, tau2[:, None])
    np.reciprocal(w, out=w)
    s0 = w @ ones
    s1 = np.einsum("ij,ij->i", w, yc)
    s2 = np.einsum("ij,ij->i", w, source.y2)
    mu = s1 / s0
    rss = s2 - s1 * mu  # sum w (y - b)^2
    b = (mu + ybar)[:, None]
    A = (1.0 / s0)[:, None, None]
    ddf = k - 1
    tests = coefficient_tests(b, A, rss, ddf, test=test, level=level, btt=None)
    het = heterogeneity(QE, trP_fe, k, 1, tau2, is_ee)
    if fit_stats:
        logvi = np.log(v) if full else np.log(np.where(mask, vi, 1.0))
        sum_logvi = logvi @ ones
        shift = np.where(tau2 == 0, 0.0, logsum)  # sum log(v + tau2) - sum log v
        redo = np.flatnonzero(np.isnan(shift))
        if redo.size:
            shift[redo] = np.log1p(tau2[redo, None] / v[redo]) @ ones
        fit_ML, fit_REML = fit_statistics(
            logv=sum_logvi + shift, rss=rss, logdet_xtx=np.log(k), logdet_xtwx=np.log(s0),
            sum_logvi=sum_logvi, k=k, p=1, parms=1 + np.where(is_ee | (tau2_fixed is not None), 0, 1),
        )  # fmt: skip
        weights = 100 * w / s0[:, None]
    else:
        fit_ML = fit_REML = _no_fit_statistics(B)
        weights = w
    return BatchArrays(
        b=b, tau2=tau2, se_tau2=np.where(k == 1, np.nan, se_tau2), **tests, **het,  # type: ignore[arg-type]
        ddf=ddf, k=k.astype(int), p=1, weights=weights, w=w,
        fit_ML=fit_ML, fit_REML=fit_REML, converged=converged, iterations=iterations,
        method_used=method_used, stuck_at_local_max=stuck,
    )  # fmt: skip


def _iterative(
    method: str,
    source: RowSource,
    todo: np.ndarray,
    B: int,
    yc: Array,
    v: Array,
    k: Array,
    control: Control,
    fe: PowerSums,
    he_start: Array | None,
) -> tuple[Array, Array, Array, Array, Array, Array]:
    """ML, REML, EB, PM or PMM for the analyses ``todo``: (tau2, se, converged, iterations,
    stuck at a local maximum below the likelihood at 0, sum log(1 + tau2/v) where the
    likelihood check computed it, else NaN)."""
    src = source if todo.size == B else RowSource(yc[todo], v[todo], order=source.order)
    ctrl = _rows_of(control, todo, B)
    if method in ("PM", "PMM"):
        # Q(tau2) is convex and decreasing: Newton from 0 climbs to the root
        start = np.zeros(todo.size)
        target = k - 1 if method == "PM" else special.chdtri(k - 1, 0.5)
    elif ctrl.tau2_init is not None:
        start = np.broadcast_to(np.asarray(ctrl.tau2_init, dtype=float), (todo.size,))
        target = None
    else:
        assert he_start is not None  # computed by fit_intercept whenever it is needed
        start = he_start[todo]
        target = None
    sol = solve(method, src, k, start, ctrl, target=target)
    tau2, info = sol.tau2.copy(), sol.info.copy()
    stuck, logsum = stuck_below_zero(method, src, sol, fe.Q[todo], fe.s0[todo], ctrl)
    logsum[stuck] = 0.0
    tau2[stuck] = 0.0
    info[stuck] = (fe.trPP if method == "REML" else fe.S[1, 0])[todo[stuck]]
    if method in ("ML", "REML"):
        se = np.sqrt(2.0 / info)
    else:
        s0 = np.where(tau2 == 0, fe.s0[todo], sol.s0)
        se = np.sqrt(2.0 * k**2 / (k - 1) / s0**2)
    return tau2, se, sol.converged, sol.iterations, stuck, logsum
