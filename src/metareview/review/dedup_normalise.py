"""Normalise bibliographic fields for duplicate detection.

Every function here takes a :class:`pandas.Series` of raw strings (one per record) and returns
a Series (or NumPy array) of comparison keys. The raw data are never changed: the keys are used
only to compare records, and the outputs of :func:`metareview.review.dedup.find_duplicates`
refer to records by their identifiers.

The choice of fields and the normalisations follow the de-duplication literature: titles,
first author, year, journal, volume and pages carry most of the signal (Rathbone, Carter,
Hoffmann & Glasziou 2015, *Systematic Reviews* 4:6, doi:10.1186/2046-4053-4-6; Hair, Bahor,
Macleod, Liao & Sena 2023, *BMC Biology* 21:189, doi:10.1186/s12915-023-01686-z).

Examples
--------
>>> import pandas as pd
>>> normalise_title(pd.Series(["The <i>BRCA1</i> gene: a Review.", None])).tolist()
['the brca1 gene a review', '']
>>> parse_pages(pd.Series(["123-9", "47--65", "e1234", ""])).tolist()
[('123', '129'), ('47', '65'), ('e1234', ''), ('', '')]
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

import numpy as np
import pandas as pd

__all__ = [
    "strip_notes",
    "journal_compatible",
    "normalise_authors",
    "normalise_doi",
    "normalise_journal",
    "normalise_pmid",
    "normalise_title",
    "normalise_volume",
    "parse_pages",
    "parse_year",
    "title_kind",
]

_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_ORIGINAL = re.compile(r"<\s*original\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]{0,200}>")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def _text(series: pd.Series) -> pd.Series:
    """Raw values as strings, with missing values (NaN, None) as ''."""
    return series.astype(object).where(series.notna(), "").astype(str)


def fold(text: str) -> str:
    """Lower-case *text* and remove accents (NFKD decomposition, combining marks dropped).

    >>> fold("Crinò Hernández Straße")
    'crino hernandez strasse'
    """
    if text.isascii():
        return text.casefold()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


# MEDLINE appends notes to titles: "Title.[Erratum appears in J Pediatr. 2003 Jun ...]",
# "[Comment in ...]" (often truncated without the closing bracket); they are not the title.
_NOTE = re.compile(
    r"\.?\s*\[(?:erratum|errata|published erratum|comment|retraction|retracted|corrected and "
    r"republished|summary for patients|update|expression of concern|see comments?)\b[^\]]*(?:\]|$)",
    re.IGNORECASE,
)


def strip_notes(text: str) -> str:
    """Remove database notes (``[Erratum appears in ...]``, ``[Comment in ...]``) from a title.

    >>> strip_notes("Gene X in mice.[Erratum appears in J Pediatr. 2003 Jun")
    'Gene X in mice'
    """
    if "[" not in text:
        return text.strip()
    previous = None
    while previous != text:
        previous, text = text, _NOTE.sub("", text)
    return text.strip()


def _clean_title(text: str) -> str:
    if not text:
        return ""
    text = strip_notes(text)
    if "<" in text:
        # "English title. <ORIGINAL> TITRE ORIGINAL": keep the English title only
        text = _TAG.sub(" ", _ORIGINAL.split(text, maxsplit=1)[0])
    if "&" in text:
        text = html.unescape(text)
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def normalise_title(series: pd.Series) -> pd.Series:
    """Titles lower-cased, accents folded, HTML tags and entities and punctuation removed."""
    return _text(series).map(_clean_title)


_ERRATUM = re.compile(
    r"\b(erratum|errata|corrigendum|corrigenda|addendum)\b"
    r"|^\W*(correction|retraction|notice of retraction|retracted|withdrawn|withdrawal)"
    r"\s*(to\b|of article\b|notice\b|[:\-\u2013.\[(]|$)"
    r"|\(\s*vol\.?\s*\d+[^)]{0,40}\bpg\.?\s*\d+"
    # Embase errata: "Title (New England Journal of Medicine (2009) 360 (542-544))"
    r"|\([^()]{3,120}\(\s*\d{4}\s*\)\s*\d+[^()]{0,20}(?:\([^()]{1,30}\))?\s*\)\s*\.?\s*$",
    re.IGNORECASE,
)
_COMMENT = re.compile(
    r"^\W*(re:|reply\b|in reply\b|authors'? reply\b|response to\b|comment on\b"
    r"|comments? to\b|commentary on\b)",
    re.IGNORECASE,
)


def title_kind(series: pd.Series) -> np.ndarray:
    """Classify titles as ``'erratum'`` (errata, corrections, retractions), ``'comment'``
    (replies, comments on an article) or ``''`` (an ordinary article).

    An erratum or a comment shares most of its title with the article it refers to but is a
    different bibliographic record (Rathbone et al. 2015), so records of different kinds are
    never merged.

    >>> import pandas as pd
    >>> title_kind(pd.Series(["Erratum: Gene X in mice", "Correction to: A trial",
    ...     "Correction of hypokalaemia", "Gene X in mice (vol 12, pg 33, 2010)",
    ...     "Reply to Smith", "Gene X", "Gene X.[Erratum appears in N Engl J Med. 2009]",
    ...     "Gene X (New England Journal of Medicine (2009) 360 (542-544))"])).tolist()
    ['erratum', 'erratum', '', 'erratum', 'comment', '', '', 'erratum']
    """
    text = _text(series).map(strip_notes)
    erratum = np.array([_ERRATUM.search(x) is not None for x in text], dtype=bool)
    comment = np.array([_COMMENT.search(x) is not None for x in text], dtype=bool)
    return np.where(erratum, "erratum", np.where(comment, "comment", "")).astype(object)


_AUTHOR_SPLIT = re.compile(r"\s+and\s+|;|\s*&\s*|\n", re.IGNORECASE)
_LETTERS = re.compile(r"[^\w]+|[\d_]+", re.UNICODE)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
_NO_AUTHOR = {"anonymous", "anon", "unknown", "na", "nd", "none"}


def _family_names(raw: str) -> tuple[str, ...]:
    if not raw or not raw.strip():
        return ()
    pieces = [p.strip() for p in _AUTHOR_SPLIT.split(raw) if p.strip()]
    if len(pieces) == 1 and pieces[0].count(",") >= 2:
        # Vancouver style "Smith J, Jones KM, Brown A"
        pieces = [p.strip() for p in pieces[0].split(",") if p.strip()]
    families = []
    for piece in pieces:
        if "," in piece:
            family = piece.split(",", 1)[0]
        else:
            words = piece.replace(".", ". ").split()
            # "Adeli K." or "Smith JM" -> family first; "John Smith" -> family last
            if len(words) > 1 and _INITIALS.match(words[1]) and not _INITIALS.match(words[0]):
                family = words[0]
            elif len(words) > 1 and _INITIALS.match(words[0]):
                family = words[-1]
            else:
                family = words[0] if len(words) <= 1 else words[-1]
        key = _LETTERS.sub("", fold(family))
        if key and key not in _NO_AUTHOR:
            families.append(key)
    return tuple(families)


def _author_tokens(raw: str) -> str:
    tokens = [t for t in _LETTERS.sub(" ", fold(raw)).split() if len(t) >= 2 and t != "and"]
    if not tokens or all(t in _NO_AUTHOR for t in tokens):
        return ""
    return " ".join(tokens[:60])


def normalise_authors(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """First author's family name and a bag of author name tokens, for each record.

    Accepts BibTeX (``A, B and C, D``), semicolon-separated (``A, B; C, D``), Vancouver
    (``Smith J, Jones K``) and run-together (``Adeli K.Lewis G. F.``) author lists.

    Returns
    -------
    first : ndarray of str
        Folded family name of the first author ('' when unknown).
    tokens : ndarray of str
        All name tokens of two or more letters, folded, space-separated, for a
        token-set comparison that tolerates initials versus full given names.

    >>> import pandas as pd
    >>> first, tokens = normalise_authors(pd.Series(["Le Quintrec, M. and Zuber, J",
    ...     "Adeli K.Lewis G. F.", "Smith JM, Jones K, Brown A", "John Smith"]))
    >>> first.tolist()
    ['lequintrec', 'adeli', 'smith', 'smith']
    """
    text = _text(series)
    first = np.array([(f[0] if f else "") for f in text.map(_family_names)], dtype=object)
    tokens = text.map(_author_tokens).to_numpy(object)
    return first, tokens


_J_STOP = frozenset({"the", "of", "and", "in", "for", "on", "de", "la", "le", "des", "du", "und",
                     "fur", "der", "die", "a", "an", "to"})
# words that vary between listings of one proceedings volume ("Proceedings of the 13th Annual
# International Conference on X" vs "International Conference on X, ICX")
_J_NOISE = frozenset({"proceedings", "proc", "annual", "first", "second", "third", "fourth",
                      "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
                      "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
                      "seventeenth", "eighteenth", "nineteenth", "twentieth", "electronic",
                      "resource", "print", "online"})
_J_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@lru_cache(maxsize=200_000)
def _clean_journal(text: str, whole: bool = False) -> str:
    if not text:
        return ""
    text = fold(html.unescape(text))
    text = _J_PAREN.sub(" ", text)
    if not whole:
        # drop a subtitle: "Journal of clinical oncology : official journal of ...", and the
        # meeting after "Journal.Conference: ..."
        text = re.split(r":|\s=\s|\s/\s|\.\s*conference\b", text, maxsplit=1)[0]
    words = [w for w in _NON_WORD.sub(" ", text).split()
             if w not in _J_STOP and w not in _J_NOISE and not any(c.isdigit() for c in w)]
    return " ".join(words)


def normalise_journal(series: pd.Series, *, whole: bool = False) -> np.ndarray:
    """Journal names folded, without punctuation, subtitles, parentheses or stop words.

    With ``whole=True`` the subtitle (or the meeting named after ``Journal.Conference:``) is
    kept, so a supplement listed under the journal and under the meeting can be compared.

    >>> import pandas as pd
    >>> normalise_journal(pd.Series(["Lung cancer (Amsterdam, Netherlands)",
    ...     "Journal of clinical oncology : official journal of ASCO"])).tolist()
    ['lung cancer', 'journal clinical oncology']
    """
    return np.array([_clean_journal(t, whole) for t in _text(series)], dtype=object)


def _abbreviates(short: str, full: str) -> bool:
    """True when *short* can be an abbreviation of *full* (same first letter, subsequence)."""
    if short == full:
        return True
    if not short or not full or short[0] != full[0] or len(short) > len(full):
        return False
    pos = 0
    for ch in short:
        pos = full.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def _acronym_of(token: str, words: tuple[str, ...]) -> bool:
    """Whether *token* (3-8 letters) is made of leading letters of every word, in order."""
    if not 3 <= len(token) <= 8 or not token.isalpha():
        return False

    def match(t: int, w: int) -> bool:
        if w == len(words):
            return t == len(token)
        word = words[w]
        for take in range(1, min(len(word), len(token) - t) + 1):
            if word[:take] != token[t:t + take]:
                break
            if match(t + take, w + 1):
                return True
        return False

    return match(0, 0)


@lru_cache(maxsize=200_000)
def journal_compatible(a: str, b: str) -> bool:
    """Whether two normalised journal names can name the same journal.

    Equal names, or word-by-word abbreviations in ISO 4 / NLM style (each word of the shorter
    form starts like, and is a subsequence of, the word of the longer form), or one name's
    words all found in the other's (``'blood'`` vs ``'blood journal'``).

    >>> journal_compatible("nat rev nephrol", "nature reviews nephrology")
    True
    >>> journal_compatible("am j transplant", "american journal transplantation")
    True
    >>> journal_compatible("eur j cardiothorac surg", "european journal cardio thoracic surgery")
    True
    >>> journal_compatible("european conference social media",
    ...                    "european conference social media ecsm")
    True
    >>> journal_compatible("amcis", "americas conference information systems")
    True
    >>> journal_compatible("blood", "new england journal medicine")
    False
    """
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    if not wa or not wb:
        return False
    if len(wa) == len(wb):
        if all(_abbreviates(x, y) or _abbreviates(y, x) for x, y in zip(wa, wb)):
            return True
    sa, sb = set(wa), set(wb)
    if len(sa) >= 1 and len(sb) >= 1 and (sa <= sb or sb <= sa) and min(len(sa), len(sb)) >= 2:
        return True
    # an acronym: "amcis" for "americas conference information systems"
    if len(wa) == 1 and len(wb) >= 3 and _acronym_of(wa[0], tuple(wb)):
        return True
    if len(wb) == 1 and len(wa) >= 3 and _acronym_of(wb[0], tuple(wa)):
        return True
    # run-together or differently split: "jthoraccardiovascsurg", "eur j cardiothorac surg";
    # the abbreviation must reach into the last word of the full name ("lancet" is not
    # "lancet oncology")
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    (short, full), last = ((ca, cb), wb[-1]) if len(ca) <= len(cb) else ((cb, ca), wa[-1])
    if len(short) < 6 or not _abbreviates(short, full):
        return False
    head = full[: len(full) - len(last)]
    return not _abbreviates(short, head)


_VOLUME = re.compile(r"(\d+)")


def normalise_volume(series: pd.Series) -> np.ndarray:
    """The first run of digits of the volume, without leading zeros ('' when none).

    >>> import pandas as pd
    >>> normalise_volume(pd.Series(["118 (21)", "Vol. 07", "", None, "1)"])).tolist()
    ['118', '7', '', '', '']
    """
    text = _text(series)
    # "1)" is what is left of "64 (Suppl 1)" after some exports: not a volume
    broken = text.str.contains(")", regex=False) & ~text.str.contains("(", regex=False)
    digits = text.str.extract(_VOLUME, expand=False).fillna("").where(~broken, "")
    return digits.str.lstrip("0").to_numpy(object)


_PAGES = re.compile(r"^\D*?([a-z]*\d+[a-z]?)(?:\s*(?:-+|\u2013|\u2014|to)\s*([a-z]*\d+[a-z]?))?")


_PAGES_START = re.compile(r"^\s*[a-z]{0,2}\d")


def _pages(text: str) -> tuple[str, str]:
    text = text.casefold().strip().strip("\"'").strip()
    if not _PAGES_START.match(text):  # "Suppl-61", "t-20": mangled by an export, unusable
        return ("", "")
    m = _PAGES.match(text)
    if not m:
        return ("", "")
    first, last = m.group(1).lstrip("0") or "0", (m.group(2) or "")
    if last:
        pf = re.match(r"^([a-z]*)(\d+)", first)
        pl = re.match(r"^([a-z]*)(\d+)", last)
        if pf and pl:
            digits_f, digits_l = pf.group(2), pl.group(2)
            if len(digits_l) < len(digits_f):  # "123-9" -> 129
                digits_l = digits_f[: len(digits_f) - len(digits_l)] + digits_l
            last = pf.group(1) + digits_l.lstrip("0")
            if last == first:
                last = ""
    return (first, last)


def parse_pages(series: pd.Series) -> pd.Series:
    """(first page, last page) for each record; ``'123-9'`` becomes ``('123', '129')``.

    A value that does not start with a page number (at most two letters then digits, as in
    ``S12`` or ``e1234``) is treated as missing: exports mangle pages into ``Suppl-61``.
    """
    return _text(series).map(_pages)


_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")


def parse_year(series: pd.Series) -> np.ndarray:
    """The first plausible four-digit year (1500-2099) as float, NaN when there is none.

    >>> import pandas as pd
    >>> parse_year(pd.Series(["2011", 1999, "2008 Mar", "in press", None])).tolist()
    [2011.0, 1999.0, 2008.0, nan, nan]
    """
    found = _text(series).str.extract(_YEAR, expand=False)
    return pd.to_numeric(found, errors="coerce").to_numpy(float)


_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)


def normalise_doi(series: pd.Series) -> np.ndarray:
    """DOIs lower-cased, without ``https://doi.org/`` or ``doi:`` prefixes or trailing dots.

    >>> import pandas as pd
    >>> normalise_doi(pd.Series(["https://doi.org/10.1000/ABC.1.", "doi: 10.1000/x", "n/a",
    ...     "http://dx.doi.org/10.1016/S0025-7753%2817%2930624-3"])).tolist()
    ['10.1000/abc.1', '10.1000/x', '', '10.1016/s0025-7753(17)30624-3']
    """
    text = _text(series).map(lambda x: unquote(x) if "%" in x else x)  # %28 -> "("
    found = text.str.extract(_DOI, expand=False).fillna("")
    return found.str.lower().str.rstrip(".,;").to_numpy(object)


def normalise_pmid(series: pd.Series) -> np.ndarray:
    """PubMed identifiers as digit strings without leading zeros ('' when none)."""
    digits = _text(series).str.extract(r"(\d{1,9})", expand=False).fillna("")
    return digits.str.lstrip("0").to_numpy(object)
