"""`metareview demo [--out DIR]`: the flagship analysis (low-dose IL-2) end to end, one command.

First writes the flagship studies into a review store, ``DIR/review.db`` (embedded SQLite),
through the ReviewProject API: project ``LD-IL-2``, one study per cohort, one extraction form
per outcome, each number with its source (:mod:`metareview.datasets.ld_il2_store`). Then runs
the shipped plan ``ld_il2_store_plan.toml``, whose data sources read that store, and writes,
into DIR (default ``demo-out``):

* ``report.html`` (opening with the comparison with the published results), ``results.json``,
  ``tables/*.csv`` and ``figures/*`` (as ``metareview analyze`` does);
* ``plan/``: the plan run (``ld_il2_plan.toml``, reading ``../review.db``), and the same
  analysis from the two tables the store was filled from (``ld_il2_csv_plan.toml``), so
  ``metareview analyze DIR/plan/ld_il2_plan.toml --out ...`` re-runs it and a reader can open
  every input.

It then prints the comparison table (with a short "why": the computed reasons ours may
differ, cut to 60 characters; the report has them in full) and the path of report.html. Heavy modules are imported
inside the command so ``metareview --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer


def _missing(x: float | None) -> bool:
    return x is None or x != x  # NaN is the only value not equal to itself


def _cell(est: float | None, lb: float | None, ub: float | None, *, ours: bool) -> str:
    if _missing(est):
        return "no study here" if ours else "no number published"
    f = "{:.3g}" if ours else "{:g}"  # ours rounded for display; published as printed
    if _missing(lb) or _missing(ub):
        return f"{f.format(est)} (no CI published)"
    return f"{f.format(est)} ({f.format(lb)} to {f.format(ub)})"


#: the printed "why" column is cut to this many characters (the report has the full text)
WHY_WIDTH = 60


def _why(text: object, width: int = WHY_WIDTH) -> str:
    """The first *width* characters of the reasons, with an ellipsis when cut.

    >>> _why("k = 2 studies analysed here against 31 in the paper", width=20)
    'k = 2 studies ana...'
    """
    s = "" if text is None or text != text else " ".join(str(text).split())
    return s if len(s) <= width else s[:width - 3].rstrip() + "..."


def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", "-o",
                             help="Directory to write the report into (created if missing)."),
    formats: str = typer.Option("svg,png", "--formats",
                                help="Figure formats, comma-separated (svg is always written)."),
) -> None:
    """Run the shipped LD-IL-2 flagship analysis and write its report into OUT."""
    import warnings

    from rich.console import Console
    from rich.table import Table

    from metareview.analysis import run_plan
    from metareview.cli.analyze import figure_formats
    from metareview.datasets.ld_il2_store import write_demo_inputs
    from metareview.plan import load_plan
    from metareview.report import write_report
    from metareview.report.results_json import comparison_frame

    wanted = figure_formats(formats)
    plan_file = write_demo_inputs(out)
    plan = load_plan(plan_file)
    with warnings.catch_warnings(record=True) as caught:
        # every warning is kept in the report and in results.json (outcomes[].warnings)
        warnings.simplefilter("always")
        result = run_plan(plan)
        written = write_report(result, out, formats=wanted)
    console = Console(soft_wrap=False, width=140)
    table = Table(title="LD-IL-2: published versus this re-analysis", show_lines=False)
    for col, just in (("outcome", "left"), ("published (95% CI)", "right"),
                      ("ours (95% CI)", "right"), ("k", "right"), ("why", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in comparison_frame(result).to_dict("records"):
        table.add_row(str(r["label"]),
                      _cell(r["published"], r["published_ci_lb"], r["published_ci_ub"],
                            ours=False),
                      _cell(r["ours"], r["ours_ci_lb"], r["ours_ci_ub"], ours=True),
                      str(r["k"]), _why(r["reasons"]))
    console.print(table)
    n_warn = len({str(w.message) for w in caught})
    if n_warn:
        console.print(f"{n_warn} distinct warning(s) while fitting; each is in the report.")
    console.print(f"review store: {out / 'review.db'}")
    console.print(f"plan: {plan_file}")
    console.print(f"report: {written.html}")


def register(app: typer.Typer) -> None:
    """Add ``demo`` to *app*."""
    app.command("demo", help="Run the shipped flagship analysis (low-dose IL-2) end to end.")(
        demo)
