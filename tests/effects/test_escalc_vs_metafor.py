"""metareview.effects.escalc against R metafor 3.8.1 ``escalc`` and ``transf.*``.

The expected values are in tests/reference/effects.json, written by
tests/reference/make_fixtures_effects.R; each case stores the exact R call that produced it
(shown in the test id and in failure messages), the inputs and the data source (metadat data
sets dat.bcg, dat.normand1999, dat.pritz1997, dat.debruin2009, dat.molloy2014 and hand-made
edge cases). Compared at TOL["yi"] / TOL["vi"] from tests/reference/tolerances.py.
"""

from __future__ import annotations

import importlib.util
import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from metareview.effects import escalc, transforms
from metareview.errors import StatisticalWarning

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
FIXTURE = json.loads((REFERENCE / "effects.json").read_text(encoding="utf-8"))
CASES = FIXTURE["cases"]
TRANSFORMS = FIXTURE["transforms"]


def tolerances() -> dict[str, dict[str, float]]:
    spec = importlib.util.spec_from_file_location("_tol", REFERENCE / "tolerances.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.TOL


def _options(call: str) -> dict[str, Any]:
    """Read measure and options from the stored R call string."""
    out: dict[str, Any] = {"measure": re.search(r'measure = "(\w+)"', call).group(1)}
    if m := re.search(r'vtype = c\(([^)]*)\)', call):
        out["vtype"] = re.findall(r'"(\w+)"', m.group(1))
    elif m := re.search(r'vtype = "(\w+)"', call):
        out["vtype"] = m.group(1)
    if m := re.search(r"add = ([0-9.]+)", call):
        out["add"] = float(m.group(1))
    if m := re.search(r'to = "(\w+)"', call):
        out["to"] = m.group(1)
    if "drop00 = TRUE" in call:
        out["drop00"] = True
    return out


def _expected(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def test_fixture_is_large_enough() -> None:
    assert FIXTURE["metafor_version"] == "3.8.1"
    assert len(CASES) >= 60
    measures = {_options(c["call"])["measure"] for c in CASES}
    assert measures >= {"MD", "SMD", "ROM", "MC", "SMCC", "SMCR", "OR", "RR", "RD", "PETO",
                        "PR", "PLN", "PLO", "PAS", "PFT", "COR", "UCOR", "ZCOR"}


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_escalc_matches_metafor(case: dict[str, Any]) -> None:
    opts = _options(case["call"])
    measure = opts.pop("measure")
    inputs = dict(case["inputs"])  # a single assumed ri is stored (and passed) as a scalar
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eff = escalc(measure, **inputs, **opts)
    yi, vi = _expected(case["yi"]), _expected(case["vi"])
    tol = tolerances()
    msg = f"R: {case['call']} on {case['source']}"
    np.testing.assert_allclose(eff.yi, yi, equal_nan=True, err_msg=msg, **tol["yi"])
    np.testing.assert_allclose(eff.vi, vi, equal_nan=True, err_msg=msg, **tol["vi"])
    assert eff.measure == measure
    assert all(issubclass(w.category, StatisticalWarning) for w in caught), msg
    # studies set to missing by drop00 are recorded, not warned about; any other missing
    # result comes with a StatisticalWarning (metafor warns "Recoded to NAs")
    dropped = np.zeros(len(yi), dtype=bool)
    if opts.get("drop00"):
        a = {k: np.asarray(v, dtype=float) for k, v in case["inputs"].items()}
        dropped = ((a["ai"] == 0) & (a["ci"] == 0)) | ((a["bi"] == 0) & (a["di"] == 0))
        assert sorted(c.row for c in eff.conversions if "drop00" in c.method) == \
            [int(i) + 1 for i in np.flatnonzero(dropped)]
    other_missing = (np.isnan(yi) | np.isnan(vi)) & ~dropped
    assert bool(caught) == bool(other_missing.any()), msg
    if case["r_warning"]:
        assert caught, msg


@pytest.mark.parametrize("case", TRANSFORMS, ids=[f"{t['fn']}-{i}" for i, t in
                                                  enumerate(TRANSFORMS)])
def test_transforms_match_metafor(case: dict[str, Any]) -> None:
    fn = getattr(transforms, case["fn"])
    x = np.asarray(case["x"], dtype=float)
    if case["fn"] == "transf_ipft_hm":
        got = fn(x, ni=case["ni"])
    elif case["ni"] is not None:
        got = fn(x, case["ni"])
    else:
        got = fn(x)
    np.testing.assert_allclose(got, _expected(case["value"]), equal_nan=True,
                               err_msg=case["call"], **tolerances()["estimate"])
