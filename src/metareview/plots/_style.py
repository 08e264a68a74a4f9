"""Journal style presets shared by every metareview figure.

A style is a frozen :class:`PlotStyle`; :data:`STYLES` maps a preset name to one. The
presets follow the figure and number conventions of the journals' instructions to authors:

* ``"default"``: neutral grey/black, numbers as ``0.50 [0.33, 0.67]``.
* ``"cochrane"``: RevMan 5 look (green squares, black diamonds), ``0.50 [0.33, 0.67]``.
* ``"bmj"``: ``0.50 (0.33 to 0.67)``.
* ``"lancet"``: mid-line decimal point and an en dash, ``0·50 (0·33–0·67)``.
* ``"jama"``: ``0.50 (0.33-0.67)``.

Fonts sizes are fixed in points, so text stays legible whatever the number of studies:
figures grow in height with the number of rows instead of shrinking their text.

Examples
--------
>>> get_style("bmj").format_ci(0.5, 0.33, 0.67, decimals=2)
'0.50 (0.33 to 0.67)'
>>> get_style("lancet").format_number(-0.5, decimals=2)
'–0·50'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from metareview.errors import InputError

__all__ = [
    "ROB_LEVELS",
    "STYLES",
    "PlotStyle",
    "format_cell",
    "format_p",
    "get_style",
    "place_labels",
    "text_width_in",
]


@dataclass(frozen=True)
class PlotStyle:
    """Colours, fonts and number formats of a figure.

    Parameters
    ----------
    name : str
        The preset's name.
    fontsize : float
        Body text size in points (study labels, numbers).
    family : str
        Font family.
    square_color, square_edge : str
        Fill and edge colour of the study squares.
    ci_color : str
        Colour of the study confidence-interval lines.
    diamond_color, diamond_edge : str
        Fill and edge colour of the pooled diamonds.
    pi_color : str
        Colour of the prediction interval.
    null_color : str
        Colour of the line of no effect.
    ci_template : str
        ``str.format`` template with ``{est}``, ``{lb}`` and ``{ub}``.
    decimal_point : str
        Character used as the decimal separator (``"·"`` for The Lancet).
    minus : str
        Character used for a minus sign (a true minus or an en dash rather than a hyphen).
    row_spacing : float
        Row height as a multiple of the font size.
    """

    name: str = "default"
    fontsize: float = 8.0
    family: str = "DejaVu Sans"
    square_color: str = "#4d4d4d"
    square_edge: str = "#4d4d4d"
    ci_color: str = "black"
    diamond_color: str = "black"
    diamond_edge: str = "black"
    subgroup_diamond_color: str = "#7f7f7f"
    pi_color: str = "#b2182b"
    null_color: str = "black"
    ci_template: str = "{est} [{lb}, {ub}]"
    decimal_point: str = "."
    minus: str = "\u2212"
    row_spacing: float = 1.6

    @property
    def row_height_in(self) -> float:
        """Height of one table row, in inches."""
        return self.fontsize * self.row_spacing / 72.0

    def format_number(self, x: float, *, decimals: int = 2) -> str:
        """Format *x* with this style's decimal point and minus sign (for display only)."""
        if x is None or not math.isfinite(float(x)):
            return "NA" if x is None or math.isnan(float(x)) else ("\u221e" if x > 0 else "-\u221e")
        text = f"{float(x):.{decimals}f}"
        if text.startswith("-"):
            # -0.00 after rounding is shown as 0.00
            text = text[1:] if float(text) == 0 else self.minus + text[1:]
        return text.replace(".", self.decimal_point)

    def format_ci(self, est: float, lb: float, ub: float, *, decimals: int = 2) -> str:
        """Format an estimate with its interval, e.g. ``'0.50 [0.33, 0.67]'``."""
        return self.ci_template.format(
            est=self.format_number(est, decimals=decimals),
            lb=self.format_number(lb, decimals=decimals),
            ub=self.format_number(ub, decimals=decimals),
        )

    def format_interval(self, lb: float, ub: float, *, decimals: int = 2) -> str:
        """Format an interval alone (the estimate part of the template dropped)."""
        full = self.format_ci(0.0, lb, ub, decimals=decimals)
        est = self.format_number(0.0, decimals=decimals)
        return full[len(est) :].strip()


