"""Writers for what leaves the store: RIS records and the data-extraction sheet.

RIS follows the tag set of the RIS format specification (Research Information Systems,
"RIS Format Specifications", 2011 revision as documented by Clarivate for EndNote/Reference
Manager): each record runs from ``TY  - `` to ``ER  - ``, one tag per line written as two
characters, two spaces, a hyphen and a space, lines ending in CRLF.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from metareview.review.records import none_if_missing

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["extraction_sheet", "records_to_ris"]

_EOL = "\r\n"
_PAGES = re.compile(r"^\s*([^\s\-\u2013]+)\s*[-\u2013]\s*([^\s\-\u2013]+)\s*$")


def _clean(value: Any) -> str | None:
    value = none_if_missing(value)
    if value is None:
        return None
    # A RIS value is one line: line breaks inside a field become single spaces.
    text = " ".join(str(value).split())
    return text or None


def records_to_ris(frame: pd.DataFrame) -> str:
    """RIS text for a table of records (as :meth:`ReviewProject.records_frame` returns).

    Tags written: ``TY`` (``JOUR`` when there is a journal, else ``GEN``), ``ID`` (the store's
    record id), ``TI``, ``AU`` (one line each), ``PY``, ``T2`` (journal), ``VL``, ``IS``,
    ``SP``/``EP`` (pages split at a hyphen, else all in ``SP``), ``DO``, ``AN`` (PMID),
    ``LA``, ``KW`` (one line each), ``M3`` (publication type), ``DB`` (the database searched),
    ``AB``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame([{"record_id": 7, "title": "A trial", "authors": ("Smith, J",),
    ...     "year": 2020, "journal": "BMJ", "pages": "10-19", "database": "PubMed"}])
    >>> print(records_to_ris(f).replace("\\r\\n", "\\n"), end="")
    TY  - JOUR
    ID  - 7
    TI  - A trial
    AU  - Smith, J
    PY  - 2020
    T2  - BMJ
    SP  - 10
    EP  - 19
    DB  - PubMed
    ER  - 
    <BLANKLINE>
    """
    out: list[str] = []

    def tag(name: str, value: Any) -> None:
        text = _clean(value)
        if text is not None:
            out.append(f"{name}  - {text}{_EOL}")

    for row in frame.to_dict("records"):
        journal = _clean(row.get("journal"))
        tag("TY", "JOUR" if journal else "GEN")
        tag("ID", row.get("record_id"))
        tag("TI", row.get("title"))
        for author in row.get("authors") or ():
            tag("AU", author)
        year = row.get("year")
        tag("PY", None if _clean(year) is None else int(year))
        tag("T2", journal)
        tag("VL", row.get("volume"))
        tag("IS", row.get("issue"))
        pages = _clean(row.get("pages"))
        match = _PAGES.match(pages) if pages else None
        if match:
            tag("SP", match.group(1))
            tag("EP", match.group(2))
        else:
            tag("SP", pages)
        tag("DO", row.get("doi"))
        tag("AN", row.get("pmid"))
        tag("LA", row.get("language"))
        for keyword in row.get("keywords") or ():
            tag("KW", keyword)
        tag("M3", row.get("publication_type"))
        tag("DB", row.get("database"))
        tag("AB", row.get("abstract"))
        out.append(f"ER  - {_EOL}{_EOL}")
    return "".join(out)


SHEET_COLUMNS = ("study_id", "study", "record_ids", "first_author", "year", "title", "journal",
                 "doi", "pmid", "reviewer")


def extraction_sheet(
    included: pd.DataFrame,
    studies: Mapping[int, str],
    forms: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    """One row per included study, with an empty column per extraction-form field.

    Parameters
    ----------
    included : DataFrame
        Reports of included studies (``records_frame(subset="included")``).
    studies : mapping of int to str
        Study id -> label; a report not grouped into a study is a study of its own, labelled
        "first author's family name + year".
    forms : mapping of str to JSON Schema
        Outcome -> the latest form; its ``properties`` become columns ``"<outcome>: <field>"``.

    Returns
    -------
    DataFrame
        Columns :data:`SHEET_COLUMNS` then the form fields.
    """
    import pandas as pd

    field_columns = [f"{outcome}: {name}" for outcome, schema in forms.items()
                     for name in schema.get("properties", {})]
    key = included["study_id"].astype(object).where(
        included["study_id"].notna(), "r" + included["record_id"].astype(str))
    rows = []
    for _, group in included.groupby(key, sort=False):
        first = group.iloc[0]
        sid = first["study_id"]
        has_study = not pd.isna(sid)
        authors: Sequence[str] = first["authors"] or ()
        year = None if pd.isna(first["year"]) else int(first["year"])
        rows.append({
            "study_id": int(sid) if has_study else None,
            "study": studies[int(sid)] if has_study else _study_label(authors, year),
            "record_ids": "; ".join(str(int(x)) for x in group["record_id"]),
            "first_author": authors[0] if authors else None,
            "year": year,
            "title": first["title"], "journal": first["journal"], "doi": first["doi"],
            "pmid": first["pmid"], "reviewer": None,
            **{c: None for c in field_columns},
        })
    sheet = pd.DataFrame(rows, columns=[*SHEET_COLUMNS, *field_columns])
    sheet["study_id"] = sheet["study_id"].astype("Int64")
    sheet["year"] = sheet["year"].astype("Int64")
    return sheet


def _study_label(authors: Sequence[str], year: int | None) -> str:
    first = authors[0].split(",")[0].strip() if authors else "Anonymous"
    return f"{first} {'n.d.' if year is None else year}"
