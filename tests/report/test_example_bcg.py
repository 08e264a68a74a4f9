"""The flagship example, examples/bcg/plan.toml, run end to end (every analysis, every output).

Expected values: R 4.2.2, metafor 3.8.1, printed by ``bcg_full_expected.R`` beside this file:

    dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    res <- rma(yi, vi, data=dat, control=list(threshold=1e-12, tol=1e-12, maxiter=1000))

The main model, subgroups and estimators are checked in test_report_bcg.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from metareview.analysis import run_plan
from metareview.plan import load_plan
from metareview.report import write_report

PLAN = Path(__file__).resolve().parents[2] / "examples" / "bcg" / "plan.toml"
RTOL = 1e-6


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bcg_full")
    write_report(run_plan(load_plan(PLAN)), directory)
    return directory


@pytest.fixture(scope="module")
def tb(out: Path) -> dict:
    return json.loads((out / "results.json").read_text("utf-8"))["outcomes"][0]


def test_every_output_is_written(out: Path) -> None:
    tables = sorted(p.stem for p in (out / "tables").glob("*.csv"))
    assert tables == sorted(["comparison", "summary_of_findings", "tb_studies", "tb_model",
                             "tb_conversions", "tb_subgroups", "tb_moderators",
                             "tb_leave_one_out", "tb_baujat", "tb_influence", "tb_cumulative",
                             "tb_estimators", "tb_bias_tests", "tb_grade"])
    stems = {p.stem for p in (out / "figures").iterdir()}
    assert stems == {f"tb_{n}" for n in ("forest", "forest_allocation", "funnel", "baujat",
                                          "leave_one_out", "cumulative", "bubble_latitude",
                                          "bubble_year")}
    for stem in stems:
        for ext in ("svg", "png", "pdf"):
            assert (out / "figures" / f"{stem}.{ext}").stat().st_size > 1000
    html = (out / "report.html").read_text("utf-8")
    assert html.count("<svg") == len(stems)
    external = [r for r in re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", html)
                if not r.startswith(("#", "data:"))]
    assert external == []


def test_bias_tests_match_metafor(tb: dict) -> None:
    t = tb["tests"]
    # regtest(res)
    assert t["egger"]["zval"] == pytest.approx(-0.803329193091, rel=RTOL)
    assert t["egger"]["pval"] == pytest.approx(0.421784488855, rel=RTOL)
    assert t["egger"]["limit_estimate"] == pytest.approx(-0.510431874103, rel=RTOL)
    # ranktest(res)
    assert t["begg"]["tau"] == pytest.approx(0.025641025641, rel=RTOL)
    assert t["begg"]["pval"] == pytest.approx(0.952361907961, rel=RTOL)
    # trimfill(res): k0 = 1 on the right, adjusted estimate
    assert (t["trim_and_fill"]["k0"], t["trim_and_fill"]["side"]) == (1, "right")
    assert t["trim_and_fill"]["estimate"] == pytest.approx(-0.65708280076, rel=RTOL)
    assert t["trim_and_fill"]["ci_lb"] == pytest.approx(-1.00699216621, rel=RTOL)
    # fsn(yi, vi, data=dat)$fsnum
    assert t["fail_safe_n"]["fsnum"] == 598


def test_sensitivity_and_meta_regression_match_metafor(tb: dict) -> None:
    loo = pd.DataFrame(tb["tables"]["leave_one_out"])
    # leave1out(res)[1, ]: R ignores control= here, so its fit stops at metafor's default
    # threshold 1e-5; hence the looser tolerance for these three numbers
    assert loo.loc[0, "estimate"] == pytest.approx(-0.707083784699, rel=1e-5)
    assert loo.loc[0, "tau2"] == pytest.approx(0.336156701804, rel=1e-5)
    assert loo.loc[0, "I2"] == pytest.approx(93.225934094, rel=1e-5)
    cum = pd.DataFrame(tb["tables"]["cumulative"])
    # cumul(res, order=dat$year): the last two rows
    assert cum["estimate"].iloc[-2] == pytest.approx(-0.794767604516, rel=RTOL)
    assert cum["estimate"].iloc[-1] == pytest.approx(-0.714532342158, rel=RTOL)
    mods = pd.DataFrame(tb["tables"]["moderators"])
    lat = mods[mods["model"] == "latitude"].set_index("term")
    # rma(yi, vi, mods=~ablat, data=dat)
    assert lat.loc["ablat", "estimate"] == pytest.approx(-0.0291017250116, rel=RTOL)
    assert lat.loc["ablat", "se"] == pytest.approx(0.00719532722093, rel=RTOL)
    assert lat.loc["ablat", "tau2"] == pytest.approx(0.0763479639559, rel=RTOL)
    assert lat.loc["ablat", "QM"] == pytest.approx(16.358232147, rel=RTOL)
    assert lat.loc["ablat", "R2"] == pytest.approx(75.6266218114, rel=RTOL)  # m$R2


def test_grade_with_bias_tests(tb: dict) -> None:
    domains = {d["domain"]: d for d in tb["grade"]["domains"]}
    # k = 13 >= 10, Egger p = 0.42 and Begg p = 0.95, both >= 0.10: not serious
    assert domains["publication_bias"]["rating"] == "not_serious"
    assert "Egger p = 0.422, Begg p = 0.952" in domains["publication_bias"]["reason"]
    assert tb["grade"]["certainty"] == "Very low"  # risk of bias -1, inconsistency -2


def test_methods_name_the_bias_tests_and_sensitivity(out: Path) -> None:
    html = (out / "report.html").read_text("utf-8")
    for phrase in ("Egger&#39;s regression test (Egger et al. 1997)",
                   "trim-and-fill (Duval and Tweedie 2000)",
                   "Rosenthal&#39;s fail-safe N (Rosenthal 1979)",
                   "leave-one-out analysis (Viechtbauer and Cheung 2010)",
                   "cumulative meta-analysis ordered by year (Lau et al. 1992)",
                   "Mixed-effects meta-regression on ~ ablat and ~ year"):
        assert phrase in html, phrase
