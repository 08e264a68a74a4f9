"""Adapter for the duplicates page: the pairs de-duplication left for a person, side by side.

:meth:`metareview.review.project.ReviewProject.pending_duplicate_pairs` gives only the two
record ids, the reason and the score of each queued link; this joins the two records'
bibliographic fields (and the database each came from) for display. The pairs come from
:func:`metareview.review.dedup.find_duplicates` (sorted-neighbourhood comparison: Hernández &
Stolfo 1995, SIGMOD Rec 24(2):127, doi:10.1145/568271.223807); a person checks the uncertain
ones, as Bramer et al. (2016), J Med Libr Assoc 104(3):240, doi:10.3163/1536-5050.104.3.014,
recommend for de-duplication in systematic reviews.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metareview.review.project import ReviewProject

__all__ = ["FIELDS", "pending_pairs_side_by_side"]

#: (column of ``records_frame``, label shown) in the order of the page's rows
FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Title"), ("authors", "Authors"), ("year", "Year"), ("journal", "Journal"),
    ("volume", "Volume"), ("pages", "Pages"), ("doi", "DOI"), ("pmid", "PMID"),
    ("database", "Source database"),
)


def _show(value: Any) -> str:
    if value is None or value != value:  # None, NaN, pd.NA compare unequal to themselves
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, tuple | list):
        return "; ".join(str(v) for v in value)
    return str(value)


def pending_pairs_side_by_side(project: ReviewProject) -> list[dict[str, Any]]:
    """Each pending pair as ``{"link_id", "reason", "score", "a", "b", "rows"}``.

    ``a`` and ``b`` are the two records (``record_id`` and the :data:`FIELDS` as text);
    ``rows`` lists ``(label, value_a, value_b, differ)`` for the page's table, ``differ``
    true when both records have the field and the values are not equal. The score is left
    unrounded. Returns ``[]`` when nothing waits.
    """
    pairs = project.pending_duplicate_pairs()
    if pairs.empty:
        return []
    records = project.records_frame(subset="all", raw=False).set_index("record_id")
    out: list[dict[str, Any]] = []
    for pair in pairs.to_dict("records"):
        sides = []
        for rid in (int(pair["record_a_id"]), int(pair["record_b_id"])):
            row = records.loc[rid]
            db = _show(row["database"])
            source = _show(row["source_database"]) if "source_database" in row.index else ""
            if source and source.casefold() != db.casefold():  # e.g. Ovid's "Embase Classic"
                db = f"{db} ({source})"
            side = {"record_id": rid, **{col: _show(row[col]) for col, _ in FIELDS}}
            side["database"] = db
            sides.append(side)
        a, b = sides
        rows = [(label, a[col], b[col], bool(a[col] and b[col] and a[col] != b[col]))
                for col, label in FIELDS]
        out.append({"link_id": int(pair["link_id"]), "reason": _show(pair["reason"]),
                    "score": None if pair["score"] is None else float(pair["score"]),
                    "a": a, "b": b, "rows": rows})
    return out
