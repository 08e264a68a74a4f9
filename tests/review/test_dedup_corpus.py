"""De-duplication measured against human labels (bib-dedupe benchmark, Rathbone et al. 2015).

The labels are an independent source: people marked which records are the same bibliographic
record (``merged_record_ids.csv``). Figures published for other tools on the same sets
(bib-dedupe's own evaluation): haematology sensitivity 0.889 (bib-dedupe), 0.807 (ASySD),
0.830 (ASReview datatools); stroke 0.994, 0.962, 0.984.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from metareview.review.dedup import find_duplicates
from metareview.review.dedup_evaluate import evaluate, read_merged_ids, truth_labels

pytestmark = pytest.mark.corpus


def measure(shared_dir: Path, name: str) -> dict[str, float]:
    folder = shared_dir / "corpus" / "dedup" / "bib-dedupe" / name
    records = pd.read_csv(folder / "records_pre_merged.csv", dtype=str, keep_default_na=False)
    truth = truth_labels(records["ID"].tolist(), read_merged_ids(folder / "merged_record_ids.csv"))
    result = find_duplicates(records, id_column="ID")
    predicted = result.clusters.set_index("record_id").loc[records["ID"], "cluster_id"]
    return evaluate(records["ID"].tolist(), predicted=predicted.to_numpy(), truth=truth)


def test_haematology(shared_dir: Path) -> None:
    m = measure(shared_dir, "haematology")
    assert m["precision"] >= 0.99 and m["pair_precision"] >= 0.99
    # 135 removable duplicates by the labels. Of those missed, most are pairs the duplicate
    # definition says are different records (errata, a letter and its reply, trials in adults
    # vs adolescents, one abstract in two journals); they are queued for review instead.
    assert m["recall"] >= 0.87
    assert m["specificity"] >= 0.999


def test_stroke(shared_dir: Path) -> None:
    m = measure(shared_dir, "stroke")
    assert m["precision"] >= 0.99 and m["pair_precision"] >= 0.99
    assert m["recall"] >= 0.95 and m["pair_recall"] >= 0.95


def test_special_cases(shared_dir: Path) -> None:
    # bib-dedupe's hand-made hard cases: the same AMCIS paper under two proceedings names
    # (twice), a journal article listed twice (DOI in a note field once); not duplicates:
    # HICSS minitrack introductions of 2021 and 2022 (different DOIs), a 2011 conference paper
    # and its 2014 journal version, a 2003 conference paper and its 2004 journal version.
    m = measure(shared_dir, "special_cases")
    assert (m["tp"], m["fp"], m["fn"]) == (3, 0, 0)
