"""Save a figure as SVG, PNG (300 dpi) or PDF, reproducibly.

The same figure gives the same bytes: the SVG element ids are seeded with a fixed
``svg.hashsalt`` and the creation date is left out of the SVG and PDF metadata, so figures
committed alongside a review (or compared in CI) do not change when nothing changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from metareview.errors import InputError

__all__ = ["save_figure"]

_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_HASHSALT = "metareview"


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
    with matplotlib.rc_context({"svg.hashsalt": _HASHSALT, "svg.fonttype": "path"}):
        figure.savefig(path, format=fmt, dpi=dpi, metadata=metadata, bbox_inches="tight")
    return path
