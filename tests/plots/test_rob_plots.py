"""Traffic-light and summary plots: the colour and symbol of each cell, bar widths by hand."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from metareview.errors import NotApplicableError
from metareview.plots._save import artists_by_gid
from metareview.plots.rob import rob_summary_plot, traffic_light_plot
from metareview.review.rob import RobTable

GREEN, YELLOW, RED, DARK_RED, BLUE = "#02C100", "#E2DF07", "#BF0000", "#820000", "#4EA1F7"


def _table(tool: str, rows: dict[str, list[str]], weights=None) -> RobTable:
    long = [(s, f"D{k}", j) for s, js in rows.items() for k, j in enumerate(js, start=1)]
    return RobTable.from_frame(pd.DataFrame(long, columns=["study", "domain", "judgement"]),
                               tool=tool, weights=weights)



def test_traffic_light_cells() -> None:
    t = _table("rob2", {
        "Ames 2019": ["Low", "Some concerns", "Low", "High", "Low"],
        "Bo 2020": ["Low"] * 5,
    })
    fig = traffic_light_plot(t)
    assert isinstance(fig, Figure)
    art = artists_by_gid(fig)
    expected = {  # (study, domain) -> (colour, symbol)
        ("Ames 2019", "D1"): (GREEN, "+"),
        ("Ames 2019", "D2"): (YELLOW, "-"),
        ("Ames 2019", "D4"): (RED, "X"),
        ("Ames 2019", "Overall"): (RED, "X"),  # any High -> High
        ("Bo 2020", "D3"): (GREEN, "+"),
        ("Bo 2020", "Overall"): (GREEN, "+"),
    }
    for (study, dom), (colour, symbol) in expected.items():
        assert art[f"cell:{study}:{dom}"].get_facecolor() == to_rgba(colour)
        assert art[f"symbol:{study}:{dom}"].get_text() == symbol
    # 2 studies x (5 domains + Overall) discs; the first study is drawn on top
    assert sum(g.startswith("cell:") for g in art) == 12
    assert art["cell:Ames 2019:D1"].center[1] > art["cell:Bo 2020:D1"].center[1]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "D1", "D2", "D3", "D4", "D5", "Overall"]


def test_traffic_light_robins_i_and_override() -> None:
    t = _table("robins_i", {"Cole 2018": ["Critical", "Serious", "No information", "Moderate",
                                          "Low", "Low", "Low"]})
    art = artists_by_gid(traffic_light_plot(t))
    assert art["cell:Cole 2018:D1"].get_facecolor() == to_rgba(DARK_RED)
    assert art["symbol:Cole 2018:D1"].get_text() == "!"
    assert art["cell:Cole 2018:D3"].get_facecolor() == to_rgba(BLUE)
    assert art["symbol:Cole 2018:D3"].get_text() == "?"
    assert art["symbol:Cole 2018:Overall"].get_text() == "!"
    # an overridden RoB 2 overall judgement is what the Overall column shows
    r = _table("rob2", {"a": ["Some concerns"] * 5}).override("a", "High", reason="many")
    assert artists_by_gid(traffic_light_plot(r))["cell:a:Overall"].get_facecolor() == to_rgba(RED)


def test_summary_bars_unweighted_and_weighted() -> None:
    rows = {
        "a": ["Low", "Low", "Low", "Low", "Low"],
        "b": ["High", "Low", "Low", "Low", "Low"],
        "c": ["Some concerns", "Low", "Low", "Low", "Low"],
        "d": ["Low", "Low", "Low", "Low", "Some concerns"],
    }
    t = _table("rob2", rows, weights={"a": 10, "b": 30, "c": 40, "d": 20})
    art = artists_by_gid(rob_summary_plot(t))
    # D1: 2 of 4 Low, 1 Some concerns, 1 High; stacked Low | SC | High from the left
    assert art["bar:D1:Low"].get_width() == pytest.approx(0.5)
    assert art["bar:D1:Some concerns"].get_width() == pytest.approx(0.25)
    assert art["bar:D1:Some concerns"].get_x() == pytest.approx(0.5)
    assert art["bar:D1:High"].get_x() == pytest.approx(0.75)
    assert art["bar:D1:High"].get_facecolor() == to_rgba(RED)
    assert art["bar:D2:Low"].get_width() == pytest.approx(1.0)
    # Overall: a Low, b High, c SC, d SC -> 1/4, 2/4, 1/4
    assert art["bar:Overall:Some concerns"].get_width() == pytest.approx(0.5)
    w = artists_by_gid(rob_summary_plot(t, weighted=True))
    # weighted D1: Low (10 + 20)/100, SC 40/100, High 30/100
    assert w["bar:D1:Low"].get_width() == pytest.approx(0.3)
    assert w["bar:D1:Some concerns"].get_width() == pytest.approx(0.4)
    assert w["bar:D1:High"].get_width() == pytest.approx(0.3)
    assert w["bar:D5:Some concerns"].get_width() == pytest.approx(0.2)


def test_draws_into_given_axes() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    t = _table("rob2", {"a": ["Low"] * 5})
    assert rob_summary_plot(t, ax=ax, overall=False) is fig
    assert "bar:Overall:Low" not in artists_by_gid(fig)


def test_nos_gets_star_cells_and_matplotlib_only_here() -> None:
    nos = RobTable.from_frame(pd.DataFrame({"study": ["a"] * 3, "domain": ["S", "C", "O"],
                                            "judgement": [3, 1, 2]}), tool="nos_cohort")
    # a star table is drawn as stars (tests/plots/test_rob_nos.py): no RoB 2 symbols
    art = artists_by_gid(traffic_light_plot(nos))
    assert art["count:a:S"].get_text() == "3/4"
    assert not any(g.startswith("symbol:") for g in art)
    # S 3, C 1, O 2 meets every AHRQ "Good" threshold
    assert art["cell:a:Overall"].get_facecolor() == to_rgba(GREEN)
    from metareview.plots.rob import nos_traffic_light_plot

    rob2 = _table("rob2", {"a": ["Low"] * 5})
    with pytest.raises(NotApplicableError, match="stars"):
        nos_traffic_light_plot(rob2)
    assert "matplotlib.pyplot" not in sys.modules
