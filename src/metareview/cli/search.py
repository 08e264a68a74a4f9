"""`metareview search pubmed "QUERY" --out pubmed.txt`: run a live PubMed search.

The records come from NCBI E-utilities (esearch, then efetch in MEDLINE batches) and are
written exactly as the server sent them, with a ``pubmed.txt.search.json`` sidecar holding
the query, PubMed's translation of it, the count, the UTC date, the parameters (no WebEnv,
API key or e-mail) and the file's SHA-256. The file is read back with the importers before
the command reports success.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

EXAMPLES = """

Examples:

\b
  metareview search pubmed "aspirin[ti] AND stroke[ti]" --out pubmed.txt --email me@uni.edu
  metareview search pubmed "interleukin-2 AND lupus" --out il2.txt --mindate 2000 --maxdate 2024

Then import it as one search:

\b
  metareview review import pubmed.txt --database PubMed --date YYYY-MM-DD --query "..."
"""


def client_factory(**options: Any):  # -> EUtilsClient
    """Build the E-utilities client (tests replace this to serve recorded answers)."""
    from metareview.review.search_pubmed import EUtilsClient

    return EUtilsClient(**options)


def register(app: typer.Typer) -> None:
    """Add ``search pubmed`` to *app*."""
    search_app = typer.Typer(
        help="Search bibliographic databases online and save the export with its provenance.",
        no_args_is_help=True,
    )

    @search_app.command(help="Search PubMed (NCBI E-utilities) and save the MEDLINE export." + EXAMPLES)
    def pubmed(
        query: Annotated[str, typer.Argument(help="The search, as typed in PubMed.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="MEDLINE file to write (e.g. pubmed.txt).")],
        max_records: Annotated[int, typer.Option("--max", help="Refuse searches finding more records than this.")] = 10_000,
        email: Annotated[str | None, typer.Option("--email", help="Your e-mail, sent to NCBI as it asks (default: NCBI_EMAIL).")] = None,
        api_key: Annotated[str | None, typer.Option("--api-key", help="NCBI API key: 10 instead of 3 requests/s (default: NCBI_API_KEY).")] = None,
        mindate: Annotated[str | None, typer.Option("--mindate", help="Start of a publication date range: YYYY, YYYY/MM or YYYY/MM/DD.")] = None,
        maxdate: Annotated[str | None, typer.Option("--maxdate", help="End of the date range (both ends are needed).")] = None,
        datetype: Annotated[str, typer.Option("--datetype", help="Date the range applies to: pdat (publication), edat (Entrez), mdat (modified).")] = "pdat",
        batch_size: Annotated[int, typer.Option("--batch-size", help="Records per efetch request.")] = 500,
        base_url: Annotated[str | None, typer.Option("--base-url", help="E-utilities address (default: NCBI's).")] = None,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --out file and its sidecar.")] = False,
    ) -> None:
        import shlex

        from metareview.errors import InputError
        from metareview.review.search_pubmed import (
            DEFAULT_BASE_URL,
            check_out,
            search_pubmed,
            verify_export,
            write_search,
        )

        if datetype not in ("pdat", "edat", "mdat"):
            raise InputError(f"unknown date type {datetype!r}", column="--datetype",
                             hint="use pdat, edat or mdat")
        check_out(out, overwrite=overwrite)  # before any request: a typo must not cost a search
        with client_factory(base_url=base_url or DEFAULT_BASE_URL, email=email, api_key=api_key) as client:
            result = search_pubmed(
                query, max_records=max_records, batch_size=batch_size, mindate=mindate,
                maxdate=maxdate, datetype=datetype, client=client,
            )
        path, side = write_search(result, out, overwrite=overwrite)
        verify_export(path, expected=result.count)
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)
        typer.echo(f"{result.count} records from PubMed written to {path}")
        typer.echo(f"query as run: {result.query_translation}")
        typer.echo(f"search details: {side}")
        typer.echo("import with: metareview review import "
                   f"{shlex.quote(str(path))} --database PubMed"
                   f" --date {result.date_run.date().isoformat()} --query {shlex.quote(query)}")

    app.add_typer(search_app, name="search")
