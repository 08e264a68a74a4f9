"""Store a de-duplication result (clusters, links, pairs for review) for one project.

The automatic result replaces the previous automatic result, so storing the same result
twice leaves the same rows (idempotent). Whatever a person decided (``decided_by="person"``)
is kept: their links are never overwritten and clusters touching records a person clustered
are left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from metareview.errors import StoreError

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

__all__ = ["store_dedup_result"]


def _pairs(project_id: int, links: pd.DataFrame, decision: str) -> list[dict[str, Any]]:
    import pandas as pd

    if links.empty:
        return []
    a = links["id_a"].astype("int64").to_numpy()
    b = links["id_b"].astype("int64").to_numpy()
    lo, hi = (a < b) * a + (a >= b) * b, (a < b) * b + (a >= b) * a
    scores = links["score"] if "score" in links else pd.Series([None] * len(links))
    reasons = links["reason"] if "reason" in links else pd.Series([""] * len(links))
    return [
        {"project_id": project_id, "record_a_id": int(x), "record_b_id": int(y),
         "reason": str(r)[:200], "score": None if pd.isna(s) else float(s),
         "decision": decision, "decided_by": "auto"}
        for x, y, r, s in zip(lo, hi, reasons, scores)
    ]


def store_dedup_result(session: Session, project_id: int, result: Any) -> dict[str, int]:
    """Replace the project's automatic de-duplication rows by *result*.

    Parameters
    ----------
    session : Session
        In a transaction (the caller commits).
    project_id : int
    result : DedupResult
        With ``clusters`` (cluster_id, record_id, kept), ``links`` and ``pairs_for_review``
        (id_a, id_b, reason, score); record ids are the store's record ids.

    Returns
    -------
    dict
        ``duplicate_clusters``, ``duplicates_removed``, ``links``, ``pairs_for_review``.
    """
    from sqlalchemy import delete, insert, select

    from metareview.store import models as m

    clusters = result.clusters
    sizes = clusters.groupby("cluster_id")["record_id"].transform("size")
    multi = clusters[sizes > 1]
    if (multi.groupby("cluster_id")["kept"].sum() != 1).any():
        raise StoreError("the duplicate finder returned a cluster without exactly one kept record")

    person_pairs = {(int(a), int(b)) for a, b in session.execute(
        select(m.DuplicateLink.record_a_id, m.DuplicateLink.record_b_id).where(
            m.DuplicateLink.project_id == project_id, m.DuplicateLink.decided_by == "person")
    )}
    auto_clusters = select(m.DuplicateCluster.id).where(
        m.DuplicateCluster.project_id == project_id, m.DuplicateCluster.decided_by == "auto")
    session.execute(delete(m.DuplicateMember).where(m.DuplicateMember.cluster_id.in_(auto_clusters)))
    session.execute(delete(m.DuplicateCluster).where(
        m.DuplicateCluster.project_id == project_id, m.DuplicateCluster.decided_by == "auto"))
    session.execute(delete(m.DuplicateLink).where(
        m.DuplicateLink.project_id == project_id, m.DuplicateLink.decided_by == "auto"))
    person_members = set(session.scalars(
        select(m.DuplicateMember.record_id)
        .join(m.DuplicateCluster, m.DuplicateMember.cluster_id == m.DuplicateCluster.id)
        .where(m.DuplicateCluster.project_id == project_id)
    ))

    seen = set(person_pairs)
    rows = []
    for row in _pairs(project_id, result.links, "duplicate") + _pairs(
            project_id, result.pairs_for_review, "pending"):
        key = (row["record_a_id"], row["record_b_id"])
        if key not in seen:
            seen.add(key)
            rows.append(row)

    n_clusters = n_removed = 0
    for _, members in multi.groupby("cluster_id", sort=True):
        ids = [int(x) for x in members["record_id"]]
        if person_members.intersection(ids):
            continue  # a person's clustering of these records stands
        kept_id = int(members.loc[members["kept"].astype(bool), "record_id"].iloc[0])
        cluster = m.DuplicateCluster(project_id=project_id, kept_record_id=kept_id,
                                     decided_by="auto")
        session.add(cluster)
        session.flush()
        session.execute(insert(m.DuplicateMember), [
            {"cluster_id": cluster.id, "record_id": rid, "kept": rid == kept_id} for rid in ids
        ])
        n_clusters += 1
        n_removed += len(ids) - 1
    if rows:
        session.execute(insert(m.DuplicateLink), rows)
    return {
        "duplicate_clusters": n_clusters,
        "duplicates_removed": n_removed,
        "links": sum(r["decision"] == "duplicate" for r in rows),
        "pairs_for_review": sum(r["decision"] == "pending" for r in rows),
    }
