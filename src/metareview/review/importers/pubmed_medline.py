"""PubMed MEDLINE / ``.nbib`` text and PubMed Central MEDLARS text.

The format is NLM's "MEDLINE/PubMed data element (field) descriptions"
(https://www.nlm.nih.gov/bsd/mms/medlineelements.html): a tag of up to four letters padded
to four characters, ``"- "``, the value; values wrap onto lines indented by six spaces;
records are separated by blank lines. A PubMed record holds a ``PMID-`` tag; a PMC MEDLARS
record starts with ``PMC - `` (then ``PMID-``).

No maintained Python parser reads both dialects with line numbers (Biopython's
``Bio.Medline`` needs all of Biopython and drops text it does not expect), so this module
has its own small line parser. A blank-line-separated block that is not a record (no PMID,
or free text) is not imported and is listed in the import warnings with its line number.
"""

from __future__ import annotations

import re
from collections import defaultdict

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, all_values, first, parse_year, split_lines

__all__ = ["looks_like_medline", "medline_fields", "parse_medline", "parse_pmc_medlars"]

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *-(.*)$")
_ID_SUFFIX = re.compile(r"^(.*?)\s*\[(\w+)\]\s*$")


def looks_like_medline(lines: list[str]) -> str | None:
    """``"pubmed_medline"``, ``"pmc_medlars"`` or ``None`` from the first tagged lines."""
    for line in lines[:200]:
        if not line.strip():
            continue
        if line.startswith("PMC - "):
            return "pmc_medlars"
        if re.match(r"^PMID- ?\d", line):
            return "pubmed_medline"
        if not _TAG.match(line):
            return None
    return None


def _blocks(lines: list[str]):
    """Yield (first line number, [(line number, tag, value)]) per blank-separated block."""
    block: list[tuple[int, str | None, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if block:
                yield block
                block = []
            continue
        m = _TAG.match(line)
        if m and not line[:1].isspace():
            block.append((number, m.group(1), m.group(2).strip()))
        else:
            block.append((number, None, line.strip()))
    if block:
        yield block


def _parse(text: str, *, file: str, start_tag: str, fmt: str) -> Parsed:
    lines = split_lines(text)
    out = Parsed()
    skipped: list[str] = []
    for block in _blocks(lines):
        records: list[tuple[int, dict[str, list[str]]]] = []
        current: dict[str, list[str]] | None = None
        last: str | None = None
        loose: list[int] = []
        for number, tag, value in block:
            if tag is None:
                if current is not None and last is not None:
                    prev = current[last][-1]
                    current[last][-1] = f"{prev} {value}" if prev else value
                else:
                    loose.append(number)
                continue
            if tag == start_tag and (current is None or start_tag in current):
                current = defaultdict(list)
                records.append((number, current))
            if current is None:  # tags before the record's start tag: keep with it
                current = defaultdict(list)
                records.append((number, current))
            current[tag].append(value)
            last = tag
        for number, tags in records:
            if start_tag not in tags or (fmt == "pubmed_medline" and "PMID" not in tags):
                skipped.append(f"line {number}")
                continue
            out.records.append(medline_fields(tags, fmt=fmt))
        if loose and not records:
            skipped.append(f"line {loose[0]}")
    if not out.records:
        raise ImportFormatError(
            f"no {'PubMed' if fmt == 'pubmed_medline' else 'PMC'} record found",
            file=file,
            line=1,
            hint=f"records must contain a '{start_tag.ljust(4)}- ' line",
        )
    if skipped:
        shown = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        out.warnings.append(
            f"{file}: {len(skipped)} block(s) without a {start_tag} tag were not imported ({shown})"
        )
    return out


def parse_medline(text: str, *, file: str) -> Parsed:
    """Parse PubMed MEDLINE (``.nbib``/``.txt``) text."""
    return _parse(text, file=file, start_tag="PMID", fmt="pubmed_medline")


def parse_pmc_medlars(text: str, *, file: str) -> Parsed:
    """Parse PubMed Central MEDLARS text (records start with ``PMC - ``)."""
    return _parse(text, file=file, start_tag="PMC", fmt="pmc_medlars")


def _tagged_id(tags: dict[str, list[str]], kind: str) -> str | None:
    for value in all_values(tags, "AID", "LID"):
        m = _ID_SUFFIX.match(value)
        if m and m.group(2).lower() == kind:
            return m.group(1)
    return None


def medline_fields(tags: dict[str, list[str]], *, fmt: str = "pubmed_medline") -> dict:
    """Normalised record fields from one MEDLINE record's tags."""
    pmid = first(tags, "PMID")
    return {
        "title": first(tags, "TI", "BTI"),
        "abstract": first(tags, "AB"),
        "authors": tuple(all_values(tags, "FAU") or all_values(tags, "AU")),
        "year": parse_year(first(tags, "DP")),
        "journal": first(tags, "JT", "TA"),
        "volume": first(tags, "VI"),
        "issue": first(tags, "IP"),
        "pages": first(tags, "PG"),
        "doi": _tagged_id(tags, "doi"),
        "pmid": pmid if pmid and pmid.isdigit() else None,
        "language": first(tags, "LA"),
        "keywords": tuple(all_values(tags, "OT", "MH")),
        "publication_type": first(tags, "PT"),
        "source_database": "PubMed" if fmt == "pubmed_medline" else "PubMed Central",
        "raw": dict(tags),
    }
