"""`metareview plot forest|funnel`: files written, sizes that follow the content, one-line errors.

Data: tests/cli/data/bcg.csv (dat.bcg, Colditz et al. 1994, JAMA 271:698; 13 trials with
columns ai, bi, ci, di, alloc).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from metareview.cli import build_app, main

BCG = Path(__file__).resolve().parent / "data" / "bcg.csv"


def run(*args: str):
    return CliRunner().invoke(build_app(), list(args))


def _png_size(path: Path) -> tuple[int, int, float]:
    from PIL import Image

    with Image.open(path) as im:
        return im.size[0], im.size[1], float(im.info["dpi"][0])


def test_forest_png_and_subgroups(tmp_path):
    plain = tmp_path / "forest.png"
    res = run("plot", "forest", str(BCG), "--measure", "RR", "--out", str(plain))
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"wrote {plain}"
    sub = tmp_path / "forest_sub.png"
    res = run("plot", "forest", str(BCG), "--measure", "RR", "--subgroup", "alloc", "--style", "bmj",
              "--out", str(sub))  # fmt: skip
    assert res.exit_code == 0, res.output
    w1, h1, dpi = _png_size(plain)
    w2, h2, _ = _png_size(sub)
    assert round(dpi) == 300
    # plain: 13 studies, blank, overall, PI, heterogeneity, test = 18 rows; subgroups: 3 blocks
    # of (header, studies, subtotal, heterogeneity, blank) = 25, then overall, PI,
    # heterogeneity, test, subgroup test = 30 rows: 12 more rows of 8 pt x 1.6 at 300 dpi
    assert h2 - h1 == pytest.approx(12 * 12.8 / 72 * 300, abs=3)
    fav = tmp_path / "forest_fav.png"
    res = run("plot", "forest", str(BCG), "--measure", "RR", "--favours-left", "Favours vaccine",
              "--favours-right", "Favours control", "--out", str(fav))  # fmt: skip
    assert res.exit_code == 0, res.output
    # the favours labels add one line of 8 pt x 1.8 under the axis
    assert _png_size(fav)[1] - h1 == pytest.approx(8 * 1.8 / 72 * 300, abs=3)


def test_forest_fewer_studies_is_shorter(tmp_path):
    few = tmp_path / "few.csv"
    few.write_text("".join(BCG.read_text(encoding="utf-8").splitlines(keepends=True)[:5]), encoding="utf-8")
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert run("plot", "forest", str(BCG), "--measure", "RR", "--out", str(a)).exit_code == 0
    assert run("plot", "forest", str(few), "--measure", "RR", "--out", str(b)).exit_code == 0
    # 13 versus 4 studies: 9 rows of 12.8 pt at 300 dpi
    assert _png_size(a)[1] - _png_size(b)[1] == pytest.approx(9 * 12.8 / 72 * 300, abs=3)


def test_forest_svg_is_reproducible_and_columns_and_flags(tmp_path):
    data = tmp_path / "bcg_flag.csv"
    lines = BCG.read_text(encoding="utf-8").splitlines()
    body = [lines[0] + ",note"] + [ln + (",converted from median" if i == 1 else ",") for i, ln in enumerate(lines[1:])]
    data.write_text("\n".join(body) + "\n", encoding="utf-8")
    outs = []
    for name in ("a.svg", "b.svg"):
        out = tmp_path / name
        res = run("plot", "forest", str(data), "--measure", "RR", "--columns", "ai,ci",
                  "--flag-column", "note", "--out", str(out))  # fmt: skip
        assert res.exit_code == 0, res.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].startswith(b"<?xml")


def test_funnel_with_trimfill_pdf(tmp_path):
    out = tmp_path / "funnel.pdf"
    res = run("plot", "funnel", str(BCG), "--measure", "RR", "--trimfill", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:5] == b"%PDF-"


def test_help_lists_both_commands():
    res = run("plot", "--help")
    assert res.exit_code == 0
    assert "forest" in res.output and "funnel" in res.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--subgroup", "region"], "bcg.csv, column region: missing column region"),
        (["--columns", "n1i"], "bcg.csv, column n1i: missing column n1i"),
        (["--style", "nature"], "error: column --style: unknown style 'nature'"),
    ],
)
def test_user_mistakes_are_one_line_exit_2(tmp_path, capsys, args, expected):
    with pytest.raises(SystemExit) as exc:
        main(["plot", "forest", str(BCG), "--measure", "RR", *args, "--out", str(tmp_path / "f.png")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err


def test_bad_extension_names_the_output_file(tmp_path, capsys):
    target = tmp_path / "forest.jpg"
    with pytest.raises(SystemExit) as exc:
        main(["plot", "funnel", str(BCG), "--measure", "RR", "--out", str(target)])
    assert exc.value.code == 2
    assert capsys.readouterr().err == (
        f"error: {target}, column --out: cannot write a figure as '.jpg' (use a .png, .svg or .pdf file name)\n"
    )


def test_out_in_a_missing_folder_is_refused_before_any_work(tmp_path, capsys):
    target = tmp_path / "figs" / "forest.png"
    with pytest.raises(SystemExit) as exc:
        main(["plot", "forest", str(BCG), "--measure", "RR", "--out", str(target)])
    assert exc.value.code == 2
    assert capsys.readouterr().err == (
        f"error: {target}, column --out: the folder '{target.parent}' does not exist "
        "(create it first (mkdir) or write somewhere else)\n"
    )
    assert not (tmp_path / "figs").exists()


def test_failed_plot_leaves_no_file_behind(tmp_path, capsys):
    target = tmp_path / "forest.png"
    with pytest.raises(SystemExit) as exc:
        main(["plot", "forest", str(BCG), "--measure", "RR", "--style", "nature", "--out", str(target)])
    assert exc.value.code == 2
    assert list(tmp_path.iterdir()) == []


def test_success_writes_only_the_figure(tmp_path, capsys):
    target = tmp_path / "funnel.svg"
    main(["plot", "funnel", str(BCG), "--measure", "RR", "--out", str(target)])
    assert capsys.readouterr().out == f"wrote {target}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["funnel.svg"]  # no temporary file left
    assert target.read_text().lstrip().startswith("<?xml")