STYLES: dict[str, PlotStyle] = {
    "default": PlotStyle(),
    "cochrane": PlotStyle(
        name="cochrane",
        family="DejaVu Sans",
        square_color="#2ca02c",
        square_edge="#1b7a1b",
        ci_color="black",
        diamond_color="black",
        diamond_edge="black",
        subgroup_diamond_color="black",
        pi_color="#d62728",
        ci_template="{est} [{lb}, {ub}]",
    ),
    "bmj": PlotStyle(
        name="bmj",
        family="DejaVu Sans",
        square_color="#1f3f77",
        square_edge="#1f3f77",
        diamond_color="#1f3f77",
        diamond_edge="#1f3f77",
        subgroup_diamond_color="#6b8cc7",
        ci_template="{est} ({lb} to {ub})",
    ),
    "lancet": PlotStyle(
        name="lancet",
        family="DejaVu Serif",
        square_color="#00468b",
        square_edge="#00468b",
        diamond_color="#ad002a",
        diamond_edge="#ad002a",
        subgroup_diamond_color="#ed0000",
        ci_template="{est} ({lb}\u2013{ub})",
        decimal_point="\u00b7",
        minus="\u2013",
    ),
    "jama": PlotStyle(
        name="jama",
        family="DejaVu Sans",
        square_color="#374e55",
        square_edge="#374e55",
        diamond_color="#df8f44",
        diamond_edge="#b36b24",
        subgroup_diamond_color="#f2c08f",
        ci_template="{est} ({lb}-{ub})",
        minus="\u2212",
    ),
}


def get_style(style: str | PlotStyle = "default", **overrides: object) -> PlotStyle:
    """Return a style by preset name (or pass a :class:`PlotStyle` through), with overrides.

    Raises
    ------
    InputError
        If *style* is not a known preset.
    """
    if isinstance(style, PlotStyle):
        base = style
    else:
        try:
            base = STYLES[str(style).lower()]
        except KeyError:
            raise InputError(
                f"unknown style {style!r}",
                column="style",
                hint=f"choose one of {', '.join(sorted(STYLES))}",
            ) from None
    return replace(base, **overrides) if overrides else base  # type: ignore[arg-type]


def format_p(p: float, style: PlotStyle) -> str:
    """Format a p-value for display: ``p < 0.001`` below one in a thousand, else 2-3 decimals."""
    if p is None or not math.isfinite(float(p)):
        return "p = NA"
    if p < 0.001:
        return "p < " + style.format_number(0.001, decimals=3)
    decimals = 3 if p < 0.01 else 2
    return "p = " + style.format_number(p, decimals=decimals)


# --- measures: axis labels and default back-transformations --------------------------------

#: Axis label of each measure code (metafor's codes).
MEASURE_LABELS: dict[str, str] = {
    "SMD": "Standardised mean difference",
    "SMDH": "Standardised mean difference",
    "MD": "Mean difference",
    "SMCC": "Standardised mean change",
    "SMCR": "Standardised mean change",
    "SMCRH": "Standardised mean change",
    "MC": "Mean change",
    "ROM": "Ratio of means",
    "OR": "Odds ratio",
    "PETO": "Odds ratio (Peto)",
    "RR": "Risk ratio",
    "RD": "Risk difference",
    "HR": "Hazard ratio",
    "IRR": "Incidence rate ratio",
    "IRD": "Incidence rate difference",
    "COR": "Correlation",
    "ZCOR": "Correlation",
    "PR": "Proportion",
    "PLO": "Proportion",
    "PLN": "Proportion",
    "PFT": "Proportion",
    "PAS": "Proportion",
    "GEN": "Estimate",
}

#: Measures analysed on the log scale and shown back-transformed with exp.
RATIO_MEASURES = frozenset({"OR", "PETO", "RR", "HR", "IRR", "ROM", "PLN"})


def open_axes(*axes: Any, fontsize: float) -> None:
    """The house finish of a data plot: tick labels at *fontsize*, no right or top spine
    (axes given as None are skipped)."""
    for ax in axes:
        if ax is None:
            continue
        ax.tick_params(labelsize=fontsize)
        for side in ("right", "top"):
            ax.spines[side].set_visible(False)


def measure_label(measure: str | None) -> str:
    """The axis label for a measure code (``"Estimate"`` when unknown or None).

    >>> measure_label("OR")
    'Odds ratio'
    """
    if measure is None:
        return "Estimate"
    return MEASURE_LABELS.get(str(measure).upper(), str(measure))


