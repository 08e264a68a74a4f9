"""The LD-IL-2 plan shipped in the package (src/metareview/datasets/data/ld_il2_plan.toml):
its tables are what the shipped study rows give, and running it reproduces metafor.

Reference values: tests/flagship/fixtures/ld_il2_metafor.json (ld_il2_metafor.R) and
tests/flagship/fixtures/ld_il2_plan_metafor.json (ld_il2_plan_metafor.R: the R calls are in
that script, e.g. ``rma(yi, vi, data = escalc(measure = "SMCR", ..., ri = 0.5),
method = "REML")`` on the rows the plan's filter or subset selects).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from metareview.datasets import DATA_DIR
from metareview.datasets.ld_il2_plan import (
    CONTINUOUS_FILE,
    COUNTS_FILE,
    copy_plan,
    plan_path,
    plan_tables,
)

HERE = Path(__file__).parent
FIX = json.loads((HERE / "fixtures" / "ld_il2_metafor.json").read_text())
PLAN_FIX = json.loads((HERE / "fixtures" / "ld_il2_plan_metafor.json").read_text())
RTOL = 1e-7


@pytest.fixture(scope="module", params=["csv", "store"])
def result(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The shipped plan run on the shipped tables (csv), and the same plan reading the review
    store the demo writes (store: ld_il2_store_plan.toml over DIR/review.db): every
    reference value below must hold for both."""
    from metareview.analysis import run_plan
    from metareview.datasets.ld_il2_store import write_demo_inputs
    from metareview.plan import load_plan

    if request.param == "csv":
        plan = load_plan(plan_path())
    else:
        plan = load_plan(write_demo_inputs(tmp_path_factory.mktemp("store")))
        assert plan.data["prepost"].store is not None
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return run_plan(plan)


def test_shipped_tables_are_current() -> None:
    cont, counts = plan_tables()
    for fresh, name in ((cont, CONTINUOUS_FILE), (counts, COUNTS_FILE)):
        shipped = (DATA_DIR / name).read_text(encoding="utf-8")
        assert fresh.to_csv(index=False, lineterminator="\n") == shipped
    # the long table keeps each variant's rows: 15 main rows, CDASI twice with overlap kept
    assert (cont["variant"] == "main").sum() == 15
    assert (pd.read_csv(DATA_DIR / CONTINUOUS_FILE)["variant"] == "overlapping_included"
            ).sum() == 16


def test_copy_is_runnable_and_local(tmp_path: Path) -> None:
    from metareview.plan import load_plan

    copied = copy_plan(tmp_path)
    assert "package:" not in copied.read_text()
    plan = load_plan(copied)
    assert plan.data["prepost"].file == tmp_path / CONTINUOUS_FILE
    assert (tmp_path / COUNTS_FILE).read_bytes() == (DATA_DIR / COUNTS_FILE).read_bytes()


def test_treg_smcr_matches_metafor(result) -> None:  # type: ignore[no-untyped-def]
    treg = result.outcome("treg")
    ref = FIX["treg"]["smcr_reml_z"]
    assert treg.fit.k == 4
    assert treg.fit.estimate == pytest.approx(ref["estimate"], rel=RTOL)
    assert float(treg.fit.ci_lb[0]) == pytest.approx(ref["ci_lb"], rel=RTOL)
    assert float(treg.fit.ci_ub[0]) == pytest.approx(ref["ci_ub"], rel=RTOL)
    assert treg.fit.tau2 == pytest.approx(ref["tau2"], rel=1e-6)
    th17 = result.outcome("th17").fit
    assert th17.estimate == pytest.approx(FIX["th17"]["smcr_reml_z"]["estimate"], rel=RTOL)


def test_ri_grid_with_scalar_ri(result) -> None:  # type: ignore[no-untyped-def]
    grid = result.outcome("treg").tables["ri_sensitivity"]
    assert grid["ri"].tolist() == pytest.approx(FIX["treg"]["ri_grid"])
    assert grid["estimate"].to_numpy() == pytest.approx(FIX["treg"]["ri_grid_estimate"],
                                                        rel=1e-6)


def test_alternatives_independent_smd_and_subsets(result) -> None:  # type: ignore[no-untyped-def]
    alt = result.outcome("treg").tables["alternatives"].set_index("analysis")
    smd = alt.loc[[a for a in alt.index if a.startswith("independent-groups")][0]]
    ref = FIX["treg"]["smd_reml_z"]
    assert smd["measure"] == "SMD"
    assert smd["estimate"] == pytest.approx(ref["estimate"], rel=RTOL)
    assert smd["ci_lb"] == pytest.approx(ref["ci_lb"], rel=RTOL)
    for name in ("median_wan", "median_shi"):
        row = alt.loc[f"subset: medians_{name.split('_')[1]}"]
        r = PLAN_FIX[f"treg_{name}"]
        assert row["k"] == r["k"]
        assert row["estimate"] == pytest.approx(r["estimate"], rel=RTOL)
        assert row["ci_ub"] == pytest.approx(r["ci_ub"], rel=RTOL)
    ratio = result.outcome("ratio").tables["alternatives"]
    r = PLAN_FIX["ratio_smd"]
    assert ratio["estimate"].iloc[1] == pytest.approx(r["estimate"], rel=RTOL)
    cdasi = result.outcome("cdasi").tables["alternatives"].set_index("analysis")
    over = cdasi.loc["subset: overlapping"]
    r = PLAN_FIX["cdasi_overlapping"]
    assert (over["k"], cdasi.loc["main analysis", "k"]) == (2, 1)
    assert over["estimate"] == pytest.approx(r["estimate"], rel=RTOL)
    assert over["ci_lb"] == pytest.approx(r["ci_lb"], rel=RTOL)
    assert over["tau2"] == pytest.approx(r["tau2"], rel=1e-6)


