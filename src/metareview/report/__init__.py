"""Reports of an analysis: report.html, results.json, one CSV per table, figures.

:func:`write_report` writes everything for an :class:`~metareview.analysis.AnalysisResult`:

* ``report.html`` -- one self-contained file (inline CSS and SVG), opening with the
  comparison with published results when the plan gives one, then the GRADE summary of
  findings, each outcome's results, the methods text and the references
  (:mod:`metareview.report.html`, :mod:`metareview.report.methods_text`);
* ``results.json`` -- every number unrounded, schema ``docs/results-schema.md``
  (:mod:`metareview.report.results_json`);
* ``tables/<outcome>_<table>.csv``, ``tables/summary_of_findings.csv``,
  ``tables/comparison.csv``;
* ``figures/<outcome>_<figure>.svg|png|pdf`` (:mod:`metareview.report.figures`).

Heavy modules are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ReportFiles", "write_report", "write_tables"]


@dataclass(frozen=True)
class ReportFiles:
    """The files a report run wrote."""

    html: Path
    json: Path
    tables: tuple[Path, ...]
    figures: tuple[Path, ...]


def write_tables(result: Any, out_dir: Path | str) -> list[Path]:
    """One CSV per table (numbers unrounded, UTF-8, no index)."""
    from metareview.report.results_json import comparison_frame
    from metareview.report.sof import sof_frame

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    frames = {"summary_of_findings": sof_frame([o.sof for o in result.outcomes])}
    comparison = comparison_frame(result)
    if len(comparison):
        frames["comparison"] = comparison
    for o in result.outcomes:
        for name, frame in o.tables.items():
            frames[f"{o.spec.name}_{name}"] = frame
        frames[f"{o.spec.name}_grade"] = o.sof.to_frame()
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    return written


def write_report(result: Any, out_dir: Path | str, *,
                 formats: tuple[str, ...] = ("svg", "png", "pdf"),
                 progress: Callable[[str], None] | None = None) -> ReportFiles:
    """Write report.html, results.json, the CSV tables and the figures into *out_dir*.

    Parameters
    ----------
    result : AnalysisResult
        From :func:`metareview.analysis.run_plan`.
    out_dir : path
        Created if missing; files in it with the same names are replaced.
    formats : tuple of str, keyword-only
        Figure formats (SVG is always written: the HTML inlines it).
    progress : callable, keyword-only
        Called with a short description after each file group.
    """
    from metareview.report.figures import render_figures
    from metareview.report.html import write_html
    from metareview.report.results_json import write_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def tick(what: str) -> None:
        if progress is not None:
            progress(what)

    json_path = write_json(result, out / "results.json")
    tick("results.json")
    tables = write_tables(result, out / "tables")
    tick("tables")
    figures = render_figures(result, out / "figures", formats=formats, progress=progress)
    html = write_html(result, out / "report.html", figures)
    tick("report.html")
    files = tuple(p for f in figures for p in f.files)
    return ReportFiles(html=html, json=json_path, tables=tuple(tables), figures=files)