def _expit(x):  # type: ignore[no-untyped-def]
    import numpy as np

    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def default_transf(measure: str | None):  # type: ignore[no-untyped-def]
    """The back-transformation used for display, or None for none.

    Ratio measures are pooled on the log scale and shown with ``exp``; logit proportions
    (PLO) with the inverse logit; Fisher's z (ZCOR) with ``tanh`` (Fisher 1921, Metron 1:3).
    """
    import numpy as np

    code = None if measure is None else str(measure).upper()
    if code in RATIO_MEASURES:
        return np.exp
    if code == "PLO":
        return _expit
    if code == "ZCOR":
        return np.tanh
    return None


def null_value(measure: str | None) -> float | None:
    """Value of no effect on the analysis scale (0), or None for one-group measures."""
    code = None if measure is None else str(measure).upper()
    if code in {"PR", "PLO", "PLN", "PFT", "PAS", "COR", "ZCOR", "MC", "GEN"}:
        return 0.0 if code in {"COR", "ZCOR"} else None
    return 0.0


def _format_tick(v: float, style: PlotStyle) -> str:
    if not math.isfinite(v):
        return ""
    text = f"{v:.3g}"
    if "e" in text:
        text = f"{v:g}"
    if text.startswith("-"):
        text = style.minus + text[1:]
    return text.replace(".", style.decimal_point)


def axis_ticks(lo: float, hi: float, transf, style: PlotStyle):  # type: ignore[no-untyped-def]
    """Tick positions on the analysis scale, and their labels on the display scale.

    With ``exp`` the ticks sit at the logs of 1-2-5 values (0.1, 0.2, 0.5, 1, 2, ...), so an
    odds-ratio axis reads naturally; otherwise at round numbers of the analysis scale, each
    labelled with its back-transformed value.
    """
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    if transf is np.exp:
        # 1-2-5 values; finer mantissas when the range is narrow, decades when it is wide
        for mantissas in ((1.0, 2.0, 5.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0),
                          (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0),
                          (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0, 2.5, 3.0, 4.0,
                           5.0, 6.0, 7.0, 8.0, 9.0)):  # fmt: skip
            nice = np.array([m * 10.0**e for e in range(-4, 5) for m in mantissas])
            pos = np.log(nice)
            pos = pos[(pos >= lo - 1e-12) & (pos <= hi + 1e-12)]
            if len(pos) > 8:
                decades = np.log(10.0 ** np.arange(-4, 5))
                pos = decades[(decades >= lo - 1e-12) & (decades <= hi + 1e-12)]
            if len(pos) >= 3:
                return pos, [_format_tick(float(np.exp(p)), style) for p in pos]
    if transf is _expit:
        # proportions: ticks crowd towards 0 and 1 on the logit scale, so pick from sets
        # that thin out there
        for candidates in (
            (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99),
            (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99),
            (0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999),
        ):
            props = np.array(candidates)
            pos = _logit(props)
            keep = (pos >= lo - 1e-12) & (pos <= hi + 1e-12)
            if 3 <= keep.sum() <= 8:
                return pos[keep], [_format_tick(float(v), style) for v in props[keep]]
    inverse = _INVERSES.get(transf) if transf is not None else None
    if inverse is not None:
        # round numbers on the display scale (proportions, correlations), placed at their
        # analysis-scale positions
        with np.errstate(all="ignore"):
            d_lo, d_hi = float(transf(lo)), float(transf(hi))
        shown = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(d_lo, d_hi)
        shown = shown[(shown >= d_lo - 1e-12) & (shown <= d_hi + 1e-12)]
        with np.errstate(all="ignore"):
            pos = np.asarray(inverse(shown), dtype=float)
        keep = np.isfinite(pos)
        if keep.sum() >= 2:
            return pos[keep], [_format_tick(float(v), style) for v in shown[keep]]
    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    ticks = ticks[(ticks >= lo - 1e-12) & (ticks <= hi + 1e-12)]
    shown = ticks if transf is None else np.asarray(transf(ticks), dtype=float)
    return ticks, [_format_tick(float(v), style) for v in shown]


def _logit(p):  # type: ignore[no-untyped-def]
    p = np.asarray(p, dtype=float)
    return np.log(p / (1.0 - p))


#: Inverses of the default back-transformations (for placing display-scale ticks).
_INVERSES = {_expit: _logit, np.tanh: np.arctanh, np.exp: np.log}


