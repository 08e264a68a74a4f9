"""Guess the bibliographic database a record came from, from its own fields."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["canonical_database", "database_from_urls"]

# (substring of the lower-cased DB/DP value or URL, canonical name); first match wins
_NAMES = (
    ("embase", "Embase"),
    ("scopus", "Scopus"),
    ("psycinfo", "APA PsycInfo"),
    ("psycarticles", "APA PsycArticles"),
    ("cochrane", "Cochrane Library"),
    ("central register of controlled trials", "Cochrane Library"),
    ("cinahl", "CINAHL"),
    ("web of science", "Web of Science"),
    ("webofscience", "Web of Science"),
    ("webofknowledge", "Web of Science"),
    ("clarivate", "Web of Science"),
    ("isi ", "Web of Science"),
    ("medline", "MEDLINE"),
    ("pubmed central", "PubMed Central"),
    ("ncbi.nlm.nih.gov/pmc", "PubMed Central"),
    ("pmc ", "PubMed Central"),
    ("pubmed", "PubMed"),
    ("nlm", "PubMed"),
    ("lens.org", "Lens.org"),
    ("dimensions", "Dimensions"),
    ("proquest", "ProQuest"),
    ("ebsco", "EBSCO"),
    ("ieee", "IEEE Xplore"),
    ("sciencedirect", "ScienceDirect"),
    ("cnki", "CNKI"),
    ("rayyan", "Rayyan"),
)


def canonical_database(value: str | None) -> str | None:
    """Map a DB/DP value such as ``"Ovid MEDLINE(R) <2022>"`` to a short canonical name.

    An unrecognised non-empty value is returned unchanged.

    >>> canonical_database("Ovid MEDLINE(R) <2022>"), canonical_database("Embase")
    ('MEDLINE', 'Embase')
    >>> canonical_database("PubMed Central"), canonical_database("PMC")
    ('PubMed Central', 'PubMed Central')
    >>> canonical_database("Some Catalogue")
    'Some Catalogue'
    """
    if not value or not value.strip():
        return None
    low = value.lower() + " "
    for needle, name in _NAMES:
        if needle in low:
            return name
    return value.strip()


_HOSTS = (
    ("scopus.com", "Scopus"),
    ("embase.com", "Embase"),
    ("webofscience.com", "Web of Science"),
    ("webofknowledge.com", "Web of Science"),
    ("ovid.com", "Ovid"),
    ("lens.org", "Lens.org"),
    ("dimensions.ai", "Dimensions"),
    ("proquest.com", "ProQuest"),
    ("ebscohost.com", "EBSCO"),
    ("ieeexplore.ieee.org", "IEEE Xplore"),
    ("cnki.net", "CNKI"),
    ("ncbi.nlm.nih.gov/pubmed", "PubMed"),
    ("pubmed.ncbi.nlm.nih.gov", "PubMed"),
)


def database_from_urls(urls: Iterable[str]) -> str | None:
    """The database whose web site a record's link points to, if it is a known one."""
    for url in urls:
        low = url.lower()
        for host, name in _HOSTS:
            if host in low:
                return name
    return None
