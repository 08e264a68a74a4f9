"""examples/ld-il2/plan.toml: its CSVs are what the shipped data gives, and `metareview
analyze`'s pipeline reproduces metafor's Treg and injection-site numbers from them."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from metareview.datasets.ld_il2 import analysis_tables
from metareview.errors import StatisticalWarning

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ld-il2"
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "ld_il2_metafor.json").read_text())


@pytest.mark.parametrize("outcome,name", [("Treg", "treg.csv"), ("Th17", "th17.csv"),
                                          ("Th17/Treg ratio", "th17_treg_ratio.csv")])
def test_example_csvs_are_current(outcome: str, name: str) -> None:
    shipped = pd.read_csv(EXAMPLE / name)
    fresh = analysis_tables().continuous[outcome]
    assert shipped["row"].tolist() == fresh["row"].tolist()
    for col in ("m1i", "m2i", "sd1i", "ni"):
        assert shipped[col].to_numpy() == pytest.approx(fresh[col].to_numpy(), rel=1e-14)
    assert (shipped["ri_assumed"] == 0.5).all()


def test_plan_reproduces_metafor() -> None:
    from metareview.analysis import run_plan
    from metareview.plan import load_plan

    plan = load_plan(EXAMPLE / "plan.toml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_plan(plan)
    # single-study subgroups (one study per disease) are announced, not hidden
    assert any(issubclass(w.category, StatisticalWarning) and "k = 1" in str(w.message)
               for w in caught)
    treg = result.outcome("treg").fit
    ref = FIXTURE["treg"]["smcr_reml_z"]
    assert treg.estimate == pytest.approx(ref["estimate"], rel=1e-8)
    assert float(treg.ci_lb[0]) == pytest.approx(ref["ci_lb"], rel=1e-8)
    assert treg.tau2 == pytest.approx(ref["tau2"], rel=1e-7)
    inj = result.outcome("injection").summary
    pft = FIXTURE["injection_site"]["pft"]
    assert inj["pred"] == pytest.approx(pft["pred"], rel=1e-8)
    assert inj["pred_ci_lb"] == pytest.approx(pft["pred_lb"], rel=1e-8)
