"""Benchmark metareview's de-duplication on human-labelled sets and a synthetic 100k set.

Usage::

    .venv/bin/python bench/dedup_benchmark.py [--sets haematology,stroke] [--synthetic N]
                                              [--workers 2] [--no-synthetic]

Reads ``../shared/corpus/dedup`` (beside the repository): the bib-dedupe sets that have records
and the ASySD diabetes labelled set (Windows-1252). For each set prints pairwise and
removable-duplicate precision, recall (sensitivity), specificity and F1, the time taken, and
the sensitivity/specificity published for other tools (bib-dedupe's evaluation, see
``../shared/corpus/dedup/MANIFEST.md``). Then times a synthetic set of N records (default
100,000) built from the digital_work set by perturbing copies.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from metareview.review.dedup import find_duplicates
from metareview.review.dedup_evaluate import evaluate, read_merged_ids, truth_labels

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus" / "dedup"
BIB = CORPUS / "bib-dedupe"
SETS = ["cytology_screening", "haematology", "respiratory", "stroke", "digital_work",
        "special_cases", "diabetes"]

# (sensitivity, specificity) published in bib-dedupe's continuous evaluation
# (current_results.md / evaluation.csv as quoted in MANIFEST.md, ASySD from the 2024-12-01 rows)
PUBLISHED = {
    "respiratory": {"bib-dedupe": (0.9358, 1.0), "asreview": (0.9151, 0.991),
                    "buhos": (0.906, 0.9916), "asysd": (0.9151, 1.0)},
    "digital_work": {"bib-dedupe": (0.9973, 1.0), "asreview": (0.6504, 0.968),
                     "buhos": (0.8293, 0.9903), "asysd": (0.8319, 0.9970)},
    "haematology": {"bib-dedupe": (0.8889, 1.0), "asreview": (0.8296, 0.9703),
                    "buhos": (0.80, 0.9859), "asysd": (0.8074, 1.0)},
    "stroke": {"bib-dedupe": (0.9936, 1.0), "asreview": (0.9841, 0.9877),
               "buhos": (0.965, 0.9918), "asysd": (0.9617, 1.0)},
    "cytology_screening": {"bib-dedupe": (0.9922, 1.0), "asreview": (0.9754, 0.9889),
                           "buhos": (0.9598, 0.9732), "asysd": (0.9727, 0.9990)},
    "diabetes": {"bib-dedupe": (1.0, 1.0), "asreview": (0.8739, 1.0),
                 "buhos": (0.9048, 0.7928), "asysd": (0.9984, 1.0)},
}


def load_set(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Records (id column 'ID') and true cluster labels of one benchmark set."""
    if name == "diabetes":
        frame = pd.read_csv(CORPUS / "asysd" / "labelled_test_set.csv", dtype=str,
                            encoding="cp1252", keep_default_na=False)
        frame = frame.rename(columns={"number": "issue"}).drop(columns=["label", "source"])
        frame.insert(0, "ID", ["id_%07d" % int(r) for r in frame["record_id"]])
        clusters = read_merged_ids(BIB / "diabetes" / "merged_record_ids.csv")
    else:
        frame = pd.read_csv(BIB / name / "records_pre_merged.csv", dtype=str,
                            keep_default_na=False)
        clusters = read_merged_ids(BIB / name / "merged_record_ids.csv")
    return frame, truth_labels(frame["ID"].tolist(), clusters)


def run_set(name: str, workers: int) -> dict[str, float]:
    frame, truth = load_set(name)
    start = time.perf_counter()
    result = find_duplicates(frame, id_column="ID", workers=workers)
    elapsed = time.perf_counter() - start
    pred = result.clusters.set_index("record_id").loc[frame["ID"], "cluster_id"].to_numpy()
    m = evaluate(frame["ID"].tolist(), predicted=pred, truth=truth)
    m.update(records=len(frame), seconds=elapsed, review=len(result.pairs_for_review))
    return m


