"""`metareview analyze PLAN.toml --out DIR`: run an analysis plan and write the report.

Writes ``report.html`` (self-contained), ``results.json``, ``tables/*.csv`` and
``figures/*.svg|png|pdf`` into DIR, with a rich progress bar on stderr. Heavy modules are
imported inside the command so ``metareview --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer


def figure_formats(formats: str) -> tuple[str, ...]:
    """The ``--formats`` option as ``write_report`` takes it: the comma list lower-cased,
    ``("svg",)`` when empty; an unknown format is an error naming the option.

    >>> figure_formats("SVG, pdf"), figure_formats(" , ")
    (('svg', 'pdf'), ('svg',))
    """
    from metareview.errors import InputError
    from metareview.report.figures import FORMATS

    wanted = tuple(f.strip().lower() for f in formats.split(",") if f.strip())
    bad = [f for f in wanted if f not in FORMATS]
    if bad:
        raise InputError(f"unknown figure format {bad[0]!r}", column="--formats",
                         hint="use any of svg, png, pdf")
    return wanted or ("svg",)


def analyze(
    plan: Path = typer.Argument(..., help="The analysis plan (TOML).", exists=False),
    out: Path = typer.Option(..., "--out", "-o", help="Directory to write the report into."),
    formats: str = typer.Option("svg,png,pdf", "--formats",
                                help="Figure formats, comma-separated (svg is always written)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run every analysis in PLAN and write report.html, results.json, CSV tables and figures."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from metareview.analysis import analysis_steps, run_plan
    from metareview.errors import InputError
    from metareview.plan import load_plan
    from metareview.report import write_report
    from metareview.report.figures import figure_specs

    wanted = figure_formats(formats)
    if not plan.is_file():
        raise InputError("plan file not found", file=str(plan),
                         hint="give the path of a .toml analysis plan")
    validated = load_plan(plan)
    console = Console(stderr=True)
    steps = analysis_steps(validated)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=console, disable=quiet,
                  transient=False) as progress:
        task = progress.add_task("analyses", total=len(steps))

        def step(outcome: str, what: str) -> None:
            progress.update(task, advance=1, description=f"{outcome}: {what}")

        result = run_plan(validated, progress=step)
        n_figures = sum(len(figure_specs(o)) for o in result.outcomes)
        files = progress.add_task("report", total=n_figures + 3)
        written = write_report(
            result, out, formats=wanted,
            progress=lambda what: progress.update(files, advance=1, description=f"wrote {what}"),
        )
    if not quiet:
        console.print(f"report: {written.html}")
        console.print(f"results: {written.json} ({len(written.tables)} tables, "
                      f"{len(written.figures)} figure files)")


def register(app: typer.Typer) -> None:
    """Add ``analyze`` to *app*."""
    app.command("analyze", help="Run an analysis plan (TOML) and write the report.")(analyze)
