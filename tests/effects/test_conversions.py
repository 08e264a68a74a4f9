"""Conversions of reported statistics, checked against hand computations.

Quantiles used below were taken from R 4.2 (qnorm/qt), an implementation independent of ours:
  n = 50: xi(50)  = 2 qnorm((50 - 0.375) / 50.25)        = 4.4866575260925607
          eta(50) = 2 qnorm((0.75 * 50 - 0.125) / 50.25) = 1.310093015453383
  qt(0.975, 9) = 2.2621571627982049, qnorm(0.975) = 1.959963984540054,
  qt(0.995, 20) = 2.8453397097861082, qnorm(0.995) = 2.5758293035488999,
  qt(0.975, 24) = 2.0638985616280205.
No paper in the brief gives a worked numerical example that we could check against, so the
median-based estimators are checked by hand on one summary (n = 50, min 8, q1 15, median 20,
q3 27, max 45) with the formulas written out beside the numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

from metareview.effects import (
    combine_groups,
    mean_sd_from_median,
    ri_from_paired_p,
    ri_from_paired_t,
    ri_from_sd_change,
    sd_from_ci,
    sd_from_se,
    se_from_ci,
    se_from_p,
)
from metareview.errors import InputError

XI50 = 4.4866575260925607
ETA50 = 1.310093015453383
SUMMARY = {"min": 8.0, "q1": 15.0, "median": 20.0, "q3": 27.0, "max": 45.0, "n": 50}


def _one(method: str, keys: tuple[str, ...]) -> tuple[float, float]:
    res = mean_sd_from_median(**{k: [SUMMARY[k]] for k in keys}, method=method)
    return float(res.mean[0]), float(res.sd[0])


class TestMedianWan2014:
    """Wan et al. (2014), BMC Med Res Methodol 14:135: eqs. 2 (S1 mean), 10 (S2 mean),
    14 (S3 mean), 7 / 12 / 15 (SDs)."""

    def test_s1_median_range(self) -> None:
        mean, sd = _one("wan", ("median", "min", "max", "n"))
        assert mean == pytest.approx((8 + 2 * 20 + 45) / 4, rel=1e-12)  # 23.25
        assert sd == pytest.approx((45 - 8) / XI50, rel=1e-12)  # 8.2466735615150402

    def test_s3_median_iqr(self) -> None:
        mean, sd = _one("wan", ("median", "q1", "q3", "n"))
        assert mean == pytest.approx(62 / 3, rel=1e-12)
        assert sd == pytest.approx(12 / ETA50, rel=1e-12)  # 9.1596549698779732

    def test_s2_five_numbers(self) -> None:
        mean, sd = _one("wan", ("median", "q1", "q3", "min", "max", "n"))
        assert mean == pytest.approx((8 + 30 + 40 + 54 + 45) / 8, rel=1e-12)  # 22.125
        assert sd == pytest.approx(37 / (2 * XI50) + 12 / (2 * ETA50), rel=1e-12)  # 8.70316...


class TestMedianLuo2018:
    """Luo et al. (2018), Stat Methods Med Res 27(6):1785: eqs. 7 (S1), 15 (S2), 11 (S3)."""

    def test_s1(self) -> None:
        w = 4 / (4 + 50**0.75)  # 0.17541539653225974
        mean, sd = _one("luo_wan", ("median", "min", "max", "n"))
        assert mean == pytest.approx(21.140200077459689, rel=1e-12)
        assert mean == pytest.approx(w * 26.5 + (1 - w) * 20, rel=1e-12)
        assert sd == pytest.approx(8.2466735615150402, rel=1e-12)  # Wan's SD

    def test_s3(self) -> None:
        mean, _ = _one("luo_wan", ("median", "q1", "q3", "n"))
        assert mean == pytest.approx(0.7078 * 21 + 0.2922 * 20, rel=1e-12)  # 20.7078

    def test_s2(self) -> None:
        # w1 = 2.2 / (2.2 + 50^0.75) = 0.10474686378348352, w2 = 0.7 - 0.72 / 50^0.55
        #    = 0.61626654834311967; mean = w1 * 26.5 + w2 * 21 + (1 - w1 - w2) * 20
        mean, sd = _one("luo_wan", ("median", "q1", "q3", "min", "max", "n"))
        assert mean == pytest.approx(21.297121162935763, rel=1e-12)
        assert sd == pytest.approx(8.7031642656965076, rel=1e-12)


class TestMedianShi2020:
    """Shi et al. (2020), Res Synth Methods 11(5):641, eq. 11 (five-number summary)."""

    def test_s2_sd(self) -> None:
        # theta1 = (2 + 0.14 * 50^0.6) * xi(50) / 2 = 7.7706561238421461
        # theta2 = (2 + 2 / (0.07 * 50^0.6)) * eta(50) / 2 = 3.0999654872909694
        mean, sd = _one("shi", ("median", "q1", "q3", "min", "max", "n"))
        assert sd == pytest.approx(37 / 7.7706561238421461 + 12 / 3.0999654872909694, rel=1e-12)
        assert sd == pytest.approx(8.6325135236819506, rel=1e-12)
        assert mean == pytest.approx(21.297121162935763, rel=1e-12)  # Luo's mean

    def test_s1_s3_use_wan_sd(self) -> None:
        assert _one("shi", ("median", "q1", "q3", "n"))[1] == pytest.approx(12 / ETA50)


def test_median_mixed_rows_and_records() -> None:
    nan = np.nan
    res = mean_sd_from_median(median=[20, 20, nan, 20], q1=[15, nan, nan, 15],
                              q3=[27, nan, nan, 27], min=[nan, 8, nan, 8],
                              max=[nan, 45, nan, 45], n=[50, 50, 50, 50])
    assert np.isnan(res.mean[2]) and np.isnan(res.sd[2])
    assert res.rows == (1, 2, 4)
    assert "S3" in res.records[0].method and "S1" in res.records[1].method
    assert "S2" in res.records[2].method
    assert "Luo" in res.records[0].reference and "Wan" in res.records[0].reference
    with pytest.raises(ValueError):
        res.mean[0] = 1.0  # read-only


def test_median_errors_name_rows() -> None:
    with pytest.raises(InputError, match=r"row 2, column q1: q1 is above the median"):
        mean_sd_from_median(median=[20, 20], q1=[15, 25], q3=[27, 30], n=[50, 50])
    with pytest.raises(InputError, match=r"column n: n must be at least 2"):
        mean_sd_from_median(median=[20], q1=[15], q3=[27], n=[1])
    with pytest.raises(InputError, match=r"method='hozo' is not one of luo_wan, wan, shi"):
        mean_sd_from_median(median=[20], q1=[15], q3=[27], n=[9], method="hozo")


def test_sd_from_se() -> None:
    res = sd_from_se([0.5, 2.0, np.nan], [16, 9, 10])
    np.testing.assert_allclose(res.sd[:2], [2.0, 6.0], rtol=1e-15)  # 0.5 * 4, 2 * 3
    assert res.rows == (1, 2)
    assert res.records[0].method == "sd = se * sqrt(n)"
    with pytest.raises(InputError, match=r"row 2, column se: se must not be negative \(got -1\)"):
        sd_from_se([1.0, -1.0], [10, 10])


def test_sd_from_ci_t_and_z() -> None:
    # n = 10 (< 60): t; sqrt(10) * (14 - 6) / (2 * 2.2621571627982049) = 5.5916144327598509
    # n = 100: z; 10 * 8 / (2 * 1.959963984540054) = 20.408538276986164
    res = sd_from_ci([6, 6], [14, 14], [10, 100])
    np.testing.assert_allclose(res.sd, [5.5916144327598509, 20.408538276986164], rtol=1e-12)
    z = sd_from_ci(6, 14, 10, dist="z").sd[0]
    assert z == pytest.approx(np.sqrt(10) * 8 / (2 * 1.959963984540054), rel=1e-12)
    with pytest.raises(InputError, match="row 1, column lower: lower is above upper"):
        sd_from_ci(15, 14, 10)


def test_se_from_ci_and_p() -> None:
    # log CI of an odds ratio 0.8 to 2.5: (log 2.5 - log 0.8) / (2 * 1.959964) = 0.29067735...
    assert se_from_ci(0.8, 2.5, log=True).se[0] == pytest.approx(0.29067735228200042, rel=1e-12)
    assert se_from_ci(-1.0, 3.0, level=0.99).se[0] == pytest.approx(4 / (2 * 2.5758293035488999),
                                                                     rel=1e-12)
    # p = 0.01, estimate 0.8: z: 0.8 / 2.5758293 = 0.31057958650357154; t(20): 0.8 / 2.8453397
    assert se_from_p(0.8, 0.01).se[0] == pytest.approx(0.31057958650357154, rel=1e-12)
    assert se_from_p(-0.8, 0.01, dist="t", df=20).se[0] == pytest.approx(0.28116150674329787,
                                                                         rel=1e-12)
    with pytest.raises(InputError, match=r"column p: p must lie strictly between 0 and 1"):
        se_from_p(0.8, 1.0)
    with pytest.raises(InputError, match="column lower: lower must be positive with log=True"):
        se_from_ci(-0.1, 2.0, log=True)


def test_combine_groups_handbook_table_6_5_a() -> None:
    # n1 = 10, M1 = 5, SD1 = 2; n2 = 10, M2 = 7, SD2 = 2:
    # N = 20, M = 6, SD = sqrt((9*4 + 9*4 + 100/20 * (25 + 49 - 70)) / 19) = sqrt(92 / 19)
    res = combine_groups(10, 5.0, 2.0, 10, 7.0, 2.0)
    assert (res.n[0], res.mean[0]) == (20.0, 6.0)
    assert res.sd[0] == pytest.approx(np.sqrt(92 / 19), rel=1e-14)
    # unequal groups: n1 = 30, M1 = 12.5, SD1 = 4; n2 = 20, M2 = 10, SD2 = 3
    # M = (375 + 200) / 50 = 11.5; SD^2 = (29*16 + 19*9 + 600/50 * 6.25) / 49 = 710 / 49
    res = combine_groups([30], [12.5], [4.0], [20], [10.0], [3.0])
    assert res.mean[0] == pytest.approx(11.5)
    assert res.sd[0] == pytest.approx(np.sqrt(710 / 49), rel=1e-14)
    assert res.records[0].reference.endswith("Table 6.5.a")


def test_pre_post_correlation() -> None:
    # (16 + 25 - 9) / (2 * 4 * 5) = 0.8
    assert ri_from_sd_change(4.0, 5.0, 3.0).ri[0] == pytest.approx(0.8)
    # paired t: sd_change = |12 - 10| * sqrt(25) / 2.5 = 4; r = (16 + 16 - 16) / 32 = 0.5
    res = ri_from_paired_t(2.5, 12.0, 10.0, 4.0, 4.0, 25)
    assert res.sd_change[0] == pytest.approx(4.0) and res.ri[0] == pytest.approx(0.5)
    # p = 0.05, n = 25: t = qt(0.975, 24) = 2.0638985616280205; sd_change = 10 / t
    res = ri_from_paired_p(0.05, 12.0, 10.0, 4.0, 4.0, 25)
    sdc = 10 / 2.0638985616280205
    assert res.sd_change[0] == pytest.approx(sdc, rel=1e-12)
    assert res.ri[0] == pytest.approx((32 - sdc**2) / 32, rel=1e-12)
    assert "t from the two-sided p" in res.records[0].method
    with pytest.raises(InputError, match=r"row 1, column sd_change: the reported SDs are "
                                         r"inconsistent"):
        ri_from_sd_change(1.0, 1.0, 5.0)


def test_lengths_must_match() -> None:
    with pytest.raises(InputError, match="different lengths"):
        sd_from_se([1.0, 2.0], [10, 20, 30])
