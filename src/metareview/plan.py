"""The analysis plan: a TOML file read and validated in one place.

A plan names the data files and how their columns map onto metafor's argument names, and,
for each outcome, the effect size measure, the model, subgroups, moderators, sensitivity
analyses, small-study/publication bias tests, the scale to report on, the reviewer's GRADE
judgements and, optionally, a published result to compare with. A minimal plan::

    [plan]
    title = "BCG vaccine against tuberculosis"

    [data.bcg]
    file = "dat_bcg.csv"
    study = "author"
    columns = { ai = "tpos", bi = "tneg", ci = "cpos", di = "cneg" }

    [outcomes.tb]
    data = "bcg"
    measure = "RR"
    transf = "exp"

Every key is checked against the constraint table :data:`metareview.plan_schema.PLAN_SCHEMA`
by one validator, which writes every message. A mistake raises
:class:`~metareview.errors.PlanError` naming the plan file, the line of the offending key
(``tomllib`` reports no line numbers, so :func:`locate_keys` finds them by scanning the text
for each key under its table header), the key, and what is allowed there. Unknown keys are
errors: a typo is never silently ignored.

Examples
--------
>>> text = '[plan]\\ntitle = "x"\\n[data.d]\\nfile = "d.csv"\\nstudy = "s"\\n'
>>> locate_keys(text)[("data", "d", "study")]
5
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from metareview.errors import PlanError
from metareview.plan_lines import KeyPath, _line_of, locate_keys
from metareview.plan_schema import (
    PLAN_SCHEMA,
    Constraint,
    ListOf,
    Named,
    OneOrList,
    Options,
    Table,
)

__all__ = [
    "BiasSpec",
    "DataSource",
    "GradeSpec",
    "Judgement",
    "ModelSpec",
    "ModeratorSpec",
    "OutcomeSpec",
    "Plan",
    "PublishedOnlySpec",
    "PublishedSpec",
    "SensitivitySpec",
    "SubgroupSpec",
    "load_plan",
    "locate_keys",
    "parse_plan",
    "validate_plan",
]

#: measures on which a correlation between pre and post (``ri``) must be assumed
RI_MEASURES = ("SMCC", "SMCR")

#: prefix of a data file shipped with metareview (``file = "package:ld_il2_continuous.csv"``)
PACKAGE_PREFIX = "package:"


# --- the validator ---------------------------------------------------------------------------


def _dotted(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


class _Validator:
    """Walks a parsed plan against the constraint table; every message is written here."""

    def __init__(self, file: str, lines: Mapping[KeyPath, int]) -> None:
        self.file = file
        self.lines = lines

    def fail(self, path: KeyPath, message: str, hint: str | None = None) -> PlanError:
        return PlanError(
            message,
            file=self.file,
            line=_line_of(self.lines, path),
            key=_dotted(path) or None,
            hint=hint,
        )

    def _suggest(self, value: Any, options: Any) -> str | None:
        if not isinstance(value, str):
            return None
        close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.5)
        if not close:
            lowered = {str(o).lower(): o for o in options}
            if value.lower() in lowered:
                close = [lowered[value.lower()]]
        return f"did you mean '{close[0]}'?" if close else None

    def check(self, value: Any, constraint: Constraint, path: KeyPath) -> None:
        if isinstance(constraint, Table):
            self._table(value, constraint, path)
        elif isinstance(constraint, Named):
            self._named(value, constraint, path)
        elif isinstance(constraint, OneOrList) and constraint.item.check(value):
            return
        elif isinstance(constraint, ListOf):
            self._list(value, constraint, path)
        elif not constraint.check(value):
            hint = None
            if isinstance(constraint, Options):
                hint = self._suggest(value, constraint.options)
            raise self.fail(
                path, f"{_dotted(path)} must be {constraint.describe()}; got {value!r}", hint
            )

    def _list(self, value: Any, constraint: ListOf, path: KeyPath) -> None:
        if not constraint.check(value):
            hint = None
            if isinstance(constraint.item, Options):
                hint = self._suggest(value, constraint.item.options)
            raise self.fail(
                path, f"{_dotted(path)} must be {constraint.describe()}; got {value!r}", hint
            )
        for i in constraint.bad_items(value):
            hint = None
            if isinstance(constraint.item, Options):
                hint = self._suggest(value[i], constraint.item.options)
            raise self.fail(
                path,
                f"{_dotted(path)}[{i}] must be {constraint.item.describe()}; got {value[i]!r}",
                hint,
            )

    def _table(self, value: Any, constraint: Table, path: KeyPath) -> None:
        if not constraint.check(value):
            what = "true, false or a table" if constraint.allow_bool else "a table"
            raise self.fail(path, f"{_dotted(path) or 'the plan'} must be {what}; got {value!r}")
        if not isinstance(value, dict):
            return
        for key in value:
            if key not in constraint.fields:
                where = f"[{_dotted(path)}]" if path else "the top level"
                raise self.fail(
                    path + (key,),
                    f"unknown key '{key}' in {where}; allowed: {', '.join(constraint.fields)}",
                    self._suggest(key, constraint.fields),
                )
        for key, sub in constraint.fields.items():
            if key in value:
                self.check(value[key], sub, path + (key,))
            elif sub.required:
                where = f"[{_dotted(path)}]" if path else "the plan"
                raise self.fail(
                    path + (key,),
                    f"{where} is missing the required key '{key}' ({sub.describe()})",
                )

    def _named(self, value: Any, constraint: Named, path: KeyPath) -> None:
        if not isinstance(value, dict):
            raise self.fail(path, f"{_dotted(path)} must be {constraint.describe()}; got {value!r}")
        if len(value) < constraint.min_len:
            raise self.fail(path, f"[{_dotted(path)}] needs at least {constraint.min_len} entry")
        for key, sub in value.items():
            if constraint.allowed_keys is not None and key not in constraint.allowed_keys:
                raise self.fail(
                    path + (key,),
                    f"unknown key '{key}' in [{_dotted(path)}]; allowed: "
                    + ", ".join(constraint.allowed_keys),
                    self._suggest(key, constraint.allowed_keys),
                )
            if not re.match(constraint.key_pattern, key):
                raise self.fail(
                    path + (key,),
                    f"the name '{key}' in [{_dotted(path)}] must start with a letter and use "
                    "only letters, digits, '_' and '-'",
                )
            self.check(sub, constraint.value, path + (key,))


def validate_plan(raw: Mapping[str, Any], *, file: str = "<plan>", text: str = "") -> None:
    """Check a parsed plan against :data:`~metareview.plan_schema.PLAN_SCHEMA`.

    Parameters
    ----------
    raw : mapping
        The plan as parsed by :mod:`tomllib`.
    file : str, keyword-only
        The plan's file name, for messages.
    text : str, keyword-only
        The plan's source, used to find line numbers.

    Raises
    ------
    PlanError
        The first mistake found, with file, line, key and what is allowed.
    """
    validator = _Validator(file, locate_keys(text))
    validator.check(dict(raw), PLAN_SCHEMA, ())
    _check_cross_references(raw, validator)


def _check_cross_references(raw: Mapping[str, Any], v: _Validator) -> None:
    """Rules between keys that a per-key constraint cannot express."""
    data_names = list(raw["data"])
    for name, source in raw["data"].items():
        _check_data_source(name, source, v)
    for name, outcome in raw["outcomes"].items():
        base = ("outcomes", name)
        if outcome["data"] not in raw["data"]:
            raise v.fail(
                base + ("data",),
                f"outcomes.{name}.data names '{outcome['data']}', which is not a data source; "
                f"defined: {', '.join(data_names)}",
                v._suggest(outcome["data"], data_names),
            )
        measure = outcome["measure"]
        ri = outcome.get("sensitivity", {}).get("ri") if isinstance(
            outcome.get("sensitivity"), dict
        ) else None
        if ri is not None and measure not in RI_MEASURES:
            raise v.fail(
                base + ("sensitivity", "ri"),
                f"an ri grid applies only to the measures {', '.join(RI_MEASURES)}; "
                f"this outcome's measure is {measure}",
                "remove the ri key or change the measure",
            )
        transf = outcome.get("transf", "none")
        if transf in ("ipft", "ipft.hm") and measure != "PFT":
            raise v.fail(
                base + ("transf",),
                f"transf '{transf}' inverts the Freeman-Tukey transformation and needs "
                f"measure PFT; got measure {measure}",
            )
        if transf == "ilogit" and measure not in ("PLO", "GEN"):
            raise v.fail(
                base + ("transf",),
                f"transf 'ilogit' inverts the logit and needs measure PLO; got {measure}",
            )
        if transf == "ztor" and measure not in ("ZCOR", "GEN"):
            raise v.fail(
                base + ("transf",),
                f"transf 'ztor' inverts Fisher's z and needs measure ZCOR; got {measure}",
            )
        published = outcome.get("published")
        if published is not None:
            given = [k for k in ("ci_lb", "ci_ub") if k in published]
            if len(given) == 1:
                missing = "ci_ub" if given == ["ci_lb"] else "ci_lb"
                raise v.fail(
                    base + ("published", given[0]),
                    f"published {given[0]} is given without {missing}",
                    "give both limits of the published CI, or neither when none was published",
                )
            if given and "estimate" not in published:
                raise v.fail(base + ("published", given[0]),
                             "a published CI needs the published estimate",
                             "add estimate = ..., or remove the CI")
            if given:
                lb, est, ub = published["ci_lb"], published["estimate"], published["ci_ub"]
                if not lb <= est <= ub:
                    raise v.fail(
                        base + ("published", "estimate"),
                        f"published estimate {est} must lie within its CI [{lb}, {ub}]",
                    )
        _check_new_keys(raw, name, outcome, v)
        grade = outcome.get("grade", {})
        design = grade.get("design", raw["plan"].get("design", "rct"))
        if grade.get("upgrade", "none") != "none" and design != "observational":
            raise v.fail(
                base + ("grade", "upgrade"),
                "rating up applies to observational evidence only; this outcome's design "
                f"is {design}",
                "set grade.design = \"observational\" or remove upgrade",
            )
        if grade.get("upgrade", "none") != "none" and "upgrade_reason" not in grade:
            raise v.fail(
                base + ("grade", "upgrade"),
                "an upgrade needs an upgrade_reason (large effect, dose-response, "
                "plausible confounding)",
            )
    for name, pub in raw.get("published_only", {}).items():
        base = ("published_only", name)
        given = [k for k in ("ci_lb", "ci_ub") if k in pub]
        if len(given) == 1 or (given and "estimate" not in pub):
            raise v.fail(base + (given[0],),
                         "give the published estimate with both CI limits, the estimate alone, "
                         "or neither")
        if given and not pub["ci_lb"] <= pub["estimate"] <= pub["ci_ub"]:
            raise v.fail(base + ("estimate",),
                         f"published estimate {pub['estimate']} must lie within its CI "
                         f"[{pub['ci_lb']}, {pub['ci_ub']}]")


#: keys that apply only to a review-store data source, and only to a file data source
_STORE_ONLY = ("project", "outcome", "reviewer")
_FILE_ONLY = ("sheet",)


def _check_data_source(name: str, source: Mapping[str, Any], v: _Validator) -> None:
    """A data source reads a file or a review store (exactly one); keys of the other kind
    are refused; a file source must name its study column."""
    base = ("data", name)
    kinds = [k for k in ("file", "store") if k in source]
    if not kinds:
        raise v.fail(base, f"[data.{name}] needs file = \"...\" (a CSV or Excel file) or "
                     "store = \"...\" (a review store)",
                     'e.g. store = "review.db" with outcome = "Treg"')
    if len(kinds) == 2:
        raise v.fail(base + ("store",), f"[data.{name}] gives both file and store",
                     "keep one: the data come from a file or from a review store")
    if kinds == ["file"]:
        for key in _STORE_ONLY:
            if key in source:
                raise v.fail(base + (key,), f"{key} applies to a review store (store = ...), "
                             "not to a file", f"remove {key} or read a store")
        if "study" not in source:
            raise v.fail(base + ("study",), f"[data.{name}] is missing the required key "
                         "'study' (the column with the study labels)")
    else:
        for key in _FILE_ONLY:
            if key in source:
                raise v.fail(base + (key,), f"{key} applies to a file, not to a review store",
                             f"remove {key}")
        if "outcome" not in source:
            raise v.fail(base + ("outcome",), f"[data.{name}] reads a store and is missing "
                         "the required key 'outcome' (the extraction form's outcome)",
                         'e.g. outcome = "Treg"')


def _check_new_keys(raw: Mapping[str, Any], name: str, outcome: Mapping[str, Any],
                    v: _Validator) -> None:
    """Rules for ri, glmm and independent_groups, which depend on the measure and data."""
    base = ("outcomes", name)
    measure = outcome["measure"]
    columns = raw["data"][outcome["data"]].get("columns", {})
    if "ri" in outcome:
        if measure not in RI_MEASURES:
            raise v.fail(base + ("ri",),
                         f"an assumed correlation ri applies only to the measures "
                         f"{', '.join(RI_MEASURES)}; this outcome's measure is {measure}",
                         "remove the ri key or change the measure")
        if "ri" in columns:
            raise v.fail(base + ("ri",),
                         f"ri is given twice: here ({outcome['ri']}) and as the column "
                         f"'{columns['ri']}' of data.{outcome['data']}",
                         "keep one: the assumed value here or the column")
    elif measure in RI_MEASURES and "ri" not in columns:
        raise v.fail(base + ("measure",),
                     f"measure {measure} needs the pre-post correlation ri, which no column "
                     f"of data.{outcome['data']} gives",
                     "add e.g. ri = 0.5 to this outcome (an assumption: vary it with "
                     "sensitivity.ri) or map an ri column")
    model = outcome.get("model", {})
    if model.get("glmm"):
        if measure != "PLO":
            raise v.fail(base + ("model", "glmm"),
                         f"the binomial-normal GLMM pools proportions on the logit scale and "
                         f"needs measure PLO; got {measure}")
        lacking = [a for a in ("xi", "ni") if a not in columns]
        if lacking:
            raise v.fail(base + ("model", "glmm"),
                         f"the GLMM needs event counts and totals: data.{outcome['data']} "
                         f"maps no column to {', '.join(lacking)}")
    sens = outcome.get("sensitivity")
    if isinstance(sens, dict) and sens.get("independent_groups"):
        if measure not in RI_MEASURES:
            raise v.fail(base + ("sensitivity", "independent_groups"),
                         f"independent_groups sets a pre/post measure ({', '.join(RI_MEASURES)}) "
                         f"beside the SMD; this outcome's measure is {measure}")
        lacking = [a for a in ("m1i", "m2i", "sd1i", "sd2i", "ni") if a not in columns]
        if lacking:
            raise v.fail(base + ("sensitivity", "independent_groups"),
                         f"the independent-groups SMD needs both occasions' means and SDs: "
                         f"data.{outcome['data']} maps no column to {', '.join(lacking)}",
                         "map sd2i to the SD of the occasion in m1i (sd1i is the SD of m2i's "
                         "occasion, the standardiser of SMCR)")


# --- the validated plan ----------------------------------------------------------------------


@dataclass(frozen=True)
class Judgement:
    """A reviewer's GRADE judgement for one domain."""

    rating: str
    reason: str


