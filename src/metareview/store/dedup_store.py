"""Store a de-duplication result (clusters, links, pairs for review) for one project.

The automatic result replaces the previous automatic result, so storing the same result
twice leaves the same rows (idempotent). Whatever a person decided (``decided_by="person"``)
is kept: their links are never overwritten and clusters touching records a person clustered
are left alone. When a cluster's kept record has no screening work but another member has
(decisions, a resolution, retrieval status or a study), that member is kept instead, so a
re-run of de-duplication after screening began never hides a decision behind a duplicate.
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
        ``duplicate_clusters``, ``duplicates_removed``, ``links``, ``pairs_for_review``,
        ``kept_changed`` (clusters whose kept record was switched to keep screening work).
    """
    from sqlalchemy import delete, insert, select

    from metareview.store import models as m

    clusters = result.clusters
    sizes = clusters.groupby("cluster_id")["record_id"].transform("size")
    multi = clusters[sizes > 1]
    if (multi.groupby("cluster_id")["kept"].sum() != 1).any():
        raise StoreError("the duplicate finder returned a cluster without exactly one kept record")

    person_links = session.execute(
        select(m.DuplicateLink.record_a_id, m.DuplicateLink.record_b_id, m.DuplicateLink.decision)
        .where(m.DuplicateLink.project_id == project_id, m.DuplicateLink.decided_by == "person")
    ).all()
    person_pairs = {(int(a), int(b)) for a, b, _ in person_links}
    different = {(int(a), int(b)) for a, b, d in person_links if d == "not_duplicate"}
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

    worked_on = _records_with_work(session, project_id)
    n_kept_changed = 0
    groups: list[tuple[int, list[int]]] = []
    for _, members in multi.groupby("cluster_id", sort=True):
        ids = [int(x) for x in members["record_id"]]
        if person_members.intersection(ids):
            continue  # a person's clustering of these records stands
        if different and any((a, b) in different for a in ids for b in ids if a < b):
            continue  # a person said two of these records differ: do not merge them
        kept_id = int(members.loc[members["kept"].astype(bool), "record_id"].iloc[0])
        worked = [rid for rid in ids if rid in worked_on]
        if worked and kept_id not in worked:
            kept_id = worked[0]  # never hide decisions already made behind a duplicate
            n_kept_changed += 1
        groups.append((kept_id, ids))
    if groups:
        # one multi-row INSERT ... RETURNING, ids in the order of the rows given
        cluster_ids = session.scalars(
            insert(m.DuplicateCluster).returning(m.DuplicateCluster.id,
                                                 sort_by_parameter_order=True),
            [{"project_id": project_id, "kept_record_id": kept, "decided_by": "auto"}
             for kept, _ in groups],
        ).all()
        session.execute(insert(m.DuplicateMember), [
            {"cluster_id": cid, "record_id": rid, "kept": rid == kept}
            for cid, (kept, ids) in zip(cluster_ids, groups) for rid in ids
        ])
    n_clusters = len(groups)
    n_removed = sum(len(ids) - 1 for _, ids in groups)
    if rows:
        session.execute(insert(m.DuplicateLink), rows)
    return {
        "duplicate_clusters": n_clusters,
        "duplicates_removed": n_removed,
        "links": sum(r["decision"] == "duplicate" for r in rows),
        "pairs_for_review": sum(r["decision"] == "pending" for r in rows),
        "kept_changed": n_kept_changed,
    }


def _records_with_work(session: Session, project_id: int) -> set[int]:
    """Records that carry screening decisions, resolutions, retrieval status or a study."""
    from sqlalchemy import select, union

    from metareview.store import models as m

    mine = select(m.RecordRow.id).where(m.RecordRow.project_id == project_id)
    query = union(
        select(m.ScreeningDecision.record_id).where(m.ScreeningDecision.record_id.in_(mine)),
        select(m.ConflictResolution.record_id).where(m.ConflictResolution.record_id.in_(mine)),
        select(m.FullTextRetrieval.record_id).where(m.FullTextRetrieval.record_id.in_(mine)),
        select(m.RecordRow.id).where(m.RecordRow.project_id == project_id,
                                     m.RecordRow.study_id.is_not(None)),
    )
    return {int(x) for x in session.scalars(query)}


def resolve_pair(session: Session, project_id: int, link_id: int, *, duplicate: bool,
                 user_id: int) -> int | None:
    """A person's decision on a queued pair; returns the id of the record kept (if merged).

    ``duplicate=False`` records that the two are different records. ``duplicate=True``
    merges them: the clusters holding either record (if any) become one cluster decided by a
    person, keeping the record the first cluster kept (or the first record of the pair), so
    later automatic runs leave it alone.
    """
    import datetime as dt

    from sqlalchemy import delete, insert, select

    from metareview.errors import InputError
    from metareview.store import models as m

    link = session.get(m.DuplicateLink, link_id)
    if link is None or link.project_id != project_id:
        raise InputError(f"there is no duplicate pair {link_id} in this project", column="link_id")
    if link.decided_by == "person":
        raise InputError(f"pair {link_id} was already decided ({link.decision})", column="link_id")
    link.decision = "duplicate" if duplicate else "not_duplicate"
    link.decided_by = "person"
    link.decided_by_user_id = user_id
    link.decided_at = dt.datetime.now(dt.timezone.utc)
    if not duplicate:
        return None
    pair = (link.record_a_id, link.record_b_id)
    rows = session.execute(
        select(m.DuplicateCluster.id, m.DuplicateCluster.kept_record_id, m.DuplicateMember.record_id)
        .join(m.DuplicateMember, m.DuplicateMember.cluster_id == m.DuplicateCluster.id)
        .where(m.DuplicateCluster.project_id == project_id,
               m.DuplicateCluster.id.in_(
                   select(m.DuplicateMember.cluster_id).where(m.DuplicateMember.record_id.in_(pair))))
        .order_by(m.DuplicateCluster.id, m.DuplicateMember.id)
    ).all()
    members = list(dict.fromkeys([r.record_id for r in rows] + list(pair)))
    worked = _records_with_work(session, project_id)
    kept = rows[0].kept_record_id if rows else pair[0]
    if kept not in worked:
        kept = next((rid for rid in members if rid in worked), kept)
    old = {r.id for r in rows}
    if old:
        session.execute(delete(m.DuplicateMember).where(m.DuplicateMember.cluster_id.in_(old)))
        session.execute(delete(m.DuplicateCluster).where(m.DuplicateCluster.id.in_(old)))
    cluster = m.DuplicateCluster(project_id=project_id, kept_record_id=kept, decided_by="person")
    session.add(cluster)
    session.flush()
    session.execute(insert(m.DuplicateMember), [
        {"cluster_id": cluster.id, "record_id": rid, "kept": rid == kept} for rid in members])
    return int(kept)
