"""Studies, data-extraction forms, double extraction and risk-of-bias forms and plots."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from metareview.errors import InputError
from metareview.web.app import flash, redirect, render
from metareview.web.context import ProjectContext, optional_text, project_context

router = APIRouter()

#: The store's instrument names and the keys of metareview.review.rob.INSTRUMENTS.
ROB_TOOLS = {"RoB2": "rob2", "ROBINS-I": "robins_i", "NOS": "nos_cohort"}


def _included(ctx: ProjectContext) -> list[dict[str, Any]]:
    """Records whose latest final decision is include (full text, else title/abstract)."""
    project = ctx.project()
    final = project.final_decisions()
    ok = final[(final["status"] == "final") & (final["decision"] == "include")]
    ft_excluded = set(final.loc[(final["stage"] == "full_text") & (final["status"] == "final")
                                & (final["decision"] != "include"), "record_id"])
    ids = sorted(set(ok["record_id"]) - ft_excluded)
    recs = project.records_frame(subset="all", raw=False)
    recs = recs[recs["record_id"].isin(ids)]
    return recs[["record_id", "title", "authors", "year", "study_id"]].to_dict("records")


@router.get("/p/{pid}/extraction")
def extraction_home(ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.extraction import PRESETS, discrepancies
    from metareview.web.store import extraction_rows, forms_latest, studies

    rows = extraction_rows(ctx.engine, ctx.project_id)
    flagged = []
    for (study, outcome), grp in rows.groupby(["study", "outcome"], sort=True):
        diff = discrepancies(grp.to_dict("records"))
        if diff:
            flagged.append({"study": study, "outcome": outcome, "fields": diff})
    done = {(r["study_id"], r["outcome"], r["reviewer"]) for r in rows.to_dict("records")}
    return render(ctx.request, "extraction.html", **ctx.template(
        forms=forms_latest(ctx.engine, ctx.project_id), presets=PRESETS,
        studies=studies(ctx.engine, ctx.project_id), included=_included(ctx),
        flagged=flagged, done=done, username=ctx.username))


@router.post("/p/{pid}/extraction/forms")
async def add_form(request: Request, ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.extraction import form_schema

    ctx.require_lead()
    form = await request.form()
    outcome = optional_text(form.get("outcome"), "outcome", limit=300)
    if not outcome:
        raise InputError("name the outcome", column="outcome", hint="e.g. 'Mortality at 30 days'")
    presets = [str(x) for x in form.getlist("preset")]
    schema = form_schema(presets, str(form.get("fields", "") or ""))
    ctx.run(lambda p: p.add_extraction_form(outcome, schema))
    flash(request, f"Form for {outcome!r} saved ({len(schema['properties'])} fields).")
    return redirect(f"/p/{ctx.project_id}/extraction")


@router.post("/p/{pid}/studies")
def add_study(ctx: ProjectContext = Depends(project_context), record_id: int = Form(...),
              label: str = Form("")) -> Response:
    ctx.require_lead()
    text = optional_text(label, "label", limit=300) or ""
    ctx.run(lambda p: p.assign_study([record_id], label=text))
    return redirect(f"/p/{ctx.project_id}/extraction")


def _study_and_form(ctx: ProjectContext, sid: int,
                    outcome: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from metareview.web.store import forms_latest, studies

    study = next((s for s in studies(ctx.engine, ctx.project_id) if s["id"] == sid), None)
    form = forms_latest(ctx.engine, ctx.project_id).get(outcome)
    if study is None or form is None:
        raise HTTPException(404, "no such study or outcome form in this project")
    return study, form


@router.get("/p/{pid}/extraction/{sid}/{outcome}")
def extract_page(sid: int, outcome: str, ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.store import extraction_rows

    study, form = _study_and_form(ctx, sid, outcome)
    rows = extraction_rows(ctx.engine, ctx.project_id)
    mine = rows[(rows["study_id"] == sid) & (rows["outcome"] == outcome)
                & (rows["reviewer"] == ctx.username)]
    values = {} if mine.empty else mine.iloc[0]["values"]
    return render(ctx.request, "extract.html", **ctx.template(
        study=study, outcome=outcome, form=form, values=values))


@router.post("/p/{pid}/extraction/{sid}/{outcome}")
async def save_extraction(request: Request, sid: int, outcome: str,
                          ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.extraction import parse_values

    study, form = _study_and_form(ctx, sid, outcome)
    values = parse_values(form["schema"], await request.form(), study=study["label"])
    ctx.run(lambda p: p.record_extraction(sid, outcome=outcome, reviewer=ctx.username,
                                          values=values, replace=True))
    flash(request, f"Saved {len(values)} values for {study['label']} ({outcome}).")
    return redirect(f"/p/{ctx.project_id}/extraction")


# ---------------------------------------------------------------------------- risk of bias
def rob_figures(ctx: ProjectContext) -> tuple[list[dict[str, Any]], list[str]]:
    """Traffic-light and summary plots (SVG) per instrument, from the judgements stored.

    Per study and domain the lead's judgement is used when there is one, else the latest.
    """
    import warnings

    import pandas as pd

    from metareview.plots.rob import rob_summary_plot, traffic_light_plot
    from metareview.review.rob import RobTable
    from metareview.web.render_svg import svg_data_uri
    from metareview.web.store import members, rob_rows

    rows = rob_rows(ctx.engine, ctx.project_id)
    leads = {m["username"] for m in members(ctx.engine, ctx.project_id) if m["role"] == "lead"}
    out: list[dict[str, Any]] = []
    notes: list[str] = []
    if rows.empty:
        return out, notes
    rows = rows.assign(is_lead=rows["reviewer"].isin(leads)).sort_values(
        ["is_lead", "updated_at"])
    for instrument, grp in rows.groupby("instrument", sort=True):
        one = grp.drop_duplicates(["study", "domain"], keep="last")
        tool = ROB_TOOLS[instrument]  # NOS stars are plotted too (coloured by the AHRQ rule)
        from metareview.review.rob import INSTRUMENTS

        codes = {d.code for d in INSTRUMENTS[tool].domains}
        complete = one.groupby("study")["domain"].apply(lambda s: codes <= set(s))
        ready = complete[complete].index
        if len(ready) < len(complete):
            notes.append(f"{instrument}: not plotted yet (domains missing): "
                         + ", ".join(complete[~complete].index))
        if not len(ready):
            continue
        frame = one[one["study"].isin(ready) & one["domain"].isin(codes)][
            ["study", "domain", "judgement"]]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                table = RobTable.from_frame(pd.DataFrame(frame), tool=tool, file=instrument)
                out.append({"instrument": instrument,
                            "traffic": svg_data_uri(traffic_light_plot(table)),
                            "summary": svg_data_uri(rob_summary_plot(table))})
            notes += [str(w.message) for w in caught]
        except InputError as exc:
            notes.append(str(exc))
    return out, notes


@router.get("/p/{pid}/rob")
def rob_home(ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.web.store import rob_rows, studies

    figures, notes = rob_figures(ctx)
    return render(ctx.request, "rob.html", **ctx.template(
        studies=studies(ctx.engine, ctx.project_id), tools=list(ROB_TOOLS),
        rows=rob_rows(ctx.engine, ctx.project_id).to_dict("records"), figures=figures,
        notes=notes))


@router.get("/p/{pid}/rob/{sid}")
def rob_form(sid: int, ctx: ProjectContext = Depends(project_context),
             instrument: str = "RoB2") -> Response:
    from metareview.review.rob import INSTRUMENTS
    from metareview.web.store import rob_rows, studies

    if instrument not in ROB_TOOLS:
        raise HTTPException(404, f"no instrument {instrument!r}")
    study = next((s for s in studies(ctx.engine, ctx.project_id) if s["id"] == sid), None)
    if study is None:
        raise HTTPException(404, "no such study in this project")
    inst = INSTRUMENTS[ROB_TOOLS[instrument]]
    rows = rob_rows(ctx.engine, ctx.project_id)
    mine = rows[(rows["study"] == study["label"]) & (rows["instrument"] == instrument)
                & (rows["reviewer"] == ctx.username)]
    current = dict(zip(mine["domain"], mine["judgement"], strict=True))
    support = dict(zip(mine["domain"], mine["support"], strict=True))
    return render(ctx.request, "rob_form.html", **ctx.template(
        study=study, instrument=instrument, inst=inst, current=current, support=support))


@router.post("/p/{pid}/rob/{sid}")
async def save_rob(request: Request, sid: int,
                   ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.review.rob import INSTRUMENTS
    from metareview.web.store import studies

    form = await request.form()
    instrument = str(form.get("instrument", ""))
    if instrument not in ROB_TOOLS:
        raise InputError(f"{instrument!r} is not an instrument", column="instrument",
                         hint="use one of: " + ", ".join(ROB_TOOLS))
    study = next((s for s in studies(ctx.engine, ctx.project_id) if s["id"] == sid), None)
    if study is None:
        raise HTTPException(404, "no such study in this project")
    inst = INSTRUMENTS[ROB_TOOLS[instrument]]
    saved = 0
    for d in inst.domains:
        judgement = str(form.get(f"j_{d.code}", "") or "").strip()
        if not judgement:
            continue
        allowed = inst.judgements or tuple(str(i) for i in range(d.max_stars + 1))
        if judgement not in allowed:
            raise InputError(f"{judgement!r} is not a judgement of {instrument}",
                             file=study["label"], column=d.code,
                             hint="choose one of: " + ", ".join(allowed))
        support = optional_text(form.get(f"s_{d.code}"), f"support {d.code}")
        ctx.run(lambda p, d=d, j=judgement, s=support: p.record_rob(
            sid, instrument=instrument, domain=d.code, judgement=j, reviewer=ctx.username,
            support=s, replace=True))
        saved += 1
    flash(request, f"Saved {saved} {instrument} judgements for {study['label']}.")
    return redirect(f"/p/{ctx.project_id}/rob")
