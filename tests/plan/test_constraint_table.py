"""Invalid values generated from the constraint table: every key of the BCG example plan is
replaced in turn by a value its constraint forbids, and the one validator must name the key,
its line in the plan and what the key allows (scikit-learn's _param_validation habit)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from metareview.errors import PlanError
from metareview.plan import locate_keys, validate_plan
from metareview.plan_schema import (
    PLAN_SCHEMA,
    Bool,
    Constraint,
    Interval,
    ListOf,
    Named,
    OneOrList,
    Options,
    Str,
    Table,
)

PLAN = Path(__file__).resolve().parents[2] / "examples" / "bcg" / "plan.toml"
TEXT = PLAN.read_text("utf-8")
RAW = tomllib.loads(TEXT)


def _leaves(value: Any, constraint: Constraint, path: tuple[str, ...]):
    if isinstance(constraint, Table) and isinstance(value, dict):
        for key, sub in constraint.fields.items():
            if key in value:
                yield from _leaves(value[key], sub, path + (key,))
    elif isinstance(constraint, Named):
        for key, sub in value.items():
            yield from _leaves(sub, constraint.value, path + (key,))
    else:
        yield path, constraint


def _invalid(constraint: Constraint) -> Any:
    if isinstance(constraint, OneOrList | ListOf):
        return 3.5
    if isinstance(constraint, Options):
        return "no-such-option"
    if isinstance(constraint, Bool):
        return "yes"
    if isinstance(constraint, Interval):
        return "ten"
    if isinstance(constraint, Str):
        return ""
    raise AssertionError(constraint)


CASES = list(_leaves(RAW, PLAN_SCHEMA, ()))
LINES = locate_keys(TEXT)


def test_the_example_exercises_many_keys() -> None:
    assert len(CASES) == 38  # counted by hand from examples/bcg/plan.toml


@pytest.mark.parametrize(("path", "constraint"), CASES, ids=[".".join(p) for p, _ in CASES])
def test_invalid_value_names_key_line_and_allowed(path: tuple[str, ...],
                                                  constraint: Constraint) -> None:
    raw = copy.deepcopy(RAW)
    target = raw
    for key in path[:-1]:
        target = target[key]
    bad = _invalid(constraint)
    target[path[-1]] = bad
    with pytest.raises(PlanError) as info:
        validate_plan(raw, file="plan.toml", text=TEXT)
    err = info.value
    dotted = ".".join(path)
    assert err.key == dotted
    assert err.line == LINES[path]
    assert err.message == f"{dotted} must be {constraint.describe()}; got {bad!r}"
