"""A statistical stopping rule for prioritised screening, with its estimated recall.

Callaghan & Müller-Hansen (2020), "Statistical stopping criteria for automated screening in
systematic reviews", Syst Rev 9:254, doi:10.1186/s13643-020-01521-4.

The rule treats the last ``n`` screened records as if they were a random sample, drawn
without replacement, from the ``N_AL = N - (N_s - n)`` records that were still unscreened
when the sample began (``N`` records in all, ``N_s`` screened so far). Let ``k`` be the
relevant records in the sample, ``r_seen`` all relevant records seen, and
``r_AL = r_seen - k`` those seen before the sample. The null hypothesis is that recall is
below the target ``tau``: the total of relevant records is more than ``r_seen / tau``, so
the urn held at least::

    K_tar = floor(r_seen / tau - r_AL) + 1

relevant records. Its p-value is the hypergeometric probability of finding ``k`` or fewer
relevant records in ``n`` draws from ``N_AL`` records of which ``K_tar`` are relevant,
``P(X <= k)``. As in the paper, every ``n = 1 .. N_s`` is tried and the smallest p-value
counts; screening may stop when it falls below ``1 - confidence``. (Because the ranking
puts likely-relevant records first, the remainder is if anything poorer in relevant
records than a random sample suggests, so the test is conservative.)

The recall bound reported beside it inverts the same test: for each ``n`` the smallest urn
count ``K*`` with ``P(X <= k) < 1 - confidence`` is found, so at that confidence at most
``K* - 1`` relevant records were in the urn and recall is at least
``r_seen / (r_AL + K* - 1)``; the best bound over ``n`` is returned.

Examples
--------
>>> labels = [1] * 20 + [0] * 400
>>> res = stopping_test(labels, n_total=500)
>>> bool(res.stop), res.n_screened, res.n_relevant_seen, round(res.p_value, 4)
(True, 420, 20, 0.0275)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from metareview.errors import InputError

__all__ = ["StoppingResult", "first_stop", "stopping_curve", "stopping_test"]


@dataclass(frozen=True)
class StoppingResult:
    """The outcome of the hypergeometric stopping test at one point of screening.

    Attributes
    ----------
    stop : bool
        Whether the null hypothesis "recall < recall_target" is rejected at ``confidence``.
    p_value : float
        The smallest p-value over the candidate samples (1.0 before anything relevant
        was seen).
    recall_bound : float
        Lower confidence bound on the recall reached so far (0 when nothing relevant was
        seen).
    sample_size : int
        The ``n`` (last records screened) that gave ``p_value``.
    n_screened, n_total, n_relevant_seen : int
    recall_target, confidence : float
    """

    stop: bool
    p_value: float
    recall_bound: float
    sample_size: int
    n_screened: int
    n_total: int
    n_relevant_seen: int
    recall_target: float
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        """One row with every attribute as a column."""
        return pd.DataFrame([self.__dict__], columns=list(self.__dataclass_fields__))

    summary = to_frame


def _check(labels: Sequence[int] | np.ndarray, n_total: int, recall_target: float,
           confidence: float) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise InputError("labels must be one-dimensional (screening order)", column="labels")
    if y.size and not np.isin(y, (0, 1)).all():
        bad = np.flatnonzero(~np.isin(y, (0, 1)))
        raise InputError(
            f"labels must be 0 (excluded) or 1 (included), got {y[bad[0]]!r}",
            row=[int(i) + 1 for i in bad], column="labels",
        )
    if isinstance(n_total, bool) or not isinstance(n_total, (int, np.integer)) or (
        n_total < y.size
    ):
        raise InputError(
            f"n_total must be an integer at least the number screened ({y.size}), "
            f"got {n_total!r}", column="n_total",
        )
    if not 0 < recall_target < 1:
        raise InputError(f"recall_target must lie in (0, 1), got {recall_target}",
                         column="recall_target")
    if not 0 < confidence < 1:
        raise InputError(f"confidence must lie in (0, 1), got {confidence}", column="confidence")
    return y.astype(np.int64)


def _windows(y: np.ndarray, n_total: int, recall_target: float):
    """(n, k, r_AL, N_AL, K_tar) over the candidate sample sizes n.

    Of the windows with the same number k of relevant records, only the longest can give
    the smallest p-value (and the best recall bound): with k, r_AL, K_tar and the unscreened
    count N - N_s fixed, a longer window is a larger urn, in which K relevant records are
    less likely to hide among the unscreened ones. So only the longest window per k is kept
    (at most r_seen + 1 windows instead of N_s); the result is the same.
    """
    n_s = y.size
    k_all = np.cumsum(y[::-1])  # relevant among the last n screened, n = 1..N_s
    keep = np.r_[k_all[1:] != k_all[:-1], True]
    k = k_all[keep]
    n = np.arange(1, n_s + 1)[keep]
    r_seen = int(k_all[-1]) if n_s else 0
    r_al = r_seen - k
    n_al = n_total - (n_s - n)
    # floor(r_seen / tau - r_AL) + 1, guarded against r_seen / tau landing a hair off an integer
    k_tar = np.floor(np.round(r_seen / recall_target - r_al, 9)).astype(np.int64) + 1
    return n, k, r_al, n_al, k_tar, r_seen


def _pvalues(n, k, n_al, k_tar) -> np.ndarray:
    possible = k_tar <= n_al
    p = np.zeros(n.shape, dtype=float)  # K_tar relevant cannot fit in the urn: H0 impossible
    if possible.any():
        p[possible] = stats.hypergeom.cdf(k[possible], n_al[possible], k_tar[possible],
                                          n[possible])
    return p


def stopping_test(
    labels: Sequence[int] | np.ndarray,
    *,
    n_total: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
) -> StoppingResult:
    """Test whether screening may stop with ``recall_target`` reached at ``confidence``.

    Parameters
    ----------
    labels : sequence of {0, 1}
        The decisions so far (1 = relevant), in the order the records were screened.
    n_total : int
        Records in the whole set, screened or not.
    recall_target : float
        The recall to guarantee (0.95 in the paper).
    confidence : float
        ``1 - alpha`` of the test.

    Returns
    -------
    StoppingResult

    Notes
    -----
    Callaghan & Müller-Hansen (2020), Syst Rev 9:254, doi:10.1186/s13643-020-01521-4; the
    formulas are in the module docstring. Vectorised over the candidate sample sizes.
    """
    y = _check(labels, n_total, recall_target, confidence)
    alpha = 1.0 - confidence
    if y.size == 0 or y.sum() == 0:
        return StoppingResult(False, 1.0, 0.0, 0, int(y.size), int(n_total), 0,
                              recall_target, confidence)
    n, k, r_al, n_al, k_tar, r_seen = _windows(y, n_total, recall_target)
    p = _pvalues(n, k, n_al, k_tar)
    best = int(np.argmin(p))
    bound = _recall_bound(n, k, r_al, n_al, r_seen, alpha)
    return StoppingResult(
        stop=bool(p[best] < alpha),
        p_value=float(p[best]),
        recall_bound=bound,
        sample_size=int(n[best]),
        n_screened=int(y.size),
        n_total=int(n_total),
        n_relevant_seen=r_seen,
        recall_target=recall_target,
        confidence=confidence,
    )


def _recall_bound(n, k, r_al, n_al, r_seen: int, alpha: float) -> float:
    """Best lower confidence bound on recall over the candidate samples (bisection on K)."""
    # For each window the urn holds at least k relevant and at most k + (N_AL - n).
    lo = k.astype(np.int64)  # p(lo) = P(X <= k | K = k) = 1 >= alpha: not rejected
    hi = (k + (n_al - n)).astype(np.int64) + 1  # K beyond the maximum: impossible, rejected
    while True:
        active = hi - lo > 1
        if not active.any():
            break
        mid = (lo + hi) // 2
        p = np.ones(mid.shape)
        idx = np.flatnonzero(active)
        p[idx] = stats.hypergeom.cdf(k[idx], n_al[idx], mid[idx], n[idx])
        rejected = active & (p < alpha)
        hi = np.where(rejected, mid, hi)
        lo = np.where(active & ~rejected, mid, lo)
    # hi = smallest rejected K: at confidence the urn held at most hi - 1 relevant
    total_max = r_al + hi - 1
    return float(np.max(r_seen / total_max))


def stopping_curve(
    labels: Sequence[int] | np.ndarray,
    *,
    n_total: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    every: int = 1,
) -> pd.DataFrame:
    """The stopping test along a screening run.

    Parameters
    ----------
    labels : sequence of {0, 1}
        The labels in screening order (a simulated or real run).
    n_total : int
        Records in the whole set.
    every : int
        Evaluate after every ``every`` records (and at the end).

    Returns
    -------
    pandas.DataFrame
        Columns ``n_screened, n_relevant_seen, p_value, stop`` (the p-value is the
        minimum over sample sizes at that point, as in :func:`stopping_test`).
    """
    y = _check(labels, n_total, recall_target, confidence)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise InputError(f"every must be a positive integer, got {every!r}", column="every")
    points = list(range(every, y.size + 1, every))
    if not points or points[-1] != y.size:
        points.append(y.size)
    rows = []
    for m in points:  # one vectorised test per checkpoint
        p = _min_pvalue(y[:m], n_total, recall_target)
        rows.append((m, int(y[:m].sum()), p, p < 1.0 - confidence))
    return pd.DataFrame(rows, columns=["n_screened", "n_relevant_seen", "p_value", "stop"])


def first_stop(
    labels: Sequence[int] | np.ndarray,
    *,
    n_total: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    every: int = 1,
) -> StoppingResult | None:
    """The first checkpoint (every ``every`` records) at which the rule says stop, or None."""
    y = _check(labels, n_total, recall_target, confidence)
    for m in range(every, y.size + 1, every):
        if _min_pvalue(y[:m], n_total, recall_target) < 1.0 - confidence:
            return stopping_test(y[:m], n_total=n_total, recall_target=recall_target,
                                 confidence=confidence)
    return None


def _min_pvalue(y: np.ndarray, n_total: int, recall_target: float) -> float:
    if y.size == 0 or y.sum() == 0:
        return 1.0
    n, k, _r_al, n_al, k_tar, _r_seen = _windows(y, n_total, recall_target)
    return float(_pvalues(n, k, n_al, k_tar).min())

