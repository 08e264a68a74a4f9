"""Begg and Mazumdar's rank correlation test for funnel-plot asymmetry.

Kendall's tau between the standardised effects :math:`(y_i - \\hat\\theta)/\\sqrt{v_i - v_\\theta}`
(with the common-effect estimate and its variance) and the sampling variances; the p-value is
exact when there are no ties (as R's ``cor.test(..., exact=TRUE)``, metafor's default).

Reference: Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test
for publication bias. Biometrics 50:1088-1101. doi:10.2307/2533446.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from metareview.errors import NotApplicableError
from metareview.models.results import RMAResult


@dataclass(frozen=True)
class RankTest:
    tau: float
    pval: float
    exact: bool

    def to_dict(self) -> dict[str, Any]:
        return {"tau": self.tau, "pval": self.pval, "exact": self.exact}


def ranktest(res: RMAResult) -> RankTest:
    """Begg's rank correlation test on the studies of a fit."""
    if res.k < 3:
        raise NotApplicableError(f"the rank correlation test needs at least 3 studies (k = {res.k})")
    yi, vi = np.asarray(res.yi), np.asarray(res.vi)
    wi = 1 / vi
    theta = np.sum(wi * yi) / np.sum(wi)
    vstar = vi - 1 / np.sum(wi)
    ystar = (yi - theta) / np.sqrt(vstar)
    ties = np.unique(ystar).size < ystar.size or np.unique(vi).size < vi.size
    exact = not ties
    r = stats.kendalltau(ystar, vi, method="exact" if exact else "asymptotic")
    return RankTest(tau=float(r.statistic), pval=float(r.pvalue), exact=exact)
