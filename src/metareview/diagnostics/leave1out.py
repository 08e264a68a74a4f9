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
from metareview.diagnostics._subsets import refit, require_k
from metareview.models.results import RMAResult
from metareview.models.tau2 import COMMON_EFFECT, Control

#: estimators whose deletion fits are solved from power sums (see :mod:`._deletion`)
BY_SUMS = (*COMMON_EFFECT, "DL", "ML", "REML", "EB", "PM", "PMM")

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
    if res.X is None and res.method_used in BY_SUMS and res.k >= 3:
        return LeaveOneOut(slab=res.slab, **_by_power_sums(res))
    keep = ~np.eye(res.k, dtype=bool)
    arr = refit(res, keep)
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


def _by_power_sums(res: RMAResult) -> dict[str, np.ndarray]:
    """Every leave-one-out statistic of an intercept-only model, from power sums."""
    from scipy import special

    from metareview.diagnostics._deletion import DeletionSource
    from metareview.models._engine import coefficient_tests, heterogeneity
    from metareview.models._sums import ORDER, solve, stuck_below_zero

    y = np.asarray(res.yi, dtype=float)
    v = np.asarray(res.vi, dtype=float)
    k = res.k
    ybar = y.mean()
    yc = y - ybar  # metafor centres before estimating tau^2; P annihilates the constant
    idx = np.arange(k)
    kk = np.full(k, k - 1.0)
    fe = DeletionSource(yc, v, 0.0, order=3).sums(idx, np.zeros(k))  # each deletion's common-effect fit
    method = res.method_used
    around = DeletionSource(yc, v, res.tau2, order=ORDER.get(method, 1))
    if method in COMMON_EFFECT:
        tau2 = np.zeros(k)
    elif method == "DL":
        tau2 = np.maximum((fe.Q - (k - 2)) / fe.trP, 0.0)
    else:
        # each deletion starts from the full fit's tau^2, as the batched refit does
        target = None if method not in ("PM", "PMM") else (kk - 1 if method == "PM" else special.chdtri(kk - 1, 0.5))
        control = Control()
        sol = solve(method, around, kk, np.full(k, res.tau2), control, target=target)
        tau2 = np.where(stuck_below_zero(method, around, sol, fe.Q, fe.s0, control)[0], 0.0, sol.tau2)
    at = around.sums(idx, tau2)
    mu = at.mu
    b = (mu + ybar)[:, None]
    tests = coefficient_tests(b, (1.0 / at.s0)[:, None, None], at.Q, kk - 1, test=res.test, level=res.level, btt=None)
    het = heterogeneity(fe.Q, fe.trP, kk, 1, tau2, np.full(k, method in COMMON_EFFECT))
    return {
        "estimate": b[:, 0], "se": tests["se"][:, 0], "zval": tests["zval"][:, 0], "pval": tests["pval"][:, 0],
        "ci_lb": tests["ci_lb"][:, 0], "ci_ub": tests["ci_ub"][:, 0], "QE": het["QE"], "QEp": het["QEp"],
        "tau2": tau2, "I2": het["I2"], "H2": het["H2"],
    }  # fmt: skip
