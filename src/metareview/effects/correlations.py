"""Effect sizes for correlation coefficients: COR (raw), UCOR (bias-corrected) and ZCOR
(Fisher's r-to-z), computed as metafor 3.8 ``escalc`` does.

Input: ``ri`` (Pearson correlation) and ``ni`` (sample size) per study.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from scipy.special import hyp2f1

from metareview.effects._base import (
    ComputeResult,
    FloatArray,
    Measure,
    check_at_least,
    check_correlation,
    register,
    weighted_mean,
)

__all__ = ["hyp2f1_series_fallback"]

REF_FISHER = (
    "Fisher RA (1921). On the 'probable error' of a coefficient of correlation deduced from a "
    "small sample. Metron 1:3-32"
)
REF_OLKIN_PRATT = (
    "Olkin I, Pratt JW (1958). Unbiased estimation of certain correlation coefficients. "
    "Ann Math Stat 29(1):201-211. doi:10.1214/aoms/1177706717"
)
REF_COR = (
    "Borenstein M, Hedges LV, Higgins JPT, Rothstein HR (2009). Introduction to "
    "Meta-Analysis, ch. 6. Wiley. doi:10.1002/9780470743386"
)

SERIES_FROM_C = 20.0  # from here on the power series converges in a few dozen terms


def hyp2f1_series_fallback(a: float, b: float, c: FloatArray, z: FloatArray) -> FloatArray:
    r"""Gauss hypergeometric function :math:`{}_2F_1(a, b; c; z)` for :math:`0 \le z \le 1`,
    :math:`c > a + b`, vectorised.

    For :math:`c \ge 20` the defining power series
    :math:`\sum_k \frac{(a)_k (b)_k}{(c)_k k!} z^k` (Abramowitz & Stegun 1964, eq. 15.1.1) is
    summed until the terms fall below 1e-17 of the sum; with *c* that large it needs a few
    dozen terms even at :math:`z = 1`. Below, and for any value the series did not settle,
    :func:`scipy.special.hyp2f1` is used. (SciPy 1.17 returns NaN, slowly, for large *c* with
    *z* near 1, i.e. for large samples with small correlations, hence the series.)

    Examples
    --------
    >>> z = np.array([0.5])   # 2F1(1, 1; 2; z) = -log(1 - z) / z = 2 log 2
    >>> round(float(hyp2f1_series_fallback(1.0, 1.0, np.array([2.0]), z)[0]), 12)
    1.38629436112
    """
    c, z = np.broadcast_arrays(np.asarray(c, dtype=np.float64), np.asarray(z, dtype=np.float64))
    out = np.full(c.shape, np.nan)
    big = (c >= SERIES_FROM_C) & (z >= 0) & (z <= 1)
    done = np.zeros(c.shape, dtype=bool)
    if big.any():
        cb, zb = c[big], z[big]
        term = np.ones_like(cb)
        total = np.ones_like(cb)
        settled = np.zeros(cb.shape, dtype=bool)
        for k in range(2000):  # passes over the studies, not a loop per study
            term = term * (a + k) * (b + k) / ((cb + k) * (k + 1)) * zb
            total = total + term
            settled = np.abs(term) <= 1e-17 * np.abs(total)
            if settled.all():
                break
        out[big] = total
        done[big] = settled
    rest = ~done
    if rest.any():
        out[rest] = hyp2f1(a, b, c[rest], z[rest])
    return out


_WHY_N = "(metafor leaves the sampling variance of a correlation undefined for ni <= 3)"


def _checks(a: Mapping[str, FloatArray], min_n: float, why: str) -> None:
    check_correlation(a, "ri")
    check_at_least(a, "ni", min_n, why)


def _cor_vi(yi: FloatArray, ni: FloatArray, vtype: NDArray[np.str_]) -> FloatArray:
    vi = (1 - yi**2) ** 2 / (ni - 1)
    if (vtype == "AV").any():
        m = weighted_mean(yi, ni)
        vi = np.where(vtype == "AV", (1 - m**2) ** 2 / (ni - 1), vi)
    return vi


def _cor(a: Mapping[str, FloatArray], *, vtype: NDArray[np.str_], **_: object) -> ComputeResult:
    r"""Raw correlation :math:`y = r`; ``"LS"``: :math:`(1-r^2)^2/(n-1)`; ``"AV"``: with the
    sample-size weighted mean *r* (Borenstein et al. 2009, eq. 6.1). The unbiased variance
    ``vtype="UB"`` belongs to the bias-corrected ``"UCOR"`` (as in metafor)."""
    _checks(a, 4, _WHY_N)
    ri, ni = a["ri"], a["ni"]
    return ComputeResult(ri.copy(), _cor_vi(ri, ni, vtype), ni)


def _ucor(a: Mapping[str, FloatArray], *, vtype: NDArray[np.str_],
          **_: object) -> ComputeResult:
    r"""Unbiased correlation of Olkin & Pratt (1958, eq. 2.3),
    :math:`y = r\,{}_2F_1(\tfrac12,\tfrac12;\tfrac{n-2}{2};1-r^2)`;
    ``"UB"`` (unbiased): :math:`y^2 - 1 + \frac{n-3}{n-2}(1-r^2)\,{}_2F_1(1,1;\tfrac n2;1-r^2)`;
    ``"LS"``/``"AV"`` as for ``"COR"``."""
    _checks(a, 5, "(the bias correction of Olkin & Pratt 1958 needs ni > 4)")
    ri, ni = a["ri"], a["ni"]
    x = 1 - ri**2
    yi = ri * hyp2f1_series_fallback(0.5, 0.5, (ni - 2) / 2, x)
    vi = _cor_vi(yi, ni, vtype)
    if (vtype == "UB").any():
        ub = yi**2 - (1 - (ni - 3) / (ni - 2) * x * hyp2f1_series_fallback(1.0, 1.0, ni / 2, x))
        vi = np.where(vtype == "UB", ub, vi)
    return ComputeResult(yi, vi, ni)


def _zcor(a: Mapping[str, FloatArray], **_: object) -> ComputeResult:
    r"""Fisher's r-to-z, :math:`y = \tfrac12\ln\frac{1+r}{1-r}`, :math:`v = 1/(n-3)`
    (Fisher 1921). Back-transform with :func:`~.transforms.transf_ztor` (tanh)."""
    _checks(a, 4, "(the variance 1/(ni - 3) needs ni > 3)")
    ri, ni = a["ri"], a["ni"]
    with np.errstate(divide="ignore"):
        yi = 0.5 * np.log((1 + ri) / (1 - ri))
    return ComputeResult(yi, 1 / (ni - 3), ni)


_ALTS = (("ri", "ni"),)
register(Measure("COR", "raw correlation coefficient", "correlation", _ALTS, _cor,
                 vtypes=("LS", "AV"), back=None, reference=REF_COR))
register(Measure("UCOR", "bias-corrected correlation coefficient", "correlation", _ALTS, _ucor,
                 vtypes=("UB", "LS", "AV"), back=None,
                 reference=f"{REF_OLKIN_PRATT}; {REF_COR}"))
register(Measure("ZCOR", "Fisher r-to-z transformed correlation", "correlation", _ALTS, _zcor,
                 back="transf_ztor", reference=f"{REF_FISHER}; {REF_COR}"))
