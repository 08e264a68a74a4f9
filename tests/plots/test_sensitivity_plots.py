"""Leave-one-out, cumulative and ri-sensitivity figures.

The leave-one-out and cumulative tables are R's (metafor 3.8.1), for
``res <- rma(yi, vi, data = escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg))``:
``leave1out(res)`` and ``cumul(res, order = dat$year)``, read from tests/reference/plots.json
(written by tests/reference/make_fixtures_plots.R, which stores each call beside its values);
the plots only draw them. The full-data fit comes from tests/reference/models.json
(``bcg_RR/REML/z/95``).
"""

from __future__ import annotations

import json
from functools import cache
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


@cache
def _plots_ref() -> dict:
    with open(REFERENCE / "plots.json", encoding="utf-8") as fh:
        return json.load(fh)


def _table(entry: dict, slab: list[str]) -> pd.DataFrame:
    cols = {k: entry[k] for k in ("estimate", "ci_lb", "ci_ub", "tau2", "I2")}
    return pd.DataFrame({"slab": slab, **cols})


LOO = _table(_plots_ref()["leave1out"], SLAB)
YEAR_ORDER = [int(i) for i in _plots_ref()["cumul"]["order"]]  # R's order(dat.bcg$year)
CUM = _table(_plots_ref()["cumul"], [SLAB[i - 1] for i in YEAR_ORDER])


def test_reference_tables_are_rs_calls():
    ref = _plots_ref()
    assert ref["leave1out"]["call"] == "leave1out(res)"
    assert ref["cumul"]["call"] == "cumul(res, order = dat$year)"
    # years of dat.bcg: 1948, 1949, 1953 (trial 6), 1960 (trial 3), 1961 (trial 10), ...
    assert YEAR_ORDER == [1, 2, 6, 3, 10, 9, 12, 5, 7, 11, 13, 4, 8]
    assert len(LOO) == len(CUM) == 13


def _bcg():
    with open(REFERENCE / "models.json", encoding="utf-8") as fh:
        case = next(c for c in json.load(fh)["cases"] if c["id"] == "bcg_RR/REML/z/95")
    return case, rma(case["data"]["yi"], case["data"]["vi"], slab=SLAB, measure="RR")


def _role(artist):
    """The gid without its row suffix: ``label:3`` -> ``label``."""
    gid = str(artist.get_gid())
    head, _, tail = gid.rpartition(":")
    return head if tail.isdigit() else gid


def _texts(ax, role):
    return [t.get_text() for t in sorted((t for t in ax.texts if _role(t) == role),
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
    assert not [t for t in ax.texts if _role(t) == "weight-text"]


def test_cumulative_forest_in_year_order():
    case, res = _bcg()
    ax = cumulative_plot(CUM, res).axes[0]
    labels = _texts(ax, "label")
    assert labels[:3] == ["Trial 1", "+ Trial 2", "+ Trial 6"]
    assert len(labels) == 13
    squares = _artist(ax, "study-squares").get_offsets()
    # the last cumulative estimate is the estimate on all studies
    assert_allclose(squares[-1, 0], case["expected"]["b"][0], rtol=1e-6)
    # trial 1 alone (study 1's Wald interval), by hand: exp(-0.8893) = 0.411, exp(-2.0077) = 0.134, exp(0.2290) = 1.257
    assert _texts(ax, "ci-text")[0] == "0.41 [0.13, 1.26]"


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
