"""Leave-one-out analysis: the model refitted with each study removed.

An intercept-only model with one of the common estimators is refitted from power sums of the
full data (:mod:`._deletion`: O(k) per solver step for all k deletions together); any other
model (moderators, HE, HS, SJ) as one batch of k fits.

Reference: Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for
meta-analysis. Res Synth Methods 1:112-125. doi:10.1002/jrsm.11.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metareview._render import render_html, render_text
from metareview.diagnostics._deletion import deletion_fits
from metareview.diagnostics._subsets import require_k
from metareview.models.results import RMAResult

LOO_COLUMNS = ("slab", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "tau2", "I2", "H2")


@dataclass(frozen=True, repr=False, eq=False)
class LeaveOneOut:
    """Every statistic of the model with study i removed (row i). Arrays of shape (k,)."""

    slab: tuple[str, ...]
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    QE: np.ndarray
    QEp: np.ndarray
    tau2: np.ndarray
    I2: np.ndarray
    H2: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({c: getattr(self, c) for c in LOO_COLUMNS})

    summary = to_frame

    def __repr__(self) -> str:
        return render_text("Leave-one-out analysis", [("k", len(self.slab))], self.to_frame().set_index("slab"))

    def _repr_html_(self) -> str:
        return render_html("Leave-one-out analysis", [("k", len(self.slab))], self.to_frame().set_index("slab"))


def leave_one_out(res: RMAResult) -> LeaveOneOut:
    """Refit ``res`` k times, each time without one study (metafor's ``leave1out``).

    For an intercept-only model (EE, DL, ML, REML, EB, PM, PMM) the k deletion fits are
    solved together from power sums of the full data, so k = 2,000 takes milliseconds;
    otherwise they are one batched call with a (k, k) mask. For a meta-regression the columns
    describe the first coefficient (as metafor reports the intercept-only case; use
    :func:`influence` for all coefficients).

    Examples
    --------
    >>> from metareview.models import rma
    >>> from metareview.diagnostics import leave_one_out
    >>> res = rma([0.1, 0.3, 0.35, 0.65], [0.04, 0.02, 0.05, 0.03], method="EE")
    >>> round(float(leave_one_out(res).estimate[0]), 4)  # without study 1: (50*.3+20*.35+33.3*.65)/103.3
    0.4226
    """
    require_k(res, 2, "leave-one-out")
    arr = deletion_fits(res)
    return LeaveOneOut(
        slab=res.slab,
        estimate=arr.b[:, 0],
        se=arr.se[:, 0],
        zval=arr.zval[:, 0],
        pval=arr.pval[:, 0],
        ci_lb=arr.ci_lb[:, 0],
        ci_ub=arr.ci_ub[:, 0],
        QE=arr.QE,
        QEp=arr.QEp,
        tau2=arr.tau2,
        I2=arr.I2,
        H2=arr.H2,
    )

