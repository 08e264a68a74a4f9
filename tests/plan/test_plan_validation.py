"""Plan validation: every mistake names the plan file, the line of the key, the key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from metareview.errors import PlanError
from metareview.plan import load_plan, locate_keys, parse_plan
from metareview.plan_schema import METHODS

BCG_PLAN = Path(__file__).resolve().parents[2] / "examples" / "bcg" / "plan.toml"

# line numbers below are written out by hand from this text
VALID = """\
[plan]
title = "test plan"

[data.trials]
file = "trials.csv"
study = "author"
columns = { ai = "tpos", bi = "tneg", ci = "cpos", di = "cneg" }

[outcomes.tb]
data = "trials"
measure = "RR"
transf = "exp"

[outcomes.tb.model]
method = "REML"
test = "z"
level = 95

[outcomes.tb.grade]
risk_of_bias = { rating = "serious", reason = "unclear allocation" }
"""


def _error(text: str) -> PlanError:
    with pytest.raises(PlanError) as info:
        parse_plan(text, file="my_plan.toml")
    return info.value


def test_valid_plan_parses_with_defaults() -> None:
    plan = parse_plan(VALID, file="my_plan.toml")
    (outcome,) = plan.outcomes
    assert outcome.model.methods == ("REML",)
    assert outcome.model.level == 95.0
    assert outcome.grade.judgements["risk_of_bias"].rating == "serious"
    assert outcome.grade.design == "rct"  # inherited from [plan] default
    assert plan.data["trials"].columns["ai"] == "tpos"
    assert outcome.bias.egger is False


def test_misspelt_method_names_line_key_and_options() -> None:
    err = _error(VALID.replace('method = "REML"', 'method = "RMEL"'))
    assert err.file == "my_plan.toml"
    assert err.line == 15
    assert err.key == "outcomes.tb.model.method"
    assert "must be one of EE, FE, DL" in err.message and "got 'RMEL'" in err.message
    assert err.hint == "did you mean 'REML'?"
    assert str(err).startswith("my_plan.toml, line 15, key outcomes.tb.model.method: ")


def test_method_fallback_chain_checks_each_item() -> None:
    plan = parse_plan(VALID.replace('method = "REML"', 'method = ["REML", "DL"]'))
    assert plan.outcomes[0].model.methods == ("REML", "DL")
    err = _error(VALID.replace('method = "REML"', 'method = ["REML", "PN"]'))
    assert err.key == "outcomes.tb.model.method" and err.line == 15
    assert "method[1] must be one of" in err.message and "got 'PN'" in err.message


def test_unknown_key_is_an_error_with_suggestion() -> None:
    err = _error(VALID.replace("level = 95", "levle = 95"))
    assert err.line == 17
    assert err.key == "outcomes.tb.model.levle"
    assert "unknown key 'levle' in [outcomes.tb.model]" in err.message
    assert "allowed: method, test, level" in err.message
    assert err.hint == "did you mean 'level'?"


def test_unknown_table_is_an_error() -> None:
    err = _error(VALID + "\n[outcomes.tb.sensitivty]\nleave_one_out = true\n")
    assert err.line == 22
    assert err.key == "outcomes.tb.sensitivty"
    assert err.hint == "did you mean 'sensitivity'?"


def test_level_out_of_range() -> None:
    err = _error(VALID.replace("level = 95", "level = 0.95"))
    assert err.line == 17 and err.key == "outcomes.tb.model.level"
    assert "must be a number in (50, 100); got 0.95" in err.message


def test_wrong_type() -> None:
    err = _error(VALID.replace('test = "z"', "test = 1"))
    assert err.line == 16 and err.key == "outcomes.tb.model.test"
    assert "must be one of z, t, knha; got 1" in err.message


def test_missing_required_key_points_at_its_table() -> None:
    err = _error(VALID.replace('measure = "RR"\n', ""))
    assert err.key == "outcomes.tb.measure"
    assert err.line == 9  # the [outcomes.tb] header
    assert "[outcomes.tb] is missing the required key 'measure'" in err.message


def test_inline_table_key_is_located() -> None:
    err = _error(VALID.replace('rating = "serious"', 'rating = "severe"'))
    assert err.line == 20
    assert err.key == "outcomes.tb.grade.risk_of_bias.rating"
    assert "one of not_serious, serious, very_serious; got 'severe'" in err.message


def test_column_mapping_keys_are_escalc_arguments() -> None:
    err = _error(VALID.replace('ai = "tpos"', 'a1 = "tpos"'))
    assert err.line == 7 and err.key == "data.trials.columns.a1"
    assert "unknown key 'a1' in [data.trials.columns]; allowed: ai, bi" in err.message


def test_outcome_must_name_a_data_source() -> None:
    err = _error(VALID.replace('data = "trials"', 'data = "trails"'))
    assert err.line == 10 and err.key == "outcomes.tb.data"
    assert "'trails', which is not a data source; defined: trials" in err.message
    assert err.hint == "did you mean 'trials'?"


def test_ri_grid_only_for_change_scores() -> None:
    err = _error(VALID + "\n[outcomes.tb.sensitivity]\nri = [0.3, 0.5]\n")
    assert err.line == 23 and err.key == "outcomes.tb.sensitivity.ri"
    assert "applies only to the measures SMCC, SMCR" in err.message and "RR" in err.message


def test_ri_values_must_be_correlations() -> None:
    text = VALID.replace('measure = "RR"', 'measure = "SMCR"').replace('transf = "exp"', "")
    err = _error(text + "\n[outcomes.tb.sensitivity]\nri = [0.3, 1.5]\n")
    assert err.key == "outcomes.tb.sensitivity.ri"
    assert "ri[1] must be a number in (-1, 1); got 1.5" in err.message


def test_transformation_must_fit_the_measure() -> None:
    err = _error(VALID.replace('transf = "exp"', 'transf = "ipft.hm"'))
    assert err.line == 12 and err.key == "outcomes.tb.transf"
    assert "needs measure PFT; got measure RR" in err.message


def test_published_estimate_inside_its_ci() -> None:
    text = VALID + '\n[outcomes.tb.published]\nestimate = 0.8\nci_lb = 0.34\nci_ub = 0.70\nsource = "x"\n'
    err = _error(text)
    assert err.line == 23 and err.key == "outcomes.tb.published.estimate"


def test_toml_syntax_error_has_its_line() -> None:
    err = _error(VALID.replace('test = "z"', 'test = "z'))
    assert err.line == 16
    assert "not valid TOML" in err.message


@pytest.mark.parametrize("method", METHODS)
def test_every_declared_method_is_accepted(method: str) -> None:
    plan = parse_plan(VALID.replace('method = "REML"', f'method = "{method}"'))
    assert plan.outcomes[0].model.methods == (method,)


def test_locator_handles_dotted_keys_and_quotes() -> None:
    text = '[plan]\ntitle = "a = {b}"\n[outcomes."my outcome"]\ngrade.design = "rct"\n'
    lines = locate_keys(text)
    assert lines[("plan", "title")] == 2
    assert lines[("outcomes", "my outcome")] == 3
    assert lines[("outcomes", "my outcome", "grade", "design")] == 4


def test_bcg_example_plan_is_valid() -> None:
    plan = load_plan(BCG_PLAN)
    (tb,) = plan.outcomes
    assert tb.measure == "RR" and tb.transf == "exp"
    assert tb.model.methods == ("REML", "PM", "DL")
    assert tb.published is not None and tb.published.estimate == 0.49
    assert plan.data["bcg"].file == BCG_PLAN.parent / "dat_bcg.csv"


def test_upgrade_needs_observational_design() -> None:
    err = _error(VALID + 'upgrade = "one"\nupgrade_reason = "large effect"\n')
    assert err.line == 21 and err.key == "outcomes.tb.grade.upgrade"
    assert "observational evidence only" in err.message
    text = VALID + 'design = "observational"\nupgrade = "one"\nupgrade_reason = "large effect"\n'
    assert parse_plan(text).outcomes[0].grade.upgrade == "one"
