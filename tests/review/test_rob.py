"""Risk-of-bias instruments: validation, the overall algorithms, overrides and summaries."""

from __future__ import annotations

import pandas as pd
import pytest

from metareview.errors import InputError
from metareview.review.rob import (
    NOS_COHORT,
    ROB2,
    ROBINS_I,
    RobTable,
    nos_ahrq,
)


def _long(rows: dict[str, list]) -> pd.DataFrame:
    out = []
    for study, judgements in rows.items():
        for k, j in enumerate(judgements, start=1):
            out.append((study, f"D{k}", j))
    return pd.DataFrame(out, columns=["study", "domain", "judgement"])


def test_instruments_as_data() -> None:
    # Sterne et al. 2019 (RoB 2): five domains; Sterne et al. 2016 (ROBINS-I): seven
    assert ROB2.codes == ("D1", "D2", "D3", "D4", "D5")
    assert ROB2.domains[0].name == "Bias arising from the randomization process"
    assert ROB2.judgements == ("Low", "Some concerns", "High")
    assert len(ROBINS_I.domains) == 7
    assert ROBINS_I.domains[0].name == "Bias due to confounding"
    assert [d.max_stars for d in NOS_COHORT.domains] == [4, 2, 3]  # total 9 stars


def test_rob2_algorithm() -> None:
    t = RobTable.from_frame(_long({
        "all low": ["Low"] * 5,
        "one some": ["Low", "Some concerns", "Low", "Low", "Low"],
        "many some": ["Some concerns"] * 5,
        "one high": ["Low", "Low", "High", "Some concerns", "Low"],
    }), tool="rob2")
    assert t.overall.to_dict() == {"all low": "Low", "one some": "Some concerns",
                                   "many some": "Some concerns", "one high": "High"}
    assert t.studies == ("all low", "one some", "many some", "one high")


def test_rob2_override_recorded_and_limited() -> None:
    t = RobTable.from_frame(_long({"a": ["Some concerns"] * 5, "b": ["Low"] * 5}))
    t2 = t.override("a", "high", reason="several domains with concerns")
    assert t2.overall["a"] == "High" and t2.algorithm["a"] == "Some concerns"
    assert t2.overrides.to_dict("records") == [
        {"study": "a", "algorithm": "Some concerns", "overall": "High",
         "reason": "several domains with concerns"}]
    assert t.overall["a"] == "Some concerns"  # the original is unchanged (frozen)
    with pytest.raises(InputError, match="Some concerns -> High"):
        t.override("b", "High", reason="x")  # Low -> High is not the tool's rule
    with pytest.raises(InputError, match="needs a reason"):
        t.override("a", "High", reason=" ")


def test_overall_rows_in_input() -> None:
    f = _long({"a": ["Some concerns"] * 5, "b": ["Low"] * 5})
    f = pd.concat([f, pd.DataFrame([("a", "Overall", "High"), ("b", "overall", "Low")],
                                   columns=f.columns)], ignore_index=True)
    t = RobTable.from_frame(f)
    assert t.overall.to_dict() == {"a": "High", "b": "Low"}
    assert t.overrides["study"].tolist() == ["a"]
    bad = f.copy()
    bad.loc[11, "judgement"] = "High"  # b: all Low, overall High: not allowed
    with pytest.raises(InputError) as err:
        RobTable.from_frame(bad, file="rob.csv")
    assert str(err.value).startswith("rob.csv, row 12, column judgement: study 'b', domain Overall")


def test_robins_i_algorithm() -> None:
    t = RobTable.from_frame(_long({
        "low": ["Low"] * 7,
        "moderate": ["Low", "Moderate"] + ["Low"] * 5,
        "serious": ["Serious", "Moderate", "No information"] + ["Low"] * 4,
        "critical": ["Critical", "Serious"] + ["Low"] * 5,
        "ni": ["Moderate", "No information"] + ["Low"] * 5,
    }), tool="robins-i")
    assert t.overall.to_dict() == {"low": "Low", "moderate": "Moderate", "serious": "Serious",
                                   "critical": "Critical", "ni": "No information"}
    with pytest.raises(InputError, match="correct a domain instead"):
        t.override("moderate", "Serious", reason="x")


def test_full_domain_names_and_case_accepted() -> None:
    f = pd.DataFrame({"study": ["s"] * 5,
                      "domain": [d.name.upper() for d in ROB2.domains],
                      "judgement": ["low", " LOW", "some  concerns", "Low", "low"]})
    t = RobTable.from_frame(f)
    assert t.judgements.loc["s"].tolist() == ["Low", "Low", "Some concerns", "Low", "Low"]


