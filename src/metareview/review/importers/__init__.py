"""Read bibliographic database exports into normalised :class:`~metareview.review.records.Record`s.

:func:`read_records` detects the format of a file from its content (:func:`detect_format`;
the extension is not trusted: ``.txt`` files hold RIS, MEDLINE, WoS, CNKI or BibTeX), decodes
it (UTF-8 with or without BOM, UTF-16 with BOM, GB18030; the encoding used is recorded),
and returns every record or raises :class:`~metareview.errors.ImportFormatError` naming the
file and line: nothing is half-imported. Text an importer leaves out on purpose (Ovid
search lines between records, a report header) is listed in ``ImportResult.warnings``.

Formats (the name is ``ImportResult.format``):

=====================  ==========================================================
``pubmed_medline``     PubMed MEDLINE / ``.nbib`` text
``pmc_medlars``        PubMed Central MEDLARS text
``pubmed_xml``         PubMed XML (``<PubmedArticleSet>``)
``ris``                RIS: Embase, Scopus, Ovid, EBSCO, ProQuest, Lens, Dimensions,
                       Web of Science, PubMed, EndNote/Zotero/Mendeley/Rayyan ...
``wos_plaintext``      Web of Science tagged plain text (``.txt``, ``.ciw``, ``.isi``)
``wos_tab``            Web of Science tab-delimited (UTF-8 or UTF-16)
``scopus_csv``         Scopus CSV
``embase_csv``         Embase CSV
``zotero_csv``         Zotero CSV
``ieee_csv``           IEEE Xplore CSV
``springer_csv``       SpringerLink CSV
``csv`` / ``tsv``      any other table (see :func:`read_csv_records`)
``endnote_xml``        EndNote XML (EndNote, Zotero, Mendeley, Bookends)
``bibtex``             BibTeX
``ovid_text``          Ovid plain text (``<1>`` records)
``proquest_text``      ProQuest plain text ("Document 1 of N")
``cnki_refworks``      CNKI RefWorks
``cnki_endnote``       CNKI EndNote / Refer (``%0``)
``cnki_noteexpress``   CNKI NoteExpress (``{Reference Type}:``)
``cochrane_text``      Cochrane Library plain text, CENTRAL or CDSR ("Record #1 of N")
=====================  ==========================================================

Examples
--------
>>> sorted(FORMATS)[:3]
['bibtex', 'cnki_endnote', 'cnki_noteexpress']
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from metareview.errors import ImportFormatError
from metareview.review.importers import (
    bibtex,
    cnki,
    cochrane,
    csv_formats,
    endnote_xml,
    ovid_text,
    proquest_text,
    pubmed_medline,
    pubmed_xml,
    ris,
    wos,
)
from metareview.review.importers._common import Parsed, build_record, decode, split_lines
from metareview.review.importers.csv_formats import read_csv_records
from metareview.review.records import Record

__all__ = [
    "FORMATS",
    "ImportResult",
    "detect_format",
    "read_csv_records",
    "read_many",
    "read_records",
]

Parser = Callable[..., Parsed]


def _csv(fmt: str) -> Parser:
    def parse(text: str, *, file: str) -> Parsed:
        return csv_formats.parse_csv_format(text, file=file, fmt=fmt)

    return parse


#: Format name -> parser ``(text, *, file) -> Parsed``.
FORMATS: dict[str, Parser] = {
    "pubmed_medline": pubmed_medline.parse_medline,
    "pmc_medlars": pubmed_medline.parse_pmc_medlars,
    "pubmed_xml": pubmed_xml.parse_pubmed_xml,
    "ris": ris.parse_ris,
    "wos_plaintext": wos.parse_wos_plaintext,
    "wos_tab": wos.parse_wos_tab,
    "scopus_csv": _csv("scopus_csv"),
    "embase_csv": _csv("embase_csv"),
    "zotero_csv": _csv("zotero_csv"),
    "ieee_csv": _csv("ieee_csv"),
    "springer_csv": _csv("springer_csv"),
    "csv": _csv("csv"),
    "tsv": _csv("tsv"),
    "endnote_xml": endnote_xml.parse_endnote_xml,
    "bibtex": bibtex.parse_bibtex,
    "ovid_text": ovid_text.parse_ovid_text,
    "proquest_text": proquest_text.parse_proquest_text,
    "cnki_refworks": cnki.parse_cnki_refworks,
    "cnki_endnote": cnki.parse_cnki_endnote,
    "cnki_noteexpress": cnki.parse_cnki_noteexpress,
    "cochrane_text": cochrane.parse_cochrane_text,
}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """The records read from one file.

    Attributes
    ----------
    file : str
    format : str
        A key of :data:`FORMATS`.
    encoding : str
        The Python codec that decoded the file (``utf-8``, ``utf-8-sig``, ``utf-16``, ``gb18030``).
    records : tuple of Record
    warnings : tuple of str
        Text in the file that was deliberately not imported, and heuristic steps taken.
    """

    file: str
    format: str
    encoding: str
    records: tuple[Record, ...]
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.records)

    def to_frame(self):  # -> pandas.DataFrame
        """The records as a table (columns of :func:`~metareview.review.records.records_to_frame`)."""
        from metareview.review.records import records_to_frame

        return records_to_frame(self.records)

    def summary(self):  # -> pandas.DataFrame
        """One row: ``file``, ``format``, ``encoding``, ``records``, ``warnings``."""
        import pandas as pd

        return pd.DataFrame(
            [[self.file, self.format, self.encoding, len(self.records), len(self.warnings)]],
            columns=["file", "format", "encoding", "records", "warnings"],
        )


def _unknown(file: str) -> ImportFormatError:
    return ImportFormatError(
        "the export format is not recognised",
        file=file,
        line=1,
        hint="supported formats: " + ", ".join(FORMATS) + "; force one with format=... (--format)",
    )


def detect_text_format(text: str, *, file: str = "<text>") -> str:
    """The format name of decoded export *text*, from its content.

    Raises
    ------
    ImportFormatError
        When no supported format matches; the message lists the supported formats.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise ImportFormatError("the file is empty", file=file, line=1)
    if stripped.startswith("<") and not ovid_text._START.match(stripped.split("\n", 1)[0].strip()):
        head = stripped[:5000]
        if pubmed_xml.looks_like_pubmed_xml(head):
            return "pubmed_xml"
        if endnote_xml.looks_like_endnote_xml(head):
            return "endnote_xml"
        raise _unknown(file)
    lines = split_lines(stripped[:200_000])
    if fmt := wos.looks_like_wos(lines):
        return fmt
    if ris.looks_like_ris(lines):
        return "ris"
    if fmt := pubmed_medline.looks_like_medline(lines):
        return fmt
    if fmt := cnki.looks_like_cnki(lines):
        return fmt
    if cochrane.looks_like_cochrane_text(lines):
        return "cochrane_text"
    if ovid_text.looks_like_ovid_text(lines):
        return "ovid_text"
    if proquest_text.looks_like_proquest_text(stripped):
        return "proquest_text"
    if bibtex.looks_like_bibtex(lines):
        return "bibtex"
    header = lines[0]
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    if header.count(delimiter) >= 1:
        cells = next(csv.reader([header], delimiter=delimiter))
        if len(cells) >= 2 and all(len(c) <= 200 for c in cells):
            fmt = csv_formats.csv_format_of_header(cells, delimiter)
            if fmt not in ("csv", "tsv") or csv_formats.looks_like_record_table(cells):
                return fmt
            raise ImportFormatError(
                "the export format is not recognised: if this is a table, none of its columns"
                f" ({', '.join(c[:30] for c in cells[:8])}) is one metareview knows",
                file=file,
                line=1,
                hint="read it with read_csv_records(path, mapping={'title': <column>, ...}),"
                " or use one of the supported formats: " + ", ".join(FORMATS),
            )
    raise _unknown(file)


