"""Ranking, simulation and the screening measures (WSS, recall@x) worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.review.screening_ranking import (
    DoubleBalance,
    Ranker,
    double_balance_n_included,
    double_balance_sample,
    n_to_recall,
    recall_at,
    recall_curve,
    record_texts,
    simulate,
    wss,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def test_wss_and_recall_by_hand() -> None:
    # N = 20, 4 relevant at positions 1, 2, 5, 12 of the order.
    y = np.zeros(20, dtype=int)
    y[[0, 1, 4, 11]] = 1
    # 95% of 4 = 3.8 -> 4 needed, found at position 12: WSS = (20 - 12)/20 - 0.05 = 0.35
    assert n_to_recall(y, recall=0.95) == 12
    assert wss(y, recall=0.95) == pytest.approx(0.35)
    # 75% of 4 = 3 -> position 5: WSS@75 = 15/20 - 0.25 = 0.5
    assert wss(y, recall=0.75) == pytest.approx(0.5)
    # 10% of 20 = 2 records screened: 2 of 4 found
    assert recall_at(y, fraction=0.1) == 0.5
    # 25% = 5 records: 3 of 4
    assert recall_at(y, fraction=0.25) == 0.75
    curve = recall_curve(y)
    assert list(curve.columns) == ["n_screened", "fraction_screened", "n_found", "recall"]
    assert curve["n_found"].iloc[[0, 4, 10, 11, 19]].tolist() == [1, 3, 3, 4, 4]


def test_random_order_has_wss_near_zero_by_construction() -> None:
    # relevant records evenly spread: 5 relevant at 20, 40, ..., 100 of N = 100
    y = np.zeros(100, dtype=int)
    y[[19, 39, 59, 79, 99]] = 1
    assert wss(y) == pytest.approx(-0.05)  # (100 - 100)/100 - 0.05


def test_measures_reject_bad_labels() -> None:
    with pytest.raises(InputError) as err:
        wss([0, 1, 2])
    assert err.value.row == [3]
    with pytest.raises(InputError, match="no relevant record"):
        recall_at([0, 0, 0])


def _toy() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    filler = ["bird", "song", "river", "rock", "cloud", "tree", "metal", "engine", "paint",
              "bridge", "music", "grain"]
    titles, abstracts, labels = [], [], []
    for i in range(40):
        relevant = i % 8 == 0  # 5 relevant records
        words = list(rng.choice(filler, 2 if relevant else 6))
        if relevant:
            words += ["statin", "cholesterol", "trial", "lipid", "randomised", "placebo"]
        titles.append(" ".join(words[:3]))
        abstracts.append(" ".join(words[3:]) if i != 5 else None)  # one missing abstract
        labels.append(int(relevant))
    return pd.DataFrame({"title": titles, "abstract": abstracts, "label_included": labels})


def test_ranker_puts_relevant_first() -> None:
    f = _toy()
    texts = record_texts(f)
    assert texts[5] == f["title"][5]  # missing abstract -> title only
    y = f["label_included"].to_numpy()
    train = [0, 1, 2]  # one relevant (0), two irrelevant
    r = Ranker().fit([texts[i] for i in train], y[train].tolist())
    pool = [i for i in range(40) if i not in train]
    ranked = np.asarray(pool)[r.rank([texts[i] for i in pool])]
    assert set(ranked[:4]) == {8, 16, 24, 32}
    # update: adding decisions retrains
    r.update([texts[8]], [1])
    assert r.n_labelled == 4
    assert r.scores([texts[16]])[0] > r.scores([texts[17]])[0]


def test_ranker_needs_both_classes() -> None:
    with pytest.raises(InputError, match="one relevant"):
        Ranker().fit(["a b", "c d"], [0, 0])
    with pytest.raises(InputError) as err:
        Ranker().fit(["a", "b"], [1, 3])
    assert err.value.row == [2]


@pytest.mark.parametrize("model", ["nb", "logistic"])
def test_simulation_on_separable_toy(model: str) -> None:
    f = _toy()
    res = simulate(f, seed=4, model=model)
    assert sorted(res.order.tolist()) == list(range(40))
    assert res.labels.tolist() == f["label_included"].to_numpy()[res.order].tolist()
    assert f["label_included"][res.prior[0]] == 1 and f["label_included"][res.prior[1]] == 0
    # priors: 1 relevant + 1 irrelevant; the 4 other relevant come next (positions 3-6).
    # 95% of 5 -> all 5, found after 6 records: WSS = (40 - 6)/40 - 0.05 = 0.80
    assert res.labels[:6].tolist() == [1, 0, 1, 1, 1, 1]
    assert res.wss() == pytest.approx(0.80)
    # 10% = 4 records screened: 3 of 5 relevant found
    assert res.recall_at(fraction=0.1) == pytest.approx(0.6)
    # Stopping rule on this run: all 5 found by record 6. After m records, the last
    # n = m - 6 are irrelevant: r_AL = 5, K_tar = floor(5/.95 - 5) + 1 = 1, N_AL = 34,
    # p = (34 - n)/34 < .05 first at n = 33, i.e. m = 39, p = 1/34 (windows reaching back
    # into the relevant records give larger p, e.g. 0.113 at m = 38, n = 33).
    stop = res.stop_point(every=1)
    assert stop is not None
    assert (stop.n_screened, stop.n_relevant_seen) == (39, 5)
    assert stop.p_value == pytest.approx(1 / 34)
    assert list(res.summary().columns) == ["model", "seed", "n_records", "n_included",
                                           "n_retrain", "wss95", "recall_at_10", "n_to_95"]


def test_simulation_input_errors() -> None:
    f = _toy()
    f.loc[3, "label_included"] = 2
    with pytest.raises(InputError) as err:
        simulate(f, file="toy.csv")
    assert str(err.value).startswith("toy.csv, row 4, column label_included:")
    with pytest.raises(InputError, match="prior_included"):
        simulate(_toy(), prior_included=6)
    with pytest.raises(InputError, match="model"):
        simulate(_toy(), model="svm")


@pytest.mark.corpus
def test_ace_simulation_near_published_wss() -> None:
    # Ferdinands (2020) / ASReview docs: NB + TF-IDF on the Ace set, WSS@95 = 82.9% (SE 0.99)
    # over 15 trials with 1 + 1 prior records. One seed of ours must land within 10 points.
    path = SHARED / "corpus" / "screening" / "ferdinands2020" / "ace.csv"
    f = pd.read_csv(path)
    assert (len(f), int(f["label_included"].sum())) == (2235, 41)
    res = simulate(f, seed=1, model="nb")
    assert abs(res.wss() - 0.829) < 0.10
    assert res.recall_at(fraction=0.1) > 0.75  # published RRF@10 = 90.5%


@pytest.mark.corpus
def test_nudging_logistic_near_published_wss() -> None:
    # Ferdinands (2020) / ASReview docs: LR + TF-IDF on Nudging, WSS@95 = 66.9% (SE 4.01),
    # RRF@10 = 62.1%; 1 + 1 prior records. One seed of ours must land within 10 points.
    path = SHARED / "corpus" / "screening" / "ferdinands2020" / "nudging.csv"
    f = pd.read_csv(path)
    assert (len(f), int(f["included"].sum())) == (1847, 100)
    res = simulate(f, label_column="included", seed=0, model="logistic")
    assert abs(res.wss() - 0.669) < 0.10
    assert abs(res.recall_at(fraction=0.1) - 0.621) < 0.10


# ---------------------------------------------------------------- double balance (ASReview)
# Rule (ASReview v1 DoubleBalance, defaults a = 2.155, alpha = 0.94, b = 0.789, beta = 1):
#   w1 = a (n1/n0)^(-alpha), w0 = 1 - (1 - b)(1 + ln n)^(-beta), n = n1 + n0,
#   expected relevant rows = n w1 n1 / (w1 n1 + w0 n0), randomly rounded, clamped to [1, n-2].


def test_double_balance_counts_by_hand() -> None:
    # n1 = 2, n0 = 8, n = 10:
    #   w1 = 2.155 x 4^0.94 = 2.155 x exp(0.94 x 1.3862944) = 2.155 x 3.6807506 = 7.9320175
    #   w0 = 1 - 0.211 / (1 + ln 10) = 1 - 0.211 / 3.3025851 = 0.9361106
    #   expected = 10 x 15.8640351 / (15.8640351 + 7.4888852) = 6.7931697
    assert double_balance_n_included(2, 8) == pytest.approx(6.7931697, abs=1e-6)
    # so 6 or 7 relevant rows (7 with probability 0.7931697), the rest (4 or 3) irrelevant,
    # each class filled with whole copies first: 7 = 3 x 2 + 1 sampled, 3 of the 8 zeros.
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    rng = np.random.default_rng(0)
    n_rel = []
    for _ in range(400):
        idx = double_balance_sample(y, rng=rng)
        assert idx.size == 10
        k1 = int(y[idx].sum())
        n_rel.append(k1)
        ones = idx[y[idx] == 1]
        # every relevant record appears floor(k1 / 2) or ceil(k1 / 2) times
        assert sorted(np.bincount(ones, minlength=10)[[0, 4]].tolist()) == [k1 // 2,
                                                                            k1 - k1 // 2]
        zeros = idx[y[idx] == 0]
        assert np.unique(zeros).size == zeros.size == 10 - k1  # fewer than 8: no copies
    assert set(n_rel) == {6, 7}
    # share of 7s: binomial(400, 0.7932), SD 0.020 -> within 4 SD
    assert abs(np.mean(np.array(n_rel) == 7) - 0.7931697) < 0.081


def test_double_balance_clamps_and_custom_parameters() -> None:
    # n1 = n0 = 1: w1 = 2.155, w0 = 1 - 0.211 / (1 + ln 2) = 0.8753800,
    # expected = 2 x 2.155 / 3.0303800 = 1.4222639 -> 1 or 2, clamped to [1, n - 2 = 0] -> 1
    assert double_balance_n_included(1, 1) == pytest.approx(1.4222639, abs=1e-6)
    y = np.array([0, 1])
    rng = np.random.default_rng(3)
    for _ in range(20):
        idx = double_balance_sample(y, rng=rng)
        assert sorted(idx.tolist()) == [0, 1]
    # a = 1, alpha = 0, b = 1: w1 = 1, w0 = 1 -> no resampling, expected = n1 exactly
    flat = DoubleBalance(a=1.0, alpha=0.0, b=1.0, beta=1.0)
    assert double_balance_n_included(3, 17, params=flat) == pytest.approx(3.0)
    y = np.array([1] * 3 + [0] * 17)
    idx = double_balance_sample(y, rng=np.random.default_rng(1), params=flat)
    assert sorted(idx.tolist()) == list(range(20))  # each record once
    with pytest.raises(InputError, match="both classes"):
        double_balance_n_included(0, 5)
    with pytest.raises(InputError, match="a must be positive"):
        DoubleBalance(a=0.0)


def test_simulation_double_balance_is_deterministic_for_a_seed() -> None:
    f = _toy()
    a = simulate(f, seed=7, model="nb", balance="double", growth=0.05)
    b = simulate(f, seed=7, model="nb", balance=DoubleBalance(), growth=0.05)
    assert a.order.tolist() == b.order.tolist()
    assert sorted(a.order.tolist()) == list(range(40))
    # the separable toy: every relevant record right after the priors, as with weighting
    assert a.labels[:6].tolist() == [1, 0, 1, 1, 1, 1]
    with pytest.raises(InputError, match="balance"):
        simulate(f, balance="triple")
    r = Ranker(model="nb", balance="double").fit(
        ["statin trial in adults", "a survey of bird song"], [1, 0])
    assert r.balance == DoubleBalance(a=2.155, alpha=0.94, b=0.789, beta=1.0)
    assert r.rank(["bird migration survey", "randomised statin trial"]).tolist() == [1, 0]
