"""Web of Science exports: tagged plain text (``.txt``/``.ciw``/``.isi``) and tab-delimited.

Plain text: ``FN``/``VR`` header, records from ``PT`` to ``ER``, ``EF`` at the end; a tag is
two characters and a space; continuation lines start with three spaces (Clarivate, "Web
of Science Core Collection field tags",
https://webofscience.help.clarivate.com/en-us/Content/export-records.htm). Tag parsing is
done by :class:`rispy.WokParser` with every tag kept verbatim; the record structure is
checked here first because rispy drops an unfinished last record silently. For tags that
list one item per line (``AU``, ``AF``, ``CR``, ``C1`` ...) each continuation line is a
new value; for the others (``TI``, ``AB``, ``SO`` ...) wrapped lines are joined with a space.

Two damaged variants seen in real files are read: a tag glued to its value (``AUGilles, H``,
accepted for known tags only) and continuation lines that lost their indentation.

Tab-delimited: a header row of the same two-letter tags, one record per row, no quoting;
read with :mod:`csv` (``QUOTE_NONE``); list fields hold ``"; "``-separated items (raw keeps
the cell as written, authors are split). The Windows export is UTF-16LE with a byte-order mark.
"""

from __future__ import annotations

import csv
import re

import rispy

from metareview.errors import ImportFormatError
from metareview.review.importers._common import (
    Parsed,
    all_values,
    first,
    join_pages,
    parse_year,
    split_keywords,
    split_lines,
)

__all__ = ["looks_like_wos", "parse_wos_plaintext", "parse_wos_tab", "wos_fields"]

_LINE_TAGS = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "CR", "C1", "C3"})
_HEADER_TAGS = frozenset({"FN", "VR", "EF"})
_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*)|$)")
_GLUED = re.compile(r"^([A-Z][A-Z0-9])(\S.*)$")
# field tags of Web of Science and the databases on its platform (Clarivate field tag list)
_KNOWN = frozenset(
    "FN VR PT AU AF BA BF CA GP BE TI SO SE BS LA DT CT CY CL SP HO DE ID AB C1 C3 RP EM RI OI "
    "FU FP FX CR NR TC Z9 U1 U2 PU PI PA SN EI BN J9 JI PD PY VL IS PN SU SI MA BP EP AR DI D2 "
    "EA PG WC WE SC GA UT PM OA HC HP DA ER EF".split()
)

# UT accession prefixes of databases hosted on the Web of Science platform
_UT_DATABASES = {
    "WOS": "Web of Science",
    "ISI": "Web of Science",
    "MEDLINE": "MEDLINE",
    "ZOOREC": "Zoological Record",
    "INSPEC": "INSPEC",
    "BCI": "BIOSIS",
    "BIOSIS": "BIOSIS",
    "CABI": "CAB Abstracts",
    "FSTA": "FSTA",
    "DIIDW": "Derwent Innovations Index",
    "SCIELO": "SciELO",
    "KJD": "KCI",
    "RSCI": "Russian Science Citation Index",
    "CSCD": "Chinese Science Citation Database",
}


class _VerbatimWokParser(rispy.WokParser):
    def _add_tag(self, record, tag, content, extend_multiline=False):  # type: ignore[override]
        if not extend_multiline:
            record.setdefault(tag, []).append(content)
        elif tag in _LINE_TAGS:
            record[tag].append(content)
        else:
            record[tag][-1] = f"{record[tag][-1]} {content}".strip()


class _Identity(dict):
    def __missing__(self, key):
        return key


class _Everything:
    def __contains__(self, item: object) -> bool:
        return True


def looks_like_wos(lines: list[str]) -> str | None:
    """``"wos_plaintext"``, ``"wos_tab"`` or ``None``."""
    for line in lines[:20]:
        if not line.strip():
            continue
        if line.startswith(("FN ", "VR ")) or re.match(r"^PT [A-Z]\s*$", line):
            return "wos_plaintext"
        if line.startswith("PT\tAU\t") or line.startswith("PT\t"):
            return "wos_tab"
        return None
    return None


