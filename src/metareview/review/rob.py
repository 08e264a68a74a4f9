"""Risk-of-bias instruments as data, their overall-judgement algorithms, and ``RobTable``.

Instruments
-----------
* **RoB 2** for randomised trials: Sterne JAC, Savović J, Page MJ, et al. (2019), "RoB 2: a
  revised tool for assessing risk of bias in randomised trials", BMJ 366:l4898,
  doi:10.1136/bmj.l4898. Five domains, judgements Low / Some concerns / High. Overall:
  Low if every domain is Low; High if any domain is High; otherwise Some concerns. The
  tool also allows High when "some concerns for multiple domains in a way that
  substantially lowers confidence in the result": that is the reviewer's call, recorded as
  an override (Some concerns -> High only) with its reason.
* **ROBINS-I** for non-randomised studies of interventions: Sterne JAC, Hernán MA, Reeves
  BC, et al. (2016), "ROBINS-I: a tool for assessing risk of bias in non-randomised studies
  of interventions", BMJ 355:i4919, doi:10.1136/bmj.i4919. Seven domains, judgements
  Low / Moderate / Serious / Critical / No information. Overall (Sterne et al. 2016,
  table 2): Critical if any domain is Critical; else Serious if any is Serious; else No
  information if any domain lacks information; else Moderate if any is Moderate; else Low.
* **Newcastle-Ottawa Scale** (Wells GA, Shea B, O'Connell D, et al., "The Newcastle-Ottawa
  Scale (NOS) for assessing the quality of nonrandomised studies in meta-analyses", Ottawa
  Hospital Research Institute), cohort and case-control versions: stars for Selection
  (0-4), Comparability (0-2) and Outcome or Exposure (0-3), total 0-9. The AHRQ
  conversion (Penson DF et al. 2012, Evaluation and Treatment of Cryptorchidism, AHRQ
  Comparative Effectiveness Review No. 88, AHRQ Pub. No. 13-EHC001-EF; thresholds
  restated in many reviews): Good = 3-4 Selection and 1-2 Comparability and 2-3 Outcome; Fair = 2 Selection and 1-2 Comparability and 2-3 Outcome; Poor = 0-1
  Selection or 0 Comparability or 0-1 Outcome.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"study": ["Ames 2019"] * 5, "domain": ["D1", "D2", "D3", "D4", "D5"],
...                   "judgement": ["Low", "low", "Some concerns", "Low", "Low"]})
>>> t = RobTable.from_frame(f, tool="rob2")
>>> t.overall.to_dict()
{'Ames 2019': 'Some concerns'}
>>> t2 = t.override("Ames 2019", "High", reason="D3 concerns bear on the main outcome")
>>> t2.overall.to_dict()
{'Ames 2019': 'High'}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from metareview.errors import InputError

__all__ = [
    "INSTRUMENTS",
    "NOS_CASE_CONTROL",
    "NOS_COHORT",
    "ROB2",
    "ROBINS_I",
    "Domain",
    "Instrument",
    "RobTable",
    "nos_ahrq",
    "overall_judgement",
]


@dataclass(frozen=True)
class Domain:
    """One domain of an instrument: short code (``D1``), name, and for star scales the maximum."""

    code: str
    name: str
    max_stars: int | None = None


@dataclass(frozen=True)
class Instrument:
    """A risk-of-bias instrument.

    Attributes
    ----------
    key : str
        ``"rob2"``, ``"robins_i"``, ``"nos_cohort"`` or ``"nos_case_control"``.
    name, citation : str
    domains : tuple of Domain
    judgements : tuple of str
        Domain-level judgements from least to most severe (empty for star scales, whose
        domain judgements are star counts).
    overall_levels : tuple of str
        The possible overall judgements, in display order (best to worst, then
        "No information" where the instrument has it).
    overrides : frozenset of (str, str)
        Overall judgements a reviewer may change (from, to), e.g. RoB 2 Some concerns -> High.
    """

    key: str
    name: str
    citation: str
    domains: tuple[Domain, ...]
    judgements: tuple[str, ...]
    overall_levels: tuple[str, ...]
    overrides: frozenset[tuple[str, str]] = frozenset()

    @property
    def codes(self) -> tuple[str, ...]:
        """Domain codes in order."""
        return tuple(d.code for d in self.domains)

    @property
    def is_star_scale(self) -> bool:
        return not self.judgements

    def domain_frame(self) -> pd.DataFrame:
        """The domains as a frame: ``code, name, max_stars``."""
        return pd.DataFrame([(d.code, d.name, d.max_stars) for d in self.domains],
                            columns=["code", "name", "max_stars"])


ROB2 = Instrument(
    key="rob2",
    name="RoB 2",
    citation="Sterne et al. 2019, BMJ 366:l4898, doi:10.1136/bmj.l4898",
    domains=(
        Domain("D1", "Bias arising from the randomization process"),
        Domain("D2", "Bias due to deviations from intended interventions"),
        Domain("D3", "Bias due to missing outcome data"),
        Domain("D4", "Bias in measurement of the outcome"),
        Domain("D5", "Bias in selection of the reported result"),
    ),
    judgements=("Low", "Some concerns", "High"),
    overall_levels=("Low", "Some concerns", "High"),
    overrides=frozenset({("Some concerns", "High")}),
)

ROBINS_I = Instrument(
    key="robins_i",
    name="ROBINS-I",
    citation="Sterne et al. 2016, BMJ 355:i4919, doi:10.1136/bmj.i4919",
    domains=(
        Domain("D1", "Bias due to confounding"),
        Domain("D2", "Bias in selection of participants into the study"),
        Domain("D3", "Bias in classification of interventions"),
        Domain("D4", "Bias due to deviations from intended interventions"),
        Domain("D5", "Bias due to missing data"),
        Domain("D6", "Bias in measurement of outcomes"),
        Domain("D7", "Bias in selection of the reported result"),
    ),
    judgements=("Low", "Moderate", "Serious", "Critical", "No information"),
    overall_levels=("Low", "Moderate", "Serious", "Critical", "No information"),
)

_NOS_CITATION = (
    "Wells et al., The Newcastle-Ottawa Scale (NOS) for assessing the quality of "
    "nonrandomised studies in meta-analyses, Ottawa Hospital Research Institute"
)

NOS_COHORT = Instrument(
    key="nos_cohort",
    name="Newcastle-Ottawa Scale (cohort studies)",
    citation=_NOS_CITATION,
    domains=(Domain("S", "Selection", 4), Domain("C", "Comparability", 2),
             Domain("O", "Outcome", 3)),
    judgements=(),
    overall_levels=("Good", "Fair", "Poor"),
)

NOS_CASE_CONTROL = Instrument(
    key="nos_case_control",
    name="Newcastle-Ottawa Scale (case-control studies)",
    citation=_NOS_CITATION,
    domains=(Domain("S", "Selection", 4), Domain("C", "Comparability", 2),
             Domain("E", "Exposure", 3)),
    judgements=(),
    overall_levels=("Good", "Fair", "Poor"),
)

INSTRUMENTS: dict[str, Instrument] = {
    i.key: i for i in (ROB2, ROBINS_I, NOS_COHORT, NOS_CASE_CONTROL)
}


def _instrument(tool: str | Instrument) -> Instrument:
    if isinstance(tool, Instrument):
        return tool
    key = str(tool).strip().lower().replace("-", "_").replace(" ", "_")
    key = {"rob_2": "rob2", "robinsi": "robins_i", "nos": "nos_cohort"}.get(key, key)
    if key not in INSTRUMENTS:
        raise InputError(f"unknown risk-of-bias tool {tool!r}", column="tool",
                         hint=f"choose one of {', '.join(INSTRUMENTS)}")
    return INSTRUMENTS[key]


# ------------------------------------------------------------------------------ algorithms

_ROBINS_SEVERITY = {"Low": 0, "Moderate": 1, "Serious": 2, "Critical": 3}


def nos_ahrq(selection: Any, comparability: Any, outcome: Any) -> np.ndarray:
    """AHRQ conversion of Newcastle-Ottawa stars to Good / Fair / Poor (vectorised).

    Poor if Selection <= 1 or Comparability = 0 or Outcome (Exposure) <= 1; otherwise Good
    if Selection >= 3, Fair if Selection = 2. (Thresholds in the module docstring.)

    Examples
    --------
    >>> nos_ahrq([4, 2, 3, 4], [2, 1, 0, 1], [3, 2, 3, 1]).tolist()
    ['Good', 'Fair', 'Poor', 'Poor']
    """
    s = np.asarray(selection)
    c = np.asarray(comparability)
    o = np.asarray(outcome)
    poor = (s <= 1) | (c == 0) | (o <= 1)
    return np.where(poor, "Poor", np.where(s >= 3, "Good", "Fair")).astype(object)


def overall_judgement(tool: str | Instrument, judgements: pd.DataFrame) -> pd.Series:
    """The mechanical overall judgement per study (rows) from its domain judgements.

    Parameters
    ----------
    tool : str or Instrument
    judgements : pandas.DataFrame
        One row per study, one column per domain code, canonical values (as in
        :attr:`RobTable.judgements`).

    Returns
    -------
    pandas.Series
        Indexed like ``judgements``. Rules and sources are in the module docstring.
    """
    inst = _instrument(tool)
    values = judgements[list(inst.codes)]
    if inst.is_star_scale:
        out = nos_ahrq(*(values[c].to_numpy(dtype=np.int64) for c in inst.codes))
        return pd.Series(out, index=judgements.index, name="overall", dtype=object)
    if inst.key == "rob2":
        rank = {j: i for i, j in enumerate(inst.judgements)}
        worst = values.apply(lambda col: col.map(rank)).to_numpy().max(axis=1)
        return pd.Series(np.asarray(inst.judgements, dtype=object)[worst],
                         index=judgements.index, name="overall", dtype=object)
    # ROBINS-I
    sev = values.apply(lambda col: col.map(_ROBINS_SEVERITY)).to_numpy(dtype=float)
    worst = np.nanmax(np.where(np.isnan(sev), -1, sev), axis=1)
    any_ni = np.isnan(sev).any(axis=1)
    levels = np.array(["Low", "Moderate", "Serious", "Critical"], dtype=object)
    out = levels[np.clip(worst, 0, 3).astype(int)]
    out = np.where(any_ni & (worst < 2), "No information", out)
    out = np.where(worst < 0, "No information", out)
    return pd.Series(out, index=judgements.index, name="overall", dtype=object)


# ------------------------------------------------------------------------------ the table


def _canonical_domains(inst: Instrument) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for d in inst.domains:
        lookup[d.code.lower()] = d.code
        lookup[d.name.lower()] = d.code
    lookup["overall"] = "Overall"
    return lookup


@dataclass(frozen=True, eq=False)
class RobTable:
    """Risk-of-bias judgements of a set of studies under one instrument.

    Attributes
    ----------
    tool : Instrument
    judgements : pandas.DataFrame
        One row per study (index ``study``, in input order), one column per domain code;
        canonical judgement strings, or star counts for the Newcastle-Ottawa Scale.
    algorithm : pandas.Series
        The overall judgement the instrument's rule gives.
    overall : pandas.Series
        The overall judgement that stands (the rule's, or the reviewer's override).
    overrides : pandas.DataFrame
        ``study, algorithm, overall, reason``: every overall judgement a reviewer changed.
    weights : pandas.Series or None
        Per-study weights (e.g. meta-analysis weights) for the weighted summary.
    """

    tool: Instrument
    judgements: pd.DataFrame = field(repr=False)
    algorithm: pd.Series = field(repr=False)
    overall: pd.Series = field(repr=False)
    overrides: pd.DataFrame = field(repr=False)
    weights: pd.Series | None = field(default=None, repr=False)

    @property
    def studies(self) -> tuple[str, ...]:
        return tuple(self.judgements.index)

    # -------------------------------------------------------------- construction
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        tool: str | Instrument = "rob2",
        weights: Mapping[str, float] | pd.Series | None = None,
        file: str | None = None,
    ) -> RobTable:
        """Build from a long frame with columns ``study, domain, judgement``.

        ``domain`` is a code (``D1``; ``S``/``C``/``O``/``E`` for the Newcastle-Ottawa
        Scale) or the domain's full name, case-insensitive; ``judgement`` is one of the
        instrument's judgements (case-insensitive) or, for the Newcastle-Ottawa Scale, a
        star count. Rows with domain ``Overall`` are the reviewers' overall judgements:
        equal to the rule's, or a permitted override (recorded with reason "given in the
        input" or the ``reason`` column when present); anything else is an error.

        Raises
        ------
        InputError
            Naming the file, the 1-based row, the study and the domain: a missing column,
            an unknown domain or judgement, stars out of range, a duplicate, a study
            lacking a domain, an overall judgement the rule does not allow, or a bad weight.
        """
        inst = _instrument(tool)
        for col in ("study", "domain", "judgement"):
            if col not in frame.columns:
                raise InputError(f"missing column {col!r}", file=file, column=col,
                                 hint="risk-of-bias tables need study, domain, judgement")
        f = frame.reset_index(drop=True)
        dom_lookup = _canonical_domains(inst)
        j_lookup = {j.lower(): j for j in inst.judgements}
        codes: list[str] = []
        values: list[Any] = []
        for i, (study, dom, jud) in enumerate(zip(f["study"], f["domain"], f["judgement"],
                                                  strict=True)):
            row = i + 1
            if _missing(study) or str(study).strip() == "":
                raise InputError("empty study", file=file, row=row, column="study")
            code = dom_lookup.get(" ".join(str(dom).split()).lower())
            if code is None:
                raise InputError(
                    f"study {study!r}: unknown {inst.name} domain {dom!r}", file=file, row=row,
                    column="domain", hint=f"use one of {', '.join(inst.codes)} or Overall",
                )
            codes.append(code)
            values.append(_judgement(inst, jud, j_lookup, study=study, code=code, row=row,
                                     file=file))
        long = pd.DataFrame({"study": f["study"].astype(str).str.strip(), "domain": codes,
                             "judgement": values})
        dup = long.duplicated(subset=["study", "domain"], keep=False)
        if dup.any():
            first = long.loc[dup].iloc[0]
            raise InputError(
                f"study {first['study']!r}, domain {first['domain']}: judged more than once",
                file=file, row=(np.flatnonzero(dup.to_numpy()) + 1).tolist(), column="domain",
                hint="keep one judgement per study and domain",
            )
        is_overall = long["domain"] == "Overall"
        order = list(dict.fromkeys(long["study"]))
        wide = long.loc[~is_overall].pivot(index="study", columns="domain", values="judgement")
        wide = wide.reindex(index=order, columns=list(inst.codes))
        wide.index.name = "study"
        wide.columns.name = None
        for study, r in wide.iterrows():
            missing = [c for c in inst.codes if _missing(r[c])]
            if missing:
                names = {d.code: d.name for d in inst.domains}
                raise InputError(
                    f"study {study!r} has no judgement for domain {missing[0]} "
                    f"({names[missing[0]]})" + (f" and {len(missing) - 1} more" if
                                                len(missing) > 1 else ""),
                    file=file, column="domain",
                    hint=f"{inst.name} needs every domain: {', '.join(inst.codes)}",
                )
        if inst.is_star_scale:
            wide = wide.astype(np.int64)
        algorithm = overall_judgement(inst, wide)
        overall = algorithm.copy()
        over_rows = []
        reasons = f["reason"] if "reason" in f.columns else None
        for i in np.flatnonzero(is_overall.to_numpy()):
            study = long.at[i, "study"]
            given = long.at[i, "judgement"]
            rule = algorithm[study]
            if given == rule:
                continue
            if (rule, given) not in inst.overrides:
                raise InputError(
                    f"study {study!r}, domain Overall: {given!r} contradicts the {inst.name} "
                    f"algorithm, which gives {rule!r}",
                    file=file, row=int(i) + 1, column="judgement",
                    hint=_override_hint(inst),
                )
            reason = "given in the input"
            if reasons is not None and not _missing(reasons.iloc[i]):
                reason = str(reasons.iloc[i])
            overall[study] = given
            over_rows.append((study, rule, given, reason))
        table = cls(
            tool=inst,
            judgements=wide,
            algorithm=algorithm,
            overall=overall,
            overrides=pd.DataFrame(over_rows, columns=["study", "algorithm", "overall",
                                                       "reason"]),
        )
        return table.with_weights(weights, file=file) if weights is not None else table

    def with_weights(self, weights: Mapping[str, float] | pd.Series, *,
                     file: str | None = None) -> RobTable:
        """A copy with per-study weights (every study needs a finite, non-negative weight)."""
        w = pd.Series(weights, dtype=float) if not isinstance(weights, pd.Series) else \
            weights.astype(float)
        w.index = w.index.astype(str)
        missing = [s for s in self.studies if s not in w.index]
        if missing:
            raise InputError(f"study {missing[0]!r} has no weight", file=file, column="weight",
                             hint="give a weight for every study in the table")
        w = w.reindex(list(self.studies))
        bad = [s for s, v in w.items() if not np.isfinite(v) or v < 0]
        if bad:
            raise InputError(f"study {bad[0]!r}: weight {w[bad[0]]!r} must be finite and >= 0",
                             file=file, column="weight")
        if w.sum() <= 0:
            raise InputError("the weights sum to zero", file=file, column="weight")
        w.index.name = "study"
        w.name = "weight"
        return replace(self, weights=w)

    def override(self, study: str, judgement: str, *, reason: str) -> RobTable:
        """A copy with the reviewer's overall judgement for ``study``, recorded with ``reason``.

        Only the changes the instrument allows are accepted (RoB 2: Some concerns -> High).

        Raises
        ------
        InputError
            Unknown study, empty reason, or a change the instrument does not allow.
        """
        if study not in self.overall.index:
            raise InputError(f"unknown study {study!r}", column="study")
        if not str(reason).strip():
            raise InputError(f"study {study!r}: an override needs a reason", column="reason")
        canon = {j.lower(): j for j in self.tool.overall_levels}.get(
            " ".join(str(judgement).split()).lower())
        rule = self.algorithm[study]
        if canon is None or (canon != rule and (rule, canon) not in self.tool.overrides):
            raise InputError(
                f"study {study!r}, domain Overall: cannot set {judgement!r} when the "
                f"{self.tool.name} algorithm gives {rule!r}",
                column="judgement", hint=_override_hint(self.tool),
            )
        overall = self.overall.copy()
        overall[study] = canon
        over = self.overrides.loc[self.overrides["study"] != study]
        if canon != rule:
            over = pd.concat([over, pd.DataFrame([(study, rule, canon, str(reason))],
                                                 columns=over.columns)], ignore_index=True)
        return replace(self, overall=overall, overrides=over.reset_index(drop=True))

    # -------------------------------------------------------------- views
    def to_frame(self) -> pd.DataFrame:
        """Long form: ``study, domain, domain_name, judgement`` with the ``Overall`` rows last
        for each study (domain_name ``Overall``)."""
        names = {d.code: d.name for d in self.tool.domains}
        rows = []
        for study, r in self.judgements.iterrows():
            for c in self.tool.codes:
                rows.append((study, c, names[c], r[c]))
            rows.append((study, "Overall", "Overall", self.overall[study]))
        return pd.DataFrame(rows, columns=["study", "domain", "domain_name", "judgement"])

    def summary(self, *, weighted: bool = False) -> pd.DataFrame:
        """Share of studies (or of weight) at each judgement, per domain and overall.

        Returns
        -------
        pandas.DataFrame
            Columns ``domain, domain_name, judgement, n, proportion``: one row per domain
            (in instrument order, then ``Overall``) and level (least to most severe), the
            proportion being of the study count or, with ``weighted=True``, of the total
            weight (McGuinness & Higgins 2021, Res Synth Methods 12:55). For the
            Newcastle-Ottawa Scale the levels of a domain are its star counts.
        """
        if weighted and self.weights is None:
            raise InputError("no weights: build the table with weights= for a weighted summary",
                             column="weights")
        w = self.weights.to_numpy() if weighted else np.ones(len(self.studies))
        names = {d.code: d.name for d in self.tool.domains}
        rows = []
        columns = [(c, names[c], self.judgements[c]) for c in self.tool.codes]
        columns.append(("Overall", "Overall", self.overall))
        for code, name, col in columns:
            if code == "Overall":
                levels: Sequence[Any] = self.tool.overall_levels
            elif self.tool.is_star_scale:
                levels = list(range(self.tool.domains[self.tool.codes.index(code)].max_stars
                                    + 1))
            else:
                levels = [j for j in self.tool.judgements if j != "No information"] + (
                    ["No information"] if "No information" in self.tool.judgements else [])
            vals = col.to_numpy()
            for lev in levels:
                hit = vals == lev
                rows.append((code, name, lev, int(hit.sum()), float(w[hit].sum() / w.sum())))
        return pd.DataFrame(rows, columns=["domain", "domain_name", "judgement", "n",
                                           "proportion"])


def _missing(v: Any) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _override_hint(inst: Instrument) -> str:
    if inst.overrides:
        allowed = "; ".join(f"{a} -> {b}" for a, b in sorted(inst.overrides))
        return f"{inst.name} lets a reviewer change the overall judgement only as {allowed}"
    return f"{inst.name}'s overall judgement follows from the domains; correct a domain instead"


def _judgement(inst: Instrument, value: Any, lookup: Mapping[str, str], *, study: Any,
               code: str, row: int, file: str | None) -> Any:
    where = f"study {study!r}, domain {code}"
    if _missing(value):
        raise InputError(f"{where}: empty judgement", file=file, row=row, column="judgement")
    if code == "Overall":
        canon = {j.lower(): j for j in inst.overall_levels}.get(" ".join(str(value).split())
                                                                 .lower())
        if canon is None:
            raise InputError(f"{where}: {value!r} is not one of {', '.join(inst.overall_levels)}",
                             file=file, row=row, column="judgement")
        return canon
    if inst.is_star_scale:
        dom = inst.domains[inst.codes.index(code)]
        text = str(value).strip()
        stars = int(text) if text.isdigit() else (len(text) if set(text) == {"*"} else None)
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            stars = int(value)
        if stars is None or not 0 <= stars <= (dom.max_stars or 0):
            raise InputError(
                f"{where} ({dom.name}): {value!r} is not a star count from 0 to {dom.max_stars}",
                file=file, row=row, column="judgement",
            )
        return stars
    canon = lookup.get(" ".join(str(value).split()).lower())
    if canon is None:
        raise InputError(
            f"{where}: judgement {value!r} is not one of {', '.join(inst.judgements)}",
            file=file, row=row, column="judgement",
        )
    return canon
