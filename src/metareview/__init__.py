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
    "escalc": "metareview.effects",
    "Effects": "metareview.effects",
    "rma": "metareview.models",
    "rma_batch": "metareview.models",
    "RMAResult": "metareview.models",
    "BatchResult": "metareview.models",
}

__all__ = sorted([*_LAZY, "errors", "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'metareview' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
