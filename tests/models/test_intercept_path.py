"""The intercept-only path (power sums, Newton) against the general path (matrices of
weighted least squares, Fisher scoring) on the same batches.

The two share no estimating code: the general path is reached by passing the intercept as an
explicit design column. They must agree on every statistic of every analysis; both are also
checked against metafor elsewhere (tests/models/test_rma_vs_metafor.py and friends run
through the intercept path now).
"""

from __future__ import annotations

import numpy as np
import pytest

from metareview.models._engine import fit_batch
from metareview.models.tau2 import Control

FIELDS = ("b", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "se_tau2", "QE", "QEp", "I2", "H2",
          "vt", "QM", "QMp", "crit")  # fmt: skip
METHODS = ("EE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM")


def _batch(seed: int, B: int = 400, k: int = 12) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random analyses of 1 to k studies: homogeneous, heterogeneous, outlying, with
    sampling variances over four orders of magnitude, and two sets of identical studies."""
    rng = np.random.default_rng(seed)
    vi = np.exp(rng.uniform(np.log(1e-3), np.log(10.0), (B, k)))
    tau2 = rng.choice([0.0, 0.01, 0.3, 5.0], size=(B, 1))
    yi = rng.normal(rng.normal(0, 2, (B, 1)), np.sqrt(vi + tau2))
    yi[::37, 3] += 25.0  # an outlier
    yi[5], vi[5] = 0.4, 0.02  # identical studies
    yi[6] = 1e3 + rng.normal(0, 1e-3, k)  # far from zero, nearly homogeneous
    kk = rng.integers(1, k + 1, B)
    kk[:3] = (1, 2, 3)
    mask = np.arange(k)[None, :] < kk[:, None]
    return np.where(mask, yi, np.nan), np.where(mask, vi, np.nan), mask


def _both(yi, vi, mask, **kw):  # type: ignore[no-untyped-def]
    fast = fit_batch(yi, vi, mask, **kw)
    X = np.ones((*yi.shape, 1))
    general = fit_batch(yi, vi, mask, X=X, **kw)
    return fast, general


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", ["z", "knha"])
def test_every_statistic_agrees_with_the_general_path(method: str, test: str) -> None:
    yi, vi, mask = _batch(1)
    fast, general = _both(yi, vi, mask, method=method, test=test, control=Control())
    ok = fast.converged & general.converged
    assert ok.mean() > 0.99
    for name in FIELDS:
        a, b = np.asarray(getattr(fast, name))[ok], np.asarray(getattr(general, name))[ok]
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, equal_nan=True, err_msg=name)
    for name in ("ll", "dev", "AIC", "BIC", "AICc"):
        for fs in ("fit_ML", "fit_REML"):
            np.testing.assert_allclose(getattr(fast, fs)[name][ok], getattr(general, fs)[name][ok],
                                       rtol=1e-9, atol=1e-9, err_msg=f"{fs}.{name}")  # fmt: skip
    np.testing.assert_allclose(fast.weights[ok], general.weights[ok], rtol=1e-9, atol=1e-12)
    # which path meets the interior local maximum first may differ (see the next test)
    np.testing.assert_array_equal(fast.k, general.k)


@pytest.mark.parametrize("method", ["REML", "ML", "EB", "PM"])
def test_warm_starts_and_fixed_tau2_agree(method: str) -> None:
    yi, vi, mask = _batch(2, B=200)
    start = np.linspace(0.0, 3.0, yi.shape[0])
    fast, general = _both(yi, vi, mask, method=method, control=Control(tau2_init=start))
    np.testing.assert_allclose(fast.tau2, general.tau2, rtol=1e-9, atol=1e-11)
    fixed = np.linspace(0.0, 1.0, yi.shape[0])
    fast, general = _both(yi, vi, mask, method=method, tau2_fixed=fixed, test="t")
    for name in ("b", "se", "pval", "I2", "H2"):
        np.testing.assert_allclose(getattr(fast, name), getattr(general, name), rtol=1e-10, atol=1e-12)


def test_newton_needs_few_steps_where_scoring_needs_many() -> None:
    """REML on 2,000 ordinary analyses of k = 20: Newton's method reaches the 1e-13 stopping
    rule in at most a dozen steps (Fisher scoring, linear near the root, needs more)."""
    rng = np.random.default_rng(3)
    vi = rng.uniform(0.01, 0.1, (2000, 20))
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    mask = np.ones(yi.shape, dtype=bool)
    fast, general = _both(yi, vi, mask, method="REML")
    assert fast.converged.all()
    assert fast.iterations.max() <= 12
    assert fast.iterations.mean() < general.iterations.mean()
    np.testing.assert_allclose(fast.tau2, general.tau2, rtol=1e-10, atol=1e-13)


def test_a_method_chain_falls_back_per_analysis() -> None:
    """With 3 steps allowed, the analyses REML has not solved are fitted with DL, the others
    keep their REML root."""
    yi, vi, mask = _batch(4, B=100)
    chain = fit_batch(yi, vi, mask, method=("REML", "DL"), control=Control(maxiter=3))
    dl = chain.method_used == "DL"
    assert 0 < dl.sum() < dl.size and chain.converged.all()
    reml = fit_batch(yi, vi, mask, X=np.ones((*yi.shape, 1)), method="REML")
    dlfit = fit_batch(yi, vi, mask, X=np.ones((*yi.shape, 1)), method="DL")
    np.testing.assert_allclose(chain.tau2[dl], dlfit.tau2[dl], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(chain.tau2[~dl], reml.tau2[~dl], rtol=1e-9, atol=1e-11)


def test_ml_meets_the_interior_maximum_then_falls_back_to_zero_as_metafor_does() -> None:
    """Seven studies whose ML likelihood has a local maximum at tau^2 = 0.0345 below the one
    at 0. metafor 3.8.1, ``rma(y, v, method = "ML")``, converges to 0.0345 and then warns
    "Fisher scoring algorithm may have gotten stuck at a local maximum. Setting tau^2 = 0";
    so does rma() here."""
    import warnings

    from metareview.errors import ConvergenceWarning
    from metareview.models import rma

    y = [-2.0312414142508235, -1.4466098579651887, -1.8864843091139547, -1.3736120459743397,
         -1.7799341879312292, -1.3743919873560722, -0.7750291649819697]  # fmt: skip
    v = [0.11782387508753554, 0.003268406452383338, 0.12588633664154167, 0.14808777440789794,
         0.09690989873895615, 0.006698004862226616, 0.05465017398307164]  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = rma(y, v, method="ML")
    assert res.tau2 == 0.0
    assert any(issubclass(w.category, ConvergenceWarning) and "local maximum" in str(w.message) for w in caught)


@pytest.mark.parametrize("method", ["REML", "ML", "PM", "DL"])
def test_a_very_large_analysis_summed_in_blocks_agrees(method: str) -> None:
    """k = 70,001 studies: more than two blocks of studies (and a partial one)."""
    from metareview.models._sums import BLOCK

    k = 2 * BLOCK + 4465
    rng = np.random.default_rng(5)
    vi = rng.uniform(0.01, 0.1, (1, k))
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    fast, general = _both(yi, vi, np.ones((1, k), dtype=bool), method=method)
    for name in ("b", "se", "tau2", "se_tau2", "QE", "I2"):
        np.testing.assert_allclose(getattr(fast, name), getattr(general, name), rtol=1e-9, err_msg=name)
    np.testing.assert_allclose(fast.fit_REML["ll"], general.fit_REML["ll"], rtol=1e-10)


@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([[0.1, 0.2], [0.3, np.nan]], [[0.01, 0.02], [0.01, 0.02]], r"row 2, column vi: a study has yi or vi but not both"),
        ([[0.1, 0.2], [0.3, 0.4]], [[0.01, 0.02], [0.01, 0.0]], r"row 2, column vi: sampling variances must be positive"),
        ([[0.1, np.nan], [0.3, 0.4]], [[-0.01, np.nan], [0.01, 0.02]], r"row 1, column vi: sampling variances must be positive"),
        ([[0.1, 0.2]], [[0.01, 0.02], [0.01, 0.02]], r"column vi: yi \(1, 2\) and vi \(2, 2\) must be"),
    ],
)
def test_rma_batch_names_the_row_and_column_of_bad_input(yi, vi, message) -> None:  # type: ignore[no-untyped-def]
    from metareview.errors import InputError
    from metareview.models import rma_batch

    with pytest.raises(InputError, match=message):
        rma_batch(np.array(yi), np.array(vi))
