"""Drawing of a forest plot onto matplotlib axes.

:class:`metareview.plots.forest.ForestPlot` holds the rows (what is shown); this module turns
them into artists: the text columns left and right of the panel, study squares sized by
weight with their confidence-interval lines (arrows where an interval leaves the panel), the
pooled diamonds, the prediction interval of Higgins, Thompson & Spiegelhalter (2009), J R Stat
Soc A 172:137-159, doi:10.1111/j.1467-985X.2008.00552.x, the axis with back-transformed ticks,
the "favours" labels and the footnotes. The display follows Lewis & Clarke (2001), BMJ
322:1479-1480, doi:10.1136/bmj.322.7300.1479.

Every artist gets a ``gid`` (the element id in SVG output) unique within its figure: the role,
then for text in a row the row's index in ``ForestPlot.rows``, e.g. ``label:3``,
``ci-text:3``, ``weight-text:3``, ``column:n:3``, ``stat-text:16``, ``rob-symbol:D1:3``;
``header:<column>`` for column headers, ``favours:left``/``favours:right``, ``footnote:0``;
one artist each for ``study-squares``, ``study-ci``, ``diamond-overall``,
``diamond-subgroup:<level>``, ``prediction-interval``, ``null-line``, ``estimate-line``. A
gid already used in the figure gets ``-2``, ``-3``... appended.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from metareview.errors import InputError
from metareview.plots._style import (
    ROB_LEVELS,
    PlotStyle,
    axis_ticks,
    format_cell,
    format_p,
    measure_short,
    text_width_in,
)

if TYPE_CHECKING:
    from metareview.plots.forest import ForestPlot

__all__ = ["draw_forest"]

# Kinds of row: what each draws.
_GRAPHIC_KINDS = ("study", "subgroup", "overall", "pi")
_TEXT_KINDS = ("het", "subgroup_het", "test_overall", "test_subgroups")


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


def _gid_namer(fig: Any) -> Callable[[str], str]:
    """A function giving each artist a gid not yet used in *fig* (``base``, else ``base-2``...).

    The gid becomes the element id in SVG output, so it must be unique within the figure,
    also when several forest plots share one figure.
    """
    used = {a.get_gid() for a in fig.findobj() if a.get_gid() is not None}

    def name(base: str) -> str:
        gid, n = base, 2
        while gid in used:
            gid, n = f"{base}-{n}", n + 1
        used.add(gid)
        return gid

    return name


def draw_forest(
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
    row_id = np.flatnonzero(keep)  # each drawn row's index in fp.rows (the gid suffix)
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
    gid = _gid_namer(fig)
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
        ax.text(0, 1.0, header, transform=tr, ha=align, fontweight="bold", gid=gid(f"header:{header}"),
                **text_kw)
        role = "label" if j == 0 else f"column:{header}"
        for i, cell in enumerate(cells):
            if cell:
                weight = "bold" if (j == 0 and bold[i]) else "normal"
                ax.text(0, y[i], cell, transform=tr, ha=align, fontweight=weight, gid=gid(f"{role}:{row_id[i]}"),
                        **text_kw)
        x += width + gap
    # long text rows (heterogeneity, tests) start at the label column
    tr = column_transform(-left_total)
    for i in np.flatnonzero(text_rows):
        ax.text(0, y[i], labels[i], transform=tr, ha="left", gid=gid(f"stat-text:{row_id[i]}"), zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5}, **text_kw)
    # right columns
    dx = gap
    for header, cells, width, align in right_cols:
        tr = column_transform(dx + width)
        role = "ci-text" if header == ci_header else "weight-text"
        ax.text(1.0, 1.0, header, transform=tr, ha=align, fontweight="bold", gid=gid(f"header:{header}"),
                **text_kw)
        for i, cell in enumerate(cells):
            if cell:
                ax.text(1.0, y[i], cell, transform=tr, ha=align, gid=gid(f"{role}:{row_id[i]}"),
                        fontweight="bold" if kind[i] in ("subgroup", "overall") else "normal", **text_kw)
        dx += width + gap
    if rob is not None:
        for domain, width in zip(rob_cols, rob_w, strict=True):
            tr = column_transform(dx + width / 2)
            ax.text(1.0, 1.0, domain, transform=tr, ha="center", fontweight="bold", gid=gid(f"header:{domain}"),
                    **text_kw)
            mask = rob[domain].notna().to_numpy()
            judg = [str(v).strip().lower() for v in rob.loc[mask, domain]]
            colors = [ROB_LEVELS[j][0] for j in judg]
            ax.scatter(np.ones(mask.sum()), y[mask], s=(fs * 1.25) ** 2, c=colors, transform=tr,
                       clip_on=False, edgecolors="black", linewidths=0.4, gid=gid(f"rob:{domain}"), zorder=3)
            for yy, r, j in zip(y[mask], row_id[mask], judg, strict=True):
                ax.text(1.0, yy, ROB_LEVELS[j][1], transform=tr, ha="center", fontsize=fs * 0.8,
                        fontweight="bold", va="center", color="white" if j != "some concerns" else "black",
                        gid=gid(f"rob-symbol:{domain}:{r}"), zorder=4)
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
    ax.add_collection(LineCollection(segs, colors=style.ci_color, linewidths=0.8, gid=gid("study-ci"), zorder=2))
    arrow_ms = fs * 0.45
    for side, mask, xpos, marker in (
        ("left", lb[st] < lo, lo, "<"),
        ("right", ub[st] > hi, hi, ">"),
    ):
        if mask.any():
            ax.add_line(Line2D(np.full(mask.sum(), xpos), ys[mask], linestyle="none", marker=marker,
                               markersize=arrow_ms, color=style.ci_color, clip_on=False,
                               gid=gid(f"ci-arrow-{side}"), zorder=3))
    if np.isfinite(wt[st]).any():
        side_pt = np.sqrt(np.clip(wt[st], 0, None) / np.nanmax(wt[st])) * fs * 1.3
        sizes = np.maximum(side_pt, fs * 0.35) ** 2
    else:
        sizes = np.full(st.sum(), (fs * 0.6) ** 2)
    inside = (est[st] >= lo) & (est[st] <= hi)
    ax.scatter(est[st][inside], ys[inside], s=sizes[inside], marker="s", c=style.square_color,
               edgecolors=style.square_edge, linewidths=0.3, gid=gid("study-squares"), zorder=3)
    overall_y = None
    for i in np.flatnonzero(np.isin(kind, ("subgroup", "overall"))):
        h = 0.38
        verts = [(lb[i], y[i]), (est[i], y[i] + h), (ub[i], y[i]), (est[i], y[i] - h)]
        is_overall = kind[i] == "overall"
        ax.add_patch(
            Polygon(verts, closed=True, zorder=3,
                    facecolor=style.diamond_color if is_overall else style.subgroup_diamond_color,
                    edgecolor=style.diamond_edge, linewidth=0.6,
                    gid=gid("diamond-overall" if is_overall else f"diamond-subgroup:{rows.loc[i, 'group']}"))
        )
        if is_overall:
            overall_y = y[i]
    if pi == "row":
        for i in np.flatnonzero(kind == "pi"):
            ax.add_line(Line2D([lb[i], ub[i]], [y[i], y[i]], color=style.pi_color, linewidth=2.2,
                               solid_capstyle="butt", gid=gid("prediction-interval"), zorder=3))
    elif pi == "dashed" and overall_y is not None and len(pi_rows):
        p_lb, p_ub = float(pi_rows["ci_lb"].iloc[0]), float(pi_rows["ci_ub"].iloc[0])
        if np.isfinite([p_lb, p_ub]).all():
            ax.add_line(Line2D([p_lb, p_ub], [overall_y, overall_y], color=style.pi_color, linewidth=1.0,
                               linestyle="--", gid=gid("prediction-interval"), zorder=2))
    graphic_idx = np.flatnonzero(np.isin(kind, _GRAPHIC_KINDS))
    y_bottom = (y[graphic_idx].min() if graphic_idx.size else y[-1]) - 0.5
    if null is not None and lo <= null <= hi:
        ax.vlines(null, y_bottom, 0.5, colors=style.null_color, linewidths=0.7, gid=gid("null-line"), zorder=1)
    if overall_y is not None:
        o = float(est[kind == "overall"][0])
        ax.vlines(o, y_bottom, 0.5, colors="#7f7f7f", linewidths=0.7, linestyles=":", gid=gid("estimate-line"), zorder=1)

    # ---- axis, favours labels, footnotes, title
    ticks, tick_labels = axis_ticks(lo, hi, fp.transf, style)
    ax.set_xticks(ticks)
    ax.set_xticklabels(tick_labels, fontsize=fs, fontfamily=style.family)
    ax.tick_params(axis="x", length=3, width=0.6)
    ax.set_xlabel(fp.axis_label, fontsize=fs, fontfamily=style.family,
                  labelpad=fs * 2.2 if favours else 4)
    if favours is not None:
        ref = null if null is not None else (lo + hi) / 2
        for text, ha, sign, side in ((favours[0], "right", -1, "left"), (favours[1], "left", 1, "right")):
            ax.annotate(text, xy=(ref, 0), xycoords=("data", "axes fraction"),
                        xytext=(sign * fs * 0.6, -fs * 2.2), textcoords="offset points", ha=ha,
                        va="top", fontsize=fs, fontfamily=style.family, gid=gid(f"favours:{side}"))
    for j, (sym, note) in enumerate(fp.footnotes.items()):
        ax.annotate(f"{sym} {note}", xy=(0, 0), xycoords="axes fraction",
                    xytext=(-left_total * 72, -(fs * 4.2 + (fs * 1.8 if favours else 0) + j * fs * 1.5)),
                    textcoords="offset points", ha="left", va="top", fontsize=fs,
                    fontfamily=style.family, gid=gid(f"footnote:{j}"))
    if title:
        ax.set_title(title, pad=rh * 72 * 1.7, fontsize=fs + 1.5, fontweight="bold", fontfamily=style.family)
    return fig if created else ax
