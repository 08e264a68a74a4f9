"""Funnel plots, contour-enhanced, with trim-and-fill's imputed studies.

Each study is drawn at its estimate (x) against its standard error (y, reversed so precise
studies sit at the top), after Light & Pillemer (1984), *Summing Up*, Harvard University
Press, and Sterne & Egger (2001), "Funnel plots for detecting bias in meta-analysis",
J Clin Epidemiol 54:1046-1055, doi:10.1016/S0895-4356(01)00377-8 (standard error on the
vertical axis). The pseudo-confidence region is ``estimate +- z * se``.

Significance contours follow Peters, Sutton, Jones, Abrams & Rushton (2008),
"Contour-enhanced meta-analysis funnel plots help distinguish publication bias from other
causes of asymmetry", J Clin Epidemiol 61:991-996, doi:10.1016/j.jclinepi.2007.11.010:
regions where a study's two-sided Wald test of no effect has 0.05 < p < 0.10 and
0.01 < p < 0.05 are shaded, centred on the line of no effect (not on the pooled estimate).

Studies imputed by trim-and-fill (Duval & Tweedie 2000, Biometrics 56:455-463,
doi:10.1111/j.0006-341X.2000.00455.x) are drawn as open circles.
"""

from __future__ import annotations

from metareview.plots._text import literal_text

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from metareview.errors import InputError, NotApplicableError
from metareview.plots._style import (
    PlotStyle,
    axis_ticks,
    default_transf,
    get_style,
    measure_label,
    null_value,
    open_axes,
)

__all__ = ["funnel_plot"]

#: Shades of the contour regions, from the outermost p-value band inwards.
_CONTOUR_SHADES = ("#bdbdbd", "#e0e0e0", "#ffffff")


