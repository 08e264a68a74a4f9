"""metareview: systematic review and meta-analysis, from database exports to a PRISMA 2020 report.

The public API is re-exported here lazily: ``import metareview`` loads only this module and
:mod:`metareview.errors`; NumPy, pandas and the rest load when a name is first used, and the
plotting stack (matplotlib) loads only in :mod:`metareview.plots`.
"""

from __future__ import annotations

import importlib
from typing import Any

from metareview import errors

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    # effect sizes
    "escalc": "metareview.effects",
    "Effects": "metareview.effects",
    # models
    "rma": "metareview.models",
    "rma_batch": "metareview.models",
    "rma_glmm": "metareview.models",
    "subgroup_analysis": "metareview.models",
    "predict": "metareview.models",
    "confint": "metareview.models",
    "RMAResult": "metareview.models",
    "BatchResult": "metareview.models",
    # sensitivity and influence
    "leave_one_out": "metareview.diagnostics",
    "influence": "metareview.diagnostics",
    "cumulative": "metareview.diagnostics",
    "baujat": "metareview.diagnostics",
    "gosh": "metareview.diagnostics",
    "ri_sensitivity": "metareview.diagnostics",
    # small-study effects
    "regtest": "metareview.bias",
    "ranktest": "metareview.bias",
    "trim_and_fill": "metareview.bias",
    "fail_safe_n": "metareview.bias",
}

# subpackages reachable as attributes (metareview.models, ...), also loaded lazily
_SUBMODULES = ("bias", "datasets", "diagnostics", "effects", "models", "plots", "review", "store")

__all__ = sorted([*_LAZY, "errors", "__version__"])


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"metareview.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'metareview' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
