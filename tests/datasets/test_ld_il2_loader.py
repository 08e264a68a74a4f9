"""The LD-IL-2 loader: every row and number kept with its provenance, notes parsed, the
counted-once rule applied from the data, and errors that name file, row and column."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from metareview.datasets import DATA_DIR, list_datasets, load_bcg, load_ld_il2
from metareview.datasets import ld_il2 as mod
from metareview.errors import InputError

NUMERIC = ("n", "pre_mean", "pre_sd", "post_mean", "post_sd", "events", "total")


def _raw(shared_dir: Path) -> list[dict[str, str]]:
    with open(shared_dir / "data" / "ld_il2" / "studies.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_shipped_copy_is_verbatim(shared_dir: Path) -> None:
    shipped = (DATA_DIR / "ld_il2_studies.csv").read_bytes()
    assert shipped == (shared_dir / "data" / "ld_il2" / "studies.csv").read_bytes()
    readme = (DATA_DIR / "ld_il2_source_README.md").read_bytes()
    assert readme == (shared_dir / "data" / "ld_il2" / "README.md").read_bytes()


def test_row_counts() -> None:
    assert len(load_ld_il2(include_overlapping=True)) == 35
    assert len(load_ld_il2()) == 34


def test_every_number_and_provenance_kept(shared_dir: Path) -> None:
    raw = _raw(shared_dir)
    df = load_ld_il2(include_overlapping=True)
    assert df["row"].tolist() == list(range(1, 36))
    for i, r in enumerate(raw):
        got = df.iloc[i]
        for col in ("study_id", "outcome", "timepoint", "source_url", "source_location", "note",
                    "dose_regimen", "stat_form", "unit"):
            assert got[col] == r[col], (i + 1, col)
        for col in NUMERIC:
            if r[col] == "":
                assert np.isnan(got[col]), (i + 1, col)
            else:
                assert got[col] == float(r[col]), (i + 1, col)
    assert (df["source_url"].str.startswith("http")).all()
    assert (df["source_location"] != "").all()


def test_note_quartiles_and_ranges_parsed() -> None:
    df = load_ld_il2(include_overlapping=True).set_index("row")
    # row 23 (Hao 2020 PsA Th17): "pre_q1=2.3;pre_q3=11.5;post_q1=7.0;post_q3=20.0; Wilcoxon ..."
    assert df.loc[23, ["pre_q1", "pre_q3", "post_q1", "post_q3"]].tolist() == [2.3, 11.5, 7.0,
                                                                               20.0]
    assert np.isnan(df.loc[23, "pre_min"])
    # row 1 (He 2020 SLEDAI wk 12): "pre_min=8;pre_max=27;post_min=0;post_max=16. Values ..."
    assert df.loc[1, ["pre_min", "pre_max", "post_min", "post_max"]].tolist() == [8, 27, 0, 16]
    # row 27 (Miao 2021 CDASI): "...(presumably IQR): pre_q1=4.5;pre_q3=13;post_q1=0;post_q3=7."
    assert df.loc[27, ["pre_q1", "pre_q3", "post_q1", "post_q3"]].tolist() == [4.5, 13, 0, 7]
    mean_sd = df["stat_form"] == "mean_sd"
    assert df.loc[mean_sd, ["pre_q1", "pre_min"]].isna().all().all()


def test_counted_once_rule_drops_exactly_the_possible_duplicate() -> None:
    everything = load_ld_il2(include_overlapping=True)
    counted = load_ld_il2()
    dropped = sorted(set(everything["row"]) - set(counted["row"]))
    # The only row whose note names another report of the same cohort that is ALSO in the
    # data: row 25, "Possible overlap with Miao 2021 (Peking, n=18) -- check."
    assert dropped == [25]
    row25 = everything.set_index("row").loc[25]
    assert "Possible overlap with Miao 2021" in row25["note"]
    assert row25["cohort"] == everything.set_index("row").loc[27, "cohort"]
    # README: He 2016 (conference n=40, journal n=38), the PsA cohort (thesis, journal, EULAR)
    # and the 26-patient RA cohort are reported more than once; only one report of each is in
    # the data, so each keeps all its rows and forms a single cohort.
    for prefix, rows in (("He 2016", [11, 12]), ("Hao 2020", [23, 24]),
                         ("Shanxi RA", [13, 14, 15, 16, 17, 18])):
        part = counted[counted["study_id"].str.startswith(prefix)]
        assert part["row"].tolist() == rows
        assert part["cohort"].nunique() == 1
    # Each cohort contributes at most one counted, primary-timepoint row to each outcome.
    prim = counted[counted["primary_timepoint"]]
    assert not prim.duplicated(["cohort", "analysis_outcome"]).any()


def test_secondary_sources_flagged_as_the_notes_say() -> None:
    df = load_ld_il2(include_overlapping=True)
    said = df["note"].str.contains("secondary source", case=False)
    assert df.loc[said, "row"].tolist() == [25, 26, 32]
    assert df.loc[df["secondary"], "row"].tolist() == [25, 26, 32]


def _dose_by_hand(text: str) -> str:
    if "0.5 MIU" in text and re.search(r"daily|per day", text) and "5 day" in text:
        return "0.5 MIU daily x5"
    if re.search(r"\b1 MIU\b", text) and re.search(r"every (other|second) day", text):
        return "1 MIU every other day"
    return "other"


def test_dose_and_disease_groups() -> None:
    df = load_ld_il2(include_overlapping=True).set_index("row")
    for row, r in df.iterrows():
        text = r["dose_regimen"]
        if text == "as above":  # row 31 repeats row 30's trial
            assert row == 31 and r["dose_group"] == df.loc[30, "dose_group"]
            continue
        assert r["dose_group"] == _dose_by_hand(text), row
    assert df.loc[33, "dose_group"] == "other"          # 1.5 MIU/day x 5 then weekly
    assert df.loc[[14, 19, 24, 26], "disease_group"].tolist() == ["RA", "AS", "PsA", "IIM"]


def _copy_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for p in DATA_DIR.iterdir():
        shutil.copy(p, tmp_path / p.name)
    monkeypatch.setattr(mod, "data_path", lambda name: tmp_path / name)
    return tmp_path


def _edit(path: Path, row: int, column: str, value: str) -> None:
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[row - 1][column] = value
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_non_number_names_file_row_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _copy_data(tmp_path, monkeypatch)
    _edit(d / "ld_il2_studies.csv", 14, "pre_sd", "14.08 cells")
    with pytest.raises(InputError) as err:
        mod.load_ld_il2()
    assert (err.value.file, err.value.row, err.value.column) == ("ld_il2_studies.csv", [14],
                                                                 "pre_sd")
    assert "ld_il2_studies.csv, row 14, column pre_sd" in str(err.value)


def test_missing_quartile_names_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _copy_data(tmp_path, monkeypatch)
    _edit(d / "ld_il2_studies.csv", 24, "note", "pre_q1=14.9;pre_q3=29.9;post_q1=36.5")
    with pytest.raises(InputError, match=r"row 24, column note: a median_iqr row needs post_q3"):
        mod.load_ld_il2()


def test_misaligned_companion_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _copy_data(tmp_path, monkeypatch)
    _edit(d / "ld_il2_cohorts.csv", 3, "study_id", "He 2021")
    with pytest.raises(InputError) as err:
        mod.load_ld_il2()
    assert (err.value.file, err.value.row, err.value.column) == ("ld_il2_cohorts.csv", [3],
                                                                 "study_id")


def test_bad_counted_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _copy_data(tmp_path, monkeypatch)
    _edit(d / "ld_il2_cohorts.csv", 25, "counted", "maybe")
    with pytest.raises(InputError, match=r"ld_il2_cohorts.csv, row 25, column counted"):
        mod.load_ld_il2()


def test_two_primary_timepoints_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = _copy_data(tmp_path, monkeypatch)
    _edit(d / "ld_il2_coding.csv", 2, "primary_timepoint", "true")  # He 2020 SLEDAI wk 12 and 24
    with pytest.raises(InputError, match=r"rows 1, 2, column primary_timepoint"):
        mod.load_ld_il2()


def test_bcg_matches_metadat() -> None:
    bcg = load_bcg()
    # metadat dat.bcg, trial 1: Aronson 1948, 4/119 vaccinated, 11/128 control, latitude 44
    first = bcg.iloc[0]
    assert (first["author"], first["year"], first["tpos"], first["tneg"], first["cpos"],
            first["cneg"], first["ablat"]) == ("Aronson", 1948, 4, 119, 11, 128, 44)
    # R: with(metadat::dat.bcg, sum(tpos + tneg + cpos + cneg)) gives 357347
    assert bcg[["tpos", "tneg", "cpos", "cneg"]].to_numpy().sum() == 357347


def test_list_datasets_files_exist() -> None:
    listing = list_datasets()
    assert listing["name"].tolist() == ["ld_il2", "bcg"]
    for files, prov in zip(listing["files"], listing["provenance"], strict=True):
        for name in [*files.split(", "), prov]:
            assert (DATA_DIR / name).is_file()


def test_published_numbers_transcribed_from_the_readme(shared_dir: Path) -> None:
    from metareview.datasets.ld_il2 import load_published

    readme = (shared_dir / "data" / "ld_il2" / "README.md").read_text()
    flat = " ".join(readme.split())
    pub = load_published()
    assert len(pub) == 15
    with open(DATA_DIR / "ld_il2_published.csv", newline="") as fh:
        raw = list(csv.DictReader(fh))
    for r in raw:
        if r["ci_lb"]:   # "SMD 0.50 | 0.33, 0.67" or "SMD -2.109 (-3.271, -0.947)"
            pattern = (rf"{re.escape(r['estimate'])}\s*(\||\()\s*{re.escape(r['ci_lb'])}, "
                       rf"{re.escape(r['ci_ub'])}")
            assert re.search(pattern, flat), r["statement"]
        elif r["estimate"] not in ("", "0"):   # "54.8%", "33.1%", "14.4%"
            assert f"{float(r['estimate']) * 100:.1f}%" in flat, r["statement"]
    assert "no serious adverse events" in flat


def test_unknown_data_file() -> None:
    from metareview.datasets import data_path

    with pytest.raises(InputError, match="no shipped data file named 'nope.csv'"):
        data_path("nope.csv")
