"""The lead's duplicates page: pairs left for a person, resolved as same or different."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from metareview.errors import InputError
from metareview.web.app import flash, redirect, render
from metareview.web.context import ProjectContext, project_context

router = APIRouter()

CHOICES = {"same": True, "different": False}


@router.get("/p/{pid}/duplicates")
def duplicates_page(ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.duplicates import pending_pairs_side_by_side

    ctx.require_lead()
    pairs = pending_pairs_side_by_side(ctx.project())
    return render(ctx.request, "duplicates.html", **ctx.template(pairs=pairs))


@router.post("/p/{pid}/duplicates/run")
def run_dedup(ctx: ProjectContext = Depends(project_context)) -> Response:
    ctx.require_lead()
    summary = ctx.run(lambda p: p.dedup())
    flash(ctx.request, f"De-duplication: {summary.duplicates_removed} duplicates removed, "
                       f"{summary.pairs_for_review} pairs left for a person.")
    return redirect(f"/p/{ctx.project_id}/duplicates")


@router.post("/p/{pid}/duplicates/{link_id}")
def resolve_pair(link_id: int, ctx: ProjectContext = Depends(project_context),
                 decision: str = Form("")) -> Response:
    ctx.require_lead()
    if decision not in CHOICES:
        raise InputError(f"{decision!r} is not a decision on a pair of records",
                         column="decision", hint="choose 'same' or 'different'")
    kept = ctx.run(lambda p: p.resolve_duplicate_pair(link_id, duplicate=CHOICES[decision],
                                                      by=ctx.username))
    if CHOICES[decision]:
        flash(ctx.request, f"Pair {link_id}: the same record; record {kept} kept.")
    else:
        flash(ctx.request, f"Pair {link_id}: different records, both kept.")
    return redirect(f"/p/{ctx.project_id}/duplicates")
