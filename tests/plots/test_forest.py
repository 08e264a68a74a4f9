"""Forest plots: content checked against R metafor 3.8.1 (tests/reference/models.json).

The fits are ``rma(yi, vi, data = dat, method = "REML", test = "z", level = 95)`` on
metadat's ``dat.bcg`` (log risk ratios; Colditz et al. 1994, JAMA 271:698), and the subgroup
analysis ``by alloc`` (one ``rma`` per allocation method, Q-test between subgroups), as
written by ``tests/reference/make_fixtures_models.R``. What is checked is what is drawn: the
Text artists, the diamond Polygon, the prediction-interval line, the arrows.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from metareview.errors import InputError, NotApplicableError
from metareview.models import rma, subgroup_analysis
from metareview.plots import ForestPlot, forest_plot

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
CI_TOL = {"rtol": 1e-6, "atol": 1e-10}  # tests/reference/tolerances.py, "ci"


@cache
def _fixtures() -> dict:
    with open(REFERENCE / "models.json", encoding="utf-8") as fh:
        return json.load(fh)


def _case(case_id: str) -> dict:
    return next(c for c in _fixtures()["cases"] if c["id"] == case_id)


def _subgroup_case(case_id: str) -> dict:
    return next(s for s in _fixtures()["subgroups"] if s["id"] == case_id)


BCG = _case("bcg_RR/REML/z/95")
BCG_SLAB = tuple(f"Trial {i + 1}" for i in range(13))


def _bcg_fit():
    return rma(BCG["data"]["yi"], BCG["data"]["vi"], slab=BCG_SLAB, measure="RR")


def _role(artist):
    """The gid without its row suffix: ``label:3`` -> ``label``, ``column:n:3`` -> ``column:n``."""
    gid = str(artist.get_gid())
    head, _, tail = gid.rpartition(":")
    return head if tail.isdigit() else gid


def _texts(fig, role):
    ax = fig.axes[0]
    found = [t for t in ax.texts if _role(t) == role]
    return sorted(found, key=lambda t: -t.get_position()[1])


def _headers(fig):
    return [t.get_text() for t in fig.axes[0].texts if str(t.get_gid()).startswith("header:")]


def _artist(fig, gid):
    ax = fig.axes[0]
    hits = [a for a in ax.get_children() if a.get_gid() == gid]
    assert len(hits) == 1, f"expected one artist {gid!r}, found {len(hits)}"
    return hits[0]


def test_row_labels_in_order():
    fig = forest_plot(_bcg_fit())
    labels = [t.get_text() for t in _texts(fig, "label")]
    assert labels == [*BCG_SLAB, "Random-effects model", "Prediction interval"]


def test_diamond_vertices_are_metafors_estimate_and_ci():
    exp = BCG["expected"]
    fig = forest_plot(_bcg_fit())
    xy = _artist(fig, "diamond-overall").get_xy()
    # vertices: (ci_lb, y), (estimate, y + h), (ci_ub, y), (estimate, y - h) [, closing vertex]
    assert_allclose(xy[:4, 0], [exp["ci_lb"][0], exp["b"][0], exp["ci_ub"][0], exp["b"][0]], **CI_TOL)
    assert xy[0, 1] == xy[2, 1] and xy[1, 1] > xy[0, 1] > xy[3, 1]


def test_prediction_interval_ends_are_metafors_pi():
    exp = BCG["expected"]
    fig = forest_plot(_bcg_fit())
    line = _artist(fig, "prediction-interval")
    assert_allclose(line.get_xdata(), [exp["pi_lb"], exp["pi_ub"]], **CI_TOL)
    # as a dashed line through the diamond's row instead
    fig = forest_plot(_bcg_fit(), pi="dashed")
    line = _artist(fig, "prediction-interval")
    assert line.get_linestyle() == "--"
    assert_allclose(line.get_xdata(), [exp["pi_lb"], exp["pi_ub"]], **CI_TOL)
    assert "Prediction interval" not in [t.get_text() for t in _texts(fig, "label")]


def test_weight_texts_are_metafors_rounded_weights():
    exp = BCG["expected"]
    fig = forest_plot(_bcg_fit())
    shown = [t.get_text() for t in _texts(fig, "weight-text")]
    # weights(res) in R, e.g. 5.05948 -> "5.1%"; the overall row shows 100.0%
    assert shown == [f"{w:.1f}%" for w in exp["weights"]] + ["100.0%"]
    assert shown[0] == "5.1%" and shown[5] == "10.1%"


def test_numbers_are_back_transformed_for_a_ratio_measure():
    fig = forest_plot(_bcg_fit())
    ci = [t.get_text() for t in _texts(fig, "ci-text")]
    # exp(-0.714532) = 0.4894, exp(-1.066898) = 0.3441, exp(-0.362167) = 0.6961 (metafor)
    assert ci[13] == "0.49 [0.34, 0.70]"
    # study 1: exp(-0.8893 -+ 1.959964 * sqrt(0.325585)) = 0.1287, 1.2567; exp(-0.8893) = 0.4110
    assert ci[0] == "0.41 [0.13, 1.26]"
    assert ci[14] == "[" + f"{math.exp(BCG['expected']['pi_lb']):.2f}, {math.exp(BCG['expected']['pi_ub']):.2f}" + "]"
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Risk ratio"
    labels = {t.get_text(): t.get_position()[0] for t in ax.get_xticklabels()}
    assert_allclose(labels["1"], 0.0, atol=1e-12)
    assert_allclose(labels["0.5"], math.log(0.5), rtol=1e-12)


def test_heterogeneity_and_test_texts():
    fig = forest_plot(_bcg_fit())
    texts = [t.get_text() for t in _texts(fig, "stat-text")]
    # metafor: tau^2 = 0.3132, I^2 = 92.22%, QE = 152.2330 (df = 12, p < .0001), z = -3.9744
    assert texts == [
        "Heterogeneity: \u03c4\u00b2 = 0.31; I\u00b2 = 92%; Q = 152.23, df = 12 (p < 0.001)",
        "Test for overall effect: z = \u22123.97 (p < 0.001)",
    ]


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("default", "0.49 [0.34, 0.70]"),
        ("cochrane", "0.49 [0.34, 0.70]"),
        ("bmj", "0.49 (0.34 to 0.70)"),
        ("lancet", "0\u00b749 (0\u00b734\u20130\u00b770)"),
        ("jama", "0.49 (0.34-0.70)"),
    ],
)
def test_journal_styles_format_numbers(style, expected):
    fig = forest_plot(_bcg_fit(), style=style)
    assert _texts(fig, "ci-text")[13].get_text() == expected


def test_unknown_style_is_an_input_error():
    with pytest.raises(InputError, match="column style: unknown style 'nature'"):
        forest_plot(_bcg_fit(), style="nature")


def test_arrows_mark_intervals_clipped_by_the_axis():
    yi = np.asarray(BCG["data"]["yi"])
    vi = np.asarray(BCG["data"]["vi"])
    # hand computation: study CIs are yi -+ 1.959964 * sqrt(vi)
    lb, ub = yi - 1.959964 * np.sqrt(vi), yi + 1.959964 * np.sqrt(vi)
    xlim = (-2.0, 0.5)
    fig = forest_plot(_bcg_fit(), xlim=xlim)
    left = _artist(fig, "ci-arrow-left")
    right = _artist(fig, "ci-arrow-right")
    # lower limits below -2: trials 1 (-2.008), 2 (-2.450), 3 (-2.611), 7 (-2.546)
    assert len(left.get_xdata()) == int((lb < xlim[0]).sum()) == 4
    # upper limits above 0.5: trials 12 (1.876) and 13 (0.506)
    assert len(right.get_xdata()) == int((ub > xlim[1]).sum()) == 2
    assert set(left.get_xdata()) == {xlim[0]} and set(right.get_xdata()) == {xlim[1]}
    # the default limits hold every interval of dat.bcg: no arrows
    fig = forest_plot(_bcg_fit())
    names = [a.get_gid() for a in fig.axes[0].get_children()]
    assert "ci-arrow-left" not in names and "ci-arrow-right" not in names


def test_figure_height_grows_with_the_number_of_studies():
    heights = []
    for k in (3, 10, 40, 150):
        rng = np.random.default_rng(k)
        res = rma(rng.normal(0.3, 0.2, k), rng.uniform(0.02, 0.1, k), measure="SMD")
        heights.append(forest_plot(res).get_size_inches()[1])
    assert all(b > a for a, b in zip(heights, heights[1:], strict=False))
    # a constant height per row: 8 pt x 1.6 = 12.8 pt per study
    assert_allclose(np.diff(heights) / np.diff([3, 10, 40, 150]), 8 * 1.6 / 72, rtol=1e-9)


def test_150_studies_have_non_overlapping_labels():
    k = 150
    rng = np.random.default_rng(150)
    slab = [f"Author {i + 1} et al. {1980 + i % 40}" for i in range(k)]
    res = rma(rng.normal(0.3, 0.3, k), rng.uniform(0.01, 0.2, k), measure="SMD", slab=slab)
    fig = forest_plot(res)
    texts = _texts(fig, "label")
    assert [t.get_text() for t in texts[:k]] == slab
    ax = fig.axes[0]
    ys = np.array([ax.transData.transform(t.get_position())[1] for t in texts])
    spacing_pt = -np.diff(ys) * 72 / fig.dpi
    font_pt = texts[0].get_fontsize()
    assert font_pt == 8
    assert spacing_pt.min() >= font_pt
    # rendered (Agg, headless): no two label boxes overlap, and every label is on the canvas
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert all(upper.y0 >= lower.y1 for upper, lower in zip(boxes, boxes[1:], strict=False))
    assert min(b.y0 for b in boxes) >= 0 and max(b.y1 for b in boxes) <= fig.bbox.height
    assert min(b.x0 for b in boxes) >= 0


def test_subgroups_match_metafor():
    case = _subgroup_case("bcg_RR/by_alloc/separate/REML/z")
    d = case["data"]
    slab = tuple(f"Trial {i + 1}" for i in range(len(d["yi"])))
    sg = subgroup_analysis(d["yi"], d["vi"], d["group"], slab=slab, measure="RR")
    fig = forest_plot(sg)
    labels = [t.get_text() for t in _texts(fig, "label")]
    # order of first appearance in dat.bcg: random (trials 1-4, 7-9), alternate, systematic
    assert labels[:9] == ["random", "Trial 1", "Trial 2", "Trial 3", "Trial 4", "Trial 7",
                          "Trial 8", "Trial 9", "Subtotal"]
    for lvl in case["per_level"]:
        xy = _artist(fig, f"diamond-subgroup:{lvl['level']}").get_xy()
        assert_allclose(xy[:3, 0], [lvl["ci_lb"], lvl["estimate"], lvl["ci_ub"]], **CI_TOL)
    texts = [t.get_text() for t in _texts(fig, "stat-text")]
    # Q_between = 1.8614 on 2 df, p = 0.3943 (rma(est, sei = ses, mods = ~ grp, method = "FE"))
    assert texts[-1] == "Test for subgroup differences: Q = 1.86, df = 2 (p = 0.39)"
    # per-subgroup heterogeneity, "random": tau2 = 0.3925, I2 = 89.93%, QE = 110.2133 on 6 df
    assert texts[0] == "Heterogeneity: \u03c4\u00b2 = 0.39; I\u00b2 = 90%; Q = 110.21, df = 6 (p < 0.001)"
    overall = _artist(fig, "diamond-overall").get_xy()
    assert_allclose(overall[:3, 0], [BCG["expected"]["ci_lb"][0], BCG["expected"]["b"][0],
                                     BCG["expected"]["ci_ub"][0]], **CI_TOL)


def test_extra_columns_and_their_errors():
    res = _bcg_fit()
    n = list(range(101, 114))
    fig = forest_plot(res, columns={"n": n})
    assert [t.get_text() for t in _texts(fig, "column:n")] == [str(v) for v in n]
    with pytest.raises(InputError, match=r"column n: has 12 values but the fit has 13 studies"):
        forest_plot(res, columns={"n": n[:12]})


def test_risk_of_bias_circles_and_bad_judgement():
    res = _bcg_fit()
    rob = {s: {"D1": "Low", "D2": "Some concerns", "D3": "High"} for s in BCG_SLAB}
    fig = forest_plot(res, rob=rob)
    d3 = _artist(fig, "rob:D3")
    assert len(d3.get_offsets()) == 13
    assert_allclose(d3.get_facecolors()[0][:3], [0xBF / 255, 0, 0])
    rob["Trial 4"]["D2"] = "Hgh"
    with pytest.raises(InputError, match=r"row 4, column D2: unknown risk-of-bias judgement 'Hgh'"):
        forest_plot(res, rob=rob)
    del rob["Trial 5"]
    with pytest.raises(InputError, match=r"row 5, column rob: no risk-of-bias judgement"):
        forest_plot(res, rob=rob)


def test_flagged_rows_get_a_footnote():
    fig = forest_plot(_bcg_fit(), flags={"Trial 2": "converted from median"})
    labels = [t.get_text() for t in _texts(fig, "label")]
    assert labels[1] == "Trial 2 *"
    notes = [t.get_text() for t in _texts(fig, "footnote")]
    assert notes == ["* converted from median"]
    with pytest.raises(InputError, match="flags name 1 studies not in the fit"):
        forest_plot(_bcg_fit(), flags={"Trial 99": "x"})


def test_draws_into_a_given_axes_and_returns_it():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 5))
    ax = fig.add_axes((0.35, 0.2, 0.3, 0.7))
    out = forest_plot(_bcg_fit(), ax=ax)
    assert out is ax
    assert [t.get_text() for t in _texts(fig, "label")][:2] == ["Trial 1", "Trial 2"]


def test_display_object_keeps_rows_and_draws_many_times():
    fp = ForestPlot.from_result(_bcg_fit())
    study = fp.rows[fp.rows["kind"] == "study"]
    assert_allclose(study["estimate"], BCG["data"]["yi"], rtol=1e-12)
    assert_allclose(study["weight"], BCG["expected"]["weights"], rtol=1e-6)
    a, b = fp.plot(style="bmj"), fp.plot(style="lancet")
    assert a is not b


def test_meta_regression_is_not_applicable():
    d = _case("bcg_RR~ablat/REML/z/95")["data"]
    res = rma(d["yi"], d["vi"], mods=np.asarray(d["ablat"], dtype=float))
    with pytest.raises(NotApplicableError, match="bubble"):
        forest_plot(res)


def test_risk_of_bias_from_a_rob_table():
    import pandas as pd

    from metareview.review.rob import RobTable

    rows = [(s, f"D{d}", "High" if (s == "Trial 4" and d == 2) else "Low")
            for s in BCG_SLAB for d in range(1, 6)]  # fmt: skip
    table = RobTable.from_frame(pd.DataFrame(rows, columns=["study", "domain", "judgement"]), tool="rob2")
    fig = forest_plot(_bcg_fit(), rob=table)
    headers = _headers(fig)
    assert headers[-6:] == ["D1", "D2", "D3", "D4", "D5", "Overall"]
    overall = _artist(fig, "rob:Overall").get_facecolors()
    # RoB 2: one domain at high risk makes the study high risk overall (Sterne et al. 2019)
    red, green = [0xBF / 255, 0, 0], [0x02 / 255, 0xC1 / 255, 0]
    assert_allclose(overall[3][:3], red)
    assert_allclose(overall[0][:3], green)


def test_knha_test_text_and_90_percent_level():
    case = _case("bcg_RR/REML/knha/90")
    exp = case["expected"]
    res = rma(case["data"]["yi"], case["data"]["vi"], test="knha", level=90, slab=BCG_SLAB, measure="RR")
    fig = forest_plot(res)
    texts = [t.get_text() for t in _texts(fig, "stat-text")]
    # Hartung-Knapp: a t statistic on k - 1 = 12 df
    assert texts[1] == f"Test for overall effect: t = \u2212{abs(exp['zval'][0]):.2f}, df = 12 (p = {exp['pval'][0]:.3f})"
    xy = _artist(fig, "diamond-overall").get_xy()
    assert_allclose(xy[[0, 2], 0], [exp["ci_lb"][0], exp["ci_ub"][0]], **CI_TOL)
    headers = _headers(fig)
    assert "RR [90% CI]" in headers
    # study 1 at 90%: exp(-0.8893 -+ 1.644854 * sqrt(0.325585)) = 0.1602, 1.0542
    assert _texts(fig, "ci-text")[0].get_text() == "0.41 [0.16, 1.05]"


def test_common_effect_model_has_no_prediction_interval_or_tau2():
    case = _case("bcg_RR/EE/z/95")
    exp = case["expected"]
    res = rma(case["data"]["yi"], case["data"]["vi"], method="EE", slab=BCG_SLAB, measure="RR")
    fig = forest_plot(res)
    labels = [t.get_text() for t in _texts(fig, "label")]
    assert labels[-1] == "Common-effect model"
    assert not [a for a in fig.axes[0].get_children() if a.get_gid() == "prediction-interval"]
    texts = [t.get_text() for t in _texts(fig, "stat-text")]
    # metafor EE: QE = 152.2330, I2 = 92.12% (df = 12)
    assert texts[0] == "Heterogeneity: I\u00b2 = 92%; Q = 152.23, df = 12 (p < 0.001)"
    xy = _artist(fig, "diamond-overall").get_xy()
    assert_allclose(xy[:3, 0], [exp["ci_lb"][0], exp["b"][0], exp["ci_ub"][0]], **CI_TOL)


def test_proportions_have_no_line_of_no_effect():
    case = _case("pritz1997_PLO/REML/z/95")
    exp = case["expected"]
    res = rma(case["data"]["yi"], case["data"]["vi"], measure="PLO")
    fig = forest_plot(res)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Proportion"
    assert not [a for a in ax.get_children() if a.get_gid() == "null-line"]
    # numbers back-transformed with the inverse logit: 1 / (1 + exp(-b))
    est = 1 / (1 + math.exp(-exp["b"][0]))
    lb = 1 / (1 + math.exp(-exp["ci_lb"][0]))
    ub = 1 / (1 + math.exp(-exp["ci_ub"][0]))
    k = len(case["data"]["yi"])
    assert _texts(fig, "ci-text")[k].get_text() == f"{est:.2f} [{lb:.2f}, {ub:.2f}]"
    # ticks are round proportions at their logits: logit(0.5) = 0, logit(0.75) = log(3)
    ticks = {t.get_text(): t.get_position()[0] for t in ax.get_xticklabels()}
    assert_allclose([ticks["0.5"], ticks["0.75"]], [0.0, math.log(3)], atol=1e-12)
    headers = _headers(fig)
    assert "Proportion [95% CI]" in headers
