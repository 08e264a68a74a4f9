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

The Newcastle-Ottawa Scale (Wells GA, Shea B, O'Connell D, et al., "The Newcastle-Ottawa
Scale (NOS) for assessing the quality of nonrandomised studies in meta-analyses", Ottawa
Hospital Research Institute) records stars, not judgements. Its figures
(:func:`nos_traffic_light_plot`, :func:`nos_summary_plot`; :func:`traffic_light_plot` and
:func:`rob_summary_plot` hand a NOS table to them) colour each domain by the AHRQ standard
for converting NOS stars to Good / Fair / Poor (Agency for Healthcare Research and Quality;
as applied e.g. by Penson DF, Krishnaswami S, Jules A, et al. 2012, "Evaluation and
Treatment of Cryptorchidism", AHRQ Comparative Effectiveness Review 88, and restated in
many reviews): Good = 3-4 Selection and 1-2 Comparability and 2-3 Outcome (Exposure);
Fair = 2 Selection and 1-2 Comparability and 2-3 Outcome; Poor = 0-1 Selection or 0
Comparability or 0-1 Outcome. The rule itself is :func:`metareview.review.rob.nos_ahrq`;
a domain's level here is the rating that rule gives when the other domains have all their
stars (:func:`nos_domain_levels`), so the domain colours and the Overall column can never
disagree with it.

Each disc, symbol and bar segment carries a ``gid`` (``"cell:<study>:<domain>"``,
``"symbol:<study>:<domain>"``, ``"bar:<domain>:<judgement>"``) so callers and tests can
find what was drawn; NOS cells add ``"count:<study>:<domain>"`` (e.g. ``3/4``),
``"glyphs:<study>:<domain>"`` (filled and empty stars) and ``"rating:<study>:Overall"``.
matplotlib is imported here only; no pyplot state is used.
"""

from __future__ import annotations

from metareview.plots._text import literal_text

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from metareview.errors import InputError, NotApplicableError
from metareview.review.rob import Instrument, RobTable, nos_ahrq

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "NOS_LEVELS",
    "ROB_COLOURS",
    "ROB_SYMBOLS",
    "nos_domain_levels",
    "nos_level_ranges",
    "nos_summary",
    "nos_summary_plot",
    "nos_traffic_light_plot",
    "rob_summary_plot",
    "traffic_light_plot",
]

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
        "Good": "#02C100",
        "Fair": "#E2DF07",
        "Poor": "#BF0000",
    },
    "colourblind": {
        "Low": "#fed98e",
        "Some concerns": "#fe9929",
        "Moderate": "#fe9929",
        "High": "#d95f0e",
        "Serious": "#d95f0e",
        "Critical": "#993404",
        "No information": "#4EA1F7",
        "Good": "#fed98e",
        "Fair": "#fe9929",
        "Poor": "#d95f0e",
    },
}

#: AHRQ quality levels of the Newcastle-Ottawa Scale, best first.
NOS_LEVELS: tuple[str, ...] = ("Good", "Fair", "Poor")

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


def _check(table: RobTable, colours: str, *, stars: bool = False) -> dict[str, str]:
    if not isinstance(table, RobTable):
        raise InputError("expected a RobTable (metareview.review.rob.RobTable.from_frame)",
                         column="table")
    if stars and not table.tool.is_star_scale:
        raise NotApplicableError(
            f"{table.tool.name} records judgements, not Newcastle-Ottawa stars; use "
            "traffic_light_plot or rob_summary_plot"
        )
    if not stars and table.tool.is_star_scale:
        raise NotApplicableError(
            f"{table.tool.name} records stars, not judgements; use nos_traffic_light_plot "
            "or nos_summary_plot"
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
        RoB 2 or ROBINS-I judgements. A Newcastle-Ottawa table is drawn by
        :func:`nos_traffic_light_plot` (stars per domain, AHRQ colours).
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

    Notes
    -----
    McGuinness & Higgins (2021), Res Synth Methods 12:55, doi:10.1002/jrsm.1411.
    """
    if isinstance(table, RobTable) and table.tool.is_star_scale:
        return nos_traffic_light_plot(table, ax=ax, colours=colours, overall=overall,
                                      fontsize=fontsize)
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
        RoB 2 or ROBINS-I judgements. A Newcastle-Ottawa table is drawn by
        :func:`nos_summary_plot` (AHRQ levels per domain).
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
    if isinstance(table, RobTable) and table.tool.is_star_scale:
        return nos_summary_plot(table, weighted=weighted, ax=ax, colours=colours,
                                overall=overall, fontsize=fontsize)
    palette = _check(table, colours)
    summ = table.summary(weighted=weighted)
    fig, ax, n_rows = _share_bars(ax, summ, palette, overall=overall, weighted=weighted,
                                  overall_label="Overall risk of bias", fontsize=fontsize)
    levels = list(dict.fromkeys(summ["judgement"]))
    _legend(ax, levels, palette, symbols=False, loc="upper center",
            bbox_to_anchor=(0.5, -0.12 - 0.6 / max(n_rows, 1)), ncol=len(levels),
            fontsize=fontsize)
    return fig


