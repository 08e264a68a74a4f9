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

from metareview.plots._text import literal_text

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from metareview.errors import InputError, NotApplicableError
from metareview.plots._forest_draw import draw_forest
from metareview.plots._style import (
    ROB_LEVELS,
    PlotStyle,
    default_transf,
    get_style,
    measure_label,
    null_value,
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
        rows = [*study, _blank_row("blank"), *_overall_rows(res)]
        n_study = len(study)
        frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
        frame = _attach_extra(frame, extra, list(range(n_study)))
        rob_rows = None if rob_frame is None else _attach_rob(len(frame), rob_frame, range(n_study))
        return cls._of_fit(frame, res, transf=transf, extra_columns=tuple(str(c) for c in extra.columns),
                           rob=rob_rows, symbols=symbols, xlabel=xlabel)  # fmt: skip

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
        test = _blank_row("test_subgroups")
        test.update(
            Q=float(sg.Q_between), df=float(sg.df_between), pval=float(sg.p_between)
        )
        rows += [*_overall_rows(overall), test]
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
        return cls._of_fit(frame, overall, transf=transf, extra_columns=extra_names, rob=rob_rows,
                           symbols=symbols, xlabel=xlabel)  # fmt: skip

    @classmethod
    def _of_fit(
        cls,
        rows: pd.DataFrame,
        fit: Any,
        *,
        transf: Callable[[Any], Any] | None | str,
        extra_columns: tuple[str, ...],
        rob: pd.DataFrame | None,
        symbols: dict[str, str],
        xlabel: str | None,
    ) -> ForestPlot:
        """The plot of *rows* computed from *fit*: measure, level, method and test are the
        fit's, ``transf="auto"`` is the measure's default (``exp`` for ratios) and the
        footnotes are *symbols* (note -> symbol) turned round."""
        measure = _attr(fit, "measure")
        return cls(
            rows=rows,
            measure=measure,
            level=float(_attr(fit, "level", 95)),
            method=str(_attr(fit, "method", "REML")),
            test=str(_attr(fit, "test", "z")),
            transf=default_transf(measure) if transf == "auto" else transf,  # type: ignore[arg-type]
            extra_columns=extra_columns,
            rob=rob,
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
    @literal_text
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
        Figure, or the Axes when *ax* was given. Every artist has a gid unique within the
        figure (``label:3``, ``ci-text:3``, ``header:Weight``, ``diamond-overall``...; see
        :mod:`metareview.plots._forest_draw`), written as the element id in SVG output.
        """
        return draw_forest(
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


def _overall_rows(res: Any) -> list[dict[str, Any]]:
    """The rows under the studies of a whole analysis: the overall diamond, the prediction
    interval (random-effects fits only), the heterogeneity line and the test of the overall
    effect."""
    lo, hi = _pi_bounds(res)
    summary = _summary_rows(res, label=_model_label(res), kind="overall", group=None)
    return [summary[0], *_pi_row(res, lo, hi), *summary[1:]]


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


@literal_text
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
    >>> [t.get_text() for t in fig.axes[0].texts if t.get_gid().startswith("label:")]
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
