"""Trim-and-fill (Duval & Tweedie 2000), with the L0 and R0 estimators of the number of
missing studies and metafor's rule for the side.

The side on which studies are missing is, unless given, the opposite of the sign of the slope
in the regression of the effects on their standard errors (Egger-type), as in metafor. The
data are put on the side that needs no flipping, studies are trimmed from the other end one
estimate of k0 at a time until k0 stops changing, and the k0 most extreme studies are mirrored
about the trimmed estimate. The filled model is refitted with the same estimator (and, as
metafor does, the z test).

References
----------
Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing and
adjusting for publication bias in meta-analysis. Biometrics 56:455-463.
doi:10.1111/j.0006-341X.2000.00455.x.
Duval S, Tweedie R (2000). A nonparametric "trim and fill" method of accounting for
publication bias in meta-analysis. J Am Stat Assoc 95:89-98. doi:10.1080/01621459.2000.10473905.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from metareview.errors import InputError, NotApplicableError, StatisticalWarning
from metareview.models import rma
from metareview.models.results import RMAResult


@dataclass(frozen=True, repr=False, eq=False)
class TrimFill:
    """``k0`` missing studies on ``side``; ``filled`` holds their yi, vi; ``fit`` the model on
    the observed plus filled studies."""

    k0: int
    se_k0: float
    side: str
    estimator: str
    p_k0: float | None
    filled: pd.DataFrame
    fit: RMAResult
    original: RMAResult

    def to_dict(self) -> dict[str, Any]:
        return {
            "k0": self.k0, "se_k0": self.se_k0, "side": self.side, "estimator": self.estimator,
            "p_k0": self.p_k0, "estimate": self.fit.estimate, "se": float(self.fit.se[0]),
            "ci_lb": float(self.fit.ci_lb[0]), "ci_ub": float(self.fit.ci_ub[0]), "tau2": self.fit.tau2,
            "filled": self.filled.to_dict(orient="list"),
        }  # fmt: skip

    def __repr__(self) -> str:
        return (f"TrimFill(k0={self.k0}, side={self.side!r}, estimator={self.estimator!r}, "
                f"estimate={self.fit.estimate:.4f} [{self.fit.ci_lb[0]:.4f}, {self.fit.ci_ub[0]:.4f}])")  # fmt: skip


def _quiet_rma(*args: Any, **kwargs: Any) -> RMAResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return rma(*args, **kwargs)


def trim_and_fill(
    res: RMAResult,
    *,
    side: Literal["left", "right"] | None = None,
    estimator: Literal["L0", "R0"] = "L0",
    maxiter: int = 100,
) -> TrimFill:
    """Trim-and-fill for a model without moderators (see the module docstring)."""
    if not res.int_only:
        raise NotApplicableError(
            "trim-and-fill applies to models without moderators; fit the model without mods= first"
        )
    if res.k < 3:
        raise NotApplicableError(f"trim-and-fill needs at least 3 studies (k = {res.k})")
    if estimator not in ("L0", "R0"):
        raise InputError(f"estimator must be 'L0' or 'R0', got {estimator!r}", column="estimator")
    yi0, vi0 = np.asarray(res.yi), np.asarray(res.vi)
    method = res.method_used
    if side is None:
        slope = _quiet_rma(yi0, vi0, mods=np.sqrt(vi0)[:, None], method=method).b[1]
        side = "right" if slope < 0 else "left"
    elif side not in ("left", "right"):
        raise InputError(f"side must be 'left' or 'right', got {side!r}", column="side")
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * yi0, kind="stable")
    yi = sign * yi0[order]
    vi = vi0[order]
    k = yi.size
    k0, k0_prev, it = 0, -1, 0
    se_k0 = 0.0
    beta = 0.0
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:
            raise NotApplicableError(f"trim-and-fill did not settle on k0 within {maxiter} iterations")
        beta = _quiet_rma(yi[: k - k0], vi[: k - k0], method=method).estimate
        yc = yi - beta
        ranks = stats.rankdata(np.abs(yc), method="ordinal")
        signed = np.sign(yc) * ranks
        if estimator == "R0":
            neg = signed[signed < 0]
            k0f = (k - (np.max(-neg) if neg.size else 0)) - 1
            se_k0 = float(np.sqrt(2 * max(0.0, k0f) + 2))
        else:
            Sr = signed[signed > 0].sum()
            k0f = (4 * Sr - k * (k + 1)) / (2 * k - 1)
            var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0f**3 + 27 * k0f**2 + 17 * k0f
                      - 18 * k * k0f**2 - 18 * k * k0f + 6 * k**2 * k0f) / 24  # fmt: skip
            se_k0 = float(4 * np.sqrt(var_sr) / (2 * k - 1))
        k0 = int(max(0, _round_half_even(k0f)))
        se_k0 = max(0.0, se_k0)
    p_k0 = None
    if estimator == "R0":
        m = np.arange(-1, k0)
        from scipy.special import comb

        p_k0 = float(1 - np.sum(comb(m + 1, m + 1) * 0.5 ** (m + 2)))
    if k0 > 0:
        mirrored = sign * (2 * beta - yi[k - k0 :])
        filled = pd.DataFrame({"yi": mirrored, "vi": vi[k - k0 :],
                               "slab": [f"Filled {i + 1}" for i in range(k0)]})  # fmt: skip
        fit = _quiet_rma(np.concatenate([yi0, mirrored]), np.concatenate([vi0, vi[k - k0 :]]), method=method,
                         level=res.level, slab=(*res.slab, *filled["slab"]), measure=res.measure)  # fmt: skip
    else:
        filled = pd.DataFrame({"yi": [], "vi": [], "slab": []})
        fit = res
    return TrimFill(k0=k0, se_k0=se_k0, side=side, estimator=estimator, p_k0=p_k0, filled=filled,
                    fit=fit, original=res)  # fmt: skip


def _round_half_even(x: float) -> float:
    """R's round(): IEC 60559 round half to even, as NumPy's."""
    return float(np.round(x))
