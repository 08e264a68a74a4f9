"""PubMed XML (E-utilities ``efetch`` / "Save as XML"): ``<PubmedArticleSet>``.

Elements are those of NLM's PubMed DTD (``pubmed_250101.dtd``; "MEDLINE/PubMed XML Element
Descriptions", https://www.nlm.nih.gov/bsd/licensee/elements_descriptions.html). Both
``<PubmedArticle>`` (journal articles) and ``<PubmedBookArticle>`` (NCBI Bookshelf records)
are read, with lxml; MathML or other markup inside a title or abstract is flattened to text.
"""

from __future__ import annotations

from lxml import etree

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, parse_year
from metareview.review.importers._xml import flatten, parse_xml, text_of

__all__ = ["looks_like_pubmed_xml", "parse_pubmed_xml"]

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")


def looks_like_pubmed_xml(head: str) -> bool:
    """True for text whose first elements are a PubMed article set."""
    return any(f"<{t}" in head for t in ("PubmedArticleSet", "PubmedBookArticleSet", *_RECORD_TAGS))


def parse_pubmed_xml(text: str, *, file: str) -> Parsed:
    """Parse a PubMed XML file into records."""
    root = parse_xml(text, file=file, expected="PubMed XML")
    if root.tag in _RECORD_TAGS:
        articles = [root]
    else:
        articles = [el for el in root.iter(*_RECORD_TAGS)]
    if not articles:
        raise ImportFormatError(
            f"no <PubmedArticle> or <PubmedBookArticle> found under <{root.tag}>",
            file=file,
            line=root.sourceline,
            hint="expected a PubMed XML export (<PubmedArticleSet>)",
        )
    out = Parsed()
    for article in articles:
        out.records.append(_fields(article))
    return out


def _author(el: etree._Element) -> str | None:
    last = text_of(el.find("LastName"))
    fore = text_of(el.find("ForeName")) or text_of(el.find("Initials"))
    if last:
        return f"{last}, {fore}" if fore else last
    return text_of(el.find("CollectiveName"))


def _abstract(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    parts = []
    for part in el.findall("AbstractText"):
        text = text_of(part)
        if not text:
            continue
        label = part.get("Label")
        parts.append(f"{label}: {text}" if label else text)
    return "\n".join(parts) or None


def _year(date: etree._Element | None) -> int | None:
    if date is None:
        return None
    return parse_year(text_of(date.find("Year")) or text_of(date.find("MedlineDate")))


def _fields(article: etree._Element) -> dict:
    citation = article.find("MedlineCitation")
    if citation is None:
        citation = article.find("BookDocument")
    doc = citation if citation is not None else article
    art = doc.find("Article")
    book = doc.find("Book")
    base = art if art is not None else doc
    ids = {
        (el.get("IdType") or "").lower(): text_of(el)
        for el in article.iterfind(".//ArticleIdList/ArticleId")
    }
    containers = [base] if book is None else [base, book]  # books: Book/AuthorList, Book/ELocationID
    doi = None
    for loc in (el for c in containers for el in c.iterfind("ELocationID")):
        if loc.get("EIdType") == "doi":
            doi = text_of(loc)
            break
    doi = doi or ids.get("doi")
    authors: tuple[str, ...] = ()
    for container in containers:
        authors = tuple(
            a for a in (_author(el) for el in container.iterfind("AuthorList/Author")) if a
        )
        if authors:
            break
    if art is not None:
        journal = text_of(art.find("Journal/Title")) or text_of(art.find("Journal/ISOAbbreviation"))
        issue_el = art.find("Journal/JournalIssue")
        volume = text_of(issue_el.find("Volume")) if issue_el is not None else None
        issue = text_of(issue_el.find("Issue")) if issue_el is not None else None
        year = _year(issue_el.find("PubDate")) if issue_el is not None else None
        if year is None:
            year = _year(art.find("ArticleDate"))
        title = text_of(art.find("ArticleTitle")) or text_of(art.find("VernacularTitle"))
    else:
        journal = text_of(book.find("BookTitle")) if book is not None else None
        volume = text_of(book.find("Volume")) if book is not None else None
        issue = None
        year = _year(book.find("PubDate")) if book is not None else None
        title = text_of(doc.find("ArticleTitle")) or journal
    keywords = [text_of(k) for k in doc.iterfind("KeywordList/Keyword")]
    keywords += [text_of(m) for m in doc.iterfind("MeshHeadingList/MeshHeading/DescriptorName")]
    pmid = text_of(doc.find("PMID")) or ids.get("pubmed")
    pubtype = text_of(base.find("PublicationTypeList/PublicationType")) or text_of(
        doc.find("PublicationType")
    )
    return {
        "title": title,
        "abstract": _abstract(base.find("Abstract")) or _abstract(doc.find("Abstract")),
        "authors": authors,
        "year": year,
        "journal": journal,
        "volume": volume,
        "issue": issue,
        "pages": text_of(base.find("Pagination/MedlinePgn")),
        "doi": doi,
        "pmid": pmid,
        "language": text_of(base.find("Language")) or text_of(doc.find("Language")),
        "keywords": tuple(k for k in keywords if k),
        "publication_type": pubtype,
        "source_database": "PubMed",
        "raw": flatten(article),
    }
