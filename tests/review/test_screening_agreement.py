"""Agreement statistics against base-R reference values and hand computations."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from metareview.errors import InputError, StatisticalWarning
from metareview.review.screening import agreement

FIX = Path(__file__).parent / "fixtures_screening"
REF = json.loads((FIX / "agreement_reference.json").read_text())
RTOL = 1e-10


def _expand(table: list[list[int]], cats: list[str]) -> tuple[list[str], list[str]]:
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [cats[i]] * count
            b += [cats[j]] * count
    return a, b


@pytest.mark.parametrize("case", ["fleiss_diagnoses", "paradox", "screening_2x2"])
def test_tables_match_r(case: str) -> None:
    ref = REF[case]
    q = len(ref["table"])
    cats = ["include", "exclude", "maybe"][:q]
    a, b = _expand(ref["table"], cats)
    res = agreement(a, b, categories=cats)
    assert res.n == ref["n"]
    np.testing.assert_array_equal(res.table.to_numpy(), np.array(ref["table"]))
    for name in ("observed_agreement", "expected_agreement", "kappa", "kappa_se", "kappa_se0",
                 "kappa_p", "pabak", "ac1", "ac1_se"):
        assert getattr(res, name) == pytest.approx(ref[name], rel=RTOL, abs=1e-14), name
    np.testing.assert_allclose(res.kappa_ci, ref["kappa_ci"], rtol=RTOL)
    assert res.kappa == pytest.approx(ref["caret_kappa"], rel=RTOL)  # caret::confusionMatrix
    np.testing.assert_allclose(res.ac1_ci, ref["ac1_ci"], rtol=RTOL)


def test_raw_decisions_with_undecided_records_match_r() -> None:
    ref = REF["raw_three_categories"]
    a = [None if v is None else v for v in ref["a"]]
    b = [None if v is None else v for v in ref["b"]]
    res = agreement(a, b, categories=ref["categories"])
    # 60 records, 3 + 3 undecided with one (record 17) undecided by both: 55 decided by both
    assert res.n == 55 == ref["n"]
    np.testing.assert_array_equal(res.table.to_numpy(), np.array(ref["table"]))
    for name in ("kappa", "kappa_se", "pabak", "ac1", "ac1_se", "observed_agreement"):
        assert getattr(res, name) == pytest.approx(ref[name], rel=RTOL), name
    assert res.kappa == pytest.approx(ref["caret_kappa"], rel=RTOL)


def test_fleiss_table_by_hand() -> None:
    # 3 x 3 diagnosis table (fixture 'fleiss_diagnoses'), proportions of n = 100:
    # p_o = .75 + .04 + .10 = .89; margins A (.80, .10, .10), B (.80, .05, .15)
    # p_e = .80*.80 + .10*.05 + .10*.15 = .66; kappa = (.89 - .66) / (1 - .66) = .23/.34
    a, b = _expand([[75, 1, 4], [5, 4, 1], [0, 0, 10]], ["p", "n", "o"])
    res = agreement(a, b, categories=["p", "n", "o"])
    assert res.kappa == pytest.approx(0.23 / 0.34, rel=1e-12)
    # PABAK with q = 3: (3 * .89 - 1) / 2 = .835
    assert res.pabak == pytest.approx(0.835, rel=1e-12)
    # AC1: pi = (.80, .075, .125); p_e = (.8*.2 + .075*.925 + .125*.875) / 2 = .2240625
    pe = (0.8 * 0.2 + 0.075 * 0.925 + 0.125 * 0.875) / 2
    assert res.ac1 == pytest.approx((0.89 - pe) / (1 - pe), rel=1e-12)


def test_paradox_ac1_by_hand() -> None:
    # Feinstein & Cicchetti (1990): 118 both yes, 5 A yes/B no, 2 A no/B yes, 0 both no.
    # Gwet (2008): pi_yes = (123 + 120) / 250 = .972, p_e = 2 * .972 * .028 = .054432
    a, b = _expand([[118, 5], [2, 0]], ["include", "exclude"])
    res = agreement(a, b)
    assert res.observed_agreement == pytest.approx(118 / 125)
    assert res.expected_agreement == pytest.approx((123 * 120 + 2 * 5) / 125**2)
    assert res.kappa < 0  # the paradox: 94% agreement, negative kappa
    assert res.ac1 == pytest.approx((0.944 - 0.054432) / (1 - 0.054432), rel=1e-12)
    assert res.pabak == pytest.approx(2 * 0.944 - 1)


def test_summary_has_fixed_columns_and_unrounded_numbers() -> None:
    ref = REF["screening_2x2"]
    a, b = _expand(ref["table"], ["include", "exclude"])
    s = agreement(a, b).summary()
    assert list(s.columns) == ["statistic", "estimate", "se", "ci_lower", "ci_upper"]
    assert s.set_index("statistic").at["kappa", "estimate"] == pytest.approx(ref["kappa"],
                                                                            rel=1e-12)


def test_all_in_one_category_warns_and_gives_nan_kappa() -> None:
    with pytest.warns(StatisticalWarning, match="chance agreement is 1"):
        res = agreement(["exclude"] * 4, ["exclude"] * 4)
    assert math.isnan(res.kappa)
    assert res.observed_agreement == 1.0
    assert res.ac1 == 1.0  # pi = (0, 1): p_e = 0, AC1 = p_o


def test_unknown_decision_names_row_and_column() -> None:
    with pytest.raises(InputError) as err:
        agreement(["include", "exclude", "exclude"], ["include", "exlcude", "exclude"],
                  categories=["include", "exclude"])
    assert err.value.row == [2]
    assert err.value.column == "decisions_b"
    assert "row 2, column decisions_b" in str(err.value)
    assert "'exlcude'" in str(err.value)


def test_length_mismatch_and_nothing_in_common() -> None:
    with pytest.raises(InputError, match="differ in length"):
        agreement(["include"], ["include", "exclude"])
    with pytest.raises(InputError, match="no record was decided by both"):
        agreement(["include", None], [None, "exclude"])


def _delta_method_variance(stat, counts: np.ndarray) -> float:
    """Multinomial delta-method variance of stat(p), gradient by central differences:
    var = (sum p g^2 - (sum p g)^2) / n. Both Fleiss-Cohen-Everitt (1969) and Gwet (2008,
    infinite population) variances are this linearisation, so it is an independent check."""
    n = counts.sum()
    p = counts / n
    g = np.zeros_like(p)
    h = 1e-6
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            e = np.zeros_like(p)
            e[i, j] = h
            g[i, j] = (stat(p + e) - stat(p - e)) / (2 * h)
    return float((np.sum(p * g**2) - np.sum(p * g) ** 2) / n)


def _kappa(p: np.ndarray) -> float:
    p = p / p.sum()
    po, pe = np.trace(p), p.sum(axis=1) @ p.sum(axis=0)
    return (po - pe) / (1 - pe)


def _ac1(p: np.ndarray) -> float:
    p = p / p.sum()
    pi = (p.sum(axis=1) + p.sum(axis=0)) / 2
    pe = np.sum(pi * (1 - pi)) / (p.shape[0] - 1)
    return (np.trace(p) - pe) / (1 - pe)


@pytest.mark.parametrize("case", ["fleiss_diagnoses", "paradox", "screening_2x2"])
def test_standard_errors_equal_delta_method(case: str) -> None:
    counts = np.array(REF[case]["table"], dtype=float)
    cats = ["include", "exclude", "maybe"][: counts.shape[0]]
    a, b = _expand(REF[case]["table"], cats)
    res = agreement(a, b, categories=cats)
    assert res.kappa_se**2 == pytest.approx(_delta_method_variance(_kappa, counts), rel=1e-6)
    assert res.ac1_se**2 == pytest.approx(_delta_method_variance(_ac1, counts), rel=1e-6)


@pytest.mark.parametrize("case", ["fleiss_diagnoses", "screening_2x2"])
def test_null_standard_error_is_delta_method_under_independence(case: str) -> None:
    # Fleiss et al. (1969): the null variance is the large-sample variance when
    # p_ij = p_i. p_.j; the delta method at the independence table with the same margins
    # must give it.
    counts = np.array(REF[case]["table"], dtype=float)
    n = counts.sum()
    p = counts / n
    independent = np.outer(p.sum(axis=1), p.sum(axis=0)) * n
    cats = ["include", "exclude", "maybe"][: counts.shape[0]]
    a, b = _expand(REF[case]["table"], cats)
    res = agreement(a, b, categories=cats)
    assert res.kappa_se0**2 == pytest.approx(_delta_method_variance(_kappa, independent),
                                             rel=1e-6)
    assert res.kappa_p == pytest.approx(REF[case]["kappa_p"], rel=1e-9)
