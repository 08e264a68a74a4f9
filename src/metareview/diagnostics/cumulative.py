"""Cumulative meta-analysis: the model refitted on the first 1, 2, ..., k studies of an order.

Reference: Lau J, Antman EM, Jimenez-Silva J, et al. (1992). Cumulative meta-analysis of
therapeutic trials for myocardial infarction. N Engl J Med 327:248-254.
doi:10.1056/NEJM199207233270406.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from metareview._render import render_text
from metareview.diagnostics._subsets import refit
from metareview.errors import InputError, NotApplicableError
from metareview.models.results import RMAResult

CUMULATIVE_COLUMNS = ("slab", "k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "tau2", "I2", "H2")


@dataclass(frozen=True, repr=False, eq=False)
class Cumulative:
    """Row i: the model on the first i studies in ``order`` (``slab`` names study i)."""

    frame: pd.DataFrame
    order: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    summary = to_frame

    def __repr__(self) -> str:
        return render_text("Cumulative meta-analysis", [], self.frame.set_index("slab"))


def cumulative(res: RMAResult, *, order: Sequence[Any] | None = None) -> Cumulative:
    """Cumulative meta-analysis (metafor's ``cumul``) in the given order.

    Parameters
    ----------
    order : sequence of shape (k,), optional
        Sort key per study (e.g. publication year); ties keep the data order. Default: the
        data order.
    """
    if not res.int_only:
        raise NotApplicableError("cumulative meta-analysis is for models without moderators")
    k = res.k
    if order is None:
        idx = np.arange(k)
    else:
        key = np.asarray(order)
        if key.shape != (k,):
            raise InputError(f"order has {key.size} values for {k} studies", column="order")
        idx = np.argsort(key, kind="stable")
    rank = np.empty(k, dtype=int)
    rank[idx] = np.arange(k)
    keep = rank[None, :] <= np.arange(k)[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        arr = refit(res, keep)
    frame = pd.DataFrame({
        "slab": [res.slab[i] for i in idx], "k": arr.k, "estimate": arr.b[:, 0], "se": arr.se[:, 0],
        "zval": arr.zval[:, 0], "pval": arr.pval[:, 0], "ci_lb": arr.ci_lb[:, 0], "ci_ub": arr.ci_ub[:, 0],
        "QE": arr.QE, "QEp": arr.QEp, "tau2": arr.tau2, "I2": arr.I2, "H2": arr.H2,
    })  # fmt: skip
    return Cumulative(frame=frame, order=idx)
