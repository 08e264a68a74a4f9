"""Report of the BCG vaccine trials (Colditz et al. 1994, JAMA 271:698; metadat dat.bcg).

Expected values come from R 4.2.2 with metafor 3.8.1, printed by ``bcg_expected.R`` beside
this file (iterations run to convergence: ``control=list(threshold=1e-12, tol=1e-12)``); each
number has its R call beside it:

    library(metafor)
    dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    res <- rma(yi, vi, data=dat, control=ctrl)   # = rma(measure="RR", ai=tpos, ..., data=dat.bcg)
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metareview.analysis import run_plan
from metareview.plan import load_plan
from metareview.report import write_report
from metareview.report.methods_text import methods_text

HERE = Path(__file__).resolve().parent
CORE_PLAN = HERE / "data" / "bcg_core.toml"


def _tolerances() -> dict[str, dict[str, float]]:
    path = HERE.parent / "reference" / "tolerances.py"
    spec = importlib.util.spec_from_file_location("_report_tolerances", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.TOL  # type: ignore[no-any-return]


TOL = _tolerances()


def close(actual: float, expected: float, kind: str) -> None:
    np.testing.assert_allclose(actual, expected, **TOL[kind])


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bcg_core")
    write_report(run_plan(load_plan(CORE_PLAN)), out)
    return out


@pytest.fixture(scope="module")
def results(report_dir: Path) -> dict:
    return json.loads((report_dir / "results.json").read_text("utf-8"))


def test_main_model_matches_metafor(results: dict) -> None:
    (tb,) = results["outcomes"]
    m = tb["model"]
    assert m["method_requested"] == ["REML", "DL"] and m["method"] == "REML"
    assert m["k"] == 13 and m["test"] == "z" and m["level"] == 95
    close(m["estimate"], -0.714532342158, "estimate")  # res$b
    close(m["se"], 0.179781516105, "se")  # res$se
    close(m["zval"], -3.97444830613, "estimate")  # res$zval
    close(m["pval"], 7.05425810164e-05, "pvalue")  # res$pval
    close(m["ci_lb"], -1.06689763881, "ci")  # res$ci.lb
    close(m["ci_ub"], -0.362167045506, "ci")  # res$ci.ub
    close(m["tau2"], 0.313243258136, "tau2")  # res$tau2
    close(m["se_tau2"], 0.166425752837, "se_tau2")  # res$se.tau2
    close(m["I2"], 92.2213845213, "het")  # res$I2
    close(m["H2"], 12.8557582353, "het")  # res$H2
    close(m["QE"], 152.233008082, "het")  # res$QE
    close(m["QEp"], 1.99676459085e-26, "pvalue")  # res$QEp
    close(m["pi_lb"], -1.8666922179, "ci")  # predict(res)$pi.lb
    close(m["pi_ub"], 0.437627533587, "ci")  # predict(res)$pi.ub


def test_reporting_scale_matches_metafor(results: dict) -> None:
    r = results["outcomes"][0]["reporting_scale"]
    assert r["transf"] == "exp"
    close(r["estimate"], 0.489420939826, "estimate")  # predict(res, transf=exp)$pred
    close(r["ci_lb"], 0.344074306107, "ci")  # ...$ci.lb
    close(r["ci_ub"], 0.696166066715, "ci")  # ...$ci.ub
    close(r["pi_lb"], 0.154634313401, "ci")  # ...$pi.lb
    close(r["pi_ub"], 1.54902783911, "ci")  # ...$pi.ub


def test_subgroups_match_metafor(results: dict) -> None:
    sg = pd.DataFrame(results["outcomes"][0]["tables"]["subgroups"]).set_index("level")
    # rma(yi, vi, data=dat, subset=alloc=="random") etc.
    expected = {"random": (7, -0.970964704263, 0.392528006901),
                "alternate": (2, -0.540792961849, 0.132577039878),
                "systematic": (4, -0.424207391511, 0.400345880175)}
    for level, (k, b, tau2) in expected.items():
        assert sg.loc[level, "k"] == k
        close(sg.loc[level, "estimate"], b, "estimate")
        close(sg.loc[level, "tau2"], tau2, "tau2")
    close(sg.loc["random", "estimate_scaled"], 0.378717511421, "estimate")  # predict(., transf=exp)
    # separate tau2: rma(b, sei=se, mods=~g, method="FE") on the three subgroup fits -> QM, QMp
    close(sg["Q_between"].iloc[0], 1.86144494615, "het")
    close(sg["p_between"].iloc[0], 0.394268758886, "pvalue")


def test_alternative_estimators_match_metafor(results: dict) -> None:
    est = pd.DataFrame(results["outcomes"][0]["tables"]["estimators"]).set_index("method")
    assert list(est.index) == ["REML", "DL", "PM", "EE"]
    # rma(yi, vi, data=dat, method=...)$b, $tau2
    close(est.loc["DL", "estimate"], -0.714117222073, "estimate")
    close(est.loc["DL", "tau2"], 0.308760262862, "tau2")
    close(est.loc["PM", "estimate"], -0.714968153493, "estimate")
    close(est.loc["PM", "tau2"], 0.318068452205, "tau2")
    close(est.loc["EE", "estimate"], -0.430285163654, "estimate")
    close(est.loc["EE", "ci_lb"], -0.509661258426, "ci")


def test_participants_and_grade(results: dict) -> None:
    tb = results["outcomes"][0]
    # sum(dat.bcg$tpos + dat.bcg$tneg + dat.bcg$cpos + dat.bcg$cneg)
    assert tb["participants"] == 357347
    grade = tb["grade"]
    domains = {d["domain"]: d for d in grade["domains"]}
    # I2 = 92.2% >= 75 and the PI (0.155, 1.55) crosses 1: very serious (-2)
    assert domains["inconsistency"]["rating"] == "very_serious"
    assert domains["inconsistency"]["source"] == "tool"
    # CI (0.344, 0.696) excludes 1, no OIS given: not serious
    assert domains["imprecision"]["rating"] == "not_serious"
    # no small-study test was run: not assessed
    assert domains["publication_bias"]["rating"] == "not_assessed"
    assert domains["risk_of_bias"] == {
        "domain": "risk_of_bias", "rating": "serious", "downgrade": 1, "source": "reviewer",
        "reason": "6 of 13 trials not randomised", "tool_rating": None, "tool_reason": None}
    # High - 1 (risk of bias) - 2 (inconsistency) = Very low
    assert grade["start"] == "High" and grade["certainty"] == "Very low"
    assert results["summary_of_findings"][0]["certainty"] == "Very low"


def test_comparison_with_published(results: dict) -> None:
    (row,) = results["comparison"]
    assert row["published"] == 0.49 and row["published_ci_lb"] == 0.34
    assert row["source"] == "Colditz et al. 1994, JAMA 271:698"
    close(row["ours"], 0.489420939826, "estimate")
    assert row["k"] == 13


def test_results_json_header(results: dict) -> None:
    assert results["schema_version"] == "1.1.0"
    assert set(results["software"]) == {"metareview", "numpy", "scipy", "pandas"}
    assert results["plan"] == {"file": "bcg_core.toml", "title": "BCG vaccine trials (core)",
                               "design": "rct", "authors": []}


def test_csv_tables_hold_the_same_unrounded_numbers(report_dir: Path, results: dict) -> None:
    names = sorted(p.name for p in (report_dir / "tables").glob("*.csv"))
    assert names == ["comparison.csv", "summary_of_findings.csv", "tb_conversions.csv",
                     "tb_estimators.csv", "tb_grade.csv", "tb_model.csv", "tb_studies.csv",
                     "tb_subgroups.csv"]
    # two trials are both labelled "Rosenthal et al" and two "Comstock et al": the made-unique
    # labels are recorded (rows 3, 10, 11, 13 of dat_bcg.csv)
    conv = pd.read_csv(report_dir / "tables" / "tb_conversions.csv")
    assert conv["row"].tolist() == [3, 10, 11, 13]
    studies = pd.read_csv(report_dir / "tables" / "tb_studies.csv")
    assert len(studies) == 13
    # escalc(measure="RR", ai=4, bi=119, ci=11, di=128): log((4/123)/(11/139))
    close(studies.loc[0, "yi"], np.log((4 / 123) / (11 / 139)), "yi")
    json_yi = [r["yi"] for r in results["outcomes"][0]["tables"]["studies"]]
    np.testing.assert_array_equal(studies["yi"].to_numpy(), np.array(json_yi))


def test_figures_in_three_formats(report_dir: Path) -> None:
    figures = sorted(p.name for p in (report_dir / "figures").iterdir())
    assert figures == [f"tb_{n}.{e}" for n in ("forest", "forest_allocation")
                       for e in ("pdf", "png", "svg")]
    png = (report_dir / "figures" / "tb_forest.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # pHYs chunk: pixels per metre for 300 dpi = round(300 / 0.0254) = 11811
    i = png.index(b"pHYs")
    assert int.from_bytes(png[i + 4:i + 8], "big") == 11811
    assert (report_dir / "figures" / "tb_forest.pdf").read_bytes()[:5] == b"%PDF-"


def test_html_is_self_contained(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text("utf-8")
    refs = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    external = [r for r in refs if not r.startswith(("#", "data:"))]
    assert external == []
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert html.count("<svg") == 2  # the two forest plots, inline
    # each figure's ids are prefixed, so no id of one figure appears in another
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    first, second = (set(re.findall(r'\bid="([^"]+)"', svg)) for svg in svgs)
    assert first and second and not first & second
    assert all(i.startswith("f1-") for i in first) and all(i.startswith("f2-") for i in second)


def test_html_opens_with_the_comparison_table(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text("utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[:2] == ["Comparison with published results", "Summary of findings (GRADE)"]
    assert "0.49 (0.34 to 0.7)" in html  # published, as given
    assert "0.489 (0.344 to 0.696)" in html  # ours, rounded for display only
    assert "Very low" in html


def test_methods_text_names_what_was_run() -> None:
    result = run_plan(load_plan(CORE_PLAN))
    text = methods_text(result)
    body = text.text
    assert "restricted maximum likelihood (REML) (Viechtbauer 2005)" in body
    assert "fallback chain REML \u2192 DL; REML converged and was used" in body
    assert "normal distribution (Wald-type z test)" in body
    assert "95% prediction interval (Riley et al. 2011)" in body
    assert "Subgroup analysis by alloc" in body
    assert "alternative estimators DL (DerSimonian and Laird 1986), PM (Paule and Mandel " \
           "1982) and EE (Hedges and Olkin 1985)" in body
    assert "exponentiated" in body
    v = result.versions
    assert f"metareview {v['metareview']}, NumPy {v['numpy']}" in body
    assert f"SciPy {v['scipy']}" in body
    assert "Egger" not in body and "leave-one-out" not in body  # not run, not named
    assert text.references[:3] == ("viechtbauer2010metafor", "viechtbauer2005", "riley2011")
    assert "dersimonian1986" in text.references and "guyatt2011" in text.references


def test_running_twice_writes_the_same_bytes(report_dir: Path, tmp_path: Path) -> None:
    write_report(run_plan(load_plan(CORE_PLAN)), tmp_path)
    for rel in ("results.json", "report.html", "figures/tb_forest.svg",
                "figures/tb_forest.pdf", "tables/tb_subgroups.csv"):
        assert (tmp_path / rel).read_bytes() == (report_dir / rel).read_bytes(), rel
    assert "Date" not in (tmp_path / "results.json").read_text("utf-8")
