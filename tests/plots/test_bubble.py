"""Bubble plot of ``rma(yi, vi, mods = ~ ablat, data = dat.bcg)`` (log risk ratios).

The fitted line and band are checked against R's (metafor 3.8.1)
``predict(reg, newmods = c(min(dat$ablat), max(dat$ablat)))`` at the ends of the latitude
range (13 and 55), and the bubble areas against ``weights(reg)``, read from
tests/reference/plots.json (written by tests/reference/make_fixtures_plots.R, which stores
each call beside its values).
"""

from __future__ import annotations

import json
import re
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


PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _rendered_ytick_labels(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()  # the formatters run at draw time
    ax = fig.axes[0]
    major = [(t.get_text(), t.get_position()[1]) for t in ax.get_yticklabels()]
    minor = [t.get_text() for t in ax.get_yticklabels(minor=True) if t.get_text()]
    return ax, major, minor


def test_ratio_axis_has_plain_number_tick_labels():
    # An earlier version drew on a log axis, whose minor ticks read "6x10^-1" (matplotlib's
    # LogFormatterSciNotation). Ratio measures must read 0.2, 0.5, 1.
    ref = _bubble_ref()
    d = ref["data"]
    res = rma(d["yi"], d["vi"], mods=np.asarray(d["ablat"], dtype=float), measure="RR")
    ax, major, minor = _rendered_ytick_labels(bubble_plot(res))
    assert ax.get_yscale() == "linear" and minor == []
    # by hand: the axis spans min(ci.lb) = -1.743 to max(yi) = 0.446 (padded by 6% of the
    # range, 0.131); of the 1-2-5 values only 0.2, 0.5 and 1 have logs inside
    # [-1.874, 0.577]: log(0.1) = -2.303 and log(2) = 0.693 fall outside
    assert [text for text, _ in major] == ["0.2", "0.5", "1"]
    assert_allclose([pos for _, pos in major], np.log([0.2, 0.5, 1.0]), atol=1e-12)


@pytest.mark.parametrize(
    ("low", "high"),
    [(0.01, 50.0), (0.9, 1.25), (0.3, 3.0), (1.5, 8.0)],
    ids=["four-decades", "narrow", "around-1", "all-above-1"],
)
def test_ratio_tick_labels_are_plain_numbers_at_their_logs(low, high):
    # odds ratios spread from *low* to *high* along a moderator, precise studies
    x = np.linspace(0.0, 10.0, 8)
    yi = np.linspace(np.log(low), np.log(high), 8)
    res = rma(yi, np.full(8, 1e-4), mods=x, measure="OR", method="EE")
    ax, major, minor = _rendered_ytick_labels(bubble_plot(res))
    assert minor == [] and len(major) >= 3
    texts = [text for text, _ in major]
    assert all(PLAIN_NUMBER.match(t) for t in texts), texts
    # each label is exp of its position on the log-odds axis
    assert_allclose([float(t) for t, _ in major], np.exp([pos for _, pos in major]), rtol=1e-9)
