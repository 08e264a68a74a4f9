"""The batched fitting engine behind :func:`~metareview.models.rma` and
:func:`~metareview.models.rma_batch`.

One call fits B meta-analyses (or meta-regressions) of up to k studies each: common-effect or
random-effects with any tau^2 estimator, the z, t or Knapp-Hartung test, Q, I^2, H^2, the
omnibus test of moderators and the ML/REML fit statistics. Everything is arrays of shape (B,)
or (B, p); no Python loop runs over studies or analyses (the only loop is the iteration of the
iterative estimators, over all analyses at once).

References
----------
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw
36(3):1-48. doi:10.18637/jss.v036.i03.
Hartung J, Knapp G (2001). On tests of the overall treatment effect in meta-analysis with
normally distributed responses. Stat Med 20:1771-1782. doi:10.1002/sim.791.
Sidik K, Jonkman JN (2002). A simple confidence interval for meta-analysis. Stat Med
21:3153-3159. doi:10.1002/sim.1262.
Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis. Stat Med
21:1539-1558. doi:10.1002/sim.1186.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from metareview.models._design import Array, Design, inv, logdet, tr_P, wls
from metareview.models.tau2 import COMMON_EFFECT, Control, estimate_tau2

TESTS: tuple[str, ...] = ("z", "t", "knha")

#: Cells (analyses x studies) fitted per block: ~1 MB per temporary array, so a block's
#: working set stays in the CPU cache however large the batch.
CHUNK_CELLS = 1 << 17


@dataclass(frozen=True)
class BatchArrays:
    """Raw numbers of a batch fit. Shapes: (B,) unless stated."""

    b: Array  # (B, p)
    vb: Array  # (B, p, p)
    se: Array  # (B, p)
    zval: Array  # (B, p)
    pval: Array  # (B, p)
    ci_lb: Array  # (B, p)
    ci_ub: Array  # (B, p)
    tau2: Array
    se_tau2: Array
    QE: Array
    QEp: Array
    I2: Array
    H2: Array
    vt: Array
    QM: Array
    QMp: Array
    QMdf: tuple[Array, Array]
    ddf: Array
    crit: Array
    k: Array
    p: int
    weights: Array  # (B, k) percent
    w: Array  # (B, k) the model weights 1/(vi + tau2)
    fit_ML: dict[str, Array]
    fit_REML: dict[str, Array]
    converged: Array
    iterations: Array
    method_used: Array  # (B,) object
    stuck_at_local_max: Array


def _level_alpha(level: float) -> float:
    return (100.0 - level) / 100.0 if level > 1 else 1.0 - level


def fit_batch(
    yi: Array,
    vi: Array,
    mask: Array,
    *,
    X: Array | None = None,
    btt: Sequence[int] | None = None,
    method: str | Sequence[str] = "REML",
    test: str = "z",
    level: float = 95.0,
    control: Control | None = None,
    tau2_fixed: Array | None = None,
    weights: Array | None = None,
    fit_stats: bool = True,
) -> BatchArrays:
    """Fit a batch. Inputs must be validated already (finite, vi > 0 inside the mask).

    ``method`` may be a sequence: analyses whose estimator does not converge are refitted
    with the next one (metafor's fallback chain), and ``method_used`` records which was used.
    ``fit_stats=False`` skips the log-likelihoods and normalised weights (NaN / raw weights
    in the result), which many-analysis callers do not need.
    """
    control = control or Control()
    B0, k0 = np.shape(yi)
    rows = max(1, CHUNK_CELLS // max(k0, 1))
    if B0 > rows:
        # Large batches run in blocks of rows whose temporaries stay in the CPU cache: a loop
        # over blocks of many analyses, each block one vectorised call.
        parts = [
            fit_batch(
                yi[s : s + rows], vi[s : s + rows], mask[s : s + rows],
                X=None if X is None else X[s : s + rows], btt=btt, method=method, test=test,
                level=level, control=_rows_of(control, slice(s, s + rows), B0),
                tau2_fixed=None if tau2_fixed is None else np.broadcast_to(tau2_fixed, (B0,))[s : s + rows],
                weights=None if weights is None else weights[s : s + rows], fit_stats=fit_stats,
            )  # fmt: skip
            for s in range(0, B0, rows)
        ]
        return _concat(parts)
    methods = (method,) if isinstance(method, str) else tuple(method)
    if X is None and weights is None:
        from metareview.models._intercept import fit_intercept

        return fit_intercept(yi, vi, np.asarray(mask, dtype=bool), methods=methods, test=test, level=level,
                             control=control, tau2_fixed=tau2_fixed, fit_stats=fit_stats)  # fmt: skip
    full = bool(mask.all())
    y = np.asarray(yi, dtype=float) if full else np.where(mask, yi, 0.0).astype(float)
    v = np.asarray(vi, dtype=float) if full else np.where(mask, vi, 1.0).astype(float)
    # a zero-stride view when every cell is a study: the "multiply by the mask" costs no memory
    m = np.broadcast_to(1.0, y.shape) if full else mask.astype(float)
    B, kmax = y.shape
    design = Design(X=None if X is None else np.where(mask[:, :, None], X, 0.0), B=B, k_max=kmax)
    p = design.p
    k = m.sum(axis=1)

    # metafor estimates tau^2 from the outcomes centred at their unweighted mean
    ymc = np.where(mask, y - (y * m).sum(axis=1, keepdims=True) / np.maximum(k, 1)[:, None], 0.0)

    tau2, se_tau2, converged, iterations, stuck, method_used = tau2_slots(B, methods, tau2_fixed)
    if tau2_fixed is None:
        todo = np.arange(B)
        single = k == 1  # metafor's k = 1 rule: tau^2 = 0
        todo = todo[~single]
        converged[single] = True
        tau2[single] = 0.0
        for meth in methods:
            if todo.size == 0:
                break
            sub = Design(X=None if design.X is None else design.X[todo], B=todo.size, k_max=kmax)
            t = estimate_tau2(meth, sub, ymc[todo], v[todo], m[todo], k[todo], _rows_of(control, todo, B),
                              None if weights is None else np.where(mask, weights, 0.0)[todo])
            tau2[todo] = t.tau2
            se_tau2[todo] = t.se_tau2
            converged[todo] = t.converged
            iterations[todo] = t.iterations
            stuck[todo] = t.stuck_at_local_max
            method_used[todo] = meth
            todo = todo[~t.converged]
    is_ee = np.isin(method_used, COMMON_EFFECT)

    # the model: weights, coefficients
    w = m / (v + tau2[:, None])
    fit = wls(design, y, w, mask)
    rss_knha = fit.rss
    if weights is None:
        b, A = fit.b, fit.A
        rss_f = fit.rss
    else:
        # user weights a_i: b = (X'AX)^-1 X'Ay with the sandwich variance (metafor's weights=)
        a = np.where(mask, weights, 0.0)
        afit = wls(design, y, a, mask)
        b = afit.b
        meat = design.xtdx(a * a * (v + tau2[:, None]) * m)
        A = np.einsum("bij,bjk,bkl->bil", afit.A, meat, afit.A)
        rss_f = (w * afit.r**2).sum(axis=1)
    ddf = k - p
    tests = coefficient_tests(b, A, rss_knha, ddf, test=test, level=level, btt=btt)

    # heterogeneity, from the common-effect fit
    fe = wls(design, ymc, m / v, mask)
    het = heterogeneity(fe.rss, tr_P(design, fe), k, p, tau2, is_ee)

    if fit_stats:
        logv = np.log(np.where(mask, v + tau2[:, None], 1.0)).sum(axis=1)
        sum_logvi = (np.log(v) * m).sum(axis=1)
        fit_ML, fit_REML = fit_statistics(
            logv=logv, rss=rss_f, logdet_xtx=design.logdet_xtx(m), logdet_xtwx=logdet(design.xtdx(w)),
            sum_logvi=sum_logvi, k=k, p=p, parms=p + np.where(is_ee | (tau2_fixed is not None), 0, 1),
        )  # fmt: skip
        shown = w if weights is None else np.where(mask, weights, 0.0)
        weights = 100 * shown / shown.sum(axis=1, keepdims=True)
    else:  # rma_batch: the pooled numbers only
        fit_ML = fit_REML = _no_fit_statistics(B)
        weights = w
    return BatchArrays(
        b=b, tau2=tau2, se_tau2=np.where(k == 1, np.nan, se_tau2), **tests, **het,
        ddf=ddf.astype(float), k=k.astype(int), p=p, weights=weights, w=w,
        fit_ML=fit_ML, fit_REML=fit_REML, converged=converged, iterations=iterations,
        method_used=method_used, stuck_at_local_max=stuck,
    )  # fmt: skip


def tau2_slots(B: int, methods: Sequence[str], tau2_fixed: Array | None) -> tuple[Array, ...]:
    """The per-analysis results of the tau^2 stage, before it runs: tau2 (the fixed values,
    if given), se_tau2, converged, iterations, stuck_at_local_max and method_used."""
    fixed = tau2_fixed is not None
    tau2 = np.asarray(tau2_fixed, dtype=float) * np.ones(B) if fixed else np.zeros(B)
    converged = np.full(B, fixed)
    return (tau2, np.full(B, np.nan), converged, np.zeros(B), np.zeros(B, dtype=bool),
            np.full(B, methods[0], dtype=object))  # fmt: skip


def coefficient_tests(
    b: Array, A: Array, rss: Array, ddf: Array, *, test: str, level: float, btt: Sequence[int] | None
) -> dict[str, object]:
    """Standard errors, z or t tests, confidence limits and the omnibus test QM of the
    coefficients ``b`` (B, p) with unscaled covariance ``A`` (B, p, p); ``rss`` (the weighted
    residual sum of squares) scales it for the Knapp-Hartung test."""
    B, p = b.shape
    if test == "knha":
        s2w = np.where(rss <= np.finfo(float).eps, 0.0, rss / np.where(ddf > 0, ddf, np.nan))
        vb = s2w[:, None, None] * A
    else:
        vb = A
    se = np.sqrt(np.diagonal(vb, axis1=1, axis2=2))
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = b / se
    alpha = _level_alpha(level)
    use_t = (test in ("t", "knha")) & (ddf > 0)
    # the distribution functions as SciPy's ufuncs (the same Cephes routines scipy.stats
    # calls, without its per-call overhead, which dominated fits of many small analyses)
    df_safe = np.where(ddf > 0, ddf, 1).astype(float)
    if test == "z":  # no t distribution to evaluate (the common case, and the costly one)
        crit = np.full(B, -special.ndtri(alpha / 2))
        pval = 2 * special.ndtr(-np.abs(zval))
    else:
        crit = np.where(use_t, special.stdtrit(df_safe, 1 - alpha / 2), -special.ndtri(alpha / 2))
        pval = np.where(
            use_t[:, None],
            2 * special.stdtr(df_safe[:, None], -np.abs(zval)),
            2 * special.ndtr(-np.abs(zval)),
        )
    # omnibus test of the coefficients in btt
    btt_idx = np.arange(p) if btt is None else np.asarray(btt, dtype=int)
    mdf = btt_idx.size
    if p == 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            QM = b[:, 0] ** 2 / vb[:, 0, 0]
        singular = ~(vb[:, 0, 0] > 0)
    else:
        bt = b[:, btt_idx]
        vbt = vb[:, btt_idx][:, :, btt_idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            QM = np.einsum("bi,bij,bj->b", bt, inv(vbt), bt)
        # metafor inverts vb by a Cholesky factorisation and reports NA when it fails
        singular = ~(np.diagonal(vbt, axis1=1, axis2=2) > 0).all(axis=1)
    QM = np.where(singular, np.nan, QM)
    if test in ("t", "knha"):
        QM = QM / mdf
        QMp = np.where(ddf > 0, special.fdtrc(float(mdf), df_safe, QM), np.nan)
        QMdf = (np.full(B, float(mdf)), ddf.astype(float))
    else:
        # for one coefficient, the chi-square(1) tail of z^2 is the two-sided normal p-value
        QMp = np.where(np.isnan(QM), np.nan, pval[:, 0]) if p == 1 else special.chdtrc(float(mdf), QM)
        QMdf = (np.full(B, float(mdf)), np.full(B, np.nan))
    return {"vb": vb, "se": se, "zval": zval, "pval": pval, "ci_lb": b - crit[:, None] * se,
            "ci_ub": b + crit[:, None] * se, "crit": crit, "QM": QM, "QMp": QMp, "QMdf": QMdf}  # fmt: skip


def heterogeneity(QE: Array, trP: Array, k: Array, p: int, tau2: Array, is_ee: Array) -> dict[str, Array]:
    """QE and its p-value, the typical within-study variance and I^2, H^2 as metafor reports
    them, from the common-effect fit's residual sum of squares ``QE`` and tr(P) (Higgins &
    Thompson 2002; for the common-effect model, from QE)."""
    has_df = k > p
    QE = np.where(has_df, np.maximum(0.0, QE), 0.0)
    QEp = np.where(has_df, special.chdtrc(np.maximum(k - p, 1).astype(float), QE), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        vt = np.where(has_df, (k - p) / trP, 0.0)
        I2_re = 100 * tau2 / (vt + tau2)
        H2_re = tau2 / vt + 1
        I2_ee = np.maximum(0.0, 100 * (QE - (k - p)) / QE)
        H2_ee = QE / (k - p)
    I2 = np.where(has_df, np.where(is_ee, I2_ee, I2_re), 0.0)
    H2 = np.where(has_df, np.where(is_ee, H2_ee, H2_re), 1.0)
    I2 = np.where(np.isnan(I2) & has_df & is_ee, 0.0, I2)
    return {"QE": QE, "QEp": QEp, "vt": vt, "I2": I2, "H2": H2}


def fit_statistics(
    *, logv: Array, rss: Array, logdet_xtx: Array, logdet_xtwx: Array, sum_logvi: Array,
    k: Array, p: int, parms: Array,
) -> tuple[dict[str, Array], dict[str, Array]]:
    """ML and REML log-likelihood, deviance and information criteria (metafor's fit.stats).

    ``logv`` is sum log(v_i + tau2), ``rss`` the weighted residual sum of squares, the two
    log-determinants are those of X'X and X'WX, and ``sum_logvi`` is sum log v_i (for the
    saturated model of the ML deviance)."""
    ll_ml = -0.5 * k * np.log(2 * np.pi) - 0.5 * logv - 0.5 * rss
    ll_reml = -0.5 * (k - p) * np.log(2 * np.pi) + 0.5 * logdet_xtx - 0.5 * logv - 0.5 * logdet_xtwx - 0.5 * rss
    sat = -0.5 * (k * np.log(2 * np.pi) + sum_logvi)
    dev_ml = np.where(k > p, -2 * (ll_ml - sat), 0.0)
    return _ic(ll_ml, dev_ml, parms, k), _ic(ll_reml, -2 * ll_reml, parms, k - p)


def _no_fit_statistics(B: int) -> dict[str, Array]:
    nan = np.full(B, np.nan)
    return {key: nan for key in ("ll", "dev", "AIC", "BIC", "AICc")}


def _rows_of(control: Control, rows: slice | np.ndarray, B: int) -> Control:
    """The control settings for some rows of a batch (a per-analysis tau2_init is sliced)."""
    init = control.tau2_init
    if init is None or np.ndim(init) == 0:
        return control
    from dataclasses import replace

    return replace(control, tau2_init=np.broadcast_to(np.asarray(init, dtype=float), (B,))[rows])


def _concat(parts: list[BatchArrays]) -> BatchArrays:
    """Stack the blocks of a batch back into one BatchArrays."""
    first = parts[0]
    out: dict[str, object] = {}
    for name in BatchArrays.__dataclass_fields__:
        vals = [getattr(p, name) for p in parts]
        if name == "p":
            out[name] = first.p
        elif name == "QMdf":
            out[name] = (np.concatenate([v[0] for v in vals]), np.concatenate([v[1] for v in vals]))
        elif name in ("fit_ML", "fit_REML"):
            out[name] = {key: np.concatenate([v[key] for v in vals]) for key in first.fit_ML}
        else:
            out[name] = np.concatenate(vals)
    return BatchArrays(**out)  # type: ignore[arg-type]


def _ic(ll: Array, dev: Array, parms: Array, n: Array) -> dict[str, Array]:
    """Information criteria as metafor computes them (n = k for ML, k - p for REML)."""
    nn = np.maximum(n, parms + 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "ll": ll,
            "dev": dev,
            "AIC": -2 * ll + 2 * parms,
            "BIC": -2 * ll + parms * np.log(n),
            "AICc": -2 * ll + 2 * parms * nn / (nn - parms - 1),
        }
