"""Leave-one-out, cumulative and ri-sensitivity figures.

The leave-one-out and cumulative tables are R's (metafor 3.8.1), for
``res <- rma(yi, vi, data = escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))``:
``leave1out(res)`` and ``cumul(res, order = dat$year)``, typed in below (the plots only draw
them). The full-data fit comes from tests/reference/models.json (``bcg_RR/REML/z/95``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from metareview.errors import InputError
from metareview.models import rma
from metareview.plots import cumulative_plot, leave_one_out_plot, ri_sensitivity_plot

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
SLAB = [f"Trial {i + 1}" for i in range(13)]

LOO = pd.DataFrame({
    "slab": SLAB,
    "estimate": [-0.7070837880, -0.6540312004, -0.6855544180, -0.6284094079, -0.7641700950,
                 -0.7108765649, -0.6552475998, -0.7947676109, -0.7411972993, -0.6530329258,
                 -0.7578586252, -0.7598120973, -0.7775361808],
    "ci_lb": [-1.0794005549, -1.0081876504, -1.0495319348, -0.9745761809, -1.1400669705,
              -1.1033673358, -1.0089689037, -1.1473214492, -1.1266730548, -1.0141906121,
              -1.1415938214, -1.1167038581, -1.1411799951],
    "ci_ub": [-0.3347670211, -0.2998747504, -0.3215769011, -0.2822426348, -0.3882732195,
              -0.3183857939, -0.3015262959, -0.4422137727, -0.3557215439, -0.2918752394,
              -0.3741234290, -0.4029203366, -0.4138923664],
    "tau2": [0.3361567453, 0.2925830856, 0.3207380569, 0.2627583562, 0.3278032586, 0.3595541812,
             0.2930258699, 0.2731830341, 0.3494520099, 0.2987246009, 0.3404882653, 0.3081622027,
             0.3037333266],
    "I2": [93.2259349111, 92.2539555055, 92.9354144023, 90.4124708003, 92.7634357348,
           90.9118100889, 92.2777177245, 87.0313670666, 93.2132620378, 92.2322332511,
           91.8109514233, 92.6782056989, 92.3443996196],
})  # fmt: skip

YEAR_ORDER = [1, 2, 6, 3, 10, 9, 12, 5, 7, 11, 13, 4, 8]  # order(dat.bcg$year) in R
CUM = pd.DataFrame({
    "slab": [SLAB[i - 1] for i in YEAR_ORDER],
    "estimate": [-0.8893113339, -1.3250034422, -0.9720795578, -1.0010936956, -1.1014235501,
                 -0.9734638761, -0.9012514364, -0.7885655671, -0.8656074717, -0.7852105438,
                 -0.7082062566, -0.7947676109, -0.7145323484],
    "ci_lb": [-2.0076674791, -2.0090088669, -1.4531780150, -1.4367598991, -1.4927570029,
              -1.3412614684, -1.2750946699, -1.1745830768, -1.2502568500, -1.1382851443,
              -1.0578342133, -1.1473214492, -1.0668976757],
    "ci_ub": [0.2290448112, -0.6409980176, -0.4909811006, -0.5654274921, -0.7100900972,
              -0.6056662839, -0.5274082030, -0.4025480575, -0.4809580934, -0.4321359433,
              -0.3585782999, -0.4422137727, -0.3621670210],
    "tau2": [0.0, 0.0, 0.0872063416, 0.0762600664, 0.0857523854, 0.1046041449, 0.1204626919,
             0.1780280859, 0.2023353325, 0.2005466976, 0.2280935698, 0.2731830341, 0.3132433260],
    "I2": [0.0, 0.0, 40.7089802127, 33.9749765964, 48.4120157706, 60.0007806585, 59.9981531992,
           72.3904456420, 73.5064805563, 81.4029013147, 83.0109690199, 87.0313670666,
           92.2213860750],
})  # fmt: skip


def _bcg():
    with open(REFERENCE / "models.json", encoding="utf-8") as fh:
        case = next(c for c in json.load(fh)["cases"] if c["id"] == "bcg_RR/REML/z/95")
    return case, rma(case["data"]["yi"], case["data"]["vi"], slab=SLAB, measure="RR")


def _texts(ax, gid):
    return [t.get_text() for t in sorted((t for t in ax.texts if t.get_gid() == gid),
                                         key=lambda t: -t.get_position()[1])]  # fmt: skip


def _artist(ax, gid):
    hits = [a for a in ax.get_children() if a.get_gid() == gid]
    assert len(hits) == 1, f"{gid}: {len(hits)}"
    return hits[0]


def test_leave_one_out_forest():
    case, res = _bcg()
    loo = SimpleNamespace(to_frame=lambda: LOO)
    ax = leave_one_out_plot(loo, res).axes[0]
    assert _texts(ax, "label") == [f"Omitting Trial {i + 1}" for i in range(13)] + ["All studies"]
    squares = _artist(ax, "study-squares").get_offsets()
    assert_allclose(squares[:, 0], LOO["estimate"], rtol=1e-12)
    ci = _texts(ax, "ci-text")
    # exp(-0.7070838) = 0.4931, exp(-1.0794006) = 0.3398, exp(-0.3347670) = 0.7155
    assert ci[0] == "0.49 [0.34, 0.72]"
    # the diamond is the fit on all studies (metafor: -0.7145, CI -1.0669 to -0.3622)
    xy = _artist(ax, "diamond-overall").get_xy()
    exp = case["expected"]
    assert_allclose(xy[:3, 0], [exp["ci_lb"][0], exp["b"][0], exp["ci_ub"][0]], rtol=1e-6)
    # I2 column: 93.2259 -> "93.23"
    assert _texts(ax, "column:I\u00b2 (%)")[0] == "93.23"
    assert not [t for t in ax.texts if t.get_gid() == "weight-text"]


def test_cumulative_forest_in_year_order():
    case, res = _bcg()
    ax = cumulative_plot(CUM, res).axes[0]
    labels = _texts(ax, "label")
    assert labels[:3] == ["Trial 1", "+ Trial 2", "+ Trial 6"]
    assert len(labels) == 13
    squares = _artist(ax, "study-squares").get_offsets()
    # the last cumulative estimate is the estimate on all studies
    assert_allclose(squares[-1, 0], case["expected"]["b"][0], rtol=1e-6)
    assert _texts(ax, "ci-text")[0] == (
        f"{math.exp(-0.8893113339):.2f} [{math.exp(-2.0076674791):.2f}, {math.exp(0.2290448112):.2f}]"
    )


def test_leave_one_out_table_must_have_the_columns():
    with pytest.raises(InputError, match="column ci_ub: the table lacks the column"):
        leave_one_out_plot(LOO.drop(columns="ci_ub"))


def test_ri_curve():
    sens = pd.DataFrame({
        "ri": [0.9, 0.0, 0.25, 0.5, 0.75],
        "estimate": [1.60, 0.50, 0.58, 0.71, 0.99],
        "ci_lb": [1.10, 0.30, 0.37, 0.48, 0.73],
        "ci_ub": [2.10, 0.70, 0.79, 0.94, 1.25],
        "tau2": [0.40, 0.02, 0.03, 0.06, 0.12],
        "I2": [91.0, 20.0, 31.0, 52.0, 75.0],
    })  # fmt: skip
    fig = ri_sensitivity_plot(sens, assumed=0.5)
    ax, het = fig.axes
    line = _artist(ax, "estimate")
    assert_allclose(line.get_xdata(), [0.0, 0.25, 0.5, 0.75, 0.9])  # sorted by ri
    assert_allclose(line.get_ydata(), [0.50, 0.58, 0.71, 0.99, 1.60])
    band = _artist(ax, "ci-band").get_paths()[0].vertices
    assert_allclose([band[:, 1].min(), band[:, 1].max()], [0.30, 2.10])
    assert_allclose(_artist(ax, "assumed-ri").get_xdata(), [0.5, 0.5])
    assert_allclose(_artist(het, "I2").get_ydata(), [20.0, 31.0, 52.0, 75.0, 91.0])
    assert het.get_xlabel() == "Assumed pre-post correlation (r)"
    bad = sens.assign(ri=[0.9, 0.0, 1.2, 0.5, 0.75])
    with pytest.raises(InputError, match=r"row 3, column ri: correlation 1.2 is outside \[-1, 1\]"):
        ri_sensitivity_plot(bad)
