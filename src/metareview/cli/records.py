"""`metareview records FILE... --out records.csv|records.json`: exports to one normalised table.

Each FILE's format is detected from its content (or forced with ``--format``); a per-file
table of format, encoding and record count goes to the terminal. The output is CSV (the
columns of :func:`metareview.review.records.records_to_frame`) or JSON (one object per
record, lists kept as lists), chosen by the extension of ``--out``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EXAMPLES = """

Examples:

\b
  metareview records pubmed.nbib embase.ris wos.txt --out records.csv
  metareview records cnki.txt --format cnki_endnote --out records.json
"""


def _write_json(records, out: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    from metareview.review.records import FRAME_COLUMNS

    rows = []
    for r in records:
        row = {name: getattr(r, name) for name in FRAME_COLUMNS}
        row["authors"] = list(r.authors)
        row["keywords"] = list(r.keywords)
        row["raw"] = {k: list(v) for k, v in r.raw.items()}
        rows.append(row)
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _same_file(path: Path) -> object:
    return path.resolve()


def register(app: typer.Typer) -> None:
    """Add ``records`` to *app*."""

    @app.command(help="Convert database exports (any mix of formats) to one normalised table." + EXAMPLES)
    def records(
        files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Export files (RIS, MEDLINE, WoS, CSV, XML, BibTeX, CNKI ...).")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output file: .csv or .json.")],
        format: Annotated[str | None, typer.Option("--format", "-f", help="Force one format for every file (default: detect each).")] = None,
        encoding: Annotated[str | None, typer.Option(help="Force an encoding (default: detect UTF-8/UTF-16/GB18030).")] = None,
        database: Annotated[str | None, typer.Option(help="Set source_database of every record (e.g. Embase).")] = None,
    ) -> None:
        from rich.console import Console
        from rich.table import Table

        from metareview.errors import InputError
        from metareview.review.importers import FORMATS, read_records
        from metareview.review.records import records_to_frame

        from metareview.io import atomic_output, check_output

        check_output(out, suffixes=(".csv", ".json"), what="records", inputs=files)
        suffix = out.suffix.lower()
        if format is not None and format not in FORMATS:
            raise InputError(
                f"unknown format {format!r}", column="--format", hint="use one of " + ", ".join(FORMATS)
            )
        for f in files:
            if f.is_dir():
                raise InputError("is a folder, not an export file", file=str(f),
                                 hint="give the path of the exported file inside it")
            if not f.is_file():
                raise InputError("file not found", file=str(f), hint="check the path")
        if len(set(map(_same_file, files))) != len(files):
            seen: set[object] = set()
            twice = next(f for f in files if _same_file(f) in seen or seen.add(_same_file(f)))
            raise InputError("the same file is given twice", file=str(twice),
                             hint="list each export once, or its records are counted twice")
        try:
            results = [
                read_records(f, format=format, encoding=encoding, database=database) for f in files
            ]
        except InputError as exc:
            from metareview.io import option_error

            raise option_error(exc, {"encoding": "--encoding", "format": "--format"}) from None
        all_records = [r for res in results for r in res.records]
        with atomic_output(out) as tmp:
            if suffix == ".csv":
                records_to_frame(all_records).to_csv(tmp, index=False, encoding="utf-8")
            else:
                _write_json(all_records, tmp)
        console = Console(markup=False)
        table = Table(title=f"{len(all_records)} records from {len(results)} file(s) -> {out}")
        for col in ("file", "format", "encoding", "records", "warnings"):
            table.add_column(col, justify="right" if col in ("records", "warnings") else "left")
        for res in results:
            table.add_row(Path(res.file).name, res.format, res.encoding, str(len(res.records)), str(len(res.warnings)))
        console.print(table)
        err = Console(stderr=True, markup=False, soft_wrap=True)
        for res in results:
            for w in res.warnings:
                err.print(f"warning: {w}", markup=False, highlight=False)
