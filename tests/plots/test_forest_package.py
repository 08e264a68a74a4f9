"""The plots package: lazy imports, a public surface that resolves, no pyplot state."""

from __future__ import annotations

import subprocess
import sys

import metareview.plots as plots


def test_every_public_name_resolves():
    assert plots.__all__ == sorted(plots.__all__)
    for name in plots.__all__:
        assert getattr(plots, name) is not None, name


def test_importing_the_package_does_not_load_matplotlib_or_pyplot():
    code = (
        "import sys, metareview, metareview.plots; "
        "print('matplotlib' in sys.modules); "
        "from metareview.plots import forest_plot; "
        "from metareview.models import rma; "
        "forest_plot(rma([0.1, 0.4, 0.3], [0.02, 0.03, 0.04])); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
