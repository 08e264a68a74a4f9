"""The Effects result, the data-frame interface of escalc, the records of conversions and the
measure registry. Expected numbers are hand computations written out beside them."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from metareview.effects import MEASURES, Conversion, Effects, escalc, get_measure
from metareview.errors import InputError, StatisticalWarning


def test_effects_is_frozen_and_read_only() -> None:
    eff = escalc("OR", ai=[4], bi=[119], ci=[11], di=[128])
    with pytest.raises(AttributeError):
        eff.measure = "RR"  # type: ignore[misc]
    with pytest.raises(ValueError):
        eff.yi[0] = 0.0
    # log(4 * 128 / (119 * 11)) = log(512 / 1309); 1/4 + 1/119 + 1/11 + 1/128
    assert eff.yi[0] == pytest.approx(math.log(512 / 1309), rel=1e-14)
    assert eff.vi[0] == pytest.approx(1 / 4 + 1 / 119 + 1 / 11 + 1 / 128, rel=1e-14)
    assert eff.slab == ("Study 1",)
    assert eff.ni is not None and eff.ni.tolist() == [262.0]
    assert eff.conversions == ()


def test_to_frame_columns_and_values() -> None:
    eff = escalc("MD", m1i=[10.0, 7.0], sd1i=[2.0, 3.0], n1i=[4, 9], m2i=[8.0, 7.5],
                 sd2i=[2.0, 3.0], n2i=[4, 9], slab=["A", "B"])
    df = eff.to_frame()
    assert list(df.columns) == ["slab", "yi", "vi", "sei", "ni", "measure"]
    # yi: 10 - 8, 7 - 7.5; vi: 4/4 + 4/4, 9/9 + 9/9
    assert df["yi"].tolist() == [2.0, -0.5]
    assert df["vi"].tolist() == [2.0, 2.0]
    assert df["sei"].tolist() == pytest.approx([math.sqrt(2)] * 2)
    assert df["ni"].tolist() == [8.0, 18.0]
    assert df["slab"].tolist() == ["A", "B"] and set(df["measure"]) == {"MD"}


def test_data_frame_interface() -> None:
    df = pd.DataFrame({"study": ["X", "Y"], "mean_t": [10.0, 7.0], "sd_t": [2.0, 3.0],
                       "n_t": [4, 9], "m2i": [8.0, 7.5], "sd2i": [2.0, 3.0], "n2i": [4, 9]})
    a = escalc("MD", data=df, slab="study",
               columns={"m1i": "mean_t", "sd1i": "sd_t", "n1i": "n_t"})
    b = escalc("MD", data=df, m1i="mean_t", sd1i="sd_t", n1i="n_t", slab="study")
    c = escalc("MD", m1i=df["mean_t"], sd1i=df["sd_t"], n1i=df["n_t"], m2i=df["m2i"],
               sd2i=df["sd2i"], n2i=df["n2i"], slab=df["study"])
    for eff in (a, b, c):
        assert eff.yi.tolist() == [2.0, -0.5]
        assert eff.slab == ("X", "Y")
    with pytest.raises(InputError, match="slab='author' names a column that is not in the data"):
        escalc("MD", data=df, slab="author", m1i="mean_t", sd1i="sd_t", n1i="n_t")


def test_duplicate_labels_are_made_unique_and_recorded() -> None:
    eff = escalc("COR", ri=[0.1, 0.2, 0.3], ni=[20, 20, 20], slab=["Smith", "Smith", "Lee"])
    assert eff.slab == ("Smith.1", "Smith.2", "Lee")
    assert [c.row for c in eff.conversions] == [1, 2]
    with pytest.raises(InputError, match="row 2, column slab: study label is missing"):
        escalc("COR", ri=[0.1, 0.2], ni=[20, 20], slab=["A", None])


def test_zero_cell_correction_is_recorded() -> None:
    eff = escalc("OR", ai=[0, 4], bi=[10, 6], ci=[2, 3], di=[8, 7])
    # row 1 only: log(0.5 * 8.5 / (10.5 * 2.5)); vi 1/0.5 + 1/10.5 + 1/2.5 + 1/8.5
    assert eff.yi[0] == pytest.approx(math.log(0.5 * 8.5 / (10.5 * 2.5)), rel=1e-14)
    assert eff.vi[0] == pytest.approx(2 + 1 / 10.5 + 0.4 + 1 / 8.5, rel=1e-14)
    assert eff.yi[1] == pytest.approx(math.log(4 * 7 / (6 * 3)), rel=1e-14)
    assert eff.conversions == (Conversion(1, "ai, bi, ci, di", "added 0.5 to every cell "
                                          "(to='only0': the study has a zero cell)",
                                          eff.conversions[0].reference),)
    assert "Gart" in eff.conversions[0].reference
    frame = eff.conversions_frame()
    assert list(frame.columns) == ["row", "what", "method", "reference"]
    assert eff.ni is not None and eff.ni.tolist() == [20.0, 20.0]  # before the correction


def test_undefined_results_warn_and_are_nan() -> None:
    with pytest.warns(StatisticalWarning, match=r"OR: .* undefined for row\(s\) 1"):
        eff = escalc("OR", ai=[0, 4], bi=[10, 6], ci=[2, 3], di=[8, 7], to="none")
    assert np.isnan(eff.yi[0]) and np.isnan(eff.vi[0]) and np.isfinite(eff.yi[1])


def test_assumed_correlation_is_recorded() -> None:
    eff = escalc("SMCR", m1i=[12.0, 9.0], m2i=[10.0, 10.0], sd1i=[4.0, 2.0], ni=[20, 30], ri=0.5)
    assert [(c.row, c.what, c.method) for c in eff.conversions] == [
        (1, "ri", "assumed ri = 0.5 for every study"), (2, "ri", "assumed ri = 0.5 for every study")]
    # row 1: c(19) = exp(lgamma(9.5) - log(sqrt(9.5)) - lgamma(9)) (value from R);
    # d = 2 / 4 = 0.5; vi = 2 (1 - 0.5) / 20 + yi^2 / 40
    c19 = 0.9599103529242532  # R: exp(lgamma(19/2) - log(sqrt(19/2)) - lgamma(9))
    assert eff.yi[0] == pytest.approx(c19 * 0.5, rel=1e-12)
    assert eff.vi[0] == pytest.approx(0.05 + (c19 * 0.5) ** 2 / 40, rel=1e-12)


def test_conversions_log_is_carried() -> None:
    log = pd.DataFrame({"row": [2], "column": ["sd1i"], "from_form": ["mean/SE"],
                        "method": ["sd = se * sqrt(n)"], "reference": ["Handbook 6.5.2.2"]})
    eff = escalc("MD", m1i=[1.0, 2.0], sd1i=[1.0, 2.0], n1i=[5, 5], m2i=[0.0, 0.0],
                 sd2i=[1.0, 1.0], n2i=[5, 5], conversions=log)
    assert eff.conversions == (Conversion(2, "sd1i", "sd = se * sqrt(n) (from mean/SE)",
                                          "Handbook 6.5.2.2"),)


def test_vtype_per_study_is_kept() -> None:
    eff = escalc("MD", m1i=[1.0, 1.0], sd1i=[1.0, 3.0], n1i=[10, 10], m2i=[0.0, 0.0],
                 sd2i=[2.0, 1.0], n2i=[30, 30], vtype=["LS", "HO"])
    assert eff.vtype == ("LS", "HO")
    # LS: 1/10 + 4/30; HO: sp^2 (1/10 + 1/30), sp^2 = (9 * 9 + 29 * 1) / 38 = 110 / 38
    assert eff.vi.tolist() == pytest.approx([0.1 + 4 / 30, 110 / 38 * (0.1 + 1 / 30)])


def test_registry() -> None:
    assert set(MEASURES) >= {"MD", "SMD", "SMCC", "SMCR", "ROM", "MC", "OR", "RR", "RD", "PETO",
                             "PR", "PLO", "PFT", "PAS", "COR", "ZCOR"}
    families = {m.family for m in MEASURES.values()}
    assert families == {"continuous", "binary", "proportion", "correlation"}
    for m in MEASURES.values():
        assert m.reference, m.code
        assert m.compute.__doc__, m.code
    assert MEASURES["SMD"].required == (("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),)
    assert "ri" in MEASURES["SMCR"].arguments
    assert get_measure("OR").to_natural([0.0, math.log(2)]).tolist() == pytest.approx([1.0, 2.0])
    assert get_measure("ZCOR").to_natural(math.atanh(0.5))[0] == pytest.approx(0.5)
    assert get_measure("PLO").to_natural(0.0)[0] == 0.5
    with pytest.raises(InputError, match="back-transforming PFT needs the sample sizes"):
        get_measure("PFT").to_natural(0.5)


def test_many_studies_is_vectorised() -> None:
    rng = np.random.default_rng(1)
    k = 200_000
    n = rng.integers(5, 200, size=k)
    eff = escalc("SMD", m1i=rng.normal(size=k), sd1i=rng.uniform(0.5, 2, size=k), n1i=n,
                 m2i=rng.normal(size=k), sd2i=rng.uniform(0.5, 2, size=k), n2i=n)
    assert eff.k == k and np.isfinite(eff.yi).all() and (eff.vi > 0).all()


def test_import_does_not_pull_pandas_or_matplotlib() -> None:
    code = ("import sys, metareview.effects; "
            "print('pandas' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_effects_constructor_checks() -> None:
    with pytest.raises(InputError, match="yi has 2 values but vi has 1"):
        Effects("MD", yi=[1.0, 2.0], vi=[1.0])


def test_public_names() -> None:
    import metareview.effects as eff_pkg

    public = {n for n in dir(eff_pkg) if not n.startswith("_")}
    modules = {"binary", "continuous", "conversions", "correlations", "prepare", "proportions",
               "transforms", "annotations"}
    assert sorted(eff_pkg.__all__) == sorted(public - modules | {"transforms"})
    assert eff_pkg.__all__ == sorted(eff_pkg.__all__, key=lambda s: (not s.isupper(), s))
