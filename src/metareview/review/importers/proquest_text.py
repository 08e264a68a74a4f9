"""ProQuest plain-text export ("Document N of M" layout).

The file opens with a report header and a table of contents; each record starts with
``Document N of M``, then the title on its own line, then ``Label: value`` lines
(``Author:``, ``Abstract:``, ``Publication year:`` ...), and ends at a line of underscores.
A trailing "Bibliography" section (the same records again as a citation style) is not
imported; a warning gives its line. No maintained Python parser reads this layout.

Inside an abstract, a line is taken as a new field only when its label is one ProQuest
uses (:data:`KNOWN_LABELS`), so abstract paragraphs such as ``Methods: ...`` stay in the
abstract. An unlabelled URL line is kept under raw key ``URL``.
"""

from __future__ import annotations

import re
from collections import defaultdict

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, all_values, first, parse_year, split_lines

__all__ = ["KNOWN_LABELS", "looks_like_proquest_text", "parse_proquest_text"]

_START = re.compile(r"^Document (\d+) of (\d+)\s*$")
_RULE = re.compile(r"^_{20,}\s*$")
_LABEL = re.compile(r"^([A-Z][A-Za-z/ ()\-,.'&]{0,50}?): (.*)$")
_URL = re.compile(r"^https?://\S+$")

KNOWN_LABELS = frozenset(
    {
        "Abstract", "Accession number", "Advisor", "Author", "Author affiliation",
        "Author e-mail address", "Classification", "Committee member", "Company / organization",
        "Copyright", "Country of publication", "Database", "Degree", "Degree date", "Department",
        "Dissertation/thesis number", "DOI", "Document feature", "Document type", "First page",
        "Identifier / keyword", "ISBN", "ISSN", "Issue", "Journal subset", "Language",
        "Last updated", "Links", "Location", "MeSH subject", "Number of pages", "Pages",
        "Place of publication", "ProQuest document ID", "Publication date", "Publication title",
        "Publication year", "Publisher", "PubMed ID", "School code", "Source", "Source type",
        "Subject", "Title", "University location", "University/institution", "Volume",
    }
)  # fmt: skip


def looks_like_proquest_text(text: str) -> bool:
    """True for text with a ProQuest report header or ``Document 1 of`` records."""
    head = text[:20000]
    return ("ProQuest" in head or "Document 1 of " in head) and bool(
        re.search(r"^Document 1 of \d+\s*$", text, re.MULTILINE)
    )


def parse_proquest_text(text: str, *, file: str) -> Parsed:
    """Parse a ProQuest plain-text export."""
    lines = split_lines(text)
    records: list[tuple[int, dict[str, list[str]]]] = []
    current: dict[str, list[str]] | None = None
    label: str | None = None
    expect_title = False
    trailer: int | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if m := _START.match(stripped):
            current = defaultdict(list)
            records.append((number, current))
            label, expect_title = None, True
            trailer = None
            continue
        if current is None:
            continue  # report header and table of contents
        if _RULE.match(stripped):
            current, label = None, None
            trailer = number
            continue
        if not stripped:
            continue
        if expect_title:
            current["Document title"].append(stripped)
            expect_title = False
            continue
        lm = _LABEL.match(stripped)
        if lm and (lm.group(1) in KNOWN_LABELS or label != "Abstract"):
            label = lm.group(1)
            current[label].append(lm.group(2).strip())
        elif _URL.match(stripped) and label != "Abstract":
            current["URL"].append(stripped)
        elif label is not None:
            current[label][-1] = f"{current[label][-1]}\n{stripped}"
        else:
            current["Document title"][-1] += f" {stripped}"
    if not records:
        raise ImportFormatError(
            "no ProQuest record found", file=file, line=1, hint="expected 'Document 1 of N' lines"
        )
    if current is not None:
        raise ImportFormatError(
            f"the record that starts at line {records[-1][0]} does not end with a line of"
            " underscores: the file looks truncated",
            file=file,
            line=len(lines),
        )
    declared = {int(_START.match(lines[n - 1].strip()).group(2)) for n, _ in records}  # type: ignore[union-attr]
    out = Parsed()
    if declared != {len(records)}:
        raise ImportFormatError(
            f"the file announces {sorted(declared)} documents but holds {len(records)}",
            file=file,
            line=records[-1][0],
            hint="the export looks cut; export it again",
        )
    for _, tags in records:
        authors = [a.strip() for v in all_values(tags, "Author") for a in v.split(";") if a.strip()]
        keywords = [k.strip() for v in all_values(tags, "Identifier / keyword") for k in v.split(",")]
        out.records.append(
            {
                "title": first(tags, "Title", "Document title"),
                "abstract": first(tags, "Abstract"),
                "authors": tuple(authors),
                "year": parse_year(first(tags, "Publication year", "Degree date", "Publication date")),
                "journal": first(tags, "Publication title"),
                "volume": first(tags, "Volume"),
                "issue": first(tags, "Issue"),
                "pages": first(tags, "Pages"),
                "doi": first(tags, "DOI"),
                "pmid": first(tags, "PubMed ID"),
                "language": first(tags, "Language"),
                "keywords": tuple(k for k in keywords if k),
                "publication_type": first(tags, "Document type"),
                "source_database": first(tags, "Database") or "ProQuest",
                "raw": dict(tags),
            }
        )
    if trailer is not None and trailer < len(lines):
        rest = [n for n in range(trailer + 1, len(lines) + 1) if lines[n - 1].strip()]
        if rest:
            out.warnings.append(
                f"{file}: lines {rest[0]}-{rest[-1]} after the last record (bibliography,"
                " footer) were not imported"
            )
    return out
