"""Run a validated analysis plan: each outcome's data -> effect sizes -> models -> results.

This is pure library code shared by ``metareview analyze`` and the web app: it reads the data
files a :class:`~metareview.plan.Plan` names, computes effect sizes with
:func:`metareview.effects.escalc`, fits the model with :func:`metareview.models.rma`, and
runs the subgroup analyses, meta-regressions, sensitivity analyses and small-study bias
tests the plan asks for, then judges the GRADE domains the tool can judge
(:mod:`metareview.report.sof`). It writes no files; :mod:`metareview.report` does.

Functions from the diagnostics and bias layers are called through :func:`_api`, which fails
loudly (naming the plan key that asked for them) when one is missing, never silently.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import InputError, NotApplicableError, PlanError
from metareview.analysis_sensitivity import (
    ALTERNATIVE_COLUMNS,
    GLMM_COLUMNS,
    _alternatives,
    _glmm,
    glmm_row,
    subgroup_table,
)
from metareview.plan import DataSource, OutcomeSpec, Plan

__all__ = [
    "ALTERNATIVE_COLUMNS",
    "GLMM_COLUMNS",
    "AnalysisResult",
    "OutcomeResult",
    "analysis_steps",
    "apply_filter",
    "glmm_row",
    "load_data",
    "null_value",
    "reporting_transform",
    "run_outcome",
    "run_plan",
    "subgroup_table",
]

#: comparative measures: no difference between groups is yi = 0 on the model scale
COMPARATIVE = frozenset(
    "RR OR RD AS PETO IRR IRD IRSD MD SMD SMDH ROM MC SMCC SMCR SMCRH ROMC COR UCOR ZCOR GEN"
    .split()
)


# --- data -----------------------------------------------------------------------------------


def load_data(source: DataSource, plan: Plan) -> pd.DataFrame:
    """Read one data source (CSV or Excel) and check that every mapped column exists.

    Raises
    ------
    PlanError
        The file is missing, of an unknown type, or lacks a column the plan maps (the error
        points at the plan line that names the column and lists the columns the file has).
    """
    base = ("data", source.name)
    if source.store is not None:
        return _load_store(source, plan)
    path = Path(source.file)
    if not path.is_file():
        raise plan.error(base + ("file",), f"data file not found: {path}",
                         "paths are relative to the plan file's folder")
    suffix = path.suffix.lower()
    excel = suffix in (".xlsx", ".xlsm")
    if source.sheet is not None and not excel:
        raise plan.error(base + ("sheet",),
                         f"sheet applies to Excel files; {path.name} is not one",
                         "remove the sheet key")
    if suffix in (".csv", ".txt"):
        frame = pd.read_csv(path, keep_default_na=True)
    elif suffix == ".tsv":
        frame = pd.read_csv(path, sep="\t")
    elif excel:
        import openpyxl

        sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
        if source.sheet is not None and source.sheet not in sheets:
            raise plan.error(base + ("sheet",), f"{path.name} has no sheet '{source.sheet}'",
                             "its sheets are: " + ", ".join(sheets))
        frame = pd.read_excel(path, sheet_name=source.sheet or 0, engine="openpyxl")
    else:
        raise plan.error(base + ("file",), f"cannot read {path.name}: use .csv, .tsv or .xlsx")
    _require_mapped_columns(frame, source, plan, lacks=f"{path.name} has no column",
                            listing="the file's columns are")
    return frame


def _load_store(source: DataSource, plan: Plan) -> pd.DataFrame:
    """The extracted data of a review store (:mod:`metareview.analysis_store`), checked
    against the columns the plan maps; store errors point at the plan's data source."""
    from metareview.analysis_store import extracted_frame

    base = ("data", source.name)
    try:
        frame = extracted_frame(str(source.store), outcome=source.outcome, project=source.project,
                                reviewer=source.reviewer)
    except InputError as exc:
        key = {"outcome": "outcome", "name": "project"}.get(exc.column or "", "store")
        raise plan.error(base + (key,), f"{exc.message} ({exc.file or source.file})",
                         exc.hint) from None
    _require_mapped_columns(frame, source, plan, lacks="the extracted data have no field",
                            listing="the fields are")
    return frame


