"""GOSH plots: the pooled estimate against I-squared over subsets of the studies.

Olkin, Dahabreh & Trikalinos (2012), "GOSH - a graphical display of study heterogeneity",
Res Synth Methods 3:214-223, doi:10.1002/jrsm.1053: fit the model to every subset (or a
random sample of subsets) of the studies and plot each subset's I-squared against its
estimate; clusters point to influential studies or subgroups. The subsets are fitted by
``metareview.diagnostics.gosh(res)``; this module only draws them, as a scatter (or a hexbin
when there are many subsets) with marginal histograms.
"""

from __future__ import annotations

from metareview.plots._text import literal_text

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import InputError
from metareview.plots._style import PlotStyle, axis_ticks, default_transf, get_style, measure_label, open_axes

__all__ = ["gosh_plot"]


def _greys(x: Any) -> Any:
    """The 'Greys' colormap's colours at *x* (without pyplot)."""
    from matplotlib import colormaps

    return colormaps["Greys"](x)

_HEXBIN_ABOVE = 5000


@literal_text
def gosh_plot(
    gosh: Any,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    kind: str = "auto",
    measure: str | None = None,
    transf: Callable[[Any], Any] | None | str = "auto",
    bins: int = 40,
) -> Any:
    """Draw a GOSH plot (estimate on x, I-squared on y) with marginal histograms.

    Parameters
    ----------
    gosh : GOSH result or DataFrame
        ``gosh(res)`` (its ``to_frame()`` has one row per subset with ``estimate`` and
        ``I2``, and also ``tau2``, ``H2``, ``QE``, ``k``).
    ax : matplotlib Axes, optional
        Draw the scatter into this Axes (no marginal histograms); when None a 5.5 x 5.5
        inch Figure with histograms above and to the right is created.
    style : str or PlotStyle
        Journal preset.
    kind : "auto", "scatter" or "hexbin"
        "auto" switches to a hexbin above 5000 subsets.
    measure : str, optional
        Measure code for the x-axis label (e.g. ``res.measure``).
    transf : callable, None or "auto"
        Back-transformation for the x-axis labels (``exp`` for ratio measures by default);
        estimates are drawn on the analysis scale.
    bins : int
        Number of histogram bins (and hexagons across).

    Returns
    -------
    Figure, or the Axes when *ax* was given.

    Raises
    ------
    InputError
        If a column is missing, *kind* is unknown, or I2 lies outside [0, 100].
    """
    from matplotlib.figure import Figure

    st = get_style(style)
    frame = gosh if isinstance(gosh, pd.DataFrame) else gosh.to_frame()
    missing = [c for c in ("estimate", "I2") if c not in frame.columns]
    if missing:
        raise InputError(f"the GOSH table lacks the column(s) {', '.join(missing)}", column=missing[0],
                         hint="pass gosh(res) or its to_frame()")  # fmt: skip
    if kind not in ("auto", "scatter", "hexbin"):
        raise InputError(f"unknown kind {kind!r}", column="kind", hint="use 'auto', 'scatter' or 'hexbin'")
    est = frame["estimate"].to_numpy(float)
    i2 = frame["I2"].to_numpy(float)
    bad = np.flatnonzero(~((i2 >= 0) & (i2 <= 100)))
    if bad.size:
        raise InputError(f"I2 must lie in [0, 100] (percent), got {i2[bad[0]]:g}",
                         row=[int(i) + 1 for i in bad], column="I2")  # fmt: skip
    use_hex = kind == "hexbin" or (kind == "auto" and est.size > _HEXBIN_ABOVE)
    fs = st.fontsize
    created = ax is None
    top = right = None
    if created:
        fig = Figure(figsize=(5.5, 5.5))
        ax = fig.add_axes((0.13, 0.11, 0.62, 0.62))
        top = fig.add_axes((0.13, 0.75, 0.62, 0.2), sharex=ax)
        right = fig.add_axes((0.77, 0.11, 0.2, 0.62), sharey=ax)
    if use_hex:
        from matplotlib.colors import ListedColormap, LogNorm

        greys = ListedColormap(_greys(np.linspace(0.35, 1.0, 256)))
        ax.hexbin(est, i2, gridsize=bins, cmap=greys, norm=LogNorm(), mincnt=1, linewidths=0.1,
                  gid="subsets")  # fmt: skip
    else:
        alpha = float(np.clip(30.0 / np.sqrt(max(est.size, 1)), 0.08, 0.9))
        ax.scatter(est, i2, s=fs * 0.8, c=st.square_color, alpha=alpha, linewidths=0, gid="subsets")
    tf = default_transf(measure) if transf == "auto" else transf
    if tf is not None:
        lo, hi = ax.get_xlim()
        ticks, tick_labels = axis_ticks(lo, hi, tf, st)
        ax.set_xticks(ticks)
        ax.set_xticklabels(tick_labels)
        ax.set_xlim(lo, hi)
    ax.set_xlabel(measure_label(measure), fontsize=fs + 1, fontfamily=st.family)
    ax.set_ylabel("I\u00b2 (%)", fontsize=fs + 1, fontfamily=st.family)
    open_axes(ax, fontsize=fs)
    if top is not None and right is not None:
        top.hist(est, bins=bins, color=st.square_color, gid="hist-estimate")
        right.hist(i2, bins=bins, orientation="horizontal", color=st.square_color, gid="hist-I2")
        open_axes(top, right, fontsize=fs)
        top.tick_params(labelbottom=False)
        right.tick_params(labelleft=False)
    return ax.figure if created else ax
