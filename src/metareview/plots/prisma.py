"""The PRISMA 2020 flow diagram, drawn from :class:`~metareview.review.prisma.PrismaCounts`.

Layout of figure 1 of Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement:
an updated guideline for reporting systematic reviews. BMJ 2021;372:n71.
doi:10.1136/bmj.n71 (the template for new reviews that searched databases and registers
only): a header, three phases (Identification, Screening, Included) labelled down the left,
the main boxes in a column with arrows between them and, on the right, the boxes of what was
removed or excluded at each step (with the reasons for excluded reports).

The figure is a :class:`matplotlib.figure.Figure` built directly (no pyplot, no global
state). Every number is written into the text of its box, so tests and accessibility tools
can read them back from the figure's Text artists.
"""

from __future__ import annotations

from metareview.plots._text import literal_text

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

from metareview.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from metareview.review.prisma import PrismaCounts

__all__ = ["flow_texts", "prisma_flow", "save", "save_prisma_flow"]

_WRAP = 44          # characters per line inside a box
_LINE = 0.165       # inches per line of 8.5 pt text (1.25 line spacing)
_PAD = 0.14         # inches of padding above and below the text of a box
_GAP = 0.32         # inches between rows
_WIDTH = 8.0        # figure width in inches
_FONT = 8.5


def _n(value: int) -> str:
    return f"(n = {value:,})"


def _lines(title: str, items: list[tuple[str, int]] | None = None, total: int | None = None) -> list[str]:
    head = f"{title} {_n(total)}" if total is not None else title
    out = textwrap.wrap(head, _WRAP)
    for label, n in items or []:
        out.extend(textwrap.wrap(f"{label} {_n(n)}", _WRAP, initial_indent="  ",
                                 subsequent_indent="    "))
    return out


def flow_texts(counts: PrismaCounts) -> dict[str, list[str]]:
    """The text of every box, line by line (what :func:`prisma_flow` draws).

    Keys: ``identified``, ``removed``, ``screened``, ``excluded``, ``sought``,
    ``not_retrieved``, ``assessed``, ``reports_excluded``, ``included`` and, for a review
    under way, ``progress``.
    """
    identified = _lines("Records identified from:")
    if counts.identified_databases or not counts.identified_registers:
        identified += _lines(f"Databases {_n(sum(counts.identified_databases.values()))}",
                             list(counts.identified_databases.items()))
    if counts.identified_registers:
        identified += _lines(f"Registers {_n(sum(counts.identified_registers.values()))}",
                             list(counts.identified_registers.items()))
    removed = _lines("Records removed before screening:")
    removed += _lines(f"  Duplicate records removed {_n(counts.duplicates_removed)}")
    if counts.removed_other:
        for reason, n in counts.removed_other.items():
            removed += textwrap.wrap(f"{reason[:1].upper()}{reason[1:]} {_n(n)}", _WRAP,
                                     initial_indent="  ", subsequent_indent="    ")
    else:
        removed += _lines(f"  Records removed for other reasons {_n(0)}")
    texts = {
        "identified": identified,
        "removed": removed,
        "screened": _lines("Records screened", total=counts.records_screened),
        "excluded": _lines("Records excluded", total=counts.records_excluded),
        "sought": _lines("Reports sought for retrieval", total=counts.reports_sought),
        "not_retrieved": _lines("Reports not retrieved", total=counts.reports_not_retrieved),
        "assessed": _lines("Reports assessed for eligibility", total=counts.reports_assessed),
        "reports_excluded": _lines(
            f"Reports excluded {_n(counts.reports_excluded_total)}:",
            list(counts.reports_excluded.items()),
        ),
        "included": _lines("Studies included in review", total=counts.studies_included)
        + _lines("Reports of included studies", total=counts.reports_included),
    }
    if not counts.complete:
        texts["progress"] = _lines(
            "Review in progress:",
            [("records awaiting screening", counts.records_awaiting_screening),
             ("reports awaiting retrieval", counts.reports_awaiting_retrieval),
             ("reports awaiting assessment", counts.reports_awaiting_assessment)],
        )
    return texts


def _height(lines: list[str]) -> float:
    return len(lines) * _LINE + 2 * _PAD


