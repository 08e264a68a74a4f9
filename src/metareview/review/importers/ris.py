"""RIS in its real-world dialects.

Tag parsing is done by :class:`rispy.RisParser` (rispy, https://github.com/MrTango/rispy),
configured to keep every tag verbatim as a list of values (identity tag map, every tag a
list tag). rispy alone cannot be trusted with real exports, so lines are pre-processed
here first, for these reasons:

* rispy skips silently whatever precedes a ``TY`` line and a last record without ``ER``; a
  truncated file must be refused (with the line of the unfinished record) instead.
* Ovid exports number the records (``1.``) and put ``NL  -`` tags and a
  ``Link to the Ovid Full Text or citation: <url>`` line *after* ``ER``; they belong to the
  record just closed and are moved into it (the link line verbatim under raw key
  ``"Link to"``); the numbering lines are dropped. More than three tag lines after an
  ``ER`` without a ``TY`` are refused as a record missing its ``TY`` line.
* IEEE Xplore separates records with CR LF LF CR, so lines start with a bare CR; all line
  endings are normalised before parsing (rispy then reads all 25 records, not 1).
* Continuation lines (no tag) continue the previous tag's value; rispy would make each one
  a separate list item. EndNote and Rayyan put one keyword per continuation line, so for
  ``KW`` each continuation line is a keyword; for every other tag (N1, AD, AB, ...) the
  lines are joined with a newline.

Some tools write ``TY - JOUR`` with one space before the dash; when the first ``TY`` line
of a file does, every ``XX - `` line of that file is read as a tag.

Other text outside records (a search strategy between Ovid records, export banners) is not
imported and is reported in the import warnings, with its line numbers.

The RIS tags are those of the RIS format specification (Research Information Systems,
"RIS Format Specifications", 2011 revision, https://web.archive.org/web/20120526103719/
http://refman.com/support/risformat_intro.asp).
"""

from __future__ import annotations

import re
from collections import defaultdict

import rispy

from metareview.errors import ImportFormatError
from metareview.review.importers._common import (
    Parsed,
    all_values,
    first,
    join_pages,
    parse_year,
    split_lines,
)
from metareview.review.importers._database import canonical_database, database_from_urls
from metareview.review.records import normalise_doi

