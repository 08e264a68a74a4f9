"""The normalised bibliographic record every importer yields.

A :class:`Record` holds the fields a systematic review needs to deduplicate and screen
(title, abstract, authors, year, journal, volume, issue, pages, DOI, PMID, ...) plus
``raw``, every field of the source record verbatim, so that nothing an export contained is
lost when it is normalised.

Examples
--------
>>> normalise_doi("https://doi.org/10.1002/JRSM.1230 ")
'10.1002/jrsm.1230'
>>> normalise_doi("doi:10.1186/s13750-019-0167-1")
'10.1186/s13750-019-0167-1'
>>> r = Record(title="A trial", authors=("Smith, Jane",), year=2020, doi="10.1002/JRSM.1230")
>>> r.doi
'10.1002/jrsm.1230'
>>> r.raw
mappingproxy({})
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported only by the functions that need it
    import pandas as pd

__all__ = ["FRAME_COLUMNS", "Record", "frame_to_records", "normalise_doi", "records_to_frame"]

_DOI_PREFIX = re.compile(
    r"^\s*(?:(?:https?://)?(?:dx\.)?doi\.org/|doi\s*[:/]?\s*|urn:doi:|info:doi/)", re.IGNORECASE
)
_DOI_CORE = re.compile(r"10\.\d{4,9}/\S+")


def normalise_doi(value: str | None) -> str | None:
    """Return *value* as a bare lower-case DOI, or ``None`` when it holds none.

    Strips white space, a ``https://doi.org/`` / ``http://dx.doi.org/`` / ``doi:`` prefix and
    trailing punctuation, and lower-cases (DOIs are case-insensitive: the DOI Handbook,
    International DOI Foundation 2019, section 2.4, https://doi.org/10.1000/182).
    A value without a ``10.`` DOI stem returns ``None``.

    >>> normalise_doi("DOI: 10.1080/20964129.2020.1722034.")
    '10.1080/20964129.2020.1722034'
    >>> normalise_doi("http://dx.doi.org/10.1002/cpp.2398")
    '10.1002/cpp.2398'
    >>> normalise_doi("10.1016%2Fj.mex.2018.03.007")
    '10.1016/j.mex.2018.03.007'
    >>> normalise_doi("") is None
    True
    """
    if value is None:
        return None
    text = _DOI_PREFIX.sub("", str(value).strip())
    text = text.replace("%2F", "/").replace("%2f", "/")
    match = _DOI_CORE.search(text)
    if match is None:
        return None
    return match.group(0).rstrip(".,;").lower()


def _freeze_raw(raw: Any) -> Mapping[str, tuple[str, ...]]:
    if isinstance(raw, MappingProxyType):
        items = raw.items()
    elif isinstance(raw, Mapping):
        items = raw.items()
    else:
        items = raw or ()
    frozen: dict[str, tuple[str, ...]] = {}
    for key, values in items:
        if isinstance(values, str):
            values = (values,)
        frozen[str(key)] = tuple(map(str, values))
    return MappingProxyType(frozen)


@dataclass(frozen=True, slots=True)
class Record:
    """One bibliographic record, normalised from any export format.

    Parameters
    ----------
    title, abstract, journal, volume, issue, pages : str or None
    authors : tuple of str
        In source order, as ``"Family, Given"`` when the source gives the name that way
        (otherwise verbatim, e.g. ``"Liu R."`` or ``"吴继琴"``).
    year : int or None
    doi : str or None
        Normalised with :func:`normalise_doi` on construction.
    pmid : str or None
        PubMed identifier (digits only).
    language, publication_type, source_database : str or None
    keywords : tuple of str
    source_file, source_format : str or None
        Where the record came from and the importer format name that read it.
    source_index : int
        0-based position of the record in its file.
    raw : mapping of str to tuple of str
        Every field of the source record verbatim (tag or column name to values); read-only.
        It takes part in equality but not in the hash, so records can go in sets.
    """

    title: str | None = None
    abstract: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    language: str | None = None
    keywords: tuple[str, ...] = ()
    publication_type: str | None = None
    source_database: str | None = None
    source_file: str | None = None
    source_format: str | None = None
    source_index: int = 0
    raw: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "authors", tuple(self.authors))
        set_(self, "keywords", tuple(self.keywords))
        set_(self, "doi", normalise_doi(self.doi))
        set_(self, "raw", _freeze_raw(self.raw))


#: Columns of :func:`records_to_frame`, in order.
FRAME_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Record))
_LIST_FIELDS = ("authors", "keywords")
_SEP = "; "


def records_to_frame(records: Iterable[Record]) -> pd.DataFrame:
    """One row per record with the fixed columns :data:`FRAME_COLUMNS`.

    ``authors`` and ``keywords`` are joined by ``"; "``; ``year`` is a nullable integer;
    ``raw`` is a JSON object (tag -> list of values) so the table round-trips through
    :func:`frame_to_records` and through CSV.
    """
    import pandas as pd

    rows = []
    for r in records:
        row = {name: getattr(r, name) for name in FRAME_COLUMNS}
        for name in _LIST_FIELDS:
            row[name] = _SEP.join(row[name])
        row["raw"] = json.dumps({k: list(v) for k, v in r.raw.items()}, ensure_ascii=False)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    frame["source_index"] = frame["source_index"].astype("int64")
    return frame


def none_if_missing(value: Any) -> Any:
    """*value*, or None when it is missing (None, NaN, ``pd.NA``, ``NaT``): a table cell as
    a plain value.

    >>> none_if_missing(float("nan")) is None, none_if_missing(""), none_if_missing(("a",))
    (True, '', ('a',))
    """
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def frame_to_records(frame: pd.DataFrame) -> tuple[Record, ...]:
    """Rebuild records from a table written by :func:`records_to_frame`.

    Raises
    ------
    InputError
        When a column of :data:`FRAME_COLUMNS` is missing or a year or raw cell is invalid
        (naming the 1-based row and the column).
    """
    from metareview.errors import InputError

    missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}",
            column=missing[0],
            hint="the table must have the columns written by records_to_frame",
        )
    out = []
    for i, row in enumerate(frame.loc[:, list(FRAME_COLUMNS)].itertuples(index=False), start=1):
        values = {name: none_if_missing(v) for name, v in zip(FRAME_COLUMNS, row)}
        for name in _LIST_FIELDS:
            text = values[name]
            values[name] = tuple(text.split(_SEP)) if text else ()
        for name in ("year", "source_index"):
            v = values[name]
            if v is None:
                continue
            try:
                as_float = float(v)
            except (TypeError, ValueError):
                as_float = float("nan")
            if not as_float.is_integer():
                raise InputError(f"{v!r} is not a whole number", row=i, column=name)
            values[name] = int(as_float)
        if values["source_index"] is None:
            values["source_index"] = i - 1
        raw_text = values["raw"]
        try:
            raw = json.loads(raw_text) if raw_text else {}
        except json.JSONDecodeError as exc:
            raise InputError(f"raw is not valid JSON ({exc.msg})", row=i, column="raw") from None
        if not isinstance(raw, dict):
            raise InputError("raw must be a JSON object", row=i, column="raw")
        values["raw"] = raw
        for name, v in values.items():
            if name not in ("year", "source_index", "raw", *_LIST_FIELDS) and v is not None:
                values[name] = str(v)
        out.append(Record(**values))
    return tuple(out)
