"""Bubble plot of ``rma(yi, vi, mods = ~ ablat, data = dat.bcg)`` (log risk ratios).

The fitted line and band are checked against R's (metafor 3.8.1)
``predict(reg, newmods = c(min(dat$ablat), max(dat$ablat)))`` at the ends of the latitude
range (13 and 55), and the bubble areas against ``weights(reg)``, read from
tests/reference/plots.json (written by tests/reference/make_fixtures_plots.R, which stores
each call beside its values).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metareview.errors import NotApplicableError
from metareview.models import rma
from metareview.plots import bubble_plot

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


def _case(case_id):
    with open(REFERENCE / "models.json", encoding="utf-8") as fh:
        return next(c for c in json.load(fh)["cases"] if c["id"] == case_id)


def _bubble_ref():
    with open(REFERENCE / "plots.json", encoding="utf-8") as fh:
        return json.load(fh)["bubble"]


def _line(ax, gid):
    return next(a for a in ax.lines if a.get_gid() == gid)


def test_line_band_and_bubbles_match_metafor():
    ref = _bubble_ref()
    assert ref["fit"].startswith("rma(yi, vi, mods = ~ ablat")
    d = ref["data"]
    res = rma(d["yi"], d["vi"], mods=np.asarray(d["ablat"], dtype=float), measure="RR")
    ax = bubble_plot(res, xlabel="Absolute latitude").axes[0]
    fit = _line(ax, "fitted-line")
    x = fit.get_xdata()
    assert [x[0], x[-1]] == ref["newmods"] == [13, 55]
    assert_allclose(fit.get_ydata()[[0, -1]], ref["pred"], rtol=1e-6)
    assert_allclose(_line(ax, "ci-lower").get_ydata()[[0, -1]], ref["ci_lb"], rtol=1e-6)
    assert_allclose(_line(ax, "ci-upper").get_ydata()[[0, -1]], ref["ci_ub"], rtol=1e-6)
    bubbles = next(c for c in ax.collections if c.get_gid() == "studies")
    assert_allclose(bubbles.get_offsets()[:, 0], d["ablat"])
    assert_allclose(bubbles.get_offsets()[:, 1], d["yi"], rtol=1e-12)
    w = np.asarray(ref["weights"])
    assert_allclose(bubbles.get_sizes() / bubbles.get_sizes().max(), w / w.max(), rtol=1e-6)
    # drawn on the log scale, labelled as risk ratios: the tick "1" sits at log(1) = 0
    ticks = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
    assert_allclose([ticks["0.5"], ticks["1"]], [np.log(0.5), 0.0], atol=1e-12)
    assert ax.get_ylabel() == "Risk ratio"


def test_needs_one_moderator():
    d = _case("bcg_RR~ablat+year/REML/z/95")["data"]
    res = rma(d["yi"], d["vi"], mods=np.column_stack([d["ablat"], d["year"]]).astype(float))
    with pytest.raises(NotApplicableError, match="p = 3"):
        bubble_plot(res)
    with pytest.raises(NotApplicableError, match="p = 1"):
        bubble_plot(rma(d["yi"], d["vi"]))