__all__ = ["looks_like_ris", "parse_ris", "ris_fields"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
_TAG_ONE_SPACE = re.compile(r"^([A-Z][A-Z0-9]) -(?: (.*))?$")  # "TY - JOUR" (non-standard)
_MAX_AFTER_ER = 3  # Ovid writes one or two (NL ...); more means a record lost its TY line
_NUMBERING = re.compile(r"^\s*\d+\.\s*$")
_LINK_TO = re.compile(r"^Link to [^:]{1,80}: ?\S")
_OVID_MEDLINE_AN = re.compile(r"ovid\.com/.*[?&]D=med\w*&.*\bAN=(\d{1,9})\b", re.IGNORECASE)
_PMID_VALUE = re.compile(r"^\s*(\d{1,9})\s*\[PMID\]\s*$", re.IGNORECASE)
# Cochrane Library RIS cross-references: "C3  - PUBMED 18516353"
_PUBMED_XREF = re.compile(r"^\s*PUBMED\s+(\d{1,9})\s*$", re.IGNORECASE)


class _Identity(dict):
    def __missing__(self, key):  # every tag maps to itself
        return key


class _Everything:
    def __contains__(self, item: object) -> bool:  # every tag is a list tag
        return True


class _VerbatimRisParser(rispy.RisParser):
    """rispy parser keeping tags verbatim; continuation lines joined as described above."""

    def _add_tag(self, record, tag, content, extend_multiline=False):  # type: ignore[override]
        if not extend_multiline:
            record.setdefault(tag, []).append(content)
            return
        if tag is None or tag not in record:
            tag = "TY"
        if tag == "KW":
            if content:
                record[tag].append(content)
            return
        record[tag][-1] = f"{record[tag][-1]}\n{content}"


def _parser() -> _VerbatimRisParser:
    return _VerbatimRisParser(
        mapping=_Identity(), list_tags=_Everything(), delimiter_tags_mapping={}
    )


def looks_like_ris(lines: list[str]) -> bool:
    """True when a ``TY  - `` line comes among the first non-blank lines."""
    seen = 0
    for line in lines:
        if not line.strip():
            continue
        if line.startswith(("TY  -", "TY - ")):
            return True
        seen += 1
        if seen > 40:
            return False
    return False


def parse_ris(text: str, *, file: str) -> Parsed:
    """Split, check and parse RIS text; return one raw tag dict per record."""
    lines = split_lines(text)
    first_ty = next((line for line in lines if line.startswith("TY ")), "")
    if _TAG_ONE_SPACE.match(first_ty):  # the whole file uses "XX - value": rewrite to RIS
        lines = [
            f"{m.group(1)}  - {m.group(2) or ''}" if (m := _TAG_ONE_SPACE.match(line)) else line
            for line in lines
        ]
    blocks: list[list[str]] = []  # each: the record's lines, ER excluded
    extras: list[dict[str, list[str]]] = []
    starts: list[int] = []
    outside: list[tuple[int, str]] = []
    current: list[str] | None = None
    last_text = 1
    after_er = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            last_text = number
        match = _TAG.match(line)
        tag = match.group(1) if match else None
        if current is None:
            if tag == "TY":
                current = [line]
                starts.append(number)
                after_er = 0
            elif tag is not None:
                if not blocks:
                    raise ImportFormatError(
                        f"expected 'TY  - ' to start a record, found tag {tag!r}",
                        file=file,
                        line=number,
                        hint="every RIS record starts with a 'TY  - ' line",
                    )
                if tag != "ER":  # Ovid: tags after ER belong to the record just closed
                    after_er += 1
                    if after_er > _MAX_AFTER_ER:
                        raise ImportFormatError(
                            f"tagged lines follow the 'ER  - ' of the record of line"
                            f" {starts[-1]} without a new 'TY  - ' line",
                            file=file,
                            line=number,
                            hint="a record seems to lack its 'TY  - ' line",
                        )
                    blocks[-1].append(line)
            elif not line.strip() or _NUMBERING.match(line):
                continue
            elif blocks and _LINK_TO.match(line.strip()):
                extras[-1].setdefault("Link to", []).append(line.strip())
            else:
                outside.append((number, line.strip()))
        elif tag == "ER":
            blocks.append(current)
            extras.append({})
            current = None
        elif tag == "TY":
            raise ImportFormatError(
                f"a new record starts before the record of line {starts[-1]} ended",
                file=file,
                line=number,
                hint="each RIS record must end with an 'ER  - ' line; is the file cut or merged?",
            )
        else:
            current.append(line)
    if current is not None:
        raise ImportFormatError(
            f"the file ends inside the record that starts at line {starts[-1]}"
            " (no 'ER  - ' line): it looks truncated",
            file=file,
            line=last_text,
            hint="export the records again",
        )
    if not blocks:
        raise ImportFormatError(
            "no RIS record found",
            file=file,
            line=1,
            hint="expected records that start with 'TY  - ' and end with 'ER  - '",
        )
    cleaned = "\n".join(line for block in blocks for line in (*block, "ER  - "))
    parsed = _parser().parse(cleaned)
    if len(parsed) != len(blocks):  # pragma: no cover - a rispy change would show here
        raise ImportFormatError(
            f"rispy read {len(parsed)} records where the file has {len(blocks)}", file=file
        )
    out = Parsed()
    for raw, extra, start in zip(parsed, extras, starts):
        tags: dict[str, list[str]] = defaultdict(list)
        for key, values in raw.items():
            if isinstance(values, str):  # rispy keeps TY as one string, not a list
                values = [values]
            tags[key].extend(v.rstrip() for v in values)
        for key, values in extra.items():
            tags[key].extend(values)
        out.records.append(ris_fields(tags, line=start))
    if outside:
        shown = "; ".join(f"line {n}: {t[:60]!r}" for n, t in outside[:3])
        more = f" and {len(outside) - 3} more" if len(outside) > 3 else ""
        out.warnings.append(
            f"{file}: {len(outside)} line(s) outside any record were not imported ({shown}{more})"
        )
    return out


def _ris_pmid(tags: dict[str, list[str]], database: str | None) -> str | None:
    for values in tags.values():
        for v in values:
            m = _PMID_VALUE.match(v)
            if m:
                return m.group(1)
    for v in all_values(tags, "C3"):
        m = _PUBMED_XREF.match(v)
        if m:
            return m.group(1)
    an = first(tags, "AN")
    if an and an.isdigit() and database in {"MEDLINE", "PubMed", "PubMed Central"}:
        return an
    if database == "MEDLINE":  # Ovid MEDLINE links carry the accession number (= PMID)
        for url in all_values(tags, "L2", "UR"):
            m = _OVID_MEDLINE_AN.search(url)
            if m:
                return m.group(1)
    return None


def _ris_doi(tags: dict[str, list[str]]) -> str | None:
    for value in all_values(tags, "DO", "DI", "M3"):
        doi = normalise_doi(value)
        if doi:
            return doi
    for value in all_values(tags, "L3", "L2", "UR", "LK"):
        if "doi.org/10." in value.lower():
            return normalise_doi(value)
    return None


def _ris_database(tags: dict[str, list[str]]) -> str | None:
    db_value, dp_value = first(tags, "DB"), first(tags, "DP")
    db, dp = canonical_database(db_value), canonical_database(dp_value)
    for guess, value in ((db, db_value), (dp, dp_value)):
        if guess and guess != value:  # a recognised name (EBSCO writes codes such as "psyh" in DB)
            return guess
    if db or dp:
        return db or dp
    if any("Export Date:" in v for v in tags.get("N1", ())):
        return "Scopus"
    if any(v.startswith("CN-") for v in all_values(tags, "ID", "AN", "U1", "M1")):
        return "Cochrane Library"  # CENTRAL accession numbers (CN-01234567)
    return database_from_urls(all_values(tags, "UR", "L1", "L2", "LK"))


def ris_fields(tags: dict[str, list[str]], *, line: int | None = None) -> dict:
    """Normalised record fields from one RIS record's verbatim tags."""
    database = _ris_database(tags)
    start, end = first(tags, "SP"), first(tags, "EP")
    pages = start if start and "-" in start and not end else join_pages(start, end)
    authors = all_values(tags, "AU") or all_values(tags, "A1")
    return {
        "title": first(tags, "TI", "T1", "CT"),
        "abstract": first(tags, "AB", "N2"),
        "authors": tuple(authors),
        "year": parse_year(first(tags, "PY", "Y1", "DA", "Y2")),
        "journal": first(tags, "JF", "T2", "JO", "JA", "J2", "J1"),
        "volume": first(tags, "VL", "VO"),
        "issue": first(tags, "IS", "CN") if first(tags, "IS") else None,
        "pages": pages,
        "doi": _ris_doi(tags),
        "pmid": _ris_pmid(tags, database),
        "language": first(tags, "LA"),
        "keywords": tuple(all_values(tags, "KW")),
        "publication_type": first(tags, "TY"),
        "source_database": database,
        "raw": dict(tags),
    }
