"""Publication-quality figures of a meta-analysis (matplotlib, headless).

Every function takes a fitted result (never refits), draws into ``ax`` when given (and
returns it) or creates a :class:`matplotlib.figure.Figure` sized for its content (and returns
it). No pyplot state is used and the backend is never switched, so figures render the same
on a server, in CI and in a notebook. :func:`save_figure` writes SVG, PNG (300 dpi) or PDF
reproducibly. Journal presets: ``style="default" | "cochrane" | "bmj" | "lancet" | "jama"``.

Names are loaded lazily, so ``import metareview.plots`` stays cheap until a plot is drawn.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "ForestPlot": "metareview.plots.forest",
    "forest_plot": "metareview.plots.forest",
    "funnel_plot": "metareview.plots.funnel",
    "baujat_plot": "metareview.plots.baujat",
    "bubble_plot": "metareview.plots.bubble",
    "gosh_plot": "metareview.plots.gosh",
    "leave_one_out_plot": "metareview.plots.sensitivity",
    "cumulative_plot": "metareview.plots.sensitivity",
    "ri_sensitivity_plot": "metareview.plots.sensitivity",
    "prisma_flow": "metareview.plots.prisma",
    "traffic_light_plot": "metareview.plots.rob",
    "rob_summary_plot": "metareview.plots.rob",
    "nos_traffic_light_plot": "metareview.plots.rob",
    "nos_summary_plot": "metareview.plots.rob",
    "save_figure": "metareview.plots._save",
    "STYLES": "metareview.plots._style",
    "PlotStyle": "metareview.plots._style",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'metareview.plots' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
