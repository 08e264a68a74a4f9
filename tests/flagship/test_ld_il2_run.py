"""The LD-IL-2 flagship run against R metafor 3.8.1, and the files it writes.

Reference values: ``Rscript tests/flagship/ld_il2_metafor.R`` (committed; writes
``fixtures/ld_il2_metafor.json``). The headline, Treg (studies.csv rows 14, 19, 24, 26):

    es <- escalc(measure = "SMCR", m1i = post_m, m2i = pre_m, sd1i = pre_sd, ni = n,
                 ri = rep(0.5, 4), data = treg)
    rma(yi, vi, data = es, method = "REML", test = "z",
        control = list(threshold = 1e-12, maxiter = 1000))
    # estimate 3.18821730682155, se 0.622436343893534, ci 1.96826449012143 to
    # 4.40817012352166, tau2 1.25237465395978, I2 83.3310218453096
    # (metafor's default threshold 1e-5 stops earlier: estimate 3.18821724588161)

with the median/IQR row (Hao 2020 PsA) converted inside the R script by Luo's mean and Wan's SD
written out there.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metareview.datasets.ld_il2 import run
from metareview.datasets.ld_il2_analysis import (
    BIAS_COLUMNS,
    POOLED_COLUMNS,
    PROPORTION_COLUMNS,
    pool_smcr,
)
from metareview.datasets.ld_il2_compare import COMPARISON_COLUMNS
from metareview.errors import InputError

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "ld_il2_metafor.json").read_text())


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return run(tmp_path_factory.mktemp("ld_il2"))


def _pooled(result, outcome: str, model: str) -> pd.Series:
    p = result.pooled
    sel = p[(p["outcome"] == outcome) & (p["model"] == model)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_treg_smcr_headline_pasted_from_r(result) -> None:
    r = _pooled(result, "Treg", "SMCR random-effects, z")
    assert r["k"] == 4
    assert r["estimate"] == pytest.approx(3.18821730682155, rel=1e-9)
    assert r["se"] == pytest.approx(0.622436343893534, rel=1e-9)
    assert r["ci_lb"] == pytest.approx(1.96826449012143, rel=1e-9)
    assert r["ci_ub"] == pytest.approx(4.40817012352166, rel=1e-9)
    assert r["tau2"] == pytest.approx(1.25237465395978, rel=1e-8)
    assert r["I2"] == pytest.approx(83.3310218453096, rel=1e-8)


@pytest.mark.parametrize("outcome,key", [("Treg", "treg"), ("Th17", "th17")])
def test_continuous_outcomes_match_metafor(result, outcome: str, key: str) -> None:
    ref = FIXTURE[key]
    for model, name in (("SMCR random-effects, z", "smcr_reml_z"),
                        ("SMCR random-effects, knha", "smcr_reml_knha"),
                        ("SMD (pre and post as independent groups), z", "smd_reml_z")):
        got, want = _pooled(result, outcome, model), ref[name]
        for col in ("estimate", "se", "ci_lb", "ci_ub", "pval", "QE", "QEp"):
            assert got[col] == pytest.approx(want[col], rel=1e-8, abs=1e-12), (model, col)
        assert got["tau2"] == pytest.approx(want["tau2"], rel=1e-7, abs=1e-10), model
        assert got["k"] == want["k"]
    grid = result.ri_sensitivity[result.ri_sensitivity["outcome"] == outcome]
    assert grid["ri"].tolist() == pytest.approx(ref["ri_grid"])
    assert grid["estimate"].to_numpy() == pytest.approx(np.array(ref["ri_grid_estimate"]),
                                                        rel=1e-8)
    loo = result.leave_one_out[result.leave_one_out["outcome"] == outcome]
    assert loo["estimate"].to_numpy() == pytest.approx(np.array(ref["leave1out_estimate"]),
                                                       rel=1e-8)


def test_pool_smcr_matches_metafor_yi_vi(result) -> None:
    t = result.tables.continuous["Th17"]
    res, _ = pool_smcr(t, ri=0.5)
    assert np.asarray(res.yi) == pytest.approx(np.array(FIXTURE["th17"]["yi"]), rel=1e-10)
    assert np.asarray(res.vi) == pytest.approx(np.array(FIXTURE["th17"]["vi"]), rel=1e-10)


def test_injection_site_proportions_match_metafor(result) -> None:
    ref = FIXTURE["injection_site"]
    p = result.proportions
    p = p[p["outcome"] == "injection-site reaction"].set_index("model")
    plo = p.loc["PLO random-effects (REML)"]
    pft = p.loc["PFT random-effects (REML), back-transformed at the harmonic mean n"]
    glmm = p.loc["binomial-normal GLMM (ML, nAGQ = 7)"]
    for got, want, tol in ((plo, ref["plo"], 1e-8), (pft, ref["pft"], 1e-8),
                           (glmm, ref["glmm"], 1e-4)):
        assert got["estimate_transformed"] == pytest.approx(want["estimate"], rel=tol)
        assert got["estimate"] == pytest.approx(want["pred"], rel=tol)
        assert got["ci_lb"] == pytest.approx(want["pred_lb"], rel=tol)
        assert got["ci_ub"] == pytest.approx(want["pred_ub"], rel=tol)
        assert got["tau2"] == pytest.approx(want["tau2"], rel=10 * tol)
    assert (plo["events"], plo["total"]) == (14, 69)


def test_gating_of_bias_tests_and_subgroups(result) -> None:
    assert list(result.bias.columns) == list(BIAS_COLUMNS)
    assert (result.bias["status"] == "not applicable: k < 10").all()
    sg = result.subgroups
    dis = sg[(sg["outcome"] == "Treg") & (sg["by"] == "disease_group")]
    assert dis["level"].tolist() == ["RA", "AS", "PsA", "IIM"]
    # four single-study subgroups: Q_between equals the overall QE of the REML fit (metafor)
    assert dis["Q_between"].iloc[0] == pytest.approx(FIXTURE["treg"]["smcr_reml_z"]["QE"],
                                                     rel=1e-6)
    assert dis["df_between"].iloc[0] == 3
    dose = sg[(sg["outcome"] == "Treg") & (sg["by"] == "dose_group")]
    assert dose["status"].iloc[0].startswith("not applicable: every study has dose_group")
    # leave-one-out only where k >= 3
    assert sorted(result.leave_one_out["outcome"].unique()) == ["Th17", "Treg"]


def test_comparison_table(result) -> None:
    c = result.comparison
    assert list(c.columns) == list(COMPARISON_COLUMNS)
    assert len(c) == 15                       # one line per published number
    treg = c[(c["outcome"] == "Treg") & (c["scope"] == "all diseases")].iloc[0]
    assert (treg["published_estimate"], treg["published_ci_lb"],
            treg["published_ci_ub"]) == (1.13, 0.97, 1.29)          # README, Rheumatol Ther
    assert treg["our_estimate"] == pytest.approx(3.18821730682155, rel=1e-9)
    assert treg["our_k"] == 4
    assert "ri = 0.5" in treg["note"] and "do not overlap" in treg["note"]
    assert "converted from a median" in treg["note"] and "secondary" in treg["note"]
    sle_treg = c[(c["outcome"] == "Treg") & (c["scope"] == "SLE")].iloc[0]
    assert sle_treg["our_k"] == 0 and np.isnan(sle_treg["our_estimate"])
    inj = c[c["outcome"] == "injection-site reaction"].iloc[0]
    assert inj["our_estimate"] == pytest.approx(FIXTURE["injection_site"]["plo"]["pred"],
                                                rel=1e-6)


def test_files_written(result) -> None:
    names = sorted(p.name for p in result.files)
    assert names == sorted([
        "pooled.csv", "ri_sensitivity.csv", "subgroups.csv", "leave_one_out.csv", "bias.csv",
        "proportions.csv", "comparison.csv", "studies_continuous.csv", "studies_counts.csv",
        "conversions.csv", "excluded.csv", "comparison.md", "settings.json"])
    for p in result.files:
        assert p.is_file() and p.stat().st_size > 0
    pooled = pd.read_csv(result.out_dir / "pooled.csv")
    assert list(pooled.columns) == list(POOLED_COLUMNS)
    # unrounded in the CSV
    treg = pooled[(pooled["outcome"] == "Treg") & (pooled["model"] == "SMCR random-effects, z")]
    in_memory = _pooled(result, "Treg", "SMCR random-effects, z")["estimate"]
    assert treg["estimate"].iloc[0] == pytest.approx(in_memory, rel=1e-15)
    props = pd.read_csv(result.out_dir / "proportions.csv")
    assert list(props.columns) == list(PROPORTION_COLUMNS)
    md = (result.out_dir / "comparison.md").read_text()
    assert "| Treg | all diseases | 1.13 (0.97 to 1.29) | 3.19 (1.97 to 4.41) | 4 |" in md
    settings = json.loads((result.out_dir / "settings.json").read_text())
    assert settings["ri"] == 0.5 and settings["median_method"] == "luo_wan"


def test_ri_changes_the_smcr_result(tmp_path: Path) -> None:
    res = run(tmp_path, ri=0.2, ri_grid=(0.2, 0.8))
    r = _pooled(res, "Treg", "SMCR random-effects, z")
    i = FIXTURE["treg"]["ri_grid"].index(0.2)
    assert r["estimate"] == pytest.approx(FIXTURE["treg"]["ri_grid_estimate"][i], rel=1e-8)
    assert res.ri_sensitivity["ri"].unique().tolist() == [0.2, 0.8]


def test_bad_options(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="column ri:"):
        run(tmp_path, ri=1.0)
    with pytest.raises(InputError, match="column ri_grid"):
        run(tmp_path, ri_grid=(0.5, -1.2))


def test_sensitivity_rows(result) -> None:
    from math import gamma, sqrt

    from scipy.stats import norm

    p = result.pooled
    over = p[p["model"].str.endswith("not-counted reports of overlapping cohorts included")]
    assert over["outcome"].tolist() == ["CDASI"]          # only row 25 is not counted
    assert over["k"].tolist() == [2]
    assert over["studies"].iloc[0].startswith("Yunzhi 2022")
    # He 2020 SLEDAI week 12 with Wan's estimators (n = 29): pre mean (8 + 24 + 27) / 4,
    # post mean (0 + 12 + 16) / 4, pre SD (27 - 8) / xi(29), xi(n) = 2 Phi^-1((n - .375)/(n + .25));
    # SMCR = c(28) (post - pre) / pre SD, c(m) = G(m/2) / (sqrt(m/2) G((m-1)/2)) (Hedges 1981)
    n = 29
    sd_pre = (27 - 8) / (2 * norm.ppf((n - 0.375) / (n + 0.25)))
    c = gamma((n - 1) / 2) / (sqrt((n - 1) / 2) * gamma((n - 2) / 2))
    wan = p[(p["outcome"] == "SELENA-SLEDAI") & p["model"].str.endswith("medians by wan")]
    assert wan["estimate"].iloc[0] == pytest.approx(c * (7.0 - 14.75) / sd_pre, rel=1e-12)
