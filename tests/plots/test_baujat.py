"""Baujat plot: draws R's ``baujat(rma(yi, vi, data = dat))`` for dat.bcg (log risk ratios).

Values from metafor 3.8.1 (``b <- baujat(res); b$x; b$y``, with ``control = list(threshold =
1e-12)``), typed in: the plot only draws.
"""

from __future__ import annotations

import pandas as pd
import pytest
from numpy.testing import assert_allclose

from metareview.errors import InputError
from metareview.plots import baujat_plot

BAUJAT = pd.DataFrame({
    "slab": [str(i + 1) for i in range(13)],
    "x": [0.0478183405, 1.4934114076, 0.5508753367, 1.5860500735, 0.6777110311,
          0.0160055560, 1.5319030626, 1.6638459497, 0.1625233292, 1.1168477625,
          0.4322210972, 1.5922385451, 1.2637881718],
    "y": [0.0015375009, 0.1121070734, 0.0243490469, 0.2377736417, 0.0669858350,
          0.0003332722, 0.1079094854, 0.1989646719, 0.0183816218, 0.1113896159,
          0.0489706407, 0.0618345640, 0.1153128762],
})  # fmt: skip


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
