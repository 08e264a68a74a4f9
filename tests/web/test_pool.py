"""The analysis page's effect sizes and REML pool against metafor (data/pool_reml.json,
written by data/make_pool_fixture.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REF = json.loads((Path(__file__).resolve().parent / "data" / "pool_reml.json").read_text())


def _table(data: dict[str, list[float]]) -> pd.DataFrame:
    k = len(next(iter(data.values())))
    return pd.DataFrame({"study": [f"S{i}" for i in range(k)], "outcome": "O",
                         "reviewers": "ann", "status": "ok", **data})


@pytest.mark.parametrize("key, measure", [("smd", "SMD (Hedges' g)"), ("or", "log odds ratio")])
def test_pool_from_summary_data_matches_metafor(key, measure):
    from metareview.web.routes_reports import pool

    ref = REF[key]
    res = pool(_table(ref["data"]), "O")
    assert res["measure"] == measure and res["k"] == 3
    np.testing.assert_allclose([s[1] for s in res["studies"]], ref["yi"], rtol=1e-10)
    np.testing.assert_allclose([s[2] for s in res["studies"]], ref["vi"], rtol=1e-10)
    # REML is iterative: metafor stops when tau2 changes by less than 1e-5
    np.testing.assert_allclose(res["estimate"], ref["estimate"], atol=1e-5)
    np.testing.assert_allclose([res["ci_lb"], res["ci_ub"]], [ref["ci_lb"], ref["ci_ub"]], atol=1e-5)
    np.testing.assert_allclose(res["tau2"], ref["tau2"], atol=1e-5)
    np.testing.assert_allclose(res["I2"], ref["I2"], atol=0.05)


def test_pool_of_extracted_yi_vi_matches_metafor():
    from metareview.web.routes_reports import pool

    res = pool(_table({"yi": REF["yi"], "vi": REF["vi"]}), "O")
    np.testing.assert_allclose([res["estimate"], res["ci_lb"], res["ci_ub"], res["tau2"]],
                               [REF["estimate"], REF["ci_lb"], REF["ci_ub"], REF["tau2"]],
                               rtol=1e-6)


def test_pool_says_what_is_missing():
    from metareview.web.routes_reports import pool

    res = pool(_table({"m1i": [1.0, 2.0], "sd1i": [1.0, 1.0]}), "O")
    assert "need yi/vi, means/SDs/ns or events/ns" in res["error"]
    res = pool(_table({"yi": [0.1], "vi": [0.01]}), "O")
    assert res["error"] == "a pooled estimate needs at least two studies"
    # a study with an unresolved discrepancy is left out, not guessed
    t = _table({"yi": REF["yi"] + [9.0], "vi": REF["vi"] + [0.01]})
    t.loc[2, "status"] = "unresolved discrepancy"
    np.testing.assert_allclose(pool(t, "O")["estimate"], REF["estimate"], rtol=1e-6)
