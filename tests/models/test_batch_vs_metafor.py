"""metareview.models.rma_batch against R's metafor 3.8.1: many fixture analyses in ONE call.

All 13 intercept-only data sets of tests/reference/models.json (k from 6 to 160) are padded
to a common k and fitted together with a mask (True = a study), once per estimator and test;
every row must reproduce metafor's single-analysis values (the same expectations as
test_rma_vs_metafor.py).
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

_spec = importlib.util.spec_from_file_location(
    "_metafor_fixtures", Path(__file__).resolve().parent / "_metafor_fixtures.py")
fx = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fx)

from metareview.errors import MetaReviewWarning  # noqa: E402

INTERCEPT = fx.cases("intercept")
METHODS = ("EE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM")
FIELDS = ("b", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "se_tau2", "I2", "H2", "QE", "QEp")


def _group(method, test, level):
    cs = [c for c in INTERCEPT if (c["method"], c["test"], c["level"]) == (method, test, level)]
    assert len(cs) == 13, (method, test, level, len(cs))
    return cs


def _stack(cs, pad_y=np.nan, pad_v=np.nan):
    kmax = max(len(c["data"]["yi"]) for c in cs)
    y = np.full((len(cs), kmax), pad_y)
    v = np.full((len(cs), kmax), pad_v)
    m = np.zeros((len(cs), kmax), dtype=bool)
    for i, c in enumerate(cs):
        yi, vi = fx.yi_vi(c)
        y[i, : yi.size], v[i, : vi.size], m[i, : yi.size] = yi, vi, True
    return y, v, m


def _batch(cs, method, test, level, **pad):
    from metareview.models import rma_batch

    y, v, m = _stack(cs, **pad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaReviewWarning)
        return rma_batch(y, v, mask=m, method=method, test=test, level=level)


def _compare(res, cs, method):
    problems: list[str | None] = []
    for i, c in enumerate(cs):
        e = c["expected"]
        for name in FIELDS:
            if name == "se_tau2" and method == "EE":
                continue  # NA in metafor; see test_edge_cases.py
            got = getattr(res, name, None)
            if got is None:
                problems.append(f"{name}: missing on {type(res).__name__}")
                continue
            problems.append(fx.mismatch(f"{c['id']} {name}", np.asarray(got)[i], e[name],
                                        fx.KIND[name]))
        pi = (e["pred_ci_lb"], e["pred_ci_ub"]) if method == "EE" else (e["pi_lb"], e["pi_ub"])
        problems.append(fx.mismatch(f"{c['id']} pi_lb", res.pi_lb[i], pi[0], "ci"))
        problems.append(fx.mismatch(f"{c['id']} pi_ub", res.pi_ub[i], pi[1], "ci"))
        if int(res.k[i]) != e["k"]:
            problems.append(f"{c['id']} k: got {res.k[i]}, expected {e['k']}")
    return problems


@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("method", METHODS)
def test_batch_matches_metafor(method, test):
    cs = _group(method, test, 95)
    res = _batch(cs, method, test, 95)
    assert np.shape(res.b) == (13,)
    problem = fx.report(f"rma_batch {method}/{test}", "one rma() per data set", _compare(res, cs, method))
    assert problem is None, problem


@pytest.mark.parametrize("method", ["REML", "DL", "PM"])
def test_batch_level_90(method):
    cs = _group(method, "knha", 90)
    res = _batch(cs, method, "knha", 90)
    problem = fx.report(f"rma_batch {method}/knha/90", "one rma() per data set", _compare(res, cs, method))
    assert problem is None, problem


def test_padding_values_are_ignored():
    # finite garbage in the padded cells (outside the mask) must not change any result
    cs = _group("REML", "z", 95)
    a = _batch(cs, "REML", "z", 95)
    b = _batch(cs, "REML", "z", 95, pad_y=1e6, pad_v=1e-9)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
