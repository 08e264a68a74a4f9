"""`metareview plot`: draw a forest or funnel plot of one table of studies.

The table is read as ``metareview pool`` reads it (columns named as metafor's arguments, or
``yi``/``vi``), the model is fitted once and drawn; the output format follows the file
extension (.png at 300 dpi, .svg, .pdf). Heavy libraries are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

EXAMPLES = """

Examples:

\b
  metareview plot forest trials.csv --measure OR --out forest.png
  metareview plot forest smd.csv --measure SMD --subgroup disease --style bmj --out forest.pdf
  metareview plot funnel trials.csv --measure OR --trimfill --out funnel.svg
"""

_Data = Annotated[Path, typer.Argument(metavar="FILE", help="CSV/TSV/Excel file, columns named as metafor's arguments (or yi, vi).")]
_Measure = Annotated[str | None, typer.Option("--measure", "-m", help="Effect measure (SMD, MD, OR, RR, RD, PLO, ...). Not needed when the file has yi and vi.")]
_Method = Annotated[str, typer.Option(help="tau^2 estimator: EE, DL, REML, ML, PM, ...; a comma list is a fallback chain.")]
_Test = Annotated[str, typer.Option(help="z, t or knha (Hartung-Knapp).")]
_Level = Annotated[float, typer.Option(help="Confidence level in percent.")]
_Out = Annotated[Path, typer.Option("--out", "-o", help="Output file: .png (300 dpi), .svg or .pdf.")]
_Style = Annotated[str, typer.Option(help="Journal style: default, cochrane, bmj, lancet, jama.")]
_Ri = Annotated[float | None, typer.Option(help="Assumed pre-post correlation for SMCR/SMCC when the file has no ri column.")]


_FIGURES = (".png", ".svg", ".pdf")


def _fit_inputs(data: Path, measure: str | None, ri: float | None, out: Path) -> tuple[Any, str, Any, Any, Any, Any]:
    from metareview.cli.pool import compute_effects
    from metareview.io import check_output, read_table

    check_output(out, suffixes=_FIGURES, what="a figure")  # before any work
    file = str(data)
    frame = read_table(data)
    yi, vi, slab, meas = compute_effects(frame, measure=measure, file=file, ri=ri)
    return frame, file, yi, vi, slab, meas


def _split_list(text: str | None) -> list[str]:
    return [] if not text else [c.strip() for c in text.split(",") if c.strip()]


def _flags(frame: Any, column: str | None, slab: Any, file: str) -> dict[str, str] | None:
    """Study label -> footnote text, from the non-empty cells of *column*."""
    if column is None:
        return None
    from metareview.errors import InputError
    from metareview.io import require_columns

    require_columns(frame, (column,), file=file)
    labels = list(slab) if slab is not None else [f"Study {i + 1}" for i in range(len(frame))]
    if len(set(labels)) != len(labels):
        raise InputError("study labels are not unique, so flagged rows cannot be told apart",
                         file=file, column=column, hint="give every study a distinct label")  # fmt: skip
    out = {}
    for label, note in zip(labels, frame[column], strict=True):
        if isinstance(note, str) and note.strip():
            out[label] = note.strip()
    return out


def _write_figure(fig: Any, out: Path) -> None:
    """Save *fig* to *out* (format from its extension; nothing left behind on failure) and
    say so."""
    from metareview.io import atomic_output
    from metareview.plots import save_figure

    with atomic_output(out) as tmp:
        save_figure(fig, tmp)
    typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add ``plot forest`` and ``plot funnel`` to *app*."""
    plot_app = typer.Typer(
        help="Draw a figure (forest, funnel) of one table of studies." + EXAMPLES,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
    )

    @plot_app.command(help="Forest plot (with subgroups, prediction interval, heterogeneity)." + EXAMPLES)
    def forest(
        data: _Data,
        out: _Out,
        measure: _Measure = None,
        method: _Method = "REML",
        test: _Test = "z",
        level: _Level = 95.0,
        subgroup: Annotated[str | None, typer.Option(help="Column naming each study's subgroup.")] = None,
        tau2_given: Annotated[str | None, typer.Option("--tau2", help="With --subgroup: 'separate' (default) or 'common' tau^2.")] = None,
        ri: _Ri = None,
        style: _Style = "default",
        columns: Annotated[str | None, typer.Option(help="Comma list of columns of the file to show beside the labels (e.g. n1i,n2i).")] = None,
        flag_column: Annotated[str | None, typer.Option(help="Column whose non-empty cells are footnotes for their row (e.g. 'converted from median').")] = None,
        favours_left: Annotated[str | None, typer.Option(help="Label under the axis, left of no effect.")] = None,
        favours_right: Annotated[str | None, typer.Option(help="Label under the axis, right of no effect.")] = None,
        pi: Annotated[str, typer.Option(help="Prediction interval: row, dashed or none.")] = "row",
        title: Annotated[str | None, typer.Option(help="Title above the plot.")] = None,
    ) -> None:
        from metareview.cli.pool import OPTIONS, method_chain, report_warnings, subgroup_error, subgroup_tau2_rule
        from metareview.errors import InputError
        from metareview.io import option_error, require_columns
        from metareview.models import rma, subgroup_analysis
        from metareview.plots import forest_plot

        tau2_rule = subgroup_tau2_rule(tau2_given, subgroup)
        with report_warnings():
            frame, file, yi, vi, slab, meas = _fit_inputs(data, measure, ri, out)
            extra = _split_list(columns)
            require_columns(frame, extra, file=file)
            cols = {c: frame[c].tolist() for c in extra} or None
            flags = _flags(frame, flag_column, slab, file)
            favours = None
            if favours_left is not None or favours_right is not None:
                favours = (favours_left or "", favours_right or "")
            try:
                if subgroup is None:
                    res: Any = rma(yi, vi, method=method_chain(method), test=test, level=level, slab=slab, measure=meas)
                else:
                    require_columns(frame, (subgroup,), file=file)
                    res = subgroup_analysis(yi, vi, frame[subgroup].tolist(), method=method_chain(method), tau2=tau2_rule,
                                            test=test, level=level, slab=slab, measure=meas)  # fmt: skip
                    if cols is not None:  # subgroup plots match extra columns by study label
                        import pandas as pd

                        labels = list(res.overall.slab)
                        cols = pd.DataFrame(cols, index=labels)  # type: ignore[assignment]
                fig = forest_plot(res, style=style, columns=cols, flags=flags, favours=favours,
                                  pi=None if pi.lower() == "none" else pi.lower(), title=title)  # fmt: skip
            except InputError as exc:
                if subgroup is not None:
                    exc = subgroup_error(exc, subgroup)
                raise option_error(exc, OPTIONS, file=file, columns=frame.columns) from None
            _write_figure(fig, out)

    @plot_app.command(help="Contour-enhanced funnel plot (optionally with trim-and-fill)." + EXAMPLES)
    def funnel(
        data: _Data,
        out: _Out,
        measure: _Measure = None,
        method: _Method = "REML",
        test: _Test = "z",
        level: _Level = 95.0,
        ri: _Ri = None,
        style: _Style = "default",
        contours: Annotated[bool, typer.Option(help="Shade significance contours (p 0.10, 0.05, 0.01).")] = True,
        trimfill: Annotated[bool, typer.Option(help="Add the studies imputed by trim-and-fill (open circles).")] = False,
    ) -> None:
        from metareview.cli.pool import OPTIONS, method_chain, report_warnings
        from metareview.errors import InputError
        from metareview.io import option_error
        from metareview.models import rma
        from metareview.plots import funnel_plot

        with report_warnings():
            frame, file, yi, vi, slab, meas = _fit_inputs(data, measure, ri, out)
            try:
                res = rma(yi, vi, method=method_chain(method), test=test, level=level, slab=slab, measure=meas)
                tf = None
                if trimfill:
                    from metareview.bias import trim_and_fill

                    tf = trim_and_fill(res)
                fig = funnel_plot(res, style=style, contours=(0.10, 0.05, 0.01) if contours else None, trimfill=tf)
            except InputError as exc:
                raise option_error(exc, OPTIONS, file=file, columns=frame.columns) from None
            _write_figure(fig, out)

    app.add_typer(plot_app, name="plot")
