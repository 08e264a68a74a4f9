"""Sensitivity figures: leave-one-out and cumulative forest plots, and the ri curve.

* Leave-one-out: each row is the pooled estimate with one study omitted (Viechtbauer &
  Cheung 2010, "Outlier and influence diagnostics for meta-analysis", Res Synth Methods
  1:112-125, doi:10.1002/jrsm.11).
* Cumulative: row i pools the first i studies in the chosen order (Lau, Antman,
  Jimenez-Silva, Kupelnick, Mosteller & Chalmers 1992, "Cumulative meta-analysis of
  therapeutic trials for myocardial infarction", N Engl J Med 327:248-254,
  doi:10.1056/NEJM199207233270406).
* The ri curve: a pre-post standardised mean change needs the correlation between the two
  measurements, rarely reported (Morris 2008, Organ Res Methods 11:364-386,
  doi:10.1177/1094428106291059); the curve shows how the pooled estimate and its interval
  move across assumed values.

The plots draw the tables computed by :mod:`metareview.diagnostics` (their ``to_frame()``);
nothing is refitted here.
"""

from __future__ import annotations

from metareview.plots._text import literal_text

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import InputError
from metareview.plots._style import PlotStyle, get_style, measure_label, null_value, open_axes
from metareview.plots.forest import ForestPlot

__all__ = ["cumulative_plot", "leave_one_out_plot", "ri_sensitivity_plot"]


def _frame(result: Any, what: str) -> pd.DataFrame:
    if isinstance(result, pd.DataFrame):
        return result
    if hasattr(result, "to_frame"):
        return result.to_frame()
    raise InputError(
        f"{what} needs a result with to_frame() or a DataFrame, got {type(result).__name__}",
        column=what,
    )


