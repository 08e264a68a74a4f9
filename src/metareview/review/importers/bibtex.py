"""BibTeX (Scopus, Google Scholar, Zotero/Better BibTeX, JabRef exports).

Why not bibtexparser: bibtexparser 1.x (the series this project pins) builds on pyparsing
and took about 12 s for the 1,000 entries (1.5 MB) of a real Zotero export, where the
whole 13,772-record test corpus must import in a few seconds; it also skips an entry it
cannot parse without saying so (Scopus writes field names with a no-break space,
``funding_text\\u00a01``, and bibtexparser silently drops every such entry). So entries are
read here by a small scanner of the BibTeX grammar (Patashnik, "BibTeXing", 1988, CTAN
``btxdoc``): ``@type{key, name = value, ...}`` with ``{...}``/``"..."`` values (nested braces),
numbers, ``@string`` macros and ``#`` concatenation. Errors name the line. In the normalised
fields, LaTeX accents (``\\'{e}``, ``\\"o``, ``\\c{c}`` ... of Lamport, "LaTeX: A Document
Preparation System", 2nd ed., 1994, Table 3.1) become Unicode combining marks composed with
NFC, and escaped or named symbols (``\\%``, ``\\&``, ``\\textless``, ``\\o``, ``\\ss`` ...)
their characters (bibtexparser's ``latex_to_unicode`` tries ~1,700 replacements per value
and took over a second on the Zotero export); other commands are left as written.
``raw`` keeps each value as written, outer braces removed.
"""

from __future__ import annotations

import re

from metareview.errors import ImportFormatError
from metareview.review.importers._common import Parsed, parse_year
from metareview.review.importers._database import database_from_urls

__all__ = ["looks_like_bibtex", "parse_bibtex"]

_ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.MULTILINE)
_AT = re.compile(r"@\s*([A-Za-z]+)\s*([{(])")
_NAME = re.compile(r"[ \t\n]*([^ \t\n=,{}\"#]+)[ \t\n]*")
_KEY = re.compile(r"\s*([^\s,{}()]*)\s*,")
_SPECIAL_BRACE = re.compile(r"[{}\\]")
_SPECIAL_QUOTE = re.compile(r'[{}\\"]')
_BARE = re.compile(r"[^\s,}#)]+")
_MONTHS = {
    m: m.capitalize() for m in ("jan feb mar apr may jun jul aug sep oct nov dec".split())
}


def looks_like_bibtex(lines: list[str]) -> bool:
    """True when the first non-blank line opens a BibTeX entry."""
    for line in lines[:50]:
        if not line.strip() or line.lstrip().startswith("%"):
            continue
        return bool(_ENTRY.match(line))
    return False


class _Scanner:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.pos = 0

    def line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def fail(self, message: str, pos: int | None = None, hint: str | None = None) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, line=self.line(pos), hint=hint)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def braced(self, close: str) -> str:
        """Value from just after an opening brace/quote to its matching *close*."""
        text, depth, start = self.text, 0, self.pos
        special = _SPECIAL_BRACE if close == "}" else _SPECIAL_QUOTE
        i = start
        while True:
            m = special.search(text, i)
            if m is None:
                raise self.fail(
                    f"the value that starts here is never closed (missing {close!r})",
                    start,
                    hint="the file may be truncated or a brace is missing",
                )
            i = m.start()
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                if depth == 0:
                    if close == "}":
                        self.pos = i + 1
                        return text[start:i]
                    raise self.fail("a '}' closes a brace that was never opened", i)
                depth -= 1
            elif depth == 0:  # the closing quote
                self.pos = i + 1
                return text[start:i]
            i += 1

    def value(self, strings: dict[str, str]) -> str:
        parts = []
        while True:
            self.skip_ws()
            if self.pos >= len(self.text):
                raise self.fail("the file ends where a field value was expected")
            c = self.text[self.pos]
            if c == "{":
                self.pos += 1
                parts.append(self.braced("}"))
            elif c == '"':
                self.pos += 1
                parts.append(self.braced('"'))
            else:
                m = _BARE.match(self.text, self.pos)
                if not m:
                    raise self.fail(f"expected a field value, found {c!r}")
                word = m.group(0)
                self.pos = m.end()
                key = word.lower()
                parts.append(strings.get(key, _MONTHS.get(key, word)))
            self.skip_ws()
            if self.pos < len(self.text) and self.text[self.pos] == "#":
                self.pos += 1
                continue
            return "".join(parts)


