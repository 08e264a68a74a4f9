"""`metareview pool`: numbers against metafor, JSON shape, and one-line errors.

Expected values from R 4 / metafor 3.8.1 on dat.bcg (Colditz et al. 1994):

    dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    rma(yi, vi, data=dat, control=list(threshold=1e-12))            # REML
    rma(yi, vi, data=dat, method="DL", test="knha")
    fits <- lapply(split(dat, dat$alloc), function(d) rma(yi, vi, data=d))
    rma(est, sei=se, mods=~names(est), method="FE")                 # Q between
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from metareview.cli import build_app, main

DATA = Path(__file__).resolve().parent / "data"
BCG = DATA / "bcg.csv"
RTOL = 1e-6


def run(*args: str):
    return CliRunner().invoke(build_app(), list(args))


def test_pool_json_matches_metafor_reml():
    res = run("pool", str(BCG), "--measure", "RR", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["k"] == 13 and out["method"] == "REML"
    assert out["estimate"] == pytest.approx(-0.7145323422, rel=RTOL)
    assert out["se"] == pytest.approx(0.1797815161, rel=RTOL)
    assert out["tau2"] == pytest.approx(0.3132432581, rel=RTOL)
    assert out["se_tau2"] == pytest.approx(0.1664257528, rel=RTOL)
    assert out["I2"] == pytest.approx(92.221385, rel=RTOL)
    assert out["pi_lb"] == pytest.approx(-1.8666922179, rel=RTOL)
    assert len(out["studies"]) == 13
    assert out["studies"][0]["slab"] == "Aronson 1948"
    assert sum(s["weight"] for s in out["studies"]) == pytest.approx(100.0)


def test_pool_dl_knha():
    out = json.loads(run("pool", str(BCG), "--measure", "RR", "--method", "DL", "--test", "knha", "--json").output)
    assert out["estimate"] == pytest.approx(-0.714117222073, rel=RTOL)
    assert out["se"] == pytest.approx(0.180696628336, rel=RTOL)
    assert out["ci_lb"] == pytest.approx(-1.107821354168, rel=RTOL)
    assert out["tau2"] == pytest.approx(0.308760262862, rel=RTOL)


def test_pool_subgroups_separate_tau2():
    out = json.loads(run("pool", str(BCG), "--measure", "RR", "--subgroup", "alloc", "--json").output)
    assert set(out["subgroups"]) == {"random", "alternate", "systematic"}
    assert out["subgroups"]["alternate"]["estimate"] == pytest.approx(-0.540792961849, rel=RTOL)
    assert out["subgroups"]["random"]["estimate"] == pytest.approx(-0.970964704263, rel=RTOL)
    assert out["subgroups"]["systematic"]["estimate"] == pytest.approx(-0.424207391511, rel=RTOL)
    assert out["Q_between"] == pytest.approx(1.861444946155, rel=RTOL)
    assert out["df_between"] == 2
    assert out["p_between"] == pytest.approx(0.394268758886, rel=RTOL)


def test_pool_yi_vi_file_needs_no_measure(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text("study,yi,vi\nA,0.1,0.04\nB,0.3,0.02\nC,0.35,0.05\nD,0.65,0.03\n")
    out = json.loads(run("pool", str(f), "--method", "EE", "--json").output)
    # hand computation: w = 1/vi = 25, 50, 20, 33.33; sum(w*y)/sum(w)
    w = [25, 50, 20, 100 / 3]
    y = [0.1, 0.3, 0.35, 0.65]
    assert out["estimate"] == pytest.approx(sum(a * b for a, b in zip(w, y)) / sum(w), rel=1e-12)


def test_human_output_names_model():
    res = run("pool", str(BCG), "--measure", "RR")
    assert res.exit_code == 0
    assert "Random-effects model (REML" in res.output
    assert "-0.7145" in res.output


@pytest.mark.parametrize(
    ("content", "args", "expected"),
    [
        ("study,yi,vi\nA,0.1,0.04\nB,0.3,-0.02\n", (), "row 2, column vi: sampling variances must be positive"),
        ("study,yi,vi\nA,0.1,0.04\nB,,0.02\n", (), "row 2, column yi: is missing"),
        ("study,yi\nA,0.1\n", (), "column vi: missing column vi"),
        # a mistake in an option names the option, not the data file
        ("study,yi,vi\nA,0.1,0.04\nB,0.3,0.02\n", ("--method", "RMEL"), "error: column --method: unknown method 'RMEL'"),
        ("study,ai,bi,ci,di\nA,4,119,11,128\n", ("--measure", "XX"), "error: column --measure: unknown measure 'XX'"),
    ],
)
def test_user_mistakes_are_one_line_exit_2(tmp_path, capsys, content, args, expected):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    with pytest.raises(SystemExit) as exc:
        main(["pool", str(f), *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("error: ")
    assert (str(f) in err) != ("column --" in expected)
    assert expected in err


def test_missing_file_is_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["pool", "/nonexistent/data.csv"])
    assert exc.value.code == 2
    assert "file not found" in capsys.readouterr().err


def test_pool_follow_up_analyses_in_json():
    """Values from metafor on dat.bcg: regtest(res) z = -0.80333, ranktest tau = 0.025641
    (tests/reference/bias.json, case bcg_RR/REML); influence(res) first rstudent -0.21814249,
    cook.d 0.0017165413; trimfill(res) k0 = 1 on the right."""
    out = json.loads(run("pool", str(BCG), "--measure", "RR", "--json", "--leave-one-out", "--influence",
                         "--bias", "--cumulative", "study").output)  # fmt: skip
    assert len(out["leave_one_out"]) == 13 and {"estimate", "ci_lb", "tau2", "QE"} <= set(out["leave_one_out"][0])
    assert out["influence"][0]["rstudent"] == pytest.approx(-0.21814249, rel=1e-7)
    assert out["influence"][0]["cook_d"] == pytest.approx(0.0017165413, rel=1e-7)
    assert out["egger"]["zval"] == pytest.approx(-0.8033291930908647, rel=1e-6)
    assert out["begg"]["tau"] == pytest.approx(0.02564102564, rel=1e-6)
    assert out["trim_and_fill"]["k0"] == 1 and out["trim_and_fill"]["side"] == "right"
    assert out["fail_safe_n"]["fsnum"] == 598
    assert len(out["cumulative"]) == 13


def test_pool_glmm(tmp_path):
    """metafor: rma.glmm(measure="PLO", xi, ni) on the 'zeros' fixture: b = -2.44575705,
    tau2 = 0.18981356 (tests/reference/glmm.json; lme4 tolerance 5e-5 as in test_glmm)."""
    f = tmp_path / "p.csv"
    f.write_text("study,xi,ni\nA,0,25\nB,3,40\nC,1,18\nD,7,60\nE,0,30\nF,12,80\nG,4,35\n")
    out = json.loads(run("pool", str(f), "--method", "GLMM", "--json").output)
    assert out["estimate"] == pytest.approx(-2.44575705070873, rel=5e-5)
    assert out["tau2"] == pytest.approx(0.189813559455698, rel=5e-5)
    assert out["proportion"]["estimate"] == pytest.approx(1 / (1 + np.exp(2.44575705070873)), rel=5e-5)