def test_subgroups_k1_and_single_subgroup(result) -> None:  # type: ignore[no-untyped-def]
    sg = result.outcome("treg").tables["subgroups"]
    disease = sg[sg["subgroup"] == "disease"].set_index("level")
    r = PLAN_FIX["treg_disease"]
    assert sorted(disease.index) == r["levels"]
    assert disease.loc[r["levels"], "estimate"].to_numpy() == pytest.approx(r["estimate"],
                                                                            rel=RTOL)
    assert disease["Q_between"].iloc[0] == pytest.approx(r["Q_between"], rel=1e-7)
    assert disease["df_between"].iloc[0] == r["df_between"]
    assert disease["p_between"].iloc[0] == pytest.approx(r["p_between"], rel=1e-6)
    assert "k = 1" in disease["status"].iloc[0]
    dose = sg[sg["subgroup"] == "dose"]
    assert len(dose) == 1
    assert dose["status"].iloc[0] == ("not applicable: every study has dose_group = "
                                      "'0.5 MIU daily x5'")
    assert "forest_dose" not in [f.name for f in __import__(
        "metareview.report.figures", fromlist=["figure_specs"]).figure_specs(
        result.outcome("treg"))]


def test_bias_tests_gated_on_k(result) -> None:  # type: ignore[no-untyped-def]
    treg = result.outcome("treg")
    assert treg.tests["egger"] == {"status": "not applicable: k < 10"}
    assert treg.tests["begg"] == {"status": "not applicable: k < 10"}
    assert treg.tables["bias_tests"]["status"].tolist() == ["not applicable: k < 10"] * 2
    assert result.outcome("ratio").notes == ("leave-one-out not run: it needs k >= 3 (k = 2)",)


def test_glmm_and_proportions_match_r(result) -> None:  # type: ignore[no-untyped-def]
    inj = result.outcome("injection")
    plo = FIX["injection_site"]["plo"]
    assert inj.summary["pred"] == pytest.approx(plo["pred"], rel=RTOL)
    assert inj.summary["pred_ci_lb"] == pytest.approx(plo["pred_lb"], rel=RTOL)
    g = inj.tables["glmm"].iloc[0]
    ref = FIX["injection_site"]["glmm"]  # lme4::glmer(nAGQ = 7) via metafor rma.glmm
    assert g["estimate"] == pytest.approx(ref["estimate"], rel=1e-4)
    assert g["ci_lb"] == pytest.approx(ref["ci_lb"], rel=1e-3)
    assert g["tau2"] == pytest.approx(ref["tau2"], rel=1e-2)
    assert g["estimate_scaled"] == pytest.approx(ref["pred"], rel=1e-4)
    fever = result.outcome("fever").tables["glmm"].iloc[0]
    assert fever["status"] == "not applicable: k = 1 < 2"


def test_comparison_rows_and_flags(result) -> None:  # type: ignore[no-untyped-def]
    from metareview.report.results_json import comparison_frame

    comp = comparison_frame(result).set_index("outcome")
    # every published number of ld_il2_published.csv with a reachable study is compared
    # 15 lines, as ld_il2_published.csv has: outcomes first, then those no study here reports
    assert list(comp.index) == ["treg", "th17", "ratio", "sledai", "cdasi", "das28",
                                "injection", "fever", "sae", "ln_remission", "sri", "treg_sle",
                                "cd4_sle", "th17_sle_low_dose", "treg_sle_low_dose"]
    published = pd.read_csv(DATA_DIR / "ld_il2_published.csv")
    assert len(comp) == len(published)
    assert comp["published"].dropna().sort_values().tolist() == pytest.approx(
        published["estimate"].dropna().sort_values().tolist())
    assert comp.loc["treg_sle", "k"] == 0
    assert comp.loc["treg_sle", "ours"] != comp.loc["treg_sle", "ours"]  # NaN: nothing here
    assert "no study analysed here" in comp.loc["treg_sle", "reasons"]
    assert "the paper gives no number" in comp.loc["das28", "reasons"]
    assert comp.loc["treg", "published"] == 1.13
    assert comp.loc["injection", "published_ci_lb"] != comp.loc["injection", "published_ci_lb"]
    assert "no CI published" in comp.loc["injection", "reasons"]
    assert "1 of 4 flagged: mean and SD converted from a median" in comp.loc["treg", "reasons"]
    assert "assumed pre-post correlation ri = 0.5" in comp.loc["treg", "reasons"]
    studies = result.outcome("treg").tables["studies"]
    flagged = studies.loc[studies["flag"] != "", "slab"].tolist()
    assert flagged == ["Hao 2020 (master thesis, PsA)"]  # the one median row (studies.csv)


def test_methods_text_states_the_new_choices(result) -> None:  # type: ignore[no-untyped-def]
    from metareview.report.methods_text import methods_text

    m = methods_text(result)
    treg, injection = m.paragraphs[0], m.paragraphs[7]
    assert "ri = 0.5 was assumed (Becker 1988)" in treg
    assert "rows of the data file with analysis_outcome = Treg; variant = main" in treg
    assert "1 study is flagged in the tables and forest plots: mean and SD converted" in treg
    assert "independent groups (Hedges 1981)" in treg
    assert "variant = overlapping_included" in treg
    assert "at least 10 studies (Sterne et al. 2011) (here k = 4: not run)." in treg
    assert "(Stijnen et al. 2010)" in injection
    assert "becker1988" in m.references and "stijnen2010" in m.references
