"""`metareview batch`: one meta-analysis per group of a long table, optionally on a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EXAMPLES = """
Examples:

  metareview batch outcomes.csv --by outcome --out pooled.csv          (columns yi, vi)

  metareview batch trials.parquet --by outcome,subgroup --measure SMD --out pooled.parquet

  metareview batch sims.parquet --by replicate --method REML,DL --scheduler tcp://10.0.0.5:8786 --out fits.parquet
"""


def _split(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def register(app: typer.Typer) -> None:
    """Add ``batch`` to *app*."""

    @app.command(help="Run one meta-analysis per group of rows of a long table; write one row per group." + EXAMPLES)
    def batch(
        data: Annotated[Path, typer.Argument(help="CSV/TSV/Excel/Parquet file, one row per study.")],
        by: Annotated[list[str], typer.Option("--by", help="Grouping column(s): repeat the option or give a comma list.")],
        out: Annotated[Path, typer.Option("--out", help="Results file (.csv or .parquet), one row per group.")],
        measure: Annotated[str | None, typer.Option(help="Effect measure (SMD, MD, OR, RR, ...) when the file has raw columns instead of yi, vi.")] = None,
        method: Annotated[str, typer.Option(help="tau^2 estimator (EE, DL, REML, ML, PM, ...); a comma list is a fallback chain.")] = "REML",
        test: Annotated[str, typer.Option(help="z, t or knha (Hartung-Knapp).")] = "z",
        level: Annotated[float, typer.Option(help="Confidence level in percent.")] = 95.0,
        chunk_size: Annotated[int, typer.Option(help="Groups per vectorised call (and per Dask task).")] = 10_000,
        scheduler: Annotated[str | None, typer.Option(help="Address of a Dask scheduler (tcp://host:8786) to spread the chunks over.")] = None,
        timeout: Annotated[float, typer.Option(help="Seconds to wait for the Dask scheduler.")] = 30.0,
        progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = False,
    ) -> None:
        import numpy as np

        from metareview.errors import InputError
        from metareview.io import read_table
        from metareview.models.batch import pool_groups

        file = str(data)
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise InputError(f"cannot write {out.name}: give a .csv or .parquet file", column="out")
        frame = read_table(data)
        methods = _split([method])
        client = None
        if scheduler is not None:
            from metareview.distributed import connect

            client = connect(scheduler, timeout=timeout)
        try:
            res = pool_groups(frame, by=_split(by), measure=measure,
                              method=methods[0] if len(methods) == 1 else methods, test=test, level=level,
                              chunk_size=chunk_size, file=file, client=client, progress=progress)  # fmt: skip
        finally:
            if client is not None:
                client.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".parquet":
            res.to_parquet(out, index=False)
        else:
            res.to_csv(out, index=False, float_format="%.17g")
        failed = int((res["error"] != "").sum())
        typer.echo(f"{len(res)} groups pooled from {int(np.sum(res['k']))} studies -> {out}"
                   + (f"; {failed} could not be fitted (see the error column)" if failed else ""))  # fmt: skip