def _entries(text: str, file: str) -> list[tuple[int, str, str, dict[str, str]]]:
    """(start offset, entry type, key, fields) per entry; line numbers only for errors."""
    sc = _Scanner(text, file)
    strings: dict[str, str] = {}
    out: list[tuple[int, str, str, dict[str, str]]] = []
    while True:
        m = _AT.search(text, sc.pos)
        if m is None:
            break
        start = m.start()
        kind = m.group(1).lower()
        close = "}" if m.group(2) == "{" else ")"
        sc.pos = m.end()
        if kind == "comment":
            if close == "}":
                sc.braced("}")
            continue
        if kind == "preamble":
            sc.value(strings)
            sc.skip_ws()
            sc.pos += 1
            continue
        fields: dict[str, str] = {}
        key = ""
        if kind != "string":
            km = _KEY.match(text, sc.pos)
            if km is None:
                raise sc.fail(f"@{m.group(1)} entry without a citation key and comma", start)
            key = km.group(1)
            sc.pos = km.end()
        while True:
            sc.skip_ws()
            if sc.pos >= len(text):
                raise sc.fail(
                    f"the entry that starts at line {sc.line(start)} is never closed",
                    hint="the file looks truncated; export it again",
                )
            if text[sc.pos] == close:
                sc.pos += 1
                break
            nm = _NAME.match(text, sc.pos)
            if nm is None or text[nm.end() : nm.end() + 1] != "=":
                raise sc.fail(
                    f"expected 'name = value' in the entry of line {sc.line(start)},"
                    f" found {text[sc.pos:sc.pos + 30]!r}",
                    hint="a comma or brace may be missing",
                )
            name = nm.group(1).replace("\u00a0", "_").lower()
            sc.pos = nm.end() + 1
            fields[name] = sc.value(strings)
            sc.skip_ws()
            if sc.pos < len(text) and text[sc.pos] == ",":
                sc.pos += 1
            elif sc.pos < len(text) and text[sc.pos] != close:
                raise sc.fail(f"expected ',' or the end of the entry after field {name!r}")
        if kind == "string":
            strings.update(fields)
        else:
            out.append((start, kind, key, fields))
    return out


_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
_SYMBOLS = {
    "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "textless": "<", "textgreater": ">",
    "textendash": "–", "textemdash": "—", "textasciitilde": "~", "textasciicircum": "^",
    "textbackslash": "\\", "textquoteright": "’", "textquoteleft": "‘", "textregistered": "®",
    "texttrademark": "™", "textdegree": "°", "textmu": "µ", "textbullet": "•", "S": "§",
}  # fmt: skip
_ACCENT_CMD = re.compile(
    r"\\(['`^\"~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
    r"|\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+([A-Za-z]))"
)
_SYMBOL_CMD = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])(?:\{\})?\s?|\\([%&_$#{}])")


def _accent(m: re.Match[str]) -> str:
    mark = _ACCENTS[m.group(1) or m.group(4)]
    letter = m.group(2) or m.group(3) or m.group(5) or m.group(6)
    if letter.startswith("\\"):
        letter = _SYMBOLS.get(letter[1:], letter[1:])
    return letter + mark


def _symbol(m: re.Match[str]) -> str:
    if m.group(2):
        return m.group(2)
    return _SYMBOLS.get(m.group(1), m.group(0))


def latex_to_text(value: str) -> str:
    """Replace LaTeX accents and symbol commands by Unicode characters.

    >>> latex_to_text(r"Fern\\'{a}ndez-Juricic, G\\"{o}del, Fran\\c{c}ois, 95\\% CI \\& more")
    'Fernández-Juricic, Gödel, François, 95% CI & more'
    """
    import unicodedata

    if "\\" not in value:
        return value
    value = _ACCENT_CMD.sub(_accent, value)
    value = _SYMBOL_CMD.sub(_symbol, value)
    return unicodedata.normalize("NFC", value)


def _unicode(value: str | None) -> str | None:
    if value is None:
        return None
    value = latex_to_text(value)
    value = " ".join(value.replace("{", "").replace("}", "").split())
    return value or None


def parse_bibtex(text: str, *, file: str) -> Parsed:
    """Parse BibTeX text into records."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    entries = _entries(text, file)
    if not entries:
        raise ImportFormatError(
            "no BibTeX entry found", file=file, line=1, hint="expected entries like @article{key, ...}"
        )
    out = Parsed()
    for _, kind, key, entry in entries:
        get = entry.get
        authors = _unicode(get("author"))
        keywords = _unicode(get("keywords") or get("author_keywords"))
        sep = ";" if keywords and ";" in keywords else ","
        raw = {"ENTRYTYPE": (kind,), "ID": (key,), **{k: (v,) for k, v in entry.items()}}
        out.records.append(
            {
                "title": _unicode(get("title")),
                "abstract": _unicode(get("abstract")),
                "authors": tuple(a.strip() for a in re.split(r"\s+and\s+", authors) if a.strip())
                if authors
                else (),
                "year": parse_year(get("year") or get("date")),
                "journal": _unicode(get("journal") or get("journaltitle") or get("booktitle")),
                "volume": _unicode(get("volume")),
                "issue": _unicode(get("number") or get("issue")),
                "pages": _unicode((get("pages") or "").replace("--", "-")),
                "doi": _unicode(get("doi")),
                "pmid": _unicode(get("pmid")),
                "language": _unicode(get("language") or get("langid")),
                "keywords": tuple(k.strip() for k in keywords.split(sep) if k.strip())
                if keywords
                else (),
                "publication_type": kind,
                "source_database": database_from_urls([get("url") or "", get("source") or ""]),
                "raw": raw,
            }
        )
    return out
