"""Invalid values generated from the constraint table: every key of a plan is replaced in turn
by a value its constraint forbids, and the one validator must name the key, its line in the
plan and what the key allows (scikit-learn's _param_validation habit).

Two plans are walked: the BCG example (examples/bcg/plan.toml) and the shipped LD-IL-2 plan,
which uses the keys added for the flagship (ri, filter, subsets, independent_groups, glmm,
min_k, data.flag, data.description, published without a CI or number, published_only)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
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

PLANS = {
    "bcg": Path(__file__).resolve().parents[2] / "examples" / "bcg" / "plan.toml",
    "ld_il2": plan_path(),
}
TEXTS = {name: path.read_text("utf-8") for name, path in PLANS.items()}
RAWS = {name: tomllib.loads(text) for name, text in TEXTS.items()}
LINES = {name: locate_keys(text) for name, text in TEXTS.items()}


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


CASES = {name: list(_leaves(raw, PLAN_SCHEMA, ())) for name, raw in RAWS.items()}
ALL = [(name, path, c) for name, cases in CASES.items() for path, c in cases]
NEW_KEYS = ("ri", "filter", "subsets", "independent_groups", "glmm", "min_k", "flag",
            "description", "published_only")


def test_the_bcg_example_exercises_many_keys() -> None:
    assert len(CASES["bcg"]) == 38  # counted by hand from examples/bcg/plan.toml


def test_the_flagship_plan_exercises_the_new_keys() -> None:
    used = {k for path, _ in CASES["ld_il2"] for k in path}
    assert set(NEW_KEYS) <= used
    # 17 outcomes: 7 pre/post with a filter of 2 keys, 10 counts with 1 (counted by hand)
    assert sum(1 for p, _ in CASES["ld_il2"] if "filter" in p) == 7 * 2 + 10 * 1


@pytest.mark.parametrize(("plan", "path", "constraint"), ALL,
                         ids=[f"{n}:{'.'.join(p)}" for n, p, _ in ALL])  # fmt: skip
def test_invalid_value_names_key_line_and_allowed(plan: str, path: tuple[str, ...],
                                                  constraint: Constraint) -> None:
    raw = copy.deepcopy(RAWS[plan])
    target = raw
    for key in path[:-1]:
        target = target[key]
    bad = _invalid(constraint)
    target[path[-1]] = bad
    with pytest.raises(PlanError) as info:
        validate_plan(raw, file=PLANS[plan].name, text=TEXTS[plan])
    err = info.value
    dotted = ".".join(path)
    assert err.key == dotted
    assert err.line == LINES[plan][path]
    assert err.message == f"{dotted} must be {constraint.describe()}; got {bad!r}"
