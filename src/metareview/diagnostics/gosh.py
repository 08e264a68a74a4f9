"""GOSH: the model fitted to every subset of the studies (or a seeded random sample of them).

Reference: Olkin I, Dahabreh IJ, Trikalinos TA (2012). GOSH - a graphical display of study
heterogeneity. Res Synth Methods 3:214-223. doi:10.1002/jrsm.1053.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metareview.diagnostics._subsets import refit, require_k
from metareview.errors import InputError, NotApplicableError
from metareview.models.results import RMAResult

#: Largest k for which all 2^k - 1 subsets are fitted by default.
MAX_EXHAUSTIVE_K = 20


@dataclass(frozen=True, eq=False)
class Gosh:
    """One row per subset: estimate, tau2, I2, H2, QE, k; ``incl`` (subsets, k) says who is in."""

    frame: pd.DataFrame
    incl: np.ndarray
    slab: tuple[str, ...]
    exhaustive: bool

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()


def _all_subsets(k: int) -> np.ndarray:
    codes = np.arange(1, 2**k, dtype=np.int64)
    return ((codes[:, None] >> np.arange(k)) & 1).astype(bool)


def gosh(
    res: RMAResult,
    *,
    subsets: int | None = None,
    seed: int | None = None,
    chunk: int = 50_000,
) -> Gosh:
    """Fit the model of ``res`` to all non-empty subsets of its studies, or to ``subsets``
    random ones (drawn with ``seed``), in batched calls of ``chunk`` fits.

    With k <= 20 every one of the 2^k - 1 subsets is fitted unless ``subsets`` is given;
    beyond that a sample size must be given (1,048,575 fits is the default limit), and
    asking for all subsets raises :class:`~metareview.errors.NotApplicableError`.
    """
    if not res.int_only:
        raise NotApplicableError("GOSH is implemented for models without moderators")
    require_k(res, 2, "a GOSH analysis")
    k = res.k
    total = 2**k - 1
    if subsets is None:
        if k > MAX_EXHAUSTIVE_K:
            raise NotApplicableError(
                f"k = {k} has {total:,} subsets, more than the exhaustive limit (k <= {MAX_EXHAUSTIVE_K}); "
                "pass subsets=N (and seed=) to fit a random sample"
            )
        incl = _all_subsets(k)
        exhaustive = True
    else:
        if subsets < 1:
            raise InputError("subsets must be a positive number", column="subsets")
        rng = np.random.default_rng(seed)
        if subsets >= total and k <= MAX_EXHAUSTIVE_K:
            incl = _all_subsets(k)
            exhaustive = True
        else:
            incl = rng.random((subsets, k)) < 0.5
            empty = ~incl.any(axis=1)
            incl[empty, rng.integers(0, k, empty.sum())] = True
            exhaustive = False
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for start in range(0, incl.shape[0], chunk):
            block = incl[start : start + chunk]
            arr = refit(res, block)
            parts.append(pd.DataFrame({
                "estimate": arr.b[:, 0], "tau2": arr.tau2, "I2": arr.I2, "H2": arr.H2,
                "QE": arr.QE, "k": arr.k,
            }))  # fmt: skip
    frame = pd.concat(parts, ignore_index=True)
    return Gosh(frame=frame, incl=incl, slab=res.slab, exhaustive=exhaustive)
