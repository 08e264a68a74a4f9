"""Where each key of a TOML analysis plan is written: the 1-based line numbers that plan
error messages name (``tomllib`` reports none). Split from :mod:`metareview.plan`, which
re-exports :func:`locate_keys`.

Examples
--------
>>> text = '[plan]\\ntitle = "x"\\n[data.d]\\nfile = "d.csv"\\nstudy = "s"\\n'
>>> locate_keys(text)[("data", "d", "study")]
5
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["KeyPath", "locate_keys"]

KeyPath = tuple[str, ...]

# --- locating keys in the text -------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*(?P<key>[^\[\]]+?)\s*\]\]?\s*(#.*)?$")
_BARE_OR_QUOTED = r"(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')"
_KEYLINE = re.compile(
    rf"^\s*(?P<key>{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*=(?P<rest>.*)$"
)
_INLINE_KEY = re.compile(r"[{,]\s*(?P<key>[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*=")


def _split_key(dotted: str) -> KeyPath:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.\s]+", dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def _strip_strings(text: str) -> str:
    """Blank out string contents so '=' or '{' inside a string cannot fool the scanner."""
    return re.sub(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", lambda m: '""', text)


def locate_keys(text: str) -> dict[KeyPath, int]:
    """Map every key path of a TOML document to the 1-based line where it is written.

    Table headers register their own path (and any implicit parent tables); ``key = value``
    lines register the header path plus the (possibly dotted) key; keys of a one-line inline
    table register beneath their parent key. The first occurrence wins.

    Parameters
    ----------
    text : str
        The TOML source.

    Returns
    -------
    dict
        Key path (tuple of str) -> line number.
    """
    lines: dict[KeyPath, int] = {}
    header: KeyPath = ()
    in_multiline = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if raw.count('"""') % 2 == 1 or raw.count("'''") % 2 == 1:
                in_multiline = False
            continue
        if raw.strip().startswith("#") or not raw.strip():
            continue
        match = _HEADER.match(raw)
        if match and "=" not in raw.split("#")[0]:
            header = _split_key(match.group("key"))
            for i in range(1, len(header) + 1):
                lines.setdefault(header[:i], number)
            continue
        match = _KEYLINE.match(raw)
        if not match:
            continue
        path = header + _split_key(match.group("key"))
        for i in range(len(header) + 1, len(path) + 1):
            lines.setdefault(path[:i], number)
        rest = match.group("rest")
        if rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1:
            in_multiline = True
            continue
        stripped = _strip_strings(rest)
        if "{" in stripped:
            # one level of inline table, keys possibly nested one level further
            _locate_inline(stripped, path, number, lines)
    return lines


def _locate_inline(rest: str, path: KeyPath, number: int, lines: dict[KeyPath, int]) -> None:
    stack: list[KeyPath] = []  # the paths of the inline tables open at this point
    last = path
    i = 0
    while i < len(rest):
        ch = rest[i]
        if ch == "{":
            stack.append(last)
        elif ch == "}" and stack:
            stack.pop()
        if ch in "{," and stack:
            match = _INLINE_KEY.match(rest, i)
            if match:
                last = stack[-1] + _split_key(match.group("key"))
                lines.setdefault(last, number)
                i = match.end()
                continue
        i += 1


def _line_of(lines: Mapping[KeyPath, int], path: KeyPath) -> int | None:
    """The line of *path* or, failing that, of its nearest written ancestor."""
    clean = tuple(p for p in path if isinstance(p, str))
    for end in range(len(clean), 0, -1):
        if clean[:end] in lines:
            return lines[clean[:end]]
    return None
