"""The fast trim-and-fill loop: its lean refits against metafor, its rank certificate against
a hand count, and the whole procedure against the plain algorithm written out below (every
pass refitted with rma(), as metafor's trimfill() does), bit for bit."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import metareview.bias.trimfill as tfmod
from metareview.bias import trim_and_fill
from metareview.errors import InputError, StatisticalWarning
from metareview.models import rma

REF = Path(__file__).resolve().parents[1] / "reference"
_spec = importlib.util.spec_from_file_location("tolerances", REF / "tolerances.py")
_tol = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(_tol)  # type: ignore[union-attr]
TOL = _tol.TOL
MODELS = json.loads((REF / "models.json").read_text())


# ------------------------------------------------------------ lean refits against metafor
def _lean_cases() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None, str, list[float]]]:
    """metafor's rma() fits (models.json) with EE, DL, ML or REML and no weights: intercept-only
    and edge data, and meta-regressions on numeric moderators (one case per data set,
    moderators and method; the z-test variant)."""
    out = []
    seen = set()
    for c in MODELS["cases"]:
        if c["method"] not in tfmod.LEAN_METHODS or c["weights_arg"] is not None or c["error"] is not None:
            continue
        if c["test"] != "z" or c["level"] != 95:
            continue
        y = np.array(c["data"]["yi"], dtype=float)
        v = np.array(c["data"]["vi"], dtype=float)
        if c["kind"] in ("intercept", "edge"):
            X = None
        else:
            one = c["formula"] in ("~ ablat", "~ year", "~ weeks")
            cols = c["mods_matrix"] or ([c["formula"][2:]] if one else None)
            if cols is None:
                continue
            X = np.column_stack([np.ones(y.size)] + [np.array(c["data"][col], dtype=float) for col in cols])
        key = c["id"].rsplit("/", 2)[0]
        if key in seen:
            continue
        seen.add(key)
        out.append((c["id"], y, v, X, c["method"], c["expected"]["b"]))
    return out


LEAN = _lean_cases()


def test_lean_cases_cover_every_lean_method_and_designs():
    assert {c[4] for c in LEAN} == set(tfmod.LEAN_METHODS) - {"FE", "CE"}
    assert sum(c[3] is not None for c in LEAN) >= 16  # meta-regressions with 1 and 2 moderators
    assert len(LEAN) >= 80


@pytest.mark.parametrize(("cid", "y", "v", "X", "method", "b"), LEAN, ids=[c[0] for c in LEAN])
def test_lean_fit_matches_metafor(cid, y, v, X, method, b):
    fit = tfmod._lean_fit(y, v, X, method)
    p = 1 if X is None else X.shape[1]
    if y.size < p + 2:  # too few studies: the lean path declines and rma() refits
        assert fit is None
        return
    assert fit is not None
    np.testing.assert_allclose(fit[0], b, rtol=TOL["estimate"]["rtol"], atol=TOL["estimate"]["atol"])
    if X is None:
        # the bound on the distance from the engine's estimate is tiny but positive
        assert 0 < fit[2] < 1e-6 * max(1.0, float(np.abs(y).max()))


def test_fe_and_ce_are_the_common_effect_model():
    # BCG (RR): metafor rma(yi, vi, method = "EE") gives -0.430285163654091 (models.json)
    case = next(c for c in LEAN if c[0] == "bcg_RR/EE/z/95")
    for alias in ("FE", "CE"):
        fit = tfmod._lean_fit(case[1], case[2], None, alias)
        assert fit is not None
        np.testing.assert_allclose(fit[0][0], -0.430285163654091, rtol=1e-12)


# ----------------------------------------------------------------- the rank certificate
def test_rank_statistics_by_hand():
    # deviations -0.3, 0.1, 0.2, -0.05: |.| ranks 4, 2, 3, 1 -> signed -4, +2, +3, -1
    yc = np.array([-0.3, 0.1, 0.2, -0.05])
    assert tfmod._rank_stat(yc, "L0", None) == 5.0  # 2 + 3
    assert tfmod._rank_stat(yc, "R0", None) == 4.0  # largest negative rank
    # within 0.01 of the estimate nothing can change: the nearest study is 0.05 away and the
    # closest opposite-side neighbours in the ranking (0.05 vs 0.1) are 0.05 apart > 2 * 0.01
    assert tfmod._rank_stat(yc, "L0", 0.01) == 5.0
    # 0.03: moving the estimate by 0.025 towards +0.1 would swap the ranks of 0.05 and 0.1
    assert tfmod._rank_stat(yc, "L0", 0.03) is None
    # 0.06 would put the estimate past the study at -0.05
    assert tfmod._rank_stat(yc, "R0", 0.06) is None
    # ties across sides (|-0.1| = |0.1|) are never certified; R ranks them by position
    tied = np.array([-0.1, 0.1, 0.4])
    assert tfmod._rank_stat(tied, "L0", 1e-12) is None
    assert tfmod._rank_stat(tied, "L0", None) == 5.0  # ranks 1, 2, 3: 2 + 3


def test_k0_from_the_l0_and_r0_formulas():
    # Duval & Tweedie (2000): L0 = (4 Sr - k(k + 1)) / (2k - 1), R0 = gamma* - 1
    k0f, _ = tfmod._k0_from(np.float64(40.0), 10, "L0")
    assert k0f == pytest.approx((160 - 110) / 19)
    k0f, se = tfmod._k0_from(np.float64(7.0), 10, "R0")
    assert k0f == 2.0 and se == pytest.approx(np.sqrt(6.0))


# --------------------------------------------------------- against the plain algorithm
def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return rma(*args, **kwargs)


def plain_trimfill(res, *, estimator="L0", side=None):
    """metafor's trimfill() written out: every pass refitted with rma() on the trimmed data,
    ranks by scipy's rankdata (ties by position, R's ties.method = "first")."""
    yi, vi, method = np.asarray(res.yi), np.asarray(res.vi), res.method_used
    if side is None:
        slope = _quiet(yi, vi, mods=np.sqrt(vi)[:, None], method=method).b[1]
        side = "right" if slope < 0 else "left"
    flip = -1.0 if side == "right" else 1.0
    idx = np.argsort(flip * yi, kind="stable")
    y, v = flip * yi[idx], vi[idx]
    k = y.size
    k0, prev, passes = 0, -1, 0
    beta = 0.0
    while k0 != prev:
        prev = k0
        passes += 1
        if passes > 100:
            pytest.fail("the plain loop did not settle")
        beta = _quiet(y[: k - k0], v[: k - k0], method=method).estimate
        dev = y - beta
        signed = np.sign(dev) * stats.rankdata(np.abs(dev), method="ordinal")
        if estimator == "L0":
            k0f = (4 * signed[signed > 0].sum() - k * (k + 1)) / (2 * k - 1)
        else:
            neg = -signed[signed < 0]
            k0f = k - (neg.max() if neg.size else 0) - 1
        k0 = max(0, int(np.round(k0f)))
    filled = flip * (2 * beta - y[k - k0 :])
    est = res.estimate
    if k0:
        est = _quiet(np.concatenate([yi, filled]), np.concatenate([vi, v[k - k0 :]]), method=method).estimate
    return side, k0, filled, est


def bench_like(seed: int, k: int = 500, shift: float = 1.2) -> tuple[np.ndarray, np.ndarray]:
    """The benchmark's data (bench/_common.py simulate(1, k, seed) plus a small-study effect
    shift * sqrt(vi), as bench/case3_diagnostics.py): vi ~ U(0.01, 0.1), yi ~ N(0.3, vi + 0.05)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.1, (1, k))
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    return yi[0] + shift * np.sqrt(vi[0]), vi[0]