@literal_text
def prisma_flow(counts: PrismaCounts, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Draw the PRISMA 2020 flow diagram for *counts*.

    Parameters
    ----------
    counts : PrismaCounts
        Checked with :meth:`~metareview.review.prisma.PrismaCounts.check` first: a diagram
        whose numbers do not add up is refused.
    ax : matplotlib Axes, optional
        Draw into this Axes (its figure is returned); by default a new Figure sized to fit.
    title : str, optional
        Header text; default "Identification of studies via databases and registers".

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated guideline
    for reporting systematic reviews. BMJ 2021;372:n71. doi:10.1136/bmj.n71
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if not hasattr(counts, "check"):
        raise InputError("prisma_flow needs PrismaCounts", column="counts",
                         hint="use ReviewProject.prisma_counts()")
    counts.check()
    texts = flow_texts(counts)
    header = title or "Identification of studies via databases and registers"

    rows = [
        ("identified", "removed"),
        ("screened", "excluded"),
        ("sought", "not_retrieved"),
        ("assessed", "reports_excluded"),
        ("included", None),
    ]
    heights = [max(_height(texts[a]), _height(texts[b]) if b else 0.0) for a, b in rows]
    header_h = 0.42
    progress_h = _height(texts["progress"]) + _GAP if "progress" in texts else 0.0
    total_h = header_h + _GAP + sum(heights) + _GAP * (len(rows) - 1) + progress_h + 0.1

    if ax is None:
        fig = Figure(figsize=(_WIDTH, total_h))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    ax.set_xlim(0.0, _WIDTH)
    ax.set_ylim(0.0, total_h)
    ax.invert_yaxis()  # y grows downwards, in inches from the top
    ax.set_axis_off()

    phase_x, phase_w = 0.1, 0.32
    main_x, main_w = 0.6, 3.5
    side_x, side_w = 4.6, 3.3
    box_style = "square,pad=0"

    def box(x: float, y: float, w: float, h: float, lines: list[str], *, fill: str = "white",
            name: str = "") -> None:
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle=box_style, linewidth=0.9,
                                    edgecolor="black", facecolor=fill, gid=name or None))
        ax.text(x + 0.1, y + h / 2, "\n".join(lines), ha="left", va="center", fontsize=_FONT,
                linespacing=1.25, gid=name or None)

    def arrow(x0: float, y0: float, x1: float, y1: float) -> None:
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=10,
                                     linewidth=0.9, color="black", shrinkA=0, shrinkB=0))

    # header band
    ax.add_patch(FancyBboxPatch((main_x, 0.05), side_x + side_w - main_x, header_h - 0.05,
                                boxstyle="round,pad=0,rounding_size=0.08", linewidth=0.9,
                                edgecolor="#d4a017", facecolor="#f7d774"))
    ax.text((main_x + side_x + side_w) / 2, 0.05 + (header_h - 0.05) / 2, header,
            ha="center", va="center", fontsize=_FONT + 1, fontweight="bold")

    y = header_h + _GAP
    tops: list[float] = []
    for (main, side), h in zip(rows, heights):
        tops.append(y)
        box(main_x, y, main_w, h, texts[main], name=main)
        if side is not None:
            box(side_x, y, side_w, h, texts[side], name=side)
            arrow(main_x + main_w, y + h / 2, side_x, y + h / 2)
        y += h + _GAP
    for i in range(len(rows) - 1):
        arrow(main_x + main_w / 2, tops[i] + heights[i], main_x + main_w / 2, tops[i + 1])

    # phase labels down the left (Identification: row 0; Screening: rows 1-3; Included: row 4)
    phases = [("Identification", 0, 0), ("Screening", 1, 3), ("Included", 4, 4)]
    for label, first, last in phases:
        top = tops[first]
        bottom = tops[last] + heights[last]
        ax.add_patch(FancyBboxPatch((phase_x, top), phase_w, bottom - top,
                                    boxstyle="round,pad=0,rounding_size=0.06", linewidth=0.9,
                                    edgecolor="#5b9bd5", facecolor="#bdd7ee"))
        ax.text(phase_x + phase_w / 2, (top + bottom) / 2, label, rotation=90, ha="center",
                va="center", fontsize=_FONT + 0.5, fontweight="bold")

    if "progress" in texts:
        box(main_x, y, side_x + side_w - main_x, progress_h - _GAP, texts["progress"],
            fill="#f2f2f2", name="progress")
    return fig


def save(fig: Any, path: str | Path) -> Path:
    """Save a flow diagram as SVG, PNG (300 dpi) or PDF, chosen by the file extension."""
    from metareview.plots._save import save_figure

    return save_figure(fig, path, dpi=300)


def save_prisma_flow(counts: PrismaCounts, path: str | Path) -> Path:
    """Draw the diagram for *counts* and save it to *path* (.svg, .png or .pdf)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".png", ".pdf"):
        raise InputError(f"cannot save a PRISMA diagram as {suffix or 'no extension'!r}",
                         file=str(path), hint="use a .svg, .png or .pdf file name")
    return save(prisma_flow(counts), path)
