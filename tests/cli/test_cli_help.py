"""Every command a new user reaches for shows how to call it: examples in ``--help``."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from metareview.cli import build_app


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (["pool"], "metareview pool trials.csv --measure OR"),
        (["effects"], "metareview effects trials.csv --measure SMD --out yi_vi.csv"),
        (["plot", "forest"], "metareview plot forest trials.csv --measure OR --out forest.png"),
        (["plot", "funnel"], "metareview plot funnel trials.csv --measure OR --trimfill --out funnel.svg"),
        (["records"], "metareview records pubmed.nbib embase.ris wos.txt --out records.csv"),
        (["dedup"], "metareview dedup pubmed.nbib embase.ris scopus.csv --out dedup/"),
        (["review"], "metareview review import embase.ris --database Embase --date 2024-02-01"),
        (["search", "pubmed"], 'metareview search pubmed "aspirin[ti] AND stroke[ti]" --out pubmed.txt'),
    ],
)
def test_help_has_examples_kept_on_one_line(command, example):
    res = CliRunner().invoke(build_app(), [*command, "--help"], terminal_width=80)
    assert res.exit_code == 0, res.output
    assert "Examples:" in res.output or "step by step" in res.output
    assert example in res.output  # not re-wrapped across lines


@pytest.mark.parametrize("command", [["pool"], ["effects"], ["plot", "forest"], ["records"],
                                     ["review", "import"]])
def test_file_argument_is_called_file(command):
    res = CliRunner().invoke(build_app(), [*command, "--help"], terminal_width=80)
    assert res.exit_code == 0
    assert "FILE" in res.output.splitlines()[0]
