"""GOSH plot: draws a subset table (estimate, I2) with marginal histograms.

The table below is a GOSH of three studies written out by hand: yi = (0.1, 0.5, 0.9),
vi = (0.04, 0.04, 0.04), common-effect estimates and I2 = max(0, (Q - df) / Q) * 100 of the
7 non-empty subsets: singles have Q = 0 (I2 = 0); pairs {1,2}, {2,3}: Q = 0.4^2/0.08 = 2,
I2 = 50; {1,3}: Q = 0.8^2/0.08 = 8, I2 = 87.5; all three: Q = (0.16+0+0.16)/0.04 = 8,
I2 = 75.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from metareview.errors import InputError
from metareview.plots import gosh_plot

GOSH = pd.DataFrame({
    "estimate": [0.1, 0.5, 0.9, 0.3, 0.5, 0.7, 0.5],
    "I2": [0.0, 0.0, 0.0, 50.0, 87.5, 50.0, 75.0],
    "k": [1, 1, 1, 2, 2, 2, 3],
})  # fmt: skip


def test_scatter_and_marginal_histograms():
    fig = gosh_plot(GOSH, measure="SMD")
    ax, top, right = fig.axes
    pts = next(c for c in ax.collections if c.get_gid() == "subsets").get_offsets()
    assert_allclose(pts, GOSH[["estimate", "I2"]].to_numpy())
    assert sum(p.get_height() for p in top.patches) == 7
    assert sum(p.get_width() for p in right.patches) == 7
    assert ax.get_xlabel() == "Standardised mean difference" and ax.get_ylabel() == "I\u00b2 (%)"


def test_hexbin_and_given_axes():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    out = gosh_plot(GOSH, ax=ax, kind="hexbin", bins=5)
    assert out is ax
    hexes = next(c for c in ax.collections if c.get_gid() == "subsets")
    assert hexes.get_array().sum() == 7  # every subset counted once


def test_errors_name_row_and_column():
    bad = GOSH.copy()
    bad.loc[4, "I2"] = 0.875 * 1000
    with pytest.raises(InputError, match=r"row 5, column I2: I2 must lie in \[0, 100\]"):
        gosh_plot(bad)
    with pytest.raises(InputError, match="column kind: unknown kind"):
        gosh_plot(GOSH, kind="kde")
    assert np.isfinite(GOSH["estimate"]).all()
