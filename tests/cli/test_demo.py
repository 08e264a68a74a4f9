"""`metareview demo`: the shipped flagship plan end to end into a temporary folder.

The Treg SMCR value is metafor's (tests/flagship/fixtures/ld_il2_metafor.json, written by
tests/flagship/ld_il2_metafor.R: ``rma(yi, vi, method = "REML")`` on
``escalc("SMCR", ..., ri = 0.5)``).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metareview.cli import build_app

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "flagship" / "fixtures"
                      / "ld_il2_metafor.json").read_text())


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo records them in the report
        res = CliRunner().invoke(build_app(), ["demo", "--out", str(out), "--formats", "svg"])
    assert res.exit_code == 0, res.output
    return out, res.output


def test_demo_writes_report_opening_with_comparison(demo_out: tuple[Path, str]) -> None:
    out, _ = demo_out
    html = (out / "report.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section id="([^"]+)"', html)
    assert sections[0] == "comparison"
    first = html[html.index('<section id="comparison">'):html.index("</section>")]
    assert "Treg cells (SMCR, post vs pre)" in first
    assert "1.13 (0.97 to 1.29)" in first
    assert "0.331 (no CI published)" in first
    assert "no number published" in first  # DAS28, CDASI: a direction but no number
    assert first.count("<tr>") == 1 + 15  # header + every line of ld_il2_published.csv
    assert "no study analysed here</td>" in first  # e.g. Treg in SLE: k = 0
    assert "converted from a median" in first
    assert (out / "plan" / "ld_il2_plan.toml").is_file()
    assert (out / "tables" / "treg_alternatives.csv").is_file()
    svg = (out / "figures" / "treg_forest.svg").read_text(encoding="utf-8")
    assert "<svg" in svg


def test_demo_results_json_has_metafor_treg(demo_out: tuple[Path, str]) -> None:
    out, _ = demo_out
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert doc["schema_version"] == "1.1.0"
    treg = next(o for o in doc["outcomes"] if o["name"] == "treg")
    ref = FIXTURE["treg"]["smcr_reml_z"]
    assert treg["measure"] == "SMCR"
    assert treg["model"]["estimate"] == pytest.approx(ref["estimate"], rel=1e-8)
    assert treg["model"]["ci_lb"] == pytest.approx(ref["ci_lb"], rel=1e-8)
    assert treg["model"]["ci_ub"] == pytest.approx(ref["ci_ub"], rel=1e-8)
    assert treg["tests"]["egger"] == {"status": "not applicable: k < 10"}
    flagged = [r["slab"] for r in treg["tables"]["studies"] if r["flag"]]
    assert flagged == ["Hao 2020 (master thesis, PsA)"]
    comp = {c["outcome"]: c for c in doc["comparison"]}
    assert comp["treg"]["ours"] == pytest.approx(ref["estimate"], rel=1e-8)
    assert comp["injection"]["published_ci_lb"] is None


def test_demo_prints_comparison_and_report_path(demo_out: tuple[Path, str]) -> None:
    out, output = demo_out
    assert "published versus this re-analysis" in output
    assert "Treg cells" in output and "1.13 (0.97 to 1.29)" in output
    assert "report.html" in output.replace("\n", "")


def test_demo_rejects_unknown_format(tmp_path: Path) -> None:
    from metareview.errors import InputError

    res = CliRunner().invoke(build_app(), ["demo", "--out", str(tmp_path), "--formats", "gif"])
    assert isinstance(res.exception, InputError)
    assert res.exception.column == "--formats"


def test_demo_default_folder_is_demo_out(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = CliRunner().invoke(build_app(), ["demo", "--formats", "svg"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "demo-out" / "report.html").is_file()
    assert (tmp_path / "demo-out" / "plan" / "ld_il2_continuous.csv").is_file()


def test_demo_goes_through_the_review_store(demo_out: tuple[Path, str]) -> None:
    from metareview.analysis_store import extracted_frame
    from metareview.plan import load_plan

    out, output = demo_out
    assert (out / "review.db").read_bytes()[:16] == b"SQLite format 3\x00"
    plan = load_plan(out / "plan" / "ld_il2_plan.toml")
    assert plan.data["prepost"].store == str(out / "plan" / ".." / "review.db")
    # He 2020, Table 3: injection-site reactions in 9 of 29 patients on IL-2
    f = extracted_frame(str(out / "review.db"), outcome="injection-site reaction")
    assert (f["xi"].iloc[0], f["ni"].iloc[0]) == (9, 29)
    assert "review.db" in output.replace("\n", "")
    # the printed "why" column: at most 60 characters of the computed reasons
    assert "│ why" in output or "why " in output.splitlines()[2]
    assert "1 study analysed here (one study: its" in output


def test_why_is_cut_to_sixty_characters() -> None:
    from metareview.cli.demo import _why

    text = "k = 4 studies analysed here; 1 of 4 flagged: mean and SD converted from a median"
    # 57 characters end in a space, which is dropped before the ellipsis
    assert _why(text) == "k = 4 studies analysed here; 1 of 4 flagged: mean and SD..."
    assert len(_why(text)) == 59
    assert _why("short") == "short"
    assert _why(float("nan")) == ""
