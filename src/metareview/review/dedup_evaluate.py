"""Score a de-duplication against human labels.

Two views are computed from cluster labels (one label per record; records alone in a cluster
are unique):

* **pairwise**: a pair of records is positive when both are in one cluster. Precision, recall
  and F1 over all pairs (Christen 2012, *Data Matching*, Springer, ch. 7,
  doi:10.1007/978-3-642-31164-2).
* **removable duplicates**: the records a de-duplication removes (every record of a cluster but
  the one kept). A removal is a true positive when the removed record's true cluster is
  represented in the same predicted cluster by a kept or another removed record; so
  TP = N - cells, where *cells* counts the non-empty intersections of predicted and true
  clusters; FP = cells - predicted clusters; FN = cells - true clusters; TN = true clusters -
  FP. This is the count behind the sensitivity/specificity that bib-dedupe and ASySD report
  (positives = removable duplicates; Hair et al. 2023, *BMC Biology* 21:189,
  doi:10.1186/s12915-023-01686-z).

Examples
--------
Six records; truth {a,b,c} {d} {e,f}; prediction {a,b} {c,d} {e} {f}:

>>> m = evaluate(["a", "b", "c", "d", "e", "f"], predicted=[1, 1, 2, 2, 3, 4],
...              truth=[1, 1, 1, 2, 3, 3])
>>> m["pair_tp"], m["pair_fp"], m["pair_fn"]
(1, 1, 3)
>>> m["tp"], m["fp"], m["fn"], m["tn"]
(1, 1, 2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["evaluate", "read_merged_ids", "truth_labels"]


def _pairs(counts: np.ndarray) -> int:
    counts = np.asarray(counts, dtype=np.int64)
    return int((counts * (counts - 1) // 2).sum())


def _ratio(num: float, den: float) -> float:
    return float(num) / den if den else float("nan")


def evaluate(ids: Sequence[Any], *, predicted: Sequence[Any], truth: Sequence[Any]
             ) -> dict[str, float]:
    """Pairwise and removable-duplicate confusion counts and rates.

    Parameters
    ----------
    ids : sequence
        Record identifiers (for the lengths only; all three sequences align).
    predicted, truth : sequence
        Cluster label of each record, predicted and true.

    Returns
    -------
    dict
        ``pair_tp, pair_fp, pair_fn, pair_precision, pair_recall, pair_f1, tp, fp, fn, tn,
        precision, recall (= sensitivity), specificity, f1``.
    """
    frame = pd.DataFrame({"p": pd.factorize(pd.Series(list(predicted)))[0],
                          "t": pd.factorize(pd.Series(list(truth)))[0]})
    if len(frame) != len(ids):
        raise ValueError("ids, predicted and truth must have the same length")
    n = len(frame)
    cells = frame.groupby(["p", "t"]).size().to_numpy()
    pred_sizes = frame.groupby("p").size().to_numpy()
    true_sizes = frame.groupby("t").size().to_numpy()
    pair_tp = _pairs(cells)
    pair_fp = _pairs(pred_sizes) - pair_tp
    pair_fn = _pairs(true_sizes) - pair_tp
    n_cells, n_pred, n_true = cells.size, pred_sizes.size, true_sizes.size
    tp, fp, fn = n - n_cells, n_cells - n_pred, n_cells - n_true
    tn = n_true - fp
    out = {
        "pair_tp": pair_tp, "pair_fp": pair_fp, "pair_fn": pair_fn,
        "pair_precision": _ratio(pair_tp, pair_tp + pair_fp),
        "pair_recall": _ratio(pair_tp, pair_tp + pair_fn),
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "specificity": _ratio(tn, tn + fp),
    }
    out["pair_f1"] = _ratio(2 * pair_tp, 2 * pair_tp + pair_fp + pair_fn)
    out["f1"] = _ratio(2 * tp, 2 * tp + fp + fn)
    return out


def read_merged_ids(path: str | Path) -> list[list[str]]:
    """Clusters from a bib-dedupe ``merged_record_ids.csv`` (column ``merged_ids``, ';'-joined)."""
    frame = pd.read_csv(path, dtype=str)
    return [s.split(";") for s in frame["merged_ids"].dropna()]


def truth_labels(ids: Sequence[Any], clusters: Sequence[Sequence[Any]]) -> np.ndarray:
    """A cluster label per id: the index of its cluster, or a unique label for singletons."""
    label = {rid: f"c{k}" for k, members in enumerate(clusters) for rid in members}
    return np.array([label.get(rid, f"s{rid}") for rid in ids], dtype=object)
