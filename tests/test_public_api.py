"""The public surface: every exported name resolves, and importing the package is cheap."""

from __future__ import annotations

import subprocess
import sys

import metareview


def test_every_name_in_all_resolves():
    for name in metareview.__all__:
        assert getattr(metareview, name) is not None, name


def test_all_is_sorted_and_unique():
    assert list(metareview.__all__) == sorted(set(metareview.__all__))


def test_import_loads_no_numeric_or_plotting_stack():
    code = (
        "import sys, metareview; "
        "print(','.join(m for m in ('numpy', 'pandas', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_errors_subclass_builtins():
    from metareview.errors import ConvergenceError, InputError, NotApplicableError

    assert issubclass(InputError, ValueError)
    assert issubclass(NotApplicableError, ValueError)
    assert issubclass(ConvergenceError, RuntimeError)