@dataclass(frozen=True)
class DataSource:
    """A data file and the mapping of metafor argument names to its columns."""

    name: str
    #: the data file; for a store source, the SQLite file (or the URL) shown in messages
    file: Path
    study: str
    columns: Mapping[str, str]
    sheet: str | None = None
    description: str | None = None
    #: (column, footnote): studies whose column is true are flagged in tables and plots
    flag: tuple[str, str] | None = None
    #: a review store (SQLite path resolved against the plan, or a URL); None for a file
    store: str | None = None
    #: store only: the project's name (None: the store's only project)
    project: str | None = None
    #: store only: the extraction forms read, by outcome name
    outcome: tuple[str, ...] = ()
    #: store only: whose values settle a disagreement between double extractions
    reviewer: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    """The model: estimators tried in order (a fallback chain), the test and the CI level."""

    methods: tuple[str, ...] = ("REML",)
    test: str = "z"
    level: float = 95.0
    glmm: bool = False


@dataclass(frozen=True)
class SubgroupSpec:
    name: str
    column: str
    tau2: str = "separate"


@dataclass(frozen=True)
class ModeratorSpec:
    name: str
    formula: str


@dataclass(frozen=True)
class SensitivitySpec:
    leave_one_out: bool = False
    influence: bool = False
    cumulative: str | None = None
    estimators: tuple[str, ...] = ()
    ri: tuple[float, ...] = ()
    independent_groups: bool = False
    #: name -> row filter (column -> allowed values) replacing keys of the outcome's filter
    subsets: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(default_factory=dict)


