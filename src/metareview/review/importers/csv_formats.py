"""CSV and TSV exports: Scopus, Embase, Zotero, IEEE Xplore, SpringerLink and any table.

Read with the standard :mod:`csv` module in strict mode, so an unclosed quote or a row
with more cells than the header is refused with its line number (pandas would need
``on_bad_lines`` callbacks to report the same). Each known export has a column map below
(column names as the databases write them in the corpus files); :func:`read_csv_records`
reads any other table given a ``mapping`` from :class:`~metareview.review.records.Record`
field to column, and otherwise recognises common column names (``title``, ``abstract``,
``authors`` ..., or RIS tags ``TI``, ``AB``, ``AU`` ...).

Normalisations beyond the column map, all visible in ``raw``:

* Scopus writes ``[No abstract available]`` for a missing abstract; it becomes ``None``.
* Scopus adds a "Funding Text 2" cell to rows that need it without a header column; such
  rows are aligned (column ``Funding Text 2`` ...) and checked to end with their EID.
* Scopus "Author full names" (``Hao, Jie (57221302630)``) lose the Scopus author id.
* Embase puts journal, year, volume, issue and pages in one ``Source`` cell
  (``Cancer (2004) 102:4 (253-258). Date of Publication: ...``) and the DOI only inside the
  ``Open URL Link``; both are parsed.
* SpringerLink concatenates author names without a separator
  (``Vivek K. PallipuramMohammad Bhuiyan``); they are split before an upper-case letter that
  follows a lower-case one, which can split a name such as ``McDonald``; a warning says so.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from os import PathLike
from urllib.parse import unquote

from metareview.errors import ImportFormatError
from metareview.review.importers._common import (
    Parsed,
    join_pages,
    parse_year,
    split_keywords,
    split_lines,
)
from metareview.review.importers._database import canonical_database

__all__ = ["CSV_FORMATS", "csv_format_of_header", "parse_csv_format", "read_csv_records"]

RECORD_FIELDS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "language",
    "keywords",
    "publication_type",
)

# Names recognised (case-insensitively) in a generic table, per Record field.
_GENERIC = {
    "title": ("title", "ti", "t1", "article title", "document title", "item title"),
    "abstract": ("abstract", "ab", "n2", "abstract note"),
    "authors": ("authors", "author", "au", "a1", "author names", "author full names"),
    "year": ("year", "py", "publication year", "pubyear", "y1", "date", "da"),
    "journal": ("journal", "source title", "jo", "t2", "jf", "publication title", "source", "so"),
    "volume": ("volume", "vl"),
    "issue": ("issue", "is", "number"),
    "pages": ("pages", "pg", "sp", "page"),
    "doi": ("doi", "do", "di", "item doi"),
    "pmid": ("pmid", "pubmed id", "pm"),
    "language": ("language", "la"),
    "keywords": ("keywords", "kw", "author keywords", "de"),
    "publication_type": ("type", "ty", "document type", "publication type", "item type"),
}


def _col(*names: str) -> tuple[str, ...]:
    return names


# format -> (columns identifying it, field -> candidate columns, database)
CSV_FORMATS: dict[str, tuple[frozenset[str], dict[str, tuple[str, ...]], str | None]] = {
    "scopus_csv": (
        frozenset({"Authors", "Title", "Source title", "EID"}),
        {
            "title": _col("Title"),
            "abstract": _col("Abstract"),
            "authors": _col("Author full names", "Authors"),
            "year": _col("Year"),
            "journal": _col("Source title"),
            "volume": _col("Volume"),
            "issue": _col("Issue"),
            "doi": _col("DOI"),
            "pmid": _col("PubMed ID"),
            "language": _col("Language of Original Document"),
            "keywords": _col("Author Keywords", "Index Keywords"),
            "publication_type": _col("Document Type"),
        },
        "Scopus",
    ),
    "embase_csv": (
        frozenset({"Title", "Author Names", "Source", "Emtree Medical Index Terms"}),
        {
            "title": _col("Title"),
            "abstract": _col("Abstract"),
            "authors": _col("Author Names"),
            "keywords": _col("keywords"),
        },
        "Embase",
    ),
    "zotero_csv": (
        frozenset({"Key", "Item Type", "Publication Year", "Author", "Title"}),
        {
            "title": _col("Title"),
            "abstract": _col("Abstract Note"),
            "authors": _col("Author"),
            "year": _col("Publication Year", "Date"),
            "journal": _col("Publication Title"),
            "volume": _col("Volume"),
            "issue": _col("Issue"),
            "pages": _col("Pages"),
            "doi": _col("DOI"),
            "language": _col("Language"),
            "keywords": _col("Manual Tags", "Automatic Tags"),
            "publication_type": _col("Item Type"),
        },
        None,
    ),
    "ieee_csv": (
        frozenset({"Document Title", "Authors", "Publication Title", "Publication Year"}),
        {
            "title": _col("Document Title"),
            "abstract": _col("Abstract"),
            "authors": _col("Authors"),
            "year": _col("Publication Year"),
            "journal": _col("Publication Title"),
            "volume": _col("Volume"),
            "issue": _col("Issue"),
            "doi": _col("DOI"),
            "keywords": _col("Author Keywords", "IEEE Terms"),
            "publication_type": _col("Document Identifier"),
        },
        "IEEE Xplore",
    ),
    "springer_csv": (
        frozenset({"Item Title", "Publication Title", "Item DOI", "Authors"}),
        {
            "title": _col("Item Title"),
            "authors": _col("Authors"),
            "year": _col("Publication Year"),
            "journal": _col("Publication Title"),
            "volume": _col("Journal Volume"),
            "issue": _col("Journal Issue"),
            "doi": _col("Item DOI"),
            "publication_type": _col("Content Type"),
        },
        "SpringerLink",
    ),
}


def looks_like_record_table(header: list[str]) -> bool:
    """True when *header* names a column :func:`read_csv_records` recognises (title, DOI ...)."""
    known = {n for names in _GENERIC.values() for n in names}
    return any(h.strip().lower() in known for h in header)


def csv_format_of_header(header: list[str], delimiter: str) -> str:
    """The CSV format name whose identifying columns are all in *header*."""
    names = {h.strip() for h in header}
    for name, (needed, _, _) in CSV_FORMATS.items():
        if needed <= names:
            return name
    return "tsv" if delimiter == "\t" else "csv"


def _scopus_widen(header: list[str], rows: list[tuple[int, list[str]]], *, file: str) -> list[str]:
    """Scopus writes a second (third ...) "Funding Text" cell in rows that have one without
    adding it to the header; give those cells the columns "Funding Text 2" ... and check
    that every row then ends with its EID."""
    width = max(len(cells) for _, cells in rows)
    if width <= len(header) or "Funding Text 1" not in header or header[-1] != "EID":
        return header
    at = header.index("Funding Text 1") + 1
    extra = [f"Funding Text {k}" for k in range(2, 2 + width - len(header))]
    for number, (line, cells) in enumerate(rows, start=1):
        if len(cells) < width:
            cells[at:at] = [""] * (width - len(cells))
        if not cells[-1].strip().startswith("2-s2.0-"):
            raise ImportFormatError(
                "this row does not end with a Scopus EID (2-s2.0-...) after aligning its"
                " extra Funding Text cells",
                file=file,
                line=line,
                row=number,
                column="EID",
            )
    return header[:at] + extra + header[at:]


def _read_table(
    text: str, *, file: str, delimiter: str, scopus: bool = False
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) rows; strict about quotes and cell counts."""
    lines = split_lines(text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ImportFormatError("the file is empty", file=file, line=1)
    reader = csv.reader((line + "\n" for line in lines), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    start = 1
    try:
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if header is None:
                header = [c.strip().lstrip("\ufeff") for c in cells]
                continue
            if not any(c.strip() for c in cells):
                continue
            rows.append((line, cells))
    except csv.Error as exc:
        raise ImportFormatError(
            f"the table cannot be read: {exc}",
            file=file,
            line=start,
            hint="a quoted cell is not closed or has text after its closing quote",
        ) from None
    if header is None or not any(header):
        raise ImportFormatError("no header row", file=file, line=1)
    if len(set(h for h in header if h)) != len([h for h in header if h]):
        seen: set[str] = set()
        dup = next(h for h in header if h and (h in seen or seen.add(h)))  # type: ignore[func-returns-value]
        raise ImportFormatError(
            f"the header names column {dup!r} twice", file=file, line=1, column=dup
        )
    if scopus and rows:
        header = _scopus_widen(header, rows, file=file)
    for number, (line, cells) in enumerate(rows, start=1):
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise ImportFormatError(
                f"this row has {len(cells)} cells but the header has {len(header)} columns",
                file=file,
                line=line,
                row=number,
                hint="a cell with the delimiter inside must be quoted",
            )
    return header, rows


def _split_authors(value: str, fmt: str) -> list[str]:
    value = value.strip()
    if not value:
        return []
    if re.search(r"\(\d{6,}\)", value):  # Scopus "Author full names"
        return [re.sub(r"\s*\(\d+\)\s*$", "", a).strip() for a in value.split(";") if a.strip()]
    if fmt == "springer_csv":
        return [a for a in re.split(r"(?<=[a-z\u00df-\u024f.’'])(?<!\bMc)(?<!\bMac)(?=[A-Z])", value) if a]
    if " and " in value and ";" not in value:
        return [a.strip() for a in value.split(" and ") if a.strip()]
    if ";" in value:
        return [a.strip() for a in value.split(";") if a.strip()]
    if fmt in ("scopus_csv", "embase_csv"):  # "Liu R., Adler D.G."
        return [a.strip() for a in value.split(",") if a.strip()]
    return [value]


_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.*?)\s*\((?P<year>\d{4})\)\s*(?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?"
    r"\s*(?:\((?P<pages>[^)]*)\))?"
)
_EMBASE_DOI = re.compile(r"doi:(10\.[^&\s]+)")
_TOP_LEVEL_COMMA = re.compile(r",\s*(?![^()]*\))")
_EXTRA_PMID = re.compile(r"\bPMID:\s*(\d{1,9})")


def _fields(row: dict[str, str], fmt: str, columns: Mapping[str, tuple[str, ...]], database: str | None) -> dict:
    def get(field: str) -> str | None:
        for column in columns.get(field, ()):
            value = row.get(column, "").strip()
            if value:
                return value
        return None

    def get_all(field: str) -> list[str]:
        return [row[c] for c in columns.get(field, ()) if row.get(c, "").strip()]

    authors_cell = get("authors")
    if fmt == "embase_csv":  # "term, term (diagnosis, surgery), term": commas outside brackets
        keywords = tuple(
            k.strip() for v in get_all("keywords") for k in _TOP_LEVEL_COMMA.split(v) if k.strip()
        )
    else:
        keywords = split_keywords(get_all("keywords"), ";")
    if fmt == "generic" and any("," in k for k in get_all("keywords")) and not any(";" in k for k in get_all("keywords")):
        keywords = split_keywords(get_all("keywords"), ",")
    out = {
        "title": get("title"),
        "abstract": get("abstract"),
        "authors": tuple(_split_authors(authors_cell or "", fmt)),
        "year": parse_year(get("year")),
        "journal": get("journal"),
        "volume": get("volume"),
        "issue": get("issue"),
        "pages": get("pages"),
        "doi": get("doi"),
        "pmid": get("pmid"),
        "language": get("language"),
        "keywords": keywords,
        "publication_type": get("publication_type"),
        "source_database": database,
        "raw": {k: (v,) for k, v in row.items() if v != ""},
    }
    if fmt == "scopus_csv":
        if out["abstract"] == "[No abstract available]":
            out["abstract"] = None
        out["pages"] = join_pages(row.get("Page start"), row.get("Page end")) or (
            row.get("Art. No.", "").strip() or None
        )
    elif fmt == "ieee_csv":
        out["pages"] = join_pages(row.get("Start Page"), row.get("End Page"))
    elif fmt == "embase_csv":
        m = _EMBASE_SOURCE.match(row.get("Source", ""))
        if m:
            out.update(
                journal=m.group("journal") or None,
                year=int(m.group("year")),
                volume=m.group("volume"),
                issue=m.group("issue"),
                pages=m.group("pages"),
            )
        d = _EMBASE_DOI.search(row.get("Open URL Link", ""))
        out["doi"] = unquote(d.group(1)) if d else None
    elif fmt == "zotero_csv":
        m = _EXTRA_PMID.search(row.get("Extra", ""))
        out["pmid"] = m.group(1) if m else None
        out["source_database"] = canonical_database(row.get("Library Catalog"))
    elif fmt == "generic" and not out["pages"]:
        out["pages"] = join_pages(row.get("SP") or row.get("sp"), row.get("EP") or row.get("ep"))
    if out["pmid"] and not out["pmid"].isdigit():
        out["pmid"] = None
    return out


def _generic_columns(header: list[str], mapping: Mapping[str, str] | None, *, file: str) -> dict[str, tuple[str, ...]]:
    if mapping is not None:
        unknown = [f for f in mapping if f not in RECORD_FIELDS]
        if unknown:
            raise ImportFormatError(
                f"mapping names unknown record field {unknown[0]!r}",
                file=file,
                hint=f"fields are: {', '.join(RECORD_FIELDS)}",
            )
        missing = [c for c in mapping.values() if c not in header]
        if missing:
            raise ImportFormatError(
                f"mapping names column {missing[0]!r}, which the file does not have",
                file=file,
                line=1,
                column=missing[0],
                hint=f"the columns are: {', '.join(header)}",
            )
        return {field: (column,) for field, column in mapping.items()}
    lower = {h.lower(): h for h in header}
    columns = {
        field: tuple(lower[n] for n in names if n in lower) for field, names in _GENERIC.items()
    }
    if not columns["title"]:
        raise ImportFormatError(
            "no title column recognised",
            file=file,
            line=1,
            hint="pass mapping={'title': <column>, ...}; the columns are: " + ", ".join(header),
        )
    return columns


def parse_csv_format(
    text: str, *, file: str, fmt: str, mapping: Mapping[str, str] | None = None
) -> Parsed:
    """Parse a CSV/TSV export of format *fmt* (a key of :data:`CSV_FORMATS`, ``csv`` or ``tsv``)."""
    delimiter = "\t" if fmt == "tsv" else ","
    header, rows = _read_table(
        text, file=file, delimiter=delimiter, scopus=fmt == "scopus_csv" and mapping is None
    )
    if fmt in CSV_FORMATS and mapping is None:
        needed, columns, database = CSV_FORMATS[fmt]
        absent = sorted(needed - set(header))
        if absent:
            raise ImportFormatError(
                f"not a {fmt} file: column {absent[0]!r} is missing",
                file=file,
                line=1,
                column=absent[0],
                hint=f"the columns are: {', '.join(header)}",
            )
        kind = fmt
    else:
        columns = _generic_columns(header, mapping, file=file)
        database, kind = None, "generic"
    out = Parsed()
    for _, cells in rows:
        row = dict(zip(header, (c.strip() for c in cells)))
        out.records.append(_fields(row, kind, columns, database))
    if not rows:
        out.warnings.append(f"{file}: the table has a header but no record rows")
    if fmt == "springer_csv":
        out.warnings.append(
            f"{file}: SpringerLink writes author names without a separator; they were split"
            " before each capital that follows a lower-case letter (check names like McDonald)"
        )
    return out


def read_csv_records(
    path: str | PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
):
    """Read any CSV/TSV table of records.

    Parameters
    ----------
    path : path-like
    mapping : mapping of str to str, optional
        Record field (``title``, ``abstract``, ``authors``, ``year``, ``journal``, ``volume``,
        ``issue``, ``pages``, ``doi``, ``pmid``, ``language``, ``keywords``,
        ``publication_type``) to column name. Without it a known export (Scopus, Embase,
        Zotero, IEEE, Springer) is recognised by its header, and any other table by common
        column names.
    encoding : str, optional
        Detected when not given.
    delimiter : {",", "\\t"}, optional
        Detected from the header line when not given.

    Returns
    -------
    ImportResult
    """
    from pathlib import Path

    from metareview.review.importers import _result_from_parsed
    from metareview.review.importers._common import decode

    p = Path(path)
    text, used = decode(p.read_bytes(), file=str(p), encoding=encoding)
    first_line = split_lines(text)[0] if text else ""
    if delimiter is None:
        delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    header = next(csv.reader([first_line], delimiter=delimiter), [])
    fmt = "tsv" if delimiter == "\t" else "csv"
    if mapping is None:
        fmt = csv_format_of_header(header, delimiter)
    parsed = parse_csv_format(text, file=str(p), fmt=fmt, mapping=mapping)
    return _result_from_parsed(parsed, file=str(p), fmt=fmt, encoding=used, database=None)
