"""A project's overview, members, exclusion reasons, imports and de-duplication."""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import Response

from metareview.errors import InputError
from metareview.web.app import flash, redirect, render
from metareview.web.context import STAGES, ProjectContext, optional_text, project_context

router = APIRouter()


def screening_overview(ctx: ProjectContext) -> dict[str, Any]:
    """Per stage: records to screen, progress per reviewer and pairwise agreement."""
    from metareview.review.screening import pairwise_agreement, progress
    from metareview.web.screening_queue import eligible_records
    from metareview.web.store import decisions_frame

    project = ctx.project()
    decisions = decisions_frame(ctx.engine, ctx.project_id)
    final = project.final_decisions()
    out: dict[str, Any] = {}
    for stage in STAGES:
        n_eligible = len(eligible_records(project, stage, final=final))
        d = decisions.loc[decisions["stage"] == stage, ["record_id", "reviewer", "decision", "stage"]]
        notes: list[str] = []
        prog = progress(d, n_records=n_eligible, stage=stage) if n_eligible and len(d) else None
        agree = None
        if d["reviewer"].nunique() >= 2:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    agree = pairwise_agreement(d, stage=stage,
                                               categories=("include", "exclude", "maybe"))
                    agree = agree[agree["n"] > 0]
                except InputError as exc:
                    notes.append(str(exc))
            notes += [str(w.message) for w in caught]
        out[stage] = {"n_eligible": n_eligible, "n_decisions": len(d),
                      "progress": None if prog is None else prog.to_dict("records"),
                      "agreement": None if agree is None else agree.to_dict("records"),
                      "notes": notes}
    return out


@router.get("/p/{pid}")
def overview(ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.store import members

    project = ctx.project()
    status = project.status()
    return render(
        ctx.request, "project.html",
        **ctx.template(status=status.to_frame().to_dict("records"),
                       members=members(ctx.engine, ctx.project_id),
                       reasons={s: project.exclusion_reasons(stage=s) for s in STAGES},
                       screening=screening_overview(ctx),
                       pending_pairs=status.pending_duplicate_pairs),
    )


@router.post("/p/{pid}/members")
def add_member(ctx: ProjectContext = Depends(project_context), username: str = Form(""),
               password: str = Form(""), role: str = Form("reviewer")) -> Response:
    from metareview.web.security import hash_password
    from metareview.web.store import create_user, user_hash

    ctx.require_lead()
    username = username.strip()
    found = user_hash(ctx.engine, username) if username else None
    if found is None or found[1] is None:
        if not password:
            raise InputError(f"{username!r} has no account yet: give an initial password",
                             column="password", hint="at least 8 characters; tell it to them")
        create_user(ctx.engine, username, hash_password(password))
    elif password:
        flash(ctx.request, f"{username!r} already has an account; their password was kept.")
    ctx.run(lambda p: p.add_member(username, role=role))  # type: ignore[arg-type]
    flash(ctx.request, f"{username} added as {role}.")
    return redirect(f"/p/{ctx.project_id}")


@router.post("/p/{pid}/reasons")
def add_reason(ctx: ProjectContext = Depends(project_context), label: str = Form(""),
               stage: str = Form("full_text")) -> Response:
    ctx.require_lead()
    text = optional_text(label, "reason", limit=300) or ""
    ctx.run(lambda p: p.add_exclusion_reason(text, stage=stage))  # type: ignore[arg-type]
    return redirect(f"/p/{ctx.project_id}")


@router.get("/p/{pid}/import")
def import_page(ctx: ProjectContext = Depends(project_context)) -> Response:
    ctx.require_lead()
    limit = ctx.request.app.state.settings.max_upload_bytes
    return render(ctx.request, "import.html",
                  **ctx.template(today=dt.date.today().isoformat(), limit_mb=limit >> 20))


@router.post("/p/{pid}/import")
def import_export(ctx: ProjectContext = Depends(project_context),
                  file: UploadFile = File(...), database: str = Form(""),
                  date: str = Form(""), query: str = Form("")) -> Response:
    from metareview.web.security import save_upload

    ctx.require_lead()
    settings = ctx.request.app.state.settings
    folder = settings.upload_dir / f"project-{ctx.project_id}"
    path = save_upload(file.file, folder, file.filename, max_bytes=settings.max_upload_bytes)
    try:
        summary = ctx.run(lambda p: p.import_file(path, database=database.strip(), date=date,
                                                  query=optional_text(query, "query")))
    except BaseException:
        path.unlink(missing_ok=True)  # nothing was stored, so the copy is not kept
        raise
    flash(ctx.request, f"Imported {summary.records} records from {file.filename or 'the file'} "
                       f"({summary.format}) as {summary.database}, stored as {path.name}.")
    # messages travel in the (signed, size-limited) session cookie: a few, shortened
    for w in summary.warnings[:3]:
        flash(ctx.request, w[:300], "warning")
    if len(summary.warnings) > 3:
        flash(ctx.request, f"... and {len(summary.warnings) - 3} more warnings from the reader",
              "warning")
    return redirect(f"/p/{ctx.project_id}")


@router.post("/p/{pid}/dedup")
def dedup(ctx: ProjectContext = Depends(project_context)) -> Response:
    ctx.require_lead()
    summary = ctx.run(lambda p: p.dedup())
    flash(ctx.request, f"De-duplication: {summary.duplicates_removed} duplicates removed, "
                       f"{summary.pairs_for_review} pairs left for a person.")
    return redirect(f"/p/{ctx.project_id}")
