"""Fill :data:`MEASURES` (by importing the measure modules) and look measures up."""

from __future__ import annotations

from metareview.effects import binary, continuous, correlations, proportions  # noqa: F401
from metareview.effects._base import MEASURES, Measure
from metareview.errors import InputError

__all__ = ["MEASURES", "get_measure"]


def get_measure(code: str) -> Measure:
    """The registered :class:`Measure` for *code*; an unknown code lists the known ones.

    >>> get_measure("SMD").family
    'continuous'
    """
    if not isinstance(code, str) or code not in MEASURES:
        known = ", ".join(sorted(MEASURES))
        raise InputError(f"unknown measure {code!r}; known measures: {known}",
                         column="measure",
                         hint="codes are metafor's and case-sensitive, e.g. 'SMD', 'OR'")
    return MEASURES[code]