def assert_same_as_plain(res, **kw):
    tf = trim_and_fill(res, **kw)
    side, k0, filled, est = plain_trimfill(res, **kw)
    assert tf.side == side
    assert tf.k0 == k0
    assert np.array_equal(tf.filled["yi"].to_numpy(), filled)  # bit for bit
    assert tf.fit.estimate == est
    return tf


def test_bench_data_same_as_plain_loop_and_metafor_sized():
    yi, vi = bench_like(12)
    tf = assert_same_as_plain(rma(yi, vi, method="REML"))
    # the benchmark's case: 96 studies filled on the left (metafor 3.8.1 agrees, bench case 3)
    assert tf.k0 == 96 and tf.side == "left"


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("method", "estimator", "side"),
    [("REML", "R0", None), ("ML", "L0", "right"), ("DL", "L0", None), ("EE", "R0", "left")],
)
def test_simulated_same_as_plain_loop(seed, method, estimator, side):
    yi, vi = bench_like(seed, k=120, shift=float(seed) - 1.5)
    assert_same_as_plain(rma(yi, vi, method=method), estimator=estimator, side=side)


def test_other_estimators_refit_with_rma_every_pass():
    yi, vi = bench_like(4, k=60)
    assert_same_as_plain(rma(yi, vi, method="PM"))
    assert_same_as_plain(rma(yi, vi, method="SJ"), estimator="R0")


