"""Data tables as users really save them, through `metareview pool` and `metareview effects`.

Each user's mistake must end in one line on stderr, ``error: FILE, row R, column C: ... (fix)``,
exit status 2, and no output file. Expected pooled values are hand computations written out
below (common-effect model: estimate = sum(yi/vi) / sum(1/vi)).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from metareview.cli import main

BCG = Path(__file__).resolve().parent / "data" / "bcg.csv"

# yi = 0.1, 0.3, -0.1 and vi = 0.02, 0.05, 0.04: weights 50, 20, 25, so the common-effect
# estimate is (50*0.1 + 20*0.3 - 25*0.1) / 95 = 8.5 / 95
EE_ESTIMATE = 8.5 / 95


def _fail(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert captured.err.startswith("error: ")
    assert "Traceback" not in captured.err
    return captured.err


def _pool_json(path: Path, capsys) -> dict:
    main(["pool", str(path), "--method", "EE", "--json"])
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("bom.csv", b"\xef\xbb\xbfstudy,yi,vi\nA,0.1,0.02\nB,0.3,0.05\nC,-0.1,0.04\n"),
        ("semicolon.csv", b"study;yi;vi\nA;0.1;0.02\nB;0.3;0.05\nC;-0.1;0.04\n"),
        # Excel in much of Europe: semicolons between cells, decimal commas
        ("excel_eu.csv", b"study;yi;vi\nA;0,1;0,02\nB;0,3;0,05\nC;-0,1;0,04\n"),
        ("windows.csv", b"study,yi,vi\r\nA,0.1,0.02\r\nB,0.3,0.05\r\nC,-0.1,0.04\r\n"),
        ("utf16.csv", "study\tyi\tvi\nA\t0.1\t0.02\nB\t0.3\t0.05\nC\t-0.1\t0.04\n".encode("utf-16")),
    ],
)
def test_tables_as_saved_by_spreadsheets_are_read(tmp_path, capsys, name, raw):
    f = tmp_path / name
    f.write_bytes(raw)
    out = _pool_json(f, capsys)
    assert out["k"] == 3
    assert [s["slab"] for s in out["studies"]] == ["A", "B", "C"]
    assert out["estimate"] == pytest.approx(EE_ESTIMATE, rel=1e-12)


def test_empty_file(tmp_path, capsys):
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}: the file is empty (0 bytes) "
        "(save the table again: a header row, then one row per study)\n"
    )


def test_header_only(tmp_path, capsys):
    f = tmp_path / "header.csv"
    f.write_text("study,yi,vi\n")
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}: has no data rows (add one row per study below the header row)\n"
    )


def test_folder_instead_of_file(tmp_path, capsys):
    assert _fail(["effects", str(tmp_path), "-m", "RR"], capsys) == (
        f"error: {tmp_path}: is a folder, not a data file "
        "(give the path of a .csv, .tsv or .xlsx file inside it)\n"
    )


def test_windows_1252_accents_name_line_and_character(tmp_path, capsys):
    f = tmp_path / "cp1252.csv"
    f.write_bytes("study,yi,vi\nMüller 2001,0.1,0.02\nB,0.3,0.05\n".encode("cp1252"))
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}, line 2: is not UTF-8 text: byte 0xfc at character 2 (probably 'ü' saved as "
        "Windows-1252/Latin-1) (save the file as 'CSV UTF-8' (Excel: Save As > CSV UTF-8) and try again)\n"
    )


def test_text_in_a_numeric_column_names_row_and_column(tmp_path, capsys):
    f = tmp_path / "text.csv"
    f.write_text("study,yi,vi\nA,0.1,0.02\nB,12.5 (3.1),0.05\nC,-0.1,0.04\n")
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}, row 2, column yi: must hold a number (got '12.5 (3.1)') "
        "(one number per cell: no text, units, brackets or thousands separators)\n"
    )


def test_duplicate_study_labels_are_refused(tmp_path, capsys):
    f = tmp_path / "dup.csv"
    f.write_text("study,yi,vi\nA,0.1,0.02\nB,0.3,0.05\nA,-0.1,0.04\n")
    for argv in (["pool", str(f)], ["effects", str(f), "-m", "RR"]):
        assert _fail(argv, capsys) == (
            f"error: {f}, rows 1, 3, column study: the study label 'A' repeats "
            "(give every study a distinct label, e.g. 'Smith 2001a', 'Smith 2001b')\n"
        )


def test_repeated_column_name_is_refused(tmp_path, capsys):
    f = tmp_path / "twice.csv"
    f.write_text("study,yi,vi,yi\nA,0.1,0.02,0.2\n")
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}, line 1, column yi: the column name 'yi' appears twice (columns 2 and 4) "
        "(rename or remove one of them)\n"
    )


def test_column_typo_suggests_the_right_name(tmp_path, capsys):
    f = tmp_path / "typo.csv"
    f.write_text("study,m1i,sd1,n1i,m2i,sd2i,n2i\nA,10,2,20,9,2,20\nB,11,3,30,10,3,30\n")
    expected = (
        f"error: {f}, column sd1i: cannot compute SMD: need m1i, sd1i, n1i, m2i, sd2i, n2i; "
        "missing: sd1i (rename 'sd1' -> 'sd1i'; the file has: study, m1i, sd1, n1i, m2i, sd2i, n2i)\n"
    )
    assert _fail(["pool", str(f), "--measure", "SMD"], capsys) == expected
    assert _fail(["effects", str(f), "--measure", "SMD"], capsys) == expected


def test_negative_sd_and_events_above_n(tmp_path, capsys):
    f = tmp_path / "negsd.csv"
    f.write_text("study,m1i,sd1i,n1i,m2i,sd2i,n2i\nA,10,2,20,9,2,20\nB,11,-3,30,10,3,30\n")
    err = _fail(["effects", str(f), "-m", "SMD"], capsys)
    assert err.startswith(f"error: {f}, row 2, column sd1i: sd1i must be positive (got -3)")
    g = tmp_path / "events.csv"
    g.write_text("study,ai,n1i,ci,n2i\nA,5,20,3,20\nB,25,20,4,30\n")
    err = _fail(["pool", str(g), "--measure", "RR"], capsys)
    assert err.startswith(f"error: {g}, row 2, column ai: ai (events) is larger than n1i")


def test_effects_takes_labels_from_the_study_column(capsys):
    main(["effects", str(BCG), "--measure", "RR"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "slab,yi,vi,sei,ni,measure"
    # Aronson 1948: log((4/123) / (11/139)) = -0.889311..., vi = 1/4 - 1/123 + 1/11 - 1/139
    slab, yi, vi = lines[1].split(",")[:3]
    assert slab == "Aronson 1948"
    assert float(yi) == pytest.approx(-0.8893113339, rel=1e-9)
    assert float(vi) == pytest.approx(1 / 4 - 1 / 123 + 1 / 11 - 1 / 139, rel=1e-12)


@pytest.mark.parametrize("option", ["--out", "--log"])
def test_effects_output_in_a_missing_folder_is_refused_first(tmp_path, capsys, option):
    target = tmp_path / "nodir" / "e.csv"
    err = _fail(["effects", str(BCG), "-m", "RR", option, str(target)], capsys)
    assert err == (
        f"error: {target}, column {option}: the folder '{target.parent}' does not exist "
        "(create it first (mkdir) or write somewhere else)\n"
    )


def test_failed_effects_leaves_no_output(tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_text("study,ai,bi,ci,di\nA,4,119,11,128\nB,x,300,29,274\n")
    out = tmp_path / "e.csv"
    err = _fail(["effects", str(f), "-m", "RR", "--out", str(out)], capsys)
    assert err.startswith(f"error: {f}, row 2, column ai: ai must be a number (got 'x')")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--vtype", "XX"], "error: column --vtype: vtype XX is not available for RR; choose one of LS\n"),
        (["--to", "foo"], "error: column --to: to='foo' is not one of only0, all, if0all, none\n"),
        (["--slab", "name"], f"error: {BCG}, column --slab: there is no column 'name' for the study "
                             "labels (the file has: study, ai, bi, ci, di, alloc)\n"),
    ],
)
def test_effects_option_mistakes_name_the_option(capsys, args, expected):
    assert _fail(["effects", str(BCG), "-m", "RR", *args], capsys) == expected


def test_subgroup_and_cumulative_columns(tmp_path, capsys):
    f = tmp_path / "sg.csv"
    f.write_text("study,yi,vi,grp,year\nA,0.1,0.02,x,2001\nB,0.3,0.05,,2003\nC,-0.1,0.04,y,19x9\n")
    for argv in (["pool", str(f), "--subgroup", "grp"],
                 ["plot", "forest", str(f), "--subgroup", "grp", "--out", str(tmp_path / "f.png")]):
        assert _fail(argv, capsys) == (
            f"error: {f}, row 2, column grp: subgroup label is missing "
            "(give every study a subgroup, or leave it out)\n"
        )
    assert _fail(["pool", str(f), "--cumulative", "year"], capsys) == (
        f"error: {f}, row 3, column year: must hold a number (got '19x9') "
        "(one number per cell: no text, units, brackets or thousands separators)\n"
    )
    assert _fail(["pool", str(f), "--cumulative", "grp"], capsys) == (
        f"error: {f}, row 2, column grp: is empty, so the study has no place in the cumulative order "
        "(fill in every study's value (e.g. its publication year))\n"
    )
    assert not (tmp_path / "f.png").exists()


def test_cumulative_follows_the_numeric_year(tmp_path, capsys):
    f = tmp_path / "cum.csv"
    # years sort 2001 (A), 2002 (C), 2010 (B); as text "2010" would still sort last, but
    # "999" must come first: numbers are compared as numbers
    f.write_text("study,yi,vi,year\nA,0.1,0.02,2001\nB,0.3,0.05,2010\nC,-0.1,0.04,999\n")
    main(["pool", str(f), "--method", "EE", "--cumulative", "year", "--json"])
    rows = json.loads(capsys.readouterr().out)["cumulative"]
    assert [r["slab"] for r in rows] == ["C", "A", "B"]
    # C alone: -0.1; C and A: (25 * -0.1 + 50 * 0.1) / 75 = 2.5 / 75; all three: 8.5 / 95
    assert [r["estimate"] for r in rows] == pytest.approx([-0.1, 2.5 / 75, EE_ESTIMATE], rel=1e-12)


def test_csv_renamed_to_xlsx(tmp_path, capsys):
    f = tmp_path / "data.xlsx"
    f.write_text("study,yi,vi\nA,0.1,0.02\n")
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}: is named .xlsx but is not an Excel workbook "
        "(if it is a CSV or text table, rename it to .csv)\n"
    )


def test_excel_workbook_with_text_cell(tmp_path, capsys):
    import pandas as pd

    f = tmp_path / "data.xlsx"
    pd.DataFrame({"study": ["A", "B", "C"], "yi": [0.1, "0.3 (0.1)", -0.1],
                  "vi": [0.02, 0.05, 0.04]}).to_excel(f, index=False)
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}, row 2, column yi: must hold a number (got '0.3 (0.1)') "
        "(one number per cell: no text, units, brackets or thousands separators)\n"
    )


def test_short_measure_option_everywhere(tmp_path, capsys):
    main(["pool", str(BCG), "-m", "RR", "--json"])
    # metafor: rma(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)
    assert json.loads(capsys.readouterr().out)["estimate"] == pytest.approx(-0.7145323422, rel=1e-6)
    main(["plot", "funnel", str(BCG), "-m", "RR", "--out", str(tmp_path / "f.pdf")])
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


def test_a_failed_write_leaves_nothing_and_is_one_error(tmp_path):
    from metareview.errors import InputError
    from metareview.io import atomic_output

    target = tmp_path / "out.csv"
    with pytest.raises(InputError) as err, atomic_output(target) as tmp:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")
    assert str(err.value) == (
        f"{target}, column --out: cannot be written: No space left on device "
        "(check the folder exists, is writable and has space)"
    )
    assert list(tmp_path.iterdir()) == []


def test_effects_then_pool_keeps_labels_and_measure(tmp_path, capsys):
    eff = tmp_path / "yi_vi.csv"
    main(["effects", str(BCG), "--measure", "RR", "--out", str(eff)])
    assert capsys.readouterr().err == f"wrote 13 effect sizes (RR) to {eff}\n"
    main(["pool", str(eff), "--json"])
    out = json.loads(capsys.readouterr().out)
    # metafor 3.8.1: rma(escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg))
    assert out["measure"] == "RR"
    assert out["estimate"] == pytest.approx(-0.7145323422, rel=1e-6)
    assert out["studies"][0]["slab"] == "Aronson 1948"


def test_undefined_subgroup_i2_shows_a_dash(capsys):
    main(["pool", str(BCG), "-m", "RR", "--subgroup", "alloc", "--tau2", "common"])
    text = capsys.readouterr().out
    assert "nan" not in text
    assert "Test for subgroup differences" in text


def test_capitalised_study_column_gives_the_labels(tmp_path, capsys):
    f = tmp_path / "caps.csv"
    f.write_text("Study,yi,vi\nSmith 2001,0.1,0.02\nJones 2003,0.3,0.05\nLee 2005,-0.1,0.04\n")
    out = _pool_json(f, capsys)
    assert [s["slab"] for s in out["studies"]] == ["Smith 2001", "Jones 2003", "Lee 2005"]
    assert out["estimate"] == pytest.approx(EE_ESTIMATE, rel=1e-12)


def test_medians_without_prepare_point_to_it_and_prepare_converts(tmp_path, capsys):
    f = tmp_path / "med.csv"
    f.write_text("study,median1i,q1_1i,q3_1i,n1i,m2i,sd2i,n2i\nA,10,8,13,30,9,2.5,30\n")
    err = _fail(["effects", str(f), "-m", "SMD"], capsys)
    assert err == (
        f"error: {f}, column m1i: cannot compute SMD: need m1i, sd1i, n1i, m2i, sd2i, n2i; missing: "
        "m1i, sd1i (name the columns like metafor's arguments; the file has: study, median1i, q1_1i, "
        "q3_1i, n1i, m2i, sd2i, n2i; medians, IQRs, ranges, SEs or CIs are converted with --prepare "
        "(metareview effects))\n"
    )
    main(["effects", str(f), "-m", "smd", "--prepare"])  # measure codes in any case
    captured = capsys.readouterr()
    slab, yi = captured.out.splitlines()[1].split(",")[:2]
    # by hand: Luo et al. (2018) mean w*(q1+q3)/2 + (1-w)*median, w = 0.7 + 0.39/n;
    # Wan et al. (2014) SD (q3-q1) / (2 * Phi^-1((0.75n - 0.125)/(n + 0.25)));
    # Hedges' g with the exact correction J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), m = 58
    from math import exp, lgamma, log, sqrt

    from scipy.stats import norm

    n = 30
    w = 0.7 + 0.39 / n
    mean = w * (8 + 13) / 2 + (1 - w) * 10
    sd = (13 - 8) / (2 * norm.ppf((0.75 * n - 0.125) / (n + 0.25)))
    sp = sqrt(((n - 1) * sd**2 + 29 * 2.5**2) / 58)
    j = exp(lgamma(29) - 0.5 * log(29) - lgamma(28.5))
    assert slab == "A"
    assert float(yi) == pytest.approx((mean - 9) / sp * j, rel=1e-10)
    assert "2 conversion(s) applied" in captured.err


def test_one_study_warns_in_one_line_and_follow_ups_say_not_applicable(tmp_path, capsys):
    f = tmp_path / "k1.csv"
    f.write_text("study,yi,vi\nA,0.1,0.02\n")
    main(["pool", str(f), "--json", "--leave-one-out", "--influence"])
    captured = capsys.readouterr()
    assert captured.err == ("warning: k = 1: tau^2 cannot be estimated and is set to 0; the result "
                            "is the single study's estimate\n")
    out = json.loads(captured.out)
    # a single study: the estimate is its yi, the standard error sqrt(vi)
    assert out["estimate"] == pytest.approx(0.1, rel=1e-12)
    assert out["se"] == pytest.approx(0.02**0.5, rel=1e-12)
    assert out["leave_one_out"] == {
        "not_applicable": "leave-one-out needs at least 2 studies; this model has k = 1"}
    assert set(out["influence"]) == {"not_applicable"}
    main(["plot", "forest", str(f), "--out", str(tmp_path / "k1.png")])
    assert capsys.readouterr().err.startswith("warning: k = 1: tau^2 cannot be estimated")


def test_read_only_output_folder_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    import os

    folder = tmp_path / "locked"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == folder else real_access(p, mode))
    target = folder / "e.csv"
    assert _fail(["effects", str(BCG), "-m", "RR", "--out", str(target)], capsys) == (
        f"error: {target}, column --out: the folder '{folder}' is not writable "
        "(write somewhere you have permission to)\n"
    )
    assert list(folder.iterdir()) == []


def test_brackets_in_names_and_labels_are_printed_as_written(tmp_path, capsys):
    f = tmp_path / "trial[bold].csv"
    f.write_text("study,yi,vi\n[red]A,0.1,0.02\nB [x],0.3,0.05\n")
    main(["pool", str(f)])
    out = capsys.readouterr().out
    assert f"{f}: 2 studies, yi/vi" in out
    assert "[red]A" in out and "B [x]" in out
    # the summary is one line, not wrapped at the terminal width; by hand (tau^2 = 0 here):
    # estimate (50*0.1 + 20*0.3)/70 = 0.1571, se 1/sqrt(70) = 0.1195, p = 2*(1 - Phi(1.3148)) = 0.1886
    assert any(line.startswith("Random-effects model (REML, test z): estimate") and line.endswith(
        "p 0.1886") for line in out.splitlines())


def test_output_over_the_input_is_refused(tmp_path, capsys):
    f = tmp_path / "trials.csv"
    f.write_bytes(BCG.read_bytes())
    for option in ("--out", "--log"):
        assert _fail(["effects", str(f), "-m", "RR", option, str(f)], capsys) == (
            f"error: {f}, column {option}: is also the input file: writing it would destroy the data "
            "(choose another output name)\n"
        )
    assert f.read_bytes() == BCG.read_bytes()


@pytest.mark.parametrize(
    ("args", "option"),
    [(["--subgroup", "grp"], "--subgroup"), (["--leave-one-out"], "--leave-one-out"),
     (["--bias"], "--bias"), (["--test", "knha"], "--test"), (["--measure", "OR"], "--measure")],
)
def test_glmm_refuses_options_it_would_ignore(tmp_path, capsys, args, option):
    f = tmp_path / "props.csv"
    f.write_text("study,xi,ni,grp\nA,5,50,a\nB,10,80,a\nC,3,40,b\n")
    assert _fail(["pool", str(f), "--method", "GLMM", *args], capsys) == (
        f"error: column {option}: {option} is not available with --method GLMM (the binomial-normal "
        "model pools proportions (logit) from xi and ni; drop the option, or use --measure PLO with "
        "another method)\n"
    )


def test_tau2_without_subgroup_is_refused(tmp_path, capsys):
    for argv in (["pool", str(BCG), "-m", "RR", "--tau2", "common"],
                 ["plot", "forest", str(BCG), "-m", "RR", "--tau2", "common", "--out", str(tmp_path / "f.png")]):
        assert _fail(argv, capsys) == (
            "error: column --tau2: --tau2 only applies with --subgroup (add --subgroup COLUMN, or drop --tau2)\n"
        )
    assert _fail(["pool", str(BCG), "-m", "RR", "--subgroup", "alloc", "--tau2", "both"], capsys) == (
        "error: column --tau2: tau2 must be 'separate' or 'common', got 'both'\n"
    )


def test_median_method_without_prepare_is_refused(capsys):
    assert _fail(["effects", str(BCG), "-m", "RR", "--median-method", "wan"], capsys) == (
        "error: column --median-method: --median-method only applies with --prepare (add --prepare "
        "to convert medians and IQRs/ranges, or drop --median-method)\n"
    )


def test_empty_rows_below_the_table_are_named(tmp_path, capsys):
    f = tmp_path / "trail.csv"
    f.write_text("study,yi,vi\nA,0.1,0.02\nB,0.3,0.05\n,,\n,,\n")
    assert _fail(["pool", str(f)], capsys) == (
        f"error: {f}, rows 3, 4: these rows are empty (delete the empty rows (or fill them in) and save again)\n"
    )


def test_an_empty_study_label_is_named(tmp_path, capsys):
    f = tmp_path / "nolabel.csv"
    f.write_text("study,yi,vi\nA,0.1,0.02\n,0.3,0.05\nC,0.2,0.03\n")
    for argv in (["pool", str(f)], ["effects", str(f), "-m", "RR"]):
        assert _fail(argv, capsys) == (
            f"error: {f}, row 2, column study: the study label is empty (give every study a label)\n"
        )
