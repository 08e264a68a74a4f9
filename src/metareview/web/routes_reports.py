"""The PRISMA 2020 flow diagram and the analysis pages, computed live from the store.

``/p/{pid}/analysis`` pools the extracted effect sizes directly; ``/p/{pid}/analysis/plan``
runs an analysis plan (pasted, uploaded, or generated from the extraction forms) with the
machinery of ``metareview analyze`` (:mod:`metareview.web.plan_run`) and shows the report's
tables and forest plots, with report.html and results.json to download.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from metareview.errors import MetaReviewError
from metareview.web.app import render
from metareview.web.context import ProjectContext, project_context

router = APIRouter()


@router.get("/p/{pid}/prisma")
def prisma(ctx: ProjectContext = Depends(project_context)) -> Response:
    from metareview.plots.prisma import prisma_flow
    from metareview.web.render_svg import svg_data_uri

    counts = figure = error = None
    try:
        counts = ctx.project().prisma_counts()
        figure = svg_data_uri(prisma_flow(counts, title=ctx.project_name))
    except MetaReviewError as exc:
        error = str(exc)
    items = [] if counts is None else [
        (k, v) for k, v in counts.__dict__.items() if isinstance(v, int)]
    reasons = [] if counts is None else sorted(counts.reports_excluded.items())
    sources = [] if counts is None else [
        *sorted(counts.identified_databases.items()), *sorted(counts.identified_registers.items())]
    removed = [] if counts is None else sorted(counts.removed_other.items())
    return render(ctx.request, "prisma.html", **ctx.template(
        figure=figure, error=error, counts=items, reasons=reasons, sources=sources,
        removed=removed))


def analysis_table(ctx: ProjectContext):  # type: ignore[no-untyped-def]
    """One row per study and outcome with the values to analyse (agreed, or the lead's)."""
    import pandas as pd

    from metareview.web.extraction import agreed_values
    from metareview.web.store import extraction_rows, members

    rows = extraction_rows(ctx.engine, ctx.project_id)
    leads = {m["username"] for m in members(ctx.engine, ctx.project_id) if m["role"] == "lead"}
    out = []
    for (study, outcome), grp in rows.groupby(["study", "outcome"], sort=True):
        values = agreed_values(grp.to_dict("records"), lead=leads)
        base = {"study": study, "outcome": outcome, "reviewers": ", ".join(grp["reviewer"]),
                "status": "unresolved discrepancy" if values is None else "ok"}
        out.append({**base, **(values or {})})
    return pd.DataFrame(out)


def pool(table: Any, outcome: str) -> dict[str, Any]:
    """Effect sizes and a random-effects (REML) pool for one outcome.

    ``yi``/``vi`` are used as given; otherwise the standardised mean difference (Hedges' g)
    from means and SDs, or the log odds ratio from events and totals, by
    :func:`metareview.effects.escalc` (metafor's definitions: Viechtbauer 2010, J Stat Softw
    36(3), doi:10.18637/jss.v036.i03), then :func:`metareview.models.rma`.
    """
    from metareview.effects import escalc
    from metareview.models import rma

    t = table[(table["outcome"] == outcome) & (table["status"] == "ok")]
    cols = set(t.columns[t.notna().all()]) if len(t) else set()
    if {"yi", "vi"} <= cols:
        yi, vi, measure = t["yi"].astype(float), t["vi"].astype(float), "as extracted (yi, vi)"
    elif {"m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"} <= cols:
        eff = escalc("SMD", **{c: t[c].astype(float).to_numpy() for c in
                               ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i")})
        yi, vi, measure = eff.yi, eff.vi, "SMD (Hedges' g)"
    elif {"ai", "n1i", "ci", "n2i"} <= cols:
        a, n1, c, n2 = (t[k].astype(float).to_numpy() for k in ("ai", "n1i", "ci", "n2i"))
        eff = escalc("OR", ai=a, bi=n1 - a, ci=c, di=n2 - c)
        yi, vi, measure = eff.yi, eff.vi, "log odds ratio"
    else:
        return {"outcome": outcome, "k": len(t), "error":
                "the extracted fields give no effect size (need yi/vi, means/SDs/ns or events/ns "
                "for every study)"}
    res: dict[str, Any] = {"outcome": outcome, "k": len(t), "measure": measure,
                           "studies": list(zip(t["study"], list(yi), list(vi), strict=True))}
    if len(t) < 2:
        res["error"] = "a pooled estimate needs at least two studies"
        return res
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = rma(list(yi), list(vi), method="REML", slab=list(t["study"]))
    res.update(estimate=float(np.ravel(fit.estimate)[0]),
               ci_lb=float(fit.ci_lb[0]), ci_ub=float(fit.ci_ub[0]), tau2=float(fit.tau2),
               I2=float(fit.I2), warnings=[str(w.message) for w in caught])
    return res


@router.get("/p/{pid}/analysis")
def analysis(ctx: ProjectContext = Depends(project_context)) -> Response:
    table = analysis_table(ctx)
    results = []
    if len(table):
        for outcome in sorted(table["outcome"].unique()):
            try:
                results.append(pool(table, outcome))
            except MetaReviewError as exc:
                results.append({"outcome": outcome, "error": str(exc)})
    return render(ctx.request, "analysis.html", **ctx.template(
        columns=list(table.columns), rows=table.to_dict("records"), results=results))


@router.get("/p/{pid}/analysis.csv")
def analysis_csv(ctx: ProjectContext = Depends(project_context)) -> Response:
    table = analysis_table(ctx)
    buf = io.StringIO()
    # a text cell starting with = + - @ would run as a formula in a spreadsheet (OWASP
    # "CSV injection"): prefix it with an apostrophe
    table = table.apply(lambda col: col.map(
        lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v))
    table.to_csv(buf, index=False)
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="project-{ctx.project_id}-extraction.csv"'})


# --- the analysis plan: the machinery of `metareview analyze`, on this project's store ------

#: largest plan file accepted (a plan is a few kilobytes of TOML)
PLAN_LIMIT = 256 * 1024


def _report_dir(ctx: ProjectContext) -> Any:
    return ctx.request.app.state.settings.upload_dir / "reports" / f"project-{ctx.project_id}"


def _generated(ctx: ProjectContext) -> tuple[str, list[str]]:
    from metareview.web.plan_run import extracted_outcomes, generated_plan_text
    from metareview.web.store import forms_latest

    forms = {o: f["schema"] for o, f in forms_latest(ctx.engine, ctx.project_id).items()}
    return generated_plan_text(forms, title=ctx.project_name,
                               reviewer=ctx.username if ctx.is_lead else None,
                               with_data=extracted_outcomes(ctx.engine, ctx.project_id))


def _plan_page(ctx: ProjectContext, *, text: str, notes: list[str], run: Any = None,
               error: str | None = None, status: int = 200) -> Response:
    from metareview.web.plan_view import run_view

    view = run_view(run) if run is not None else None
    done = (_report_dir(ctx) / "results.json").is_file()
    return render(ctx.request, "analysis_plan.html", status_code=status, **ctx.template(
        plan_text=text, notes=notes, view=view, error=error, has_report=done))


@router.get("/p/{pid}/analysis/plan")
def analysis_plan(ctx: ProjectContext = Depends(project_context)) -> Response:
    last = _report_dir(ctx) / "plan.toml"
    text, notes = _generated(ctx)
    if last.is_file():
        text = last.read_text(encoding="utf-8")
    return _plan_page(ctx, text=text, notes=notes)


@router.post("/p/{pid}/analysis/plan")
async def run_analysis_plan(ctx: ProjectContext = Depends(project_context),
                            plan_text: str = Form(""), use: str = Form("text"),
                            plan_file: UploadFile | None = File(None)) -> Response:
    """Run a plan (pasted, uploaded, or generated from the forms); lead only."""
    from metareview.web.plan_run import run_web_plan

    ctx.require_lead()
    generated, notes = _generated(ctx)
    name = "plan.toml"
    if use == "generated":
        text = generated
    elif use == "upload":
        if plan_file is None or not plan_file.filename:
            return _plan_page(ctx, text=plan_text, notes=notes, status=400,
                              error="choose a plan file (.toml) to upload")
        raw = await plan_file.read(PLAN_LIMIT + 1)
        if len(raw) > PLAN_LIMIT:
            return _plan_page(ctx, text=plan_text, notes=notes, status=400,
                              error=f"{plan_file.filename}: a plan is at most "
                                    f"{PLAN_LIMIT // 1024} KB")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _plan_page(ctx, text=plan_text, notes=notes, status=400,
                              error=f"{plan_file.filename}: not UTF-8 text; save the plan as "
                                    "UTF-8")
        name = Path(plan_file.filename).name
    else:
        text = plan_text
    try:  # the run fits models and draws figures: off the event loop
        run = await run_in_threadpool(
            run_web_plan, text, store_url=ctx.request.app.state.settings.db,
            project=ctx.project_name, out_dir=_report_dir(ctx), file=name)
    except MetaReviewError as exc:
        return _plan_page(ctx, text=text, notes=notes, error=str(exc), status=400)
    return _plan_page(ctx, text=text, notes=notes, run=run)


@router.get("/p/{pid}/analysis/report.html")
def analysis_report_html(ctx: ProjectContext = Depends(project_context)) -> Response:
    return _report_file(ctx, "report.html", "text/html; charset=utf-8")


@router.get("/p/{pid}/analysis/results.json")
def analysis_results_json(ctx: ProjectContext = Depends(project_context)) -> Response:
    return _report_file(ctx, "results.json", "application/json")


def _report_file(ctx: ProjectContext, name: str, media_type: str) -> Response:
    path = _report_dir(ctx) / name
    if not path.is_file():
        raise HTTPException(404, "no analysis has been run for this project yet")
    return Response(path.read_bytes(), media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="project-{ctx.project_id}-{name}"'})
