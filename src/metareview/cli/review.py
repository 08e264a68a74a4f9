"""`metareview review ...`: a review project in a store, from imports to the PRISMA diagram.

Commands (each prints a short table; a user's mistake is one line on stderr and exit 2)::

    metareview review init --name "Aspirin review" [--db review.db] [--lead ann]
    metareview review import pubmed.txt --database PubMed --date 2024-01-31 [--query ...]
    metareview review dedup
    metareview review status
    metareview review export --records unique.ris | --extraction sheet.csv (or .xlsx)
    metareview review prisma --out flow.svg (or .png, .pdf)
    metareview review checklist --out checklist.md (or .csv, .xlsx)

``--db`` takes a file path (SQLite) or a URL (``postgresql+psycopg://user@host/db``) and
defaults to ``review.db``; ``--name`` picks the project when the store holds several.
Heavy modules (SQLAlchemy, pandas, matplotlib) load inside the commands.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from metareview.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

#: argument names used by ReviewProject -> the options that set them
OPTIONS = {"name": "--name", "date": "--date", "database": "--database", "subset": "--subset",
           "query": "--query", "format": "--format", "encoding": "--encoding", "kind": "--register",
           "lead": "--lead", "reviewers_per_record": "--reviewers-per-record"}


def _names_options(func: F) -> F:
    """Errors about an argument given on the command line name its option (``--date``)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from metareview.io import option_error

        try:
            return func(*args, **kwargs)
        except InputError as exc:
            raise option_error(exc, OPTIONS) from None

    return wrapper  # type: ignore[return-value]

WORKFLOW = """A whole review, step by step (the store is review.db unless --db says otherwise):

\b
  metareview review init --name "Aspirin review" --lead ann
  metareview review import pubmed.txt --database PubMed --date 2024-01-31 --query-file pubmed_query.txt
  metareview review import embase.ris --database Embase --date 2024-02-01
  metareview review dedup
  metareview review status
  metareview review export --records unique.ris --extraction sheet.xlsx
  metareview review prisma --out flow.svg
  metareview review checklist --out checklist.md
"""

DB_HELP = "Review store: a SQLite file path or a database URL (postgresql+psycopg://...)."
NAME_HELP = "Project name (needed only when the store holds several projects)."