def _require_mapped_columns(frame: pd.DataFrame, source: DataSource, plan: Plan, *, lacks: str,
                            listing: str) -> None:
    """Check that *frame* has every column the plan maps for *source* (its study column and
    its ``columns``), whether read from a file or from a review store.

    Raises
    ------
    PlanError
        At the plan line that names the first missing column: ``"{lacks} '{column}'"``, with
        the hint ``"{listing}: "`` followed by the columns *frame* has.
    """
    base = ("data", source.name)
    available = ", ".join(map(str, frame.columns))
    wanted = [("study", source.study)] + [("columns", c) for c in source.columns.values()]
    for key, column in wanted:
        if column not in frame.columns:
            arg = next((a for a, c in source.columns.items() if c == column), None)
            where = base + ((key, arg) if key == "columns" and arg else (key,))
            raise plan.error(where, f"{lacks} '{column}'", f"{listing}: {available}")


def _file_rows(frame: pd.DataFrame, positions: Any) -> list[int]:
    """1-based data rows of the file for positions in *frame* (which may be filtered: its
    index keeps the row's 0-based position in the file)."""
    index = frame.index.to_numpy()
    return [int(index[int(i)]) + 1 for i in np.atleast_1d(positions)]


def apply_filter(frame: pd.DataFrame, filt: Mapping[str, tuple[Any, ...]], plan: Plan,
                 path: tuple[str, ...]) -> pd.DataFrame:
    """The rows of *frame* whose every filter column holds one of the allowed values.

    The index is kept (each row's 0-based position in the file), so later messages name the
    file's rows. Raises :class:`~metareview.errors.PlanError` (pointing at the filter's line)
    for a missing column or a filter no row matches.

    Examples
    --------
    >>> f = pd.DataFrame({"o": ["a", "b", "a"], "x": [1, 2, 3]})
    >>> from metareview.plan import parse_plan
    >>> p = parse_plan('[plan]\\ntitle="t"\\n[data.d]\\nfile="d.csv"\\nstudy="o"\\n'
    ...                '[outcomes.y]\\ndata="d"\\nmeasure="GEN"\\nfilter={o="a"}\\n')
    >>> apply_filter(f, p.outcomes[0].filter, p, ("outcomes", "y", "filter"))["x"].tolist()
    [1, 3]
    """
    keep = np.ones(len(frame), dtype=bool)
    for column, values in filt.items():
        if column not in frame.columns:
            raise plan.error(path + (column,), f"the filter names the column '{column}', which "
                             "the data file does not have",
                             "the file's columns are: " + ", ".join(map(str, frame.columns)))
        keep &= frame[column].isin(list(values)).to_numpy()
    if not keep.any():
        shown = ", ".join(f"{c} in {list(v)}" for c, v in filt.items())
        raise plan.error(path, f"no row of the data file matches the filter ({shown})",
                         "check the spelling of the values against the file; values are "
                         "compared as written, so 2019 (a number) does not match \"2019\"")
    return frame[keep]


def _complete(frame: pd.DataFrame, column: str, file: str, what: str) -> pd.Series:
    """The column, refusing empty cells (a study must not silently fall into a 'nan' group)."""
    values = frame[column]
    missing = values.isna().to_numpy()
    if missing.any():
        rows = _file_rows(frame, np.flatnonzero(missing))
        raise InputError(f"empty cell in the {what} column", file=file, row=rows, column=column,
                         hint=f"every study needs a value for the {what}")
    return values


