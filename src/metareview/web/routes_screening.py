"""Screening pages: the next record, votes (blinded), conflicts and their resolution."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import Response

from metareview.errors import InputError
from metareview.web.app import flash, redirect, render
from metareview.web.context import STAGES, ProjectContext, optional_text, project_context, stage_or_404

router = APIRouter()


def _queue(ctx: ProjectContext, stage: str, decisions: Any = None):  # type: ignore[no-untyped-def]
    from metareview.web.screening_queue import reviewer_queue
    from metareview.web.store import decisions_frame

    if decisions is None:
        decisions = decisions_frame(ctx.engine, ctx.project_id)
    app = ctx.request.app
    with app.state.rank_lock:
        cache = app.state.rank_cache
    return reviewer_queue(ctx.project(), decisions, stage=stage, reviewer=ctx.username,
                          reviewers_per_record=_reviewers_per_record(ctx), cache=cache)


def _reviewers_per_record(ctx: ProjectContext) -> int:
    from sqlalchemy import select

    from metareview.store import models as m

    with ctx.engine.connect() as conn:
        return int(conn.scalar(select(m.Project.reviewers_per_record)
                               .where(m.Project.id == ctx.project_id)) or 1)


@router.get("/p/{pid}/screen/{stage}")
def next_record(stage: str, ctx: ProjectContext = Depends(project_context)) -> Response:
    stage_or_404(stage)
    queue = _queue(ctx, stage)
    if queue.order:
        return redirect(f"/p/{ctx.project_id}/screen/{stage}/{queue.order[0]}")
    return render(ctx.request, "screen_done.html", **ctx.template(stage=stage, queue=queue))


@router.get("/p/{pid}/screen/{stage}/{rid}")
def record_page(stage: str, rid: int, ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.screening_queue import eligible_records
    from metareview.web.store import decisions_frame

    stage_or_404(stage)
    project = ctx.project()
    eligible = eligible_records(project, stage)
    row = eligible[eligible["record_id"] == rid]
    if row.empty:
        raise HTTPException(404, f"record {rid} is not to be screened at {STAGES[stage]}")
    record = row.iloc[0].to_dict()
    decisions = decisions_frame(ctx.engine, ctx.project_id)
    here = decisions[(decisions["record_id"] == rid) & (decisions["stage"] == stage)]
    mine = here[here["reviewer"] == ctx.username]
    own = None if mine.empty else mine.iloc[0].to_dict()
    # blinding: the other reviewers' votes only after one's own
    others = [] if own is None else here[here["reviewer"] != ctx.username].to_dict("records")
    queue = _queue(ctx, stage, decisions)
    nxt = next((r for r in queue.order if r != rid), None)
    retrieval = None
    if stage == "full_text":
        retrieval = _retrieval(ctx, rid)
    return render(ctx.request, "record.html", **ctx.template(
        stage=stage, record=record, own=own, others=others, n_others_hidden=(
            len(here) - len(mine) if own is None else 0),
        queue=queue, next_id=nxt,
        reasons=project.exclusion_reasons(stage=stage),  # type: ignore[arg-type]
        retrieval=retrieval))


def _retrieval(ctx: ProjectContext, rid: int) -> dict[str, Any] | None:
    from sqlalchemy import select

    from metareview.store import models as m

    with ctx.engine.connect() as conn:
        row = conn.execute(select(m.FullTextRetrieval.status, m.FullTextRetrieval.reason)
                           .where(m.FullTextRetrieval.record_id == rid)).first()
    return None if row is None else {"status": row.status, "reason": row.reason}


@router.post("/p/{pid}/screen/{stage}/{rid}")
def vote(stage: str, rid: int, ctx: ProjectContext = Depends(project_context),
         decision: str = Form(""), reason: str = Form(""), note: str = Form(""),
         go: str = Form("next")) -> Response:
    from sqlalchemy.exc import IntegrityError

    stage_or_404(stage)
    reason_ = optional_text(reason, "reason", limit=300) if decision == "exclude" else None
    note_ = optional_text(note, "note")

    def cast() -> None:
        ctx.run(lambda p: p.record_decision(
            rid, stage=stage, reviewer=ctx.username,  # type: ignore[arg-type]
            decision=decision, reason=reason_, note=note_, replace=True))  # type: ignore[arg-type]

    try:
        cast()
    except IntegrityError:  # the same reviewer's vote stored by a concurrent request: replace it
        cast()
    if go == "stay":
        return redirect(f"/p/{ctx.project_id}/screen/{stage}/{rid}")
    return redirect(f"/p/{ctx.project_id}/screen/{stage}")


@router.post("/p/{pid}/retrieval/{rid}")
def retrieval(rid: int, ctx: ProjectContext = Depends(project_context),
              status: str = Form(""), reason: str = Form("")) -> Response:
    text = optional_text(reason, "reason", limit=2000)
    ctx.run(lambda p: p.set_retrieval(rid, status=status, reason=text))  # type: ignore[arg-type]
    return redirect(f"/p/{ctx.project_id}/screen/full_text/{rid}")


@router.get("/p/{pid}/conflicts")
def conflicts(ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.store import decisions_frame

    project = ctx.project()
    final = project.final_decisions()
    decisions = decisions_frame(ctx.engine, ctx.project_id)
    records = project.records_frame(subset="all", raw=False).set_index("record_id")
    out: dict[str, list[dict[str, Any]]] = {}
    for stage in STAGES:
        ids = final.loc[(final["stage"] == stage) & (final["status"] == "conflict"), "record_id"]
        rows = []
        for rid in ids.tolist():
            votes = decisions[(decisions["record_id"] == rid) & (decisions["stage"] == stage)]
            if not ctx.is_lead and ctx.username not in set(votes["reviewer"]):
                continue  # blinding: a reviewer sees votes only on records they decided
            rows.append({"record_id": int(rid), "title": records.at[rid, "title"],
                         "votes": votes.to_dict("records")})
        out[stage] = rows
    return render(ctx.request, "conflicts.html", **ctx.template(
        conflicts=out,
        reasons={s: project.exclusion_reasons(stage=s) for s in STAGES}))  # type: ignore[arg-type]


@router.post("/p/{pid}/conflicts/{stage}/{rid}")
def resolve(stage: str, rid: int, ctx: ProjectContext = Depends(project_context),
            decision: str = Form(""), reason: str = Form(""), note: str = Form("")) -> Response:
    stage_or_404(stage)
    ctx.require_lead()
    reason_ = optional_text(reason, "reason", limit=300) if decision == "exclude" else None
    if decision not in ("include", "exclude"):
        raise InputError(f"{decision!r} is not a resolution", column="decision",
                         hint="resolve a conflict with include or exclude")
    ctx.run(lambda p: p.resolve_conflict(rid, stage=stage, lead=ctx.username,  # type: ignore[arg-type]
                                         decision=decision, reason=reason_,  # type: ignore[arg-type]
                                         note=optional_text(note, "note")))
    flash(ctx.request, f"Record {rid} resolved: {decision}.")
    return redirect(f"/p/{ctx.project_id}/conflicts")
