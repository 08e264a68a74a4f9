"""Funnel plots: points, funnel, Peters et al. (2008) contours and trim-and-fill studies.

Data: metadat's ``dat.hackshaw1998`` (log odds ratios of lung cancer and passive smoking), as
stored in tests/reference/models.json. The imputed studies are R's
``trimfill(rma(yi, vi, data = dat.hackshaw1998))`` (metafor 3.8.1: k0 = 7 on the left), read
from tests/reference/plots.json (written by tests/reference/make_fixtures_plots.R); the plot
only draws them.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from metareview.errors import InputError, NotApplicableError
from metareview.models import rma
from metareview.plots import funnel_plot

REFERENCE = Path(__file__).resolve().parent.parent / "reference"

TRIMFILL = json.loads((REFERENCE / "plots.json").read_text(encoding="utf-8"))["trimfill"]
# trimfill(res)$yi[fill], $vi[fill] and $beta in R (metafor 3.8.1)
FILLED_YI = TRIMFILL["filled_yi"]
FILLED_VI = TRIMFILL["filled_vi"]
ADJUSTED = TRIMFILL["estimate"][0]


def _hackshaw():
    with open(REFERENCE / "models.json", encoding="utf-8") as fh:
        cases = json.load(fh)["cases"]
    return next(c for c in cases if c["id"] == "hackshaw1998/REML/z/95")


def _artist(ax, gid):
    hits = [a for a in ax.get_children() if a.get_gid() == gid]
    assert len(hits) == 1, f"{gid}: {len(hits)} artists"
    return hits[0]


def test_points_are_estimate_against_standard_error_reversed():
    case = _hackshaw()
    res = rma(case["data"]["yi"], case["data"]["vi"], measure="OR")
    fig = funnel_plot(res)
    ax = fig.axes[0]
    pts = _artist(ax, "studies").get_offsets()
    assert_allclose(pts[:, 0], case["data"]["yi"], rtol=1e-12)
    assert_allclose(pts[:, 1], np.sqrt(case["data"]["vi"]), rtol=1e-12)
    assert ax.yaxis_inverted() and ax.get_ylim()[1] == 0.0
    assert ax.get_ylabel() == "Standard error" and ax.get_xlabel() == "Odds ratio"
    # the vertical line sits at metafor's REML estimate
    line = _artist(ax, "estimate-line")
    assert_allclose(line.get_segments()[0][:, 0], case["expected"]["b"][0], rtol=1e-6)


def test_contours_follow_peters_2008():
    case = _hackshaw()
    res = rma(case["data"]["yi"], case["data"]["vi"], measure="OR")
    ax = funnel_plot(res).axes[0]
    se_max = ax.get_ylim()[0]
    # two-sided normal quantiles: p = 0.10 -> 1.644854, 0.05 -> 1.959964, 0.01 -> 2.575829
    for p, z in ((0.1, 1.6448536270), (0.05, 1.9599639845), (0.01, 2.5758293035)):
        xy = _artist(ax, f"contour:{p:g}").get_xy()
        apex = xy[np.argmin(xy[:, 1])]
        assert_allclose(apex, [0.0, 0.0], atol=1e-12)  # centred on no effect, log OR = 0
        base = xy[np.isclose(xy[:, 1], se_max)][:, 0]
        assert_allclose(sorted(base)[:1] + sorted(base)[-1:], [-z * se_max, z * se_max], rtol=1e-9)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["0.01 < p < 0.05", "0.05 < p < 0.1"]


def test_trim_and_fill_studies_are_open_circles():
    case = _hackshaw()
    res = rma(case["data"]["yi"], case["data"]["vi"], measure="OR")
    assert (TRIMFILL["call"], TRIMFILL["dataset"]) == ("trimfill(res)", "hackshaw1998")
    assert (TRIMFILL["k0"], TRIMFILL["side"]) == (7, "left")
    fit = SimpleNamespace(b=np.array([ADJUSTED]))
    tf = SimpleNamespace(k0=TRIMFILL["k0"], side=TRIMFILL["side"], fit=fit,
                         filled=pd.DataFrame({"yi": FILLED_YI, "vi": FILLED_VI}))  # fmt: skip
    ax = funnel_plot(res, trimfill=tf).axes[0]
    filled = _artist(ax, "filled-studies")
    assert_allclose(filled.get_offsets()[:, 0], FILLED_YI, rtol=1e-12)
    assert_allclose(filled.get_offsets()[:, 1], np.sqrt(FILLED_VI), rtol=1e-12)
    assert_allclose(filled.get_facecolors()[0], [1, 1, 1, 1])  # open: white face
    adj = _artist(ax, "estimate-adjusted").get_segments()[0][:, 0]
    assert_allclose(adj, ADJUSTED, rtol=1e-12)
    # the lowest points (largest SE) must stay inside the y range
    assert ax.get_ylim()[0] > np.sqrt(max(FILLED_VI + case["data"]["vi"]))


def test_into_given_axes_and_plain_funnel():
    from matplotlib.figure import Figure

    case = _hackshaw()
    res = rma(case["data"]["yi"], case["data"]["vi"])
    ax = Figure().add_subplot()
    assert funnel_plot(res, ax=ax, contours=None, legend=False) is ax
    assert not [a for a in ax.get_children() if str(a.get_gid()).startswith("contour")]


def test_bad_contours_and_meta_regression():
    case = _hackshaw()
    res = rma(case["data"]["yi"], case["data"]["vi"])
    with pytest.raises(InputError, match="column contours: contour p-values must lie strictly"):
        funnel_plot(res, contours=(0.05, 5))
    d = case["data"]
    reg = rma(d["yi"], d["vi"], mods=np.arange(len(d["yi"]), dtype=float))
    with pytest.raises(NotApplicableError, match="moderators"):
        funnel_plot(reg)


def test_with_metareviews_own_trim_and_fill():
    from metareview.bias import trim_and_fill

    case = _hackshaw()
    res = rma(case["data"]["yi"], case["data"]["vi"], measure="OR")
    tf = trim_and_fill(res)
    ax = funnel_plot(res, trimfill=tf).axes[0]
    filled = _artist(ax, "filled-studies").get_offsets()
    # the plot draws exactly what trim_and_fill imputed ...
    assert_allclose(filled[:, 0], tf.filled["yi"], rtol=1e-15)
    assert_allclose(filled[:, 1], np.sqrt(tf.filled["vi"]), rtol=1e-15)
    # ... which are R's 7 studies (order aside). Looser than TOL["ci"]: the imputed yi are
    # mirror images about the trimmed estimate, and R's trimfill() stops its iterations at
    # its own tolerance (differences of ~1e-6 here); tests/bias owns the tight comparison.
    assert_allclose(np.sort(filled[:, 0]), np.sort(FILLED_YI), rtol=1e-5)
    assert_allclose(np.sort(filled[:, 1]), np.sort(np.sqrt(FILLED_VI)), rtol=1e-6)
    assert_allclose(_artist(ax, "estimate-adjusted").get_segments()[0][0, 0], ADJUSTED, rtol=1e-5)
