"""Common- and random-effects models and meta-regression: :func:`rma` and :func:`rma_batch`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import ConvergenceError, ConvergenceWarning, InputError, StatisticalWarning
from metareview.models._engine import BatchArrays, fit_batch
from metareview.models._validate import as_1d, check_level, check_method, check_test, check_yi_vi
from metareview.models.regression import build_design
from metareview.models.results import BatchResult, RMAResult
from metareview.models.tau2 import COMMON_EFFECT, Control


def _control(control: dict[str, Any] | Control | None) -> Control:
    if control is None:
        return Control()
    if isinstance(control, Control):
        return control
    allowed = set(Control.__dataclass_fields__)
    unknown = set(control) - allowed
    if unknown:
        raise InputError(
            f"unknown control setting(s) {sorted(unknown)}",
            column="control",
            hint="use " + ", ".join(sorted(allowed)),
        )
    return Control(**control)


def rma(
    yi: Any,
    vi: Any = None,
    *,
    method: str | Sequence[str] = "REML",
    test: str = "z",
    level: float = 95.0,
    mods: Any = None,
    data: Any = None,
    intercept: bool = True,
    slab: Sequence[str] | None = None,
    measure: str | None = None,
    tau2: float | None = None,
    weights: Any = None,
    control: dict[str, Any] | Control | None = None,
) -> RMAResult:
    """Fit a common-effect, random-effects or mixed-effects meta-analytic model.

    Parameters
    ----------
    yi : array-like of shape (k,), or an :class:`~metareview.effects.Effects`
        Observed effect sizes. An ``Effects`` object brings its ``vi``, ``slab`` and
        ``measure`` along.
    vi : array-like of shape (k,)
        Sampling variances (positive).
    method : str or sequence of str, default "REML"
        ``"EE"`` (alias ``"FE"``, ``"CE"``) for the common-effect model, or a tau^2 estimator:
        ``"DL"``, ``"HE"``, ``"HS"``, ``"HSk"``, ``"SJ"``, ``"ML"``, ``"REML"``, ``"EB"``,
        ``"PM"``, ``"PMM"``. A sequence is a fallback chain: analyses on which an iterative
        estimator fails to converge are refitted with the next one (``method_used`` says which
        was used, and a :class:`~metareview.errors.ConvergenceWarning` says why).
    test : {"z", "t", "knha"}, default "z"
        Inference for the coefficients: normal, t with k - p df, or the Hartung-Knapp(-Sidik-
        Jonkman) adjustment (``"knha"``, alias ``"hksj"``).
    level : float, default 95
        Confidence level in percent (a fraction below 1 is accepted too).
    mods : str, array-like or DataFrame, optional
        Moderators: a formula evaluated on ``data`` or a matrix (an intercept is added when
        ``intercept`` is true, as in metafor).
    tau2 : float, optional
        Fix tau^2 at this value instead of estimating it.
    weights : array-like of shape (k,), optional
        User weights a_i (metafor's ``weights=``): the coefficients are then estimated with
        these weights and a sandwich variance; required by ``method="GENQ"``.
    control : dict or Control, optional
        ``threshold`` (convergence, default 1e-13), ``maxiter`` (1000), ``ll0check``.

    Returns
    -------
    RMAResult

    Notes
    -----
    Weights are :math:`w_i = 1/(v_i + \\hat\\tau^2)`; the estimate is the weighted least
    squares solution :math:`\\hat\\beta = (X^\\top W X)^{-1} X^\\top W y`. The k = 1 policy
    follows metafor: tau^2 is set to 0, the test to z, and a
    :class:`~metareview.errors.StatisticalWarning` says so. With k = 2 every estimator runs
    (k - p = 1) but tau^2 is very imprecise.

    References
    ----------
    Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat Softw
    36(3):1-48. doi:10.18637/jss.v036.i03.

    Examples
    --------
    >>> from metareview.models import rma
    >>> res = rma([0.1, 0.3, 0.35, 0.65], [0.04, 0.02, 0.05, 0.03], method="DL")
    >>> round(res.estimate, 4), round(res.tau2, 4)
    (0.3579, 0.0182)
    """
    yi, vi, slab, measure = _unpack(yi, vi, slab, measure)
    check_yi_vi(yi, vi)
    methods = check_method(method)
    test = check_test(test)
    level = check_level(level)
    ctrl = _control(control)
    k = yi.size
    notes: list[str] = []
    wts = None
    if weights is not None:
        wts = as_1d(weights, "weights")
        if wts.size != k:
            raise InputError(f"weights has {wts.size} values for {k} studies", column="weights")
        bad = ~np.isfinite(wts) | (wts <= 0)
        if bad.any():
            raise InputError("weights must be positive", row=[int(i) + 1 for i in np.flatnonzero(bad)],
                             column="weights")  # fmt: skip
    elif "GENQ" in methods:
        raise InputError("method GENQ needs weights=", column="weights",
                         hint="e.g. weights=1/vi, or choose another estimator")  # fmt: skip
    if mods is not None:
        design = build_design(mods, data=data, k=k, intercept=intercept)
        X = design.X
        p = X.shape[1]
        is_int_only = p == 1 and design.intercept
    else:
        design = None
        X = None
        p = 1
        is_int_only = True
    needs = p if (methods[0] in COMMON_EFFECT or tau2 is not None) else p + 1
    if not (is_int_only and k == 1) and k < needs:
        raise InputError(
            f"{k} studies are too few to estimate {needs} parameters",
            column="yi",
            hint="use fewer moderators, or the common-effect model (method='EE')",
        )
    if k == 1:
        msg = "k = 1: tau^2 cannot be estimated and is set to 0; the result is the single study's estimate"
        warnings.warn(msg, StatisticalWarning, stacklevel=2)
        notes.append(msg)
        test = "z"
    arr = fit_batch(
        yi[None, :],
        vi[None, :],
        np.ones((1, k), dtype=bool),
        X=None if (X is None or is_int_only) else X[None, :, :],
        btt=None if design is None or is_int_only else design.btt,
        method=methods,
        test=test,
        level=level,
        control=ctrl,
        tau2_fixed=None if tau2 is None else np.array([float(tau2)]),
        weights=None if wts is None else wts[None, :],
    )
    used = str(arr.method_used[0])
    if not arr.converged[0]:
        raise ConvergenceError(
            f"the {used} estimator did not converge in {ctrl.maxiter} iterations",
        )
    if used != methods[0]:
        msg = f"{methods[0]} did not converge; tau^2 was estimated with {used} instead"
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        notes.append(msg)
    if arr.stuck_at_local_max[0]:
        msg = f"{used} stopped at a local maximum below the likelihood at tau^2 = 0; tau^2 set to 0"
        warnings.warn(msg, ConvergenceWarning, stacklevel=2)
        notes.append(msg)
    R2 = None
    if design is not None and not is_int_only and design.intercept:
        R2 = _r2(yi, vi, arr, used, test, level, ctrl, design.X)
    return _to_result(
        arr, 0, yi=yi, vi=vi, slab=slab, measure=measure, method=method, test=test, level=level,
        X=None if is_int_only else X,
        names=("intrcpt",) if design is None or is_int_only else design.names,
        intercept=True if design is None else design.intercept,
        btt=(0,) if design is None or is_int_only else design.btt,
        R2=R2, notes=tuple(notes),
    )  # fmt: skip


def _r2(yi, vi, arr, used, test, level, ctrl, X) -> float:  # type: ignore[no-untyped-def]
    """Proportional reduction in tau^2 (Raudenbush 2009), or adjusted R^2 for EE models."""
    if used in COMMON_EFFECT:
        if np.var(yi) == 0:
            return 0.0
        w = 1 / vi
        n, p = X.shape
        beta = np.linalg.solve(X.T @ (w[:, None] * X), X.T @ (w * yi))
        rss = np.sum(w * (yi - X @ beta) ** 2)
        ybar = np.sum(w * yi) / np.sum(w)
        tss = np.sum(w * (yi - ybar) ** 2)
        r2 = 1 - rss / tss
        return float(max(0.0, 100 * (1 - (1 - r2) * (n - 1) / (n - p))))
    k = yi.size
    base = fit_batch(yi[None, :], vi[None, :], np.ones((1, k), dtype=bool), method=used, test=test,
                     level=level, control=ctrl)  # fmt: skip
    tau2_re = float(base.tau2[0])
    if tau2_re == 0:
        return 0.0
    return float(max(0.0, 100 * (tau2_re - float(arr.tau2[0])) / tau2_re))


def _unpack(yi: Any, vi: Any, slab: Any, measure: str | None):  # type: ignore[no-untyped-def]
    if hasattr(yi, "yi") and hasattr(yi, "vi") and vi is None:
        eff = yi
        slab = slab if slab is not None else getattr(eff, "slab", None)
        measure = measure or getattr(eff, "measure", None)
        yi, vi = eff.yi, eff.vi
    if vi is None:
        raise InputError("sampling variances are missing", column="vi", hint="pass vi=")
    yi = as_1d(yi, "yi")
    vi = as_1d(vi, "vi")
    if slab is None:
        from metareview._labels import StudyLabels

        slab = StudyLabels(yi.size)
    else:
        slab = tuple(str(s) for s in slab)
        if len(slab) != yi.size:
            raise InputError(f"slab has {len(slab)} labels for {yi.size} studies", column="slab")
    return yi, vi, slab, measure


def _to_result(arr: BatchArrays, i: int, *, yi, vi, slab, measure, method, test, level, X, names,
               intercept, btt, R2, notes) -> RMAResult:  # type: ignore[no-untyped-def]  # fmt: skip
    fs = pd.DataFrame(
        {
            "ML": [float(arr.fit_ML[s][i]) for s in ("ll", "dev", "AIC", "BIC", "AICc")],
            "REML": [float(arr.fit_REML[s][i]) for s in ("ll", "dev", "AIC", "BIC", "AICc")],
        },
        index=["ll", "dev", "AIC", "BIC", "AICc"],
    )
    k = int(arr.k[i])
    return RMAResult(
        yi=_ro(yi), vi=_ro(vi), slab=slab, measure=measure,
        method=method if isinstance(method, str) else tuple(method),
        method_used=str(arr.method_used[i]), test=test, level=level, k=k, p=arr.p,
        coef_names=tuple(names), X=None if X is None else _ro(X), intercept=intercept, btt=tuple(btt),
        b=_ro(arr.b[i]), vb=_ro(arr.vb[i]), se=_ro(arr.se[i]), zval=_ro(arr.zval[i]),
        pval=_ro(arr.pval[i]), ci_lb=_ro(arr.ci_lb[i]), ci_ub=_ro(arr.ci_ub[i]),
        tau2=float(arr.tau2[i]), se_tau2=float(arr.se_tau2[i]), I2=float(arr.I2[i]),
        H2=float(arr.H2[i]), vt=float(arr.vt[i]), QE=float(arr.QE[i]), QEp=float(arr.QEp[i]),
        QM=float(arr.QM[i]), QMp=float(arr.QMp[i]),
        QMdf=(float(arr.QMdf[0][i]), float(arr.QMdf[1][i])), ddf=float(arr.ddf[i]),
        crit=float(arr.crit[i]), weights=_ro(arr.weights[i, :k]), fit_stats=fs, R2=R2,
        converged=bool(arr.converged[i]), iterations=int(arr.iterations[i]), notes=notes,
    )  # fmt: skip


def _ro(a: np.ndarray) -> np.ndarray:
    out = np.array(a, dtype=float, copy=True)
    out.setflags(write=False)
    return out


def rma_batch(
    yi: Any,
    vi: Any,
    *,
    mask: Any = None,
    method: str | Sequence[str] = "REML",
    test: str = "z",
    level: float = 95.0,
    control: dict[str, Any] | Control | None = None,
) -> BatchResult:
    """Fit many intercept-only meta-analyses in one vectorised call.

    Parameters
    ----------
    yi, vi : array-like of shape (B, k)
        One row per meta-analysis. Analyses with fewer than k studies are padded; ``mask``
        (True = a study) says which cells are real. Without a mask, NaN cells are padding.
    method, test, level, control
        As in :func:`rma`. A method chain applies per analysis.

    Returns
    -------
    BatchResult
        Arrays of shape (B,). Analyses whose estimator did not converge (after the whole
        chain) have NaN results and ``converged`` False, with one ConvergenceWarning naming
        how many.

    Examples
    --------
    >>> import numpy as np
    >>> from metareview.models import rma_batch
    >>> yi = np.array([[0.1, 0.3, 0.35, 0.65], [0.2, 0.1, np.nan, np.nan]])
    >>> vi = np.array([[0.04, 0.02, 0.05, 0.03], [0.01, 0.02, np.nan, np.nan]])
    >>> res = rma_batch(yi, vi, method="DL")
    >>> np.round(res.estimate, 4).tolist()
    [0.3579, 0.1667]
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim == 1:
        y, v = y[None, :], v[None, :]
    if y.shape != v.shape or y.ndim != 2:
        raise InputError(f"yi {y.shape} and vi {v.shape} must be 2-D arrays of one shape", column="vi")
    if mask is None:
        fy, fv = np.isfinite(y), np.isfinite(v)
        m = fy & fv
        if not m.all():
            partial = fy != fv
            if partial.any():
                r = int(np.flatnonzero(partial.any(axis=1))[0]) + 1
                raise InputError("a study has yi or vi but not both", row=r, column="vi")
    else:
        m = np.asarray(mask, dtype=bool)
        if m.shape != y.shape:
            raise InputError(f"mask has shape {m.shape}, expected {y.shape}", column="mask")
        bad = m & ~(np.isfinite(y) & np.isfinite(v))
        if bad.any():
            r = int(np.flatnonzero(bad.any(axis=1))[0]) + 1
            raise InputError("yi or vi is missing inside the mask", row=r, column="yi")
    full = bool(m.all())
    bad = (v <= 0) if full else m & (v <= 0)
    if bad.any():
        r = int(np.flatnonzero(bad.any(axis=1))[0]) + 1
        raise InputError("sampling variances must be positive", row=r, column="vi")
    kk = np.full(y.shape[0], y.shape[1]) if full else m.sum(axis=1)
    methods = check_method(method)
    needs = 1 if methods[0] in COMMON_EFFECT else 2
    few = (kk < needs) & (kk != 1)
    if few.any() or (kk == 0).any():
        r = int(np.flatnonzero(few | (kk == 0))[0]) + 1
        raise InputError(f"analysis has {int(kk[r - 1])} studies", row=r, column="yi")
    test = check_test(test)
    level = check_level(level)
    arr = fit_batch(y, v, m, method=methods, test=test, level=level, control=_control(control), fit_stats=False)
    from metareview.models.inference import prediction_interval

    pi_lb, pi_ub = prediction_interval(arr.b[:, 0], arr.se[:, 0], arr.tau2, arr.crit)
    conv = arr.converged

    def nan_unconverged(a: np.ndarray) -> np.ndarray:
        return np.where(conv, a, np.nan)

    if not conv.all():
        warnings.warn(
            f"{int((~conv).sum())} of {conv.size} analyses did not converge; their results are NaN",
            ConvergenceWarning,
            stacklevel=2,
        )
    return BatchResult(
        k=arr.k, estimate=nan_unconverged(arr.b[:, 0]), se=nan_unconverged(arr.se[:, 0]),
        zval=nan_unconverged(arr.zval[:, 0]), pval=nan_unconverged(arr.pval[:, 0]),
        ci_lb=nan_unconverged(arr.ci_lb[:, 0]), ci_ub=nan_unconverged(arr.ci_ub[:, 0]),
        pi_lb=nan_unconverged(pi_lb), pi_ub=nan_unconverged(pi_ub),
        tau2=nan_unconverged(arr.tau2), se_tau2=nan_unconverged(arr.se_tau2),
        I2=nan_unconverged(arr.I2), H2=nan_unconverged(arr.H2), QE=arr.QE, QEp=arr.QEp,
        method=arr.method_used, converged=conv, test=test, level=level,
    )  # fmt: skip
