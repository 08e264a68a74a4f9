"""The analysis plan's constraint table: what each key may hold, written as data.

Every key of a plan file has one entry here (its type, its allowed values or range, whether
it is required, its default). :func:`metareview.plan.validate_plan` walks a parsed plan
against this table and writes every error message in one place, in the habit of
scikit-learn's ``_param_validation`` (one declarative table, one validator, uniform
messages). Keys a table does not list are errors, so a typo is never silently ignored.

Tables whose keys the user names (the data sources under ``[data]`` and the outcomes under
``[outcomes]``) are declared with :class:`Named`.

Examples
--------
>>> Options(("DL", "REML")).describe()
'one of DL, REML'
>>> Interval(50, 100, closed="neither").describe()
'a number in (50, 100)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ESCALC_ARGUMENTS",
    "MEASURES",
    "METHODS",
    "PLAN_SCHEMA",
    "TESTS",
    "TRANSFORMS",
    "Bool",
    "Value",
    "Constraint",
    "Interval",
    "ListOf",
    "Named",
    "OneOrList",
    "Options",
    "Str",
    "Table",
]

# --- vocabularies -------------------------------------------------------------------------

#: Effect size measures (metafor's ``escalc`` codes); ``GEN`` means yi/vi (or sei) are given.
MEASURES: tuple[str, ...] = (
    "RR", "OR", "RD", "AS", "PETO",
    "IRR", "IRD", "IRSD",
    "MD", "SMD", "SMDH", "ROM",
    "MC", "SMCC", "SMCR", "SMCRH", "ROMC",
    "COR", "UCOR", "ZCOR",
    "PR", "PLN", "PLO", "PAS", "PFT",
    "IR", "IRLN", "IRS", "IRFT",
    "MN", "MNLN",
    "GEN",
)  # fmt: skip

#: tau^2 estimators (metafor's ``method`` codes); EE/FE are the equal/fixed-effects model.
METHODS: tuple[str, ...] = (
    "EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "GENQ",
)  # fmt: skip

#: Tests and CI methods for the model coefficients: normal (z), t, Knapp-Hartung (knha).
TESTS: tuple[str, ...] = ("z", "t", "knha")

#: Back-transformations for reporting (applied to the estimate, CI and PI).
TRANSFORMS: tuple[str, ...] = ("none", "exp", "ilogit", "ztor", "iarcsin", "ipft", "ipft.hm")

#: Columns a data source may map: metafor's ``escalc`` argument names, plus the other forms in
#: which continuous outcomes are reported, completed into means and SDs before ``escalc``
#: (:func:`metareview.effects.prepare_continuous`): per group g (1, 2, or none for a single
#: group) ``se{g}i`` (SE of the mean), ``ci_lb{g}i``/``ci_ub{g}i`` (CI of the mean),
#: ``median{g}i``, ``q1_{g}i``, ``q3_{g}i``, ``min{g}i``, ``max{g}i``.
ESCALC_ARGUMENTS: tuple[str, ...] = (
    "ai", "bi", "ci", "di", "n1i", "n2i",
    "x1i", "x2i", "t1i", "t2i",
    "m1i", "m2i", "sd1i", "sd2i",
    "xi", "mi", "ni", "ti", "ri", "pi", "sdi",
    "yi", "vi", "sei",
    "se1i", "ci_lb1i", "ci_ub1i", "median1i", "q1_1i", "q3_1i", "min1i", "max1i",
    "se2i", "ci_lb2i", "ci_ub2i", "median2i", "q1_2i", "q3_2i", "min2i", "max2i",
    "ci_lbi", "ci_ubi", "mediani", "q1_i", "q3_i", "mini", "maxi",
)  # fmt: skip

GRADE_RATINGS: tuple[str, ...] = ("not_serious", "serious", "very_serious")
GRADE_UPGRADES: tuple[str, ...] = ("none", "one", "two")


# --- constraints --------------------------------------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """Base class: a rule one value must follow. Subclasses say what they allow."""

    required: bool = field(default=False, kw_only=True)
    default: Any = field(default=None, kw_only=True)
    doc: str = field(default="", kw_only=True)

    def describe(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def check(self, value: Any) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True)
class Str(Constraint):
    """Any non-empty string."""

    def describe(self) -> str:
        return "a non-empty string"

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and value.strip() != ""


@dataclass(frozen=True)
class Bool(Constraint):
    """``true`` or ``false``."""

    def describe(self) -> str:
        return "true or false"

    def check(self, value: Any) -> bool:
        return isinstance(value, bool)


@dataclass(frozen=True)
class Value(Constraint):
    """A cell value to match: a string, a number or a boolean, or a non-empty list of them."""

    def describe(self) -> str:
        return "a string, number or boolean, or a non-empty list of them"

    def check(self, value: Any) -> bool:
        def one(v: Any) -> bool:
            if isinstance(v, bool):
                return True
            if isinstance(v, int | float):
                return math.isfinite(v)
            return isinstance(v, str)

        if isinstance(value, list):
            return len(value) > 0 and all(one(v) for v in value)
        return one(value)


@dataclass(frozen=True)
class Options(Constraint):
    """One string among a fixed set."""

    options: tuple[str, ...] = ()

    def describe(self) -> str:
        return "one of " + ", ".join(self.options)

    def check(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options


@dataclass(frozen=True)
class Interval(Constraint):
    """A real number in a range; ``closed`` is "both", "left", "right" or "neither"."""

    low: float = -math.inf
    high: float = math.inf
    closed: str = "both"
    integer: bool = False

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low == -math.inf else f"{self.low:g}"
        hi = "inf" if self.high == math.inf else f"{self.high:g}"
        return f"{kind} in {left}{lo}, {hi}{right}"

    def check(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        lo_ok = value >= self.low if self.closed in ("both", "left") else value > self.low
        hi_ok = value <= self.high if self.closed in ("both", "right") else value < self.high
        return lo_ok and hi_ok


@dataclass(frozen=True)
class ListOf(Constraint):
    """A list whose every element satisfies ``item`` (at least ``min_len`` elements)."""

    item: Constraint = field(default_factory=Str)
    min_len: int = 1

    def describe(self) -> str:
        return f"a list of at least {self.min_len} item(s), each {self.item.describe()}"

    def check(self, value: Any) -> bool:
        return isinstance(value, list) and len(value) >= self.min_len

    def bad_items(self, value: list[Any]) -> list[int]:
        return [i for i, v in enumerate(value) if not self.item.check(v)]


@dataclass(frozen=True)
class OneOrList(ListOf):
    """Either one value satisfying ``item`` or a list of them (a fallback chain)."""

    def describe(self) -> str:
        return f"{self.item.describe()}, or a list of them tried in order"

    def check(self, value: Any) -> bool:
        return self.item.check(value) or super().check(value)


@dataclass(frozen=True)
class Table(Constraint):
    """A TOML table with a fixed set of keys (any other key is an error)."""

    fields: Mapping[str, Constraint] = field(default_factory=dict)
    #: a table may also be given as a bare ``true``/``false`` (e.g. ``leave_one_out = true``)
    allow_bool: bool = False

    def describe(self) -> str:
        return "a table with keys " + ", ".join(self.fields)

    def check(self, value: Any) -> bool:
        return isinstance(value, dict) or (self.allow_bool and isinstance(value, bool))


@dataclass(frozen=True)
class Named(Constraint):
    """A table whose keys the user chooses; every value satisfies ``value``."""

    value: Constraint = field(default_factory=Str)
    min_len: int = 0
    key_pattern: str = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
    #: if given, the only keys allowed (e.g. escalc's argument names)
    allowed_keys: tuple[str, ...] | None = None

    def describe(self) -> str:
        return f"a table of named entries, each {self.value.describe()}"

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)


# --- the plan -----------------------------------------------------------------------------

_JUDGEMENT = Table(
    {
        "rating": Options(GRADE_RATINGS, required=True),
        "reason": Str(required=True),
    },
    doc="a reviewer's GRADE judgement with its reason",
)

_MODEL = Table(
    {
        "method": OneOrList(item=Options(METHODS), default="REML"),
        "test": Options(TESTS, default="z"),
        "level": Interval(50, 100, closed="neither", default=95.0),
        "glmm": Bool(default=False, doc="also fit the binomial-normal GLMM (measure PLO)"),
    },
    doc="the random-effects model",
)

_SUBGROUP = Table(
    {
        "column": Str(required=True),
        "tau2": Options(("separate", "common"), default="separate"),
    }
)

_SENSITIVITY = Table(
    {
        "leave_one_out": Bool(default=False),
        "influence": Bool(default=False),
        "cumulative": Str(doc="column to order the cumulative meta-analysis by"),
        "estimators": ListOf(item=Options(METHODS)),
        "ri": ListOf(item=Interval(-1, 1, closed="neither")),
        "independent_groups": Bool(
            default=False,
            doc="also pool the independent-groups SMD (pre and post as two groups; SMCR/SMCC)"),
        "subsets": Named(
            value=Named(value=Value(), min_len=1),
            doc="named alternative row filters, each replacing keys of the outcome's filter"),
    }
)

_BIAS = Table(
    {
        "egger": Bool(default=False),
        "begg": Bool(default=False),
        "trim_and_fill": Bool(default=False),
        "fail_safe_n": Bool(default=False),
        "min_k": Interval(3, integer=True, default=10,
                          doc="Egger and Begg run only when k >= min_k (Sterne 2011)"),
    }
)

_CONVERSIONS = Table(
    {
        "median_method": Options(("luo_wan", "wan", "shi"), default="luo_wan"),
    }
)

_GRADE = Table(
    {
        "design": Options(("rct", "observational")),
        "risk_of_bias": _JUDGEMENT,
        "indirectness": _JUDGEMENT,
        "inconsistency": _JUDGEMENT,
        "imprecision": _JUDGEMENT,
        "publication_bias": _JUDGEMENT,
        "upgrade": Options(GRADE_UPGRADES, default="none"),
        "upgrade_reason": Str(),
        "threshold": Interval(doc="decision threshold on the reporting scale"),
        "ois": Interval(1, integer=True, doc="optimal information size (participants)"),
        "participants": ListOf(item=Str(), doc="columns whose sum is the number of participants"),
    }
)

_PUBLISHED = Table(
    {
        "estimate": Interval(doc="omit when the paper states a direction but no number"),
        "ci_lb": Interval(doc="give both ci_lb and ci_ub, or neither (no CI published)"),
        "ci_ub": Interval(doc="give both ci_lb and ci_ub, or neither (no CI published)"),
        "source": Str(required=True),
        "note": Str(),
    }
)

_PUBLISHED_ONLY = Table(
    {
        "label": Str(required=True),
        "estimate": Interval(doc="omit when the paper gives no number"),
        "ci_lb": Interval(),
        "ci_ub": Interval(),
        "source": Str(required=True),
        "note": Str(required=True, doc="why no study analysed here can be compared"),
    },
    doc="a published result no outcome of this plan can be set beside",
)

_OUTCOME = Table(
    {
        "label": Str(),
        "data": Str(required=True, doc="name of a [data.NAME] table"),
        "measure": Options(MEASURES, required=True),
        "transf": Options(TRANSFORMS, default="none"),
        "ri": Interval(-1, 1, closed="neither",
                       doc="assumed pre-post correlation for SMCR/SMCC (instead of a column)"),
        "filter": Named(value=Value(), min_len=1,
                        doc="keep only rows whose column equals the value (or one of the list)"),
        "model": _MODEL,
        "subgroups": Named(value=_SUBGROUP),
        "moderators": Named(value=Str(doc="a formula such as '~ ablat + year'")),
        "sensitivity": _SENSITIVITY,
        "bias": _BIAS,
        "conversions": _CONVERSIONS,
        "grade": _GRADE,
        "published": _PUBLISHED,
    }
)

_DATA = Table(
    {
        "file": Str(doc="CSV or Excel file, relative to the plan, or "
                    "'package:NAME' for a file shipped in metareview/datasets/data "
                    "(give file or store, not both)"),
        "store": Str(doc="a review store: a SQLite file relative to the plan, or a "
                     "sqlite:/// or postgresql+psycopg:// URL (give file or store, not both)"),
        "project": Str(doc="store only: the project's name (may be left out when the store "
                       "holds one project)"),
        "outcome": OneOrList(item=Str(), doc="store only: the extraction form(s) to read, by "
                             "outcome name; several forms add an 'outcome' column"),
        "reviewer": Str(doc="store only: whose values to use where double extractions "
                        "disagree (e.g. the lead's username)"),
        "description": Str(doc="how the file was made (shown in the report)"),
        "sheet": Str(doc="Excel sheet name"),
        "study": Str(doc="column with the study labels (required with file; with store it "
                     "defaults to the store's study label, column 'study')"),
        "columns": Named(value=Str(), min_len=1, allowed_keys=ESCALC_ARGUMENTS),
        "flag": Table(
            {
                "column": Str(required=True, doc="a true/false column"),
                "note": Str(required=True, doc="the footnote for flagged studies"),
            },
            doc="studies to flag in tables and forest plots (e.g. converted from a median)",
        ),
    }
)

PLAN_SCHEMA = Table(
    {
        "plan": Table(
            {
                "title": Str(required=True),
                "authors": ListOf(item=Str()),
                "design": Options(("rct", "observational"), default="rct"),
            },
            required=True,
        ),
        "data": Named(value=_DATA, min_len=1, required=True),
        "outcomes": Named(value=_OUTCOME, min_len=1, required=True),
        "published_only": Named(value=_PUBLISHED_ONLY),
    }
)
