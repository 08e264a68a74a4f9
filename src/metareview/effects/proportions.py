"""Effect sizes for single proportions: PR (raw), PLN (log), PLO (logit), PAS (arcsine square
root) and PFT (Freeman-Tukey double arcsine), computed as metafor 3.8 ``escalc`` does.

Input: ``xi`` events out of ``ni`` (or ``mi`` non-events). The back-transformations live in
:mod:`metareview.effects.transforms`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from metareview.effects._base import (
    ComputeResult,
    FloatArray,
    Measure,
    check_nonnegative,
    fail,
    register,
    weighted_mean,
)
from metareview.effects.binary import zero_cell_correction

__all__: list[str] = []

REF_FT = (
    "Freeman MF, Tukey JW (1950). Transformations related to the angular and the square root. "
    "Ann Math Stat 21(4):607-611. doi:10.1214/aoms/1177729756"
)
REF_MILLER = (
    "Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation. "
    "Am Stat 32(4):138. doi:10.1080/00031305.1978.10479283"
)
REF_PROP = (
    "Lipsey MW, Wilson DB (2001). Practical Meta-Analysis. Sage; Barendregt JJ, Doi SA, "
    "Lee YY, Norman RE, Vos T (2013). Meta-analysis of prevalence. J Epidemiol Community "
    "Health 67(11):974-978. doi:10.1136/jech-2013-203104"
)


def _prepare(a: Mapping[str, FloatArray], *, add: float, to: str):  # type: ignore[no-untyped-def]
    check_nonnegative(a, *[n for n in ("xi", "mi", "ni") if n in a],
                      hint="counts cannot be negative")
    xi = a["xi"]
    if "ni" in a:
        fail(xi > a["ni"], "xi", "xi (events) is larger than ni (sample size)", values=xi,
             hint="ni must be the number of participants, at least xi")
        if "mi" in a:
            fail((xi + a["mi"] != a["ni"]) & ~np.isnan(a["ni"]), "ni", "ni is not equal to xi + mi", values=a["ni"],
                 hint="give either mi or ni, or make them agree")
    mi = a["mi"] if "mi" in a else a["ni"] - xi
    ni_u = xi + mi
    fail(~(ni_u > 0), "ni" if "ni" in a else "mi", "the study has no participants",
         values=ni_u)
    (xi, mi), recs = zero_cell_correction([xi, mi], add=add, to=to, names="xi, mi")
    return xi, mi, xi + mi, ni_u, recs


def _pr(a: Mapping[str, FloatArray], *, add: float, to: str, vtype: NDArray[np.str_],
        **_: object) -> ComputeResult:
    r"""Raw proportion :math:`p = x/n`; ``"LS"``: :math:`p(1-p)/n`; ``"UB"``:
    :math:`p(1-p)/(n-1)`; ``"AV"``: with the sample-size weighted mean proportion."""
    xi, mi, ni, ni_u, recs = _prepare(a, add=add, to=to)
    p = xi / ni
    with np.errstate(divide="ignore", invalid="ignore"):
        vi = np.where(vtype == "UB", p * (1 - p) / (ni - 1), p * (1 - p) / ni)
    if (vtype == "AV").any():
        m = weighted_mean(p, ni)
        vi = np.where(vtype == "AV", m * (1 - m) / ni, vi)
    return ComputeResult(p, vi, ni_u, recs)


def _pln(a: Mapping[str, FloatArray], *, add: float, to: str, vtype: NDArray[np.str_],
         **_: object) -> ComputeResult:
    r"""Log proportion :math:`\ln p`, :math:`v = 1/x - 1/n` (``"AV"``: with the weighted
    mean proportion)."""
    xi, mi, ni, ni_u, recs = _prepare(a, add=add, to=to)
    p = xi / ni
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(p)
        vi = 1 / xi - 1 / ni
    if (vtype == "AV").any():
        m = weighted_mean(p, ni)
        vi = np.where(vtype == "AV", 1 / (m * ni) - 1 / ni, vi)
    return ComputeResult(yi, vi, ni_u, recs)


def _plo(a: Mapping[str, FloatArray], *, add: float, to: str, vtype: NDArray[np.str_],
         **_: object) -> ComputeResult:
    r"""Logit proportion :math:`\ln(p/(1-p))`, :math:`v = 1/x + 1/(n-x)` (``"AV"``: with the
    weighted mean proportion). Back-transform with :func:`~.transforms.transf_ilogit`."""
    xi, mi, ni, ni_u, recs = _prepare(a, add=add, to=to)
    p = xi / ni
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(p / (1 - p))
        vi = 1 / xi + 1 / mi
    if (vtype == "AV").any():
        m = weighted_mean(p, ni)
        vi = np.where(vtype == "AV", 1 / (m * ni) + 1 / ((1 - m) * ni), vi)
    return ComputeResult(yi, vi, ni_u, recs)


def _pas(a: Mapping[str, FloatArray], *, add: float, to: str, **_: object) -> ComputeResult:
    r"""Arcsine square-root proportion :math:`\arcsin\sqrt{p}`, :math:`v = 1/(4n)`
    (Freeman & Tukey 1950; Lipsey & Wilson 2001). No zero-cell correction by default."""
    xi, mi, ni, ni_u, recs = _prepare(a, add=add, to=to)
    return ComputeResult(np.arcsin(np.sqrt(xi / ni)), 1 / (4 * ni), ni_u, recs)


def _pft(a: Mapping[str, FloatArray], *, add: float, to: str, **_: object) -> ComputeResult:
    r"""Freeman-Tukey double arcsine
    :math:`\tfrac12\left(\arcsin\sqrt{x/(n+1)} + \arcsin\sqrt{(x+1)/(n+1)}\right)`,
    :math:`v = 1/(4n+2)` (Freeman & Tukey 1950). Back-transform with Miller's (1978) inverse,
    :func:`~.transforms.transf_ipft_hm`."""
    xi, mi, ni, ni_u, recs = _prepare(a, add=add, to=to)
    yi = 0.5 * (np.arcsin(np.sqrt(xi / (ni + 1))) + np.arcsin(np.sqrt((xi + 1) / (ni + 1))))
    return ComputeResult(yi, 1 / (4 * ni + 2), ni_u, recs)


_ALTS = (("xi", "ni"), ("xi", "mi"))

register(Measure("PR", "raw proportion", "proportion", _ALTS, _pr, vtypes=("LS", "UB", "AV"),
                 back=None, reference=REF_PROP))
register(Measure("PLN", "log proportion", "proportion", _ALTS, _pln, vtypes=("LS", "AV"),
                 back="exp", reference=REF_PROP))
register(Measure("PLO", "logit proportion", "proportion", _ALTS, _plo, vtypes=("LS", "AV"),
                 back="transf_ilogit", reference=REF_PROP))
register(Measure("PAS", "arcsine square-root proportion", "proportion", _ALTS, _pas,
                 default_add=0.0, back="transf_iarcsin", reference=f"{REF_FT}; {REF_PROP}"))
register(Measure("PFT", "Freeman-Tukey double arcsine proportion", "proportion", _ALTS, _pft,
                 default_add=0.0, back="transf_ipft_hm", back_needs_ni=True,
                 reference=f"{REF_FT}; {REF_MILLER}"))
