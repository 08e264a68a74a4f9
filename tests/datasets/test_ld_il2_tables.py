"""Analysis-ready tables: SMCR direction, median conversions checked by hand, one timepoint per
study, and every row of the data either in a table or listed as excluded with a reason."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from metareview.datasets.ld_il2 import analysis_tables, load_ld_il2
from metareview.errors import InputError


@pytest.fixture(scope="module")
def tables():
    return analysis_tables()


def test_smcr_inputs_are_post_minus_pre_over_pre_sd(tables) -> None:
    treg = tables.continuous["Treg"].set_index("row")
    # row 14, Shanxi RA Treg: "18.67 (14.08) before, 78.55 (44.67) after"
    r = treg.loc[14]
    assert (r["m1i"], r["m2i"], r["sd1i"], r["sd2i"], r["ni"]) == (78.55, 18.67, 14.08, 44.67, 26)
    assert (r["post_mean"], r["pre_mean"], r["pre_sd"], r["post_sd"]) == (78.55, 18.67, 14.08,
                                                                          44.67)
    assert not r["converted"] and r["conversion"] == ""


def test_median_iqr_row_converted_by_hand(tables) -> None:
    """Hao 2020 PsA Th17 (studies.csv row 23), n = 22, pre median 6.3 (IQR 2.3 to 11.5),
    post median 10.1 (IQR 7.0 to 20.0).

    Luo et al. 2018 (Stat Methods Med Res 27:1785, eq. 11), scenario S3:
        w = 0.7 + 0.39 / n,  mean = w (q1 + q3) / 2 + (1 - w) m
    Wan et al. 2014 (BMC Med Res Methodol 14:135, eq. 15):
        sd = (q3 - q1) / eta(n),  eta(n) = 2 Phi^-1((0.75 n - 0.125) / (n + 0.25))
    """
    n = 22
    w = 0.7 + 0.39 / n                                   # 0.717727...
    eta = 2 * norm.ppf((0.75 * n - 0.125) / (n + 0.25))  # 2 Phi^-1(16.375 / 22.25)
    pre_mean = w * (2.3 + 11.5) / 2 + (1 - w) * 6.3
    post_mean = w * (7.0 + 20.0) / 2 + (1 - w) * 10.1
    pre_sd = (11.5 - 2.3) / eta
    post_sd = (20.0 - 7.0) / eta
    assert pre_mean == pytest.approx(6.730636, abs=1e-6)   # 4.952318 + 1.778318
    r = tables.continuous["Th17"].set_index("row").loc[23]
    assert r["m2i"] == pytest.approx(pre_mean, rel=1e-12)
    assert r["m1i"] == pytest.approx(post_mean, rel=1e-12)
    assert r["sd1i"] == pytest.approx(pre_sd, rel=1e-12)   # the standardiser: the pre SD
    assert r["sd2i"] == pytest.approx(post_sd, rel=1e-12)
    assert r["converted"]
    assert "Luo et al. 2018" in r["conversion"] and "Wan et al. 2014" in r["conversion"]


def test_median_range_row_and_wan_method() -> None:
    """He 2020 SELENA-SLEDAI week 12 (row 1), n = 29: pre 12 (8 to 27), post 6 (0 to 16).

    With method="wan" (Wan et al. 2014, eq. 2 and 7), scenario S1:
        mean = (a + 2 m + b) / 4,  sd = (b - a) / xi(n),
        xi(n) = 2 Phi^-1((n - 0.375) / (n + 0.25))
    """
    n = 29
    xi = 2 * norm.ppf((n - 0.375) / (n + 0.25))
    t = analysis_tables(median_method="wan").continuous["SELENA-SLEDAI"].set_index("row")
    r = t.loc[1]
    assert r["m2i"] == pytest.approx((8 + 2 * 12 + 27) / 4, rel=1e-12)    # 14.75
    assert r["m1i"] == pytest.approx((0 + 2 * 6 + 16) / 4, rel=1e-12)     # 7.0
    assert r["sd1i"] == pytest.approx((27 - 8) / xi, rel=1e-12)
    assert r["sd2i"] == pytest.approx((16 - 0) / xi, rel=1e-12)
    # the default (Luo et al. 2018, eq. 7): w = 4 / (4 + n^0.75), mean = w (a + b) / 2 + (1 - w) m
    w = 4 / (4 + n**0.75)
    luo = analysis_tables().continuous["SELENA-SLEDAI"].set_index("row").loc[1]
    assert luo["m2i"] == pytest.approx(w * (8 + 27) / 2 + (1 - w) * 12, rel=1e-12)


def test_one_timepoint_per_study_and_every_row_accounted_for(tables) -> None:
    in_tables = [r for t in (*tables.continuous.values(), *tables.counts.values())
                 for r in t["row"]]
    excluded = tables.excluded["row"].tolist()
    assert sorted(in_tables + excluded) == list(range(1, 36))   # nothing silently dropped
    assert excluded == [2, 9, 10, 25, 30, 31, 32, 33, 34]
    reasons = tables.excluded.set_index("row")["reason"]
    assert reasons[2].startswith("not the primary timepoint")      # SLEDAI week 24 follow-up
    assert reasons[25].startswith("cohort counted once")
    assert reasons[34].startswith("not analysable")                # only a percentage printed
    # He 2020 abstract: "The primary endpoint was the SLE Responder Index-4 (SRI-4) at week 12"
    assert tables.continuous["SELENA-SLEDAI"]["row"].tolist() == [1]


def test_outcome_sizes(tables) -> None:
    k = {name: len(t) for name, t in tables.continuous.items()}
    assert (k["Treg"], k["Th17"], k["Th17/Treg ratio"], k["DAS28"], k["CDASI"],
            k["BASDAI"]) == (4, 3, 2, 1, 1, 1)
    counts = tables.counts["injection-site reaction"]
    assert counts[["xi", "ni"]].to_numpy().tolist() == [[9, 29], [5, 40]]
    assert tables.conversions["row"].unique().tolist() == [1, 23, 24, 27]


def test_include_overlapping_keeps_both_iim_reports() -> None:
    t = analysis_tables(include_overlapping=True)
    assert t.continuous["CDASI"]["row"].tolist() == [25, 27]
    assert 25 not in t.excluded["row"].tolist()


def test_given_data_is_used() -> None:
    data = load_ld_il2(include_overlapping=True)
    data = data[data["analysis_outcome"] == "Treg"]
    t = analysis_tables(data)
    assert list(t.continuous) == ["Treg"] and not t.counts


def test_bad_median_method() -> None:
    with pytest.raises(InputError, match="column median_method"):
        analysis_tables(median_method="hozo")


def test_missing_n_names_the_studies_row() -> None:
    data = load_ld_il2(include_overlapping=True)
    data.loc[data["row"] == 19, "n"] = math.nan
    with pytest.raises(InputError, match=r"ld_il2_studies.csv, row 19, column n"):
        analysis_tables(data)


def test_impossible_quartile_names_the_studies_row() -> None:
    data = load_ld_il2(include_overlapping=True)
    data.loc[data["row"] == 24, "pre_q1"] = 40.0     # above the median 26.8
    with pytest.raises(InputError) as err:
        analysis_tables(data)
    assert (err.value.file, err.value.row, err.value.column) == ("ld_il2_studies.csv", [24],
                                                                 "note")
