"""The Dask backend on a two-process LocalCluster over loopback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import distributed  # the 'distributed' extra, which make test installs  # noqa: F401

from metareview.distributed import fit_chunks_dask, simulate_and_fit, simulate_chunk  # noqa: E402
from metareview.models.batch import assemble, fit_padded, layout_groups, pool_groups, prepare  # noqa: E402

HERE = Path(__file__).parent
LONG = HERE / "data" / "long.csv"
FIX = json.loads((HERE / "metafor_batch.json").read_text())


@pytest.fixture(scope="module")
def client():
    import warnings

    with warnings.catch_warnings():
        # LocalCluster start-up may warn about ports/resources on a shared machine
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)  # fmt: skip
        cl = distributed.Client(cluster)
    yield cl
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cl.close()
        cluster.close()


def test_pool_groups_on_cluster_matches_metafor(client) -> None:
    frame = pd.read_csv(LONG)
    got = pool_groups(frame, by=["outcome", "population"], method="REML", test="knha", chunk_size=2,
                      client=client)  # fmt: skip
    exp = pd.DataFrame([r for r in FIX["long"] if r["method"] == "REML" and r["test"] == "knha"])
    exp = exp.sort_values(["outcome", "population"]).reset_index(drop=True)
    assert got["k"].tolist() == exp["k"].tolist()
    for c in ("estimate", "se", "ci_lb", "ci_ub", "tau2", "I2", "QE"):
        np.testing.assert_allclose(got[c].to_numpy(float), exp[c].to_numpy(float), rtol=1e-6, atol=1e-7)
    assert (got["error"] == "").all()


def _explode(yi, vi, mask, **kw):
    if (yi == 0.5).any():
        raise RuntimeError("worker lost")
    return fit_padded(yi, vi, mask, **kw)


def test_failed_chunk_reported_not_fatal(client) -> None:
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    frame = pd.DataFrame({"g": ["a", "a", "b", "b", "c", "c"], "yi": [0.1, 0.3, 0.5, 0.2, 0.2, 0.4],
                          "vi": [0.01, 0.02, 0.01, 0.02, 0.03, 0.01]})  # fmt: skip
    yi, vi = prepare(frame)
    lay = layout_groups(frame, "g")
    seen: list[int] = []
    parts = fit_chunks_dask(client, lay, yi, vi, method="DL", chunk_size=1, fit=_explode,
                            progress=lambda d, t: seen.append(d))  # fmt: skip
    out = assemble(lay, parts)
    assert seen == [1, 2, 3]
    assert out["error"].tolist()[1] == "chunk failed on the cluster: RuntimeError: worker lost"
    assert np.isnan(out["estimate"][1]) and out["k"].tolist() == [2, 2, 2]
    # group a by hand (DL): w = 100, 50; Q = 100*(0.1-m)^2 + 50*(0.3-m)^2 with m = 1/6 -> Q = 4/3
    # C = 150 - (100^2 + 50^2)/150 = 200/3; tau2 = (Q - 1)/C = 0.005; w* = 1/0.015, 1/0.025
    w = np.array([1 / 0.015, 1 / 0.025])
    assert out["tau2"][0] == pytest.approx(0.005, rel=1e-12)
    assert out["estimate"][0] == pytest.approx((w @ [0.1, 0.3]) / w.sum(), rel=1e-12)
    assert out["error"][0] == out["error"][2] == ""


def test_simulate_on_workers_is_seeded_per_chunk(client) -> None:
    got = simulate_and_fit(client, n_analyses=250, k=8, chunk_size=100, method="DL")
    # the same chunks generated and fitted here, without the cluster, give the same numbers
    local = [simulate_chunk(i, n=n, k=8, method="DL") for i, n in enumerate((100, 100, 50))]
    np.testing.assert_array_equal(got["estimate"], np.concatenate([c["estimate"] for c in local]))
    assert got["converged"].all() and (got["error"] == "").all()
    # with mu = 0.3, the mean of 250 DL estimates lies within 4 standard errors of 0.3
    est = got["estimate"]
    assert abs(est.mean() - 0.3) < 4 * est.std(ddof=1) / np.sqrt(est.size)


def test_cli_with_scheduler_address(client, tmp_path: Path, capsys) -> None:
    from metareview.cli import main

    out = tmp_path / "res.parquet"
    main(["batch", str(LONG), "--by", "outcome", "--by", "population", "--method", "DL", "--chunk-size", "3",
          "--scheduler", client.scheduler.address, "--out", str(out)])  # fmt: skip
    assert f"7 groups pooled from 50 studies -> {out}" in capsys.readouterr().out
    got = pd.read_parquet(out)
    exp = pd.DataFrame([r for r in FIX["long"] if r["method"] == "DL" and r["test"] == "z"])
    exp = exp.sort_values(["outcome", "population"]).reset_index(drop=True)
    np.testing.assert_allclose(got["estimate"], exp["estimate"], rtol=1e-9)
    np.testing.assert_allclose(got["tau2"], exp["tau2"], rtol=1e-9, atol=1e-12)
    assert client.status == "running"  # the CLI closed its own connection, not this one
