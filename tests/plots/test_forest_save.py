"""save_figure: formats, 300 dpi PNG, byte-identical SVG and PDF for the same figure."""

from __future__ import annotations

import pytest

from metareview.errors import InputError
from metareview.models import rma
from metareview.plots import forest_plot, save_figure


def _fig():
    res = rma([0.21, 0.53, 0.38, 0.10], [0.04, 0.02, 0.05, 0.03], measure="SMD",
              slab=["Ames 2001", "Bell 2005", "Cole 2010", "Diaz 2012"])  # fmt: skip
    return forest_plot(res)


@pytest.mark.parametrize("ext", ["svg", "pdf", "png"])
def test_same_figure_same_bytes(tmp_path, ext):
    a = save_figure(_fig(), tmp_path / f"a.{ext}")
    b = save_figure(_fig(), tmp_path / f"b.{ext}")
    assert a.read_bytes() == b.read_bytes()
    assert a.stat().st_size > 1000


def test_svg_has_no_date_and_png_is_300_dpi(tmp_path):
    from PIL import Image

    svg = save_figure(_fig(), tmp_path / "f.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg
    png = save_figure(_fig(), tmp_path / "f.png")
    with Image.open(png) as im:
        dpi = im.info["dpi"]
    assert round(dpi[0]) == 300 and round(dpi[1]) == 300


def test_unknown_extension_names_the_file(tmp_path):
    target = tmp_path / "forest.jpg"
    with pytest.raises(InputError, match=r"forest\.jpg: cannot save a figure as '\.jpg' \(use a \.png"):
        save_figure(_fig(), target)
