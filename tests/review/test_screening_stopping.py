"""The Callaghan & Müller-Hansen (2020) stopping rule against hand computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import hypergeom

from metareview.errors import InputError
from metareview.review.screening_stopping import first_stop, stopping_curve, stopping_test


def test_not_yet_stop_hand_computed() -> None:
    # N = 100; screened 50: five relevant first, then 45 irrelevant.
    # Window n <= 45 (last n all irrelevant): k = 0, r_AL = 5, N_AL = 50 + n,
    # K_tar = floor(5 / .95 - 5) + 1 = floor(0.263) + 1 = 1, p = P(X = 0) = 50 / (50 + n),
    # smallest at n = 45: 50 / 95. Windows n = 46..50 contain relevant records,
    # K_tar = k + 1, p = 1 - P(X = k + 1), close to 1. So p = 50/95 = .526: do not stop.
    labels = [1] * 5 + [0] * 45
    res = stopping_test(labels, n_total=100)
    assert res.p_value == pytest.approx(50 / 95, rel=1e-12)
    assert res.sample_size == 45
    assert not res.stop
    # the same p from scipy directly
    assert res.p_value == pytest.approx(hypergeom.cdf(0, 95, 1, 45), rel=1e-12)


def test_stop_hand_computed() -> None:
    # N = 500; 20 relevant then 400 irrelevant screened (N_s = 420, 80 unscreened).
    # Window n = 400: k = 0, r_AL = 20, N_AL = 480, K_tar = floor(20/.95 - 20) + 1 = 2,
    # p = C(478, 400) / C(480, 400) = (80 * 79) / (480 * 479) = 0.02749 < 0.05: stop.
    labels = [1] * 20 + [0] * 400
    res = stopping_test(labels, n_total=500)
    assert res.p_value == pytest.approx(80 * 79 / (480 * 479), rel=1e-12)
    assert res.sample_size == 400
    assert res.stop
    assert res.n_relevant_seen == 20 and res.n_screened == 420
    # Recall bound: with K = 1 relevant in the urn P(X = 0) = 80/480 = .167 >= .05 (kept),
    # with K = 2 it is .0275 < .05 (rejected): at most 1 relevant missed, recall >= 20/21.
    assert res.recall_bound == pytest.approx(20 / 21, rel=1e-12)


def test_stricter_confidence_does_not_stop() -> None:
    res = stopping_test([1] * 20 + [0] * 400, n_total=500, confidence=0.99)
    assert not res.stop  # 0.0275 > 0.01


def test_nothing_relevant_seen() -> None:
    res = stopping_test([0] * 10, n_total=50)
    assert (res.stop, res.p_value, res.recall_bound) == (False, 1.0, 0.0)


def test_everything_screened_gives_p_zero() -> None:
    # all N screened: N_AL = n, K_tar > k impossible in an urn already fully drawn -> reject
    res = stopping_test([1, 0, 1, 0, 0], n_total=5)
    assert res.stop and res.p_value == 0.0
    assert res.recall_bound == pytest.approx(1.0)


def test_curve_and_first_stop() -> None:
    labels = np.array([1] * 20 + [0] * 400)
    curve = stopping_curve(labels, n_total=500, every=100)
    assert curve["n_screened"].tolist() == [100, 200, 300, 400, 420]
    assert curve["stop"].tolist() == [False, False, False, True, True]
    first = first_stop(labels, n_total=500, every=1)
    assert first is not None
    # at m screened (m - 20 irrelevant after the relevant), window n = m - 20:
    # p = (500 - m)(499 - m) / ((480)(479)) with N_AL = 480: first m with p < .05
    m = np.arange(21, 421)
    p = (500 - m) * (499 - m) / (480 * 479)
    assert first.n_screened == int(m[np.argmax(p < 0.05)])


def test_bad_input() -> None:
    with pytest.raises(InputError) as err:
        stopping_test([1, 0, 2], n_total=10)
    assert err.value.row == [3]
    with pytest.raises(InputError, match="n_total"):
        stopping_test([1, 0, 0], n_total=2)


def _brute_force(labels: list[int], n_total: int, tau: float = 0.95, alpha: float = 0.05):
    """Every window n = 1..N_s, every urn count K, with scipy and plain loops."""
    n_s, r_seen = len(labels), sum(labels)
    best_p, best_bound = 1.0, 0.0
    for n in range(1, n_s + 1):
        k = sum(labels[n_s - n:])
        r_al = r_seen - k
        n_al = n_total - n_s + n
        k_tar = int(np.floor(r_seen / tau - r_al)) + 1
        p = 0.0 if k_tar > n_al else float(hypergeom.cdf(k, n_al, k_tar, n))
        best_p = min(best_p, p)
        for big_k in range(k, n_al + 1):  # smallest urn count rejected
            if big_k > k + (n_al - n) or hypergeom.cdf(k, n_al, big_k, n) < alpha:
                best_bound = max(best_bound, r_seen / (r_al + big_k - 1))
                break
    return best_p, best_bound


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_brute_force_over_all_windows(seed: int) -> None:
    # the implementation keeps only the longest window per relevant count; the brute force
    # tries every window and every urn count
    rng = np.random.default_rng(seed)
    labels = [1] * 6 + (rng.random(70) < 0.15).astype(int).tolist() + [0] * 60
    p, bound = _brute_force(labels, n_total=180)
    res = stopping_test(labels, n_total=180)
    assert res.p_value == pytest.approx(p, rel=1e-10, abs=1e-300)
    assert res.recall_bound == pytest.approx(bound, rel=1e-12)
