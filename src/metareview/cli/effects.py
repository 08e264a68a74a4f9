"""``metareview effects``: compute effect sizes (yi, vi) from a CSV of summary data.

Example::

    metareview effects trials.csv --measure SMD --out yi_vi.csv
    metareview effects prepost.csv --measure SMCR --ri 0.5 --slab study
    metareview effects trials.csv --measure SMD --prepare   # medians/IQRs/SEs/CIs -> mean, SD

Columns are named as metafor's arguments (m1i, sd1i, n1i, ai, bi, xi, ni, ri, ...); other
columns are ignored. Heavy libraries are imported inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from metareview.errors import InputError

EXAMPLES = """Examples:

\b
  metareview effects trials.csv --measure SMD --out yi_vi.csv   (m1i, sd1i, n1i, m2i, sd2i, n2i)
  metareview effects trials.csv --measure OR                    (ai, bi, ci, di; prints CSV)
  metareview effects prepost.csv --measure SMCR --ri 0.5
  metareview effects trials.csv --measure SMD --prepare --log conversions.csv
"""


def register(app: typer.Typer) -> None:
    """Add the ``effects`` command to *app*."""

    @app.command("effects", epilog=EXAMPLES)
    def effects(
        data: Path = typer.Argument(..., metavar="FILE", help="CSV/TSV/Excel file, one row per study."),
        measure: str = typer.Option(..., "--measure", "-m",
                                    help="Effect-size measure: SMD, MD, ROM, OR, RR, RD, PETO, "
                                         "PR, PLO, PFT, PAS, COR, ZCOR, SMCC, SMCR, MC, ..."),
        out: Optional[Path] = typer.Option(None, "--out", "-o",  # noqa: UP007 (typer)
                                           help="Write the result CSV here (default: stdout)."),
        slab: Optional[str] = typer.Option(None, "--slab",  # noqa: UP007
                                           help="Column with study labels."),
        ri: Optional[float] = typer.Option(None, "--ri",  # noqa: UP007
                                           help="Assumed pre-post correlation for every study "
                                                "(SMCC, SMCR, MC) when there is no ri column."),
        vtype: str = typer.Option("LS", "--vtype", help="Variance estimator (metafor's vtype)."),
        add: Optional[float] = typer.Option(None, "--add",  # noqa: UP007
                                            help="Zero-cell correction (default 0.5; 0 for "
                                                 "PAS and PFT)."),
        to: str = typer.Option("only0", "--to",
                               help="Studies that get --add: only0, all, if0all, none."),
        drop00: bool = typer.Option(False, "--drop00",
                                    help="Set studies with no events in both groups to missing."),
        prepare: bool = typer.Option(False, "--prepare",
                                     help="First derive missing means/SDs from SE, CI, "
                                          "median/IQR/range columns (prepare_continuous)."),
        median_method: Optional[str] = typer.Option(None, "--median-method",  # noqa: UP007
                                                    help="luo_wan (default), wan or shi (with --prepare)."),
        log: Optional[Path] = typer.Option(None, "--log",  # noqa: UP007
                                           help="Write the record of conversions here (CSV)."),
    ) -> None:
        """Compute effect sizes yi and sampling variances vi (like metafor's escalc).

        Study labels come from --slab, else from a column named slab, study, study_id,
        author or label.
        """
        from metareview.cli.pool import report_warnings
        from metareview.effects import escalc, prepare_continuous
        from metareview.io import (
            atomic_output,
            check_output,
            label_column,
            option_error,
            read_table,
            unique_labels,
        )

        if median_method is not None and not prepare:
            raise InputError("--median-method only applies with --prepare", column="--median-method",
                             hint="add --prepare to convert medians and IQRs/ranges, or drop --median-method")
        for path, option in ((out, "--out"), (log, "--log")):  # before any work
            if path is not None:
                check_output(path, option=option, suffixes=(".csv",), what="a table", inputs=(data,))
        with report_warnings():
            frame = read_table(data)
            file = str(data)
            if slab is None:
                slab = label_column(frame)
            elif slab not in frame.columns:
                raise InputError(f"there is no column {slab!r} for the study labels", file=file,
                                 column="--slab", hint="the file has: " + ", ".join(map(str, frame.columns)))
            if slab is not None:
                unique_labels(frame[slab], file=file, column=slab)
            try:
                conversions: object = ()
                if prepare:
                    frame, conv_log = prepare_continuous(frame, method=median_method or "luo_wan")
                    conversions = conv_log
                kwargs: dict[str, object] = {}
                if ri is not None:
                    if "ri" in frame.columns:
                        raise InputError("--ri was given but the data has an ri column",
                                         file=file, column="ri", hint="drop one of them")
                    kwargs["ri"] = ri
                eff = escalc(measure.upper(), data=frame, slab=slab, vtype=vtype, add=add, to=to,
                             drop00=drop00, conversions=conversions, **kwargs)
            except InputError as exc:
                raise option_error(exc, _OPTIONS, file=file, columns=frame.columns) from None
            result = eff.to_frame()
            if out is None:
                typer.echo(result.to_csv(index=False), nl=False)
            else:
                with atomic_output(out) as tmp:
                    result.to_csv(tmp, index=False)
                typer.echo(f"wrote {eff.k} effect sizes ({eff.measure}) to {out}", err=True)
            if log is not None:
                with atomic_output(log, option="--log") as tmp:
                    eff.conversions_frame().to_csv(tmp, index=False)
            elif eff.conversions:
                typer.echo(f"{len(eff.conversions)} conversion(s) applied; use --log FILE to keep "
                           "the record", err=True)


#: escalc argument names -> the options of ``metareview effects`` that set them
_OPTIONS = {"measure": "--measure", "ri": "--ri", "vtype": "--vtype", "add": "--add", "to": "--to",
            "method": "--median-method", "drop00": "--drop00"}
