"""CNKI (China National Knowledge Infrastructure) exports: RefWorks, EndNote/Refer, NoteExpress.

CNKI's "export citation" page writes three tagged text formats; no maintained Python
parser reads them (rispy expects ``TAG  - `` RIS lines), so each has a small line parser
here, following the tag lists of the formats' own documentation (RefWorks "Tagged format",
ProQuest RefWorks help; Refer/EndNote ``%`` tags, Clarivate EndNote manual "Importing
Reference Data"; NoteExpress ``{Field}:`` lines, Aegean Software NoteExpress manual) and the
corpus files. Chinese titles and names are kept exactly as written. Files come in UTF-8 or
GB18030/GBK; decoding is done before parsing (see ``_common.decode``).

* RefWorks: ``RT`` starts a record, then ``XX value`` lines (CNKI sometimes omits the space
  after ``A1``, and writes ``URL`` and ``vo`` tags); authors ``;``-separated in one ``A1``.
* Refer: ``%0`` starts a record, ``%A`` one author per line, ``%K`` keywords ``;;``-separated.
* NoteExpress: ``{Reference Type}:`` starts a record; lists are ``;;``-separated (sometimes
  ``;``); abstracts contain ``(#br)`` line-break markers, turned into new lines (and the
  ``Abstract(#br)`` lead-in dropped).

A line without a tag continues the previous field (joined with a new line).
"""

from __future__ import annotations

import re
from collections import defaultdict

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, all_values, first, parse_year, split_lines

__all__ = ["looks_like_cnki", "parse_cnki_endnote", "parse_cnki_noteexpress", "parse_cnki_refworks"]

_REFWORKS_TAG = re.compile(r"^(URL|vo|[A-Z][A-Z0-9])(?: |(?=[^\x00-\x7f]))(.*)$")
_REFER_TAG = re.compile(r"^%(\S)(?: (.*))?$")
_NOTEEXPRESS_TAG = re.compile(r"^\{([^{}]{1,60})\}\s*[:：]\s?(.*)$")
_LIST_SPLIT = re.compile(r";+|；+")


def looks_like_cnki(lines: list[str]) -> str | None:
    """The CNKI format of a file, from its first non-blank line, or ``None``."""
    for line in lines[:20]:
        line = line.strip()
        if not line:
            continue
        if line.startswith("RT ") or line == "RT":
            return "cnki_refworks"
        if line.startswith("%0"):
            return "cnki_endnote"
        if line.startswith("{Reference Type}"):
            return "cnki_noteexpress"
        return None
    return None


def _tagged(text: str, *, file: str, pattern: re.Pattern[str], start: str, label: str) -> list[tuple[int, dict[str, list[str]]]]:
    records: list[tuple[int, dict[str, list[str]]]] = []
    current: dict[str, list[str]] | None = None
    last: str | None = None
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            last = None if current is None else last
            continue
        m = pattern.match(line)
        if m:
            tag, value = m.group(1).strip(), (m.group(2) or "").strip()
            if tag == start:
                current = defaultdict(list)
                records.append((number, current))
            elif current is None:
                raise ImportFormatError(
                    f"expected a record to start with {label}, found {line[:40]!r}",
                    file=file,
                    line=number,
                    hint=f"each record of this export starts with a {label} line",
                )
            current[tag].append(value)
            last = tag
        elif current is not None and last is not None:
            current[last][-1] = f"{current[last][-1]}\n{line.strip()}".strip()
        else:
            raise ImportFormatError(
                f"expected a tagged line ({label} first), found {line[:40]!r}",
                file=file,
                line=number,
            )
    if not records:
        raise ImportFormatError(f"no record found (expected {label} lines)", file=file, line=1)
    return records


def _split(values: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(p.strip() for p in _LIST_SPLIT.split(value) if p.strip())
    return tuple(out)


def parse_cnki_refworks(text: str, *, file: str) -> Parsed:
    """Parse a CNKI RefWorks export."""
    out = Parsed()
    for _, tags in _tagged(text, file=file, pattern=_REFWORKS_TAG, start="RT", label="'RT '"):
        out.records.append(
            {
                "title": first(tags, "T1"),
                "abstract": first(tags, "AB"),
                "authors": _split(all_values(tags, "A1")),
                "year": parse_year(first(tags, "YR", "FD")),
                "journal": first(tags, "JF", "T2"),
                "volume": first(tags, "vo", "VO"),
                "issue": first(tags, "IS"),
                "pages": first(tags, "OP", "SP"),
                "doi": first(tags, "DO"),
                "language": first(tags, "LA"),
                "keywords": _split(all_values(tags, "K1")),
                "publication_type": first(tags, "RT"),
                "source_database": "CNKI",
                "raw": dict(tags),
            }
        )
    return out


def parse_cnki_endnote(text: str, *, file: str) -> Parsed:
    """Parse a CNKI EndNote (Refer, ``%0``) export."""
    out = Parsed()
    for _, tags in _tagged(text, file=file, pattern=_REFER_TAG, start="0", label="'%0'"):
        out.records.append(
            {
                "title": first(tags, "T"),
                "abstract": first(tags, "X"),
                "authors": _split(all_values(tags, "A")),
                "year": parse_year(first(tags, "D", "8")),
                "journal": first(tags, "J", "B"),
                "volume": first(tags, "V"),
                "issue": first(tags, "N"),
                "pages": first(tags, "P"),
                "doi": first(tags, "R"),
                "language": first(tags, "G"),
                "keywords": _split(all_values(tags, "K")),
                "publication_type": first(tags, "0"),
                "source_database": "CNKI",
                "raw": {f"%{k}": v for k, v in tags.items()},
            }
        )
    return out


def _noteexpress_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = re.sub(r"^Abstract\(#br\)", "", value)
    return value.replace("(#br)", "\n").strip() or None


def parse_cnki_noteexpress(text: str, *, file: str) -> Parsed:
    """Parse a CNKI NoteExpress (``.net``) export."""
    out = Parsed()
    records = _tagged(
        text, file=file, pattern=_NOTEEXPRESS_TAG, start="Reference Type", label="'{Reference Type}:'"
    )
    for _, tags in records:
        out.records.append(
            {
                "title": first(tags, "Title"),
                "abstract": _noteexpress_text(first(tags, "Abstract")),
                "authors": _split(all_values(tags, "Author")),
                "year": parse_year(first(tags, "Year", "Date")),
                "journal": first(tags, "Journal", "Secondary Title"),
                "volume": first(tags, "Volume"),
                "issue": first(tags, "Issue"),
                "pages": first(tags, "Pages"),
                "doi": first(tags, "DOI"),
                "language": first(tags, "Language"),
                "keywords": _split(all_values(tags, "Keywords")),
                "publication_type": first(tags, "Reference Type"),
                "source_database": "CNKI",
                "raw": {f"{{{k}}}": v for k, v in tags.items()},
            }
        )
    return out
