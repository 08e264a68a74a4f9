"""Saved SVG files have unique, valid element ids (a figure's gids become SVG ids).

Duplicate ids make an SVG invalid (XML 1.0, 5th ed., section 3.3.1, "Validity constraint:
ID") and break ``getElementById`` and ``url(#...)`` references once figures are inlined in
an HTML report. Each file is parsed with lxml and every ``id`` attribute counted.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from metareview.models import rma, subgroup_analysis
from metareview.plots import (
    baujat_plot,
    bubble_plot,
    cumulative_plot,
    forest_plot,
    funnel_plot,
    gosh_plot,
    leave_one_out_plot,
    ri_sensitivity_plot,
    save_figure,
)

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
# XML 1.0 Name, restricted to ASCII (what save_figure writes)
XML_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_.:-]*$")


def _ref(key):
    with open(REFERENCE / "plots.json", encoding="utf-8") as fh:
        return json.load(fh)[key]


def _ids(path):
    tree = etree.parse(str(path))
    return [el.get("id") for el in tree.iter() if el.get("id") is not None]


def _bcg():
    d = _ref("leave1out")["data"]
    slab = [f"{a}, {int(y)}" for a, y in zip(d["author"], d["year"], strict=True)]
    return d, slab, rma(d["yi"], d["vi"], slab=slab, measure="RR")


def _forest_everything():
    d, slab, res = _bcg()
    rob = {s: {"D1": "Low", "D2": "High" if i % 3 else "Some concerns"} for i, s in enumerate(slab)}
    return forest_plot(res, columns={"n": list(range(100, 113)), "I\u00b2 (%)": [50.0] * 13},
                       rob=rob, flags={slab[1]: "converted", slab[4]: "imputed SD"},
                       favours=("Favours vaccine", "Favours control"), title="BCG")  # fmt: skip


def _subgroups():
    d, slab, _ = _bcg()
    group = ["random" if a < 30 else "other" for a in d["ablat"]]
    return forest_plot(subgroup_analysis(d["yi"], d["vi"], group, slab=slab, measure="RR"))


def _figures():
    d, slab, res = _bcg()
    loo = _ref("leave1out")
    cum = _ref("cumul")
    cols = ["estimate", "ci_lb", "ci_ub", "tau2", "I2"]
    loo_frame = pd.DataFrame({"slab": slab, **{c: loo[c] for c in cols}})
    cum_frame = pd.DataFrame({"slab": [slab[i - 1] for i in cum["order"]], **{c: cum[c] for c in cols}})
    bj = _ref("baujat")
    tf = _ref("trimfill")
    hack = rma(tf["data"]["yi"], tf["data"]["vi"], measure="OR")
    reg = rma(d["yi"], d["vi"], mods=np.asarray(d["ablat"], dtype=float), measure="RR", slab=slab)
    sens = pd.DataFrame({"ri": [0.0, 0.5, 0.9], "estimate": [0.5, 0.7, 1.6], "ci_lb": [0.3, 0.5, 1.1],
                         "ci_ub": [0.7, 0.9, 2.1], "tau2": [0.02, 0.06, 0.4], "I2": [20.0, 52.0, 91.0]})  # fmt: skip
    gosh = pd.DataFrame({"estimate": [0.1, 0.5, 0.9, 0.3, 0.5, 0.7, 0.5],
                         "I2": [0.0, 0.0, 0.0, 50.0, 87.5, 50.0, 75.0]})  # fmt: skip
    return {
        "forest": _forest_everything,
        "forest-subgroups": _subgroups,
        "funnel": lambda: funnel_plot(hack),
        "baujat": lambda: baujat_plot(pd.DataFrame({"slab": slab, "x": bj["x"], "y": bj["y"]})),
        "bubble": lambda: bubble_plot(reg, labels=True),
        "leave-one-out": lambda: leave_one_out_plot(loo_frame, res),
        "cumulative": lambda: cumulative_plot(cum_frame, res),
        "ri": lambda: ri_sensitivity_plot(sens, assumed=0.5),
        "gosh": lambda: gosh_plot(gosh),
    }


@pytest.mark.parametrize("name", list(_figures()))
def test_saved_svg_ids_are_unique_and_valid(tmp_path, name):
    fig = _figures()[name]()
    ids = _ids(save_figure(fig, tmp_path / f"{name}.svg"))
    repeated = {i: n for i, n in Counter(ids).items() if n > 1}
    assert repeated == {}
    assert [i for i in ids if not XML_NAME.match(i)] == []


def test_figure_gids_are_unique_before_saving():
    # the figure itself (not only the file) has unique gids, so selecting an artist by gid
    # is unambiguous; the forest's text gids end in the row's index in ForestPlot.rows
    fig = _forest_everything()
    gids = [a.get_gid() for a in fig.findobj() if a.get_gid() is not None]
    assert [g for g, n in Counter(gids).items() if n > 1] == []
    labels = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid().startswith("label:")}
    assert labels["label:0"] == "Aronson, 1948"
    assert labels["label:1"] == "Ferguson & Simes, 1949 *"  # flagged: footnote symbol
    assert labels["label:14"] == "Random-effects model"  # 13 studies, a blank row, the diamond
    assert {t.get_gid() for t in fig.axes[0].texts if t.get_gid().startswith("favours:")} == {
        "favours:left", "favours:right"}  # fmt: skip


def test_forest_svg_ids_are_the_gids(tmp_path):
    fig = _forest_everything()
    ids = set(_ids(save_figure(fig, tmp_path / "forest.svg")))
    expected = {f"label:{i}" for i in range(13)} | {f"ci-text:{i}" for i in range(13)}
    expected |= {"diamond-overall", "prediction-interval", "header:Weight", "footnote:0",
                 "footnote:1", "rob-symbol:D2:3"}  # fmt: skip
    assert expected <= ids
    # a gid that is not an XML name is written with its other characters replaced by "_",
    # while the figure keeps its own gids
    assert "column:I_____:0" in ids
    assert any(t.get_gid() == "column:I\u00b2 (%):0" for t in fig.axes[0].texts)


def test_two_forest_plots_in_one_figure(tmp_path):
    from matplotlib.figure import Figure

    _, _, res = _bcg()
    fig = Figure(figsize=(16, 6))
    forest_plot(res, ax=fig.add_axes((0.15, 0.15, 0.2, 0.75)))
    forest_plot(res, ax=fig.add_axes((0.65, 0.15, 0.2, 0.75)), style="bmj")
    gids = [a.get_gid() for a in fig.findobj() if a.get_gid() is not None]
    assert [g for g, n in Counter(gids).items() if n > 1] == []
    # the second plot's artists carry a suffix
    assert {"label:0", "label:0-2", "diamond-overall", "diamond-overall-2"} <= set(gids)
    ids = _ids(save_figure(fig, tmp_path / "two.svg"))
    assert len(ids) == len(set(ids))
