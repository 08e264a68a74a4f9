"""Save a figure as SVG, PNG (300 dpi) or PDF, reproducibly.

The same figure gives the same bytes: the SVG element ids are seeded with a fixed
``svg.hashsalt`` and the creation date is left out of the SVG and PDF metadata, so figures
committed alongside a review (or compared in CI) do not change when nothing changed.

In SVG output every artist's ``gid`` becomes an element ``id``; ids must be unique within a
document and be XML names (W3C, Extensible Markup Language 1.0, 5th ed., 2008, sections 2.3
and 3.3.1, "Validity constraint: ID"). While the file is written, a gid that is not a valid
name has its other characters replaced by ``_`` and a repeated one gets ``-2``, ``-3``...;
the figure's own gids are restored afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from metareview.errors import InputError

__all__ = ["save_figure"]

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_HASHSALT = "metareview"
_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9_.:-]")


def svg_ids(gids: list[str]) -> list[str]:
    """Valid, unique SVG element ids for *gids*, in order (the first of a repeat keeps its name).

    >>> svg_ids(["label", "label", "column:I\u00b2 (%)", "3d", "label-2"])
    ['label', 'label-2', 'column:I_____', '_3d', 'label-2-2']
    """
    used: set[str] = set()
    out = []
    for gid in gids:
        base = _NOT_NAME_CHAR.sub("_", str(gid)) or "_"
        if not (base[0].isalpha() or base[0] == "_"):
            base = "_" + base
        name, n = base, 2
        while name in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name)
        out.append(name)
    return out


def artists_by_gid(figure: Any) -> dict[str, Any]:
    """The patches and texts of every axes of *figure* that carry a gid, by gid (the names
    the SVG output gives them; used to check what a figure shows)."""
    found: dict[str, Any] = {}
    for ax in figure.axes:
        for artist in [*ax.patches, *ax.texts]:
            gid = artist.get_gid()
            if gid:
                found[gid] = artist
    return found


@contextmanager
def _unique_gids(figure: Any) -> Iterator[None]:
    """Give the figure's artists valid, unique gids while it is written; restore them after."""
    artists = [a for a in figure.findobj() if a.get_gid() is not None]
    old = [str(a.get_gid()) for a in artists]
    for artist, new in zip(artists, svg_ids(old), strict=True):
        artist.set_gid(new)
    try:
        yield
    finally:
        for artist, gid in zip(artists, old, strict=True):
            artist.set_gid(gid)


def save_figure(fig: Any, path: str | Path, *, dpi: int = 300) -> Path:
    """Write *fig* to *path*; the format comes from the extension (.svg, .png or .pdf).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (an Axes is accepted too: its figure is saved).
    path : str or Path
        Target file; the suffix chooses the format.
    dpi : int, default 300
        Resolution of PNG output (journals ask for at least 300 dpi).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    InputError
        If the extension is not one of .svg, .png or .pdf.
    """
    import matplotlib

    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot save a figure as {path.suffix or 'a file without extension'!r}",
            file=str(path),
            hint="use a .png, .svg or .pdf file name",
        )
    figure = getattr(fig, "figure", None) if not hasattr(fig, "savefig") else fig
    if figure is None or not hasattr(figure, "savefig"):
        raise InputError("save_figure needs a matplotlib Figure or Axes", column="fig")
    metadata: dict[str, Any] | None
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None, "ModDate": None}
    else:
        metadata = None
    with matplotlib.rc_context({"svg.hashsalt": _HASHSALT, "svg.fonttype": "path"}), _unique_gids(figure):
        figure.savefig(path, format=fmt, dpi=dpi, metadata=metadata, bbox_inches="tight")
    return path
