"""``escalc``: effect sizes and sampling variances from summary data, as metafor's ``escalc``.

The function only gathers and checks the inputs; each measure's formulas live in the family
modules (:mod:`.continuous`, :mod:`.binary`, :mod:`.proportions`, :mod:`.correlations`) and
are looked up in :data:`MEASURES`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from metareview.effects._base import (
    Conversion,
    Effects,
    FloatArray,
    Measure,
    default_slab,
    records_for,
    vtype_array,
)
from metareview.effects._registry import get_measure
from metareview.effects.binary import TO_OPTIONS
from metareview.errors import InputError, StatisticalWarning

__all__ = ["escalc"]

# arguments of metafor's escalc that a measure may use
ARGUMENTS = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "xi", "mi",
             "ri", "ni")
_SCALAR_OK = ("ri",)  # an assumed value for every study is allowed
REF_ASSUMED_R = (
    "Morris SB, DeShon RP (2002). Combining effect size estimates in meta-analysis with "
    "repeated measures and independent-groups designs. Psychol Methods 7(1):105-125. "
    "doi:10.1037/1082-989X.7.1.105 (an assumed correlation: check it with a sensitivity "
    "analysis)"
)


def _to_float(name: str, value: Any) -> FloatArray:
    """*value* as a 1-D float array; non-numbers raise an InputError naming the rows."""
    if hasattr(value, "to_numpy"):
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        dtype = getattr(value, "dtype", None)
        if dtype is not None and is_numeric_dtype(dtype) and not is_bool_dtype(dtype):
            # numeric pandas columns, including nullable Int64/Float64 with <NA>
            return np.asarray(value.to_numpy(dtype=np.float64, na_value=np.nan)).reshape(-1)
        value = value.to_numpy()
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional (got shape {arr.shape})", column=name)
    if arr.dtype.kind in "fiu":
        return arr.astype(np.float64)
    if arr.dtype.kind == "b":
        raise InputError(f"{name} must be numbers, not True/False", column=name)
    out = np.empty(arr.shape[0], dtype=np.float64)
    bad: list[int] = []
    shown: list[str] = []
    for i, v in enumerate(arr.tolist()):  # error path for object/str input only
        if v is None:
            out[i] = np.nan
            continue
        if isinstance(v, bool):
            bad.append(i + 1)
            shown.append(repr(v))
            continue
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            bad.append(i + 1)
            shown.append(repr(v))
    if bad:
        raise InputError(f"{name} must be a number (got {', '.join(shown[:10])})", row=bad,
                         column=name, hint="remove text, units and thousands separators")
    return out


def _gather(measure: Measure, data: Any, columns: Mapping[str, str] | None,
            given: dict[str, Any]) -> dict[str, Any]:
    """Collect the raw argument values from keywords, *columns* and *data* columns."""
    out: dict[str, Any] = {}
    names = set(measure.arguments)
    for key in given:
        if key not in ARGUMENTS:
            raise InputError(f"unknown argument {key!r} for escalc; {measure.code} uses "
                             f"{', '.join(measure.arguments)}", column=key)
        if key not in names:
            raise InputError(f"argument {key!r} is not used by {measure.code}; it uses "
                             f"{', '.join(measure.arguments)}", column=key,
                             hint="remove it, or choose the measure that uses it")
    columns = dict(columns or {})
    for key in columns:
        if key not in names:
            raise InputError(f"columns maps {key!r}, which {measure.code} does not use; it uses "
                             f"{', '.join(measure.arguments)}", column=key)
    if data is None and columns:
        raise InputError("columns= needs data=", column="columns")
    cols = set(data.columns) if data is not None and hasattr(data, "columns") else (
        set(data) if data is not None else set())
    for key in measure.arguments:
        if key in given and given[key] is not None:
            v = given[key]
            if isinstance(v, str):
                if data is None:
                    raise InputError(f"{key}={v!r} names a column but no data= was given",
                                     column=key)
                if v not in cols:
                    raise InputError(f"column {v!r} (for {key}) is not in the data; columns "
                                     f"are {', '.join(map(str, cols))}", column=v)
                v = data[v]
            out[key] = v
        elif key in columns:
            if columns[key] not in cols:
                raise InputError(f"column {columns[key]!r} (for {key}) is not in the data",
                                 column=columns[key])
            out[key] = data[columns[key]]
        elif key in cols:
            out[key] = data[key]
    return out


def _choose(measure: Measure, raw: Mapping[str, Any]) -> tuple[str, ...]:
    for alt in measure.required:
        if all(a in raw for a in alt):
            return alt
    best = min(measure.required, key=lambda alt: sum(a not in raw for a in alt))
    missing = [a for a in best if a not in raw]
    alts = " or ".join(", ".join(alt) for alt in measure.required[:2])
    raise InputError(f"cannot compute {measure.code}: need {alts}; missing: "
                     f"{', '.join(missing)}", column=missing[0],
                     hint="pass them as arguments or as columns of data= named like metafor's")


def _lengths(arrays: Mapping[str, FloatArray]) -> int:
    sizes = {n: a.shape[0] for n, a in arrays.items() if n not in _SCALAR_OK or a.shape[0] != 1}
    if not sizes:
        sizes = {n: a.shape[0] for n, a in arrays.items()}
    k = max(sizes.values(), key=list(sizes.values()).count)  # the most common length
    odd = [n for n, s in sizes.items() if s != k]
    if odd:
        detail = ", ".join(f"{n} has {sizes[n]}" for n in odd)
        raise InputError(f"arguments have different lengths: {detail}, the others {k}",
                         column=odd[0], hint="give one value per study in every argument")
    if k == 0:
        raise InputError("no studies: the arguments are empty")
    return k


def _slab(slab: Any, data: Any, k: int) -> tuple[tuple[str, ...], tuple[Conversion, ...]]:
    if slab is None:
        return default_slab(k), ()
    if isinstance(slab, str):
        if data is None or slab not in data:
            raise InputError(f"slab={slab!r} names a column that is not in the data",
                             column=slab)
        slab = data[slab]
    if hasattr(slab, "to_numpy"):
        slab = slab.to_numpy()
    labels = list(slab)
    if len(labels) != k:
        raise InputError(f"{len(labels)} study labels for {k} studies", column="slab",
                         hint="give one label per study")
    missing = [i + 1 for i, s in enumerate(labels)
               if s is None or (isinstance(s, float) and math.isnan(s))]
    if missing:
        raise InputError("study label is missing", row=missing, column="slab")
    text = [str(s) for s in labels]
    counts: dict[str, int] = {}
    for s in text:
        counts[s] = counts.get(s, 0) + 1
    seen: dict[str, int] = {}
    recs: list[Conversion] = []
    for i, s in enumerate(text):
        if counts[s] > 1:
            seen[s] = seen.get(s, 0) + 1
            text[i] = f"{s}.{seen[s]}"
            recs.append(Conversion(i + 1, "slab", f"duplicate label {s!r} made unique as "
                                   f"{text[i]!r}", "metafor escalc (.make.unique)"))
    return tuple(text), tuple(recs)


def escalc(
    measure: str,
    *,
    data: Any = None,
    columns: Mapping[str, str] | None = None,
    slab: Any = None,
    vtype: str | Sequence[str] = "LS",
    add: float | None = None,
    to: str = "only0",
    drop00: bool = False,
    conversions: Iterable[Conversion] | Any = (),
    **arguments: Any,
) -> Effects:
    """Compute effect sizes ``yi`` and sampling variances ``vi`` (metafor's ``escalc``).

    Parameters
    ----------
    measure : str
        A key of :data:`MEASURES`: ``"MD"``, ``"SMD"``, ``"ROM"``, ``"MC"``, ``"SMCC"``,
        ``"SMCR"``, ``"OR"``, ``"RR"``, ``"RD"``, ``"PETO"``, ``"PR"``, ``"PLN"``, ``"PLO"``,
        ``"PAS"``, ``"PFT"``, ``"COR"``, ``"UCOR"``, ``"ZCOR"``.
    data : DataFrame or mapping of columns, optional
        Where to find the arguments: columns named as metafor's arguments (``m1i``, ``sd1i``,
        ...), or mapped with *columns*, or named by string values of the keyword arguments.
    columns : mapping of str to str, optional
        ``{argument: column}``.
    slab : sequence of str or str, optional
        Study labels, or the name of the column holding them. Default ``"Study 1"``, ...
        Duplicates are made unique (``"A.1"``, ``"A.2"``) and recorded.
    vtype : str or sequence of str
        Variance estimator, one for all or one per study (metafor's ``vtype``; default
        ``"LS"``); see each measure's documentation for what is offered.
    add : float, optional
        Value added to the cells of 2x2 tables / proportions by the zero-cell correction;
        default ``1/2`` (0 for ``"PAS"`` and ``"PFT"``), as metafor.
    to : {"only0", "all", "if0all", "none"}
        Which studies get *add*: with a zero cell (default), all, all if any has a zero cell,
        none.
    drop00 : bool
        Set studies with no events (or only events) in both groups to missing.
    conversions : iterable of Conversion or DataFrame, optional
        Conversions already applied to the inputs (for instance the log returned by
        :func:`~metareview.effects.prepare_continuous`), carried into the result.
    **arguments : array-like of shape (k,) or str
        The data: ``m1i, sd1i, n1i, m2i, sd2i, n2i`` (MD, SMD, ROM);
        ``m1i, m2i, sd1i, sd2i, ni, ri`` (MC, SMCC; SMCR needs no ``sd2i``);
        ``ai, bi, ci, di`` or ``ai, n1i, ci, n2i`` (OR, RR, RD, PETO); ``xi, ni`` or ``xi, mi``
        (proportions); ``ri, ni`` (correlations). ``ri`` may be one assumed value for every
        study (recorded in :attr:`Effects.conversions`).

    Returns
    -------
    Effects
        ``yi``, ``vi``, ``measure``, ``slab``, ``ni`` (total sample size) and
        ``conversions``.

    Raises
    ------
    InputError
        Unknown measure or argument, missing argument or column, different lengths, missing
        or non-numeric values, impossible values (SDs <= 0, negative counts, events > n,
        abs(r) > 1, too small n); the message names the rows (1-based) and the argument.

    Warns
    -----
    StatisticalWarning
        When an effect size or variance is undefined for some studies (for example a zero
        cell with ``to="none"``); those are set to NaN, as metafor sets them to NA.

    Notes
    -----
    Formulas, default variance estimators and zero-cell rules follow metafor 3.8
    (Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. J Stat
    Softw 36(3):1-48. doi:10.18637/jss.v036.i03); the source of each formula is given in
    ``MEASURES[code].reference`` and in the measure's function.

    Examples
    --------
    >>> eff = escalc("MD", m1i=[10.0], sd1i=[2.0], n1i=[4], m2i=[8.0], sd2i=[2.0], n2i=[4])
    >>> float(eff.yi[0]), float(eff.vi[0])      # 10 - 8; 4/4 + 4/4
    (2.0, 2.0)
    """
    m = get_measure(measure)
    if to not in TO_OPTIONS:
        raise InputError(f"to={to!r} is not one of {', '.join(TO_OPTIONS)}", column="to")
    if add is None:
        add = m.default_add
    if not (isinstance(add, int | float) and math.isfinite(add) and add >= 0):
        raise InputError(f"add must be a non-negative number (got {add!r})", column="add")

    raw = _gather(m, data, columns, arguments)
    chosen = _choose(m, raw)
    arrays = {n: _to_float(n, v) for n, v in raw.items()}
    k = _lengths(arrays)
    recs: list[Conversion] = list(_carry(conversions))
    for n in _SCALAR_OK:
        # a single number (not a one-element column) is an assumption for every study
        if n in arrays and arrays[n].shape[0] == 1 and (k > 1 or np.ndim(raw[n]) == 0):
            val = float(arrays[n][0])
            arrays[n] = np.full(k, val)
            recs.extend(records_for(np.ones(k, dtype=bool), n,
                                    f"assumed {n} = {val:g} for every study", REF_ASSUMED_R))
    for n in chosen:
        a = arrays[n]
        bad = np.isnan(a)
        if bad.any():
            rows = [int(i) + 1 for i in np.flatnonzero(bad)]
            raise InputError(f"{n} is missing", row=rows, column=n,
                             hint="fill it in (see metareview.effects.prepare_continuous for "
                                  "other reported forms) or leave the study out explicitly")
        inf = np.isinf(a)
        if inf.any():
            rows = [int(i) + 1 for i in np.flatnonzero(inf)]
            raise InputError(f"{n} must be finite", row=rows, column=n)
    vt = vtype_array(vtype, k, m)
    labels, slab_recs = _slab(slab, data, k)
    res = m.compute(arrays, vtype=vt, add=float(add), to=to, drop00=bool(drop00))

    yi = np.asarray(res.yi, dtype=np.float64)
    vi = np.asarray(res.vi, dtype=np.float64)
    undefined = ~np.isfinite(yi) | ~np.isfinite(vi) | (vi < 0)
    if res.undefined_ok is not None:
        undefined &= ~res.undefined_ok
    if undefined.any():
        rows = [int(i) + 1 for i in np.flatnonzero(undefined)]
        shown = ", ".join(map(str, rows[:10])) + (" ..." if len(rows) > 10 else "")
        warnings.warn(
            f"{m.code}: the effect size or its variance is undefined for row(s) {shown} "
            f"(for example a zero cell with add=0 or to='none', or r = +-1 for ZCOR); "
            f"yi and vi are set to NaN there", StatisticalWarning, stacklevel=2)
        yi = np.where(undefined, np.nan, yi)
        vi = np.where(undefined, np.nan, vi)
    recs.extend(slab_recs)
    recs.extend(res.conversions)
    vt_out = (str(vtype),) if isinstance(vtype, str) else tuple(vt.tolist())
    return Effects(m.code, yi, vi, labels, res.ni, tuple(recs), vt_out)


def _carry(conversions: Any) -> Iterable[Conversion]:
    if conversions is None:
        return ()
    if hasattr(conversions, "to_dict") and hasattr(conversions, "columns"):  # a DataFrame log
        out = []
        for rec in conversions.to_dict("records"):
            what = rec.get("what", rec.get("column"))
            method = rec.get("method", "")
            if "from_form" in rec:
                method = f"{method} (from {rec['from_form']})"
            out.append(Conversion(int(rec["row"]), str(what), str(method),
                                  str(rec.get("reference", ""))))
        return out
    out2 = list(conversions)
    for c in out2:
        if not isinstance(c, Conversion):
            raise InputError("conversions must be Conversion records or a log DataFrame",
                             column="conversions")
    return out2
