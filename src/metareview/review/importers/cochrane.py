"""Cochrane Library plain-text export ("Record #1 of N" layout): CENTRAL trials and CDSR reviews.

The Cochrane Library (Wiley) exports a selection of records, from CENTRAL (the Cochrane
Central Register of Controlled Trials) or from the Cochrane Database of Systematic Reviews
(CDSR), as plain text. Each record opens with a line ``Record #n of N``; then come
``TAG: value`` lines, one field each, in this order (tags absent from a record are left out)::

    Record #1 of 25
    ID: CN-01234567              CENTRAL accession number (CDSR: the review number, CD009275)
    AU: Smith J; Jones K         authors, one or several per line separated by ";"
    TI: ...                      title
    SO: ...                      source (journal; for CDSR "Cochrane Database of Systematic Reviews")
    YR: 2019                     year
    VL: 12 / NO: 3 / PG: 45-52   volume, issue (CDSR: the issue of the Library), pages
    PM: PUBMED 31234567          PubMed ID
    XR: EMBASE 2001234567        cross-references to other databases
    PT: Journal: Article         publication type
    KY: Adult; Female; ...       index terms (MeSH), ";"-separated
    DOI: 10.1002/...             DOI
    AB: ...                      abstract
    US: https://...              URL of the record
    CC / PB / SN                 review group, publisher, ISSN (CDSR)

Records end with blank lines; the Library splits a large export into parts of 200 records
that a user may have concatenated, so a byte-order mark can open any ``Record #`` line and
record numbers go on across parts. Line endings are CRLF, LF or bare CR (exports of 2017
use CR). This layout has no published specification: the tags above were read from real
exports (see ``tests/fixtures/exports/SOURCES.md``). The Cochrane Library's *RIS* export
(``Record #1 of N`` followed by ``Provider:`` and ``TY  -`` lines) is read by the RIS
reader, not by this module.

CENTRAL is the register that Cochrane reviews must search for trials: Lefebvre C, Glanville
J, Briscoe S, et al. Searching for and selecting studies. In: Higgins JPT, Thomas J, et al.
(eds.), *Cochrane Handbook for Systematic Reviews of Interventions*, 2nd ed., Wiley, 2019,
chapter 4, https://doi.org/10.1002/9781119536604.ch4.

Reading rules:

* a line starts a new field when its tag is one of :data:`KNOWN_TAGS`; any other line
  continues the field above (so abstract paragraphs such as ``AIMS: ...`` stay in the
  abstract); outside an abstract, a line shaped like ``XX: value`` with a tag not listed is
  kept as a field of its own under that tag and named in a warning;
* authors are split on ``;``; ``PM: PUBMED 1234567`` gives the PubMed ID ``1234567``;
* the record numbers must run 1, 2, 3 ... and not pass N; a record must have an ``ID:``;
  when every other record ends with its ``US:`` line and the last one does not, the file
  was cut inside that record: all are refused with :class:`~metareview.errors.ImportFormatError`;
* a file that ends cleanly after fewer records than "of N" announces (an excerpt, or an
  export cut between two records) is read, and a warning says how many records are missing.

Examples
--------
>>> text = "Record #1 of 1\\nID: CN-00000001\\nAU: Smith J; Jones K\\nTI: A trial\\nPM: PUBMED 123\\n"
>>> parsed = parse_cochrane_text(text, file="x.txt")
>>> parsed.records[0]["authors"], parsed.records[0]["pmid"]
(('Smith J', 'Jones K'), '123')
"""

from __future__ import annotations

import re
from collections import defaultdict

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, all_values, first, parse_year, split_lines

__all__ = ["KNOWN_TAGS", "looks_like_cochrane_text", "parse_cochrane_text"]

_START = re.compile(r"^Record #(\d+) of (\d+)\s*$")
_FIELD = re.compile(r"^([A-Z][A-Z0-9]{1,3}):(?: (.*)|\s*)$")
_PUBMED = re.compile(r"^(?:PUBMED|PMID)?\s*:?\s*(\d{1,9})$", re.IGNORECASE)
_XR_PUBMED = re.compile(r"\bPUBMED\s+(\d{1,9})\b", re.IGNORECASE)

