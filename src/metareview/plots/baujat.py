"""Baujat plots: each study's contribution to heterogeneity against its influence.

Baujat, Mahé, Pignon & Hill (2002), "A graphical method for exploring heterogeneity in
meta-analyses: application to a meta-analysis of 65 trials", Stat Med 21:2641-2652,
doi:10.1002/sim.1221. The horizontal axis is the study's contribution to Cochran's Q, the
vertical axis the squared change of the pooled estimate when the study is left out,
standardised by the variance of the pooled estimate without it. Both come from
``metareview.diagnostics.baujat(res)``; this module only draws them.
"""

from __future__ import annotations

from metareview.plots._text import literal_text

from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import InputError
from metareview.plots._style import PlotStyle, get_style, open_axes, place_labels

__all__ = ["baujat_plot"]


@literal_text
def baujat_plot(
    baujat: Any,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    labels: bool | int = True,
) -> Any:
    """Draw a Baujat plot.

    Parameters
    ----------
    baujat : Baujat result or DataFrame
        ``baujat(res)`` (its ``to_frame()`` has columns ``slab``, ``x`` = contribution to
        the overall heterogeneity statistic Q, ``y`` = influence on the overall estimate).
    ax : matplotlib Axes, optional
        Draw into this Axes; when None a 5 x 4.2 inch Figure is created.
    style : str or PlotStyle
        Journal preset.
    labels : bool or int
        Label every study (True), none (False), or the *labels* studies farthest from the
        origin (largest x + y), which keeps a plot of many studies legible. Labels are
        nudged apart so that none overlaps another (the most extreme studies are placed
        first; see :func:`metareview.plots._style.place_labels`); a moved label gets a
        leader line to its point.

    Returns
    -------
    Figure, or the Axes when *ax* was given.

    Raises
    ------
    InputError
        If a column is missing or a value is negative or not finite.
    """
    from matplotlib.figure import Figure

    st = get_style(style)
    frame = baujat if isinstance(baujat, pd.DataFrame) else baujat.to_frame()
    missing = [c for c in ("slab", "x", "y") if c not in frame.columns]
    if missing:
        raise InputError(f"the Baujat table lacks the column(s) {', '.join(missing)}", column=missing[0],
                         hint="pass baujat(res) or its to_frame()")  # fmt: skip
    x = frame["x"].to_numpy(float)
    y = frame["y"].to_numpy(float)
    for name, v in (("x", x), ("y", y)):
        bad = np.flatnonzero(~(np.isfinite(v) & (v >= 0)))
        if bad.size:
            raise InputError(f"{name} must be finite and non-negative, got {v[bad[0]]:g}",
                             row=[int(i) + 1 for i in bad], column=name)  # fmt: skip
    slab = [str(s) for s in frame["slab"]]
    created = ax is None
    if created:
        fig = Figure(figsize=(5.0, 4.2))
        ax = fig.add_axes((0.13, 0.13, 0.82, 0.82))
    fs = st.fontsize
    marker_pt = fs * 0.75  # marker diameter in points
    ax.scatter(x, y, s=marker_pt**2, c=st.square_color, edgecolors="black", linewidths=0.4,
               zorder=3, gid="studies")  # fmt: skip
    ax.set_xlim(0, max(float(x.max()) * 1.15, 1e-9))
    ax.set_ylim(0, max(float(y.max()) * 1.15, 1e-9))
    if labels:
        order = np.argsort(-(x + y), kind="stable")
        shown = order if labels is True else order[: int(labels)]
        place_labels(ax, x, y, slab, st, order=shown, marker_radius_pt=marker_pt / 2 + 0.4)
    ax.set_xlabel("Contribution to overall heterogeneity (Q)", fontsize=fs + 1, fontfamily=st.family)
    ax.set_ylabel("Influence on overall result", fontsize=fs + 1, fontfamily=st.family)
    open_axes(ax, fontsize=fs)
    return fig if created else ax
