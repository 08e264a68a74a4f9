"""Spread many meta-analyses over a Dask distributed cluster.

Each task is one vectorised call of :func:`~metareview.models.rma_batch` on a chunk of groups
(:func:`metareview.models.batch.fit_padded`), so the per-task overhead of the scheduler
(about a millisecond) is paid once per few thousand analyses, not once per analysis. A chunk
that fails on the cluster (a worker dies, a library is missing there, ...) is reported in the
``error`` column of its groups; the other chunks' results are kept.

Use it through :func:`metareview.models.batch.pool_groups` (``client=``) or the command line
(``metareview batch ... --scheduler tcp://host:8786``). :func:`simulate_and_fit` generates data
on the workers themselves, for simulation studies and benchmarks that would otherwise ship a
huge table from the client.

``dask.distributed`` is an optional dependency (``pip install "metareview[distributed]"``).

References
----------
Rocklin M (2015). Dask: parallel computation with blocked algorithms and task scheduling.
Proceedings of the 14th Python in Science Conference, 130-136. doi:10.25080/Majora-7b98e3ed-013.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from metareview.errors import InputError
from metareview.models.batch import (
    GroupLayout,
    _Progress,
    chunk_groups,
    fit_padded,
    pad_chunk,
)

__all__ = ["connect", "fit_chunks_dask", "simulate_and_fit", "simulate_chunk"]

FitFunction = Callable[..., dict[str, np.ndarray]]


def _require_distributed() -> Any:
    try:
        import distributed
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError(
            "the Dask backend needs dask.distributed, which is not installed",
            column="scheduler",
            hint='pip install "metareview[distributed]"',
        ) from None
    return distributed


def connect(address: str, *, timeout: float = 30.0) -> Any:
    """A :class:`dask.distributed.Client` connected to the scheduler at *address*.

    Raises
    ------
    InputError
        The scheduler cannot be reached (the address is named).
    """
    distributed = _require_distributed()
    try:
        return distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot connect to the Dask scheduler at {address}: {exc}",
            column="scheduler",
            hint="start one with `dask scheduler` and workers with `dask worker ADDRESS`",
        ) from None


def _failed(n: int, message: str) -> dict[str, np.ndarray]:
    from metareview.models.batch import _empty_result

    out = _empty_result(n)
    out["error"][:] = message
    return out


def _why(exc: BaseException) -> str:
    return f"chunk failed on the cluster: {type(exc).__name__}: {exc}"


def fit_chunks_dask(
    client: Any,
    lay: GroupLayout,
    yi: np.ndarray,
    vi: np.ndarray,
    *,
    method: str | Sequence[str] = "REML",
    test: str = "z",
    level: float = 95.0,
    chunk_size: int = 10_000,
    progress: bool | Callable[[int, int], None] = False,
    fit: FitFunction = fit_padded,
) -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Fit every group of *lay* on the cluster of *client*, one task per chunk of groups.

    Returns ``[(groups, columns), ...]`` as :func:`metareview.models.batch.assemble` takes
    them. A chunk whose task fails has its groups' ``error`` set to the exception; the
    others are unaffected. *fit* is the per-chunk function (default
    :func:`~metareview.models.batch.fit_padded`).
    """
    distributed = _require_distributed()
    chunks = chunk_groups(lay.k, chunk_size)
    futures = {}
    for i, groups in enumerate(chunks):
        y2, v2, m = pad_chunk(lay, groups, yi, vi)
        fut = client.submit(fit, y2, v2, m, method=method, test=test, level=level, pure=False)
        futures[fut] = i
    results: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
    with _Progress(progress, len(chunks), "pooling groups on the cluster") as tick:
        for fut in distributed.as_completed(list(futures)):
            groups = chunks[futures[fut]]
            try:
                results.append((groups, fut.result()))
            except Exception as exc:  # any failure of the task: reported for its groups only
                results.append((groups, _failed(groups.size, _why(exc))))
            fut.release()
            tick()
    return results


def simulate_chunk(
    index: int,
    *,
    n: int,
    k: int,
    seed: int = 1,
    mu: float = 0.3,
    tau2: float = 0.05,
    method: str | Sequence[str] = "REML",
    columns: Sequence[str] = ("estimate", "tau2", "converged"),
) -> dict[str, np.ndarray]:
    """Generate *n* random-effects data sets of *k* studies and fit them in one call.

    Data: :math:`v_i \\sim U(0.01, 0.1)`, :math:`y_i \\sim N(\\mu, v_i + \\tau^2)`, from the
    generator ``numpy.random.default_rng([seed, index])`` (so chunk *index* is the same on any
    worker). Returns the requested result columns.

    Examples
    --------
    >>> out = simulate_chunk(0, n=3, k=10, method="DL")
    >>> out["estimate"].shape, bool(out["converged"].all())
    ((3,), True)
    """
    from metareview.models import rma_batch

    rng = np.random.default_rng([seed, index])
    vi = rng.uniform(0.01, 0.1, (n, k))
    yi = rng.normal(mu, np.sqrt(vi + tau2))
    res = rma_batch(yi, vi, method=method)
    return {c: np.asarray(getattr(res, c)) for c in columns}


def simulate_and_fit(
    client: Any,
    *,
    n_analyses: int,
    k: int,
    chunk_size: int = 20_000,
    seed: int = 1,
    mu: float = 0.3,
    tau2: float = 0.05,
    method: str | Sequence[str] = "REML",
    columns: Sequence[str] = ("estimate", "tau2", "converged"),
    progress: bool | Callable[[int, int], None] = False,
) -> dict[str, np.ndarray]:
    """Simulate and fit *n_analyses* meta-analyses of *k* studies on the cluster.

    Every chunk of *chunk_size* analyses is generated and fitted on a worker
    (:func:`simulate_chunk`); only the requested result *columns* travel back. A failed chunk
    leaves NaN (False for ``converged``) in its rows and its message in ``error``.

    Returns
    -------
    dict of ndarray
        The result *columns*, each of shape (n_analyses,), in chunk order, plus ``error``.
    """
    distributed = _require_distributed()
    if n_analyses < 1 or k < 1 or chunk_size < 1:
        raise InputError("n_analyses, k and chunk_size must be positive", column="n_analyses")
    starts = list(range(0, n_analyses, chunk_size))
    futures = {}
    for i, s in enumerate(starts):
        n = min(chunk_size, n_analyses - s)
        fut = client.submit(simulate_chunk, i, n=n, k=k, seed=seed, mu=mu, tau2=tau2, method=method,
                            columns=tuple(columns), pure=False)  # fmt: skip
        futures[fut] = (s, n)
    out: dict[str, np.ndarray] = {
        c: np.zeros(n_analyses, dtype=bool) if c == "converged" else np.full(n_analyses, np.nan)
        for c in columns
    }
    out["error"] = np.full(n_analyses, "", dtype=object)
    with _Progress(progress, len(starts), "simulating and fitting") as tick:
        for fut in distributed.as_completed(list(futures)):
            s, n = futures[fut]
            try:
                for c, a in fut.result().items():
                    out[c][s : s + n] = a
            except Exception as exc:  # any failure of the task: reported for its rows only
                out["error"][s : s + n] = _why(exc)
            fut.release()
            tick()
    return out

