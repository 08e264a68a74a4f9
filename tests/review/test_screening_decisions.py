"""Conflicts, final decisions and progress on small frames worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.review.screening import (
    conflicts,
    final_decisions,
    pairwise_agreement,
    progress,
)


def _frame() -> pd.DataFrame:
    # record 1: ann include, bob exclude -> conflict
    # record 2: ann exclude, bob exclude -> agreed exclude
    # record 3: ann maybe,   bob include -> conflict (maybe differs from include)
    # record 4: ann include only           -> awaiting a second reviewer
    # record 1 at full text: ann include, bob include -> agreed include
    return pd.DataFrame(
        {
            "record_id": [1, 1, 2, 2, 3, 3, 4, 1, 1],
            "reviewer": ["ann", "bob", "ann", "bob", "ann", "bob", "ann", "ann", "bob"],
            "decision": ["include", "exclude", "exclude", "exclude", "maybe", "include",
                         "include", "include", "include"],
            "stage": ["ta"] * 7 + ["ft"] * 2,
        }
    )


def test_conflicts() -> None:
    out = conflicts(_frame())
    assert list(out.columns) == ["stage", "record_id", "n_reviewers", "include", "exclude",
                                 "maybe", "reviewers"]
    assert out[["stage", "record_id"]].to_records(index=False).tolist() == [("ta", 1), ("ta", 3)]
    assert out["reviewers"].tolist() == ["ann=include; bob=exclude", "ann=maybe; bob=include"]
    assert out["include"].tolist() == [1, 1]
    assert out["maybe"].tolist() == [0, 1]


def test_no_conflicts_gives_empty_frame_with_columns() -> None:
    out = conflicts(_frame().iloc[2:4])
    assert out.empty and "reviewers" in out.columns


def test_final_decisions_with_resolution() -> None:
    res = pd.DataFrame({"record_id": [1], "stage": ["ta"], "decision": ["include"],
                        "resolved_by": ["lead"]})
    out = final_decisions(_frame(), resolutions=res)
    got = {(r.stage, r.record_id): (r.decision, r.status, r.resolved_by)
           for r in out.itertuples()}
    assert got == {
        ("ft", 1): ("include", "agreed", None),
        ("ta", 1): ("include", "resolved", "lead"),
        ("ta", 2): ("exclude", "agreed", None),
        ("ta", 3): (None, "conflict", None),
        ("ta", 4): (None, "awaiting", None),
    }


def test_single_screening_needs_one_reviewer() -> None:
    out = final_decisions(_frame(), required_reviewers=1).set_index(["stage", "record_id"])
    assert out.at[("ta", 4), "decision"] == "include"
    assert out.at[("ta", 4), "status"] == "agreed"


def test_bad_resolution_names_row() -> None:
    res = pd.DataFrame({"record_id": [1, 3], "stage": ["ta", "ta"],
                        "decision": ["include", "maybe"]})
    with pytest.raises(InputError) as err:
        final_decisions(_frame(), resolutions=res, file="resolutions.csv")
    assert str(err.value).startswith("resolutions.csv, row 2, column decision:")


def test_progress() -> None:
    out = progress(_frame(), stage="ta", n_records=5)
    assert list(out.columns) == ["stage", "reviewer", "n_decided", "include", "exclude", "maybe",
                                 "n_conflicts", "fraction_done"]
    ann = out.set_index("reviewer").loc["ann"]
    assert (ann.n_decided, ann.include, ann.exclude, ann.maybe, ann.n_conflicts) == (4, 2, 1, 1, 2)
    assert ann.fraction_done == pytest.approx(4 / 5)
    bob = out.set_index("reviewer").loc["bob"]
    assert (bob.n_decided, bob.n_conflicts) == (3, 2)


def test_pairwise_agreement() -> None:
    out = pairwise_agreement(_frame(), stage="ta")
    row = out.iloc[0]
    # records 1-3 decided by both: agree on 1 of 3
    assert (row.reviewer_a, row.reviewer_b, row.n) == ("ann", "bob", 3)
    assert row.observed_agreement == pytest.approx(1 / 3)


def test_validation_errors_name_rows_and_columns() -> None:
    bad = _frame()
    bad.loc[4, "decision"] = "yes"
    with pytest.raises(InputError) as err:
        conflicts(bad, file="decisions.csv")
    assert str(err.value).startswith("decisions.csv, row 5, column decision:")
    dup = pd.concat([_frame(), _frame().iloc[[0]]], ignore_index=True)
    dup.loc[9, "decision"] = "exclude"
    with pytest.raises(InputError) as err:
        conflicts(dup)
    assert err.value.row == [1, 10]
    with pytest.raises(InputError) as err:
        conflicts(_frame().drop(columns="stage"))
    assert err.value.column == "stage"