def parse_wos_plaintext(text: str, *, file: str) -> Parsed:
    """Parse Web of Science tagged plain text."""
    lines = split_lines(text)
    keep: list[str] = []
    starts: list[int] = []
    inside = False
    last_tag_line = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        m = _TAG.match(line)
        tag = m.group(1) if m else None
        if tag is None and (g := _GLUED.match(line)) and g.group(1) in _KNOWN:
            tag, line = g.group(1), f"{g.group(1)} {g.group(2)}"  # "AUGilles, H": no space
        if not inside:
            if tag == "PT":
                inside = True
                starts.append(number)
                keep.append(line)
            elif tag in _HEADER_TAGS:
                continue
            else:
                raise ImportFormatError(
                    f"expected a record to start with 'PT ', found {line[:40]!r}",
                    file=file,
                    line=number,
                    hint="Web of Science records run from a 'PT' line to an 'ER' line",
                )
        else:
            if tag == "ER":
                inside = False
                keep.append("ER")
            elif tag == "PT":
                raise ImportFormatError(
                    f"a new record starts before the record of line {starts[-1]} ended",
                    file=file,
                    line=number,
                    hint="each record must end with an 'ER' line",
                )
            elif tag is None and not line.startswith("  "):
                keep.append("   " + line)  # a continuation line that lost its indent
                last_tag_line = number
            else:
                keep.append(line)
                last_tag_line = number
    if inside:
        raise ImportFormatError(
            f"the file ends inside the record that starts at line {starts[-1]}"
            " (no 'ER' line): it looks truncated",
            file=file,
            line=last_tag_line or len(lines),
            hint="export the records again",
        )
    if not starts:
        raise ImportFormatError(
            "no Web of Science record found", file=file, line=1, hint="expected 'PT ' lines"
        )
    parser = _VerbatimWokParser(mapping=_Identity(), list_tags=_Everything())
    parsed = parser.parse("\n".join(keep))
    if len(parsed) != len(starts):  # pragma: no cover
        raise ImportFormatError(f"rispy read {len(parsed)} of {len(starts)} records", file=file)
    out = Parsed()
    for tags in parsed:
        out.records.append(wos_fields(tags))
    return out


def parse_wos_tab(text: str, *, file: str) -> Parsed:
    """Parse a Web of Science tab-delimited export (header row of field tags)."""
    lines = split_lines(text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ImportFormatError("the file is empty", file=file, line=1)
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [h.strip() for h in next(reader)]
    while header and not header[-1]:
        header.pop()
    if not header or header[0] != "PT":
        raise ImportFormatError(
            "expected a header row of field tags starting with 'PT'",
            file=file,
            line=1,
            hint="save the records from Web of Science as 'Tab delimited file'",
        )
    out = Parsed()
    for row_number, row in enumerate(reader, start=1):
        if not any(cell.strip() for cell in row):
            continue
        extra = [c for c in row[len(header) :] if c.strip()]
        if extra:
            raise ImportFormatError(
                f"row {row_number} has {len(row)} cells but the header has {len(header)}",
                file=file,
                line=row_number + 1,
                hint="a value contains a tab, or the file was edited",
            )
        tags: dict[str, list[str]] = {}
        for tag, cell in zip(header, row):
            cell = cell.strip()
            if not cell:
                continue
            tags[tag] = [cell]  # verbatim; list fields are split in wos_fields
        out.records.append(wos_fields(tags))
    if not out.records:
        raise ImportFormatError("no record rows after the header", file=file, line=2)
    return out


def wos_fields(tags: dict[str, list[str]]) -> dict:
    """Normalised record fields from one Web of Science record's tags."""
    ut = first(tags, "UT") or ""
    prefix = ut.split(":", 1)[0].strip().upper() if ":" in ut else "WOS"
    pmid = first(tags, "PM")
    return {
        "title": first(tags, "TI"),
        "abstract": first(tags, "AB"),
        "authors": tuple(
            a.strip()
            for v in (all_values(tags, "AF") or all_values(tags, "AU"))
            for a in v.split("; ")
            if a.strip()
        ),
        "year": parse_year(first(tags, "PY", "EA", "PD")),
        "journal": first(tags, "SO", "SE", "BS"),
        "volume": first(tags, "VL"),
        "issue": first(tags, "IS"),
        "pages": join_pages(first(tags, "BP"), first(tags, "EP")) or first(tags, "AR"),
        "doi": first(tags, "DI", "D2"),
        "pmid": pmid if pmid and pmid.isdigit() else None,
        "language": first(tags, "LA"),
        "keywords": split_keywords(all_values(tags, "DE", "ID")),
        "publication_type": first(tags, "DT", "PT"),
        "source_database": _UT_DATABASES.get(prefix, "Web of Science"),
        "raw": tags,
    }
