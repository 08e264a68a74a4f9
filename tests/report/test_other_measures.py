"""Plans beyond ratios: SMCR with an ri grid (data from Excel), PFT reported with ipft.hm.

Expected values from R 4.2.2 / metafor 3.8.1, printed by ``other_measures_expected.R`` beside
this file (which also wrote the two CSV files in data/).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metareview.analysis import run_plan
from metareview.errors import InputError
from metareview.plan import parse_plan

DATA = Path(__file__).resolve().parent / "data"
RTOL = 1e-6

SMCR_PLAN = """\
[plan]
title = "Pre-post designs"

[data.morris]
file = "morris.xlsx"
sheet = "treatment"
study = "study"
columns = {{ m1i = "mi2", m2i = "mi1", sd1i = "sdi1", ni = "ni", ri = "ri" }}

[outcomes.change]
data = "morris"
measure = "SMCR"

[outcomes.change.model]
method = "DL"

[outcomes.change.sensitivity]
ri = [0.3, 0.7]
"""

PFT_PLAN = """\
[plan]
title = "Proportions"
design = "observational"

[data.pritz]
file = "{file}"
study = "authors"
columns = {{ xi = "xi", ni = "ni" }}

[outcomes.success]
data = "pritz"
measure = "PFT"
transf = "ipft.hm"
"""


@pytest.fixture()
def morris_xlsx(tmp_path: Path) -> Path:
    frame = pd.read_csv(DATA / "morris2008_treatment.csv")
    path = tmp_path / "morris.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="treatment", index=False)
    return path


def test_smcr_from_excel_with_ri_grid(morris_xlsx: Path) -> None:
    plan = parse_plan(SMCR_PLAN.format(), file="smcr.toml", base_dir=morris_xlsx.parent)
    (o,) = run_plan(plan).outcomes
    # rma(yi, vi, data=escalc("SMCR", m1i=mi2, m2i=mi1, sd1i=sdi1, ni=ni, ri=ri), method="DL")
    assert o.summary["estimate"] == pytest.approx(0.902160221973, rel=RTOL)
    assert o.summary["ci_lb"] == pytest.approx(0.395915814067, rel=RTOL)
    assert o.summary["tau2"] == pytest.approx(0.242518557869, rel=RTOL)
    ri = o.tables["ri_sensitivity"].set_index("ri")
    # the same with ri = rep(0.3, 5) and rep(0.7, 5)
    assert ri.loc[0.3, "estimate"] == pytest.approx(0.860008106485, rel=RTOL)
    assert ri.loc[0.3, "tau2"] == pytest.approx(0.218396567561, rel=RTOL)
    assert ri.loc[0.7, "estimate"] == pytest.approx(0.866160435297, rel=RTOL)
    assert ri.loc[0.7, "tau2"] == pytest.approx(0.261394259444, rel=RTOL)
    assert o.sof.domain("imprecision").rating == "not_serious"  # CI (0.40, 1.41) excludes 0
    assert o.sof.domain("publication_bias").rating == "not_assessed"  # k = 5 < 10


def test_pft_reported_with_ipft_hm() -> None:
    text = PFT_PLAN.format(file=str(DATA / "pritz1997.csv"))
    (o,) = run_plan(parse_plan(text, file="pft.toml")).outcomes
    assert o.fit.method_used == "REML"
    # res <- rma(yi, vi, data=escalc("PFT", xi=xi, ni=ni, data=dat.pritz1997))
    assert o.summary["estimate"] == pytest.approx(1.08467918432, rel=RTOL)
    # predict(res, transf=transf.ipft.hm, targs=list(ni=dat.pritz1997$ni))
    expected = [0.802899888786, 0.702205641735, 0.889346782691, 0.464630486269, 0.99894203648]
    got = [o.summary[k] for k in ("pred", "pred_ci_lb", "pred_ci_ub", "pred_pi_lb",
                                  "pred_pi_ub")]
    np.testing.assert_allclose(got, expected, rtol=RTOL)
    # a single-group measure has no null: imprecision needs a threshold
    assert o.sof.domain("imprecision").rating == "not_assessed"
    assert o.sof.start == "Low"


def test_bad_number_in_data_names_file_row_column(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA / "pritz1997.csv")
    frame["xi"] = frame["xi"].astype(object)
    frame.loc[2, "xi"] = "4 (50%)"
    path = tmp_path / "pritz.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        run_plan(parse_plan(PFT_PLAN.format(file=str(path)), file="pft.toml"))
    err = info.value
    assert (err.file, err.row, err.column) == (str(path), [3], "xi")
    assert "not a number: '4 (50%)'" in err.message


def test_escalc_error_is_reported_against_the_data_file(tmp_path: Path) -> None:
    frame = pd.read_csv(DATA / "pritz1997.csv").rename(columns={"xi": "events"})
    frame.loc[1, "events"] = 20  # 20 successes out of 12
    path = tmp_path / "pritz.csv"
    frame.to_csv(path, index=False)
    text = PFT_PLAN.format(file=str(path)).replace('xi = "xi"', 'xi = "events"')
    with pytest.raises(InputError) as info:
        run_plan(parse_plan(text, file="pft.toml"))
    err = info.value
    # the argument xi is reported as the data file's column it was mapped from
    assert (err.file, err.row, err.column) == (str(path), [2], "events")
    assert "larger than ni" in err.message
