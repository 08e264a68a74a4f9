"""User text with dollar signs is drawn as written, not as mathtext."""

from __future__ import annotations

import matplotlib

from metareview.models import rma
from metareview.plots import forest_plot


def test_dollar_signs_in_labels_are_literal():
    res = rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], slab=["Cost $5 vs $10", "B", "C"])
    fig = forest_plot(res)
    texts = [t for t in fig.findobj(matplotlib.text.Text) if "Cost" in t.get_text()]
    assert texts and all(t.get_text() == "Cost $5 vs $10" and not t.get_parse_math() for t in texts)
    # the user's own setting is untouched after the call
    assert matplotlib.rcParams["text.parse_math"] is True
