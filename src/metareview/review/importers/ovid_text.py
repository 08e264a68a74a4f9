"""Ovid plain-text export (the ``<n>`` record layout).

Each record starts with a line ``<n>``; a field label (``Author``, ``Title``, ``Source``,
``Abstract``, ``DOI Number`` ...) stands alone on a line and its value follows on lines
indented by spaces (Wolters Kluwer, "Ovid: Exporting and Printing Citations", Ovid online
help). No maintained Python parser reads it, so this module has its own.

``Author`` holds every author, ``;``-separated, followed by affiliation numbers
(``Holstiege, Jakob 1``); the numbers are dropped. ``Title`` ends with the publication
type in brackets (``...review.[Review]``); it is taken off the title and used as the
publication type. ``Source`` (``Ecohydrology.   8(6):1048-1064, September 2015.``) gives
journal, volume, issue, pages and year.
"""

from __future__ import annotations

import re
from collections import defaultdict

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, first, parse_year, split_lines

__all__ = ["looks_like_ovid_text", "parse_ovid_text"]

_START = re.compile(r"^<(\d+)>\s*$")
_SOURCE = re.compile(
    r"^(?P<journal>.+?)\.\s+(?P<volume>[^\s(:]+)?(?:\((?P<issue>[^)]*)\))?(?::(?P<pages>[^,\s]+))?"
)
_TYPE_SUFFIX = re.compile(r"^(.*?)\s*\[([^\]]+)\]\s*$")


def looks_like_ovid_text(lines: list[str]) -> bool:
    """True when the first non-blank line is ``<n>``."""
    for line in lines[:10]:
        if line.strip():
            return bool(_START.match(line))
    return False


def parse_ovid_text(text: str, *, file: str) -> Parsed:
    """Parse an Ovid ``<n>`` plain-text export."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    label: str | None = None
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        if _START.match(line):
            current = defaultdict(list)
            records.append(current)
            label = None
            continue
        if current is None:
            raise ImportFormatError(
                f"expected a record number like '<1>', found {line[:40]!r}",
                file=file,
                line=number,
            )
        if line[:1].isspace():
            if label is None:
                raise ImportFormatError(
                    "an indented value comes before any field label",
                    file=file,
                    line=number,
                    hint="Ovid records put each label on its own line, then the value indented",
                )
            values = current[label]
            values[-1] = f"{values[-1]}\n{line.strip()}" if values[-1] else line.strip()
        else:
            label = line.strip()
            current[label].append("")
    if not records:
        raise ImportFormatError("no Ovid record found", file=file, line=1, hint="expected '<1>'")
    out = Parsed()
    for tags in records:
        raw = dict(tags)
        title = first(raw, "Title")
        pubtype = first(raw, "Document Type")
        if title and (m := _TYPE_SUFFIX.match(title)):
            title = m.group(1)
            pubtype = pubtype or m.group(2)
        source = " ".join((first(raw, "Source") or "").split())
        sm = _SOURCE.match(source) if source else None
        authors = []
        for name in (first(raw, "Author") or "").replace("\n", " ").split(";"):
            name = re.sub(r"\s+\d+(?:,\s*\d+)*\s*$", "", name.strip())
            if name:
                authors.append(name)
        keywords = [k.strip().rstrip(".") for k in (first(raw, "Author Keywords") or "").split(";")]
        language = first(raw, "Language")
        out.records.append(
            {
                "title": title,
                "abstract": first(raw, "Abstract"),
                "authors": tuple(authors),
                "year": parse_year(first(raw, "Year of Publication") or source),
                "journal": (sm.group("journal").strip() if sm else source.rstrip(". ") or None),
                "volume": sm.group("volume") if sm else None,
                "issue": sm.group("issue") if sm else None,
                "pages": sm.group("pages") if sm else None,
                "doi": first(raw, "DOI Number", "Digital Object Identifier"),
                "pmid": None,
                "language": language.rstrip(".") if language else None,
                "keywords": tuple(k for k in keywords if k),
                "publication_type": pubtype,
                "source_database": "Ovid",
                "raw": raw,
            }
        )
    return out