#: leading bytes of files users pick by mistake, and what they are
_BINARY_SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (or an .xlsx/.docx file)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.xls/.doc)"),
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
)


def _read_text(path: Path, encoding: str | None) -> tuple[str, str]:
    """Decode an export; a file that is a PDF, a spreadsheet or an archive (whatever its
    extension) is refused by name before any decoding guess."""
    if path.is_dir():
        raise ImportFormatError("is a folder, not an export file", file=str(path),
                                hint="give the path of the exported file inside it")
    raw = path.read_bytes()
    for magic, what in _BINARY_SIGNATURES:
        if raw.startswith(magic):
            raise ImportFormatError(
                f"is a binary file ({what}), not a database export", file=str(path), line=1,
                hint="export the search results from the database as RIS, MEDLINE (PubMed), "
                "BibTeX, EndNote XML or CSV and import that file",
            )
    return decode(raw, file=str(path), encoding=encoding)


def detect_format(path: str | os.PathLike[str], *, encoding: str | None = None) -> str:
    """The format name of the export at *path*, from its content (not its extension)."""
    p = Path(path)
    text, _ = _read_text(p, encoding)
    return detect_text_format(text, file=str(p))


def _result_from_parsed(
    parsed: Parsed, *, file: str, fmt: str, encoding: str, database: str | None
) -> ImportResult:
    records = tuple(
        build_record(fields, index=i, file=file, fmt=fmt, database=database)
        for i, fields in enumerate(parsed.records)
    )
    return ImportResult(
        file=file, format=fmt, encoding=encoding, records=records, warnings=tuple(parsed.warnings)
    )


def read_records(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    encoding: str | None = None,
    database: str | None = None,
) -> ImportResult:
    """Read every record of one export file.

    Parameters
    ----------
    path : path-like
    format : str, optional
        A key of :data:`FORMATS`; detected from the content when not given.
    encoding : str, optional
        Detected when not given (UTF-8 with/without BOM, UTF-16 with BOM, GB18030).
    database : str, optional
        Overrides ``source_database`` of every record (e.g. ``"Embase"`` for a RIS file
        whose records do not say where they came from).

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportFormatError
        The file is not a supported export, or is malformed (names the file and line).
    """
    p = Path(path)
    file = str(p)
    text, used = _read_text(p, encoding)
    if format is None:
        fmt = detect_text_format(text, file=file)
    elif format not in FORMATS:
        raise ImportFormatError(
            f"unknown format {format!r}", file=file, hint="supported formats: " + ", ".join(FORMATS)
        )
    else:
        fmt = format
    parsed = FORMATS[fmt](text, file=file)
    return _result_from_parsed(parsed, file=file, fmt=fmt, encoding=used, database=database)


def read_many(
    paths: Iterable[str | os.PathLike[str]],
    *,
    format: str | None = None,
    encoding: str | None = None,
) -> tuple[ImportResult, ...]:
    """:func:`read_records` for each path, in order (all succeed or the first error is raised)."""
    return tuple(read_records(p, format=format, encoding=encoding) for p in paths)
