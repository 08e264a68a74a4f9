"""Shared helpers of the importers: decoding, line splitting and field clean-up.

Decoding follows one fixed order and records what was used: a UTF-8 byte-order mark, a
UTF-16 byte-order mark, strict UTF-8, then GB18030 (the Chinese national standard, a
superset of GBK and GB2312, which CNKI exports use when not in UTF-8). Line endings CRLF,
LF and bare CR are all turned into LF.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from metareview.errors import ImportFormatError
from metareview.review.records import Record

__all__ = [
    "Parsed",
    "build_record",
    "decode",
    "first",
    "parse_year",
    "split_lines",
]

#: Encodings tried, in order, when the caller does not name one.
ENCODING_ORDER = ("utf-8-sig", "utf-16", "utf-8", "gb18030")


@dataclass
class Parsed:
    """What a format parser returns: field dicts (one per record) and warnings."""

    records: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes, *, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode *data*; return ``(text, encoding_used)``.

    Raises
    ------
    ImportFormatError
        For binary content (NUL bytes outside UTF-16) or bytes no encoding can read.
    """
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise ImportFormatError(
                f"unknown encoding {encoding!r}", file=file, hint="use e.g. utf-8, utf-16, gb18030"
            ) from None
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                f"cannot be decoded as {encoding}: byte {exc.start} is invalid",
                file=file,
                line=data.count(b"\n", 0, exc.start) + 1,
                hint="leave the encoding out to detect it, or give the right one",
            ) from None
        return text.lstrip("\ufeff"), encoding
    if data.startswith(b"\xef\xbb\xbf"):
        candidates: Sequence[str] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        if b"\x00" in data[:4096]:
            raise ImportFormatError(
                "this is a binary file, not a text export (it contains NUL bytes)",
                file=file,
                line=data.count(b"\n", 0, data.index(b"\x00")) + 1,
                hint="export the records as RIS, MEDLINE, BibTeX, CSV or XML text",
            )
        candidates = ("utf-8", "gb18030")
    last: UnicodeDecodeError | None = None
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            last = exc
            continue
        if _looks_binary(text):
            break
        return text, name
    where = None if last is None else data.count(b"\n", 0, last.start) + 1
    raise ImportFormatError(
        "cannot be decoded as text (tried UTF-8, UTF-16 and GB18030); it looks binary",
        file=file,
        line=where,
        hint="export the records as RIS, MEDLINE, BibTeX, CSV or XML text",
    )


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    return bool(sample) and len(_CONTROL.findall(sample)) > max(2, len(sample) // 200)


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF or bare CR (``str.splitlines`` would also split on U+2028 etc.)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def parse_year(value: str | None) -> int | None:
    """The first plausible four-digit year (1500-2099) in *value*.

    >>> parse_year("2019//"), parse_year("Jan.-Feb. 2019"), parse_year("n.d.")
    (2019, 2019, None)
    """
    if not value:
        return None
    match = _YEAR.search(value)
    return int(match.group(1)) if match else None


def first(raw: Mapping[str, Sequence[str]], *tags: str) -> str | None:
    """The first non-empty value among *tags* in *raw* (stripped), else ``None``."""
    for tag in tags:
        for value in raw.get(tag, ()):
            value = value.strip()
            if value:
                return value
    return None


def all_values(raw: Mapping[str, Sequence[str]], *tags: str) -> list[str]:
    """Every non-empty value of *tags*, in tag order then source order."""
    out = []
    for tag in tags:
        out.extend(v.strip() for v in raw.get(tag, ()) if v.strip())
    return out


def join_pages(start: str | None, end: str | None) -> str | None:
    """``"42-47"`` from a start and an end page (either may be missing).

    >>> join_pages("42", "47"), join_pages("e123", None), join_pages(None, None)
    ('42-47', 'e123', None)
    """
    start = (start or "").strip()
    end = (end or "").strip()
    if start and end and start != end:
        return f"{start}-{end}"
    return start or end or None


def unescape(value: str | None) -> str | None:
    """Decode HTML entities (``&amp;``) left in a field; ``None`` stays ``None``."""
    if value is None:
        return None
    return html.unescape(value) if "&" in value else value


def split_keywords(values: Iterable[str], separators: str = ";") -> tuple[str, ...]:
    """Split keyword strings on *separators* and drop empty pieces (order kept)."""
    pattern = "[" + re.escape(separators) + "]"
    out: list[str] = []
    for value in values:
        out.extend(p.strip() for p in re.split(pattern, value) if p.strip())
    return tuple(out)


def build_record(
    fields_: Mapping[str, object],
    *,
    index: int,
    file: str | None,
    fmt: str,
    database: str | None,
) -> Record:
    """Make a :class:`Record` from a parser's field dict plus provenance."""
    values = dict(fields_)
    raw = values.pop("raw", {})
    db = database or values.pop("source_database", None)
    values.pop("source_database", None)
    for key in ("title", "abstract", "journal"):
        v = values.get(key)
        if isinstance(v, str):
            v = unescape(v).strip()
            values[key] = v or None
    for key in ("volume", "issue", "pages", "pmid", "language", "publication_type"):
        v = values.get(key)
        if isinstance(v, str):
            values[key] = v.strip() or None
    values["authors"] = tuple(a for a in (values.get("authors") or ()) if a)
    values["keywords"] = tuple(k for k in (values.get("keywords") or ()) if k)
    return Record(
        **values,
        source_database=db,
        source_file=file,
        source_format=fmt,
        source_index=index,
        raw=raw,
    )
