"""Many meta-analyses from one long table: one per group of rows, fitted in vectorised chunks.

A long table has one row per study and one or more *grouping* columns (outcome, subgroup,
simulation replicate, ...). :func:`pool_groups` lays the studies out as padded ``(B, kmax)``
arrays without a Python loop over groups (rows sorted by group, a position within the group,
fancy indexing into NaN-filled arrays) and fits each chunk of groups with one call of
:func:`~metareview.models.rma_batch`. Groups are chunked in order of size, so a chunk pads only
to its own largest group. A group that cannot be fitted is reported in the ``error`` column of
the result; it does not stop the others.

The models are those of :func:`~metareview.models.rma` (intercept-only random- or common-effect
models; Viechtbauer W (2010), Conducting meta-analyses in R with the metafor package, J Stat
Softw 36(3):1-48, doi:10.18637/jss.v036.i03).

Examples
--------
>>> import pandas as pd
>>> from metareview.models.batch import pool_groups
>>> frame = pd.DataFrame({"outcome": ["a", "a", "a", "a", "b", "b"],
...                       "yi": [0.1, 0.3, 0.35, 0.65, 0.2, 0.1],
...                       "vi": [0.04, 0.02, 0.05, 0.03, 0.01, 0.02]})
>>> out = pool_groups(frame, by="outcome", method="DL")  # metafor: rma(yi, vi, method="DL") gives 0.3579
>>> out[["outcome", "k", "estimate"]].round(4).values.tolist()
[['a', 4, 0.3579], ['b', 2, 0.1667]]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import ConvergenceWarning, InputError, MetaReviewError
from metareview.models.results import BATCH_COLUMNS

__all__ = [
    "RESULT_COLUMNS",
    "GroupLayout",
    "chunk_groups",
    "fit_padded",
    "layout_groups",
    "pad_chunk",
    "pool_groups",
    "prepare",
]

#: Columns of :func:`pool_groups`'s result after the grouping columns.
RESULT_COLUMNS: tuple[str, ...] = (*BATCH_COLUMNS, "note", "error")

_FLOAT_COLUMNS = tuple(c for c in BATCH_COLUMNS if c not in ("k", "method", "converged"))
K1_NOTE = "k = 1: tau^2 set to 0 and the z test used (the single study's estimate)"


@dataclass(frozen=True)
class GroupLayout:
    """Where each group's studies are in a long table.

    Attributes
    ----------
    keys : DataFrame
        One row per group (the grouping columns), in sorted key order.
    k : ndarray of int, shape (G,)
        Number of studies (rows) per group.
    order : ndarray of int, shape (n,)
        Row positions sorted by group (stable: rows keep their file order within a group).
    starts : ndarray of int, shape (G,)
        Offset of each group's first row in ``order``.
    """

    keys: pd.DataFrame
    k: np.ndarray
    order: np.ndarray
    starts: np.ndarray

    @property
    def n_groups(self) -> int:
        return int(self.k.size)


def _as_list(by: str | Sequence[str]) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        raise InputError("no grouping column given", column="by", hint="name at least one column")
    return cols


def layout_groups(frame: pd.DataFrame, by: str | Sequence[str], *, file: str | None = None) -> GroupLayout:
    """Group the rows of *frame* by the columns *by*, without a loop over groups.

    Raises
    ------
    InputError
        A grouping column is missing, or some rows have no value in it (1-based rows named).

    Examples
    --------
    >>> import pandas as pd
    >>> lay = layout_groups(pd.DataFrame({"g": ["b", "a", "b"]}), "g")
    >>> lay.keys["g"].tolist(), lay.k.tolist(), lay.order.tolist(), lay.starts.tolist()
    (['a', 'b'], [1, 2], [1, 0, 2], [0, 1])
    """
    cols = _as_list(by)
    _require(frame, cols, file=file, why=" (named by --by)")
    for c in cols:
        miss = frame[c].isna().to_numpy()
        if miss.any():
            raise InputError(
                "the grouping column is empty in some rows",
                file=file, row=[int(i) + 1 for i in np.flatnonzero(miss)], column=c,
                hint="fill in the group of every study, or remove those rows",
            )  # fmt: skip
    codes = frame.groupby(cols, sort=True, observed=True).ngroup().to_numpy()
    n_groups = int(codes.max()) + 1 if codes.size else 0
    order = _stable_order(codes, n_groups)
    k = np.bincount(codes, minlength=n_groups)
    starts = np.concatenate(([0], np.cumsum(k)[:-1])) if n_groups else np.zeros(0, dtype=np.intp)
    keys = frame[cols].iloc[order[starts]].reset_index(drop=True)
    return GroupLayout(keys=keys, k=k, order=order, starts=starts)


def _stable_order(codes: np.ndarray, n_groups: int) -> np.ndarray:
    """``np.argsort(codes, kind="stable")`` for group codes in [0, n_groups), by radix sort:
    NumPy sorts 16-bit integers by radix (O(n)), so the codes are sorted on their low 16 bits
    and then, stably, on their high bits (about six times faster than sorting 64-bit codes).

    >>> _stable_order(np.array([70000, 3, 70000, 0, 3]), 70001).tolist()
    [3, 1, 4, 0, 2]
    """
    if n_groups <= 1 << 16:
        return np.argsort(codes.astype(np.uint16), kind="stable")
    if n_groups > 1 << 32:  # beyond two 16-bit passes: a comparison sort
        return np.argsort(codes, kind="stable")
    by_low = np.argsort((codes & 0xFFFF).astype(np.uint16), kind="stable")
    return by_low[np.argsort((codes[by_low] >> 16).astype(np.uint16), kind="stable")]


def chunk_groups(k: np.ndarray, chunk_size: int) -> list[np.ndarray]:
    """Split group indices into chunks of at most *chunk_size* groups of similar size.

    Groups are taken in order of k, so each chunk pads only to its own largest group.

    Examples
    --------
    >>> [c.tolist() for c in chunk_groups(np.array([5, 1, 3, 1]), 2)]
    [[1, 3], [2, 0]]
    """
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, not {chunk_size}", column="chunk_size")
    by_size = np.argsort(k, kind="stable")
    return [by_size[i : i + chunk_size] for i in range(0, by_size.size, chunk_size)]


def pad_chunk(lay: GroupLayout, groups: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Padded ``(len(groups), kmax)`` arrays of *columns* for *groups*, then the mask.

    Cells beyond a group's k are NaN and False in the mask.

    Examples
    --------
    >>> import pandas as pd
    >>> lay = layout_groups(pd.DataFrame({"g": ["b", "a", "b"]}), "g")
    >>> y, m = pad_chunk(lay, np.array([0, 1]), np.array([10.0, 20.0, 30.0]))
    >>> y.tolist(), m.tolist()
    ([[20.0, nan], [10.0, 30.0]], [[True, False], [True, True]])
    """
    kg = lay.k[groups]
    kmax = int(kg.max()) if kg.size else 0
    pos = np.arange(kmax)
    mask = pos[None, :] < kg[:, None]
    idx = np.where(mask, lay.starts[groups][:, None] + pos[None, :], 0)
    rows = lay.order[idx] if lay.order.size else idx
    out = tuple(np.where(mask, col[rows], np.nan) for col in columns)
    return (*out, mask)


