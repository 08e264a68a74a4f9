"""Figures as SVG data URIs for ``<img>`` tags.

An SVG shown through ``<img>`` is rendered as an image: scripts in it never run, so a study
label or title drawn into a figure cannot inject anything into the page.
"""

from __future__ import annotations

import base64
import io
from typing import Any

__all__ = ["svg_data_uri", "svg_bytes"]


def svg_bytes(fig: Any) -> bytes:
    """The SVG text of a matplotlib Figure (metadata-free, so it is reproducible)."""
    from metareview.plots._save import _unique_gids

    buf = io.BytesIO()
    with _unique_gids(fig):  # ids such as "cell:Bo 2020:S" are made valid XML names
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def svg_data_uri(fig: Any) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg_bytes(fig)).decode("ascii")