def _table(title: str, rows: list[tuple[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("item")
    table.add_column("n", justify="right")
    for item, value in rows:
        table.add_row(str(item), f"{value:,}" if isinstance(value, int) else str(value))
    Console(soft_wrap=True, markup=False).print(table)


def _open(db: str, name: str | None) -> Any:
    from metareview.review.project import ReviewProject

    return ReviewProject.open(db, name)


def init(
    name: str = typer.Option(..., "--name", help="Name of the new review project."),
    db: str = typer.Option("review.db", "--db", help=DB_HELP),
    lead: str | None = typer.Option(None, "--lead", help="Username of the review lead."),
    reviewers_per_record: int = typer.Option(
        1, "--reviewers-per-record", help="Reviewers who must agree for a decision to be final."
    ),
) -> None:
    """Create a review store (schema by migrations) and a project in it."""
    from metareview.review.project import ReviewProject

    with ReviewProject.init(db, name, lead=lead, reviewers_per_record=reviewers_per_record) as p:
        _table(f"Created project {p.name!r}", [("store", p.url), ("project id", p.project_id)])


def _read_query(path: Path) -> str:
    """The search strategy in *path*: UTF-8 text, not empty."""
    if path.is_dir():
        raise InputError("is a folder, not a text file", file=str(path), column="--query-file",
                         hint="give the text file holding the search strategy")
    if not path.is_file():
        raise InputError("no such file", file=str(path), column="--query-file", hint="check the path")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"is not UTF-8 text (byte 0x{raw[exc.start]:02x})", file=str(path),
                         line=raw[: exc.start].count(b"\n") + 1, column="--query-file",
                         hint="save the search strategy as UTF-8 text") from None
    if not text.strip():
        raise InputError("is empty", file=str(path), column="--query-file",
                         hint="paste the search strategy as run into it, or leave --query-file out")
    return text


def import_(
    file: Path = typer.Argument(..., metavar="FILE", help="The database export to import."),
    database: str = typer.Option(..., "--database", help="Database searched, e.g. Embase."),
    date: str = typer.Option(..., "--date", help="Date the search was run (YYYY-MM-DD)."),
    query: str | None = typer.Option(None, "--query", help="The search strategy as run."),
    query_file: Path | None = typer.Option(
        None, "--query-file", help="A text file holding the search strategy."
    ),
    format: str | None = typer.Option(None, "--format", help="Export format (detected if omitted)."),
    encoding: str | None = typer.Option(None, "--encoding", help="Text encoding (detected if omitted)."),
    register: bool = typer.Option(
        False, "--register", help="The source is a trials register, not a bibliographic database."
    ),
    db: str = typer.Option("review.db", "--db", help=DB_HELP),
    name: str | None = typer.Option(None, "--name", help=NAME_HELP),
) -> None:
    """Import one export file as one search (all records or none)."""
    if query is not None and query_file is not None:
        raise InputError("give the search strategy once", column="--query",
                         hint="use --query or --query-file, not both")
    if query_file is not None:
        query = _read_query(query_file)
    with _open(db, name) as project:
        summary = project.import_file(
            file, database=database, date=date, query=query, format=format, encoding=encoding,
            kind="register" if register else "database",
        )
    rows = [("search id", summary.search_id), ("database", summary.database),
            ("date run", summary.date.isoformat()), ("format", summary.format),
            ("records", summary.records), ("warnings", len(summary.warnings))]
    _table(f"Imported {file.name}", rows)
    for warning in summary.warnings[:20]:
        typer.echo(f"warning: {warning}", err=True)
    if len(summary.warnings) > 20:
        typer.echo(f"warning: ... and {len(summary.warnings) - 20} more", err=True)


def dedup(
    db: str = typer.Option("review.db", "--db", help=DB_HELP),
    name: str | None = typer.Option(None, "--name", help=NAME_HELP),
) -> None:
    """Find duplicate records across all searches and store the clusters (idempotent)."""
    with _open(db, name) as project:
        summary = project.dedup()
    _table("De-duplication", [
        ("records", summary.records), ("duplicate clusters", summary.duplicate_clusters),
        ("duplicates removed", summary.duplicates_removed), ("links", summary.links),
        ("pairs queued for review", summary.pairs_for_review),
    ])


def status(
    db: str = typer.Option("review.db", "--db", help=DB_HELP),
    name: str | None = typer.Option(None, "--name", help=NAME_HELP),
) -> None:
    """Show where the project stands."""
    with _open(db, name) as project:
        st = project.status()
    frame = st.to_frame()
    _table(f"Project {st.project!r}", [(r.item.replace("_", " "), int(r.n))
                                       for r in frame.itertuples(index=False)])


def export(
    records: Path | None = typer.Option(None, "--records", help="Write records as RIS."),
    extraction: Path | None = typer.Option(
        None, "--extraction", help="Write the extraction sheet (.csv or .xlsx)."
    ),
    subset: str = typer.Option("unique", "--subset", help="Records to export: unique, all, included."),
    db: str = typer.Option("review.db", "--db", help=DB_HELP),
    name: str | None = typer.Option(None, "--name", help=NAME_HELP),
) -> None:
    """Export records (RIS) and/or the data-extraction sheet."""
    if records is None and extraction is None:
        raise InputError("nothing to export", column="--records",
                         hint="give --records FILE.ris and/or --extraction FILE.csv|.xlsx")
    from metareview.io import atomic_output, check_output

    if records is not None:
        check_output(records, option="--records", what="records")
    if extraction is not None:
        check_output(extraction, option="--extraction", suffixes=(".csv", ".xlsx"), what="an extraction sheet")
    rows: list[tuple[str, Any]] = []
    with _open(db, name) as project:
        if records is not None:
            with atomic_output(records, option="--records") as tmp:
                rows.append((f"records -> {records}", project.export_records_ris(tmp, subset=subset)))
        if extraction is not None:
            with atomic_output(extraction, option="--extraction") as tmp:
                rows.append((f"studies -> {extraction}", project.export_extraction_sheet(tmp)))
    _table("Exported", rows)


def prisma(
    out: Path | None = typer.Option(None, "--out", help="Write the flow diagram (.svg, .png, .pdf)."),
    db: str = typer.Option("review.db", "--db", help=DB_HELP),
    name: str | None = typer.Option(None, "--name", help=NAME_HELP),
) -> None:
    """Compute the PRISMA 2020 counts from the store and draw the flow diagram."""
    from metareview.io import atomic_output, check_output

    if out is not None:
        check_output(out, suffixes=(".svg", ".png", ".pdf"), what="the diagram")
    with _open(db, name) as project:
        counts = project.prisma_counts()
    frame = counts.to_frame()
    rows = [(f"{r.box.replace('_', ' ')}{': ' + r.label if r.label else ''}", int(r.n))
            for r in frame.itertuples(index=False)]
    if out is not None:
        from metareview.plots.prisma import save_prisma_flow

        with atomic_output(out) as tmp:
            save_prisma_flow(counts, tmp)
        rows.append(("diagram", str(out)))
    _table("PRISMA 2020", rows)


def checklist(
    out: Path = typer.Option(..., "--out", help="Write the checklist (.md, .csv or .xlsx)."),
    db: str = typer.Option("review.db", "--db", help=DB_HELP),
    name: str | None = typer.Option(None, "--name", help=NAME_HELP),
) -> None:
    """Write the PRISMA 2020 checklist, pre-filled where the store knows the answer."""
    from metareview.review.checklist import prisma_checklist

    from metareview.io import atomic_output, check_output

    check_output(out, suffixes=(".md", ".csv", ".xlsx"), what="the checklist")
    with _open(db, name) as project:
        filled = prisma_checklist(project)
    with atomic_output(out) as tmp:
        filled.write(tmp)
    n_filled = sum(item.filled for item in filled.items)
    _table("PRISMA 2020 checklist", [("items", len(filled.items)),
                                     ("pre-filled from the store", n_filled),
                                     ("written to", str(out))])


def register(app: typer.Typer) -> None:
    """Add the ``review`` command group to *app*."""
    group = typer.Typer(
        name="review", no_args_is_help=True,
        help="A systematic-review project: import, de-duplicate, screen, PRISMA 2020.",
        epilog=WORKFLOW,
    )
    group.command("init")(_names_options(init))
    group.command("import")(_names_options(import_))
    group.command("dedup")(_names_options(dedup))
    group.command("status")(_names_options(status))
    group.command("export")(_names_options(export))
    group.command("prisma")(_names_options(prisma))
    group.command("checklist")(_names_options(checklist))
    app.add_typer(group, name="review")
