"""Leave-one-out, influence diagnostics and Baujat statistics against metafor 3.8.1's
``leave1out()``, ``influence()`` and ``baujat()`` (tests/diagnostics/leave1out_metafor.json,
written by make_fixtures_leave1out.R): six data sets (with k = 3, an outlier whose deletion
moves tau^2 far, and a study holding most of the weight), seven estimators, z and Knapp-Hartung
tests, every column, to 1e-6 relative. Then the power-sum path against the batched refit on
harder random data, to 1e-9.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from metareview.diagnostics import baujat, influence, leave_one_out
from metareview.diagnostics._subsets import refit
from metareview.models import rma

CASES = json.loads((Path(__file__).parent / "leave1out_metafor.json").read_text())
COLUMNS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "QEp", "tau2", "I2", "H2")


def test_the_fixture_covers_what_it_claims() -> None:
    assert len(CASES) == 84
    assert {c["method"] for c in CASES} == {"EE", "DL", "REML", "ML", "EB", "PM", "PMM"}
    assert {len(c["yi"]) for c in CASES} >= {3, 8, 13}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['data']}-{c['method']}-{c['test']}")
def test_leave_one_out_matches_metafor(case: dict) -> None:
    res = rma(case["yi"], case["vi"], method=case["method"], test=case["test"])
    loo = leave_one_out(res)
    for col in COLUMNS:
        want = case[col]
        if not isinstance(want, list):  # metafor leaves tau2 out for the common-effect model
            assert case["method"] == "EE" and col == "tau2"
            np.testing.assert_array_equal(loo.tau2, 0.0)
            continue
        want = np.array([np.nan if w is None else w for w in want], dtype=float)
        np.testing.assert_allclose(getattr(loo, col), want, rtol=1e-6, atol=1e-9, err_msg=col)


INFLUENCE = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['data']}-{c['method']}-{c['test']}")
def test_influence_and_baujat_match_metafor(case: dict) -> None:
    res = rma(case["yi"], case["vi"], method=case["method"], test=case["test"])
    inf = influence(res)
    want = case["influence"]
    for col in INFLUENCE:
        np.testing.assert_allclose(getattr(inf, col), np.array(want[col], dtype=float), rtol=1e-6,
                                   atol=1e-9, err_msg=col)  # fmt: skip
    np.testing.assert_allclose(inf.dfbetas.iloc[:, 0], want["dfbetas"], rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(inf.is_infl, want["inf"])
    b = baujat(res)
    np.testing.assert_allclose(b.x, case["baujat_x"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(b.y, case["baujat_y"], rtol=1e-6, atol=1e-12)


def _hard(seed: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    vi = np.exp(rng.uniform(np.log(1e-3), np.log(1.0), k))
    yi = rng.normal(0.2, np.sqrt(vi + 0.04))
    yi[: max(1, k // 50)] += 3.0  # outliers: their deletion moves tau^2 far from the full fit
    vi[-1] = 1e-5  # a study with most of the weight
    return yi, vi


@pytest.mark.parametrize("method", ["EE", "DL", "REML", "ML", "EB", "PM", "PMM"])
@pytest.mark.parametrize("k", [3, 4, 30, 400])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_power_sums_agree_with_the_batched_refit(method: str, k: int, test: str) -> None:
    yi, vi = _hard(k, k)
    res = rma(yi, vi, method=method, test=test)
    loo = leave_one_out(res)
    arr = refit(res, ~np.eye(k, dtype=bool))
    for col, want in (("estimate", arr.b[:, 0]), ("se", arr.se[:, 0]), ("pval", arr.pval[:, 0]),
                      ("ci_lb", arr.ci_lb[:, 0]), ("tau2", arr.tau2), ("QE", arr.QE), ("I2", arr.I2),
                      ("H2", arr.H2)):  # fmt: skip
        np.testing.assert_allclose(getattr(loo, col), want, rtol=1e-9, atol=1e-12, err_msg=col)


def test_a_deletion_far_from_the_full_fit_is_summed_directly() -> None:
    """Deleting the one outlier drops tau^2 to 0, outside the series' radius: that deletion
    takes the direct sum, and its numbers still equal a refit without the study."""
    from metareview.diagnostics._deletion import DeletionSource

    yi = np.array([0.1, 0.12, 0.09, 0.11, 0.1, 2.5])
    vi = np.full(6, 0.01)
    res = rma(yi, vi, method="REML")
    loo = leave_one_out(res)
    alone = rma(yi[:5], vi[:5], method="REML")
    assert alone.tau2 == 0.0 and loo.tau2[5] == 0.0
    assert loo.estimate[5] == pytest.approx(alone.estimate, rel=1e-12)
    src = DeletionSource(yi - yi.mean(), vi, res.tau2, order=3)
    _, series = src._split(np.arange(6), loo.tau2)
    assert not series[5] and series[:5].all()


def test_direct_sums_in_small_blocks_give_the_same_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the series switched off every deletion is summed directly, in blocks of rows;
    blocks of 2 rows give the numbers of one block (to rounding: BLAS sums a block of 2 rows
    in another order), and both those of the batched refit."""
    import metareview.diagnostics._deletion as deletion

    yi, vi = _hard(30, 30)
    res = rma(yi, vi, method="REML")
    monkeypatch.setattr(deletion, "SERIES_RADIUS", -1.0)
    whole = leave_one_out(res)
    monkeypatch.setattr(deletion, "DIRECT_CELLS", 2 * 30)
    blocked = leave_one_out(res)
    np.testing.assert_allclose(blocked.tau2, whole.tau2, rtol=1e-13)
    np.testing.assert_allclose(blocked.estimate, whole.estimate, rtol=1e-13)
    arr = refit(res, ~np.eye(30, dtype=bool))
    np.testing.assert_allclose(whole.tau2, arr.tau2, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", ["DL", "REML", "PM"])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_influence_from_power_sums_equals_the_batched_refit(method: str, test: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import metareview.diagnostics._deletion as deletion

    yi, vi = _hard(7, 60)
    res = rma(yi, vi, method=method, test=test)
    fast, fast_b = influence(res).to_frame(), baujat(res).to_frame()
    monkeypatch.setattr(deletion, "BY_SUMS", ())
    slow, slow_b = influence(res).to_frame(), baujat(res).to_frame()
    for col in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat"):
        np.testing.assert_allclose(fast[col], slow[col], rtol=1e-9, atol=1e-12, err_msg=col)
    np.testing.assert_array_equal(fast["inf"], slow["inf"])
    np.testing.assert_allclose(fast_b["y"], slow_b["y"], rtol=1e-8, atol=1e-12)
