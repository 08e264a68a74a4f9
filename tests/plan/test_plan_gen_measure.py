"""measure = "GEN": effect sizes given as yi with vi (or sei), as metafor's rma(yi, vi) takes.

Reference (R 4.x, metafor 3.8.1):

    r <- rma(yi = c(0.2, 0.4, -0.1), vi = c(0.01, 0.02, 0.04), method = "REML",
             control = list(threshold = 1e-10, maxiter = 1000))
    sprintf("%.10f", c(r$b, r$ci.lb, r$ci.ub, r$tau2))
    # "0.1986873590" "-0.0349269016" "0.4323016196" "0.0224492973"

(metafor's default threshold, 1e-5 on tau2, stops earlier: 0.1986858367, tau2 0.0224522429.)
"""

from __future__ import annotations

import math

import pytest

from metareview.analysis import run_plan
from metareview.errors import InputError, PlanError
from metareview.plan import parse_plan

PLAN = """[plan]
title = "given effect sizes"
[data.d]
file = "d.csv"
study = "study"
columns = {{ yi = "yi", {spread} = "{spread}" }}
[outcomes.o]
data = "d"
measure = "GEN"
"""


def _run(tmp_path, csv: str, spread: str = "vi"):
    (tmp_path / "d.csv").write_text(csv, encoding="utf-8")
    plan = parse_plan(PLAN.format(spread=spread), file="plan.toml", base_dir=tmp_path)
    return run_plan(plan).outcome("o").summary


@pytest.mark.parametrize(("spread", "values"), [
    ("vi", ("0.01", "0.02", "0.04")),
    ("sei", ("0.1", str(math.sqrt(0.02)), "0.2")),
])
def test_gen_matches_metafor(tmp_path, spread, values):
    rows = zip(("A", "B", "C"), ("0.2", "0.4", "-0.1"), values, strict=True)
    csv = f"study,yi,{spread}\n" + "".join(f"{s},{y},{v}\n" for s, y, v in rows)
    s = _run(tmp_path, csv, spread)
    assert s["estimate"] == pytest.approx(0.1986873590, abs=1e-8)
    assert s["ci_lb"] == pytest.approx(-0.0349269016, abs=1e-8)
    assert s["ci_ub"] == pytest.approx(0.4323016196, abs=1e-8)
    assert s["tau2"] == pytest.approx(0.0224492973, rel=1e-7)


def test_gen_refuses_empty_or_non_positive_variance(tmp_path):
    with pytest.raises(InputError) as err:
        _run(tmp_path, "study,yi,vi\nA,0.2,0.01\nB,0.4,\nC,-0.1,0\n")
    assert err.value.file.endswith("d.csv") and err.value.column == "vi"
    assert "rows 2, 3" in str(err.value) and "above 0" in str(err.value)


def test_gen_needs_vi_or_sei(tmp_path):
    (tmp_path / "d.csv").write_text("study,yi,ni\nA,0.2,10\n", encoding="utf-8")
    text = PLAN.format(spread="ni")
    with pytest.raises(PlanError, match="measure GEN needs the columns yi and vi"):
        run_plan(parse_plan(text, file="plan.toml", base_dir=tmp_path))