def _numeric(frame: pd.DataFrame, column: str, file: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        rows = _file_rows(frame, np.flatnonzero(bad.to_numpy()))
        first = frame[column][bad].iloc[0]
        raise InputError(f"not a number: {first!r}", file=file, row=rows, column=column,
                         hint="use a plain number (decimal point, no units)")
    return values.to_numpy(dtype=float)


# --- reporting scale --------------------------------------------------------------------------


def reporting_transform(name: str, *, ni: np.ndarray | None = None) -> Callable | None:
    """The function that takes the model scale to the reporting scale (None: identity).

    Examples
    --------
    >>> float(reporting_transform("exp")(np.log(2.0)))
    2.0
    >>> reporting_transform("none") is None
    True
    """
    if name == "none":
        return None
    if name == "exp":
        return np.exp
    if name == "ilogit":
        return lambda x: 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))
    if name == "ztor":
        return np.tanh
    if name == "iarcsin":
        return lambda x: np.sin(np.clip(np.asarray(x, dtype=float), 0, np.pi / 2)) ** 2
    if name in ("ipft", "ipft.hm"):
        from metareview.effects.transforms import transf_ipft_hm

        if ni is None:
            raise NotApplicableError(f"transf '{name}' needs the sample sizes ni")
        n = np.asarray(ni, dtype=float)
        # Miller JJ (1978), Am Stat 32(4):138, doi:10.1080/00031305.1978.10479283
        return lambda x: transf_ipft_hm(x, ni=n)
    raise NotApplicableError(f"unknown transformation {name!r}")


def null_value(measure: str, transf: str) -> float | None:
    """The value of 'no effect' on the reporting scale (None for single-group measures).

    Examples
    --------
    >>> null_value("RR", "exp"), null_value("SMD", "none"), null_value("PLO", "ilogit")
    (1.0, 0.0, None)
    """
    if measure not in COMPARATIVE:
        return None
    return 1.0 if transf == "exp" else 0.0


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeResult:
    """Everything computed for one outcome.

    Attributes
    ----------
    spec : OutcomeSpec
        What the plan asked for.
    effects : Effects
        The effect sizes (yi, vi, slab, conversions).
    fit : RMAResult
        The main model.
    summary : dict
        The main model's numbers (``fit.to_dict()``) plus ``pred``, ``pred_ci_lb``,
        ``pred_ci_ub``, ``pred_pi_lb``, ``pred_pi_ub`` on the reporting scale.
    tables : mapping of str to DataFrame
        Every table of results, by name (``studies``, ``model``, ``subgroups``, ...).
    tests : dict
        Small-study/publication bias test results (plain numbers).
    sof : SummaryOfFindings
        The GRADE assessment.
    objects : mapping
        Fitted objects the figures need (``subgroups``, ``trim_and_fill``, ...).
    participants : int or None
        Number of participants (sum of the plan's ``grade.participants`` columns).
    warnings : tuple of str
        Warnings raised while computing effect sizes and fitting the main model.
    notes : tuple of str
        Analyses the plan asked for that could not apply here, and why.
    """

    spec: OutcomeSpec
    effects: Any
    fit: Any
    summary: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    tests: Mapping[str, Any]
    sof: Any
    objects: Mapping[str, Any] = field(default_factory=dict, repr=False)
    participants: int | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalysisResult:
    """The results of a whole plan, in plan order."""

    plan: Plan
    outcomes: tuple[OutcomeResult, ...]
    versions: Mapping[str, str]

    def outcome(self, name: str) -> OutcomeResult:
        for o in self.outcomes:
            if o.spec.name == name:
                return o
        raise KeyError(name)


_TEST_NAMES = {"egger": "Egger", "begg": "Begg"}


# --- the run -----------------------------------------------------------------------------------


