"""Risk-of-bias figures: the traffic-light plot and the (weighted) summary bar plot.

The two figures robvis draws (McGuinness LA & Higgins JPT 2021, "Risk-of-bias
VISualization (robvis): an R package and Shiny web app for visualizing risk-of-bias
assessments", Res Synth Methods 12:55-61, doi:10.1002/jrsm.1411), from a
:class:`metareview.review.rob.RobTable`:

* :func:`traffic_light_plot`: one row per study, one column per domain plus Overall, a
  coloured disc with a symbol for each judgement (``+`` Low, ``-`` Some concerns or
  Moderate, ``X`` High or Serious, ``!`` Critical, ``?`` No information);
* :func:`rob_summary_plot`: for each domain a horizontal bar split into the share of
  studies (or, weighted, of the meta-analysis weight) at each judgement.

Colours: ``"cochrane"`` is the green/yellow/red scheme of the RoB 2 and ROBINS-I guidance
figures and robvis's default; ``"colourblind"`` uses the ColorBrewer YlOrBr sequential
palette (Harrower & Brewer 2003, Cartogr J 40:27, doi:10.1179/000870403235002042), with
blue for No information.

Each disc, symbol and bar segment carries a ``gid`` (``"cell:<study>:<domain>"``,
``"symbol:<study>:<domain>"``, ``"bar:<domain>:<judgement>"``) so callers and tests can
find what was drawn. matplotlib is imported here only; no pyplot state is used.
"""

from __future__ import annotations

from metareview.plots._text import literal_text

from typing import TYPE_CHECKING, Any

from metareview.errors import InputError, NotApplicableError
from metareview.review.rob import RobTable

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ROB_COLOURS", "ROB_SYMBOLS", "rob_summary_plot", "traffic_light_plot"]

#: Colour per judgement, per scheme.
ROB_COLOURS: dict[str, dict[str, str]] = {
    "cochrane": {
        "Low": "#02C100",
        "Some concerns": "#E2DF07",
        "Moderate": "#E2DF07",
        "High": "#BF0000",
        "Serious": "#BF0000",
        "Critical": "#820000",
        "No information": "#4EA1F7",
    },
    "colourblind": {
        "Low": "#fed98e",
        "Some concerns": "#fe9929",
        "Moderate": "#fe9929",
        "High": "#d95f0e",
        "Serious": "#d95f0e",
        "Critical": "#993404",
        "No information": "#4EA1F7",
    },
}

#: Symbol drawn in each traffic-light disc.
ROB_SYMBOLS: dict[str, str] = {
    "Low": "+",
    "Some concerns": "-",
    "Moderate": "-",
    "High": "X",
    "Serious": "X",
    "Critical": "!",
    "No information": "?",
}


def _check(table: RobTable, colours: str) -> dict[str, str]:
    if not isinstance(table, RobTable):
        raise InputError("expected a RobTable (metareview.review.rob.RobTable.from_frame)",
                         column="table")
    if table.tool.is_star_scale:
        raise NotApplicableError(
            f"{table.tool.name} records stars, not judgements, and has no traffic-light or "
            "robvis summary plot; use RobTable.summary() for the star distribution"
        )
    if colours not in ROB_COLOURS:
        raise InputError(f"unknown colour scheme {colours!r}", column="colours",
                         hint=f"choose one of {', '.join(ROB_COLOURS)}")
    return ROB_COLOURS[colours]


def _figure_and_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    return fig, fig.add_subplot()


def _legend(ax: Axes, levels: list[str], palette: dict[str, str], *, symbols: bool,
            **kwargs: Any) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if symbols:
        handles = [Line2D([], [], linestyle="none", marker="o", markersize=9,
                          markerfacecolor=palette[j], markeredgecolor="black",
                          label=f"{ROB_SYMBOLS[j]}  {j}") for j in levels]
    else:
        handles = [Patch(facecolor=palette[j], edgecolor="black", label=j) for j in levels]
    ax.legend(handles=handles, frameon=False, **kwargs)


