"""Newcastle-Ottawa figures: cell colours and labels against the AHRQ rule applied by hand,
summary bar widths against a hand count.

The AHRQ thresholds used by hand below (as printed e.g. under table 4 of Clin Oral Implants
Res 2021, doi:10.1111/clr.13860, and in AHRQ Comparative Effectiveness Review 88):
Good = 3-4 Selection AND 1-2 Comparability AND 2-3 Outcome/Exposure;
Fair = 2 Selection AND 1-2 Comparability AND 2-3 Outcome/Exposure;
Poor = 0-1 Selection OR 0 Comparability OR 0-1 Outcome/Exposure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from metareview.errors import InputError, NotApplicableError
from metareview.plots._save import artists_by_gid, save_figure
from metareview.plots.rob import (
    nos_domain_levels,
    nos_level_ranges,
    nos_summary,
    nos_summary_plot,
    nos_traffic_light_plot,
    rob_summary_plot,
    traffic_light_plot,
)
from metareview.review.rob import NOS_CASE_CONTROL, NOS_COHORT, RobTable

GREEN, YELLOW, RED = "#02C100", "#E2DF07", "#BF0000"
CB_GOOD, CB_FAIR, CB_POOR = "#fed98e", "#fe9929", "#d95f0e"
FULL, EMPTY = "\u2605", "\u2606"

#: Stars (Selection /4, Comparability /2, Outcome /3) of five hand-made cohort studies.
STARS = {
    "Ames 2019": (4, 2, 3),  # S Good, C Good, O Good -> Good; total 9
    "Bo 2020": (2, 1, 2),    # S Fair (2),  C Good, O Good -> Fair; total 5
    "Cole 2018": (3, 0, 3),  # S Good, C Poor (0),  O Good -> Poor; total 6
    "Dee 2017": (1, 2, 3),   # S Poor (1),  C Good, O Good -> Poor; total 6
    "Eke 2021": (3, 1, 1),   # S Good, C Good, O Poor (1)  -> Poor; total 5
}
WEIGHTS = {"Ames 2019": 10, "Bo 2020": 20, "Cole 2018": 30, "Dee 2017": 15, "Eke 2021": 25}


def _nos(stars=STARS, *, tool="nos_cohort", codes="SCO", weights=None) -> RobTable:
    long = [(s, c, v) for s, vs in stars.items() for c, v in zip(codes, vs, strict=True)]
    return RobTable.from_frame(pd.DataFrame(long, columns=["study", "domain", "judgement"]),
                               tool=tool, weights=weights)



def test_traffic_light_cells_follow_the_ahrq_rule_by_hand() -> None:
    fig = nos_traffic_light_plot(_nos())
    assert isinstance(fig, Figure)
    art = artists_by_gid(fig)
    expected = {  # (study, domain) -> (colour, "awarded/max")
        ("Ames 2019", "S"): (GREEN, "4/4"),
        ("Ames 2019", "C"): (GREEN, "2/2"),
        ("Ames 2019", "O"): (GREEN, "3/3"),
        ("Bo 2020", "S"): (YELLOW, "2/4"),   # 2 selection stars: Fair
        ("Bo 2020", "C"): (GREEN, "1/2"),    # 1 comparability star passes
        ("Bo 2020", "O"): (GREEN, "2/3"),    # 2 outcome stars pass
        ("Cole 2018", "S"): (GREEN, "3/4"),
        ("Cole 2018", "C"): (RED, "0/2"),    # 0 comparability: Poor
        ("Dee 2017", "S"): (RED, "1/4"),     # 0-1 selection: Poor
        ("Dee 2017", "O"): (GREEN, "3/3"),
        ("Eke 2021", "C"): (GREEN, "1/2"),
        ("Eke 2021", "O"): (RED, "1/3"),     # 0-1 outcome: Poor
    }
    for (study, dom), (colour, count) in expected.items():
        assert art[f"cell:{study}:{dom}"].get_facecolor() == to_rgba(colour), (study, dom)
        assert art[f"count:{study}:{dom}"].get_text() == count
    # star glyphs: as many filled stars as awarded, empty ones up to the maximum
    assert art["glyphs:Bo 2020:S"].get_text() == FULL * 2 + EMPTY * 2
    assert art["glyphs:Cole 2018:C"].get_text() == EMPTY * 2
    assert art["glyphs:Ames 2019:O"].get_text() == FULL * 3
    overall = {  # study -> (colour, total stars, AHRQ rating)
        "Ames 2019": (GREEN, "9/9", "Good"),
        "Bo 2020": (YELLOW, "5/9", "Fair"),
        "Cole 2018": (RED, "6/9", "Poor"),
        "Dee 2017": (RED, "6/9", "Poor"),
        "Eke 2021": (RED, "5/9", "Poor"),
    }
    for study, (colour, total, rating) in overall.items():
        assert art[f"cell:{study}:Overall"].get_facecolor() == to_rgba(colour)
        assert art[f"count:{study}:Overall"].get_text() == total
        assert art[f"rating:{study}:Overall"].get_text() == rating
    # 5 studies x (3 domains + Overall) cells, first study on top, domains named
    assert sum(g.startswith("cell:") for g in art) == 20
    assert art["cell:Ames 2019:S"].get_y() > art["cell:Eke 2021:S"].get_y()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "Selection", "Comparability", "Outcome", "Overall"]
    key = art["domain-key"].get_text()
    assert "Selection (max 4): Good 3-4, Fair 2, Poor 0-1" in key
    assert "Comparability (max 2): Good 1-2, Poor 0" in key


def test_generic_plots_hand_a_star_table_to_the_nos_plots() -> None:
    art = artists_by_gid(traffic_light_plot(_nos()))
    assert art["cell:Bo 2020:S"].get_facecolor() == to_rgba(YELLOW)
    assert art["rating:Bo 2020:Overall"].get_text() == "Fair"
    bars = artists_by_gid(rob_summary_plot(_nos()))
    assert bars["bar:Overall:Poor"].get_width() == pytest.approx(3 / 5)


def test_summary_shares_equal_a_hand_count() -> None:
    t = _nos(weights=WEIGHTS)
    art = artists_by_gid(nos_summary_plot(t))
    # Selection levels: Good Ames, Cole, Eke (3); Fair Bo (1); Poor Dee (1) of 5
    assert art["bar:S:Good"].get_width() == pytest.approx(3 / 5)
    assert art["bar:S:Fair"].get_width() == pytest.approx(1 / 5)
    assert art["bar:S:Fair"].get_x() == pytest.approx(3 / 5)
    assert art["bar:S:Poor"].get_x() == pytest.approx(4 / 5)
    assert art["bar:S:Poor"].get_facecolor() == to_rgba(RED)
    # Comparability: only Cole has 0 stars -> Poor 1/5; no Fair level exists there
    assert art["bar:C:Good"].get_width() == pytest.approx(4 / 5)
    assert art["bar:C:Poor"].get_width() == pytest.approx(1 / 5)
    assert "bar:C:Fair" not in art and "bar:O:Fair" not in art
    # Outcome: only Eke has 0-1 stars
    assert art["bar:O:Poor"].get_width() == pytest.approx(1 / 5)
    # Overall: Good Ames; Fair Bo; Poor Cole, Dee, Eke
    assert art["bar:Overall:Good"].get_width() == pytest.approx(1 / 5)
    assert art["bar:Overall:Fair"].get_width() == pytest.approx(1 / 5)
    assert art["bar:Overall:Poor"].get_width() == pytest.approx(3 / 5)
    w = artists_by_gid(nos_summary_plot(t, weighted=True))
    # weights 10, 20, 30, 15, 25 (total 100)
    assert w["bar:S:Good"].get_width() == pytest.approx((10 + 30 + 25) / 100)
    assert w["bar:S:Fair"].get_width() == pytest.approx(20 / 100)
    assert w["bar:S:Poor"].get_width() == pytest.approx(15 / 100)
    assert w["bar:C:Poor"].get_width() == pytest.approx(30 / 100)
    assert w["bar:O:Poor"].get_width() == pytest.approx(25 / 100)
    assert w["bar:Overall:Good"].get_width() == pytest.approx(10 / 100)
    assert w["bar:Overall:Poor"].get_width() == pytest.approx((30 + 15 + 25) / 100)
    # the frame behind the bars: study counts and unrounded shares
    frame = nos_summary(t, weighted=True)
    assert list(frame.columns) == ["domain", "domain_name", "judgement", "n", "proportion"]
    assert frame[["domain", "judgement", "n"]].values.tolist() == [
        ["S", "Good", 3], ["S", "Fair", 1], ["S", "Poor", 1],
        ["C", "Good", 4], ["C", "Poor", 1],
        ["O", "Good", 4], ["O", "Poor", 1],
        ["Overall", "Good", 1], ["Overall", "Fair", 1], ["Overall", "Poor", 3],
    ]
    assert frame["proportion"].tolist() == pytest.approx(
        [0.65, 0.20, 0.15, 0.70, 0.30, 0.75, 0.25, 0.10, 0.20, 0.70])


def test_domain_levels_and_ranges_restate_the_thresholds() -> None:
    assert nos_level_ranges(NOS_COHORT) == {
        "S": {"Good": (3, 4), "Fair": (2, 2), "Poor": (0, 1)},
        "C": {"Good": (1, 2), "Poor": (0, 0)},
        "O": {"Good": (2, 3), "Poor": (0, 1)},
    }
    assert nos_level_ranges(NOS_CASE_CONTROL)["E"] == {"Good": (2, 3), "Poor": (0, 1)}
    levels = nos_domain_levels(_nos())
    assert levels.loc["Dee 2017"].tolist() == ["Poor", "Good", "Good"]
    assert levels.loc["Bo 2020"].tolist() == ["Fair", "Good", "Good"]


def test_case_control_colourblind_without_glyphs_or_overall() -> None:
    t = _nos({"Fox 2015": (2, 0, 2), "Gil 2016": (4, 1, 0)}, tool="nos_case_control",
             codes="SCE")
    fig = nos_traffic_light_plot(t, colours="colourblind", stars=False, overall=False)
    art = artists_by_gid(fig)
    # Fox: S 2 Fair, C 0 Poor, E 2 Good; Gil: S 4 Good, C 1 Good, E 0 Poor
    assert art["cell:Fox 2015:S"].get_facecolor() == to_rgba(CB_FAIR)
    assert art["cell:Fox 2015:C"].get_facecolor() == to_rgba(CB_POOR)
    assert art["cell:Fox 2015:E"].get_facecolor() == to_rgba(CB_GOOD)
    assert art["cell:Gil 2016:E"].get_facecolor() == to_rgba(CB_POOR)
    assert art["count:Gil 2016:E"].get_text() == "0/3"
    assert not any(g.startswith(("glyphs:", "rating:")) or g.endswith(":Overall") for g in art)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "Selection", "Comparability", "Exposure"]


def test_draws_into_given_axes_and_saves_with_cell_ids(tmp_path: Path) -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert nos_summary_plot(_nos(), ax=ax, overall=False) is fig
    assert "bar:Overall:Good" not in artists_by_gid(fig)
    out = save_figure(nos_traffic_light_plot(_nos()), tmp_path / "nos.svg")
    svg = out.read_text(encoding="utf-8")
    # gids become SVG ids (the space in a study label turned into "_")
    assert 'id="cell:Bo_2020:S"' in svg and 'id="rating:Eke_2021:Overall"' in svg


def test_errors_name_the_column_and_wrong_tables_are_refused() -> None:
    rob2 = RobTable.from_frame(pd.DataFrame({"study": ["a"] * 5,
                                             "domain": ["D1", "D2", "D3", "D4", "D5"],
                                             "judgement": ["Low"] * 5}), tool="rob2")
    with pytest.raises(NotApplicableError, match="not Newcastle-Ottawa stars"):
        nos_traffic_light_plot(rob2)
    with pytest.raises(NotApplicableError, match="not Newcastle-Ottawa stars"):
        nos_summary_plot(rob2)
    with pytest.raises(NotApplicableError, match="RoB 2 has no star ranges"):
        nos_level_ranges(rob2.tool)
    with pytest.raises(InputError, match="column weights: no weights"):
        nos_summary_plot(_nos(), weighted=True)
    with pytest.raises(InputError, match="column colours: unknown colour scheme 'viridis'"):
        nos_traffic_light_plot(_nos(), colours="viridis")
    with pytest.raises(InputError, match="column table"):
        nos_summary(pd.DataFrame())  # type: ignore[arg-type]
    # stars out of range are refused where the table is built, naming file, row and column
    bad = pd.DataFrame({"study": ["a"] * 3, "domain": ["S", "C", "O"], "judgement": [5, 1, 2]})
    with pytest.raises(InputError, match=r"nos\.csv, row 1, column judgement: .*0 to 4"):
        RobTable.from_frame(bad, tool="nos_cohort", file="nos.csv")
    assert "matplotlib.pyplot" not in sys.modules