def _share_bars(ax: Axes | None, summ: pd.DataFrame, palette: dict[str, str], *, overall: bool,
                weighted: bool, overall_label: str, fontsize: float) -> tuple[Figure, Axes, int]:
    """Draw a summary table (domain, domain_name, judgement, proportion; judgements in the
    instrument's order within each domain) as one stacked horizontal bar per domain."""
    if not overall:
        summ = summ.loc[summ["domain"] != "Overall"]
    domains = list(dict.fromkeys(summ["domain"]))
    labels = dict(zip(summ["domain"], summ["domain_name"], strict=True))
    n_rows = len(domains)
    fig, ax = _figure_and_axes(ax, (8.0, 1.2 + 0.4 * n_rows))
    left = dict.fromkeys(domains, 0.0)
    for d, lev, p in zip(summ["domain"], summ["judgement"], summ["proportion"], strict=True):
        y = n_rows - 1 - domains.index(d)
        bars = ax.barh(y, float(p), left=left[d], height=0.7, color=palette[lev],
                       edgecolor="black", linewidth=0.5)
        bars.patches[0].set_gid(f"bar:{d}:{lev}")
        left[d] += float(p)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.6, n_rows - 0.4)
    ax.set_yticks(range(n_rows), [labels[d] if d != "Overall" else overall_label
                                  for d in domains][::-1], fontsize=fontsize)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"],
                  fontsize=fontsize)
    ax.set_xlabel("Share of " + ("study weight" if weighted else "studies"), fontsize=fontsize)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax, n_rows


# ------------------------------------------------------------------ Newcastle-Ottawa Scale

_FULL_STAR, _EMPTY_STAR = "\u2605", "\u2606"


def _full_marks(tool: Instrument) -> np.ndarray:
    return np.array([d.max_stars or 0 for d in tool.domains], dtype=np.int64)


def _domain_rating(tool: Instrument, j: int, stars: np.ndarray) -> np.ndarray:
    """AHRQ rating of stars in domain *j* with every other domain at full marks."""
    args = [np.full(stars.shape, m, dtype=np.int64) for m in _full_marks(tool)]
    args[j] = stars
    return nos_ahrq(*args)


def nos_level_ranges(tool: Instrument) -> dict[str, dict[str, tuple[int, int]]]:
    """Star range of each AHRQ level per Newcastle-Ottawa domain, read off the rule.

    Parameters
    ----------
    tool : Instrument
        ``NOS_COHORT`` or ``NOS_CASE_CONTROL``.

    Returns
    -------
    dict
        Domain code -> {level: (fewest, most stars)}, levels best first; only the levels a
        domain can reach (Comparability and Outcome have no Fair: they pass or fail).

    Notes
    -----
    Found by applying :func:`metareview.review.rob.nos_ahrq` to 0..max stars in the domain
    with full marks elsewhere, so the ranges restate the AHRQ thresholds (Penson et al.
    2012, AHRQ Comparative Effectiveness Review 88) without a second copy of them.

    Examples
    --------
    >>> from metareview.review.rob import NOS_COHORT
    >>> nos_level_ranges(NOS_COHORT)["S"]
    {'Good': (3, 4), 'Fair': (2, 2), 'Poor': (0, 1)}
    """
    if not tool.is_star_scale:
        raise NotApplicableError(f"{tool.name} has no star ranges (not a star scale)")
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for j, d in enumerate(tool.domains):
        stars = np.arange((d.max_stars or 0) + 1, dtype=np.int64)
        rating = _domain_rating(tool, j, stars)
        out[d.code] = {lev: (int(stars[rating == lev].min()), int(stars[rating == lev].max()))
                       for lev in NOS_LEVELS if (rating == lev).any()}
    return out


