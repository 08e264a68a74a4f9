"""The numbers behind a (contour-enhanced) funnel plot; the plot itself is in
:mod:`metareview.plots.funnel` and never refits.

Contours mark where a study's two-sided p-value crosses 0.10, 0.05 and 0.01 around zero:
:math:`y = \\pm z_{1-p/2}\\,\\mathrm{se}` (Peters JL et al. 2008, Contour-enhanced meta-analysis
funnel plots help distinguish publication bias from other causes of asymmetry. J Clin
Epidemiol 61:991-996. doi:10.1016/j.jclinepi.2007.11.010).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from metareview.models.results import RMAResult


@dataclass(frozen=True)
class FunnelData:
    studies: pd.DataFrame  # slab, yi, sei
    estimate: float
    contours: pd.DataFrame  # level, sei, lower, upper (around 0)
    pseudo_ci: pd.DataFrame  # sei, lower, upper (around the estimate, 95%)


def funnel_data(
    res: RMAResult, *, levels: Sequence[float] = (0.90, 0.95, 0.99), points: int = 50
) -> FunnelData:
    sei = np.sqrt(np.asarray(res.vi))
    grid = np.linspace(0, sei.max() * 1.05, points)
    rows = []
    for lv in levels:
        z = stats.norm.isf((1 - lv) / 2)
        rows.append(pd.DataFrame({"level": lv, "sei": grid, "lower": -z * grid, "upper": z * grid}))
    z95 = stats.norm.isf(0.025)
    return FunnelData(
        studies=pd.DataFrame({"slab": res.slab, "yi": res.yi, "sei": sei}),
        estimate=res.estimate,
        contours=pd.concat(rows, ignore_index=True),
        pseudo_ci=pd.DataFrame({"sei": grid, "lower": res.estimate - z95 * grid, "upper": res.estimate + z95 * grid}),
    )
