"""metareview.models.subgroup_analysis against R's metafor 3.8.1.

Expectations: tests/reference/models.json (``subgroups``), written by
tests/reference/make_fixtures_models.R, for dat.bcg (log RR) by ``alloc``,
dat.raudenbush1985 by ``tester``, dat.hackshaw1998 by ``design`` and dat.molloy2014 (ZCOR) by
``design``, with REML, DL, ML and PM:

- ``tau2="separate"``: one rma per subgroup (test "z" and "knha"); the test for subgroup
  differences is QM of ``rma(est, sei = se, mods = ~ group, method = "FE")`` fitted to the
  subgroup estimates and their standard errors (the approach of R's meta package);
- ``tau2="common"``: QM of ``rma(yi, vi, mods = ~ group)`` and the per-group estimates of
  ``rma(yi, vi, mods = ~ group - 1)`` (test "z").

The exact R calls are stored with each case (``calls``).
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

CASES = fx.fixtures()["subgroups"]
IDS = [c["id"] for c in CASES]

ESTIMATE_COLUMNS = ("level", "k", "estimate", "se", "ci_lb", "ci_ub", "tau2", "I2")
KIND = {"estimate": "estimate", "se": "se", "ci_lb": "ci", "ci_ub": "ci", "tau2": "tau2",
        "I2": "I2"}


def _run(c):
    from metareview.models import subgroup_analysis

    d = c["data"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaReviewWarning)
        return subgroup_analysis(
            np.asarray(d["yi"], dtype=float), np.asarray(d["vi"], dtype=float),
            np.asarray(d["group"], dtype=object), method=c["method"], tau2=c["tau2_mode"],
            test=c["test"], level=c["level"])


def test_inventory():
    assert len(CASES) >= 40
    assert {c["dataset"] for c in CASES} >= {"bcg_RR", "raudenbush1985", "hackshaw1998"}
    assert {c["tau2_mode"] for c in CASES} == {"separate", "common"}


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_test_for_subgroup_differences(c):
    sg = _run(c)
    problems = [
        fx.mismatch("Q_between", sg.Q_between, c["Q_between"], "het"),
        fx.mismatch("p_between", sg.p_between, c["p_between"], "pvalue"),
        None if int(sg.df_between) == c["df_between"]
        else f"df_between: got {sg.df_between!r}, expected {c['df_between']}",
    ]
    problem = fx.report(c["id"], " ; ".join(c["calls"]), problems)
    assert problem is None, problem


@pytest.mark.parametrize("c", CASES, ids=IDS)
def test_per_subgroup_estimates(c):
    sg = _run(c)
    est = sg.estimates
    # the columns the API promises, in this order; further columns (a prediction interval,
    # QE per subgroup) may follow
    assert list(est.columns)[:6] == list(ESTIMATE_COLUMNS)[:6], list(est.columns)
    assert set(ESTIMATE_COLUMNS) <= set(est.columns), list(est.columns)
    rows = {str(r["level"]): r for _, r in est.iterrows()}
    problems: list[str | None] = []
    want_levels = [p["level"] for p in c["per_level"]]
    if sorted(rows) != sorted(want_levels):
        problems.append(f"levels: got {sorted(rows)}, expected {sorted(want_levels)}")
    for p in c["per_level"]:
        r = rows.get(p["level"])
        if r is None:
            continue
        if int(r["k"]) != p["k"]:
            problems.append(f"{p['level']}.k: got {r['k']}, expected {p['k']}")
        cols = ("estimate", "se", "ci_lb", "ci_ub", "tau2")
        if c["tau2_mode"] == "separate":
            cols += ("I2",)  # with a common tau2 there is no per-group I2 in metafor's fit
        for col in cols:
            problems.append(fx.mismatch(f"{p['level']}.{col}", r[col], p[col], KIND[col]))
    problem = fx.report(c["id"], " ; ".join(c["calls"]), problems)
    assert problem is None, problem


SEPARATE = [c for c in CASES if c["tau2_mode"] == "separate"]


@pytest.mark.parametrize("c", SEPARATE, ids=[c["id"] for c in SEPARATE])
def test_separate_fits_are_full_results(c):
    sg = _run(c)
    assert sorted(map(str, sg.fits)) == sorted(p["level"] for p in c["per_level"])
    problems: list[str | None] = []
    for lv, fit in sg.fits.items():
        p = next(q for q in c["per_level"] if q["level"] == str(lv))
        problems += [fx.mismatch(f"{lv}.QE", fit.QE, p["QE"], "het"),
                     fx.mismatch(f"{lv}.H2", fit.H2, p["H2"], "het"),
                     fx.mismatch(f"{lv}.pval", fit.pval, p["pval"], "pvalue")]
    problem = fx.report(c["id"], " ; ".join(c["calls"]), problems)
    assert problem is None, problem


COMMON = [c for c in CASES if c["tau2_mode"] == "common"]


@pytest.mark.parametrize("c", COMMON, ids=[c["id"] for c in COMMON])
def test_common_tau2_is_shared(c):
    sg = _run(c)
    taus = np.asarray(sg.estimates["tau2"], dtype=float)
    np.testing.assert_allclose(taus, c["tau2"], **fx.TOL["tau2"])
