"""EndNote XML (``<xml><records><record>``), as written by EndNote, Zotero, Mendeley, Bookends.

The element names are EndNote's XML export schema (``RSXML.dtd``, Clarivate EndNote; the
same names Zotero's "EndNote XML" translator writes). Values may be wrapped in
``<style face=...>`` elements (EndNote) or not (Zotero, Mendeley); both are read with lxml and
the wrappers flattened.
"""

from __future__ import annotations

import re

from lxml import etree

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, parse_year, split_keywords
from metareview.review.importers._database import canonical_database, database_from_urls
from metareview.review.importers._xml import flatten, parse_xml, text_of

__all__ = ["looks_like_endnote_xml", "parse_endnote_xml"]

_PMID = re.compile(r"^\s*(?:PMID:?\s*)?(\d{1,9})\s*$")


def looks_like_endnote_xml(head: str) -> bool:
    """True for text that starts like an EndNote XML export."""
    return "<records>" in head and "<record>" in head or "<xml><records" in head


def parse_endnote_xml(text: str, *, file: str) -> Parsed:
    """Parse an EndNote XML file into records."""
    root = parse_xml(text, file=file, expected="EndNote XML")
    records = root.findall("records/record") if root.tag == "xml" else root.findall(".//record")
    if not records:
        raise ImportFormatError(
            f"no <record> found under <{root.tag}>",
            file=file,
            line=root.sourceline,
            hint="expected an EndNote XML export (<xml><records><record>...)",
        )
    out = Parsed()
    for record in records:
        out.records.append(_fields(record))
    return out


def _texts(record: etree._Element, path: str) -> list[str]:
    return [t for t in (text_of(el) for el in record.iterfind(path)) if t]


def _fields(record: etree._Element) -> dict:
    def one(*paths: str) -> str | None:
        for path in paths:
            for value in _texts(record, path):
                return value
        return None

    ref_type = record.find("ref-type")
    doi = one("electronic-resource-num")
    accession = one("accession-num")
    pmid = None
    if accession:
        m = _PMID.match(accession)
        pmid = m.group(1) if m else None
    remote = one("remote-database-name", "remote-database-provider")
    urls = _texts(record, "urls/related-urls/url") + _texts(record, "urls/web-urls/url")
    keywords = _texts(record, "keywords/keyword")
    if len(keywords) == 1 and "\n" not in keywords[0] and ";" in keywords[0]:
        keywords = list(split_keywords(keywords))
    return {
        "title": one("titles/title"),
        "abstract": one("abstract"),
        "authors": tuple(_texts(record, "contributors/authors/author")),
        "year": parse_year(one("dates/year", "dates/pub-dates/date")),
        "journal": one("periodical/full-title", "titles/secondary-title", "periodical/abbr-1"),
        "volume": one("volume"),
        "issue": one("number", "issue"),
        "pages": one("pages"),
        "doi": doi,
        "pmid": pmid,
        "language": one("language"),
        "keywords": tuple(keywords),
        "publication_type": ref_type.get("name") if ref_type is not None else None,
        "source_database": canonical_database(remote) or database_from_urls(urls),
        "raw": flatten(record),
    }
