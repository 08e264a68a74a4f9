"""Record, DOI normalisation and the records <-> table round trip."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.review.records import (
    FRAME_COLUMNS,
    Record,
    frame_to_records,
    normalise_doi,
    records_to_frame,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("10.1002/JRSM.1411", "10.1002/jrsm.1411"),
        ("https://doi.org/10.1186/s13750-019-0167-1", "10.1186/s13750-019-0167-1"),
        ("http://dx.doi.org/10.4236/ojf.2020.101008", "10.4236/ojf.2020.101008"),
        ("doi:10.1002/cpp.2398", "10.1002/cpp.2398"),
        ("DOI 10.1080/20964129.2020.1722034", "10.1080/20964129.2020.1722034"),
        ("  10.1016/0005-2795(76)90109-4 ", "10.1016/0005-2795(76)90109-4"),
        ("10.4103%2F2303-9027.138783", "10.4103/2303-9027.138783"),
        ("not a doi", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_doi(given, expected):
    assert normalise_doi(given) == expected


def test_record_is_frozen_slotted_and_normalises_doi():
    r = Record(title="T", authors=["Smith, Jane"], doi="https://doi.org/10.1002/JRSM.1411",
               raw={"TI": ["T"], "AU": "Smith, Jane"})
    assert r.doi == "10.1002/jrsm.1411"
    assert r.authors == ("Smith, Jane",)
    assert r.raw["AU"] == ("Smith, Jane",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.title = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        r.raw["TI"] = ("x",)  # type: ignore[index]
    assert not hasattr(r, "__dict__")


def test_frame_has_fixed_columns_and_round_trips(tmp_path):
    records = (
        Record(title="Risk-Of-Bias VISualization (robvis)", authors=("McGuinness, Luke A", "Higgins, Julian Pt"),
               year=2020, doi="10.1002/jrsm.1411", pmid="32336025", keywords=("a", "b"),
               source_format="pubmed_medline", source_index=0, raw={"PMID": ("32336025",)}),
        Record(title="黄瓜胚性愈伤组织的诱导保存和再生", authors=("薛婉钰",), year=None, source_index=1),
    )
    frame = records_to_frame(records)
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert frame.loc[0, "authors"] == "McGuinness, Luke A; Higgins, Julian Pt"
    assert json.loads(frame.loc[0, "raw"]) == {"PMID": ["32336025"]}
    assert str(frame["year"].dtype) == "Int64"
    assert frame_to_records(frame) == records
    path = tmp_path / "r.csv"
    frame.to_csv(path, index=False)
    assert frame_to_records(pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)) == records


def test_frame_to_records_names_row_and_column():
    frame = records_to_frame([Record(title="x"), Record(title="y")])
    frame["year"] = frame["year"].astype(object)
    frame.loc[1, "year"] = "20x0"
    with pytest.raises(InputError, match=r"row 2, column year"):
        frame_to_records(frame)
    with pytest.raises(InputError, match="column raw"):
        frame_to_records(frame.drop(columns="raw"))


def test_records_are_hashable_and_raw_counts_in_equality():
    a = Record(title="T", doi="10.1002/jrsm.1411", raw={"TI": ("T",)})
    b = Record(title="T", doi="10.1002/jrsm.1411", raw={"TI": ("T",)})
    c = Record(title="T", doi="10.1002/jrsm.1411", raw={"T1": ("T",)})
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert len({a, b, c}) == 2