def _api(module: str, name: str, plan_key: str) -> Callable[..., Any]:
    """A function of another layer, or a loud error naming the plan key that needs it."""
    try:
        mod = importlib.import_module(f"metareview.{module}")
        return getattr(mod, name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise NotImplementedError(
            f"metareview.{module}.{name} is not available ({exc}); the plan key {plan_key} "
            "needs it"
        ) from exc


def analysis_steps(plan: Plan) -> list[tuple[str, str]]:
    """The (outcome, step) pairs :func:`run_plan` reports progress on, in order."""
    steps: list[tuple[str, str]] = []
    for o in plan.outcomes:
        steps.append((o.name, "effect sizes and model"))
        steps += [(o.name, f"subgroups: {s.name}") for s in o.subgroups]
        steps += [(o.name, f"meta-regression: {m.name}") for m in o.moderators]
        steps.append((o.name, "sensitivity analyses"))
        steps.append((o.name, "bias tests and GRADE"))
    return steps


def versions() -> dict[str, str]:
    """Versions of the software that computed the results (for the methods and results.json)."""
    import scipy

    import metareview

    return {"metareview": metareview.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "pandas": pd.__version__}


def run_plan(plan: Plan, *, progress: Callable[[str, str], None] | None = None) -> AnalysisResult:
    """Run every outcome of *plan*.

    Parameters
    ----------
    plan : Plan
        A validated plan (:func:`metareview.plan.load_plan`).
    progress : callable, keyword-only
        Called as ``progress(outcome_name, step)`` after each step in
        :func:`analysis_steps`.

    Returns
    -------
    AnalysisResult
    """
    frames: dict[str, pd.DataFrame] = {}
    results = []
    for spec in plan.outcomes:
        if spec.data not in frames:
            frames[spec.data] = load_data(plan.data[spec.data], plan)
        frame = frames[spec.data]
        if spec.filter:
            frame = apply_filter(frame, spec.filter, plan, ("outcomes", spec.name, "filter"))
        try:
            results.append(run_outcome(plan, spec, frame, progress=progress,
                                       data=frames[spec.data]))
        except InputError as exc:
            if plan.data[spec.data].store is None or exc.row is None or isinstance(
                    exc, PlanError):
                raise
            raise _with_studies(exc, plan.data[spec.data], frames[spec.data]) from None
    return AnalysisResult(plan=plan, outcomes=tuple(results), versions=versions())


def _with_studies(exc: InputError, source: DataSource, data: pd.DataFrame) -> InputError:
    """A data error from a review store, its rows (positions in the extracted table) named
    by study label and extraction form, which is how the store knows them."""
    from metareview.analysis_store import OUTCOME_COLUMN

    rows = [exc.row] if isinstance(exc.row, int) else list(exc.row or ())
    named = []
    for r in rows[:5]:
        rec = data.iloc[r - 1]
        form = f", form {rec[OUTCOME_COLUMN]!r}" if OUTCOME_COLUMN in data.columns else ""
        named.append(f"study {rec[source.study]!r}{form}")
    more = f" and {len(rows) - 5} more" if len(rows) > 5 else ""
    return InputError(f"{exc.message} ({'; '.join(named)}{more})", file=exc.file, row=exc.row,
                      column=exc.column, hint=exc.hint)


#: measures whose means/SDs may be completed from other reported forms, and their groups
PREP_GROUPS: dict[str, tuple[str, ...]] = {
    "MD": ("1", "2"), "SMD": ("1", "2"), "SMDH": ("1", "2"), "ROM": ("1", "2"),
    "MN": ("",), "MNLN": ("",),
}


def _prep_columns(groups: tuple[str, ...]) -> set[str]:
    """The non-escalc columns (SE, CI, median, quartiles, range) read for *groups*."""
    from metareview.effects.prepare import form_columns

    return {name for g in groups for key, name in form_columns(g).items()
            if key not in ("n", "m", "sd")}


def _translated(exc: InputError, source: DataSource, frame: pd.DataFrame) -> InputError:
    """An error about an escalc argument, re-pointed at the data file, its row and column."""
    column = source.columns.get(exc.column, exc.column) if exc.column else None
    row = exc.row
    if row is not None:
        inner = [row] if isinstance(row, int) else list(row)
        row = _file_rows(frame, [r - 1 for r in inner])
    return InputError(exc.message, file=str(source.file), row=row, column=column,
                      hint=exc.hint)


def _effects(plan: Plan, spec: OutcomeSpec, frame: pd.DataFrame) -> Any:
    from metareview.effects import escalc

    source = plan.data[spec.data]
    file = str(source.file)
    args = {arg: _numeric(frame, col, file) for arg, col in source.columns.items()}
    slab = frame[source.study].astype(str).tolist()
    conversions: Any = ()
    every_prep = _prep_columns(("1", "2", ""))
    mapped = sorted(set(args) & every_prep - ({"sei"} if spec.measure == "GEN" else set()))
    if mapped:
        groups = PREP_GROUPS.get(spec.measure)
        if groups is None:
            raise plan.error(
                ("data", source.name, "columns", mapped[0]),
                f"{mapped[0]} is a reported form of a continuous outcome, which can be "
                f"converted only for {', '.join(PREP_GROUPS)}; outcome {spec.name} uses "
                f"{spec.measure}")
        from metareview.effects import prepare_continuous

        try:
            completed, conversions = prepare_continuous(
                pd.DataFrame(args), groups=groups, method=spec.median_method or "luo_wan")
        except InputError as exc:
            raise _translated(exc, source, frame) from None
        keep = {k: v for k, v in args.items() if k not in every_prep}
        for g in groups:
            for col in (f"m{g}i", f"sd{g}i"):
                keep[col] = completed[col].to_numpy(dtype=float)
        args = keep
    if spec.measure == "GEN":
        return _given_effects(plan, source, frame, args, slab)
    if spec.ri is not None:
        args["ri"] = np.full(len(frame), spec.ri)
    try:
        return escalc(spec.measure, **args, slab=slab, conversions=conversions)
    except InputError as exc:
        if exc.file is not None:
            raise
        raise _translated(exc, source, frame) from None


def _given_effects(plan: Plan, source: DataSource, frame: pd.DataFrame,
                   args: dict[str, np.ndarray], slab: list[str]) -> Any:
    """Effect sizes given as they are (measure ``GEN``): ``yi`` with ``vi``, or with ``sei``
    (vi = sei^2), as metafor's ``rma(yi, vi)`` / ``rma(yi, sei = ...)`` take them
    (Viechtbauer 2010, J Stat Softw 36(3):1-48, doi:10.18637/jss.v036.i03)."""
    from metareview.effects import Effects

    file = str(source.file)
    base = ("data", source.name, "columns")
    if "yi" not in args or not ({"vi", "sei"} & set(args)):
        raise plan.error(base, "measure GEN needs the columns yi and vi (or sei) mapped",
                         'e.g. columns = { yi = "yi", vi = "vi" }')
    spread = "vi" if "vi" in args else "sei"
    yi, sp = args["yi"], args[spread]
    for name, values, ok in (("yi", yi, np.isfinite(yi)),
                             (spread, sp, np.isfinite(sp) & (sp > 0))):
        if not ok.all():
            bad = np.flatnonzero(~ok)
            raise InputError(f"{name} must be a finite number" + ("" if name == "yi" else
                             " above 0") + f"; got {values[bad[0]]!r}", file=file,
                             row=_file_rows(frame, bad), column=source.columns[name])
    vi = sp if spread == "vi" else sp ** 2
    return Effects("GEN", yi=yi, vi=vi, slab=tuple(slab))


def _with_scale(frame: pd.DataFrame, transf: Callable | None,
                cols: tuple[str, ...] = ("estimate", "ci_lb", "ci_ub")) -> pd.DataFrame:
    """Add ``<col>_scaled`` columns on the reporting scale (unchanged if no transform)."""
    out = frame.copy()
    for c in cols:
        if c in out:
            values = out[c].to_numpy(dtype=float)
            out[f"{c}_scaled"] = values if transf is None else transf(values)
    return out


def _quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """Call *fn*; return its result and the text of each warning (kept in a table's notes)."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, list(dict.fromkeys(str(w.message) for w in record))


def _flags(plan: Plan, source: DataSource, frame: pd.DataFrame) -> dict[str, str]:
    """Study label -> footnote for the rows the data source's ``flag`` column marks."""
    if source.flag is None:
        return {}
    column, note = source.flag
    if column not in frame.columns:
        raise plan.error(("data", source.name, "flag", "column"),
                         f"{Path(source.file).name} has no column '{column}'",
                         "the file's columns are: " + ", ".join(map(str, frame.columns)))
    values = frame[column]
    if values.dtype != bool:
        text = values.astype(str).str.strip().str.lower()
        bad = ~text.isin(["true", "false"]).to_numpy()
        if bad.any():
            raise InputError(f"the flag column must hold true or false; got "
                             f"{values[bad].iloc[0]!r}", file=str(source.file),
                             row=_file_rows(frame, np.flatnonzero(bad)), column=column)
        values = text == "true"
    slab = frame[source.study].astype(str).to_numpy()
    return {str(s): note for s in slab[values.to_numpy(dtype=bool)]}


def _converted_flags(eff: Any) -> dict[str, str]:
    """Study label -> footnote for the studies whose mean or SD this run estimated from a
    median (the conversions :func:`metareview.effects.prepare_continuous` applied)."""
    if not len(eff.conversions):
        return {}
    conv = eff.conversions_frame()
    median = conv["method"].astype(str).str.contains("median", case=False).to_numpy()
    rows = sorted({int(r) for r in conv.loc[median, "row"]})
    return {str(eff.slab[r - 1]): "mean and SD estimated from a median (see the conversions "
            "table)" for r in rows}


def run_outcome(plan: Plan, spec: OutcomeSpec, frame: pd.DataFrame, *,
                progress: Callable[[str, str], None] | None = None,
                data: pd.DataFrame | None = None) -> OutcomeResult:
    """Run everything the plan asks for one outcome (see :func:`run_plan`).

    *frame* holds the outcome's rows (the plan's filter applied); *data* is the whole data
    source, which the sensitivity subsets filter afresh (default: *frame*).
    """
    from metareview.models import predict, rma
    from metareview.report.sof import assess_certainty

    def tick(step: str) -> None:
        if progress is not None:
            progress(spec.name, step)

    source = plan.data[spec.data]
    base = ("outcomes", spec.name)
    m = spec.model
    opts = {"method": m.methods if len(m.methods) > 1 else m.methods[0], "test": m.test,
            "level": m.level}
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        eff = _effects(plan, spec, frame)
        fit = rma(eff, **opts)
    caught += [str(w.message) for w in record]
    for w in record:  # re-raise so callers (and pytest's filterwarnings) still see them
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    transf = reporting_transform(spec.transf, ni=getattr(eff, "ni", None))
    pred = predict(fit, transf=transf)
    summary = dict(fit.to_dict())
    summary["method_used"] = fit.method_used
    for name in ("pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        key = "pred" if name == "pred" else f"pred_{name}"
        summary[key] = float(np.atleast_1d(getattr(pred, name))[0])
    tables: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    flags = {**_converted_flags(eff), **_flags(plan, source, frame)}
    studies = eff.to_frame()
    studies["weight"] = np.asarray(fit.weights, dtype=float)
    if source.flag is not None or flags:
        studies["flag"] = [flags.get(str(s), "") for s in eff.slab]
    tables["studies"] = studies
    tables["model"] = fit.summary().reset_index(names="term")
    if len(eff.conversions):
        tables["conversions"] = eff.conversions_frame()
    objects: dict[str, Any] = {"predict": pred, "flags": flags}
    tick("effect sizes and model")

    # subgroups
    if spec.subgroups:
        rows = []
        for sg_spec in spec.subgroups:
            if sg_spec.column not in frame.columns:
                raise plan.error(base + ("subgroups", sg_spec.name, "column"),
                                 f"{Path(source.file).name} has no column '{sg_spec.column}'",
                                 "the file's columns are: " + ", ".join(map(str, frame.columns)))
            groups = _complete(frame, sg_spec.column, str(source.file), "subgroup")
            est, sg = subgroup_table(eff, groups.astype(str).to_numpy(), name=sg_spec.name,
                                     column=sg_spec.column, method=opts["method"],
                                     tau2=sg_spec.tau2, test=m.test, level=m.level,
                                     measure=spec.measure, transf=transf)
            if sg is not None:
                objects[f"subgroup:{sg_spec.name}"] = sg
            rows.append(est)
            tick(f"subgroups: {sg_spec.name}")
        tables["subgroups"] = pd.concat(rows, ignore_index=True)

    # meta-regression
    if spec.moderators:
        rows = []
        for mod in spec.moderators:
            try:
                mfit = rma(eff.yi, eff.vi, mods=mod.formula, data=frame, method=opts["method"],
                           test=m.test, level=m.level, slab=eff.slab, measure=spec.measure)
            except InputError as exc:
                raise plan.error(base + ("moderators", mod.name),
                                 f"cannot fit the formula {mod.formula!r}: {exc}") from None
            objects[f"moderator:{mod.name}"] = mfit
            coef = mfit.summary().reset_index(names="term")
            coef.insert(0, "model", mod.name)
            coef.insert(1, "formula", mod.formula)
            coef["tau2"] = float(mfit.tau2)
            coef["QM"] = float(mfit.QM)
            coef["QMp"] = float(mfit.QMp)
            coef["R2"] = np.nan if mfit.R2 is None else float(mfit.R2)
            rows.append(coef)
            tick(f"meta-regression: {mod.name}")
        tables["moderators"] = pd.concat(rows, ignore_index=True)

    # sensitivity
    sens = spec.sensitivity
    sbase = ".".join(base + ("sensitivity",))
    if sens.leave_one_out and fit.k < 3:
        notes.append(f"leave-one-out not run: it needs k >= 3 (k = {fit.k})")
    elif sens.leave_one_out:
        loo = _api("diagnostics", "leave_one_out", f"{sbase}.leave_one_out")(fit)
        objects["leave_one_out"] = loo
        tables["leave_one_out"] = _with_scale(loo.to_frame(), transf)
    if sens.influence:
        bj = _api("diagnostics", "baujat", f"{sbase}.influence")(fit)
        objects["baujat"] = bj
        tables["baujat"] = bj.to_frame()
        inf = _api("diagnostics", "influence", f"{sbase}.influence")(fit)
        objects["influence"] = inf
        tables["influence"] = inf.to_frame()
    if sens.cumulative is not None:
        col = sens.cumulative
        if col not in frame.columns:
            raise plan.error(base + ("sensitivity", "cumulative"),
                             f"{Path(source.file).name} has no column '{col}'")
        order = _complete(frame, col, str(source.file), "cumulative order").to_numpy()
        cum = _api("diagnostics", "cumulative", f"{sbase}.cumulative")(fit, order=order)
        objects["cumulative"] = cum
        tables["cumulative"] = _with_scale(cum.to_frame(), transf)
    if sens.estimators:
        methods = tuple(dict.fromkeys((fit.method_used, *sens.estimators)))
        est = _api("diagnostics", "estimator_sensitivity", f"{sbase}.estimators")(
            fit, methods=methods)
        tables["estimators"] = _with_scale(est, transf)
    if sens.ri:
        ri = _api("diagnostics", "ri_sensitivity", f"{sbase}.ri")(
            spec.measure, ri=list(sens.ri), data=frame, columns=dict(source.columns),
            method=fit.method_used, test=m.test, level=m.level)
        objects["ri_sensitivity"] = ri
        tables["ri_sensitivity"] = _with_scale(ri.to_frame(), transf)
    if sens.independent_groups or sens.subsets:
        alt = _alternatives(plan, spec, frame, frame if data is None else data, fit, opts)
        tables["alternatives"] = _with_scale(alt, transf)
    if m.glmm:
        tables["glmm"] = _glmm(plan, spec, frame, int(fit.k))
    tick("sensitivity analyses")

    # small-study / publication bias
    bias = spec.bias
    bbase = ".".join(base + ("bias",))
    tests: dict[str, Any] = {}
    # Egger and Begg only with enough studies: Sterne JAC et al. (2011). Recommendations for
    # examining and interpreting funnel plot asymmetry. BMJ 343:d4002. doi:10.1136/bmj.d4002
    gate = f"not applicable: k < {bias.min_k}" if fit.k < bias.min_k else None
    if bias.egger and gate:
        tests["egger"] = {"status": gate}
    elif bias.egger:
        eg = _api("bias", "regtest", f"{bbase}.egger")(fit)
        tests["egger"] = {"zval": float(eg.zval), "pval": float(eg.pval),
                          "limit_estimate": float(eg.limit_estimate), "status": "done"}
    if bias.begg and gate:
        tests["begg"] = {"status": gate}
    elif bias.begg:
        rk = _api("bias", "ranktest", f"{bbase}.begg")(fit)
        tests["begg"] = {"tau": float(rk.tau), "pval": float(rk.pval), "status": "done"}
    if bias.trim_and_fill:
        tf = _api("bias", "trim_and_fill", f"{bbase}.trim_and_fill")(fit)
        objects["trim_and_fill"] = tf
        tests["trim_and_fill"] = {
            "k0": int(tf.k0), "side": str(tf.side), "estimate": float(tf.fit.estimate),
            "ci_lb": float(tf.fit.ci_lb[0]), "ci_ub": float(tf.fit.ci_ub[0]),
        }
    if bias.fail_safe_n:
        fs = _api("bias", "fail_safe_n", f"{bbase}.fail_safe_n")(eff.yi, eff.vi)
        tests["fail_safe_n"] = {"fsnum": float(fs.fsnum), "type": str(getattr(fs, "type", ""))}
    if tests:
        stat = {"egger": "zval", "begg": "tau", "trim_and_fill": "k0", "fail_safe_n": "fsnum"}
        rows = [{"test": name, "statistic": v.get(stat[name], np.nan),
                 "pval": v.get("pval", np.nan), "status": v.get("status", "done")}
                for name, v in tests.items()]
        tables["bias_tests"] = pd.DataFrame(rows, columns=["test", "statistic", "pval",
                                                           "status"])

    participants = None
    if spec.grade.participants:
        missing = [c for c in spec.grade.participants if c not in frame.columns]
        if missing:
            raise plan.error(base + ("grade", "participants"),
                             f"{Path(source.file).name} has no column '{missing[0]}'")
        participants = int(sum(
            _numeric(_complete(frame, c, str(source.file), "participants").to_frame(), c,
                     str(source.file)).sum()
            for c in spec.grade.participants))
    sof = assess_certainty(
        outcome=spec.label, design=spec.grade.design, k=fit.k, participants=participants,
        estimate=summary["pred"], ci_lb=summary["pred_ci_lb"], ci_ub=summary["pred_ci_ub"],
        pi_lb=summary["pred_pi_lb"], pi_ub=summary["pred_pi_ub"], I2=float(fit.I2),
        null=null_value(spec.measure, spec.transf), threshold=spec.grade.threshold,
        ois=spec.grade.ois,
        bias_pvals={_TEST_NAMES[k]: v["pval"] for k, v in tests.items() if "pval" in v},
        judgements=spec.grade.judgements, upgrade=spec.grade.upgrade,
        upgrade_reason=spec.grade.upgrade_reason,
    )
    tick("bias tests and GRADE")
    return OutcomeResult(spec=spec, effects=eff, fit=fit, summary=summary, tables=tables,
                         tests=tests, sof=sof, objects=objects, participants=participants,
                         warnings=tuple(caught), notes=tuple(notes))