#: Tags of the Cochrane Library text export (CENTRAL and CDSR).
KNOWN_TAGS = frozenset(
    {"ID", "AU", "TI", "SO", "YR", "VL", "NO", "PG", "PM", "XR", "PT", "KY", "DOI", "AB", "US",
     "CC", "PB", "SN", "EM", "LA"}
)  # fmt: skip

_DATABASE = "Cochrane Library"


def _clean(line: str) -> str:
    """A line without the byte-order mark a concatenated export part starts with."""
    return line.lstrip("\ufeff")


def looks_like_cochrane_text(lines: list[str]) -> bool:
    """True when the first non-blank line is ``Record #1 of N`` and the next is a Cochrane tag.

    >>> looks_like_cochrane_text(["Record #1 of 2", "ID: CN-00000001"])
    True
    >>> looks_like_cochrane_text(["Record #1 of 2", "Provider: John Wiley & Sons, Ltd."])
    False
    """
    seen: list[str] = []
    for line in lines[:50]:
        line = _clean(line).strip()
        if line:
            seen.append(line)
        if len(seen) == 2:
            break
    if len(seen) < 2 or not (m := _START.match(seen[0])) or m.group(1) != "1":
        return False
    fm = _FIELD.match(seen[1])
    return bool(fm and fm.group(1) in KNOWN_TAGS)


def _split_records(lines: list[str], file: str) -> tuple[list[tuple[int, int, dict]], list[str]]:
    """``[(line of 'Record #', number, {tag: [values]})]`` and the unknown-tag notes."""
    records: list[tuple[int, int, dict[str, list[str]]]] = []
    unknown: dict[str, int] = {}
    current: dict[str, list[str]] | None = None
    tag: str | None = None
    expected = 1
    declared = 0
    for number, raw_line in enumerate(lines, start=1):
        line = _clean(raw_line).rstrip()
        if not line.strip():
            continue
        if m := _START.match(line.strip()):
            n, of = int(m.group(1)), int(m.group(2))
            if n == 1:  # a new export (or a part of one) begins
                declared = of
            elif n != expected:
                raise ImportFormatError(
                    f"record numbers jump from #{expected - 1} to #{n}",
                    file=file,
                    line=number,
                    hint="records are missing between these two: export them again",
                )
            elif of != declared:
                raise ImportFormatError(
                    f"'Record #{n} of {of}' does not match the 'of {declared}' of the records before",
                    file=file,
                    line=number,
                )
            if n > of:
                raise ImportFormatError(
                    f"'Record #{n} of {of}': the record number is past the number announced",
                    file=file,
                    line=number,
                )
            current, tag = defaultdict(list), None
            records.append((number, n, current))
            expected = n + 1
            continue
        if current is None:
            raise ImportFormatError(
                f"expected a line 'Record #1 of N', found {line.strip()[:40]!r}",
                file=file,
                line=number,
                hint="a Cochrane Library plain-text export starts with 'Record #1 of N'",
            )
        fm = _FIELD.match(line)
        if fm and (fm.group(1) in KNOWN_TAGS or (tag is not None and tag != "AB")):
            tag = fm.group(1)
            current[tag].append((fm.group(2) or "").strip())
            if tag not in KNOWN_TAGS:
                unknown.setdefault(tag, number)
        elif tag is None:
            raise ImportFormatError(
                f"expected a field line such as 'ID: CN-01234567', found {line.strip()[:40]!r}",
                file=file,
                line=number,
                hint="if the record lines read 'Provider:' and 'TY  - ', the file is the"
                " Cochrane RIS export: read it with format='ris'",
            )
        else:
            values = current[tag]
            joiner = "\n" if tag == "AB" else " "
            values[-1] = f"{values[-1]}{joiner}{line.strip()}" if values[-1] else line.strip()
    notes = [f"{t} (first at line {n})" for t, n in unknown.items()]
    return records, notes


