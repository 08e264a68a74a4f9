"""Baujat statistics: each study's contribution to heterogeneity against its influence.

x_i = (y_i - x_i'b)^2 / (tau^2 + v_i), the study's squared Pearson residual (its share of Q
for the common-effect model); y_i = (x_i'b_(-i) - x_i'b)^2 / Var(x_i'b_(-i)), the squared
standardised change of the fitted value when the study is left out (as metafor's ``baujat``).

Reference: Baujat B, Mahe C, Pignon J-P, Hill C (2002). A graphical method for exploring
heterogeneity in meta-analyses: application to a meta-analysis of 65 trials. Stat Med
21:2641-2652. doi:10.1002/sim.1221.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metareview.diagnostics._deletion import deletion_fits
from metareview.diagnostics._subsets import require_k
from metareview.models.results import RMAResult


@dataclass(frozen=True, eq=False)
class Baujat:
    slab: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"slab": self.slab, "x": self.x, "y": self.y})


def baujat(res: RMAResult) -> Baujat:
    """Baujat statistics of every study (from the k deletion fits)."""
    require_k(res, 2, "a Baujat analysis")
    k = res.k
    X = np.ones((k, 1)) if res.X is None else np.asarray(res.X)
    arr = deletion_fits(res)
    pred_full = X @ np.asarray(res.b)
    delpred = np.einsum("ki,ki->k", X, arr.b)
    vdelpred = np.einsum("ki,kij,kj->k", X, arr.vb, X)
    resid = np.asarray(res.yi) - pred_full
    return Baujat(
        slab=res.slab,
        x=resid**2 / (res.tau2 + np.asarray(res.vi)),
        y=(delpred - pred_full) ** 2 / vdelpred,
    )