def synthetic(n: int, seed: int = 20261126) -> tuple[pd.DataFrame, np.ndarray]:
    """*n* records built from digital_work, and their true cluster labels.

    About 90 % are distinct records: originals, plus copies whose titles have three words
    swapped for random vocabulary and whose authors, year, volume and pages come from other
    random records; the digital_work records keep their human labels. The other ~10 % are
    near-duplicates of those, re-formatted the way
    databases differ: title case changed, punctuation added or dropped, a trailing period,
    authors reduced to initials, journal upper-cased."""
    base, base_truth = load_set("digital_work")
    rng = np.random.default_rng(seed)
    vocab = np.array(" ".join(base["title"]).split())
    n_unique = int(round(n * 0.9))
    parts = []
    for c in range(int(np.ceil(n_unique / len(base)))):
        part = base.copy()
        if c > 0:
            titles = []
            for t in part["title"]:
                words = t.split()
                for _ in range(3 if words else 0):
                    words[rng.integers(len(words))] = vocab[rng.integers(vocab.size)]
                titles.append(" ".join(words))
            part["title"] = titles
            for col in ["author", "year", "volume", "pages", "number"]:
                part[col] = part[col].to_numpy()[rng.permutation(len(part))]
            part["doi"] = ""
        parts.append(part)
    unique = pd.concat(parts, ignore_index=True).iloc[:n_unique].copy()
    # the first copy is digital_work itself, with its human-labelled duplicates
    labels = np.array([f"u{k}" for k in range(n_unique)], dtype=object)
    first = min(len(base), n_unique)
    labels[:first] = ["d" + str(x) for x in base_truth[:first]]
    unique["truth"] = labels
    src = rng.choice(n_unique, size=n - n_unique, replace=False)
    near = unique.iloc[src].copy()

    def initials(authors: str) -> str:
        out = []
        for a in authors.split(" and "):
            fam, _, giv = a.partition(",")
            out.append(fam + ", " + ". ".join(w[0] for w in giv.split() if w) + "."
                       if giv.strip() else fam)
        return " and ".join(out)

    near["title"] = [(t.upper() if k % 3 == 0 else t.lower().replace(":", " -") + ".")
                     for k, t in enumerate(near["title"])]
    near["author"] = [initials(a) for a in near["author"]]
    near["journal"] = near["journal"].str.upper()
    frame = pd.concat([unique, near], ignore_index=True)
    frame["ID"] = [f"s{k:07d}" for k in range(len(frame))]
    return frame.drop(columns=["truth"]), frame["truth"].to_numpy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not CORPUS.is_dir():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    header = (f"{'set':20s} {'n':>6s} {'pairP':>7s} {'pairR':>7s} {'pairF1':>7s} "
              f"{'dupP':>7s} {'dupR':>7s} {'spec':>7s} {'dupF1':>7s} {'FP':>4s} {'FN':>4s} "
              f"{'review':>6s} {'sec':>6s}  published sens/spec")
    print(header)
    for name in [s for s in args.sets.split(",") if s]:
        m = run_set(name, args.workers)
        pub = "  ".join(f"{tool} {s:.3f}/{p:.3f}" for tool, (s, p) in
                        PUBLISHED.get(name, {}).items())
        print(f"{name:20s} {m['records']:6d} {m['pair_precision']:7.4f} {m['pair_recall']:7.4f} "
              f"{m['pair_f1']:7.4f} {m['precision']:7.4f} {m['recall']:7.4f} "
              f"{m['specificity']:7.4f} {m['f1']:7.4f} {m['fp']:4d} {m['fn']:4d} "
              f"{m['review']:6d} {m['seconds']:6.2f}  {pub}", flush=True)
    if not args.no_synthetic:
        frame, truth = synthetic(args.synthetic)
        start = time.perf_counter()
        result = find_duplicates(frame, id_column="ID", workers=args.workers)
        elapsed = time.perf_counter() - start
        s = result.summary().iloc[0]
        pred = result.clusters.set_index("record_id").loc[frame["ID"], "cluster_id"].to_numpy()
        m = evaluate(frame["ID"].tolist(), predicted=pred, truth=truth)
        print(f"synthetic: {len(frame)} records in {elapsed:.1f} s (workers={args.workers}); "
              f"{s['removed']} removed, {s['pairs_for_review']} pairs for review; "
              f"removable-duplicate precision {m['precision']:.4f} recall {m['recall']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