@dataclass(frozen=True)
class BiasSpec:
    egger: bool = False
    begg: bool = False
    trim_and_fill: bool = False
    fail_safe_n: bool = False
    min_k: int = 10


@dataclass(frozen=True)
class GradeSpec:
    """The reviewer's part of a GRADE assessment (the domains the tool cannot judge)."""

    design: str = "rct"
    judgements: Mapping[str, Judgement] = field(default_factory=dict)
    upgrade: str = "none"
    upgrade_reason: str | None = None
    threshold: float | None = None
    ois: int | None = None
    participants: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublishedSpec:
    """A published pooled result to compare with (on the reporting scale)."""

    source: str
    estimate: float | None = None
    ci_lb: float | None = None
    ci_ub: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class PublishedOnlySpec:
    """A published result that no outcome of the plan can be set beside (shown in the
    comparison with k = 0 and the reason)."""

    name: str
    label: str
    source: str
    note: str
    estimate: float | None = None
    ci_lb: float | None = None
    ci_ub: float | None = None


@dataclass(frozen=True)
class OutcomeSpec:
    """Everything to run for one outcome."""

    name: str
    label: str
    data: str
    measure: str
    transf: str = "none"
    #: assumed pre-post correlation (SMCR/SMCC) when no data column gives it
    ri: float | None = None
    #: column -> allowed values; only matching rows of the data source are analysed
    filter: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    model: ModelSpec = field(default_factory=ModelSpec)
    subgroups: tuple[SubgroupSpec, ...] = ()
    moderators: tuple[ModeratorSpec, ...] = ()
    sensitivity: SensitivitySpec = field(default_factory=SensitivitySpec)
    bias: BiasSpec = field(default_factory=BiasSpec)
    median_method: str | None = None
    grade: GradeSpec = field(default_factory=GradeSpec)
    published: PublishedSpec | None = None