@literal_text
def funnel_plot(
    res: Any,
    *,
    ax: Any = None,
    style: str | PlotStyle = "default",
    contours: Sequence[float] | None = (0.10, 0.05, 0.01),
    trimfill: Any = None,
    level: float | None = None,
    transf: Callable[[Any], Any] | None | str = "auto",
    xlabel: str | None = None,
    legend: bool = True,
) -> Any:
    """Draw a (contour-enhanced) funnel plot of an intercept-only fit.

    Parameters
    ----------
    res : fitted model
        An intercept-only ``rma`` result (``yi``, ``vi``, ``b``, ``measure``).
    ax : matplotlib Axes, optional
        Draw into this Axes; when None a 4.5 x 4 inch Figure is created.
    style : str or PlotStyle
        Journal preset (``"default"``, ``"cochrane"``, ``"bmj"``, ``"lancet"``, ``"jama"``).
    contours : sequence of float or None
        Two-sided p-values at which significance contours are drawn around the line of no
        effect (Peters et al. 2008); None for a plain funnel.
    trimfill : trim-and-fill result, optional
        The result of ``trim_and_fill(res)``: its ``filled`` studies (``yi``, ``vi``) are
        drawn as open circles and its adjusted estimate (``fit``) as a dashed line.
    level : float, optional
        Level of the pseudo-confidence funnel (default: the fit's level).
    transf : callable, None or "auto"
        Back-transformation of the axis labels (``exp`` for ratio measures by default).
    xlabel : str, optional
        Axis label (default: the measure's name).
    legend : bool
        Draw a legend of the contour regions and symbols.

    Returns
    -------
    Figure, or the Axes when *ax* was given.

    Raises
    ------
    NotApplicableError
        For a meta-regression (draw the residuals instead).
    InputError
        If a contour p-value is not strictly between 0 and 1.

    Examples
    --------
    >>> from metareview.models import rma
    >>> res = rma([0.1, 0.3, 0.5, 0.2, 0.8], [0.01, 0.02, 0.04, 0.03, 0.09])
    >>> fig = funnel_plot(res)
    >>> bool(fig.axes[0].yaxis_inverted())
    True
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    st = get_style(style)
    p = int(getattr(res, "p", 1) or 1)
    if p != 1:
        raise NotApplicableError(
            f"a funnel plot needs a model without moderators (this fit has p = {p}); "
            "plot the residuals of the meta-regression instead"
        )
    yi = np.asarray(res.yi, dtype=float)
    sei = np.sqrt(np.asarray(res.vi, dtype=float))
    est = float(np.asarray(res.b).ravel()[0])
    lev = float(level if level is not None else getattr(res, "level", 95))
    lev = lev / 100 if lev > 1 else lev
    measure = getattr(res, "measure", None)
    tf = default_transf(measure) if transf == "auto" else transf
    null = null_value(measure)

    filled_yi = filled_sei = None
    if trimfill is not None:
        filled = trimfill.filled
        filled_yi = np.asarray(filled["yi"], dtype=float)
        filled_sei = np.sqrt(np.asarray(filled["vi"], dtype=float))
    all_sei = sei if filled_sei is None else np.concatenate([sei, filled_sei])
    se_max = float(np.max(all_sei)) * 1.08 if all_sei.size else 1.0

    created = ax is None
    if created:
        fig = Figure(figsize=(6.4, 4.0) if legend else (4.6, 4.0))
        ax = fig.add_axes((0.11, 0.13, 0.6, 0.82) if legend else (0.15, 0.13, 0.8, 0.82))
    fig = ax.figure
    fs = st.fontsize
    handles: list[Any] = []

    # ---- significance contours (centred on no effect)
    if contours is not None:
        ps = sorted({float(c) for c in contours})
        bad = [c for c in ps if not 0 < c < 1]
        if bad:
            raise InputError(
                f"contour p-values must lie strictly between 0 and 1, got {bad}",
                column="contours",
                hint="e.g. contours=(0.10, 0.05, 0.01)",
            )
        centre = 0.0 if null is None else null
        shades = _shades(len(ps))
        # widest region first (smallest p), narrower ones painted over it
        for pv, shade in zip(ps, shades, strict=True):
            z = float(stats.norm.isf(pv / 2))
            xs = [centre - z * se_max, centre, centre + z * se_max]
            ys = [se_max, 0.0, se_max]
            poly = ax.fill(xs, ys, facecolor=shade, edgecolor="#8c8c8c", linewidth=0.4,
                           zorder=0, gid=f"contour:{pv:g}")[0]  # fmt: skip
            poly.set_label(None)
        labels = _contour_labels(ps)
        for shade, text in zip(shades, labels, strict=True):
            if shade != "#ffffff":  # the white regions (p > max and p < min) need no key
                handles.append(Patch(facecolor=shade, edgecolor="#8c8c8c", linewidth=0.4, label=text))

    # ---- pseudo-confidence funnel around the pooled estimate
    zc = float(stats.norm.isf((1 - lev) / 2))
    ax.plot([est - zc * se_max, est, est + zc * se_max], [se_max, 0, se_max],
            color="black", linestyle="--", linewidth=0.7, zorder=2, gid="funnel")  # fmt: skip
    ax.vlines(est, se_max, 0, colors="black", linewidth=0.8, zorder=2, gid="estimate-line")
    ax.scatter(yi, sei, s=(fs * 0.7) ** 2, c=st.square_color, edgecolors="black", linewidths=0.4,
               zorder=3, gid="studies", label="Studies")  # fmt: skip
    handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor=st.square_color,
                          markeredgecolor="black", label="Studies"))  # fmt: skip
    if filled_yi is not None and filled_yi.size:
        ax.scatter(filled_yi, filled_sei, s=(fs * 0.7) ** 2, facecolors="white",
                   edgecolors="black", linewidths=0.8, zorder=3, gid="filled-studies")  # fmt: skip
        handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                              markeredgecolor="black", label="Filled (trim-and-fill)"))  # fmt: skip
    if trimfill is not None and getattr(trimfill, "fit", None) is not None:
        adj = float(np.asarray(trimfill.fit.b).ravel()[0])
        ax.vlines(adj, se_max, 0, colors=st.pi_color, linestyles="--", linewidth=0.9, zorder=2,
                  gid="estimate-adjusted")  # fmt: skip
        handles.append(Line2D([], [], color=st.pi_color, linestyle="--", label="Adjusted estimate"))

    # ---- axes
    xs_all = np.concatenate([yi, [] if filled_yi is None else filled_yi, [est - zc * se_max, est + zc * se_max]])
    lo, hi = float(np.min(xs_all)), float(np.max(xs_all))
    if null is not None and contours is not None:
        lo, hi = min(lo, null), max(hi, null)
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    lo, hi = lo - pad, hi + pad
    ax.set_xlim(lo, hi)
    ax.set_ylim(se_max, 0.0)
    ticks, labels_ = axis_ticks(lo, hi, tf, st)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels_, fontsize=fs, fontfamily=st.family)
    ax.set_xlabel(xlabel if xlabel is not None else measure_label(measure), fontsize=fs + 1,
                  fontfamily=st.family)  # fmt: skip
    ax.set_ylabel("Standard error", fontsize=fs + 1, fontfamily=st.family)
    open_axes(ax, fontsize=fs)
    if legend:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                  prop={"family": st.family, "size": fs})  # fmt: skip
    return fig if created else ax


def _shades(n: int) -> list[str]:
    """Shades of the contour regions, darkest (outermost, smallest p) first."""
    if n <= len(_CONTOUR_SHADES):
        return list(_CONTOUR_SHADES[len(_CONTOUR_SHADES) - n :])
    grey = np.linspace(0.7, 1.0, n)
    return [f"#{int(g * 255):02x}{int(g * 255):02x}{int(g * 255):02x}" for g in grey]


def _contour_labels(ps: list[float]) -> list[str]:
    """Legend text of each region: between consecutive p-values, the last is p > max."""
    out = []
    for i, pv in enumerate(ps):
        nxt = ps[i + 1] if i + 1 < len(ps) else None
        out.append(f"{pv:g} < p < {nxt:g}" if nxt is not None else f"p > {pv:g}")
    return out