def nos_domain_levels(table: RobTable) -> pd.DataFrame:
    """The AHRQ level (Good / Fair / Poor) of every study's stars in every NOS domain.

    A domain's level is the rating the AHRQ conversion gives the study if its other
    domains had all their stars, i.e. how that domain alone bears on the rating: Selection
    3-4 Good, 2 Fair, 0-1 Poor; Comparability 1-2 Good, 0 Poor; Outcome (Exposure) 2-3
    Good, 0-1 Poor. The study's overall rating is its worst domain level, as
    ``table.algorithm`` gives it.

    Parameters
    ----------
    table : RobTable
        Newcastle-Ottawa Scale stars (Wells et al., Ottawa Hospital Research Institute).

    Returns
    -------
    pandas.DataFrame
        Index ``study`` (table order), one column per domain code, values from
        :data:`NOS_LEVELS`.

    Raises
    ------
    NotApplicableError
        For a table of judgements (RoB 2, ROBINS-I).

    Notes
    -----
    AHRQ thresholds as in Penson DF et al. (2012), "Evaluation and Treatment of
    Cryptorchidism", AHRQ Comparative Effectiveness Review 88; the rule is
    :func:`metareview.review.rob.nos_ahrq`.
    """
    _check(table, "cochrane", stars=True)
    tool = table.tool
    stars = table.judgements[list(tool.codes)].to_numpy(dtype=np.int64)  # k x 3
    full = _full_marks(tool)
    # broadcast: for domain j, every study's stars there with full marks elsewhere
    d = len(tool.codes)
    eye = np.eye(d, dtype=bool)
    grid = np.where(eye[None, :, :], stars[:, None, :], full[None, None, :])  # k x j x d
    rating = nos_ahrq(*(grid[..., i] for i in range(d)))  # k x j
    out = pd.DataFrame(rating, index=table.judgements.index, columns=list(tool.codes),
                       dtype=object)
    out.index.name = "study"
    return out


def nos_summary(table: RobTable, *, weighted: bool = False) -> pd.DataFrame:
    """Share of studies (or of weight) at each AHRQ level, per NOS domain and overall.

    Parameters
    ----------
    table : RobTable
        Newcastle-Ottawa Scale stars.
    weighted : bool
        Shares of the total study weight (``table.weights``) instead of study counts.

    Returns
    -------
    pandas.DataFrame
        Columns ``domain, domain_name, judgement, n, proportion`` (as
        :meth:`RobTable.summary`): per domain in instrument order, then ``Overall``, one
        row per level the domain can reach (best first); ``n`` counts studies,
        ``proportion`` is of the study count or, weighted, of the total weight. Overall
        uses the ratings that stand (``table.overall``).

    Raises
    ------
    InputError
        ``weighted=True`` on a table without weights.
    NotApplicableError
        For a table of judgements.
    """
    levels = nos_domain_levels(table)
    if weighted and table.weights is None:
        raise InputError("no weights: build the table with weights= for a weighted summary",
                         column="weights")
    w = table.weights.to_numpy(dtype=float) if weighted else np.ones(len(table.studies))
    ranges = nos_level_ranges(table.tool)
    rows = []
    columns = [(dom.code, dom.name, levels[dom.code].to_numpy(), list(ranges[dom.code]))
               for dom in table.tool.domains]
    columns.append(("Overall", "Overall", table.overall.to_numpy(),
                    list(table.tool.overall_levels)))
    for code, name, vals, reach in columns:
        hits = vals[None, :] == np.asarray(reach, dtype=object)[:, None]  # levels x k
        n = hits.sum(axis=1)
        share = (hits * w[None, :]).sum(axis=1) / w.sum()
        rows += [(code, name, lev, int(c), float(p)) for lev, c, p in
                 zip(reach, n, share, strict=True)]
    return pd.DataFrame(rows, columns=["domain", "domain_name", "judgement", "n",
                                       "proportion"])


