"""Checks at the edge of the models: every message names the study row and the column."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from metareview.errors import InputError
from metareview.models._engine import TESTS
from metareview.models.tau2 import COMMON_EFFECT, TAU2_METHODS

METHODS: tuple[str, ...] = (*COMMON_EFFECT, *TAU2_METHODS)


def as_1d(x: Any, name: str, *, file: str | None = None) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            "must hold numbers only", file=file, column=name, hint="remove text or empty cells"
        ) from None
    if arr.ndim == 0:
        arr = arr[None]
    if arr.ndim != 1:
        raise InputError(f"must be one-dimensional, got shape {arr.shape}", file=file, column=name)
    return arr


def rows_where(bad: np.ndarray) -> list[int]:
    """1-based row numbers where a boolean array is true."""
    return [int(i) + 1 for i in np.flatnonzero(bad)]


def check_yi_vi(yi: np.ndarray, vi: np.ndarray, *, file: str | None = None) -> None:
    if yi.shape != vi.shape:
        raise InputError(
            f"yi has {yi.size} values but vi has {vi.size}",
            file=file,
            column="vi",
            hint="give one sampling variance per study",
        )
    if yi.size == 0:
        raise InputError("no studies to pool", file=file, column="yi")
    for name, arr in (("yi", yi), ("vi", vi)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(
                "is missing or not finite",
                file=file,
                row=rows_where(bad),
                column=name,
                hint="fill the value in or remove the study from the analysis",
            )
    bad = vi <= 0
    if bad.any():
        shown = ", ".join(f"{v:g}" for v in vi[bad][:5])
        raise InputError(
            f"sampling variances must be positive (got {shown})",
            file=file,
            row=rows_where(bad),
            column="vi",
            hint="vi is the squared standard error; check for a zero or a sign error",
        )


def check_method(method: str | Sequence[str]) -> tuple[str, ...]:
    methods = (method,) if isinstance(method, str) else tuple(method)
    if not methods:
        raise InputError("method must name at least one estimator", column="method")
    for mth in methods:
        if mth not in METHODS:
            raise InputError(
                f"unknown method {mth!r}",
                column="method",
                hint="use one of " + ", ".join(METHODS),
            )
    return methods


def check_test(test: str) -> str:
    aliases = {"hksj": "knha", "hk": "knha"}
    t = aliases.get(test, test)
    if t not in TESTS:
        raise InputError(f"unknown test {test!r}", column="test", hint="use one of z, t, knha")
    return t


def check_level(level: float) -> float:
    lv = float(level)
    if lv > 1:
        if not 0 < lv < 100:
            raise InputError(f"level must lie between 0 and 100, got {level}", column="level")
        return lv
    if not 0 < lv < 1:
        raise InputError(f"level must lie between 0 and 100 (or 0 and 1), got {level}", column="level")
    return lv * 100
