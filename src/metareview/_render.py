"""One renderer for every result: text for ``repr`` and HTML for notebooks.

Results keep unrounded numbers; rounding happens here and only here.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np


def _fmt(value: Any, decimals: int) -> str:
    if value is None:
        return "NA"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if np.isnan(v):
            return "NA"
        if v != 0 and abs(v) < 10 ** (-decimals):
            return f"{v:.{max(decimals - 2, 1)}e}"
        return f"{v:.{decimals}f}"
    return str(value)


def render_text(
    title: str,
    header: Sequence[tuple[str, Any]],
    table: Any | None = None,
    *,
    decimals: int = 4,
) -> str:
    """A title line, ``key: value`` pairs, and an optional DataFrame as aligned text."""
    lines = [title, ""]
    for key, value in header:
        lines.append(f"{key}: {_fmt(value, decimals)}")
    if table is not None:
        lines.append("")
        cells = [[str(c) for c in table.columns]]
        for _, row in table.iterrows():
            cells.append([_fmt(v, decimals) for v in row.tolist()])
        names = [""] + [str(i) for i in table.index]
        widths = [max(len(r[j]) for r in cells) for j in range(len(cells[0]))]
        nw = max(len(n) for n in names)
        for name, row in zip(names, cells, strict=True):
            lines.append(
                name.ljust(nw) + "  " + "  ".join(c.rjust(wd) for c, wd in zip(row, widths, strict=True))
            )
    return "\n".join(lines)


def render_html(
    title: str,
    header: Sequence[tuple[str, Any]],
    table: Any | None = None,
    *,
    decimals: int = 4,
) -> str:
    parts = [f"<div><strong>{html.escape(title)}</strong><br>"]
    parts.append(
        "<br>".join(f"{html.escape(k)}: {html.escape(_fmt(v, decimals))}" for k, v in header)
    )
    if table is not None:
        parts.append("<table><thead><tr><th></th>")
        parts.extend(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
        parts.append("</tr></thead><tbody>")
        for idx, row in table.iterrows():
            parts.append(f"<tr><th>{html.escape(str(idx))}</th>")
            parts.extend(f"<td>{html.escape(_fmt(v, decimals))}</td>" for v in row.tolist())
            parts.append("</tr>")
        parts.append("</tbody></table>")
    parts.append("</div>")
    return "".join(parts)