def _het_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Display copies of tau2 and I2 (named as printed, so they do not clash with row fields)."""
    out = frame.copy()
    cols = []
    if "tau2" in frame.columns:
        out["\u03c4\u00b2"] = frame["tau2"].astype(float)
        cols.append("\u03c4\u00b2")
    if "I2" in frame.columns:
        out["I\u00b2 (%)"] = frame["I2"].astype(float)
        cols.append("I\u00b2 (%)")
    return out, tuple(cols)


def _rows_plot(frame: Any, labels: list[str], header: str, cols: tuple[str, ...], overall: Any, res: Any, *,
               ax: Any, style: Any, measure: str | None, level: float | None, transf: Any,
               xlim: tuple[float, float] | None, decimals: int) -> Any:  # fmt: skip
    """A forest plot whose rows are refits (leave-one-out, cumulative), not studies."""
    fp = ForestPlot.from_frame(
        frame.assign(_label=labels),
        label="_label",
        label_header=header,
        columns=cols,
        overall=overall,
        overall_label="All studies",
        measure=measure if measure is not None else getattr(res, "measure", None),
        level=float(level if level is not None else getattr(res, "level", 95)),
        transf=transf,
    )
    return fp.plot(ax, style=style, xlim=xlim, pi=None, decimals=decimals, weights=False)


@literal_text
def leave_one_out_plot(
    loo: Any,
    res: Any = None,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    measure: str | None = None,
    level: float | None = None,
    transf: Callable[[Any], Any] | None | str = "auto",
    xlim: tuple[float, float] | None = None,
    decimals: int = 2,
) -> Any:
    """Forest plot of the leave-one-out estimates.

    Parameters
    ----------
    loo : leave-one-out result or DataFrame
        ``leave_one_out(res)`` (its ``to_frame()`` has ``slab, estimate, ci_lb, ci_ub, tau2,
        I2``, ...).
    res : fitted model, optional
        The fit on all studies, drawn as a diamond beneath (and source of the measure).
    ax, style, xlim, decimals
        As in :func:`metareview.plots.forest_plot`.
    measure, level : optional
        Default to the fit's.
    transf : callable, None or "auto"
        Display back-transformation (``exp`` for ratio measures).

    Returns
    -------
    Figure, or the Axes when *ax* was given.
    """
    frame, cols = _het_columns(_frame(loo, "leave_one_out"))
    labels = ["Omitting " + str(s) for s in frame["slab"]]
    return _rows_plot(frame, labels, "Study omitted", cols, res, res, ax=ax, style=style, measure=measure,
                      level=level, transf=transf, xlim=xlim, decimals=decimals)  # fmt: skip


@literal_text
def cumulative_plot(
    cum: Any,
    res: Any = None,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    measure: str | None = None,
    level: float | None = None,
    transf: Callable[[Any], Any] | None | str = "auto",
    xlim: tuple[float, float] | None = None,
    decimals: int = 2,
) -> Any:
    """Cumulative forest plot: row i is the estimate pooling the first i studies.

    Parameters
    ----------
    cum : cumulative result or DataFrame
        ``cumulative(res, order=...)`` (``to_frame()``: ``slab, estimate, se, ci_lb, ci_ub,
        tau2, I2``), in the order the studies were added.
    res : fitted model, optional
        Source of the measure and level (no diamond is drawn: the last row is the analysis
        of all studies).

    Other parameters as in :func:`leave_one_out_plot`.
    """
    frame, cols = _het_columns(_frame(cum, "cumulative"))
    labels = ["+ " + str(s) if i else str(s) for i, s in enumerate(frame["slab"])]
    return _rows_plot(frame, labels, "Study added", cols, None, res, ax=ax, style=style, measure=measure,
                      level=level, transf=transf, xlim=xlim, decimals=decimals)  # fmt: skip


@literal_text
def ri_sensitivity_plot(
    sens: Any,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    assumed: float | None = None,
    measure: str | None = None,
    transf: Callable[[Any], Any] | None = None,
    xlabel: str = "Assumed pre-post correlation (r)",
    ylabel: str | None = None,
    heterogeneity: bool = True,
) -> Any:
    """The pooled estimate and its confidence band across assumed pre-post correlations.

    Parameters
    ----------
    sens : ri-sensitivity result or DataFrame
        ``ri_sensitivity(...)`` (``to_frame()``: ``ri, estimate, ci_lb, ci_ub, tau2, I2``).
    ax : matplotlib Axes, optional
        Draw the estimate curve into this Axes (no heterogeneity panel); when None a Figure
        is created with the I-squared panel beneath (*heterogeneity*).
    assumed : float, optional
        The correlation used in the main analysis, marked with a vertical dashed line.
    measure : str, optional
        Measure code for the y-axis label (default: the result's ``measure``, else SMCR, the
        standardised mean change).
    transf : callable, optional
        Back-transformation applied to the estimate and band before drawing.

    Returns
    -------
    Figure, or the Axes when *ax* was given.

    Raises
    ------
    InputError
        If a correlation lies outside [-1, 1] or the table lacks a column.
    """
    from matplotlib.figure import Figure

    st = get_style(style)
    if measure is None:
        measure = getattr(sens, "measure", None) or "SMCR"
    frame = _frame(sens, "ri_sensitivity")
    need = ["ri", "estimate", "ci_lb", "ci_ub"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise InputError(f"the table lacks the column(s) {', '.join(missing)}", column=missing[0],
                         hint="pass the to_frame() of ri_sensitivity()")  # fmt: skip
    ri = frame["ri"].to_numpy(float)
    bad = np.flatnonzero(~((ri >= -1) & (ri <= 1)))
    if bad.size:  # rows as given (1-based), before sorting
        raise InputError(f"correlation {float(ri[bad[0]]):g} is outside [-1, 1]",
                         row=[int(i) + 1 for i in bad], column="ri",
                         hint="correlations lie between -1 and 1")  # fmt: skip
    frame = frame.sort_values("ri", kind="stable")
    ri = frame["ri"].to_numpy(float)
    est, lb, ub = (frame[c].to_numpy(float) for c in ("estimate", "ci_lb", "ci_ub"))
    if transf is not None:
        est, lb, ub = (np.asarray(transf(v), dtype=float) for v in (est, lb, ub))
    fs = st.fontsize
    created = ax is None
    het_ax = None
    if created:
        show_het = heterogeneity and "I2" in frame.columns
        fig = Figure(figsize=(5.0, 4.6 if show_het else 3.4))
        if show_het:
            ax = fig.add_axes((0.14, 0.42, 0.8, 0.53))
            het_ax = fig.add_axes((0.14, 0.1, 0.8, 0.22), sharex=ax)
        else:
            ax = fig.add_axes((0.14, 0.15, 0.8, 0.78))
    fig = ax.figure
    ax.fill_between(ri, lb, ub, color=st.square_color, alpha=0.25, linewidth=0, gid="ci-band")
    ax.plot(ri, est, color=st.diamond_color, linewidth=1.5, marker="o", markersize=3, gid="estimate")
    null = null_value(measure)
    if null is not None:
        ax.axhline(null if transf is None else float(transf(null)), color=st.null_color,
                   linewidth=0.7, gid="null-line")  # fmt: skip
    if assumed is not None:
        for a, gid in ((ax, "assumed-ri"), (het_ax, "assumed-ri:I2")):
            if a is not None:
                a.axvline(assumed, color=st.pi_color, linestyle="--", linewidth=0.9, gid=gid)
    ax.set_ylabel(ylabel or f"{measure_label(measure)} ({_level_text(sens)} CI)", fontsize=fs + 1,
                  fontfamily=st.family)  # fmt: skip
    open_axes(ax, het_ax, fontsize=fs)
    if het_ax is not None:
        het_ax.plot(ri, frame["I2"].to_numpy(float), color="black", linewidth=1.0, marker="o",
                    markersize=2.5, gid="I2")  # fmt: skip
        het_ax.set_ylabel("I\u00b2 (%)", fontsize=fs + 1, fontfamily=st.family)
        het_ax.set_ylim(0, 100)
        het_ax.set_xlabel(xlabel, fontsize=fs + 1, fontfamily=st.family)
        ax.tick_params(labelbottom=False)
    else:
        ax.set_xlabel(xlabel, fontsize=fs + 1, fontfamily=st.family)
    return fig if created else ax


def _level_text(sens: Any) -> str:
    level = getattr(sens, "level", 95)
    level = level * 100 if level < 1 else level
    return f"{level:g}%"