def _require(frame: pd.DataFrame, cols: Sequence[str], *, file: str | None, why: str = "") -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}{why}",
            file=file, column=missing[0], hint="the table has: " + ", ".join(map(str, frame.columns)),
        )  # fmt: skip


def prepare(
    frame: pd.DataFrame, *, measure: str | None = None, file: str | None = None, **escalc_options: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``(yi, vi)`` of every row: the ``yi``/``vi`` columns, or computed with ``escalc``.

    Raises
    ------
    InputError
        Missing columns, or a row whose yi or vi is missing/non-finite or whose vi <= 0
        (naming the file, the 1-based rows and the column).
    """
    if measure is None:
        _require(frame, ("yi", "vi"), file=file, why=" (or give a measure to compute them from raw columns)")
        yi = _numeric(frame, "yi", file=file)
        vi = _numeric(frame, "vi", file=file)
        where = ""
    else:
        from metareview.effects import escalc

        try:
            eff = escalc(measure.upper(), data=frame, **escalc_options)
        except InputError as exc:
            if exc.file is None and file is not None:
                raise InputError(exc.message, file=file, row=exc.row, column=exc.column,
                                 line=exc.line, hint=exc.hint) from None  # fmt: skip
            raise
        yi = np.asarray(eff.yi, dtype=float)
        vi = np.asarray(eff.vi, dtype=float)
        where = f" as computed by escalc({measure.upper()})"
    for name, arr in (("yi", yi), ("vi", vi)):
        bad = ~np.isfinite(arr)
        if bad.any():
            raise InputError(f"{name} is missing or not finite{where}", file=file,
                             row=[int(i) + 1 for i in np.flatnonzero(bad)], column=name,
                             hint="fill in the value or remove the row")  # fmt: skip
    bad = vi <= 0
    if bad.any():
        raise InputError(f"sampling variances must be positive{where}", file=file,
                         row=[int(i) + 1 for i in np.flatnonzero(bad)], column="vi",
                         hint="vi is a variance (SE squared), so it must be > 0")  # fmt: skip
    return yi, vi


def _numeric(frame: pd.DataFrame, col: str, *, file: str | None) -> np.ndarray:
    s = frame[col]
    if s.dtype.kind in "fiu":
        return s.to_numpy(dtype=float)
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna().to_numpy() & s.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{s.iloc[i]!r} is not a number", file=file,
                         row=[int(j) + 1 for j in np.flatnonzero(bad)], column=col,
                         hint="use a dot as the decimal separator and no text in numeric cells")  # fmt: skip
    return num.to_numpy(dtype=float)


def _empty_result(b: int) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {c: np.full(b, np.nan) for c in _FLOAT_COLUMNS}
    out["k"] = np.zeros(b, dtype=np.int64)
    out["method"] = np.full(b, "", dtype=object)
    out["converged"] = np.zeros(b, dtype=bool)
    out["note"] = np.full(b, "", dtype=object)
    out["error"] = np.full(b, "", dtype=object)
    return out


def _fit_into(out: dict[str, np.ndarray], rows: np.ndarray, yi: np.ndarray, vi: np.ndarray,
              mask: np.ndarray, *, method: Any, test: str, level: float) -> None:  # fmt: skip
    from metareview.models import rma_batch

    with warnings.catch_warnings():
        # non-convergence is reported per group below (converged False + error), not as a warning
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = rma_batch(yi, vi, mask=mask, method=method, test=test, level=level)
    for c in BATCH_COLUMNS:
        out[c][rows] = getattr(res, c)
    failed = ~np.asarray(res.converged, dtype=bool)
    if failed.any():
        chain = method if isinstance(method, str) else ", ".join(method)
        out["error"][rows[failed]] = f"the estimator ({chain}) did not converge"


def fit_padded(
    yi: np.ndarray,
    vi: np.ndarray,
    mask: np.ndarray,
    *,
    method: str | Sequence[str] = "REML",
    test: str = "z",
    level: float = 95.0,
) -> dict[str, np.ndarray]:
    """Fit one chunk of padded analyses; never raises for a bad analysis.

    Returns a dict of arrays of shape (B,) keyed by :data:`RESULT_COLUMNS`. Analyses with
    k = 1 are fitted with the z test and tau^2 = 0, as :func:`~metareview.models.rma` does
    (noted in ``note``); analyses with k = 0 or that fail are NaN with the reason in
    ``error``. If the vectorised call fails as a whole, each analysis is refitted on its
    own so the failure is pinned to the analyses that caused it.
    """
    mask = np.asarray(mask, dtype=bool)
    b = mask.shape[0]
    out = _empty_result(b)
    kk = mask.sum(axis=1)
    out["k"][:] = kk
    empty = kk == 0
    out["error"][empty] = "no studies"
    one = kk == 1
    out["note"][one] = K1_NOTE
    for sel, t in ((~empty & ~one, test), (one, "z")):
        rows = np.flatnonzero(sel)
        if rows.size == 0:
            continue
        sub = (yi[rows], vi[rows], mask[rows])
        try:
            _fit_into(out, rows, *sub, method=method, test=t, level=level)
        except (MetaReviewError, ValueError, FloatingPointError, np.linalg.LinAlgError):
            _fit_one_by_one(out, rows, *sub, method=method, test=t, level=level)
    out["k"][:] = kk
    return out


def _fit_one_by_one(out: dict[str, np.ndarray], rows: np.ndarray, yi: np.ndarray, vi: np.ndarray,
                    mask: np.ndarray, *, method: Any, test: str, level: float) -> None:  # fmt: skip
    # the slow path, taken only when a vectorised chunk failed: isolate the culprit(s)
    for j, r in enumerate(rows):
        try:
            _fit_into(out, np.array([r]), yi[j : j + 1], vi[j : j + 1], mask[j : j + 1],
                      method=method, test=test, level=level)  # fmt: skip
        except (MetaReviewError, ValueError, FloatingPointError, np.linalg.LinAlgError) as exc:
            out["error"][r] = f"{type(exc).__name__}: {exc}"


def iter_chunks(
    lay: GroupLayout, yi: np.ndarray, vi: np.ndarray, chunk_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """``(groups, yi2d, vi2d, mask)`` for each chunk of groups."""
    for groups in chunk_groups(lay.k, chunk_size):
        y2, v2, m = pad_chunk(lay, groups, yi, vi)
        yield groups, y2, v2, m


def assemble(lay: GroupLayout, parts: Sequence[tuple[np.ndarray, dict[str, np.ndarray]]]) -> pd.DataFrame:
    """The result table: grouping columns first, then :data:`RESULT_COLUMNS`, one row per group."""
    out = _empty_result(lay.n_groups)
    out["error"][:] = "not fitted"
    for groups, res in parts:
        for c in RESULT_COLUMNS:
            out[c][groups] = res[c]
    out["k"][:] = lay.k
    frame = lay.keys.copy()
    for c in RESULT_COLUMNS:
        frame[c] = out[c]
    return frame


def pool_groups(
    frame: pd.DataFrame,
    *,
    by: str | Sequence[str],
    measure: str | None = None,
    method: str | Sequence[str] = "REML",
    test: str = "z",
    level: float = 95.0,
    chunk_size: int = 10_000,
    file: str | None = None,
    client: Any = None,
    progress: bool | Callable[[int, int], None] = False,
    **escalc_options: Any,
) -> pd.DataFrame:
    """One meta-analysis per group of rows of a long table.

    Parameters
    ----------
    frame : DataFrame
        One row per study: the grouping columns and either ``yi``/``vi`` or the raw columns
        of *measure*, named as metafor's arguments (``m1i``, ``sd1i``, ``n1i``, ...).
    by : str or sequence of str
        Grouping column(s).
    measure : str, optional
        Effect measure for :func:`~metareview.effects.escalc` when the table has raw columns.
    method, test, level
        As in :func:`~metareview.models.rma` (a list of methods is a fallback chain).
    chunk_size : int, default 10000
        Groups per vectorised call (bounds memory: a chunk holds ``chunk_size * kmax`` cells).
    file : str, optional
        The file the table came from, named in error messages.
    client : dask.distributed.Client, optional
        Spread the chunks over a Dask cluster (see :mod:`metareview.distributed`).
    progress : bool or callable, default False
        Show a progress bar over chunks, or call ``progress(done, total)`` after each chunk.
    **escalc_options
        Passed to ``escalc`` (``vtype``, ``add``, ``to``, ...).

    Returns
    -------
    DataFrame
        One row per group in sorted key order: the grouping columns, then ``k, estimate, se,
        zval, pval, ci_lb, ci_ub, pi_lb, pi_ub, tau2, se_tau2, I2, H2, QE, QEp, method,
        converged, note, error`` (``error`` is empty for a fitted group).

    Raises
    ------
    InputError
        Missing columns, empty grouping cells, missing or non-positive variances (the file,
        1-based rows and column are named).
    """
    yi, vi = prepare(frame, measure=measure, file=file, **escalc_options)
    lay = layout_groups(frame, by, file=file)
    from metareview.models._validate import check_level, check_method, check_test

    check_method(method)
    check_test(test)
    check_level(level)
    if client is not None:
        from metareview.distributed import fit_chunks_dask

        parts = fit_chunks_dask(client, lay, yi, vi, method=method, test=test, level=level,
                                chunk_size=chunk_size, progress=progress)  # fmt: skip
        return assemble(lay, parts)
    chunks = chunk_groups(lay.k, chunk_size)
    parts = []
    with _Progress(progress, len(chunks), "pooling groups") as tick:
        for groups in chunks:
            y2, v2, m = pad_chunk(lay, groups, yi, vi)
            parts.append((groups, fit_padded(y2, v2, m, method=method, test=test, level=level)))
            tick()
    return assemble(lay, parts)


class _Progress:
    """A rich progress bar, a user callback, or nothing."""

    def __init__(self, progress: bool | Callable[[int, int], None], total: int, label: str) -> None:
        self.progress = progress
        self.total = total
        self.label = label
        self.done = 0
        self._bar: Any = None

    def __enter__(self) -> Callable[[], None]:
        if self.progress is True:
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self.tick

    def tick(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
        elif callable(self.progress):
            self.progress(self.done, self.total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
