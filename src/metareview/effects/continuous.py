"""Effect sizes for continuous outcomes: MD, SMD, ROM (two groups) and MC, SMCC, SMCR
(pre-post / paired designs), computed as metafor 3.8 ``escalc`` does.

All functions are vectorised over studies; a vtype given per study is handled with
``np.where``, never with a loop over studies.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaln

from metareview.effects._base import (
    ComputeResult,
    FloatArray,
    Measure,
    check_at_least,
    check_correlation,
    check_positive,
    fail,
    register,
    weighted_mean,
)

__all__ = ["hedges_correction"]

_SD_HINT = "give the standard deviation (not the variance or the standard error); zero or missing SDs must be estimated first, e.g. with metareview.effects.prepare_continuous"

REF_HEDGES1981 = (
    "Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related "
    "estimators. J Educ Stat 6(2):107-128. doi:10.3102/10769986006002107"
)
REF_HEDGES1983 = (
    "Hedges LV (1983). A random effects model for effect sizes. Psychol Bull 93(2):388-395. "
    "doi:10.1037/0033-2909.93.2.388"
)
REF_BORENSTEIN2009 = (
    "Borenstein M (2009). Effect sizes for continuous data. In Cooper H, Hedges LV, "
    "Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd ed., "
    "pp. 221-235. Russell Sage Foundation"
)
REF_HGC1999 = (
    "Hedges LV, Gurevitch J, Curtis PS (1999). The meta-analysis of response ratios in "
    "experimental ecology. Ecology 80(4):1150-1156. "
    "doi:10.1890/0012-9658(1999)080[1150:TMAORR]2.0.CO;2"
)
REF_BECKER1988 = (
    "Becker BJ (1988). Synthesizing standardized mean-change measures. Br J Math Stat "
    "Psychol 41(2):257-278. doi:10.1111/j.2044-8317.1988.tb00901.x"
)
REF_MORRIS2000 = (
    "Morris SB (2000). Distribution of the standardized mean change effect size for "
    "meta-analysis on repeated measures. Br J Math Stat Psychol 53(1):17-29. "
    "doi:10.1348/000711000159150"
)
REF_GIBBONS1993 = (
    "Gibbons RD, Hedeker DR, Davis JM (1993). Estimation of effect size from a series of "
    "experiments involving paired comparisons. J Educ Stat 18(3):271-279. "
    "doi:10.3102/10769986018003271"
)


def hedges_correction(mi: FloatArray) -> FloatArray:
    r"""Exact small-sample bias correction :math:`c(m)` of Hedges (1981).

    .. math:: c(m) = \frac{\Gamma(m/2)}{\sqrt{m/2}\,\Gamma((m-1)/2)}

    computed on the log scale (as metafor's ``.cmicalc``); NaN for :math:`m \le 1`.

    References
    ----------
    Hedges LV (1981). J Educ Stat 6(2):107-128. doi:10.3102/10769986006002107 (eq. 6e).

    Examples
    --------
    >>> round(float(hedges_correction(np.array([10.0]))[0]), 6)  # R: 0.922745608053087
    0.922746
    """
    mi = np.asarray(mi, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.exp(gammaln(mi / 2) - np.log(np.sqrt(mi / 2)) - gammaln((mi - 1) / 2))
    return np.where(mi > 1, out, np.nan)


def _two_group_checks(a: Mapping[str, FloatArray], *, need_sd2: bool = True) -> None:
    check_positive(a, "sd1i", *(["sd2i"] if need_sd2 else []), hint=_SD_HINT)
    for n in ("n1i", "n2i"):
        check_at_least(a, n, 2, "(a standard deviation needs at least 2 observations)")


def _pooled_sd(a: Mapping[str, FloatArray]) -> FloatArray:
    mi = a["n1i"] + a["n2i"] - 2
    return np.sqrt(((a["n1i"] - 1) * a["sd1i"] ** 2 + (a["n2i"] - 1) * a["sd2i"] ** 2) / mi)


def _md(a: Mapping[str, FloatArray], *, vtype: NDArray[np.str_], **_: object) -> ComputeResult:
    r"""Raw mean difference :math:`y_i = \bar x_{1i} - \bar x_{2i}`.

    ``vtype="LS"`` (default, also ``"UB"``): :math:`s_1^2/n_1 + s_2^2/n_2` (unequal variances);
    ``"HO"``: :math:`s_p^2 (1/n_1 + 1/n_2)` with the pooled SD (equal variances).
    Borenstein (2009), eqs. 12.3-12.5.
    """
    _two_group_checks(a)
    yi = a["m1i"] - a["m2i"]
    v_ls = a["sd1i"] ** 2 / a["n1i"] + a["sd2i"] ** 2 / a["n2i"]
    v_ho = _pooled_sd(a) ** 2 * (1 / a["n1i"] + 1 / a["n2i"])
    vi = np.where(vtype == "HO", v_ho, v_ls)
    return ComputeResult(yi, vi, a["n1i"] + a["n2i"])


def _smd(a: Mapping[str, FloatArray], *, vtype: NDArray[np.str_], **_: object) -> ComputeResult:
    r"""Standardised mean difference, bias-corrected (Hedges' *g*).

    :math:`d_i = (\bar x_1 - \bar x_2)/s_p`, :math:`g_i = c(m_i) d_i`, :math:`m_i=n_1+n_2-2`
    with the exact correction :func:`hedges_correction` (Hedges 1981). Variances:

    * ``"LS"`` (default): :math:`1/n_1 + 1/n_2 + g_i^2/(2 n_i)` (Hedges & Olkin 1985, eq. 5.15
      with *g* plugged in, as metafor),
    * ``"UB"``: unbiased, :math:`1/n_1+1/n_2+(1-(m_i-2)/(m_i c(m_i)^2)) g_i^2` (Hedges 1983),
    * ``"LS2"``: :math:`c(m_i)^2 (1/n_1+1/n_2+d_i^2/(2 n_i))` (Borenstein 2009),
    * ``"AV"``: LS with the sample-size weighted mean of the *g* in place of each *g*.
    """
    _two_group_checks(a)
    n1, n2 = a["n1i"], a["n2i"]
    ni = n1 + n2
    mi = ni - 2
    di = (a["m1i"] - a["m2i"]) / _pooled_sd(a)
    cmi = hedges_correction(mi)
    yi = cmi * di
    base = 1 / n1 + 1 / n2
    vi = base + yi**2 / (2 * ni)
    vi = np.where(vtype == "UB", base + (1 - (mi - 2) / (mi * cmi**2)) * yi**2, vi)
    vi = np.where(vtype == "LS2", cmi**2 * (base + di**2 / (2 * ni)), vi)
    if (vtype == "AV").any():
        vi = np.where(vtype == "AV", base + weighted_mean(yi, ni) ** 2 / (2 * ni), vi)
    return ComputeResult(yi, vi, ni)


def _rom(a: Mapping[str, FloatArray], *, vtype: NDArray[np.str_], **_: object) -> ComputeResult:
    r"""Log ratio of means (response ratio), :math:`y_i = \ln(\bar x_1/\bar x_2)`.

    ``"LS"``: :math:`s_1^2/(n_1 \bar x_1^2) + s_2^2/(n_2 \bar x_2^2)` (Hedges, Gurevitch &
    Curtis 1999, eq. 9); ``"HO"``: the same with the pooled SD; ``"AV"`` and ``"AVHO"``: with
    the sample-size weighted mean coefficients of variation (metafor).
    """
    _two_group_checks(a)
    for m in ("m1i", "m2i"):
        fail(~(a[m] > 0), m, f"{m} must be positive for ROM", values=a[m],
             hint="the ratio of means needs outcomes on a ratio scale (Hedges et al. 1999)")
    n1, n2, m1, m2, s1, s2 = (a[x] for x in ("n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i"))
    yi = np.log(m1 / m2)
    sp = _pooled_sd(a)
    vi = s1**2 / (n1 * m1**2) + s2**2 / (n2 * m2**2)
    vi = np.where(vtype == "HO", sp**2 / (n1 * m1**2) + sp**2 / (n2 * m2**2), vi)
    if (vtype == "AV").any() or (vtype == "AVHO").any():
        cv1, cv2 = s1 / m1, s2 / m2
        mn1, mn2 = weighted_mean(cv1, n1), weighted_mean(cv2, n2)
        mn = (np.sum(n1 * cv1) + np.sum(n2 * cv2)) / np.sum(n1 + n2)
        vi = np.where(vtype == "AV", mn1**2 / n1 + mn2**2 / n2, vi)
        vi = np.where(vtype == "AVHO", mn**2 * (1 / n1 + 1 / n2), vi)
    return ComputeResult(yi, vi, n1 + n2)


def _paired_checks(a: Mapping[str, FloatArray], *, sds: tuple[str, ...], min_n: float,
                   why: str) -> None:
    check_positive(a, *sds, hint=_SD_HINT)
    check_correlation(a, "ri")
    check_at_least(a, "ni", min_n, why)


def _mc(a: Mapping[str, FloatArray], **_: object) -> ComputeResult:
    r"""Raw mean change :math:`y_i = \bar x_1 - \bar x_2` in one group measured twice,
    :math:`v_i = (s_1^2 + s_2^2 - 2 r_i s_1 s_2)/n_i` (Morris & DeShon 2002, Table 1)."""
    _paired_checks(a, sds=("sd1i", "sd2i"), min_n=2,
                   why="(a standard deviation needs at least 2 observations)")
    s1, s2, r, n = a["sd1i"], a["sd2i"], a["ri"], a["ni"]
    return ComputeResult(a["m1i"] - a["m2i"], (s1**2 + s2**2 - 2 * r * s1 * s2) / n, n)


def _smcc(a: Mapping[str, FloatArray], *, vtype: NDArray[np.str_],
          **_: object) -> ComputeResult:
    r"""Standardised mean change with change-score standardisation.

    :math:`s_{d} = \sqrt{s_1^2+s_2^2-2 r s_1 s_2}`, :math:`d = (\bar x_1-\bar x_2)/s_d`,
    :math:`y = c(n-1) d`; ``"LS"``: :math:`1/n + y^2/(2n)`; ``"LS2"``:
    :math:`c(n-1)^2 (1/n + d^2/(2n))` (Gibbons, Hedeker & Davis 1993; Morris & DeShon 2002).
    """
    _paired_checks(a, sds=("sd1i", "sd2i"), min_n=3,
                   why="(the bias correction c(ni - 1) needs ni - 1 > 1)")
    s1, s2, r, n = a["sd1i"], a["sd2i"], a["ri"], a["ni"]
    var_d = s1**2 + s2**2 - 2 * r * s1 * s2
    fail(~(var_d > 0), "ri", "sd1i, sd2i and ri give a change-score SD of 0", values=r,
         hint="check ri; a correlation of 1 with equal SDs leaves no variation in the change")
    cmi = hedges_correction(n - 1)
    di = (a["m1i"] - a["m2i"]) / np.sqrt(var_d)
    yi = cmi * di
    vi = np.where(vtype == "LS2", cmi**2 * (1 / n + di**2 / (2 * n)), 1 / n + yi**2 / (2 * n))
    return ComputeResult(yi, vi, n)


def _smcr(a: Mapping[str, FloatArray], *, vtype: NDArray[np.str_],
          **_: object) -> ComputeResult:
    r"""Standardised mean change with raw-score (pre-test SD) standardisation.

    :math:`d = (\bar x_1-\bar x_2)/s_1`, :math:`y = c(n-1) d`; ``"LS"``:
    :math:`2(1-r)/n + y^2/(2n)`; ``"LS2"``: :math:`c(n-1)^2(2(1-r)/n + d^2/(2n))`
    (Becker 1988, eq. 13; Morris 2000).
    """
    _paired_checks(a, sds=("sd1i",), min_n=3,
                   why="(the bias correction c(ni - 1) needs ni - 1 > 1)")
    r, n = a["ri"], a["ni"]
    cmi = hedges_correction(n - 1)
    di = (a["m1i"] - a["m2i"]) / a["sd1i"]
    yi = cmi * di
    vi = np.where(vtype == "LS2", cmi**2 * (2 * (1 - r) / n + di**2 / (2 * n)),
                  2 * (1 - r) / n + yi**2 / (2 * n))
    return ComputeResult(yi, vi, n)


_TWO = (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),)
_PAIRED = (("m1i", "m2i", "sd1i", "sd2i", "ni", "ri"),)

register(Measure("MD", "raw mean difference", "continuous", _TWO, _md,
                 vtypes=("LS", "UB", "HO"), back=None, reference=REF_BORENSTEIN2009))
register(Measure("SMD", "standardised mean difference (Hedges' g)", "continuous", _TWO, _smd,
                 vtypes=("LS", "UB", "LS2", "AV"), back=None,
                 reference=f"{REF_HEDGES1981}; {REF_HEDGES1983}; {REF_BORENSTEIN2009}"))
register(Measure("ROM", "log ratio of means", "continuous", _TWO, _rom,
                 vtypes=("LS", "HO", "AV", "AVHO"), back="exp", reference=REF_HGC1999))
register(Measure("MC", "raw mean change", "continuous", _PAIRED, _mc, back=None,
                 reference="Morris SB, DeShon RP (2002). Psychol Methods 7(1):105-125. "
                           "doi:10.1037/1082-989X.7.1.105"))
register(Measure("SMCC", "standardised mean change (change-score standardisation)",
                 "continuous", _PAIRED, _smcc, vtypes=("LS", "LS2"), back=None,
                 reference=f"{REF_GIBBONS1993}; {REF_BECKER1988}"))
register(Measure("SMCR", "standardised mean change (raw-score standardisation)",
                 "continuous", (("m1i", "m2i", "sd1i", "ni", "ri"),), _smcr,
                 optional=("sd2i",), vtypes=("LS", "LS2"), back=None,
                 reference=f"{REF_BECKER1988}; {REF_MORRIS2000}"))
