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
# dat.bcg's own study names: long labels in the crowded upper right of the plot
AUTHOR_YEAR = [f"{a}, {int(y)}" for a, y in zip(_REF["data"]["author"], _REF["data"]["year"], strict=True)]


def _labels(ax):
    """The study labels, in study order (gids ``study-label:<0-based study index>``)."""
    found = [t for t in ax.texts if str(t.get_gid()).startswith("study-label:")]
    return sorted(found, key=lambda t: int(t.get_gid().split(":")[1]))


def _rendered_boxes(fig, texts):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    # the text's own box (an Annotation's extent would include its leader line)
    return [Text.get_window_extent(t, renderer) for t in texts], renderer


def _overlapping_pairs(boxes):
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
            if boxes[i].overlaps(boxes[j])]  # fmt: skip


def test_points_and_labels():
    fig = baujat_plot(BAUJAT)
    ax = fig.axes[0]
    pts = next(c for c in ax.collections if c.get_gid() == "studies").get_offsets()
    assert_allclose(pts[:, 0], BAUJAT["x"], rtol=1e-12)
    assert_allclose(pts[:, 1], BAUJAT["y"], rtol=1e-12)
    labels = [t.get_text() for t in _labels(ax)]
    assert labels == BAUJAT["slab"].tolist()
    assert ax.get_xlabel() == "Contribution to overall heterogeneity (Q)"
    assert ax.get_ylabel() == "Influence on overall result"


def test_label_only_the_most_extreme():
    ax = baujat_plot(BAUJAT, labels=2).axes[0]
    labels = sorted(t.get_text() for t in _labels(ax))
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


@pytest.mark.parametrize("names", ["numbers", "author-year"])
def test_labels_do_not_overlap_on_bcg(names):
    # Drawn at one fixed offset, the labels of trials 1 (x = 0.0478, y = 0.0015) and 6
    # (0.0160, 0.0003) collided, and with author-year names eight pairs did.
    frame = BAUJAT if names == "numbers" else BAUJAT.assign(slab=AUTHOR_YEAR)
    fig = baujat_plot(frame)
    ax = fig.axes[0]
    texts = _labels(ax)
    assert [t.get_text() for t in texts] == frame["slab"].tolist()  # every study, none dropped
    boxes, renderer = _rendered_boxes(fig, texts)
    assert _overlapping_pairs(boxes) == []
    # each label still points at its own study, and stays inside the axes
    assert_allclose([t.xy for t in texts], frame[["x", "y"]].to_numpy(), rtol=1e-12)
    panel = ax.get_window_extent(renderer)
    assert all(panel.x0 <= b.x0 and b.x1 <= panel.x1 and panel.y0 <= b.y0 and b.y1 <= panel.y1
               for b in boxes)  # fmt: skip
    # a label moved more than a line away from its point's row is tied to it by a leader line
    moved = [t for t in texts if abs(t.xyann[1]) > 8 * 1.25 + 1]
    assert all(t.arrow_patch is not None for t in moved)
    if names == "author-year":
        assert moved  # the crowded upper right needs some


def test_label_boxes_are_estimated_generously():
    # placement uses an estimated box (glyph-outline width x 1.05 + 1 pt wide, 1.25 x font
    # size + 1 pt high); the rendered boxes must fit inside it, or "no overlap" would not
    # hold in general
    fig = baujat_plot(BAUJAT.assign(slab=AUTHOR_YEAR))
    texts = _labels(fig.axes[0])
    boxes, _ = _rendered_boxes(fig, texts)
    px_per_pt = fig.dpi / 72
    assert max(b.height for b in boxes) <= (8 * 1.25 + 1.0) * px_per_pt
    from metareview.plots._style import get_style, text_width_in

    for t, b in zip(texts, boxes, strict=True):
        assert b.width <= (text_width_in([t.get_text()], get_style()) * 72 * 1.05 + 1.0) * px_per_pt
