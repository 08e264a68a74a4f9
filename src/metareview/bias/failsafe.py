"""Fail-safe N: how many unpublished null studies would overturn the result.

* Rosenthal (1979): studies with z = 0 needed to raise Stouffer's combined one-sided p above
  alpha: :math:`N = (\\sum z_i)^2 / z_\\alpha^2 - k`.
* Orwin (1983): studies with effect 0 needed to bring the (unweighted, or weighted) mean
  effect down to a target (default: half the observed mean).
* Rosenberg (2005): the weighted (common-effect) version: studies of average weight and
  effect 0 needed to make the pooled z two-sided non-significant.

References
----------
Rosenthal R (1979). The file drawer problem and tolerance for null results. Psychol Bull
86:638-641. doi:10.1037/0033-2909.86.3.638.
Orwin RG (1983). A fail-safe N for effect size in meta-analysis. J Educ Stat 8:157-159.
doi:10.3102/10769986008002157.
Rosenberg MS (2005). The file-drawer problem revisited: a general weighted method for
calculating fail-safe numbers in meta-analysis. Evolution 59:464-468.
doi:10.1111/j.0014-3820.2005.tb01004.x.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from metareview.errors import InputError


@dataclass(frozen=True)
class FailSafeN:
    type: str
    fsnum: float
    alpha: float
    pval: float | None
    meanes: float | None
    target: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _whole(n: float) -> float:
    """metafor's rounding: up to the next whole study unless it already is one."""
    if np.isinf(n):
        return n
    return float(np.ceil(n)) if abs(n - round(n)) >= np.sqrt(np.finfo(float).eps) else float(round(n))


def fail_safe_n(
    yi: Any,
    vi: Any,
    *,
    type: Literal["Rosenthal", "Orwin", "Rosenberg"] = "Rosenthal",
    alpha: float = 0.05,
    target: float | None = None,
    weighted: bool = False,
) -> FailSafeN:
    """Fail-safe N of the given type (see the module docstring), as metafor's ``fsn``.

    Examples
    --------
    >>> round(fail_safe_n([0.5, 0.6, 0.4], [0.04, 0.04, 0.04]).fsnum)
    18
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.shape != v.shape or y.ndim != 1:
        raise InputError("yi and vi must have one value per study", column="vi")
    if np.any(v <= 0):
        raise InputError("sampling variances must be positive", row=[int(i) + 1 for i in np.flatnonzero(v <= 0)], column="vi")
    k = y.size
    if type == "Rosenthal":
        z = y / np.sqrt(v)
        zavg = abs(z.sum() / np.sqrt(k))
        n = max(0.0, k * (zavg / stats.norm.isf(alpha)) ** 2 - k)
        return FailSafeN(type, _whole(n), alpha, float(stats.norm.sf(zavg)), None, None)
    if type == "Orwin":
        mean = float(np.sum(y / v) / np.sum(1 / v)) if weighted else float(np.mean(y))
        tgt = mean / 2 if target is None else float(target)
        if tgt == 0:
            return FailSafeN(type, np.inf, alpha, None, mean, tgt)
        if np.sign(tgt) != np.sign(mean):
            tgt = -tgt
        return FailSafeN(type, _whole(max(0.0, k * (mean - tgt) / tgt)), alpha, None, mean, tgt)
    if type == "Rosenberg":
        w = 1 / v
        mean = float(np.sum(w * y) / np.sum(w))
        zval = mean / np.sqrt(1 / np.sum(w))
        wp = (np.sum(w * y) / stats.norm.isf(alpha / 2)) ** 2 - np.sum(w)
        n = max(0.0, k * wp / np.sum(w))
        return FailSafeN(type, _whole(n), alpha, float(2 * stats.norm.sf(abs(zval))), mean, None)
    raise InputError(f"unknown fail-safe N type {type!r}", column="type", hint="use Rosenthal, Orwin or Rosenberg")
