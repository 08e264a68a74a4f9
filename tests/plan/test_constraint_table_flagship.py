"""The constraint-table test of test_constraint_table.py, run on the shipped LD-IL-2 plan,
which uses the keys added for the flagship (ri, filter, subsets, independent_groups, glmm,
min_k, data.flag, data.description, published without a CI or number, published_only): each
key in turn gets a value its constraint forbids, and the one validator must name the key, its
line in the plan and what the key allows."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from metareview.datasets.ld_il2_plan import plan_path
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
    Value,
)

TEXT = plan_path().read_text("utf-8")
RAW = tomllib.loads(TEXT)
LINES = locate_keys(TEXT)


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
    if isinstance(constraint, Value):
        return {"a": "table"}
    raise AssertionError(constraint)


CASES = list(_leaves(RAW, PLAN_SCHEMA, ()))
NEW_KEYS = ("ri", "filter", "subsets", "independent_groups", "glmm", "min_k", "flag",
            "description", "published_only")


def test_the_flagship_plan_exercises_the_new_keys() -> None:
    used = {k for path, _ in CASES for k in path}
    assert set(NEW_KEYS) <= used
    # 17 outcomes: 7 pre/post with a filter of 2 keys, 10 counts with 1 (counted by hand)
    assert sum(1 for p, _ in CASES if "filter" in p) == 7 * 2 + 10 * 1


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
        validate_plan(raw, file="ld_il2_plan.toml", text=TEXT)
    err = info.value
    dotted = ".".join(path)
    assert err.key == dotted
    assert err.line == LINES[path]
    assert err.message == f"{dotted} must be {constraint.describe()}; got {bad!r}"