def _count(monkeypatch, name):
    calls = []
    real = getattr(tfmod, name)

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(tfmod, name, spy)
    return calls


def test_fast_path_uses_rma_only_for_the_mirror_estimate_and_the_filled_fit(monkeypatch):
    yi, vi = bench_like(12)
    res = rma(yi, vi, method="REML")
    exact = _count(monkeypatch, "_exact_estimate")
    full = _count(monkeypatch, "_quiet_rma")
    tf = trim_and_fill(res)
    assert len(exact) == 1 and exact[0][0].size == 500 - tf.k0  # the last pass, for the mirror
    assert len(full) == 1  # the filled model (the side's slope was certain from the lean fit)


@pytest.mark.parametrize("side", ["left", "right"])
def test_ties_fall_back_to_rma_and_keep_the_result(monkeypatch, side):
    # nine effects on a 0.2 grid symmetric about 0, equal variances: the pooled estimate sits
    # on the middle study and the distances of -0.2 and 0.2 (etc.) tie, so no pass can be
    # certified and each is refitted with rma()
    yi = np.round(np.arange(-0.8, 0.81, 0.2), 10)
    res = rma(yi, np.full(yi.size, 0.04), method="REML")
    exact = _count(monkeypatch, "_exact_estimate")
    tf = trim_and_fill(res, side=side)
    s, k0, filled, est = plain_trimfill(res, side=side)
    assert (tf.side, tf.k0) == (s, k0) and np.array_equal(tf.filled["yi"].to_numpy(), filled)
    assert tf.fit.estimate == est
    assert len(exact) >= 1 and exact[0][0].size == yi.size  # the first pass, k0 = 0


def test_ties_after_trimming_fall_back_too():
    # a symmetric core with a tail: later passes can meet ties as well
    yi = np.array([-0.4, -0.2, 0.0, 0.2, 0.4, 0.9, 1.3, 1.8, 0.1, 0.3])
    vi = np.array([0.04, 0.04, 0.04, 0.04, 0.04, 0.2, 0.3, 0.4, 0.05, 0.06])
    for method in ("REML", "DL", "EE"):
        for est in ("L0", "R0"):
            assert_same_as_plain(rma(yi, vi, method=method), estimator=est)


def test_a_lean_fit_that_disagrees_with_the_engine_is_caught(monkeypatch):
    yi, vi = bench_like(12)
    res = rma(yi, vi, method="REML")
    real = tfmod._lean_fit

    def off(y, v, X, method, **kw):  # a lean solver 1e-3 off, claiming 1e-12 precision
        fit = real(y, v, X, method, **kw)
        return None if fit is None else (fit[0] + 1e-3, fit[1], 1e-12)

    monkeypatch.setattr(tfmod, "_lean_fit", off)
    exact = _count(monkeypatch, "_exact_estimate")
    tf = trim_and_fill(res)
    side, k0, filled, _ = plain_trimfill(res)
    assert tf.k0 == k0 == 96 and np.array_equal(tf.filled["yi"].to_numpy(), filled)
    assert len(exact) > 5  # the whole loop was redone with rma()


def test_bad_options_name_the_argument():
    res = rma(*bench_like(5, k=20))
    with pytest.raises(InputError, match="side must be") as err:
        trim_and_fill(res, side="up")  # type: ignore[arg-type]
    assert err.value.column == "side"
    with pytest.raises(InputError, match="estimator must be") as err:
        trim_and_fill(res, estimator="Q0")  # type: ignore[arg-type]
    assert err.value.column == "estimator"


def test_equal_variances_ask_for_the_side_instead_of_failing_obscurely() -> None:
    """metafor 3.8.1's trimfill() on five studies with equal vi stops with "missing value where
    TRUE/FALSE needed" (the slope of yi on sqrt(vi) is NA); we say why and what to pass."""
    from metareview.errors import NotApplicableError

    res = rma([0.1, 0.3, 0.2, 0.5, 0.4], [0.02] * 5)
    with pytest.raises(NotApplicableError, match="side='left' or side='right'"):
        trim_and_fill(res)
    given = trim_and_fill(res, side="left")  # metafor: trimfill(res, side = "left"): k0 0, b 0.3
    assert given.k0 == 0 and given.fit.estimate == pytest.approx(0.3, rel=1e-12)
