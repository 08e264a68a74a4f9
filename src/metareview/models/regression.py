"""Moderators for meta-regression: a formula (via formulaic) or a matrix -> design matrix.

Mixed-effects meta-regression itself is fitted by :func:`metareview.models.rma` with
``mods=``; this module only builds and checks the design, so that a formula, a DataFrame of
moderators or a plain matrix all reach the engine in one shape.

Reference: Thompson SG, Higgins JPT (2002). How should meta-regression analyses be undertaken
and interpreted? Stat Med 21:1559-1573. doi:10.1002/sim.1187.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from metareview.errors import InputError
from metareview.models._validate import rows_where


@dataclass(frozen=True)
class ModDesign:
    X: np.ndarray  # (k, p)
    names: tuple[str, ...]
    intercept: bool
    btt: tuple[int, ...]


def _is_intercept(col: np.ndarray) -> bool:
    return bool(np.all(col == 1.0))


def build_design(mods: Any, *, data: Any = None, k: int, intercept: bool = True) -> ModDesign:
    """Turn ``mods`` into a design matrix with metafor's conventions.

    A formula string (``"~ ablat + year"``, ``"~ factor(alloc)"`` is written ``"~ C(alloc)"``
    in formulaic) is evaluated on ``data``; its own intercept rule applies (``- 1`` or ``+ 0``
    removes it). A matrix or DataFrame gets an intercept column first when ``intercept`` is
    true, as in metafor. The omnibus test ``QM`` covers every coefficient but the intercept.
    """
    if isinstance(mods, str):
        from formulaic import model_matrix

        if data is None:
            raise InputError("a moderator formula needs data=", column="mods")
        frame = data
        try:
            import pandas as pd

            if not isinstance(frame, pd.DataFrame):
                frame = pd.DataFrame(frame)
            mm = model_matrix(mods, frame, na_action="raise")
        except Exception as exc:  # formulaic raises many types; re-raise as the user's mistake
            raise InputError(
                f"cannot evaluate the moderator formula {mods!r}: {exc}",
                column="mods",
                hint="check the column names and that moderators have no missing values",
            ) from None
        X = np.asarray(mm, dtype=float)
        names = tuple("intrcpt" if c == "Intercept" else str(c) for c in mm.columns)
    else:
        X = np.asarray(mods, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        cols = getattr(mods, "columns", None)
        names = tuple(str(c) for c in cols) if cols is not None else tuple(f"mods{j + 1}" for j in range(X.shape[1]))
        bad = ~np.isfinite(X)
        if bad.any():
            raise InputError(
                "moderators must be finite numbers",
                row=rows_where(bad.any(axis=1)),
                column=names[int(np.flatnonzero(bad.any(axis=0))[0])],
            )
        if intercept:
            X = np.column_stack([np.ones(X.shape[0]), X])
            names = ("intrcpt", *names)
    if X.shape[0] != k:
        raise InputError(
            f"moderators have {X.shape[0]} rows but there are {k} studies", column="mods"
        )
    # metafor moves an intercept column to the front
    is_int = [j for j in range(X.shape[1]) if _is_intercept(X[:, j])]
    has_int = bool(is_int)
    if has_int and is_int[0] != 0:
        j = is_int[0]
        order = [j] + [i for i in range(X.shape[1]) if i != j]
        X = X[:, order]
        names = tuple(names[i] for i in order)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(
            "the moderators are collinear (a column is a combination of others)",
            column="mods",
            hint="drop a redundant moderator or a reference level",
        )
    p = X.shape[1]
    btt = tuple(range(1, p)) if has_int and p > 1 else tuple(range(p))
    return ModDesign(X=X, names=names, intercept=has_int, btt=btt)