def measure_short(measure: str | None, transf) -> str:  # type: ignore[no-untyped-def]
    """Column header word for the estimates: the measure code, or what a back-transformation
    shows (``"Proportion"`` for logit proportions, ``"Correlation"`` for Fisher's z).

    >>> measure_short("PLO", _expit), measure_short("OR", None)
    ('Proportion', 'OR')
    """
    if measure is None:
        return "Estimate"
    code = str(measure).upper()
    if transf is not None and code in {"PLO", "PLN", "PFT", "PAS"}:
        return "Proportion"
    if transf is not None and code == "ZCOR":
        return "Correlation"
    return str(measure)


# --- table cells: widths and formats ----------------------------------------------------

#: Risk-of-bias judgement -> (fill colour, symbol): the robvis palette, as in
#: :mod:`metareview.plots.rob` (McGuinness & Higgins 2021, Res Synth Methods 12:55-61, doi:10.1002/jrsm.1411).
ROB_LEVELS: dict[str, tuple[str, str]] = {
    "low": ("#02c100", "+"),
    "some concerns": ("#e2df07", "\u2212"),
    "unclear": ("#e2df07", "?"),
    "moderate": ("#e2df07", "\u2212"),
    "high": ("#bf0000", "\u00d7"),
    "serious": ("#bf0000", "\u00d7"),
    "critical": ("#820000", "!"),
    "no information": ("#4ea1f7", "?"),
}


