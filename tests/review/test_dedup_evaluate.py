"""Confusion counts of a de-duplication against labels, computed by hand."""

from __future__ import annotations

import pytest

from metareview.review.dedup_evaluate import evaluate, truth_labels


def test_hand_counted_example() -> None:
    # truth: {1,2,3} {4} {5,6} {7}; predicted: {1,2} {3,4} {5,6,7}
    ids = [1, 2, 3, 4, 5, 6, 7]
    truth = truth_labels(ids, [[1, 2, 3], [5, 6]])
    pred = ["p", "p", "q", "q", "r", "r", "r"]
    m = evaluate(ids, predicted=pred, truth=truth)
    # pairs: predicted {1-2, 3-4, 5-6, 5-7, 6-7}; true {1-2, 1-3, 2-3, 5-6}
    assert (m["pair_tp"], m["pair_fp"], m["pair_fn"]) == (2, 3, 2)
    assert m["pair_precision"] == pytest.approx(2 / 5)
    assert m["pair_recall"] == pytest.approx(2 / 4)
    # removals: 2 of {1,2}: right; 1 of {3,4}: wrong (different true records); 2 of {5,6,7}:
    # one right (5/6), one wrong (7 is unique). True removable: 2 in {1,2,3}, 1 in {5,6} = 3.
    assert (m["tp"], m["fp"], m["fn"]) == (2, 2, 1)
    # negatives = 7 - 3 = 4 records that should stay; 2 wrongly removed
    assert m["tn"] == 2 and m["specificity"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))


def test_perfect_and_empty() -> None:
    ids = list("abcd")
    m = evaluate(ids, predicted=[1, 1, 2, 3], truth=[9, 9, 8, 7])
    assert (m["precision"], m["recall"], m["pair_precision"], m["pair_recall"]) == (1, 1, 1, 1)
    m = evaluate(ids, predicted=[1, 2, 3, 4], truth=[1, 2, 3, 4])
    assert m["tp"] == m["fp"] == m["fn"] == 0 and m["tn"] == 4
