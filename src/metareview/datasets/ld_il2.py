"""The LD-IL-2 data set: loading with provenance, and analysis-ready tables per outcome.

The flagship example of metareview re-runs, from primary data, the meta-analysis of
low-dose interleukin-2 in autoimmune rheumatic diseases of Su Q et al. (2024), Rheumatol Ther
11(1):79-96, doi:10.1007/s40744-023-00620-7, and its SLE sibling Su QY et al. (2024),
Immun Inflamm Dis 12(1):e1165, doi:10.1002/iid3.1165.

Files (``metareview/datasets/data``, described in ``ld_il2_README.md``):

* ``ld_il2_studies.csv``: the study rows, verbatim from the shared corpus (numbers never
  changed here);
* ``ld_il2_cohorts.csv``: for every study row (by its 1-based ``row``) the cohort it belongs
  to and whether it is the row counted ("cohorts reported more than once are counted once",
  written in the data, with the reason);
* ``ld_il2_coding.csv``: the analysis outcome each row feeds, whether it is the primary
  timepoint, the disease and dose-regimen subgroups and whether the source is secondary;
* ``ld_il2_published.csv``: the published pooled numbers a re-analysis is set beside.

Direction of the pre/post effect sizes: for metafor's ``SMCR`` (Becker 1988, Br J Math Stat
Psychol 41:257-278, doi:10.1111/j.2044-8317.1988.tb00901.x; Morris 2000, Br J Math Stat
Psychol 53:17-29, doi:10.1348/000711000159150), :math:`d = (m_{1i} - m_{2i}) / sd_{1i}`.
The tables put the post-treatment mean in ``m1i``, the pre-treatment mean in ``m2i`` and the
pre-treatment SD in ``sd1i`` (``sd2i`` holds the post-treatment SD, unused by SMCR), so a
positive SMD means the value rose after treatment, standardised by the baseline SD.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from metareview.datasets import data_path
from metareview.effects import prepare_continuous
from metareview.effects.conversions import MEDIAN_METHODS
from metareview.errors import InputError

__all__ = [
    "CONTINUOUS_COLUMNS",
    "COUNT_COLUMNS",
    "EXCLUDED_COLUMNS",
    "OutcomeTables",
    "analysis_tables",
    "load_ld_il2",
    "load_published",
    "parse_note_quantiles",
    "run",
]

STUDIES = "ld_il2_studies.csv"
COHORTS = "ld_il2_cohorts.csv"
CODING = "ld_il2_coding.csv"
PUBLISHED = "ld_il2_published.csv"

NUMERIC = ("n", "pre_mean", "pre_sd", "post_mean", "post_sd", "events", "total")
KEY = ("study_id", "outcome", "timepoint")
QUANTILES = ("pre_q1", "pre_q3", "post_q1", "post_q3", "pre_min", "pre_max", "post_min",
             "post_max")
_QUANTILE_RE = re.compile(r"\b(pre|post)_(q1|q3|min|max)=(-?\d+(?:\.\d+)?)")
_NEEDS = {"median_iqr": ("pre_q1", "pre_q3", "post_q1", "post_q3"),
          "median_range": ("pre_min", "pre_max", "post_min", "post_max")}
STAT_FORMS = ("mean_sd", "median_iqr", "median_range", "count")
KINDS = ("continuous", "count", "not_analysable")
OVERLAP = ("unique", "reported_elsewhere", "possible_duplicate", "duplicate")

CONTINUOUS_COLUMNS = (
    "row", "study_id", "cohort", "disease_group", "dose_group", "ni", "m1i", "m2i", "sd1i",
    "sd2i", "pre_mean", "pre_sd", "post_mean", "post_sd", "stat_form", "converted",
    "conversion", "secondary", "unit", "timepoint", "source_url", "source_location",
)
COUNT_COLUMNS = (
    "row", "study_id", "cohort", "disease_group", "dose_group", "xi", "ni", "secondary",
    "timepoint", "source_url", "source_location",
)
EXCLUDED_COLUMNS = ("row", "study_id", "outcome", "timepoint", "analysis_outcome", "reason")
CONVERSION_COLUMNS = ("row", "study_id", "analysis_outcome", "column", "from_form", "method",
                      "reference")


def _read_text(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path(name), dtype=str, keep_default_na=False)


def _numbers(frame: pd.DataFrame, columns: tuple[str, ...], file: str) -> pd.DataFrame:
    out = {}
    for col in columns:
        text = frame[col].str.strip()
        num = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = num.isna() & (text != "")
        if bad.any():
            rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
            raise InputError(f"{col} must be a number (got {text[bad].iloc[0]!r})", file=file,
                             row=rows, column=col, hint="remove text and units from the cell")
        out[col] = num.astype(np.float64)
    return pd.DataFrame(out, index=frame.index)


def _booleans(frame: pd.DataFrame, column: str, file: str) -> pd.Series:
    text = frame[column].str.strip().str.lower()
    bad = ~text.isin(["true", "false"])
    if bad.any():
        rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
        raise InputError(f"{column} must be true or false (got {frame[column][bad].iloc[0]!r})",
                         file=file, row=rows, column=column)
    return text == "true"


def _choice(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], file: str) -> None:
    bad = ~frame[column].isin(allowed)
    if bad.any():
        rows = [int(i) + 1 for i in np.flatnonzero(bad.to_numpy())]
        raise InputError(f"{column} {frame[column][bad].iloc[0]!r} is not one of "
                         f"{', '.join(allowed)}", file=file, row=rows, column=column)


def parse_note_quantiles(notes: pd.Series, stat_form: pd.Series, *,
                         file: str = STUDIES) -> pd.DataFrame:
    """The quartiles and ranges written in the ``note`` column as numbers.

    ``pre_q1=..;pre_q3=..;post_q1=..;post_q3=..`` (``median_iqr``) and
    ``pre_min=..;pre_max=..;post_min=..;post_max=..`` (``median_range``) become the columns
    ``pre_q1, pre_q3, post_q1, post_q3, pre_min, pre_max, post_min, post_max`` (NaN where a
    row does not give them).

    Raises
    ------
    InputError
        A median row without all four values of its form, a value given twice, or quantiles
        on a row whose ``stat_form`` is not a median form (names file, row and column).

    Examples
    --------
    >>> q = parse_note_quantiles(pd.Series(["pre_q1=2.3;pre_q3=11.5;post_q1=7.0;post_q3=20.0; "
    ...                                     "Z=-2.808"]), pd.Series(["median_iqr"]))
    >>> q.loc[0, ["pre_q1", "post_q3"]].tolist()
    [2.3, 20.0]
    """
    out = pd.DataFrame(np.nan, index=notes.index, columns=list(QUANTILES))
    for i, (note, form) in enumerate(zip(notes.tolist(), stat_form.tolist(), strict=True)):
        found: dict[str, float] = {}
        for when, what, value in _QUANTILE_RE.findall(note):
            name = f"{when}_{what}"
            if name in found:
                raise InputError(f"{name} is given twice in the note", file=file, row=i + 1,
                                 column="note")
            found[name] = float(value)
        needs = _NEEDS.get(form, ())
        missing = [n for n in needs if n not in found]
        if missing:
            raise InputError(f"a {form} row needs {', '.join(missing)} in the note",
                             file=file, row=i + 1, column="note",
                             hint="write them as pre_q1=..;pre_q3=..;post_q1=..;post_q3=.. "
                                  "(or pre_min=..;pre_max=..;post_min=..;post_max=..)")
        extra = [n for n in found if n not in needs]
        if extra:
            raise InputError(f"{', '.join(extra)} in the note of a {form} row", file=file,
                             row=i + 1, column="note",
                             hint="quartiles or ranges belong to median_iqr/median_range rows")
        for name, value in found.items():
            out.iloc[i, out.columns.get_loc(name)] = value
    return out


def _companion(name: str, studies: pd.DataFrame) -> pd.DataFrame:
    comp = _read_text(name)
    rows = pd.to_numeric(comp["row"], errors="coerce")
    expected = np.arange(1, len(studies) + 1)
    if len(comp) != len(studies) or not np.array_equal(rows.to_numpy(), expected):
        raise InputError(f"{name} must have one line per row of {STUDIES}, rows 1 to "
                         f"{len(studies)} in order (has {len(comp)} lines)", file=name,
                         column="row")
    for col in KEY:
        bad = comp[col].to_numpy() != studies[col].to_numpy()
        if bad.any():
            rows_bad = [int(i) + 1 for i in np.flatnonzero(bad)]
            raise InputError(f"{col} does not match {STUDIES} (got {comp[col][bad].iloc[0]!r}, "
                             f"expected {studies[col][bad].iloc[0]!r})", file=name,
                             row=rows_bad, column=col,
                             hint="the companion files are keyed by row, study_id, outcome "
                                  "and timepoint; update them when the studies change")
    return comp


def load_ld_il2(*, include_overlapping: bool = False) -> pd.DataFrame:
    """Load the LD-IL-2 study rows with their provenance and the counted-once rule applied.

    Every column of ``ld_il2_studies.csv`` is kept (``source_url``, ``source_location`` and
    ``note`` as text; the numbers as floats, unchanged), and added:

    * ``row``: the 1-based row in ``ld_il2_studies.csv``;
    * ``pre_q1, pre_q3, post_q1, post_q3, pre_min, pre_max, post_min, post_max``: parsed from
      ``note`` (:func:`parse_note_quantiles`);
    * from ``ld_il2_cohorts.csv``: ``cohort``, ``overlap`` (unique, reported_elsewhere,
      possible_duplicate, duplicate), ``counted`` and ``overlap_reason``;
    * from ``ld_il2_coding.csv``: ``analysis_outcome``, ``kind`` (continuous, count,
      not_analysable), ``primary_timepoint``, ``disease_group``, ``dose_group``,
      ``source_kind``, ``secondary`` (True for a later paper's own tabulation or a news
      report) and ``coding_note``.

    Parameters
    ----------
    include_overlapping : bool
        Keep the rows the cohort file marks as not counted (a cohort reported more than once),
        for a sensitivity analysis. By default they are left out.

    Returns
    -------
    DataFrame
        One row per study, outcome and timepoint, in file order.

    Examples
    --------
    >>> df = load_ld_il2()
    >>> int(df["counted"].all()), sorted(set(range(1, 36)) - set(df["row"]))
    (1, [25])
    """
    studies = _read_text(STUDIES)
    missing = [c for c in (*KEY, *NUMERIC, "stat_form", "source_url", "source_location",
                           "note") if c not in studies.columns]
    if missing:
        raise InputError(f"missing columns: {', '.join(missing)}", file=STUDIES,
                         column=missing[0])
    _choice(studies, "stat_form", STAT_FORMS, STUDIES)
    nums = _numbers(studies, NUMERIC, STUDIES)
    out = studies.copy()
    for col in NUMERIC:
        out[col] = nums[col]
    out.insert(0, "row", np.arange(1, len(out) + 1))
    quant = parse_note_quantiles(studies["note"], studies["stat_form"])
    for col in QUANTILES:
        out[col] = quant[col]

    cohorts = _companion(COHORTS, studies)
    _choice(cohorts, "overlap", OVERLAP, COHORTS)
    out["cohort"] = cohorts["cohort"].to_numpy()
    out["overlap"] = cohorts["overlap"].to_numpy()
    out["counted"] = _booleans(cohorts, "counted", COHORTS).to_numpy()
    out["overlap_reason"] = cohorts["reason"].to_numpy()
    dup = cohorts["overlap"].eq("duplicate").to_numpy() & out["counted"].to_numpy()
    if dup.any():
        raise InputError("a row marked as a duplicate is counted", file=COHORTS,
                         row=[int(i) + 1 for i in np.flatnonzero(dup)], column="counted",
                         hint="count only one report of each cohort")

    coding = _companion(CODING, studies)
    _choice(coding, "kind", KINDS, CODING)
    _choice(coding, "source_kind", ("primary", "secondary"), CODING)
    for col in ("analysis_outcome", "disease_group", "dose_group"):
        blank = coding[col].str.strip() == ""
        if blank.any():
            raise InputError(f"{col} is empty", file=CODING, column=col,
                             row=[int(i) + 1 for i in np.flatnonzero(blank.to_numpy())])
    for col in ("analysis_outcome", "kind", "disease_group", "dose_group", "source_kind"):
        out[col] = coding[col].to_numpy()
    out["primary_timepoint"] = _booleans(coding, "primary_timepoint", CODING).to_numpy()
    out["secondary"] = coding["source_kind"].eq("secondary").to_numpy()
    out["coding_note"] = coding["coding_note"].to_numpy()
    _check_one_primary(out)
    if not include_overlapping:
        out = out[out["counted"]].reset_index(drop=True)
    return out


def _check_one_primary(df: pd.DataFrame) -> None:
    """Each cohort feeds each analysis outcome with at most one primary-timepoint row."""
    prim = df[df["primary_timepoint"] & df["counted"]]
    dup = prim.duplicated(["cohort", "analysis_outcome"], keep=False)
    if dup.any():
        raise InputError("a cohort has more than one counted primary-timepoint row for one "
                         "analysis outcome", file=CODING, row=prim.loc[dup, "row"].tolist(),
                         column="primary_timepoint",
                         hint="mark one timepoint per study and outcome as primary")


def load_published() -> pd.DataFrame:
    """The published pooled numbers (``ld_il2_published.csv``): ``analysis_outcome,
    disease_group, dose_group`` (the scope; empty = all), ``measure, estimate, ci_lb, ci_ub,
    source, statement, caveat`` (what differs between the paper's outcome and the data's).

    >>> float(load_published().set_index("statement").iloc[1]["estimate"])
    1.13
    """
    pub = _read_text(PUBLISHED)
    nums = _numbers(pub, ("estimate", "ci_lb", "ci_ub"), PUBLISHED)
    for col in ("estimate", "ci_lb", "ci_ub"):
        pub[col] = nums[col]
    return pub


@dataclass(frozen=True)
class OutcomeTables:
    """Analysis-ready tables, one per analysis outcome.

    Attributes
    ----------
    continuous : mapping of str to DataFrame
        Pre/post outcomes, columns :data:`CONTINUOUS_COLUMNS`: the SMCR inputs ``m1i``
        (post mean), ``m2i`` (pre mean), ``sd1i`` (pre SD, the standardiser), ``sd2i``
        (post SD), ``ni``; medians converted to means/SDs are flagged in ``converted`` and
        described in ``conversion``.
    counts : mapping of str to DataFrame
        Count outcomes (adverse events, response, remission), columns :data:`COUNT_COLUMNS`
        (``xi`` events, ``ni`` total).
    excluded : DataFrame
        Every study row that is in no table, with the reason (:data:`EXCLUDED_COLUMNS`).
    conversions : DataFrame
        One line per derived mean or SD (:data:`CONVERSION_COLUMNS`).
    median_method : str
        The estimators used for medians.
    """

    continuous: Mapping[str, pd.DataFrame]
    counts: Mapping[str, pd.DataFrame]
    excluded: pd.DataFrame
    conversions: pd.DataFrame
    median_method: str

    def summary(self) -> pd.DataFrame:
        """One line per outcome: ``analysis_outcome, kind, k, converted, secondary, studies``."""
        rows = []
        for kind, tables in (("continuous", self.continuous), ("count", self.counts)):
            for name, t in tables.items():
                conv = int(t["converted"].sum()) if "converted" in t else 0
                rows.append({"analysis_outcome": name, "kind": kind, "k": len(t),
                             "converted": conv, "secondary": int(t["secondary"].sum()),
                             "studies": "; ".join(t["study_id"])})
        return pd.DataFrame(rows, columns=["analysis_outcome", "kind", "k", "converted",
                                           "secondary", "studies"])

    to_frame = summary


def _excluded(df: pd.DataFrame, mask: np.ndarray, reason: Any) -> pd.DataFrame:
    part = df.loc[mask, ["row", "study_id", "outcome", "timepoint", "analysis_outcome"]].copy()
    part["reason"] = reason if isinstance(reason, str) else reason[mask]
    return part


def analysis_tables(data: pd.DataFrame | None = None, *, median_method: str = "luo_wan",
                    include_overlapping: bool = False) -> OutcomeTables:
    """Turn the loaded rows into one analysis-ready table per outcome.

    Rules (all read from the data files, see ``ld_il2_README.md``):

    * a row that is not ``counted`` (a cohort reported more than once) is excluded unless
      *include_overlapping*;
    * one timepoint per study: the row with ``primary_timepoint`` true;
    * ``kind == "not_analysable"`` (only a percentage printed) is excluded with its reason;
    * continuous rows reported as median with IQR or range are converted to mean and SD
      with :func:`~metareview.effects.prepare_continuous` (*median_method*: ``"luo_wan"``
      = Luo et al. 2018 mean with Wan et al. 2014 SD, ``"wan"``, or ``"shi"``), and flagged.

    Parameters
    ----------
    data : DataFrame, optional
        The output of :func:`load_ld_il2` with ``include_overlapping=True`` (the default loads
        it).
    median_method : {"luo_wan", "wan", "shi"}
    include_overlapping : bool
        Keep the not-counted reports of overlapping cohorts (sensitivity analysis only).

    Returns
    -------
    OutcomeTables

    Examples
    --------
    >>> t = analysis_tables()
    >>> len(t.continuous["Treg"]), int(t.continuous["Treg"]["converted"].sum())
    (4, 1)
    """
    if median_method not in MEDIAN_METHODS:
        raise InputError(f"median_method={median_method!r} is not one of "
                         f"{', '.join(MEDIAN_METHODS)}", column="median_method")
    df = load_ld_il2(include_overlapping=True) if data is None else data.copy()
    df = df.reset_index(drop=True)
    excluded = []
    keep = np.ones(len(df), dtype=bool)
    if not include_overlapping:
        drop = ~df["counted"].to_numpy(dtype=bool)
        excluded.append(_excluded(df, drop, "cohort counted once: "
                                  + df["overlap_reason"].to_numpy(dtype=object)))
        keep &= ~drop
    drop = keep & ~df["primary_timepoint"].to_numpy(dtype=bool)
    excluded.append(_excluded(df, drop, "not the primary timepoint: "
                              + df["coding_note"].to_numpy(dtype=object)))
    keep &= ~drop
    drop = keep & (df["kind"].to_numpy() == "not_analysable")
    excluded.append(_excluded(df, drop, "not analysable: "
                              + df["coding_note"].to_numpy(dtype=object)))
    keep &= ~drop
    is_count = df["kind"].to_numpy() == "count"
    no_count = keep & is_count & ~(df["events"].notna() & df["total"].notna()).to_numpy()
    excluded.append(_excluded(df, no_count, "not analysable: events or total is empty"))
    keep &= ~no_count

    cont = df[keep & (df["kind"].to_numpy() == "continuous")].reset_index(drop=True)
    counts = df[keep & is_count].reset_index(drop=True)
    cont_tables, conv = _continuous(cont, median_method)
    count_tables = {}
    for name, part in counts.groupby("analysis_outcome", sort=False):
        t = pd.DataFrame({"row": part["row"], "study_id": part["study_id"],
                          "cohort": part["cohort"], "disease_group": part["disease_group"],
                          "dose_group": part["dose_group"], "xi": part["events"],
                          "ni": part["total"], "secondary": part["secondary"],
                          "timepoint": part["timepoint"], "source_url": part["source_url"],
                          "source_location": part["source_location"]})
        count_tables[str(name)] = t[list(COUNT_COLUMNS)].reset_index(drop=True)
    exc = pd.concat(excluded, ignore_index=True).sort_values("row", kind="stable")
    return OutcomeTables(continuous=cont_tables, counts=count_tables,
                         excluded=exc[list(EXCLUDED_COLUMNS)].reset_index(drop=True),
                         conversions=conv, median_method=median_method)


# prepare_continuous's columns (group 1 = post, group 2 = pre) -> the studies.csv column (the
# medians stand in the *_mean columns; quartiles and ranges come from the note)
_STUDY_COLUMN = {"m1i": "post_mean", "sd1i": "post_sd", "median1i": "post_mean",
                 "m2i": "pre_mean", "sd2i": "pre_sd", "median2i": "pre_mean",
                 **{f"{q}{g}i": "note" for q in ("q1_", "q3_", "min", "max") for g in "12"},
                 "q1": "note", "q3": "note", "min": "note", "max": "note", "n": "n",
                 "median": "pre_mean/post_mean (the median)"}


def _continuous(cont: pd.DataFrame, method: str) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    if len(cont) == 0:
        return {}, pd.DataFrame(columns=list(CONVERSION_COLUMNS))
    no_n = cont["n"].isna().to_numpy()
    if no_n.any():
        raise InputError("n is missing for a continuous outcome", file=STUDIES,
                         row=cont.loc[no_n, "row"].tolist(), column="n")
    median = cont["stat_form"].isin(["median_iqr", "median_range"]).to_numpy()
    nan = np.full(len(cont), np.nan)
    frame = pd.DataFrame({"n1i": cont["n"], "n2i": cont["n"]})
    # group 1 = post-treatment, group 2 = pre-treatment (prepare_continuous's suffixes)
    for g, when in (("1", "post"), ("2", "pre")):
        frame[f"m{g}i"] = np.where(median, nan, cont[f"{when}_mean"])
        frame[f"sd{g}i"] = np.where(median, nan, cont[f"{when}_sd"])
        frame[f"median{g}i"] = np.where(median, cont[f"{when}_mean"], nan)
        frame[f"q1_{g}i"] = cont[f"{when}_q1"]
        frame[f"q3_{g}i"] = cont[f"{when}_q3"]
        frame[f"min{g}i"] = cont[f"{when}_min"]
        frame[f"max{g}i"] = cont[f"{when}_max"]
    try:
        done, log = prepare_continuous(frame, groups=("1", "2"), method=method)
    except InputError as err:  # name the studies.csv rows, not the internal frame's
        inner = [err.row] if isinstance(err.row, int) else list(err.row or [])
        mapped = [int(cont["row"].iloc[r - 1]) for r in inner] or None
        column = _STUDY_COLUMN.get(str(err.column), err.column)
        raise InputError(err.message, file=STUDIES, row=mapped, column=column,
                         hint=err.hint) from err
    when_of = {"m1i": "post_mean", "sd1i": "post_sd", "m2i": "pre_mean", "sd2i": "pre_sd"}
    conv = pd.DataFrame({
        "row": cont["row"].to_numpy()[log["row"].to_numpy(dtype=int) - 1],
        "study_id": cont["study_id"].to_numpy()[log["row"].to_numpy(dtype=int) - 1],
        "analysis_outcome": cont["analysis_outcome"].to_numpy()[
            log["row"].to_numpy(dtype=int) - 1],
        "column": [when_of[c] for c in log["column"]],
        "from_form": log["from_form"], "method": log["method"],
        "reference": log["reference"]}, columns=list(CONVERSION_COLUMNS))
    text = (conv["column"] + " from " + conv["from_form"] + " (" + conv["method"] + ")")
    described = text.groupby(conv["row"]).agg("; ".join)
    table = pd.DataFrame({
        "row": cont["row"], "study_id": cont["study_id"], "cohort": cont["cohort"],
        "disease_group": cont["disease_group"], "dose_group": cont["dose_group"],
        "ni": cont["n"],
        "m1i": done["m1i"], "m2i": done["m2i"], "sd1i": done["sd2i"], "sd2i": done["sd1i"],
        "pre_mean": done["m2i"], "pre_sd": done["sd2i"], "post_mean": done["m1i"],
        "post_sd": done["sd1i"], "stat_form": cont["stat_form"],
        "converted": cont["row"].isin(conv["row"]).to_numpy(),
        "conversion": cont["row"].map(described).fillna("").to_numpy(),
        "secondary": cont["secondary"], "unit": cont["unit"], "timepoint": cont["timepoint"],
        "source_url": cont["source_url"], "source_location": cont["source_location"],
    })
    tables = {str(name): part[list(CONTINUOUS_COLUMNS)].reset_index(drop=True)
              for name, part in table.groupby(cont["analysis_outcome"], sort=False)}
    return tables, conv.reset_index(drop=True)


def run(out_dir: str | Path, *, ri: float = 0.5,
        ri_grid: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
        median_method: str = "luo_wan", include_overlapping: bool = False,
        method: str = "REML") -> Any:
    """Run the flagship analysis and write its tables to *out_dir*; see
    :func:`metareview.datasets.ld_il2_analysis.run`."""
    from metareview.datasets.ld_il2_analysis import run as _run

    return _run(out_dir, ri=ri, ri_grid=ri_grid, median_method=median_method,
                include_overlapping=include_overlapping, method=method)