def test_errors_name_study_domain_row() -> None:
    f = _long({"Ames 2019": ["Low", "Low", "Medium", "Low", "Low"]})
    with pytest.raises(InputError) as err:
        RobTable.from_frame(f, file="rob.csv")
    assert str(err.value) == (
        "rob.csv, row 3, column judgement: study 'Ames 2019', domain D3: judgement 'Medium' is "
        "not one of Low, Some concerns, High")
    f = _long({"Ames 2019": ["Low"] * 4})
    with pytest.raises(InputError, match=r"study 'Ames 2019' has no judgement for domain D5"):
        RobTable.from_frame(f)
    f = _long({"Ames 2019": ["Low"] * 5})
    f.loc[2, "domain"] = "D9"
    with pytest.raises(InputError) as err:
        RobTable.from_frame(f)
    assert err.value.row == 3 and err.value.column == "domain"
    f = pd.concat([_long({"a": ["Low"] * 5}), _long({"a": ["Low"]})], ignore_index=True)
    with pytest.raises(InputError) as err:
        RobTable.from_frame(f)
    assert err.value.row == [1, 6]


def test_nos_ahrq_conversion() -> None:
    # AHRQ thresholds: good = S 3-4 & C 1-2 & O 2-3; fair = S 2 & C 1-2 & O 2-3;
    # poor = S 0-1 or C 0 or O 0-1
    assert nos_ahrq([3, 4, 2, 2, 1, 4, 4], [1, 2, 1, 2, 2, 0, 2],
                    [2, 3, 2, 3, 3, 3, 1]).tolist() == [
        "Good", "Good", "Fair", "Fair", "Poor", "Poor", "Poor"]


def test_nos_table_and_stars() -> None:
    f = pd.DataFrame({
        "study": ["a"] * 3 + ["b"] * 3,
        "domain": ["Selection", "Comparability", "Outcome", "S", "C", "O"],
        "judgement": ["****", 1, "2", 2, 2, 3.0],
    })
    t = RobTable.from_frame(f, tool="nos_cohort")
    assert t.judgements.to_dict("index") == {"a": {"S": 4, "C": 1, "O": 2},
                                             "b": {"S": 2, "C": 2, "O": 3}}
    assert t.overall.to_dict() == {"a": "Good", "b": "Fair"}
    f.loc[1, "judgement"] = 3
    with pytest.raises(InputError, match=r"domain C \(Comparability\): 3 is not a star count "
                                         r"from 0 to 2"):
        RobTable.from_frame(f, tool="nos_cohort")


def test_summary_unweighted_and_weighted_by_hand() -> None:
    t = RobTable.from_frame(_long({
        "a": ["Low", "Low", "Low", "Low", "Low"],
        "b": ["High", "Low", "Low", "Low", "Low"],
        "c": ["Some concerns", "Low", "Low", "Low", "Low"],
        "d": ["Low", "Low", "Low", "Low", "Some concerns"],
    }), weights={"a": 10.0, "b": 30.0, "c": 40.0, "d": 20.0})
    s = t.summary().set_index(["domain", "judgement"])["proportion"]
    # D1: Low a, d (2/4), Some concerns c (1/4), High b (1/4)
    assert (s[("D1", "Low")], s[("D1", "Some concerns")], s[("D1", "High")]) == (0.5, 0.25, 0.25)
    # overall: a Low, b High, c SC, d SC
    assert s[("Overall", "Some concerns")] == 0.5
    w = t.summary(weighted=True).set_index(["domain", "judgement"])["proportion"]
    # D1 weighted: Low (10 + 20)/100, SC 40/100, High 30/100
    assert w[("D1", "Low")] == pytest.approx(0.3)
    assert w[("D1", "Some concerns")] == pytest.approx(0.4)
    assert w[("D1", "High")] == pytest.approx(0.3)
    assert w[("Overall", "Some concerns")] == pytest.approx(0.6)
    long = t.to_frame()
    assert list(long.columns) == ["study", "domain", "domain_name", "judgement"]
    assert len(long) == 4 * 6
    with pytest.raises(InputError, match="has no weight"):
        t.with_weights({"a": 1.0})


def test_unknown_tool() -> None:
    with pytest.raises(InputError, match="unknown risk-of-bias tool"):
        RobTable.from_frame(_long({"a": ["Low"] * 5}), tool="jadad")