def _range_text(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


@literal_text
def nos_traffic_light_plot(
    table: RobTable,
    *,
    ax: Axes | None = None,
    colours: str = "cochrane",
    overall: bool = True,
    stars: bool = True,
    fontsize: float = 8.0,
) -> Figure:
    """Traffic-light plot of Newcastle-Ottawa stars, each domain coloured by its AHRQ level.

    One row per study, one column per domain (Selection, Comparability, Outcome or
    Exposure): a cell with the stars awarded out of the domain's maximum (``3/4``, and as
    filled and empty star glyphs), filled with the colour of the domain's AHRQ level
    (:func:`nos_domain_levels`). The Overall column shows the total stars out of 9 and the
    AHRQ rating (Good / Fair / Poor) in its colour.

    Parameters
    ----------
    table : RobTable
        Newcastle-Ottawa Scale stars (cohort or case-control version).
    ax : matplotlib.axes.Axes, optional
        Draw here; by default a new :class:`matplotlib.figure.Figure` sized to the table.
    colours : {"cochrane", "colourblind"}
        Good / Fair / Poor as green / yellow / red, or the YlOrBr scheme.
    overall : bool
        Add the Overall column.
    stars : bool
        Draw the star glyphs above the ``awarded/maximum`` count.
    fontsize : float
        Text size in points.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    NotApplicableError
        For a table of judgements (RoB 2, ROBINS-I).

    Notes
    -----
    Scale: Wells GA, Shea B, O'Connell D, et al., "The Newcastle-Ottawa Scale (NOS) for
    assessing the quality of nonrandomised studies in meta-analyses", Ottawa Hospital
    Research Institute. Levels: the AHRQ conversion (Penson DF et al. 2012, AHRQ
    Comparative Effectiveness Review 88), :func:`metareview.review.rob.nos_ahrq`. Layout
    after robvis (McGuinness & Higgins 2021, Res Synth Methods 12:55,
    doi:10.1002/jrsm.1411).
    """
    palette = _check(table, colours, stars=True)
    from matplotlib.patches import FancyBboxPatch

    tool = table.tool
    levels = nos_domain_levels(table)
    maxima = {d.code: d.max_stars or 0 for d in tool.domains}
    full = int(sum(maxima.values()))
    counts = table.judgements[list(tool.codes)].astype(np.int64)
    totals = counts.sum(axis=1)
    codes = list(tool.codes) + (["Overall"] if overall else [])
    studies = list(table.studies)
    k, m = len(studies), len(codes)
    fig, ax = _figure_and_axes(ax, (1.6 + 0.8 * m + 1.4, 1.5 + 0.42 * k))
    for r, study in enumerate(studies):
        y = k - 1 - r  # first study on top
        for c, code in enumerate(codes):
            # (gid, text) lines from the top: stars then count; Overall: total then rating
            if code == "Overall":
                level = str(table.overall[study])
                lines = [(f"count:{study}:Overall", f"{int(totals[study])}/{full}"),
                         (f"rating:{study}:Overall", level)]
            else:
                level = str(levels.at[study, code])
                n, top = int(counts.at[study, code]), maxima[code]
                lines = [(f"count:{study}:{code}", f"{n}/{top}")]
                if stars:
                    lines.insert(0, (f"glyphs:{study}:{code}",
                                     _FULL_STAR * n + _EMPTY_STAR * (top - n)))
            ax.add_patch(FancyBboxPatch(
                (c - 0.42, y - 0.38), 0.84, 0.76, boxstyle="round,pad=0,rounding_size=0.12",
                facecolor=palette[level], edgecolor="black", linewidth=0.6,
                gid=f"cell:{study}:{code}"))
            offsets = [0.0] if len(lines) == 1 else [0.15, -0.17]
            for (gid, text), dy in zip(lines, offsets, strict=True):
                ax.text(c, y + dy, text, ha="center", va="center", fontsize=fontsize,
                        fontweight="bold" if code == "Overall" else "normal", gid=gid)
    ax.set_xlim(-0.6, m - 0.4)
    ax.set_ylim(-0.6, k - 0.4)
    names = {d.code: d.name for d in tool.domains}
    ax.set_xticks(range(m), [names.get(c, "Overall") for c in codes], fontsize=fontsize)
    ax.xaxis.tick_top()
    ax.set_yticks(range(k), studies[::-1], fontsize=fontsize)
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{tool.name}: stars by domain", fontsize=fontsize + 1, pad=18)
    ranges = nos_level_ranges(tool)
    key = [f"{d.name} (max {d.max_stars}): " + ", ".join(
        f"{lev} {_range_text(*ranges[d.code][lev])}" for lev in ranges[d.code])
        for d in tool.domains]
    key.append(f"Overall: total stars of {full}; AHRQ rating = the worst domain level")
    ax.text(0.0, -0.02, "\n".join(key), transform=ax.transAxes, ha="left", va="top",
            fontsize=fontsize - 1, gid="domain-key")
    used = set(levels.to_numpy().ravel()) | (set(table.overall) if overall else set())
    _nos_legend(ax, [lev for lev in NOS_LEVELS if lev in used], palette, fontsize=fontsize,
                loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def _nos_legend(ax: Axes, levels: list[str], palette: dict[str, str], *, fontsize: float,
                **kwargs: Any) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(facecolor=palette[j], edgecolor="black", label=j) for j in levels]
    ax.legend(handles=handles, frameon=False, fontsize=fontsize, title="AHRQ standard",
              title_fontsize=fontsize, **kwargs)


@literal_text
def nos_summary_plot(
    table: RobTable,
    *,
    weighted: bool = False,
    ax: Axes | None = None,
    colours: str = "cochrane",
    overall: bool = True,
    fontsize: float = 8.0,
) -> Figure:
    """Summary bar plot of Newcastle-Ottawa ratings: share at each AHRQ level per domain.

    For each domain a horizontal bar split into the share of studies (or of the
    meta-analysis weight) whose stars there reach Good, Fair or Poor
    (:func:`nos_domain_levels`), and, with ``overall``, a bar of the overall AHRQ ratings;
    stacked from Good at the left, as robvis stacks Low to High.

    Parameters
    ----------
    table : RobTable
        Newcastle-Ottawa Scale stars.
    weighted : bool
        Shares of the total study weight (``table.weights``) instead of study counts.
    ax : matplotlib.axes.Axes, optional
        Draw here; by default a new :class:`matplotlib.figure.Figure`.
    colours : {"cochrane", "colourblind"}
    overall : bool
        Add a bar for the overall AHRQ rating.
    fontsize : float

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InputError
        ``weighted=True`` on a table without weights.
    NotApplicableError
        For a table of judgements (RoB 2, ROBINS-I).

    Notes
    -----
    Proportions come from :func:`nos_summary`. Wells et al., Newcastle-Ottawa Scale, Ottawa
    Hospital Research Institute; AHRQ conversion as in Penson DF et al. (2012), AHRQ
    Comparative Effectiveness Review 88; layout after McGuinness & Higgins (2021), Res
    Synth Methods 12:55, doi:10.1002/jrsm.1411. Segments carry gids
    ``"bar:<domain>:<level>"``.
    """
    palette = _check(table, colours, stars=True)
    summ = nos_summary(table, weighted=weighted)
    fig, ax, n_rows = _share_bars(ax, summ, palette, overall=overall, weighted=weighted,
                                  overall_label="Overall (AHRQ rating)", fontsize=fontsize)
    present = [lev for lev in NOS_LEVELS if lev in set(summ["judgement"])]
    _nos_legend(ax, present, palette, fontsize=fontsize, loc="upper center",
                bbox_to_anchor=(0.5, -0.12 - 0.6 / max(n_rows, 1)), ncol=len(present))
    return fig