@dataclass(frozen=True)
class Plan:
    """A validated analysis plan.

    ``raw`` is the parsed TOML (for echoing into results.json); ``lines`` maps key paths to
    line numbers so later errors (a column missing from a data file) can point into the plan.
    """

    file: str
    title: str
    design: str
    data: Mapping[str, DataSource]
    outcomes: tuple[OutcomeSpec, ...]
    authors: tuple[str, ...] = ()
    published_only: tuple[PublishedOnlySpec, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    lines: Mapping[KeyPath, int] = field(default_factory=dict, repr=False)

    def error(self, path: KeyPath, message: str, hint: str | None = None) -> PlanError:
        """A :class:`PlanError` pointing at the line of *path* in this plan."""
        return PlanError(
            message, file=self.file, line=_line_of(self.lines, path), key=_dotted(path), hint=hint
        )


def _resolve_file(name: str, base_dir: Path) -> Path:
    """A data path: relative to the plan's folder, or ``package:NAME`` for a shipped file."""
    if name.startswith(PACKAGE_PREFIX):
        from metareview.datasets import DATA_DIR

        return DATA_DIR / name[len(PACKAGE_PREFIX):]
    return base_dir / name


def _resolve_store(name: str, base_dir: Path) -> str:
    """A store: a URL as given (``sqlite:///...``, ``postgresql+psycopg://...``), or a SQLite
    file path relative to the plan's folder."""
    if "://" in name:
        return name
    return str(base_dir / name)


def _hide_password(url: str) -> str:
    """*url* with its password replaced by ``***`` (it is shown in messages and reports)."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _filter(raw: Mapping[str, Any]) -> Mapping[str, tuple[Any, ...]]:
    return MappingProxyType(
        {col: tuple(v) if isinstance(v, list) else (v,) for col, v in raw.items()})


def _build(raw: Mapping[str, Any], *, file: str, base_dir: Path, lines: Mapping) -> Plan:
    top = raw["plan"]
    design = top.get("design", "rct")
    data = {}
    for name, d in raw["data"].items():
        store = None if "store" not in d else _resolve_store(d["store"], base_dir)
        outcome = d.get("outcome", ())
        data[name] = DataSource(
            name=name,
            file=_resolve_file(d["file"], base_dir) if store is None else Path(
                store if "://" not in store else _hide_password(store)),
            study=d.get("study", "study"),
            columns=MappingProxyType(dict(d.get("columns", {}))),
            sheet=d.get("sheet"),
            description=d.get("description"),
            flag=(d["flag"]["column"], d["flag"]["note"]) if "flag" in d else None,
            store=store,
            project=d.get("project"),
            outcome=(outcome,) if isinstance(outcome, str) else tuple(outcome),
            reviewer=d.get("reviewer"),
        )
    outcomes = []
    for name, o in raw["outcomes"].items():
        model = o.get("model", {})
        method = model.get("method", "REML")
        sens = o.get("sensitivity", {})
        bias = o.get("bias", {})
        grade = o.get("grade", {})
        pub = o.get("published")
        outcomes.append(
            OutcomeSpec(
                name=name,
                label=o.get("label", name),
                data=o["data"],
                measure=o["measure"],
                transf=o.get("transf", "none"),
                model=ModelSpec(
                    methods=tuple([method] if isinstance(method, str) else method),
                    test=model.get("test", "z"),
                    level=float(model.get("level", 95.0)),
                    glmm=bool(model.get("glmm", False)),
                ),
                ri=None if "ri" not in o else float(o["ri"]),
                filter=_filter(o.get("filter", {})),
                subgroups=tuple(
                    SubgroupSpec(name=k, column=v["column"], tau2=v.get("tau2", "separate"))
                    for k, v in o.get("subgroups", {}).items()
                ),
                moderators=tuple(
                    ModeratorSpec(name=k, formula=v) for k, v in o.get("moderators", {}).items()
                ),
                sensitivity=SensitivitySpec(
                    leave_one_out=sens.get("leave_one_out", False),
                    influence=sens.get("influence", False),
                    cumulative=sens.get("cumulative"),
                    estimators=tuple(sens.get("estimators", ())),
                    ri=tuple(float(r) for r in sens.get("ri", ())),
                    independent_groups=bool(sens.get("independent_groups", False)),
                    subsets=MappingProxyType(
                        {k: _filter(f) for k, f in sens.get("subsets", {}).items()}),
                ),
                bias=BiasSpec(**bias),
                median_method=o.get("conversions", {}).get("median_method"),
                grade=GradeSpec(
                    design=grade.get("design", design),
                    judgements=MappingProxyType(
                        {
                            k: Judgement(rating=v["rating"], reason=v["reason"])
                            for k, v in grade.items()
                            if isinstance(v, dict)
                        }
                    ),
                    upgrade=grade.get("upgrade", "none"),
                    upgrade_reason=grade.get("upgrade_reason"),
                    threshold=grade.get("threshold"),
                    ois=grade.get("ois"),
                    participants=tuple(grade.get("participants", ())),
                ),
                published=None if pub is None else PublishedSpec(**pub),
            )
        )
    return Plan(
        file=file,
        title=top["title"],
        design=design,
        authors=tuple(top.get("authors", ())),
        data=MappingProxyType(data),
        outcomes=tuple(outcomes),
        published_only=tuple(PublishedOnlySpec(name=k, **v)
                             for k, v in raw.get("published_only", {}).items()),
        raw=raw,
        lines=MappingProxyType(dict(lines)),
    )


def parse_plan(text: str, *, file: str = "<plan>", base_dir: Path | str = ".") -> Plan:
    """Parse and validate a plan given as TOML text.

    Parameters
    ----------
    text : str
        TOML source.
    file : str, keyword-only
        Name shown in error messages.
    base_dir : path, keyword-only
        Directory that relative data file paths are resolved against.

    Raises
    ------
    PlanError
        Invalid TOML (with its line) or a plan that breaks the constraint table.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise PlanError(
            f"not valid TOML: {exc}",
            file=file,
            line=int(match.group(1)) if match else None,
            hint="see https://toml.io for the syntax",
        ) from None
    validate_plan(raw, file=file, text=text)
    return _build(raw, file=file, base_dir=Path(base_dir), lines=locate_keys(text))


def load_plan(path: Path | str) -> Plan:
    """Read, parse and validate a plan file (data paths resolve relative to its folder).

    Parameters
    ----------
    path : path
        The ``.toml`` plan.

    Returns
    -------
    Plan
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return parse_plan(text, file=str(path), base_dir=path.parent)
