"""Effect sizes for 2x2 tables: OR, RR, RD and PETO, computed as metafor 3.8 ``escalc`` does,
including its zero-cell handling (``add``, ``to``, ``drop00``).

A study's table is ``ai`` (events, group 1), ``bi`` (non-events, group 1), ``ci`` (events,
group 2), ``di`` (non-events, group 2); ``n1i``/``n2i`` may be given instead of ``bi``/``di``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from metareview.effects._base import (
    ComputeResult,
    Conversion,
    FloatArray,
    Measure,
    check_nonnegative,
    fail,
    records_for,
    register,
    weighted_mean,
)

__all__ = ["zero_cell_correction"]

TO_OPTIONS = ("only0", "all", "if0all", "none")

REF_ZERO = (
    "Gart JJ, Zweifel JR (1967). On the bias of various estimators of the logit and its "
    "variance with application to quantal bioassay. Biometrika 54(1-2):181-187. "
    "doi:10.2307/2333861; Cochrane Handbook for Systematic Reviews of Interventions v6.4, "
    "section 10.4.4.2"
)
REF_OR = (
    "Fleiss JL, Berlin JA (2009). Effect sizes for dichotomous data. In Cooper H, Hedges LV, "
    "Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd ed., "
    "pp. 237-253. Russell Sage Foundation"
)
REF_PETO = (
    "Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after "
    "myocardial infarction: an overview of the randomized trials. Prog Cardiovasc Dis "
    "27(5):335-371. doi:10.1016/S0033-0620(85)80003-7"
)


def zero_cell_correction(cells: Sequence[FloatArray], *, add: float, to: str,
                         drop: NDArray[np.bool_] | None = None,
                         names: str = "cells") -> tuple[list[FloatArray],
                                                        tuple[Conversion, ...]]:
    """Add *add* to the cells of the studies chosen by *to* (metafor's rule).

    Parameters
    ----------
    cells : sequence of ndarray of shape (k,)
        The cell counts (``ai, bi, ci, di`` or ``xi, mi``).
    add : float
        Value added to each cell.
    to : {"only0", "all", "if0all", "none"}
        ``"only0"``: studies with at least one zero cell; ``"all"``: every study;
        ``"if0all"``: every study if any study has a zero cell; ``"none"``: no study.
    drop : ndarray of bool, optional
        Studies excluded (left untouched and not recorded).
    names : str
        How the cells are named in the records.

    Returns
    -------
    cells : list of ndarray
        The corrected counts (copies).
    records : tuple of Conversion
        One record per corrected study.

    References
    ----------
    Gart & Zweifel (1967), Biometrika 54:181-187, doi:10.2307/2333861.

    Examples
    --------
    >>> (a, b), rec = zero_cell_correction([np.array([0., 2.]), np.array([5., 5.])],
    ...                                    add=0.5, to="only0")
    >>> a.tolist(), b.tolist(), [r.row for r in rec]
    ([0.5, 2.0], [5.5, 5.0], [1])
    """
    k = cells[0].shape[0]
    keep = np.ones(k, dtype=bool) if drop is None else ~drop
    has0 = np.zeros(k, dtype=bool)
    for c in cells:
        has0 |= c == 0
    has0 &= keep
    if to == "all":
        hit = keep.copy()
        why = "to='all'"
    elif to == "only0":
        hit = has0
        why = "to='only0': the study has a zero cell"
    elif to == "if0all":
        hit = keep.copy() if has0.any() else np.zeros(k, dtype=bool)
        why = "to='if0all': some study has a zero cell"
    else:
        hit = np.zeros(k, dtype=bool)
        why = ""
    if add == 0 or not hit.any():
        return [c.copy() for c in cells], ()
    out = [np.where(hit, c + add, c) for c in cells]
    recs = records_for(hit, names, f"added {add:g} to every cell ({why})", REF_ZERO)
    return out, recs


def _tables(a: Mapping[str, FloatArray]) -> tuple[FloatArray, FloatArray, FloatArray,
                                                   FloatArray]:
    check_nonnegative(a, *[n for n in ("ai", "bi", "ci", "di", "n1i", "n2i") if n in a],
                      hint="counts of participants cannot be negative")
    ai, ci = a["ai"], a["ci"]
    for ev, nn, nb in (("ai", "n1i", "bi"), ("ci", "n2i", "di")):
        if nn in a:
            fail(a[ev] > a[nn], ev,
                 f"{ev} (events) is larger than {nn} (group size)", values=a[ev],
                 hint=f"{nn} must be the number randomised to the group, at least {ev}")
            if nb in a:
                fail((a[nb] + a[ev] != a[nn]) & ~np.isnan(a[nn]), nn, f"{nn} is not equal to {ev} + {nb}",
                     values=a[nn], hint=f"give either {nb} or {nn}, or make them agree")
    bi = a["bi"] if "bi" in a else a["n1i"] - ai
    di = a["di"] if "di" in a else a["n2i"] - ci
    fail(~(ai + bi > 0), "n1i" if "n1i" in a else "bi", "group 1 has no participants")
    fail(~(ci + di > 0), "n2i" if "n2i" in a else "di", "group 2 has no participants")
    return ai, bi, ci, di


def _prepare(a: Mapping[str, FloatArray], *, add: float, to: str, drop00: bool):  # type: ignore[no-untyped-def]
    ai, bi, ci, di = _tables(a)
    ni_u = ai + bi + ci + di
    recs: tuple[Conversion, ...] = ()
    drop = np.zeros(ai.shape[0], dtype=bool)
    if drop00:
        drop = ((ai == 0) & (ci == 0)) | ((bi == 0) & (di == 0))
        recs += records_for(drop, "yi, vi",
                            "set to missing: no events (or only events) in both groups "
                            "(drop00=True)", "Cochrane Handbook v6.4, section 10.4.4.2")
    (ai, bi, ci, di), zrec = zero_cell_correction([ai, bi, ci, di], add=add, to=to, drop=drop,
                                                  names="ai, bi, ci, di")
    return ai, bi, ci, di, ni_u, drop, recs + zrec


def _finish(yi: FloatArray, vi: FloatArray, ni_u: FloatArray, drop: NDArray[np.bool_],
            recs: tuple[Conversion, ...]) -> ComputeResult:
    yi = np.where(drop, np.nan, yi)
    vi = np.where(drop, np.nan, vi)
    return ComputeResult(yi, vi, ni_u, recs, undefined_ok=drop)


def _or(a: Mapping[str, FloatArray], *, add: float, to: str, drop00: bool,
        **_: object) -> ComputeResult:
    r"""Log odds ratio :math:`\ln\frac{a d}{b c}`, :math:`v = 1/a+1/b+1/c+1/d` (Woolf 1955;
    Fleiss & Berlin 2009, eqs. 13.4-13.5)."""
    ai, bi, ci, di, ni_u, drop, recs = _prepare(a, add=add, to=to, drop00=drop00)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = ai / (ai + bi), ci / (ci + di)
        yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
        vi = 1 / ai + 1 / bi + 1 / ci + 1 / di
    return _finish(yi, vi, ni_u, drop, recs)


def _rr(a: Mapping[str, FloatArray], *, add: float, to: str, drop00: bool,
        **_: object) -> ComputeResult:
    r"""Log risk ratio :math:`\ln(p_1/p_2)`, :math:`v = 1/a - 1/n_1 + 1/c - 1/n_2`
    (Fleiss & Berlin 2009, eqs. 13.6-13.7)."""
    ai, bi, ci, di, ni_u, drop, recs = _prepare(a, add=add, to=to, drop00=drop00)
    n1, n2 = ai + bi, ci + di
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.log(ai / n1) - np.log(ci / n2)
        vi = 1 / ai - 1 / n1 + 1 / ci - 1 / n2
    return _finish(yi, vi, ni_u, drop, recs)


def _rd(a: Mapping[str, FloatArray], *, add: float, to: str, drop00: bool,
        vtype: NDArray[np.str_], **_: object) -> ComputeResult:
    r"""Risk difference :math:`p_1 - p_2`; ``"LS"``: :math:`p_1 q_1/n_1 + p_2 q_2/n_2`;
    ``"UB"``: with :math:`n-1` in the denominators; ``"AV"``: with the sample-size weighted
    mean risks (Fleiss & Berlin 2009, eqs. 13.1-13.2; metafor)."""
    ai, bi, ci, di, ni_u, drop, recs = _prepare(a, add=add, to=to, drop00=drop00)
    n1, n2 = ai + bi, ci + di
    p1, p2 = ai / n1, ci / n2
    yi = p1 - p2
    with np.errstate(divide="ignore", invalid="ignore"):
        vi = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        vi = np.where(vtype == "UB", p1 * (1 - p1) / (n1 - 1) + p2 * (1 - p2) / (n2 - 1), vi)
    if (vtype == "AV").any():
        m1, m2 = weighted_mean(p1, n1), weighted_mean(p2, n2)
        vi = np.where(vtype == "AV", m1 * (1 - m1) / n1 + m2 * (1 - m2) / n2, vi)
    return _finish(yi, vi, ni_u, drop, recs)


def _peto(a: Mapping[str, FloatArray], *, add: float, to: str, drop00: bool,
          **_: object) -> ComputeResult:
    r"""Peto's one-step log odds ratio :math:`(a - E)/V`, :math:`v = 1/V` with
    :math:`E = (a+c) n_1/n`, :math:`V = (a+c)(b+d) n_1 n_2 / (n^2 (n-1))` (Yusuf et al. 1985).
    As in metafor, the zero-cell correction applies unless ``add=0`` or ``to="none"``."""
    ai, bi, ci, di, ni_u, drop, recs = _prepare(a, add=add, to=to, drop00=drop00)
    n1, n2 = ai + bi, ci + di
    ni = n1 + n2
    xt, yt = ai + ci, bi + di
    ei = xt * n1 / ni
    with np.errstate(divide="ignore", invalid="ignore"):
        vv = xt * yt * (n1 / ni) * (n2 / ni) / (ni - 1)
        yi = (ai - ei) / vv
        vi = 1 / vv
    return _finish(yi, vi, ni_u, drop, recs)


_ALTS = (("ai", "bi", "ci", "di"), ("ai", "n1i", "ci", "n2i"),
         ("ai", "bi", "ci", "n2i"), ("ai", "n1i", "ci", "di"))

register(Measure("OR", "log odds ratio", "binary", _ALTS, _or, back="exp",
                 reference=f"{REF_OR}; zero cells: {REF_ZERO}"))
register(Measure("RR", "log risk ratio", "binary", _ALTS, _rr, back="exp",
                 reference=f"{REF_OR}; zero cells: {REF_ZERO}"))
register(Measure("RD", "risk difference", "binary", _ALTS, _rd, vtypes=("LS", "UB", "AV"),
                 back=None, reference=REF_OR))
register(Measure("PETO", "Peto log odds ratio", "binary", _ALTS, _peto, back="exp",
                 reference=REF_PETO))