@literal_text
def traffic_light_plot(
    table: RobTable,
    *,
    ax: Axes | None = None,
    colours: str = "cochrane",
    overall: bool = True,
    fontsize: float = 8.0,
) -> Figure:
    """Traffic-light plot of every study's judgement per domain (robvis ``rob_traffic_light``).

    Parameters
    ----------
    table : RobTable
        RoB 2 or ROBINS-I judgements.
    ax : matplotlib.axes.Axes, optional
        Draw here; by default a new :class:`matplotlib.figure.Figure` sized to the table.
    colours : {"cochrane", "colourblind"}
    overall : bool
        Add the Overall column (the judgement that stands, overrides included).
    fontsize : float
        Text size in points.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    NotApplicableError
        For star scales (Newcastle-Ottawa).

    Notes
    -----
    McGuinness & Higgins (2021), Res Synth Methods 12:55, doi:10.1002/jrsm.1411.
    """
    palette = _check(table, colours)
    from matplotlib.patches import Circle

    codes = list(table.tool.codes) + (["Overall"] if overall else [])
    studies = list(table.studies)
    k, m = len(studies), len(codes)
    fig, ax = _figure_and_axes(ax, (1.2 + 0.55 * m + 1.6, 1.4 + 0.32 * k + 0.25 * m))
    for r, study in enumerate(studies):
        y = k - 1 - r  # first study on top
        for c, code in enumerate(codes):
            j = table.overall[study] if code == "Overall" else table.judgements.at[study, code]
            disc = Circle((c, y), 0.4, facecolor=palette[j], edgecolor="black", linewidth=0.6,
                          gid=f"cell:{study}:{code}")
            ax.add_patch(disc)
            ax.text(c, y, ROB_SYMBOLS[j], ha="center", va="center", fontsize=fontsize + 1,
                    fontweight="bold", gid=f"symbol:{study}:{code}")
    ax.set_xlim(-0.6, m - 0.4)
    ax.set_ylim(-0.6, k - 0.4)
    ax.set_aspect("equal")
    ax.set_xticks(range(m), codes, fontsize=fontsize)
    ax.xaxis.tick_top()
    ax.set_yticks(range(k), studies[::-1], fontsize=fontsize)
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{table.tool.name}: risk of bias by domain", fontsize=fontsize + 1, pad=18)
    names = "\n".join(f"{d.code}: {d.name}" for d in table.tool.domains)
    ax.text(0.0, -0.02, names, transform=ax.transAxes, ha="left", va="top", fontsize=fontsize - 1,
            gid="domain-key")
    used = [j for j in table.tool.judgements if j in set(table.judgements.to_numpy().ravel())
            or (overall and j in set(table.overall))]
    _legend(ax, used, palette, symbols=True, loc="upper left", bbox_to_anchor=(1.02, 1.0),
            fontsize=fontsize, title="Judgement", title_fontsize=fontsize)
    return fig


@literal_text
def rob_summary_plot(
    table: RobTable,
    *,
    weighted: bool = False,
    ax: Axes | None = None,
    colours: str = "cochrane",
    overall: bool = True,
    fontsize: float = 8.0,
) -> Figure:
    """Summary bar plot: share of studies at each judgement per domain (robvis ``rob_summary``).

    Parameters
    ----------
    table : RobTable
    weighted : bool
        Shares of the total study weight (``table.weights``, e.g. meta-analysis weights)
        instead of study counts.
    ax : matplotlib.axes.Axes, optional
        Draw here; by default a new :class:`matplotlib.figure.Figure`.
    colours : {"cochrane", "colourblind"}
    overall : bool
        Add a bar for the overall judgement.
    fontsize : float

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Proportions come from :meth:`RobTable.summary`; bars are stacked from the least severe
    judgement at the left. McGuinness & Higgins (2021), Res Synth Methods 12:55.
    """
    palette = _check(table, colours)
    summ = table.summary(weighted=weighted)
    if not overall:
        summ = summ.loc[summ["domain"] != "Overall"]
    domains = list(dict.fromkeys(summ["domain"]))
    labels = {d: n for d, n in zip(summ["domain"], summ["domain_name"], strict=True)}
    n_rows = len(domains)
    fig, ax = _figure_and_axes(ax, (8.0, 1.2 + 0.4 * n_rows))
    levels = list(dict.fromkeys(summ["judgement"]))
    left = {d: 0.0 for d in domains}
    for lev in levels:
        part = summ.loc[summ["judgement"] == lev].set_index("domain")
        for d in domains:
            if d not in part.index:
                continue
            p = float(part.at[d, "proportion"])
            y = n_rows - 1 - domains.index(d)
            bars = ax.barh(y, p, left=left[d], height=0.7, color=palette[lev],
                           edgecolor="black", linewidth=0.5)
            bars.patches[0].set_gid(f"bar:{d}:{lev}")
            left[d] += p
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.set_yticks(range(n_rows), [labels[d] if d != "Overall" else "Overall risk of bias"
                                  for d in domains][::-1], fontsize=fontsize)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"],
                  fontsize=fontsize)
    ax.set_xlabel("Share of " + ("study weight" if weighted else "studies"), fontsize=fontsize)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _legend(ax, levels, palette, symbols=False, loc="upper center",
            bbox_to_anchor=(0.5, -0.12 - 0.6 / max(n_rows, 1)), ncol=len(levels),
            fontsize=fontsize)
    return fig
