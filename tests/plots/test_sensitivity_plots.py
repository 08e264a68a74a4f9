"""Leave-one-out, cumulative and ri-sensitivity figures.

The leave-one-out and cumulative tables are R's (metafor 3.8.1), for
``res <- rma(yi, vi, data = escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))``:
``leave1out(res)`` and ``cumul(res, order = dat$year)`` with ``control = list(threshold =
1e-12, tol = 1e-12, maxiter = 1000)`` as in the fixtures, typed in below (the plots only draw
them). The full-data fit comes from tests/reference/models.json (``bcg_RR/REML/z/95``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

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
    "estimate": [-0.7070837847, -0.6540312003, -0.6855544108, -0.6284093698, -0.7641700951,
                 -0.7108765556, -0.6552475998, -0.7947676045, -0.7411972993, -0.6530329153,
                 -0.7578586267, -0.7598120993, -0.7775361849],
    "ci_lb": [-1.0794005316, -1.0081876495, -1.0495318682, -0.9745760367, -1.1400669715,
              -1.1033672782, -1.0089689036, -1.1473213907, -1.1266730547, -1.0141905551,
              -1.1415938330, -1.1167038659, -1.1411800184],
    "ci_ub": [-0.3347670378, -0.2998747511, -0.3215769535, -0.2822427029, -0.3882732188,
              -0.3183858329, -0.3015262960, -0.4422138184, -0.3557215439, -0.2918752755,
              -0.3741234205, -0.4029203328, -0.4138923514],
    "tau2": [0.3361567018, 0.2925830840, 0.3207379296, 0.2627581481, 0.3278032604,
             0.3595540704, 0.2930258698, 0.2731829294, 0.3494520098, 0.2987245046,
             0.3404882878, 0.3081622148, 0.3037333664],
    "I2": [93.2259340940, 92.2539554674, 92.9354117978, 90.4124639335, 92.7634357722,
           90.9118075434, 92.2777177216, 87.0313627396, 93.2132620357, 92.2322309420,
           91.8109519192, 92.6782059649, 92.3444005461],
})  # fmt: skip

YEAR_ORDER = [1, 2, 6, 3, 10, 9, 12, 5, 7, 11, 13, 4, 8]  # order(dat.bcg$year) in R
CUM = pd.DataFrame({
    "slab": [SLAB[i - 1] for i in YEAR_ORDER],
    "estimate": [-0.8893113339, -1.3250034422, -0.9720799318, -1.0010961745, -1.1014257852,
                 -0.9734638944, -0.9012511003, -0.7885655037, -0.8656074388, -0.7852103679,
                 -0.7082059924, -0.7947676045, -0.7145323422],
    "ci_lb": [-2.0076674791, -2.0090088669, -1.4531792481, -1.4367664459, -1.4927631215,
              -1.3412615272, -1.2750914810, -1.1745824706, -1.2502566599, -1.1382844332,
              -1.0578330298, -1.1473213907, -1.0668976388],
    "ci_ub": [0.2290448112, -0.6409980176, -0.4909806155, -0.5654259031, -0.7100884489,
              -0.6056662616, -0.5274107196, -0.4025485369, -0.4809582177, -0.4321363025,
              -0.3585789549, -0.4422138184, -0.3621670455],
    "tau2": [0.0, 0.0, 0.0872067928, 0.0762623089, 0.0857551705,
             0.1046041816, 0.1204597219, 0.1780273483, 0.2023350869, 0.2005458458,
             0.2280919282, 0.2731829294, 0.3132432581],
    "I2": [0.0, 0.0, 40.7091050987, 33.9756362166, 48.4128268879,
           60.0007890723, 59.9975614628, 72.3903628269, 73.5064569179, 81.4028370143,
           83.0108675202, 87.0313627396, 92.2213845213],
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
    # exp(-0.7070838) = 0.4931, exp(-1.0794005) = 0.3398, exp(-0.3347670) = 0.7155
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


def test_with_metareviews_own_diagnostics():
    from metareview.diagnostics import cumulative, leave_one_out

    case, res = _bcg()
    ax = leave_one_out_plot(leave_one_out(res), res).axes[0]
    assert_allclose(_artist(ax, "study-squares").get_offsets()[:, 0], LOO["estimate"], rtol=1e-6)
    with open(REFERENCE / "models.json", encoding="utf-8") as fh:
        year = next(c for c in json.load(fh)["cases"] if c["id"] == "bcg_RR~ablat+year/REML/z/95")["data"]["year"]
    ax = cumulative_plot(cumulative(res, order=year), res).axes[0]
    assert _texts(ax, "label")[:3] == ["Trial 1", "+ Trial 2", "+ Trial 6"]
    assert_allclose(_artist(ax, "study-squares").get_offsets()[:, 0], CUM["estimate"], rtol=1e-6)


def test_ri_curve_of_metareviews_ri_sensitivity():
    from metareview.diagnostics import ri_sensitivity

    # three pre-post studies pooled as SMCR (Morris 2008) at three assumed correlations; the
    # plot must draw what ri_sensitivity computed (its numbers are tested in tests/diagnostics)
    sens = ri_sensitivity("SMCR", ri=[0.3, 0.5, 0.7], m1i=[12, 15, 9], m2i=[10, 11, 8],
                          sd1i=[4, 5, 3], ni=[20, 25, 18], method="DL")  # fmt: skip
    fig = ri_sensitivity_plot(sens, assumed=0.5)
    line = _artist(fig.axes[0], "estimate")
    assert_allclose(line.get_xdata(), [0.3, 0.5, 0.7])
    assert_allclose(line.get_ydata(), sens.to_frame()["estimate"], rtol=1e-12)
    assert fig.axes[0].get_ylabel() == "Standardised mean change (95% CI)"
