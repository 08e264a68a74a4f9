"""Refit a model on many subsets of its studies in one batched call.

Leave-one-out, influence, cumulative meta-analysis and GOSH are all "the same model on other
subsets of the studies": a boolean matrix of shape (B, k) says which studies each refit keeps,
and the engine fits all B at once. Nothing here loops over studies or refits.
"""

from __future__ import annotations

import numpy as np

from metareview.errors import NotApplicableError
from dataclasses import replace

from metareview.models._engine import BatchArrays, fit_batch
from metareview.models.results import RMAResult
from metareview.models.tau2 import Control


def refit(res: RMAResult, keep: np.ndarray) -> BatchArrays:
    """Fit ``res``'s model (same estimator, test, level, moderators) on each row of ``keep``."""
    keep = np.asarray(keep, dtype=bool)
    B = keep.shape[0]
    y = np.broadcast_to(res.yi, keep.shape)
    v = np.broadcast_to(res.vi, keep.shape)
    X = None if res.X is None else np.broadcast_to(res.X, (B, *res.X.shape))
    return fit_batch(
        y,
        v,
        keep,
        X=X,
        btt=None if res.X is None else res.btt,
        method=res.method_used,
        test=res.test,
        level=res.level,
        # the subsets' tau^2 lie near the full fit's: start ML/REML/EB there (the root found
        # is the same; only the number of iterations changes)
        control=replace(Control(), tau2_init=res.tau2),
    )


def require_k(res: RMAResult, minimum: int, what: str) -> None:
    if res.k < minimum:
        raise NotApplicableError(
            f"{what} needs at least {minimum} studies; this model has k = {res.k}"
        )
