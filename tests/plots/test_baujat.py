"""Baujat plot: draws R's ``baujat(rma(yi, vi, data = dat))`` for dat.bcg (log risk ratios).

Values from metafor 3.8.1 (``b <- baujat(res); b$x; b$y``), read from tests/reference/plots.json
(written by tests/reference/make_fixtures_plots.R with the call beside the values): the plot
only draws them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from metareview.errors import InputError
from metareview.plots import baujat_plot

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
_REF = json.loads((REFERENCE / "plots.json").read_text(encoding="utf-8"))["baujat"]
BAUJAT = pd.DataFrame({"slab": _REF["slab"], "x": _REF["x"], "y": _REF["y"]})


def test_points_and_labels():
    fig = baujat_plot(BAUJAT)
    ax = fig.axes[0]
    pts = next(c for c in ax.collections if c.get_gid() == "studies").get_offsets()
    assert_allclose(pts[:, 0], BAUJAT["x"], rtol=1e-12)
    assert_allclose(pts[:, 1], BAUJAT["y"], rtol=1e-12)
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "study-label"]
    assert labels == BAUJAT["slab"].tolist()
    assert ax.get_xlabel() == "Contribution to overall heterogeneity (Q)"
    assert ax.get_ylabel() == "Influence on overall result"


def test_label_only_the_most_extreme():
    ax = baujat_plot(BAUJAT, labels=2).axes[0]
    labels = sorted(t.get_text() for t in ax.texts if t.get_gid() == "study-label")
    # largest x + y: study 4 (1.5861 + 0.2378 = 1.8238) and study 8 (1.6638 + 0.1990 = 1.8628)
    assert labels == ["4", "8"]


def test_result_object_and_bad_values():
    class Result:
        def to_frame(self):
            return BAUJAT

    assert baujat_plot(Result()).axes
    bad = BAUJAT.copy()
    bad.loc[6, "y"] = -0.1
    with pytest.raises(InputError, match=r"row 7, column y: y must be finite and non-negative"):
        baujat_plot(bad)
    with pytest.raises(InputError, match="column x: the Baujat table lacks"):
        baujat_plot(BAUJAT.drop(columns="x"))