def text_width_in(texts: Sequence[str], style: PlotStyle, *, bold: Sequence[bool] = ()) -> float:
    """Widest of *texts* in inches, measured from the glyph outlines (no renderer needed)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    regular = FontProperties(family=style.family, size=style.fontsize)
    heavy = FontProperties(family=style.family, size=style.fontsize, weight="bold")
    widest = 0.0
    bolds = list(bold) + [False] * (len(texts) - len(bold))
    for text, b in zip(texts, bolds, strict=False):
        if not text:
            continue
        width = text_to_path.get_text_width_height_descent(text, heavy if b else regular, ismath=False)[0]
        widest = max(widest, float(width))
    return widest / 72.0


def format_cell(value: Any, decimals: int, style: PlotStyle, *, integral: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if integral and float(value).is_integer():
            return str(int(value))
        return style.format_number(float(value), decimals=decimals)
    return str(value)


# --- point labels that do not overlap ---------------------------------------------------


def place_labels(
    ax: Any,
    x: np.ndarray,
    y: np.ndarray,
    texts: Sequence[str],
    style: PlotStyle,
    *,
    order: Sequence[int] | None = None,
    marker_radius_pt: float | np.ndarray = 3.0,
    fontsize: float | None = None,
    gid: str = "study-label",
    max_steps: int = 16,
) -> list[Any]:
    """Label points with texts that do not overlap one another, nudged apart greedily.

    Labels are placed one at a time, in *order* (the most important first). Each goes to
    the nearest free spot among: right or left of its point, centred just above or below
    it, and those moved up or down by one, two ... *max_steps* half text heights, where a spot is
    free when its box lies in the axes and overlaps neither an earlier label nor a point
    marker. When no spot is
    free of markers, the first free of labels is taken; failing that, the one overlapping
    the least. A label moved off its point's row gets a thin leader line to the point.
    Positions are computed in points for the axes' current size and limits, so set the
    limits first. This is the simple greedy strategy of map labelling (Christensen, Marks &
    Shieber 1995, "An empirical study of algorithms for point-feature label placement", ACM
    Trans Graph 14:203-232, doi:10.1145/212332.212334) restricted to vertical steps.

    Parameters
    ----------
    ax : matplotlib Axes
    x, y : arrays
        The points, in data coordinates.
    texts : sequence of str
        One label per point.
    style : PlotStyle
        Font family and size.
    order : sequence of int, optional
        Indices of the points to label, most important first (default: all, in order).
    marker_radius_pt : float or array
        Radius of each point's marker in points (an obstacle for every label).
    fontsize : float, optional
        Font size of the labels (default: the style's).
    gid : str
        Prefix of the labels' gids.
    max_steps : int
        How far (in half text heights) a label may move up or down.

    Returns
    -------
    list of matplotlib Annotation, one per labelled point in index order, with gids
    ``"{gid}:{i}"`` (*i* the point's index).
    """
    fig = ax.figure
    fs = style.fontsize if fontsize is None else fontsize
    scale = 72.0 / fig.dpi
    pts = ax.transData.transform(np.column_stack([np.asarray(x, float), np.asarray(y, float)])) * scale
    box = np.asarray(ax.bbox.extents, dtype=float) * scale  # x0, y0, x1, y1 in points
    st = replace(style, fontsize=fs)
    # outline widths, plus room for hinting and pixel rounding at screen resolutions (~2%)
    widths = np.array([text_width_in([str(t)], st) * 72.0 * 1.05 + 1.0 for t in texts])
    h = fs * 1.25 + 1.0
    radius = np.broadcast_to(np.asarray(marker_radius_pt, dtype=float), (len(pts),))
    markers = np.column_stack([pts[:, 0] - radius, pts[:, 1] - radius, pts[:, 0] + radius,
                               pts[:, 1] + radius])  # fmt: skip
    # candidate spots: side 0 = text right of the point (ha "left"), 1 = left of it (ha
    # "right"), 2 = centred above, 3 = centred below; k = vertical step in half heights
    k = np.arange(-max_steps, max_steps + 1, dtype=float)
    side = np.repeat([0, 1, 2, 3], k.size)
    step = np.tile(k, 4)
    keep = ~(((side == 2) & (step < 0)) | ((side == 3) & (step > 0)))
    side, step = side[keep], step[keep]
    moved = np.abs(step) > 1  # far enough from the point for a leader line
    ha_of = np.array(["left", "right", "center", "center"])
    placed = np.empty((0, 4))
    chosen: dict[int, tuple[float, float, str, bool]] = {}
    seq = list(range(len(texts))) if order is None else [int(i) for i in order]
    for i in seq:
        px, py = pts[i]
        w, r = widths[i], radius[i]
        gap, lift = r + 1.5, r + 1.0 + h / 2
        dy = step * h / 2 + np.select([side == 2, side == 3], [lift, -lift], 0.0)
        x0 = np.select([side == 0, side == 1], [px + gap, px - gap - w], px - w / 2)
        cost = np.abs(dy) + np.where(side >= 2, 0.25 * h, 0.0)
        rank = np.argsort(cost, kind="stable")
        c = np.column_stack([x0, py + dy - h / 2, x0 + w, py + dy + h / 2])[rank]
        inside = (c[:, 0] >= box[0]) & (c[:, 2] <= box[2]) & (c[:, 1] >= box[1]) & (c[:, 3] <= box[3])
        lab_area = _overlap_area(c, placed)
        mark_area = _overlap_area(c, markers)
        ok = np.flatnonzero(inside & (lab_area == 0) & (mark_area == 0))
        if ok.size == 0:
            ok = np.flatnonzero(inside & (lab_area == 0))
        j = int(ok[0]) if ok.size else int(np.argmin(lab_area + np.where(inside, 0, 1e6)))
        placed = np.vstack([placed, c[j]])
        ha = str(ha_of[side[rank[j]]])
        anchor = c[j, 0] if ha == "left" else (c[j, 2] if ha == "right" else (c[j, 0] + c[j, 2]) / 2)
        chosen[i] = (float(anchor - px), float(dy[rank[j]]), ha, bool(moved[rank[j]]))
    out = []
    for i, text in enumerate(texts):
        if i not in chosen:
            continue
        dx, dy_i, ha, far = chosen[i]
        arrow = None
        if far:
            arrow = {"arrowstyle": "-", "color": "0.45", "linewidth": 0.4, "shrinkA": 0,
                     "shrinkB": float(radius[i])}  # fmt: skip
        out.append(ax.annotate(str(text), (float(np.asarray(x)[i]), float(np.asarray(y)[i])),
                               xytext=(dx, dy_i), textcoords="offset points", ha=ha, va="center",
                               fontsize=fs, fontfamily=style.family, arrowprops=arrow,
                               annotation_clip=False, gid=f"{gid}:{i}"))  # fmt: skip
    return out


def _overlap_area(c: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Total overlap area of each box in *c* with the boxes in *others* (rows x0, y0, x1, y1)."""
    if others.size == 0:
        return np.zeros(len(c))
    wx = np.minimum(c[:, None, 2], others[None, :, 2]) - np.maximum(c[:, None, 0], others[None, :, 0])
    wy = np.minimum(c[:, None, 3], others[None, :, 3]) - np.maximum(c[:, None, 1], others[None, :, 1])
    return (np.clip(wx, 0, None) * np.clip(wy, 0, None)).sum(axis=1)
