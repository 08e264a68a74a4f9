"""GRADE rules on hand-built cases (rules: Guyatt et al. 2011, J Clin Epidemiol 64:383 and the GRADE series).

Each case states the inputs and the rating a reader derives by hand from the rules written in
metareview.report.sof's docstring.
"""

from __future__ import annotations

import pytest

from metareview.errors import InputError
from metareview.report.sof import assess_certainty, sof_frame

RCT = dict(outcome="o", design="rct", k=12, participants=3000, estimate=0.8, ci_lb=0.7,
           ci_ub=0.9, pi_lb=0.65, pi_ub=0.98, I2=10.0, null=1.0,
           bias_pvals={"egger": 0.6, "begg": 0.7})
OK = {"rating": "not_serious", "reason": "fine"}


def _rct(**changes):
    args = {**RCT, "judgements": {"risk_of_bias": OK, "indirectness": OK}, **changes}
    return assess_certainty(**args)


def test_clean_rct_is_high() -> None:
    s = _rct()
    assert s.start == "High" and s.certainty == "High"
    assert [d.rating for d in s.domains] == ["not_serious"] * 5


def test_observational_starts_low_and_can_be_rated_up() -> None:
    s = _rct(design="observational")
    assert s.start == "Low" and s.certainty == "Low"
    s = _rct(design="observational", upgrade="two", upgrade_reason="RR < 0.2")
    assert s.certainty == "High"


def test_rating_up_a_trial_is_refused() -> None:
    with pytest.raises(InputError, match="observational evidence only") as info:
        _rct(upgrade="one")
    assert info.value.column == "upgrade"


@pytest.mark.parametrize(
    ("I2", "pi", "expected"),
    [
        (49.9, (0.65, 0.98), "not_serious"),  # I2 < 50, PI excludes 1
        (50.0, (0.65, 0.98), "serious"),  # I2 >= 50
        (30.0, (0.6, 1.1), "serious"),  # PI crosses 1 while the CI (0.7, 0.9) does not
        (80.0, (0.5, 1.3), "very_serious"),  # I2 >= 75 and PI crosses 1
        (80.0, (0.6, 0.95), "serious"),  # I2 >= 75 but PI excludes 1
    ],
)
def test_inconsistency_rules(I2: float, pi: tuple[float, float], expected: str) -> None:
    s = _rct(I2=I2, pi_lb=pi[0], pi_ub=pi[1])
    assert s.domain("inconsistency").rating == expected
    assert s.domain("inconsistency").source == "tool"


def test_inconsistency_not_assessed_for_one_study() -> None:
    s = _rct(k=1)
    assert s.domain("inconsistency").rating == "not_assessed"


@pytest.mark.parametrize(
    ("ci", "threshold", "participants", "ois", "expected"),
    [
        ((0.7, 0.9), None, 3000, None, "not_serious"),
        ((0.7, 1.1), None, 3000, None, "serious"),  # CI includes 1
        ((0.7, 0.9), 0.85, 3000, None, "serious"),  # CI includes the threshold 0.85
        ((0.7, 1.1), 0.75, 3000, None, "very_serious"),  # includes both 1 and 0.75
        ((0.7, 0.9), None, 300, 1000, "serious"),  # OIS not met
        ((0.7, 1.1), None, 300, 1000, "very_serious"),  # includes 1 and OIS not met
        ((0.7, 1.1), 0.75, 300, 1000, "very_serious"),  # three reasons, capped at two levels
        ((0.7, 0.9), None, 3000, 1000, "not_serious"),  # OIS met
    ],
)
def test_imprecision_rules(ci, threshold, participants, ois, expected) -> None:
    s = _rct(ci_lb=ci[0], ci_ub=ci[1], threshold=threshold, participants=participants, ois=ois)
    assert s.domain("imprecision").rating == expected


def test_imprecision_without_null_or_threshold_is_not_assessed() -> None:
    s = _rct(null=None)
    assert s.domain("imprecision").rating == "not_assessed"
    assert "grade.threshold" in s.domain("imprecision").reason


@pytest.mark.parametrize(
    ("k", "pvals", "expected"),
    [
        (9, {"egger": 0.01}, "not_assessed"),  # k < 10: tests not interpreted
        (10, {"egger": 0.09}, "serious"),  # p < 0.10
        (10, {"egger": 0.10, "begg": 0.5}, "not_serious"),
        (10, {"egger": 0.5, "begg": 0.05}, "serious"),  # any test
        (12, {}, "not_assessed"),
    ],
)
def test_publication_bias_rules(k: int, pvals: dict, expected: str) -> None:
    s = _rct(k=k, bias_pvals=pvals)
    assert s.domain("publication_bias").rating == expected


def test_downgrades_add_up_and_floor_at_very_low() -> None:
    # RoB serious (-1), inconsistency very serious (-2): High -> Very low
    s = _rct(I2=90.0, pi_lb=0.4, pi_ub=1.5,
             judgements={"risk_of_bias": {"rating": "serious", "reason": "r"},
                         "indirectness": OK})
    assert s.certainty == "Very low"
    # + imprecision serious: still Very low (floor)
    s2 = _rct(I2=90.0, pi_lb=0.4, pi_ub=1.5, ci_ub=1.2,
              judgements={"risk_of_bias": {"rating": "very_serious", "reason": "r"},
                          "indirectness": OK})
    assert s2.certainty == "Very low"
    # one level: High -> Moderate
    s3 = _rct(judgements={"risk_of_bias": OK,
                          "indirectness": {"rating": "serious", "reason": "other population"}})
    assert s3.certainty == "Moderate"


def test_reviewer_override_is_shown() -> None:
    s = _rct(I2=60.0, judgements={"risk_of_bias": OK, "indirectness": OK,
                                  "inconsistency": {"rating": "not_serious",
                                                    "reason": "explained by dose"}})
    d = s.domain("inconsistency")
    assert d.rating == "not_serious" and d.source == "reviewer" and d.overridden
    assert d.tool_rating == "serious" and "I² = 60.0%" in d.tool_reason
    assert s.certainty == "High"
    frame = s.to_frame()
    assert frame.loc[frame.domain == "inconsistency", "tool_rating"].item() == "serious"


def test_missing_reviewer_judgement_is_flagged_not_guessed() -> None:
    s = assess_certainty(**RCT)
    assert s.domain("risk_of_bias").rating == "not_judged"
    assert s.domain("indirectness").rating == "not_judged"


def test_sof_frame_has_fixed_columns() -> None:
    frame = sof_frame([_rct(), _rct(outcome="p")])
    assert list(frame.columns[:9]) == ["outcome", "design", "k", "participants", "estimate",
                                       "ci_lb", "ci_ub", "pi_lb", "pi_ub"]
    assert frame["certainty"].tolist() == ["High", "High"]
