"""The figures of a report, drawn by :mod:`metareview.plots` through one small adapter.

:data:`FIGURES` lists which plot function draws which figure from which part of an
:class:`~metareview.analysis.OutcomeResult`. :func:`plot_function` fetches the function by
name and fails loudly (``NotImplementedError`` naming it) when the plots layer lacks it, so a
missing figure shows up as a failing test, never as a silently thinner report. Figures are
saved with :func:`metareview.plots.save_figure`, which makes SVG and PDF output reproducible.
This module itself never imports matplotlib.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["FIGURES", "FigureFile", "FigureSpec", "figure_specs", "inline_svg",
           "plot_function", "render_figures"]

FORMATS = ("svg", "png", "pdf")


@dataclass(frozen=True)
class FigureSpec:
    """One figure: its file stem, title, the plots function and how to call it."""

    name: str
    title: str
    function: str
    args: Callable[[Any], tuple[tuple[Any, ...], dict[str, Any]]]


@dataclass(frozen=True)
class FigureFile:
    """A rendered figure: where its files are and the SVG text to inline in HTML."""

    outcome: str
    name: str
    title: str
    files: tuple[Path, ...]
    svg: str


def plot_function(name: str) -> Callable[..., Any]:
    """``metareview.plots.<name>``, or NotImplementedError saying which figure is missing."""
    import importlib

    plots = importlib.import_module("metareview.plots")
    try:
        return getattr(plots, name)  # type: ignore[no-any-return]
    except (AttributeError, ImportError) as exc:
        raise NotImplementedError(
            f"metareview.plots.{name} is not available ({exc}); the report needs it"
        ) from exc


def _transf(o: Any) -> Any:
    from metareview.analysis import reporting_transform

    return reporting_transform(o.spec.transf, ni=getattr(o.effects, "ni", None))


def _flags(o: Any) -> dict[str, Any]:
    """``flags=`` for the forest plot when the data source flags studies, else nothing."""
    flags = o.objects.get("flags") or {}
    return {"flags": dict(flags)} if flags else {}


def figure_specs(o: Any) -> list[FigureSpec]:
    """The figures to draw for one outcome, given what was run."""
    specs = [FigureSpec("forest", f"Forest plot: {o.spec.label}", "forest_plot",
                        lambda o: ((o.fit,), {"transf": _transf(o), **_flags(o)}))]
    for sg in o.spec.subgroups:
        key = f"subgroup:{sg.name}"
        if key not in o.objects:  # one subgroup only: no test, no figure (see the table)
            continue
        specs.append(FigureSpec(
            f"forest_{sg.name}", f"Forest plot by {sg.column}", "forest_plot",
            lambda o, key=key: ((o.objects[key],), {"transf": _transf(o), **_flags(o)})))
    ran = any("pval" in v for v in o.tests.values())
    if ran or o.spec.bias.trim_and_fill:
        specs.append(FigureSpec("funnel", "Funnel plot", "funnel_plot",
                                lambda o: ((o.fit,),
                                           {"trimfill": o.objects.get("trim_and_fill")})))
    if "baujat" in o.objects:
        specs.append(FigureSpec("baujat", "Baujat plot", "baujat_plot",
                                lambda o: ((o.objects["baujat"],), {})))
    if "leave_one_out" in o.objects:
        specs.append(FigureSpec("leave_one_out", "Leave-one-out analysis", "leave_one_out_plot",
                                lambda o: ((o.objects["leave_one_out"], o.fit),
                                           {"transf": _transf(o)})))
    if "cumulative" in o.objects:
        specs.append(FigureSpec("cumulative", "Cumulative meta-analysis", "cumulative_plot",
                                lambda o: ((o.objects["cumulative"], o.fit),
                                           {"transf": _transf(o)})))
    for mod in o.spec.moderators:
        key = f"moderator:{mod.name}"
        fit = o.objects.get(key)
        if fit is not None and fit.p == 2:
            specs.append(FigureSpec(f"bubble_{mod.name}", f"Meta-regression on {mod.formula}",
                                    "bubble_plot", lambda o, key=key: ((o.objects[key],), {})))
    if "ri_sensitivity" in o.objects:
        specs.append(FigureSpec("ri_sensitivity", "Sensitivity to the assumed correlation",
                                "ri_sensitivity_plot",
                                lambda o: ((o.objects["ri_sensitivity"],),
                                           {"measure": o.spec.measure,
                                            "transf": _transf(o)})))
    return specs


#: every plots function a report may call (for tests: each must exist)
FIGURES = ("forest_plot", "funnel_plot", "baujat_plot", "leave_one_out_plot", "cumulative_plot",
           "bubble_plot", "ri_sensitivity_plot")


_DECL = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)


def inline_svg(svg: str, prefix: str) -> str:
    """SVG text ready to inline in HTML: no XML declaration or DOCTYPE, ids prefixed so
    several figures on one page cannot collide.

    Examples
    --------
    >>> inline_svg('<?xml version="1.0"?>\\n<svg><g id="a"/><use xlink:href="#a"/>'
    ...            '<path clip-path="url(#a)"/></svg>', "f1-")
    '<svg><g id="f1-a"/><use xlink:href="#f1-a"/><path clip-path="url(#f1-a)"/></svg>'
    """
    svg = _DECL.sub("", svg).strip()
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg

    def fix(match: re.Match[str]) -> str:
        name = match.group(2)
        return match.group(1) + (prefix + name if name in ids else name) + match.group(3)

    svg = re.sub(r'(\bid=")([^"]+)(")', fix, svg)
    svg = re.sub(r'(href="#)([^"]+)(")', fix, svg)
    return re.sub(r"(url\(#)([^)]+)(\))", fix, svg)


def render_figures(result: Any, out_dir: Path | str, *,
                   formats: tuple[str, ...] = FORMATS,
                   progress: Callable[[str], None] | None = None) -> list[FigureFile]:
    """Draw every figure of every outcome and save it in *formats* under *out_dir*.

    Returns
    -------
    list of FigureFile
        In report order; ``svg`` holds the inline-ready SVG text.
    """
    save = plot_function("save_figure")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rendered = []
    n = 0
    for o in result.outcomes:
        for spec in figure_specs(o):
            args, kwargs = spec.args(o)
            fig = plot_function(spec.function)(*args, **kwargs)
            stem = f"{o.spec.name}_{spec.name}"
            files = tuple(save(fig, out / f"{stem}.{fmt}") for fmt in formats)
            svg_path = out / f"{stem}.svg"
            if svg_path not in files:
                save(fig, svg_path)
            n += 1
            rendered.append(FigureFile(o.spec.name, spec.name, spec.title, files,
                                       inline_svg(svg_path.read_text("utf-8"), f"f{n}-")))
            if progress is not None:
                progress(stem)
    return rendered
