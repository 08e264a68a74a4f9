"""``prepare_continuous``: bring studies reported in different forms (mean/SD, mean/SE,
mean/CI, median/IQR, median/range, median/IQR/range) to means and SDs, logging every value
that was derived.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from metareview.effects._base import FloatArray
from metareview.effects.conversions import (
    MEDIAN_METHODS,
    Converted,
    mean_sd_from_median,
    sd_from_ci,
    sd_from_se,
)
from metareview.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["prepare_continuous", "form_columns"]

LOG_COLUMNS = ["row", "column", "from_form", "method", "reference"]


def form_columns(group: str) -> dict[str, str]:
    """The column names read for one group (``group="1"`` gives ``m1i``, ``sd1i``, ...).

    >>> form_columns("2")["q1"], form_columns("2")["ci_lb"]
    ('q1_2i', 'ci_lb2i')
    """
    g = group
    return {"n": f"n{g}i", "m": f"m{g}i", "sd": f"sd{g}i", "se": f"se{g}i",
            "ci_lb": f"ci_lb{g}i", "ci_ub": f"ci_ub{g}i", "median": f"median{g}i",
            "q1": f"q1_{g}i", "q3": f"q3_{g}i", "min": f"min{g}i", "max": f"max{g}i"}


def _col(frame: pd.DataFrame, name: str) -> FloatArray:
    import pandas as pd

    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    s = frame[name]
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna() & s.notna() & (s.astype(str).str.strip() != "")
    if bad.any():
        rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
        shown = ", ".join(repr(v) for v in s[bad].tolist()[:10])
        raise InputError(f"{name} must be a number (got {shown})", row=rows, column=name,
                         hint="remove text, units and thousands separators")
    return num.to_numpy(dtype=np.float64)


def _only(mask: np.ndarray, *arrays: FloatArray) -> list[FloatArray]:
    return [np.where(mask, a, np.nan) for a in arrays]


def _log(res: Converted, column: str, form: str) -> list[dict[str, object]]:
    return [{"row": r.row, "column": column, "from_form": form, "method": r.method,
             "reference": r.reference} for r in res.records]


def prepare_continuous(frame: pd.DataFrame, *, groups: Sequence[str] = ("1", "2"),
                       method: str = "luo_wan", level: float = 0.95,
                       ci_dist: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complete the means ``m{g}i`` and SDs ``sd{g}i`` of each group from whatever each study
    reports, so the frame can go to :func:`~metareview.effects.escalc`.

    For each group *g* (``"1"``, ``"2"``; ``""`` for a single group) the columns read are
    ``n{g}i``, ``m{g}i``, ``sd{g}i``, ``se{g}i`` (SE of the mean), ``ci_lb{g}i``/``ci_ub{g}i``
    (CI of the mean), ``median{g}i``, ``q1_{g}i``, ``q3_{g}i``, ``min{g}i``, ``max{g}i``
    (see :func:`form_columns`); absent columns count as not reported. Per row:

    * mean: ``m{g}i`` as reported, else from the median with the IQR and/or range
      (:func:`~metareview.effects.mean_sd_from_median`, *method*);
    * SD: ``sd{g}i`` as reported, else from the SE (``sd = se sqrt(n)``), else from the CI
      of the mean (:func:`~metareview.effects.sd_from_ci`, *level*, *ci_dist*), else from
      the IQR and/or range.

    Parameters
    ----------
    frame : DataFrame
        One row per study.
    groups : sequence of str
        Group suffixes.
    method : {"luo_wan", "wan", "shi"}
        Estimators for the median-based forms.
    level : float
        Confidence level of reported CIs.
    ci_dist : {"auto", "t", "z"}
        Quantile used for CIs (``"auto"``: t below n = 60).

    Returns
    -------
    completed : DataFrame
        A copy of *frame* with ``m{g}i`` and ``sd{g}i`` filled in (float).
    log : DataFrame
        One row per derived value: ``row`` (1-based), ``column``, ``from_form``, ``method``,
        ``reference``. Pass it to ``escalc(..., conversions=log)`` to keep it with the
        effect sizes.

    Raises
    ------
    InputError
        A row without ``n{g}i`` or without any usable form, naming rows and columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"m1i": [5.0, None], "sd1i": [1.0, None], "se1i": [None, 0.5],
    ...                    "median1i": [None, 4.0], "q1_1i": [None, 3.0],
    ...                    "q3_1i": [None, 5.0], "n1i": [10, 16]})
    >>> done, log = prepare_continuous(df, groups=("1",))
    >>> done["sd1i"].tolist(), log["from_form"].tolist()
    ([1.0, 2.0], ['median/IQR', 'mean/SE'])
    """
    import pandas as pd

    if method not in MEDIAN_METHODS:
        raise InputError(f"method={method!r} is not one of {', '.join(MEDIAN_METHODS)}",
                         column="method")
    if len(frame) == 0:
        raise InputError("no studies: the frame is empty")
    out = frame.copy()
    log: list[dict[str, object]] = []
    for g in groups:
        c = form_columns(g)
        v = {key: _col(frame, name) for key, name in c.items()}
        n = v["n"]
        if c["n"] not in frame.columns:
            raise InputError(f"column {c['n']} is missing", column=c["n"],
                             hint="every form needs the group's sample size")
        missing_n = np.isnan(n)
        if missing_n.any():
            rows = [int(i) + 1 for i in np.flatnonzero(missing_n)]
            raise InputError(f"{c['n']} is missing", row=rows, column=c["n"],
                             hint="every form needs the group's sample size")
        mean, sd = v["m"].copy(), v["sd"].copy()
        has_med = np.isfinite(v["median"]) & (
            (np.isfinite(v["q1"]) & np.isfinite(v["q3"]))
            | (np.isfinite(v["min"]) & np.isfinite(v["max"])))
        need_mean = np.isnan(mean)
        need_sd = np.isnan(sd)
        use_se = need_sd & np.isfinite(v["se"])
        use_ci = need_sd & ~use_se & np.isfinite(v["ci_lb"]) & np.isfinite(v["ci_ub"])
        use_med_sd = need_sd & ~use_se & ~use_ci & has_med
        use_med_mean = need_mean & has_med
        bad_mean = need_mean & ~has_med
        bad_sd = need_sd & ~(use_se | use_ci | use_med_sd)
        for bad, col, needs in (
            (bad_mean, c["m"], f"{c['m']}, or {c['median']} with {c['q1']}/{c['q3']} or "
                               f"{c['min']}/{c['max']}"),
            (bad_sd, c["sd"], f"{c['sd']}, {c['se']}, {c['ci_lb']}/{c['ci_ub']}, or "
                              f"{c['median']} with {c['q1']}/{c['q3']} or "
                              f"{c['min']}/{c['max']}"),
        ):
            if bad.any():
                rows = [int(i) + 1 for i in np.flatnonzero(bad)]
                raise InputError(f"no usable form for {col}: give {needs}", row=rows,
                                 column=col)
        if use_se.any():
            se, nn = _only(use_se, v["se"], n)
            res = sd_from_se(se, nn, what=c["sd"])
            sd = np.where(use_se, res.sd, sd)
            log += _log(res, c["sd"], "mean/SE")
        if use_ci.any():
            lb, ub, nn = _only(use_ci, v["ci_lb"], v["ci_ub"], n)
            res = sd_from_ci(lb, ub, nn, level=level, dist=ci_dist, what=c["sd"])
            sd = np.where(use_ci, res.sd, sd)
            log += _log(res, c["sd"], "mean/CI")
        if (use_med_mean | use_med_sd).any():
            sel = use_med_mean | use_med_sd
            med, q1, q3, lo, hi, nn = _only(sel, v["median"], v["q1"], v["q3"], v["min"],
                                            v["max"], n)
            res = mean_sd_from_median(median=med, q1=q1, q3=q3, min=lo, max=hi, n=nn,
                                      method=method)
            has_iqr = np.isfinite(q1) & np.isfinite(q3)
            has_rng = np.isfinite(lo) & np.isfinite(hi)
            form = np.where(has_iqr & has_rng, "median/IQR/range",
                            np.where(has_iqr, "median/IQR", "median/range"))
            mean = np.where(use_med_mean, res.mean, mean)
            sd = np.where(use_med_sd, res.sd, sd)
            for r in res.records:
                i = r.row - 1
                for flag, col in ((use_med_mean[i], c["m"]), (use_med_sd[i], c["sd"])):
                    if flag:
                        log.append({"row": r.row, "column": col, "from_form": str(form[i]),
                                    "method": r.method, "reference": r.reference})
        out[c["m"]] = mean
        out[c["sd"]] = sd
    log_frame = pd.DataFrame(log, columns=LOG_COLUMNS)
    if len(log_frame):
        log_frame = log_frame.sort_values(["row", "column"], kind="stable").reset_index(
            drop=True)
    return out, log_frame
