"""The figures adapter: every plot function the report calls exists, and a missing one is loud."""

from __future__ import annotations

import pytest

from metareview.report.figures import FIGURES, inline_svg, plot_function


@pytest.mark.parametrize("name", FIGURES)
def test_every_plot_function_the_report_needs_exists(name: str) -> None:
    assert callable(plot_function(name))


def test_a_missing_plot_function_fails_loudly() -> None:
    with pytest.raises(NotImplementedError, match=r"metareview.plots.volcano_plot is not "
                                                  r"available .*the report needs it"):
        plot_function("volcano_plot")


def test_inline_svg_prefixes_ids_and_their_references() -> None:
    svg = ('<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
           '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n "http://www.w3.org/svg11.dtd">\n'
           '<svg><defs><path id="g1"/></defs><use xlink:href="#g1"/>'
           '<g clip-path="url(#c1)"/><clipPath id="c1"/><a href="#other"/></svg>')
    out = inline_svg(svg, "f3-")
    assert out == ('<svg><defs><path id="f3-g1"/></defs><use xlink:href="#f3-g1"/>'
                   '<g clip-path="url(#f3-c1)"/><clipPath id="f3-c1"/><a href="#other"/></svg>')
