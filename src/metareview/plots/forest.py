"""Forest plots of a fitted random- or common-effects model, with or without subgroups.

The layout follows the conventions reviewers know from RevMan 5 and R's ``meta``: study
labels and optional data columns on the left, the plot panel in the middle, the estimate with
its confidence interval, the weight and optional risk-of-bias judgements on the right;
squares sized by weight, pooled diamonds, the prediction interval, heterogeneity and test
statistics beneath. The figure grows with the number of rows; the font size never shrinks.

The forest plot as a display of a meta-analysis goes back to Lewis & Clarke (2001), "Forest
plots: trying to see the wood and the trees", BMJ 322:1479-1480, doi:10.1136/bmj.322.7300.1479.
The prediction interval drawn under the diamond is that of Higgins, Thompson & Spiegelhalter
(2009), J R Stat Soc A 172:137-159, doi:10.1111/j.1467-985X.2008.00552.x, as computed by the
fitted model (never recomputed here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from metareview.errors import InputError, NotApplicableError
from metareview.plots._style import (
    ROB_LEVELS,
    PlotStyle,
    axis_ticks,
    default_transf,
    format_cell,
    format_p,
    get_style,
    measure_label,
    measure_short,
    null_value,
    text_width_in,
)

__all__ = ["ForestPlot", "forest_plot"]

#: Columns of :attr:`ForestPlot.rows`, in order (extra data columns follow).
ROW_COLUMNS = (
    "kind",
    "label",
    "group",
    "estimate",
    "ci_lb",
    "ci_ub",
    "weight",
    "flag",
    "k",
    "tau2",
    "I2",
    "Q",
    "df",
    "stat",
    "pval",
)

# Kinds of row: what each draws.
_GRAPHIC_KINDS = ("study", "subgroup", "overall", "pi")
_TEXT_KINDS = ("het", "subgroup_het", "test_overall", "test_subgroups")

_FOOTNOTE_SYMBOLS = ("*", "\u2020", "\u2021", "\u00a7", "\u00b6", "#")



def _attr(res: Any, name: str, default: Any = None) -> Any:
    return getattr(res, name, default)


def _pi_bounds(res: Any) -> tuple[float, float]:
    """Prediction interval bounds the fit reports (``to_dict()['pi_lb'/'pi_ub']``)."""
    d = res.to_dict() if hasattr(res, "to_dict") else {}
    lb = d.get("pi_lb", _attr(res, "pi_lb", np.nan))
    ub = d.get("pi_ub", _attr(res, "pi_ub", np.nan))
    return float(np.nan if lb is None else lb), float(np.nan if ub is None else ub)


def _check_intercept_only(res: Any) -> None:
    p = int(_attr(res, "p", 1) or 1)
    if p != 1:
        raise NotApplicableError(
            f"a forest plot needs a model without moderators (this fit has p = {p} "
            "coefficients); draw a bubble plot with bubble_plot(res) or fit each subgroup "
            "with subgroup_analysis()"
        )


def _study_ci(yi: np.ndarray, vi: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    # Individual studies: Wald intervals with the normal quantile, as metafor's forest().
    lev = level / 100.0 if level > 1 else level
    z = stats.norm.ppf(0.5 + lev / 2.0)
    se = np.sqrt(vi)
    return yi - z * se, yi + z * se


def _fit_summary(res: Any) -> dict[str, Any]:
    k = int(_attr(res, "k"))
    p = int(_attr(res, "p", 1) or 1)
    return {
        "estimate": float(np.asarray(res.b).ravel()[0]),
        "ci_lb": float(np.asarray(res.ci_lb).ravel()[0]),
        "ci_ub": float(np.asarray(res.ci_ub).ravel()[0]),
        "k": k,
        "tau2": float(_attr(res, "tau2", np.nan)),
        "I2": float(_attr(res, "I2", np.nan)),
        "Q": float(_attr(res, "QE", np.nan)),
        "df": float(k - p),
        "QEp": float(_attr(res, "QEp", np.nan)),
        "stat": float(np.asarray(res.zval).ravel()[0]),
        "pval": float(np.asarray(res.pval).ravel()[0]),
    }


def _blank_row(kind: str, label: str = "", group: Any = None) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS, np.nan)
    row.update(kind=kind, label=label, group=group, flag="")
    return row


def _is_common_effect(res: Any) -> bool:
    flag = _attr(res, "is_common_effect")
    if flag is not None:
        return bool(flag)
    method = _attr(res, "method_used", _attr(res, "method", "REML"))
    return str(method).upper() in {"EE", "FE", "CE"}


def _summary_rows(res: Any, *, label: str, kind: str, group: Any) -> list[dict[str, Any]]:
    s = _fit_summary(res)
    if _is_common_effect(res):
        s["tau2"] = np.nan  # no tau^2 in a common-effect model: the text leaves it out
    row = _blank_row(kind, label, group)
    row.update(
        estimate=s["estimate"], ci_lb=s["ci_lb"], ci_ub=s["ci_ub"], weight=100.0, k=s["k"]
    )
    het = _blank_row("het" if kind == "overall" else "subgroup_het", "", group)
    het.update(k=s["k"], tau2=s["tau2"], I2=s["I2"], Q=s["Q"], df=s["df"], pval=s["QEp"])
    rows = [row, het]
    if kind == "overall":
        test = _blank_row("test_overall", "", group)
        test.update(k=s["k"], stat=s["stat"], pval=s["pval"], df=s["df"])
        rows.append(test)
    return rows


def _align_columns(
    columns: pd.DataFrame | Mapping[str, Sequence[Any]] | None, slab: tuple[str, ...]
) -> pd.DataFrame:
    """Extra data columns, one row per study in *slab* order (by label if indexed by label)."""
    k = len(slab)
    if columns is None:
        return pd.DataFrame(index=range(k))
    if isinstance(columns, pd.DataFrame):
        frame = columns
        labels = [str(i) for i in frame.index]
        if set(slab) <= set(labels) and len(set(labels)) == len(labels) and len(set(slab)) == k:
            frame = frame.copy()
            frame.index = labels
            return frame.loc[list(slab)].reset_index(drop=True)
        if len(frame) != k:
            raise InputError(
                f"the extra columns have {len(frame)} rows but the fit has {k} studies",
                column="columns",
                hint="give one row per study, in the fit's order, or index the rows by study label",
            )
        return frame.reset_index(drop=True)
    out = {}
    for name, values in dict(columns).items():
        vals = list(values)
        if len(vals) != k:
            raise InputError(
                f"has {len(vals)} values but the fit has {k} studies",
                column=str(name),
                hint="give one value per study, in the fit's order",
            )
        out[str(name)] = vals
    return pd.DataFrame(out)


def _normalise_rob(
    rob: pd.DataFrame | Mapping[str, Mapping[str, str]] | None, slab: tuple[str, ...]
) -> pd.DataFrame | None:
    """Risk-of-bias judgements as a DataFrame indexed by study label, domains as columns."""
    if rob is None:
        return None
    if hasattr(rob, "judgements") and hasattr(rob, "overall"):
        # a metareview.review.rob.RobTable: its domains, then the overall judgement
        frame = rob.judgements.copy()
        frame.index = [str(i) for i in frame.index]
        frame["Overall"] = [rob.overall.get(i) for i in rob.judgements.index]
    elif isinstance(rob, pd.DataFrame):
        frame = rob.copy()
        frame.index = [str(i) for i in frame.index]
    else:
        frame = pd.DataFrame.from_dict({str(s): dict(d) for s, d in rob.items()}, orient="index")
    missing = [i + 1 for i, s in enumerate(slab) if s not in frame.index]
    if missing:
        names = ", ".join(slab[i - 1] for i in missing[:5])
        raise InputError(
            f"no risk-of-bias judgement for {len(missing)} studies ({names})",
            row=missing,
            column="rob",
            hint="give a judgement for every study in the plot, keyed by its study label",
        )
    frame = frame.loc[list(slab)]
    for domain in frame.columns:
        for i, value in enumerate(frame[domain]):
            key = str(value).strip().lower()
            if key not in ROB_LEVELS:
                raise InputError(
                    f"unknown risk-of-bias judgement {value!r} for study {slab[i]!r}",
                    row=i + 1,
                    column=str(domain),
                    hint="use one of " + ", ".join(repr(v.capitalize()) for v in ROB_LEVELS),
                )
    return frame.reset_index(drop=True)


def _study_rows(
    res: Any,
    *,
    group: Any,
    weights: np.ndarray,
    flags: Mapping[str, str],
    symbols: dict[str, str],
) -> list[dict[str, Any]]:
    yi = np.asarray(res.yi, dtype=float)
    vi = np.asarray(res.vi, dtype=float)
    lb, ub = _study_ci(yi, vi, float(_attr(res, "level", 95)))
    rows = []
    slab = _slab(res)
    for i, s in enumerate(slab):
        row = _blank_row("study", s, group)
        note = flags.get(s)
        row.update(
            estimate=yi[i],
            ci_lb=lb[i],
            ci_ub=ub[i],
            weight=weights[i],
            flag="" if note is None else symbols[note],
            k=1,
        )
        rows.append(row)
    return rows


def _slab(res: Any) -> tuple[str, ...]:
    slab = _attr(res, "slab")
    k = int(_attr(res, "k"))
    if slab is None:
        return tuple(f"Study {i + 1}" for i in range(k))
    return tuple(str(s) for s in slab)


def _flag_symbols(flags: Mapping[str, str] | None, slab: Sequence[str]) -> dict[str, str]:
    if not flags:
        return {}
    unknown = [s for s in flags if s not in set(slab)]
    if unknown:
        raise InputError(
            f"flags name {len(unknown)} studies not in the fit: {', '.join(map(repr, unknown[:5]))}",
            column="flags",
            hint="key flags by the study labels of the fit (res.slab)",
        )
    notes = list(dict.fromkeys(flags.values()))
    if len(notes) > len(_FOOTNOTE_SYMBOLS):
        raise InputError(
            f"{len(notes)} different footnotes; at most {len(_FOOTNOTE_SYMBOLS)} are supported",
            column="flags",
        )
    return {note: _FOOTNOTE_SYMBOLS[i] for i, note in enumerate(notes)}


@dataclass(frozen=True)
class ForestPlot:
    """The computed rows of a forest plot, drawn by :meth:`plot` (compute once, draw many).

    Build it with :meth:`from_result` or :meth:`from_subgroups`; the fitted model is read,
    never refitted.

    Attributes
    ----------
    rows : DataFrame
        One row per line of the plot, top to bottom, with columns ``kind`` (``"header"``,
        ``"study"``, ``"subgroup"``, ``"subgroup_het"``, ``"blank"``, ``"overall"``, ``"pi"``,
        ``"het"``, ``"test_overall"``, ``"test_subgroups"``), ``label``, ``group``,
        ``estimate``, ``ci_lb``, ``ci_ub`` (analysis scale), ``weight`` (percent), ``flag``
        (footnote symbol), ``k``, ``tau2``, ``I2``, ``Q``, ``df``, ``stat``, ``pval``, then
        the extra data columns.
    extra_columns : tuple of str
        Names of the extra data columns shown left of the panel.
    rob : DataFrame or None
        Risk-of-bias judgements aligned with ``rows`` (None for non-study rows).
    footnotes : dict
        Footnote symbol -> text.
    measure, level, method, test : as in the fit.
    transf : callable or None
        Back-transformation for display (``np.exp`` for ratio measures).
    """

    rows: pd.DataFrame
    measure: str | None = None
    level: float = 95.0
    method: str = "REML"
    test: str = "z"
    transf: Callable[[Any], Any] | None = None
    extra_columns: tuple[str, ...] = ()
    rob: pd.DataFrame | None = None
    footnotes: dict[str, str] = field(default_factory=dict)
    xlabel: str | None = None
    label_header: str = "Study"

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_result(
        cls,
        res: Any,
        *,
        columns: pd.DataFrame | Mapping[str, Sequence[Any]] | None = None,
        rob: pd.DataFrame | Mapping[str, Mapping[str, str]] | None = None,
        flags: Mapping[str, str] | None = None,
        transf: Callable[[Any], Any] | None | str = "auto",
        order: str | Sequence[int] | None = None,
        xlabel: str | None = None,
    ) -> ForestPlot:
        """Rows of a forest plot of one fitted model.

        Parameters
        ----------
        res : fitted model
            An intercept-only ``rma`` result (``yi``, ``vi``, ``slab``, ``b``, ``ci_lb``...).
        columns : DataFrame or dict of sequences, optional
            Extra columns shown beside the study labels (n, events, means and SDs), one
            value per study in the fit's order, or a DataFrame indexed by study label.
        rob : RobTable, DataFrame or dict, optional
            Risk-of-bias judgements: a :class:`metareview.review.rob.RobTable` (domains
            and overall), or study label -> domain -> ``"Low"``, ``"Some concerns"``, ``"High"`` (also ``"Unclear"``, ``"Moderate"``, ``"Serious"``,
            ``"Critical"``, ``"No information"``). Drawn as coloured circles.
        flags : dict, optional
            Study label -> footnote text (e.g. ``"converted from median"``); the label gets
            a footnote symbol and the note is printed under the plot.
        transf : callable, None or "auto"
            Back-transformation for display; ``"auto"`` uses ``exp`` for ratio measures.
        order : "estimate", "weight", "precision" or sequence of int, optional
            Order of the study rows (default: the fit's order).
        xlabel : str, optional
            Axis label (default: the measure's name, e.g. "Odds ratio").

        Raises
        ------
        NotApplicableError
            If the fit has moderators.
        InputError
            If *columns*, *rob* or *flags* do not match the fit's studies.
        """
        _check_intercept_only(res)
        slab = _slab(res)
        symbols = _flag_symbols(flags, slab)
        weights = np.asarray(_attr(res, "weights"), dtype=float)
        study = _study_rows(res, group=None, weights=weights, flags=flags or {}, symbols=symbols)
        idx = _order(order, study, len(slab))
        study = [study[i] for i in idx]
        extra = _align_columns(columns, slab).iloc[idx].reset_index(drop=True)
        rob_frame = _normalise_rob(rob, slab)
        if rob_frame is not None:
            rob_frame = rob_frame.iloc[idx].reset_index(drop=True)
        lo, hi = _pi_bounds(res)
        rows = study + [_blank_row("blank")]
        summary = _summary_rows(res, label=_model_label(res), kind="overall", group=None)
        rows += [summary[0], *_pi_row(res, lo, hi), *summary[1:]]
        n_study = len(study)
        frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
        frame = _attach_extra(frame, extra, list(range(n_study)))
        rob_rows = None if rob_frame is None else _attach_rob(len(frame), rob_frame, range(n_study))
        return cls(
            rows=frame,
            measure=_attr(res, "measure"),
            level=float(_attr(res, "level", 95)),
            method=str(_attr(res, "method", "REML")),
            test=str(_attr(res, "test", "z")),
            transf=default_transf(_attr(res, "measure")) if transf == "auto" else transf,  # type: ignore[arg-type]
            extra_columns=tuple(str(c) for c in extra.columns),
            rob=rob_rows,
            footnotes={sym: note for note, sym in symbols.items()},
            xlabel=xlabel,
        )

    @classmethod
    def from_subgroups(
        cls,
        sg: Any,
        *,
        columns: pd.DataFrame | Mapping[str, Sequence[Any]] | None = None,
        rob: pd.DataFrame | Mapping[str, Mapping[str, str]] | None = None,
        flags: Mapping[str, str] | None = None,
        transf: Callable[[Any], Any] | None | str = "auto",
        xlabel: str | None = None,
    ) -> ForestPlot:
        """Rows of a forest plot of a subgroup analysis.

        Each subgroup gets a header, its studies, its diamond and its heterogeneity line;
        then come the overall diamond, the prediction interval, the overall heterogeneity
        and the test for subgroup differences (the Q-test between subgroups, as in Borenstein
        et al. 2009, *Introduction to Meta-Analysis*, ch. 19, doi:10.1002/9780470743386).

        *columns* and *rob* are keyed by study label (a DataFrame indexed by label, or a
        dict of label -> values); weights are percentages of the overall fit's total when
        study labels are unique. Other parameters as in :meth:`from_result`.
        """
        overall = sg.overall
        slab_all = _slab(overall)
        symbols = _flag_symbols(flags, slab_all)
        unique = len(set(slab_all)) == len(slab_all)
        w_all = dict(zip(slab_all, np.asarray(overall.weights, dtype=float), strict=True))
        extra_all = _align_columns(columns, slab_all) if columns is not None else None
        if extra_all is not None and not unique:
            raise InputError(
                "study labels are not unique, so extra columns cannot be matched to subgroups",
                column="columns",
                hint="give every study a distinct label (slab)",
            )
        rob_all = _normalise_rob(rob, slab_all)
        pos_all = {s: i for i, s in enumerate(slab_all)}
        rows: list[dict[str, Any]] = []
        study_pos: list[int] = []
        study_src: list[int] = []
        for level in _levels(sg):
            fit = sg.fits[level]
            slab = _slab(fit)
            w = (
                np.array([w_all[s] for s in slab])
                if unique
                else np.asarray(fit.weights, dtype=float)
            )
            rows.append(_blank_row("header", str(level), level))
            for r in _study_rows(fit, group=level, weights=w, flags=flags or {}, symbols=symbols):
                study_pos.append(len(rows))
                study_src.append(pos_all.get(r["label"], -1))
                rows.append(r)
            summary = _summary_rows(fit, label="Subtotal", kind="subgroup", group=level)
            if unique:
                summary[0]["weight"] = float(w.sum())
            rows += summary
            rows.append(_blank_row("blank"))
        lo, hi = _pi_bounds(overall)
        summary = _summary_rows(overall, label=_model_label(overall), kind="overall", group=None)
        test = _blank_row("test_subgroups")
        test.update(
            Q=float(sg.Q_between), df=float(sg.df_between), pval=float(sg.p_between)
        )
        rows += [summary[0], *_pi_row(overall, lo, hi), *summary[1:], test]
        frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
        if extra_all is not None:
            extra = extra_all.iloc[study_src].reset_index(drop=True)
            frame = _attach_extra(frame, extra, study_pos)
            extra_names = tuple(str(c) for c in extra.columns)
        else:
            extra_names = ()
        rob_rows = None
        if rob_all is not None:
            rob_rows = _attach_rob(len(frame), rob_all.iloc[study_src], study_pos)
        return cls(
            rows=frame,
            measure=_attr(overall, "measure"),
            level=float(_attr(overall, "level", 95)),
            method=str(_attr(overall, "method", "REML")),
            test=str(_attr(overall, "test", "z")),
            transf=default_transf(_attr(overall, "measure")) if transf == "auto" else transf,  # type: ignore[arg-type]
            extra_columns=extra_names,
            rob=rob_rows,
            footnotes={sym: note for note, sym in symbols.items()},
            xlabel=xlabel,
        )

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        label: str = "slab",
        label_header: str = "Study",
        columns: Sequence[str] = (),
        overall: Any = None,
        overall_label: str | None = None,
        measure: str | None = None,
        level: float = 95.0,
        transf: Callable[[Any], Any] | None | str = "auto",
        xlabel: str | None = None,
    ) -> ForestPlot:
        """Rows of a forest-style plot of precomputed estimates (leave-one-out, cumulative).

        Parameters
        ----------
        frame : DataFrame
            One row per line with columns *label*, ``estimate``, ``ci_lb``, ``ci_ub`` and the
            extra *columns* to show beside the labels.
        overall : fitted model, optional
            Drawn as a diamond beneath the rows (the analysis of all studies).
        """
        need = [label, "estimate", "ci_lb", "ci_ub", *columns]
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise InputError(
                f"the table lacks the column(s) {', '.join(missing)}",
                column=missing[0],
                hint="pass the to_frame() of leave_one_out() or cumulative()",
            )
        rows = []
        values = frame[["estimate", "ci_lb", "ci_ub"]].to_numpy(float)
        for lab, (e, a, b) in zip(frame[label], values, strict=True):
            row = _blank_row("study", str(lab))
            row.update(estimate=e, ci_lb=a, ci_ub=b)
            rows.append(row)
        n = len(rows)
        if overall is not None:
            _check_intercept_only(overall)
            s = _fit_summary(overall)
            row = _blank_row("overall", overall_label or _model_label(overall))
            row.update(estimate=s["estimate"], ci_lb=s["ci_lb"], ci_ub=s["ci_ub"], k=s["k"])
            rows += [_blank_row("blank"), row]
            measure = measure if measure is not None else _attr(overall, "measure")
        out = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
        extra = frame[list(columns)].reset_index(drop=True)
        out = _attach_extra(out, extra, list(range(n)))
        return cls(
            rows=out,
            measure=measure,
            level=level,
            transf=default_transf(measure) if transf == "auto" else transf,  # type: ignore[arg-type]
            extra_columns=tuple(str(c) for c in columns),
            xlabel=xlabel,
            label_header=label_header,
        )

    # ------------------------------------------------------------------ drawing
    def plot(
        self,
        ax: Any = None,
        *,
        style: str | PlotStyle = "default",
        xlim: tuple[float, float] | None = None,
        favours: tuple[str, str] | None = None,
        pi: str | None = "row",
        decimals: int = 2,
        weights: bool = True,
        panel_width: float = 2.6,
        title: str | None = None,
    ) -> Any:
        """Draw the plot.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            The plot panel to draw into; text columns are placed beside it (leave room).
            When None a Figure sized for its content is created.
        style : str or PlotStyle
            ``"default"``, ``"cochrane"``, ``"bmj"``, ``"lancet"`` or ``"jama"``.
        xlim : (float, float), optional
            Panel limits on the analysis scale (log scale for ratio measures). Intervals
            beyond the limits end in an arrow.
        favours : (str, str), optional
            Labels under the axis, left and right of the line of no effect.
        pi : "row", "dashed" or None
            Prediction interval as a bar on its own row, as a dashed line through the
            overall diamond's row, or not at all.
        decimals : int
            Decimals of the displayed numbers (the rows keep full precision).
        weights : bool
            Show the weight column.
        panel_width : float
            Width of the plot panel in inches (when *ax* is None).
        title : str, optional
            Title above the plot.

        Returns
        -------
        Figure, or the Axes when *ax* was given.
        """
        return _draw(
            self,
            ax,
            style=get_style(style),
            xlim=xlim,
            favours=favours,
            pi=pi,
            decimals=decimals,
            show_weights=weights,
            panel_width=panel_width,
            title=title,
        )

    @property
    def axis_label(self) -> str:
        """The x-axis label: *xlabel* or the measure's name."""
        return self.xlabel if self.xlabel is not None else measure_label(self.measure)

    @property
    def null(self) -> float | None:
        """The line of no effect on the analysis scale (None for one-group measures)."""
        return null_value(self.measure)


def _levels(sg: Any) -> list[Any]:
    est = getattr(sg, "estimates", None)
    if isinstance(est, pd.DataFrame) and "level" in est.columns:
        return list(est["level"])
    return list(sg.fits)


def _pi_row(res: Any, lo: float, hi: float) -> list[dict[str, Any]]:
    """The prediction-interval row of a random-effects fit (none for a common-effect model,
    whose prediction interval is its confidence interval)."""
    if _is_common_effect(res):
        return []
    pi = _blank_row("pi", "Prediction interval")
    pi.update(ci_lb=lo, ci_ub=hi)
    return [pi]


def _model_label(res: Any) -> str:
    if _is_common_effect(res):
        return "Common-effect model"
    return "Random-effects model"


def _order(order: str | Sequence[int] | None, study: list[dict[str, Any]], k: int) -> list[int]:
    if order is None:
        return list(range(k))
    if isinstance(order, str):
        key = order.lower()
        est = np.array([r["estimate"] for r in study])
        if key == "estimate":
            return list(np.argsort(est, kind="stable"))
        if key in {"weight", "precision"}:
            width = np.array([r["ci_ub"] - r["ci_lb"] for r in study])
            return list(np.argsort(width, kind="stable"))
        raise InputError(
            f"unknown order {order!r}",
            column="order",
            hint="use 'estimate', 'weight', 'precision' or a sequence of row indices",
        )
    idx = [int(i) for i in order]
    if sorted(idx) != list(range(k)):
        raise InputError(
            f"order must be a permutation of 0..{k - 1}",
            column="order",
            hint="give each study's 0-based index exactly once",
        )
    return idx


def _attach_extra(frame: pd.DataFrame, extra: pd.DataFrame, positions: list[int]) -> pd.DataFrame:
    for name in extra.columns:
        if name in frame.columns:
            raise InputError(
                f"extra column name {name!r} clashes with a forest-plot column",
                column=str(name),
                hint="rename the column",
            )
        col = pd.Series([None] * len(frame), dtype=object)
        col.iloc[positions] = list(extra[name])
        frame[str(name)] = col.values
    return frame


def _attach_rob(n: int, rob: pd.DataFrame, positions: Any) -> pd.DataFrame:
    out = pd.DataFrame(None, index=range(n), columns=[str(c) for c in rob.columns], dtype=object)
    out.iloc[list(positions), :] = rob.to_numpy(dtype=object)
    return out


def forest_plot(
    res: Any,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    columns: pd.DataFrame | Mapping[str, Sequence[Any]] | None = None,
    rob: pd.DataFrame | Mapping[str, Mapping[str, str]] | None = None,
    flags: Mapping[str, str] | None = None,
    transf: Callable[[Any], Any] | None | str = "auto",
    order: str | Sequence[int] | None = None,
    xlabel: str | None = None,
    xlim: tuple[float, float] | None = None,
    favours: tuple[str, str] | None = None,
    pi: str | None = "row",
    decimals: int = 2,
    title: str | None = None,
) -> Any:
    """Draw a forest plot of a fitted model or of a subgroup analysis.

    A shortcut for ``ForestPlot.from_result(res, ...).plot(ax, ...)`` (or
    ``from_subgroups`` when *res* has ``fits`` and ``overall``); see :class:`ForestPlot`.

    Returns
    -------
    Figure, or the Axes when *ax* was given.

    Examples
    --------
    >>> from metareview.models import rma
    >>> res = rma([0.21, 0.53, 0.38, 0.10], [0.04, 0.02, 0.05, 0.03], measure="SMD",
    ...           slab=["Ames 2001", "Bell 2005", "Cole 2010", "Diaz 2012"])
    >>> fig = forest_plot(res, favours=("Favours control", "Favours treatment"))
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "label"]
    ['Ames 2001', 'Bell 2005', 'Cole 2010', 'Diaz 2012', 'Random-effects model', 'Prediction interval']
    """
    if hasattr(res, "fits") and hasattr(res, "overall"):
        if order is not None:
            raise InputError(
                "order is not available for subgroup forest plots",
                column="order",
                hint="studies are shown in each subgroup in the fit's order",
            )
        fp = ForestPlot.from_subgroups(
            res, columns=columns, rob=rob, flags=flags, transf=transf, xlabel=xlabel
        )
    else:
        fp = ForestPlot.from_result(
            res, columns=columns, rob=rob, flags=flags, transf=transf, order=order, xlabel=xlabel
        )
    return fp.plot(
        ax, style=style, xlim=xlim, favours=favours, pi=pi, decimals=decimals, title=title
    )


# ---------------------------------------------------------------------- drawing helpers
def _het_text(row: pd.Series, style: PlotStyle, decimals: int) -> str:
    if not (row["k"] >= 2 and math.isfinite(row["Q"])):
        return "Heterogeneity: not applicable (k = 1)"
    fmt = style.format_number
    tau2 = f"\u03c4\u00b2 = {fmt(row['tau2'], decimals=decimals)}; " if math.isfinite(row["tau2"]) else ""
    return (
        f"Heterogeneity: {tau2}"
        f"I\u00b2 = {fmt(row['I2'], decimals=0)}%; "
        f"Q = {fmt(row['Q'], decimals=decimals)}, df = {int(row['df'])} "
        f"({format_p(row['pval'], style)})"
    )


def _row_text(row: pd.Series, fp: ForestPlot, style: PlotStyle, decimals: int) -> str:
    kind = row["kind"]
    fmt = style.format_number
    if kind in ("het", "subgroup_het"):
        return _het_text(row, style, decimals)
    if kind == "test_overall":
        if fp.test.lower() == "z":
            stat = f"z = {fmt(row['stat'], decimals=decimals)}"
        else:
            stat = f"t = {fmt(row['stat'], decimals=decimals)}, df = {int(row['df'])}"
        return f"Test for overall effect: {stat} ({format_p(row['pval'], style)})"
    if kind == "test_subgroups":
        return (
            f"Test for subgroup differences: Q = {fmt(row['Q'], decimals=decimals)}, "
            f"df = {int(row['df'])} ({format_p(row['pval'], style)})"
        )
    return str(row["label"]) + (f" {row['flag']}" if row["flag"] else "")


def _default_xlim(rows: pd.DataFrame, null: float | None) -> tuple[float, float]:
    graphic = rows[rows["kind"].isin(_GRAPHIC_KINDS)]
    core = np.concatenate(
        [
            graphic.loc[graphic["kind"] == "study", "estimate"].to_numpy(float),
            graphic.loc[graphic["kind"] != "study", ["ci_lb", "ci_ub"]].to_numpy(float).ravel(),
        ]
    )
    core = core[np.isfinite(core)]
    if core.size == 0:
        return (-1.0, 1.0)
    lo_core, hi_core = float(core.min()), float(core.max())
    span = max(hi_core - lo_core, 1e-3)
    bounds = graphic[["ci_lb", "ci_ub"]].to_numpy(float)
    bounds = bounds[np.isfinite(bounds)]
    # show every interval whole unless one reaches farther than the core's span beyond it
    lo = max(float(bounds.min()), lo_core - span)
    hi = min(float(bounds.max()), hi_core + span)
    if null is not None:
        lo, hi = min(lo, null), max(hi, null)
    pad = 0.04 * (hi - lo)
    return lo - pad, hi + pad


def _draw(
    fp: ForestPlot,
    ax: Any,
    *,
    style: PlotStyle,
    xlim: tuple[float, float] | None,
    favours: tuple[str, str] | None,
    pi: str | None,
    decimals: int,
    show_weights: bool,
    panel_width: float,
    title: str | None,
) -> Any:
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Polygon
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    if pi not in ("row", "dashed", None):
        raise InputError(f"unknown pi option {pi!r}", column="pi", hint="use 'row', 'dashed' or None")
    rows = fp.rows
    keep = np.ones(len(rows), dtype=bool)
    pi_rows = rows[rows["kind"] == "pi"]
    if pi != "row":
        keep &= (rows["kind"] != "pi").to_numpy()
    keep &= ~((rows["kind"] == "pi") & ~np.isfinite(rows["ci_lb"].astype(float))).to_numpy()
    rob = None if fp.rob is None else fp.rob[keep].reset_index(drop=True)
    rows = rows[keep].reset_index(drop=True)
    n = len(rows)
    y = -np.arange(n, dtype=float)
    kind = rows["kind"].to_numpy()
    fs = style.fontsize
    rh = style.row_height_in
    has_w = show_weights and bool(np.isfinite(rows.loc[kind == "study", "weight"].astype(float)).any())

    # ---- texts of each column
    text_rows = np.isin(kind, _TEXT_KINDS)
    labels = [_row_text(r, fp, style, decimals) for _, r in rows.iterrows()]
    bold = np.isin(kind, ("header", "subgroup", "overall"))
    shown = rows[["estimate", "ci_lb", "ci_ub"]].to_numpy(float)
    if fp.transf is not None:  # numbers are printed on the display scale (e.g. odds ratios)
        with np.errstate(all="ignore"):
            shown = np.asarray(fp.transf(shown), dtype=float)
    ci_text = [
        style.format_ci(e, a, b, decimals=decimals)
        if k in ("study", "subgroup", "overall")
        else (style.format_interval(a, b, decimals=decimals) if k == "pi" else "")
        for k, (e, a, b) in zip(kind, shown, strict=True)
    ]
    w_text = [
        f"{style.format_number(w, decimals=1)}%" if k in ("study", "subgroup", "overall") and np.isfinite(w) else ""
        for k, w in zip(kind, rows["weight"].astype(float), strict=True)
    ]
    lev = fp.level if fp.level > 1 else 100 * fp.level
    short = measure_short(fp.measure, fp.transf)
    lev_txt = f"{lev:g}% CI"
    ci_header = f"{short} {'(' + lev_txt + ')' if '(' in style.ci_template else '[' + lev_txt + ']'}"
    gap = 0.12
    left_cols: list[tuple[str, list[str], float, str]] = []  # header, texts, width, align
    label_w = text_width_in(
        [t for t, tr in zip(labels, text_rows, strict=True) if not tr] + [fp.label_header],
        style,
        bold=[b for b, tr in zip(bold, text_rows, strict=True) if not tr] + [True],
    )
    left_cols.append((fp.label_header, [t if not tr else "" for t, tr in zip(labels, text_rows, strict=True)], label_w, "left"))
    for name in fp.extra_columns:
        values = list(rows[name])
        nums = [v for v in values if isinstance(v, (float, np.floating)) and math.isfinite(v)]
        integral = all(float(v).is_integer() for v in nums)  # a column of counts stays integer
        cells = [format_cell(v, decimals, style, integral=integral) for v in values]
        left_cols.append((name, cells, text_width_in([*cells, name], style, bold=[False] * n + [True]), "right"))
    right_cols: list[tuple[str, list[str], float, str]] = [
        (ci_header, ci_text, text_width_in([*ci_text, ci_header], style, bold=[False] * n + [True]), "right")
    ]
    if has_w:
        right_cols.append(("Weight", w_text, text_width_in([*w_text, "Weight"], style, bold=[False] * n + [True]), "right"))
    rob_cols = [] if rob is None else list(rob.columns)
    rob_w = [max(0.2, text_width_in([c], style, bold=[True]) + 0.04) for c in rob_cols]
    left_total = sum(c[2] for c in left_cols) + gap * len(left_cols)
    right_total = sum(c[2] for c in right_cols) + gap * (len(right_cols) + 1) + sum(rob_w)

    # ---- figure
    n_foot = len(fp.footnotes)
    below_pt = fs * 1.6 + (fs * 1.8 if favours else 0) + fs * 2.0 + n_foot * fs * 1.5 + 8
    created = ax is None
    if created:
        top_in = 1.6 * rh + (2.2 * rh if title else 0) + 0.08
        bottom_in = below_pt / 72
        margin = 0.1
        fig_w = margin + left_total + panel_width + right_total + margin
        fig_h = top_in + n * rh + bottom_in
        fig = Figure(figsize=(fig_w, fig_h))
        ax = fig.add_axes(
            (
                (margin + left_total) / fig_w,
                bottom_in / fig_h,
                panel_width / fig_w,
                n * rh / fig_h,
            )
        )
    fig = ax.figure
    ax.set_ylim(-(n - 1) - 0.5, 0.5)
    null = fp.null
    lo, hi = xlim if xlim is not None else _default_xlim(rows, null)
    ax.set_xlim(lo, hi)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.set_facecolor("none")

    def column_transform(dx_in: float) -> Any:
        base = blended_transform_factory(ax.transAxes, ax.transData)
        return base + ScaledTranslation(dx_in, 0, fig.dpi_scale_trans)

    text_kw = {"fontsize": fs, "fontfamily": style.family, "va": "center", "color": "black"}
    # left columns
    x = -left_total
    for j, (header, cells, width, align) in enumerate(left_cols):
        xa = x if align == "left" else x + width
        tr = column_transform(xa)
        ax.text(0, 1.0, header, transform=tr, ha=align, fontweight="bold", gid="header", **text_kw)
        for i, cell in enumerate(cells):
            if cell:
                weight = "bold" if (j == 0 and bold[i]) else "normal"
                gid = "label" if j == 0 else f"column:{header}"
                ax.text(0, y[i], cell, transform=tr, ha=align, fontweight=weight, gid=gid, **text_kw)
        x += width + gap
    # long text rows (heterogeneity, tests) start at the label column
    tr = column_transform(-left_total)
    for i in np.flatnonzero(text_rows):
        ax.text(0, y[i], labels[i], transform=tr, ha="left", gid="stat-text", zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5}, **text_kw)
    # right columns
    dx = gap
    for header, cells, width, align in right_cols:
        tr = column_transform(dx + width)
        gid = "ci-text" if header == ci_header else "weight-text"
        ax.text(1.0, 1.0, header, transform=tr, ha=align, fontweight="bold", gid="header", **text_kw)
        for i, cell in enumerate(cells):
            if cell:
                ax.text(1.0, y[i], cell, transform=tr, ha=align, gid=gid,
                        fontweight="bold" if kind[i] in ("subgroup", "overall") else "normal", **text_kw)
        dx += width + gap
    if rob is not None:
        for domain, width in zip(rob_cols, rob_w, strict=True):
            tr = column_transform(dx + width / 2)
            ax.text(1.0, 1.0, domain, transform=tr, ha="center", fontweight="bold", gid="header", **text_kw)
            mask = rob[domain].notna().to_numpy()
            judg = [str(v).strip().lower() for v in rob.loc[mask, domain]]
            colors = [ROB_LEVELS[j][0] for j in judg]
            ax.scatter(np.ones(mask.sum()), y[mask], s=(fs * 1.25) ** 2, c=colors, transform=tr,
                       clip_on=False, edgecolors="black", linewidths=0.4, gid=f"rob:{domain}", zorder=3)
            for yy, j in zip(y[mask], judg, strict=True):
                ax.text(1.0, yy, ROB_LEVELS[j][1], transform=tr, ha="center", fontsize=fs * 0.8,
                        fontweight="bold", va="center", color="white" if j != "some concerns" else "black",
                        gid=f"rob-symbol:{domain}", zorder=4)
            dx += width

    # ---- panel graphics
    st = kind == "study"
    est = rows["estimate"].to_numpy(float)
    lb = rows["ci_lb"].to_numpy(float)
    ub = rows["ci_ub"].to_numpy(float)
    wt = rows["weight"].to_numpy(float)
    ys = y[st]
    seg_lo = np.clip(lb[st], lo, hi)
    seg_hi = np.clip(ub[st], lo, hi)
    segs = np.stack([np.column_stack([seg_lo, ys]), np.column_stack([seg_hi, ys])], axis=1)
    ax.add_collection(LineCollection(segs, colors=style.ci_color, linewidths=0.8, gid="study-ci", zorder=2))
    arrow_ms = fs * 0.45
    for side, mask, xpos, marker in (
        ("left", lb[st] < lo, lo, "<"),
        ("right", ub[st] > hi, hi, ">"),
    ):
        if mask.any():
            ax.add_line(Line2D(np.full(mask.sum(), xpos), ys[mask], linestyle="none", marker=marker,
                               markersize=arrow_ms, color=style.ci_color, clip_on=False,
                               gid=f"ci-arrow-{side}", zorder=3))
    if np.isfinite(wt[st]).any():
        side_pt = np.sqrt(np.clip(wt[st], 0, None) / np.nanmax(wt[st])) * fs * 1.3
        sizes = np.maximum(side_pt, fs * 0.35) ** 2
    else:
        sizes = np.full(st.sum(), (fs * 0.6) ** 2)
    inside = (est[st] >= lo) & (est[st] <= hi)
    ax.scatter(est[st][inside], ys[inside], s=sizes[inside], marker="s", c=style.square_color,
               edgecolors=style.square_edge, linewidths=0.3, gid="study-squares", zorder=3)
    overall_y = None
    for i in np.flatnonzero(np.isin(kind, ("subgroup", "overall"))):
        h = 0.38
        verts = [(lb[i], y[i]), (est[i], y[i] + h), (ub[i], y[i]), (est[i], y[i] - h)]
        is_overall = kind[i] == "overall"
        ax.add_patch(
            Polygon(verts, closed=True, zorder=3,
                    facecolor=style.diamond_color if is_overall else style.subgroup_diamond_color,
                    edgecolor=style.diamond_edge, linewidth=0.6,
                    gid="diamond-overall" if is_overall else f"diamond-subgroup:{rows.loc[i, 'group']}")
        )
        if is_overall:
            overall_y = y[i]
    if pi == "row":
        for i in np.flatnonzero(kind == "pi"):
            ax.add_line(Line2D([lb[i], ub[i]], [y[i], y[i]], color=style.pi_color, linewidth=2.2,
                               solid_capstyle="butt", gid="prediction-interval", zorder=3))
    elif pi == "dashed" and overall_y is not None and len(pi_rows):
        p_lb, p_ub = float(pi_rows["ci_lb"].iloc[0]), float(pi_rows["ci_ub"].iloc[0])
        if np.isfinite([p_lb, p_ub]).all():
            ax.add_line(Line2D([p_lb, p_ub], [overall_y, overall_y], color=style.pi_color, linewidth=1.0,
                               linestyle="--", gid="prediction-interval", zorder=2))
    graphic_idx = np.flatnonzero(np.isin(kind, _GRAPHIC_KINDS))
    y_bottom = (y[graphic_idx].min() if graphic_idx.size else y[-1]) - 0.5
    if null is not None and lo <= null <= hi:
        ax.vlines(null, y_bottom, 0.5, colors=style.null_color, linewidths=0.7, gid="null-line", zorder=1)
    if overall_y is not None:
        o = float(est[kind == "overall"][0])
        ax.vlines(o, y_bottom, 0.5, colors="#7f7f7f", linewidths=0.7, linestyles=":", gid="estimate-line", zorder=1)

    # ---- axis, favours labels, footnotes, title
    ticks, tick_labels = axis_ticks(lo, hi, fp.transf, style)
    ax.set_xticks(ticks)
    ax.set_xticklabels(tick_labels, fontsize=fs, fontfamily=style.family)
    ax.tick_params(axis="x", length=3, width=0.6)
    ax.set_xlabel(fp.axis_label, fontsize=fs, fontfamily=style.family,
                  labelpad=fs * 2.2 if favours else 4)
    if favours is not None:
        ref = null if null is not None else (lo + hi) / 2
        for text, ha, sign in ((favours[0], "right", -1), (favours[1], "left", 1)):
            ax.annotate(text, xy=(ref, 0), xycoords=("data", "axes fraction"),
                        xytext=(sign * fs * 0.6, -fs * 2.2), textcoords="offset points", ha=ha,
                        va="top", fontsize=fs, fontfamily=style.family, gid="favours")
    for j, (sym, note) in enumerate(fp.footnotes.items()):
        ax.annotate(f"{sym} {note}", xy=(0, 0), xycoords="axes fraction",
                    xytext=(-left_total * 72, -(fs * 4.2 + (fs * 1.8 if favours else 0) + j * fs * 1.5)),
                    textcoords="offset points", ha="left", va="top", fontsize=fs,
                    fontfamily=style.family, gid="footnote")
    if title:
        ax.set_title(title, pad=rh * 72 * 1.7, fontsize=fs + 1.5, fontweight="bold", fontfamily=style.family)
    return fig if created else ax