def _check(records: list[tuple[int, int, dict]], lines: list[str], file: str) -> list[str]:
    """Refuse records without ID and a last record cut short; warn about missing records."""
    warnings: list[str] = []
    if not records:
        raise ImportFormatError(
            "no Cochrane record found", file=file, line=1, hint="expected 'Record #1 of N'"
        )
    for start, n, tags in records:
        if not tags:
            raise ImportFormatError(f"record #{n} has no fields", file=file, line=start)
        if not first(tags, "ID"):
            raise ImportFormatError(
                f"record #{n} (line {start}) has no 'ID:' line",
                file=file,
                line=start,
                hint="every Cochrane record starts with its ID (CN-... or CD...):"
                " the file looks damaged",
            )
    start, n, tags = records[-1]
    if "US" not in tags and len(records) > 1 and all("US" in t for _, _, t in records[:-1]):
        raise ImportFormatError(
            f"record #{n}, which starts at line {start}, does not end with its 'US:' line as every"
            " other record does: the file looks truncated",
            file=file,
            line=max(i for i, line in enumerate(lines, start=1) if line.strip()),
            hint="export the records again",
        )
    # the last record of each export part ('Record #1' opens a part) against its "of N"
    ends = [i - 1 for i, (_, n_i, _) in enumerate(records) if n_i == 1 and i > 0]
    for i in [*ends, len(records) - 1]:
        start, n, _ = records[i]
        head = _START.match(_clean(lines[start - 1]).strip())
        declared = int(head.group(2))  # type: ignore[union-attr]
        if n < declared:
            warnings.append(
                f"{file}: the export announces {declared} records ('Record #{n} of {declared}'"
                f" at line {start}) but ends after record #{n}: {declared - n} records are not"
                " in the file"
            )
    return warnings


def _pmid(tags: dict[str, list[str]], file: str, start: int, warnings: list[str]) -> str | None:
    value = first(tags, "PM")
    if value is not None:
        if m := _PUBMED.match(value):
            return m.group(1)
        warnings.append(
            f"{file}: record at line {start}: 'PM: {value}' is not a PubMed ID;"
            " it is kept in raw only"
        )
        return None
    for xr in all_values(tags, "XR"):
        if m := _XR_PUBMED.search(xr):
            return m.group(1)
    return None


def parse_cochrane_text(text: str, *, file: str) -> Parsed:
    """Parse a Cochrane Library plain-text export (CENTRAL or CDSR).

    Parameters
    ----------
    text : str
        The decoded export.
    file : str
        Its name, for error messages.

    Returns
    -------
    Parsed
        One field dict per record, in file order; ``raw`` holds every tag's lines verbatim.

    Raises
    ------
    ImportFormatError
        Text before the first ``Record #1 of N``, a non-tag line opening a record, record
        numbers that jump, a record without ``ID:``, or a last record cut before its ``US:``.
    """
    lines = split_lines(text)
    records, unknown = _split_records(lines, file)
    out = Parsed()
    out.warnings.extend(_check(records, lines, file))
    if unknown:
        out.warnings.append(
            f"{file}: tags metareview does not know were kept in raw: {', '.join(unknown)}"
        )
    for start, _, tags in records:
        raw = dict(tags)
        authors = [a.strip() for v in all_values(raw, "AU") for a in v.split(";")]
        keywords = [k.strip() for v in all_values(raw, "KY") for k in v.split(";")]
        out.records.append(
            {
                "title": first(raw, "TI"),
                "abstract": first(raw, "AB"),
                "authors": tuple(a for a in authors if a),
                "year": parse_year(first(raw, "YR")),
                "journal": first(raw, "SO"),
                "volume": first(raw, "VL"),
                "issue": first(raw, "NO"),
                "pages": first(raw, "PG"),
                "doi": first(raw, "DOI"),
                "pmid": _pmid(raw, file, start, out.warnings),
                "language": first(raw, "LA"),
                "keywords": tuple(k for k in keywords if k),
                "publication_type": first(raw, "PT"),
                "source_database": _DATABASE,
                "raw": raw,
            }
        )
    return out
