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
                hint="export the records as RIS, MEDLINE, BibTeX, CSV or XML text (UTF-16 text"
                " without a byte-order mark: pass encoding='utf-16-le')",
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
            raise ImportFormatError(
                "this is a binary file, not a text export (it is full of control characters)",
                file=file,
                line=1,
                hint="export the records as RIS, MEDLINE, BibTeX, CSV or XML text",
            )
        if name == "gb18030" and not _plausible_gb18030(data):
            first_high = re.search(rb"[\x80-\xff]", data)
            raise ImportFormatError(
                "the file is not UTF-8, and its bytes do not look like Chinese GB18030/GBK text",
                file=file,
                line=None if first_high is None else data.count(b"\n", 0, first_high.start()) + 1,
                hint="if it is Windows-1252/Latin-1, pass encoding='cp1252' (--encoding cp1252)",
            )
        return text, name
    where = None if last is None else data.count(b"\n", 0, last.start) + 1
    raise ImportFormatError(
        "cannot be decoded as UTF-8, UTF-16 or GB18030 text",
        file=file,
        line=where,
        hint="if it is Windows-1252/Latin-1 text, pass encoding='cp1252' (--encoding cp1252);"
        " otherwise export the records as RIS, MEDLINE, BibTeX, CSV or XML text",
    )


_GB_ASCII_TRAIL = re.compile(rb"[\x81-\xfe][\x40-\x7e]")
_GB_HIGH_TRAIL = re.compile(rb"[\x81-\xfe][\x80-\xfe]")


def _plausible_gb18030(data: bytes) -> bool:
    """GB2312/GBK Chinese characters mostly have a trail byte >= 0xA1; Latin-1/Windows-1252
    text that happens to decode as GB18030 pairs accented letters with ASCII bytes instead."""
    ascii_trail = len(_GB_ASCII_TRAIL.findall(data))
    high_trail = len(_GB_HIGH_TRAIL.findall(data))
    return ascii_trail < 3 or ascii_trail <= 0.5 * high_trail


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


# Markup that exports leave inside titles and abstracts (HTML from Lens/Zotero, JATS from
# Crossref-fed databases, PubMed's <AbstractText>): only these tag names are removed, so that
# text such as "p<0.05" or "a <b> c" is never touched.
_MARKUP = re.compile(
    r"</?(?:p|br|i|b|em|strong|sup|sub|u|span|div|sc|scp|inf|italic|bold|title|sec|label"
    r"|list|list-item|AbstractText|(?:jats|mml):[\w.-]+)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)


def strip_markup(value: str | None) -> str | None:
    """Remove HTML/JATS/PubMed markup tags (known names only) from a title or abstract.

    >>> strip_markup('<p>Aims: <i>in vitro</i> p<0.05</p><jats:p>Next</jats:p>')
    'Aims: in vitro p<0.05 Next'
    """
    if value is None or "<" not in value:
        return value
    text = _MARKUP.sub(" ", value)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


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
            v = unescape(strip_markup(v) if key != "journal" else v).strip()
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
