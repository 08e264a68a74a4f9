"""Edge cases of metareview.models.rma: metafor's behaviour where metafor is the reference, and
the project's input/convergence policy (metareview.errors) where it is not.

metafor expectations: tests/reference/models.json, ``kind == "edge"`` (every estimator, test
z and knha) for

- ``k1``: the first BCG trial alone. metafor fits it, sets tau2 = 0 and switches test "knha"
  to "z" with the warning 'Setting argument test="z" since k=1.';
- ``k2``: the first two BCG trials;
- ``homogeneous``: six made-up studies with QE = 0.056 far below k - 1 = 5, so the moment
  estimators (DL, HE) are negative before truncation and REML/ML stop on the boundary tau2 = 0;
- ``identical``: five studies with the same yi (QE = 0);
- ``huge_vi_range``: sampling variances from 1e-6 to 1e4 (metafor warns "Ratio of largest to
  smallest sampling variance extremely large").
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location(
    "_metafor_fixtures", Path(__file__).resolve().parent / "_metafor_fixtures.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

from metareview.errors import (  # noqa: E402
    ConvergenceError,
    ConvergenceWarning,
    InputError,
    StatisticalWarning,
)

EDGE = [c for c in fx.cases("edge") if c["dataset"] != "k1"]


@pytest.mark.parametrize("c", EDGE, ids=[c["id"] for c in EDGE])
def test_edge_case_matches_metafor(c):
    res = fx.fit_rma(c)
    problems = fx.compare_fit(res, c)
    if c["method"] != "GENQ":
        problems += fx.compare_fitstats(res, c)
    problem = fx.report(c["id"], c["call"], problems)
    assert problem is None, problem


EDGE_CI = [c for c in EDGE if "tau2_ci" in c["expected"]]


@pytest.mark.parametrize("c", EDGE_CI, ids=[c["id"] for c in EDGE_CI])
def test_edge_case_confint_matches_metafor(c):
    from metareview.models import confint

    ci = confint(fx.fit_rma(c))
    problem = fx.report(c["id"], "confint(" + c["call"] + ")", fx.compare_confint(ci, c))
    assert problem is None, problem


# ---------------------------------------------------------------------------------------------
# k = 1: metafor's policy (tau2 = 0, test z), announced with a StatisticalWarning
# ---------------------------------------------------------------------------------------------
K1 = [c for c in fx.cases("edge") if c["dataset"] == "k1" and c["method"] != "GENQ"]


@pytest.mark.parametrize("c", K1, ids=[c["id"] for c in K1])
def test_k1_follows_metafor_with_a_warning(c):
    from metareview.models import rma

    yi, vi = fx.yi_vi(c)
    with pytest.warns(StatisticalWarning, match="k = 1"):
        res = rma(yi, vi, **fx.rma_kwargs(c))
    if c["test"] == "knha":
        assert c["warnings"] == ['Setting argument test="z" since k=1.']
    e = c["expected"]
    assert res.tau2 == 0.0
    problems = [fx.mismatch(n, getattr(res, n), e[n])
                for n in ("b", "se", "zval", "pval", "ci_lb", "ci_ub", "QE", "I2", "H2")]
    # the single study's own estimate and its standard error, written out
    problems.append(fx.mismatch("b", res.b, yi[0]))
    problems.append(fx.mismatch("se", res.se, np.sqrt(vi[0])))
    problem = fx.report(c["id"], c["call"], problems)
    assert problem is None, problem


# ---------------------------------------------------------------------------------------------
# boundary and degenerate data, asserted directly
# ---------------------------------------------------------------------------------------------
def test_negative_moment_estimates_are_truncated_to_zero():
    c = fx.case("edge_homogeneous/DL/z/95")
    yi, vi = fx.yi_vi(c)
    # untruncated DL by hand: (QE - (k - 1)) / (sum w - sum w^2 / sum w) is negative here
    w = 1 / vi
    mu = np.sum(w * yi) / np.sum(w)
    qe = np.sum(w * (yi - mu) ** 2)
    raw = (qe - (yi.size - 1)) / (np.sum(w) - np.sum(w**2) / np.sum(w))
    assert raw < 0  # about -0.0157: truncation is what makes tau2 = 0
    for method in ("DL", "HE", "HS", "HSk", "REML", "ML", "PM", "EB"):
        res = fx.fit_rma(fx.case(f"edge_homogeneous/{method}/z/95"))
        assert res.tau2 == 0.0, method
        assert res.I2 == 0.0 and res.H2 == 1.0, method


def test_identical_studies_have_no_heterogeneity():
    c = fx.case("edge_identical/REML/z/95")
    res = fx.fit_rma(c)
    assert res.QE == pytest.approx(0.0, abs=1e-20)
    assert res.QEp == pytest.approx(1.0)
    assert res.tau2 == 0.0
    assert res.b[0] == pytest.approx(0.5, rel=1e-12)


def test_common_effect_has_no_se_tau2():
    # metafor returns se.tau2 = NA for EE: tau2 is fixed at 0, not estimated
    res = fx.fit_rma(fx.case("bcg_RR/EE/z/95"))
    assert res.tau2 == 0.0
    assert np.isnan(res.se_tau2)


# ---------------------------------------------------------------------------------------------
# convergence policy
# ---------------------------------------------------------------------------------------------
def test_non_convergence_raises():
    from metareview.models import rma

    yi, vi = fx.yi_vi(fx.case("bcg_RR/REML/z/95"))
    with pytest.raises(ConvergenceError, match="REML"):
        rma(yi, vi, method="REML", control={"maxiter": 1})


def test_non_convergence_falls_back_along_the_chain():
    from metareview.models import rma

    c = fx.case("bcg_RR/DL/z/95")
    yi, vi = fx.yi_vi(c)
    with pytest.warns(ConvergenceWarning, match="REML"):
        res = rma(yi, vi, method=["REML", "DL"], control={"maxiter": 1})
    assert res.method_used == "DL"
    problem = fx.report(c["id"], c["call"], fx.compare_fit(res, c))
    assert problem is None, problem


# ---------------------------------------------------------------------------------------------
# input errors name the row and the column
# ---------------------------------------------------------------------------------------------
def _rows(err):
    return [err.row] if isinstance(err.row, int) else list(err.row)


def test_nan_yi_names_the_row():
    from metareview.models import rma

    with pytest.raises(InputError) as info:
        rma([0.1, np.nan, 0.3, 0.2], [0.01, 0.02, 0.03, 0.04])
    assert _rows(info.value) == [2]
    assert info.value.column == "yi"
    assert "row 2" in str(info.value) and "column yi" in str(info.value)


def test_nan_vi_names_the_row():
    from metareview.models import rma

    with pytest.raises(InputError) as info:
        rma([0.1, 0.2, 0.3, 0.2], [0.01, 0.02, 0.03, np.nan])
    assert _rows(info.value) == [4]
    assert info.value.column == "vi"
    assert "row 4" in str(info.value)


@pytest.mark.parametrize("bad", [0.0, -0.02])
def test_non_positive_vi_names_row_and_column(bad):
    from metareview.models import rma

    with pytest.raises(InputError) as info:
        rma([0.1, 0.2, 0.3, 0.2], [0.01, bad, 0.03, 0.04])
    assert _rows(info.value) == [2]
    assert info.value.column == "vi"
    assert "row 2" in str(info.value) and "column vi" in str(info.value)


def test_mismatched_lengths():
    from metareview.models import rma

    with pytest.raises(InputError) as info:
        rma([0.1, 0.2, 0.3], [0.01, 0.02])
    msg = str(info.value)
    assert "3" in msg and "2" in msg


def test_unknown_method_lists_the_valid_ones():
    from metareview.models import rma

    with pytest.raises(InputError) as info:
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], method="BLUP")
    msg = str(info.value)
    assert "BLUP" in msg
    for name in ("EE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM"):
        assert name in msg
    assert info.value.column == "method"


def test_too_few_studies_for_the_moderators():
    from metareview.models import rma

    with pytest.raises(InputError):
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], mods=np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]]))


def test_unknown_test_is_an_input_error():
    from metareview.models import rma

    with pytest.raises(InputError) as info:
        rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], test="wald")
    assert info.value.column == "test"


def test_batch_nan_inside_the_mask_names_the_analysis_row():
    from metareview.models import rma_batch

    yi = np.array([[0.1, 0.2, 0.3], [0.2, np.nan, 0.1]])
    vi = np.array([[0.01, 0.02, 0.03], [0.02, 0.02, 0.01]])
    with pytest.raises(InputError) as info:
        rma_batch(yi, vi, mask=np.ones_like(yi, dtype=bool), method="DL")
    assert _rows(info.value) == [2]
