"""Bubble plots of a meta-regression on one continuous moderator.

Each study is a circle at (moderator, effect size) whose area is proportional to its weight
in the model; the fitted line and its confidence band are the model's predictions across the
moderator's range (``metareview.models.predict(res, newmods=...)``, i.e.
``b0 + b1 x +- crit * sqrt(x' V x)``). The display follows Thompson & Higgins (2002), "How
should meta-regression analyses be undertaken and interpreted?", Stat Med 21:1559-1573,
doi:10.1002/sim.1187, and metafor's ``regplot()`` (Viechtbauer 2010, J Stat Softw 36(3),
doi:10.18637/jss.v036.i03).
"""

from __future__ import annotations

from metareview.plots._text import literal_text

from collections.abc import Callable
from typing import Any

import numpy as np

from metareview.errors import NotApplicableError
from metareview.plots._style import (
    PlotStyle,
    axis_ticks,
    default_transf,
    get_style,
    measure_label,
    open_axes,
    place_labels,
)

__all__ = ["bubble_plot"]


@literal_text
def bubble_plot(
    res: Any,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    transf: Callable[[Any], Any] | None | str = "auto",
    xlabel: str | None = None,
    ylabel: str | None = None,
    labels: bool = False,
    n_grid: int = 200,
) -> Any:
    """Draw a bubble plot of a meta-regression with one continuous moderator.

    Parameters
    ----------
    res : fitted model
        ``rma(yi, vi, mods=...)`` with an intercept and exactly one moderator.
    ax : matplotlib Axes, optional
        Draw into this Axes; when None a 5.2 x 4 inch Figure is created.
    style : str or PlotStyle
        Journal preset.
    transf : callable, None or "auto"
        Back-transformation for the y-axis labels (``exp`` for ratio measures by default):
        everything is drawn on the analysis scale (e.g. log risk ratio) and the ticks are
        labelled with back-transformed values (1-2-5 steps for ``exp``).
    xlabel, ylabel : str, optional
        Axis labels (default: the moderator's name and the measure's name).
    labels : bool
        Write the study labels beside the bubbles, nudged apart so that none overlaps
        another (the heaviest studies are placed first).
    n_grid : int
        Number of moderator values at which the line and band are evaluated.

    Returns
    -------
    Figure, or the Axes when *ax* was given.

    Raises
    ------
    NotApplicableError
        If the model is not an intercept plus one moderator.

    Examples
    --------
    >>> from metareview.models import rma
    >>> res = rma([0.1, 0.3, 0.5, 0.4, 0.9], [0.02, 0.03, 0.02, 0.04, 0.05],
    ...           mods=[1.0, 2.0, 3.0, 4.0, 5.0])
    >>> fig = bubble_plot(res)
    >>> [a.get_gid() for a in fig.axes[0].collections]
    ['ci-band', 'studies']
    """
    from matplotlib.figure import Figure

    from metareview.models import predict

    st = get_style(style)
    p = int(getattr(res, "p", 1))
    X = getattr(res, "X", None)
    if p != 2 or not getattr(res, "intercept", True) or X is None or np.asarray(X).shape[1] != 2:
        raise NotApplicableError(
            f"a bubble plot needs a meta-regression with an intercept and one moderator "
            f"(this fit has p = {p} coefficients); use forest_plot() for p = 1"
        )
    X = np.asarray(X, dtype=float)
    mod = X[:, 1]
    yi = np.asarray(res.yi, dtype=float)
    w = np.asarray(res.weights, dtype=float)
    grid = np.linspace(float(mod.min()), float(mod.max()), int(n_grid))
    grid = np.unique(np.concatenate([grid, mod]))
    pred = predict(res, newmods=grid[:, None])
    fit, lb, ub = (np.asarray(v, dtype=float) for v in (pred.pred, pred.ci_lb, pred.ci_ub))
    tf = default_transf(getattr(res, "measure", None)) if transf == "auto" else transf
    shown_y = yi  # drawn on the analysis scale; tick labels show tf(value)
    created = ax is None
    if created:
        fig = Figure(figsize=(5.2, 4.0))
        ax = fig.add_axes((0.13, 0.13, 0.82, 0.82))
    fs = st.fontsize
    # bubble area proportional to weight; the largest is 4 times the font's height wide
    area = (w / np.max(w)) * (fs * 4.0) ** 2
    ax.fill_between(grid, lb, ub, color=st.square_color, alpha=0.18, linewidth=0, gid="ci-band")
    for bound, gid in ((lb, "ci-lower"), (ub, "ci-upper")):
        ax.plot(grid, bound, color=st.square_color, linestyle="--", linewidth=0.7, gid=gid)
    ax.plot(grid, fit, color=st.diamond_color, linewidth=1.4, gid="fitted-line")
    ax.scatter(mod, shown_y, s=area, facecolors="none" if st.name == "default" else st.square_color,
               edgecolors="black", linewidths=0.7, alpha=0.9, zorder=3, gid="studies")  # fmt: skip
    lo = float(min(np.min(yi), np.min(lb)))
    hi = float(max(np.max(yi), np.max(ub)))
    pad = 0.06 * (hi - lo if hi > lo else 1.0)
    ax.set_ylim(lo - pad, hi + pad)
    if labels:
        slab = getattr(res, "slab", None)
        texts = [str(s) for s in slab] if slab is not None else [str(i + 1) for i in range(len(yi))]
        ax.set_xlim(ax.get_xlim())  # fix the limits the labels are placed for
        place_labels(ax, mod, shown_y, texts, st, order=np.argsort(-w, kind="stable"),
                     marker_radius_pt=np.sqrt(area) / 2, fontsize=fs - 1)  # fmt: skip
    if tf is not None:
        ticks, tick_labels = axis_ticks(lo - pad, hi + pad, tf, st)
        ax.set_yticks(ticks)
        ax.set_yticklabels(tick_labels)
    names = tuple(getattr(res, "coef_names", ("intrcpt", "moderator")))
    ax.set_xlabel(xlabel if xlabel is not None else names[1], fontsize=fs + 1, fontfamily=st.family)
    ax.set_ylabel(ylabel if ylabel is not None else measure_label(getattr(res, "measure", None)),
                  fontsize=fs + 1, fontfamily=st.family)  # fmt: skip
    open_axes(ax, fontsize=fs)
    return fig if created else ax
