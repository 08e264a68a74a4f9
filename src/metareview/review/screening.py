"""Screening decisions: inter-rater agreement, conflicts, final decisions and progress.

Pure functions over arrays and :class:`pandas.DataFrame` objects; the review store and the
web app call them with what they hold. Ranking lives in
:mod:`metareview.review.screening_ranking` and the stopping rule in
:mod:`metareview.review.screening_stopping`.

Agreement statistics
--------------------
For two reviewers who both decided the same ``n`` records, with ``q`` categories, let
``p_ij`` be the proportion of records put in category ``i`` by reviewer A and ``j`` by B,
``p_i.``/``p_.j`` the margins, ``p_o = sum_i p_ii`` the observed agreement.

* Cohen's kappa (Cohen 1960, Educ Psychol Meas 20:37, doi:10.1177/001316446002000104):
  ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_e = sum_i p_i. p_.i``. Its large-sample
  (non-null) variance is that of Fleiss, Cohen & Everitt (1969, Psychol Bull 72:323,
  doi:10.1037/h0028106)::

      var = [ sum_i p_ii (1 - (p_i. + p_.i)(1 - kappa))^2
              + (1 - kappa)^2 sum_{i != j} p_ij (p_.i + p_j.)^2
              - (kappa - p_e (1 - kappa))^2 ] / (n (1 - p_e)^2)

  and the confidence interval is ``kappa -/+ z var^(1/2)``. Under kappa = 0 the variance is
  ``(p_e + p_e^2 - sum_i p_i. p_.i (p_i. + p_.i)) / (n (1 - p_e)^2)`` (same paper), used for
  the z test.
* PABAK, the prevalence- and bias-adjusted kappa (Byrt, Bishop & Carlin 1993, J Clin
  Epidemiol 46:423, doi:10.1016/0895-4356(93)90018-V): ``(q p_o - 1) / (q - 1)``, which is
  ``2 p_o - 1`` for two categories.
* Gwet's AC1 (Gwet 2008, Br J Math Stat Psychol 61:29, doi:10.1348/000711006X126600):
  ``pi_k = (p_k. + p_.k) / 2``, ``p_e = sum_k pi_k (1 - pi_k) / (q - 1)``,
  ``AC1 = (p_o - p_e) / (1 - p_e)``, with the variance of Gwet (2008, sect. 5, infinite
  population)::

      var = [ p_o (1 - p_o)
              - 4 (1 - AC1) ( sum_k p_kk (1 - pi_k) / (q - 1) - p_o p_e )
              + 4 (1 - AC1)^2 ( sum_kl p_kl (1 - (pi_k + pi_l) / 2)^2 / (q - 1)^2 - p_e^2 ) ]
            / (n (1 - p_e)^2)

  and, as in Gwet's software, a ``t`` interval with ``n - 1`` degrees of freedom.

Examples
--------
>>> a = ["include", "include", "exclude", "exclude", "exclude"]
>>> b = ["include", "exclude", "exclude", "exclude", "exclude"]
>>> res = agreement(a, b)
>>> float(res.observed_agreement), res.n
(0.8, 5)
>>> round(float(res.kappa), 4)
0.5455
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from metareview.errors import InputError, StatisticalWarning

__all__ = [
    "DECISIONS",
    "Agreement",
    "agreement",
    "conflicts",
    "final_decisions",
    "pairwise_agreement",
    "progress",
    "validate_decisions",
]

#: The screening decisions the project knows, in display order.
DECISIONS: tuple[str, ...] = ("include", "exclude", "maybe")

_DECISION_COLUMNS = ("record_id", "reviewer", "decision", "stage")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Agreement:
    """Agreement between two reviewers on the records both decided.

    Attributes
    ----------
    kappa, kappa_se, kappa_ci : float, float, (float, float)
        Cohen's kappa, its Fleiss-Cohen-Everitt (1969) large-sample standard error and the
        normal-theory confidence interval.
    kappa_se0, kappa_z, kappa_p : float
        The standard error under the null hypothesis kappa = 0 (Fleiss et al. 1969),
        ``kappa / kappa_se0`` and its two-sided normal p-value.
    pabak : float
        Prevalence- and bias-adjusted kappa (Byrt et al. 1993).
    ac1, ac1_se, ac1_ci : float, float, (float, float)
        Gwet's AC1, its standard error and ``t(n - 1)`` interval (Gwet 2008).
    observed_agreement, expected_agreement : float
        ``p_o`` and the chance agreement of kappa, ``p_e``.
    n : int
        Records both reviewers decided.
    table : pandas.DataFrame
        Counts, reviewer A in rows and B in columns, in the order of ``categories``.
    categories : tuple of str
    level : float
        Confidence level of the intervals.
    """

    kappa: float
    kappa_se: float
    kappa_ci: tuple[float, float]
    kappa_se0: float
    kappa_z: float
    kappa_p: float
    pabak: float
    ac1: float
    ac1_se: float
    ac1_ci: tuple[float, float]
    observed_agreement: float
    expected_agreement: float
    n: int
    table: pd.DataFrame = field(compare=False)
    categories: tuple[str, ...] = ()
    level: float = 0.95

    def summary(self) -> pd.DataFrame:
        """One row per statistic: ``statistic, estimate, se, ci_lower, ci_upper``."""
        return pd.DataFrame(
            {
                "statistic": ["observed_agreement", "kappa", "pabak", "ac1"],
                "estimate": [self.observed_agreement, self.kappa, self.pabak, self.ac1],
                "se": [np.nan, self.kappa_se, np.nan, self.ac1_se],
                "ci_lower": [np.nan, self.kappa_ci[0], np.nan, self.ac1_ci[0]],
                "ci_upper": [np.nan, self.kappa_ci[1], np.nan, self.ac1_ci[1]],
            },
            columns=["statistic", "estimate", "se", "ci_lower", "ci_upper"],
        )

    def to_frame(self) -> pd.DataFrame:
        """The same as :meth:`summary` (the fixed-column frame of the statistics)."""
        return self.summary()


def _as_labels(values: Iterable[Any], name: str) -> list[Any]:
    if isinstance(values, (str, bytes)):
        raise InputError("expected a sequence of decisions, got a single string", column=name)
    return list(values)


def agreement(
    decisions_a: Sequence[Any],
    decisions_b: Sequence[Any],
    *,
    categories: Sequence[str] | None = None,
    level: float = 0.95,
) -> Agreement:
    """Agreement between two reviewers (kappa, PABAK, AC1) on the records both decided.

    Parameters
    ----------
    decisions_a, decisions_b : sequence
        The two reviewers' decisions, aligned record by record. ``None``/NaN means the
        reviewer has not decided that record; such records are left out of every statistic
        (only records both decided count, and ``n`` says how many).
    categories : sequence of str, optional
        The possible decisions. Default: ``include, exclude`` (and ``maybe`` when it
        occurs), or, when other values occur, all distinct values in sorted order. A
        decision outside ``categories`` is an error. Categories nobody used still count in ``q`` for PABAK
        and AC1, so give them explicitly only when they were offered to the reviewers.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Agreement

    Raises
    ------
    InputError
        When the sequences differ in length, a decision is not one of ``categories``, fewer
        than two categories are given, or no record was decided by both reviewers.

    Notes
    -----
    Formulas and sources are in the module docstring. When both reviewers put every record
    in one category, chance agreement is 1 and kappa and AC1 are undefined: they are
    returned as NaN with a :class:`~metareview.errors.StatisticalWarning`.
    """
    a = _as_labels(decisions_a, "decisions_a")
    b = _as_labels(decisions_b, "decisions_b")
    if len(a) != len(b):
        raise InputError(
            f"the two reviewers' decisions differ in length ({len(a)} and {len(b)})",
            column="decisions_b",
            hint="align the decisions record by record; use None where a reviewer did not decide",
        )
    if not 0 < level < 1:
        raise InputError(f"level must lie between 0 and 1, got {level}", column="level")
    both = [i for i in range(len(a)) if not _is_missing(a[i]) and not _is_missing(b[i])]
    if categories is None:
        seen = {a[i] for i in both} | {b[i] for i in both}
        if seen <= set(DECISIONS):  # include and exclude are always offered
            cats = tuple(c for c in DECISIONS if c in seen or c != "maybe")
        else:
            cats = tuple(sorted(seen, key=str))
    else:
        cats = tuple(categories)
        if len(set(cats)) != len(cats):
            raise InputError("categories contain a duplicate", column="categories")
    if len(cats) < 2:
        raise InputError(
            f"agreement needs at least two categories, got {list(cats)}",
            column="categories",
            hint="pass categories=['include', 'exclude'] (the decisions offered)",
        )
    index = {c: k for k, c in enumerate(cats)}
    for name, seq in (("decisions_a", a), ("decisions_b", b)):
        bad = [i + 1 for i in both if seq[i] not in index]
        if bad:
            raise InputError(
                f"decision {seq[bad[0] - 1]!r} is not one of {list(cats)}",
                row=bad,
                column=name,
                hint="correct the decision or add it to categories",
            )
    n = len(both)
    if n == 0:
        raise InputError(
            "no record was decided by both reviewers",
            column="decisions_b",
            hint="agreement is computed on the records both reviewers screened",
        )
    q = len(cats)
    ia = np.fromiter((index[a[i]] for i in both), dtype=np.intp, count=n)
    ib = np.fromiter((index[b[i]] for i in both), dtype=np.intp, count=n)
    counts = np.zeros((q, q), dtype=np.int64)
    np.add.at(counts, (ia, ib), 1)
    stats_ = _agreement_from_table(counts, level=level)
    table = pd.DataFrame(counts, index=pd.Index(cats, name="a"), columns=pd.Index(cats, name="b"))
    return Agreement(table=table, categories=cats, level=level, n=n, **stats_)


def _agreement_from_table(counts: np.ndarray, *, level: float) -> dict[str, Any]:
    """Kappa, PABAK and AC1 with variances from a q x q table of counts (see module doc)."""
    n = int(counts.sum())
    q = counts.shape[0]
    p = counts / n
    row = p.sum(axis=1)
    col = p.sum(axis=0)
    diag = np.diag(p)
    po = float(diag.sum())
    pe = float(row @ col)
    z = float(stats.norm.ppf(0.5 + level / 2))
    pabak = (q * po - 1.0) / (q - 1.0)

    pi = (row + col) / 2.0
    pe_g = float(np.sum(pi * (1.0 - pi)) / (q - 1))
    degenerate = False
    if pe >= 1.0 - 1e-15:
        degenerate = True
        kappa = kappa_se = kappa_se0 = kappa_z = kappa_p = math.nan
    else:
        kappa = (po - pe) / (1.0 - pe)
        off = 1.0 - np.eye(q, dtype=bool)
        term1 = float(np.sum(diag * (1.0 - (row + col) * (1.0 - kappa)) ** 2))
        sums = col[:, None] + row[None, :]  # p_.i + p_j. for cell (i, j)
        term2 = (1.0 - kappa) ** 2 * float(np.sum(p * sums**2 * off))
        term3 = (kappa - pe * (1.0 - kappa)) ** 2
        var = (term1 + term2 - term3) / (n * (1.0 - pe) ** 2)
        kappa_se = math.sqrt(max(var, 0.0))
        var0 = (pe + pe**2 - float(np.sum(row * col * (row + col)))) / (n * (1.0 - pe) ** 2)
        kappa_se0 = math.sqrt(max(var0, 0.0))
        kappa_z = kappa / kappa_se0 if kappa_se0 > 0 else math.nan
        kappa_p = float(2.0 * stats.norm.sf(abs(kappa_z))) if kappa_se0 > 0 else math.nan
    if pe_g >= 1.0 - 1e-15:  # cannot happen for q >= 2, kept for safety
        degenerate = True
        ac1 = ac1_se = math.nan
    else:
        ac1 = (po - pe_g) / (1.0 - pe_g)
        g = 1.0 - ac1
        cross = float(np.sum(diag * (1.0 - pi))) / (q - 1) - po * pe_g
        pairs = 1.0 - (pi[:, None] + pi[None, :]) / 2.0
        quad = float(np.sum(p * pairs**2)) / (q - 1) ** 2 - pe_g**2
        var_g = (po * (1.0 - po) - 4.0 * g * cross + 4.0 * g**2 * quad) / (n * (1.0 - pe_g) ** 2)
        ac1_se = math.sqrt(max(var_g, 0.0))
    if degenerate:
        warnings.warn(
            "both reviewers put every record in the same category: chance agreement is 1 "
            "and kappa is undefined (NaN)",
            StatisticalWarning,
            stacklevel=3,
        )
    t = float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else math.nan
    return {
        "kappa": kappa,
        "kappa_se": kappa_se,
        "kappa_ci": (kappa - z * kappa_se, kappa + z * kappa_se),
        "kappa_se0": kappa_se0,
        "kappa_z": kappa_z,
        "kappa_p": kappa_p,
        "pabak": pabak,
        "ac1": ac1,
        "ac1_se": ac1_se,
        "ac1_ci": (ac1 - t * ac1_se, ac1 + t * ac1_se),
        "observed_agreement": po,
        "expected_agreement": pe,
    }


# --------------------------------------------------------------------------- decisions frame


def validate_decisions(
    decisions: pd.DataFrame,
    *,
    allowed: Sequence[str] = DECISIONS,
    file: str | None = None,
) -> pd.DataFrame:
    """Check a frame of screening decisions and return it with a clean default index.

    Parameters
    ----------
    decisions : pandas.DataFrame
        Columns ``record_id, reviewer, decision, stage`` (one row per reviewer's decision on
        a record at a stage, e.g. ``"title_abstract"`` or ``"full_text"``).
    allowed : sequence of str
        The permitted decisions.
    file : str, optional
        Where the frame came from, named in error messages.

    Raises
    ------
    InputError
        A missing column, an empty or unknown decision, an empty record id or reviewer, or
        the same reviewer deciding the same record twice at one stage (rows named, 1-based).
    """
    if not isinstance(decisions, pd.DataFrame):
        raise InputError("decisions must be a pandas DataFrame", file=file)
    missing = [c for c in _DECISION_COLUMNS if c not in decisions.columns]
    if missing:
        raise InputError(
            f"missing column {missing[0]!r}",
            file=file,
            column=missing[0],
            hint=f"the decisions need the columns {', '.join(_DECISION_COLUMNS)}",
        )
    frame = decisions.reset_index(drop=True)
    for col in ("record_id", "reviewer", "stage", "decision"):
        empty = frame.index[frame[col].isna()].to_list()
        if empty:
            raise InputError(
                f"empty {col}", file=file, row=[i + 1 for i in empty], column=col,
                hint="every decision needs a record, a reviewer, a stage and a decision",
            )
    bad = frame.index[~frame["decision"].isin(list(allowed))].to_list()
    if bad:
        raise InputError(
            f"decision {frame.at[bad[0], 'decision']!r} is not one of {list(allowed)}",
            file=file,
            row=[i + 1 for i in bad],
            column="decision",
        )
    dup = frame.duplicated(subset=["stage", "record_id", "reviewer"], keep=False)
    if dup.any():
        rows = (frame.index[dup] + 1).to_list()
        first = frame.loc[dup].iloc[0]
        raise InputError(
            f"reviewer {first['reviewer']!r} decided record {first['record_id']!r} more than "
            f"once at stage {first['stage']!r}",
            file=file,
            row=rows,
            column="reviewer",
            hint="keep only each reviewer's latest decision per record and stage",
        )
    return frame


def _decision_counts(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """How many times each decision was made per stage and *by* (``"record_id"`` or
    ``"reviewer"``): a (stage, by)-indexed table with one column per :data:`DECISIONS`, in
    that order, 0 for a decision nobody made."""
    counts = pd.crosstab([frame["stage"], frame[by]], frame["decision"])
    for d in DECISIONS:
        if d not in counts.columns:
            counts[d] = 0
    return counts[list(DECISIONS)]


def conflicts(decisions: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Records on which reviewers disagree, per stage.

    A record is in conflict at a stage when at least two reviewers decided it and their
    decisions differ (``maybe`` differs from both ``include`` and ``exclude``).

    Parameters
    ----------
    decisions : pandas.DataFrame
        Columns ``record_id, reviewer, decision, stage`` (see :func:`validate_decisions`).
    file : str, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage, record_id, n_reviewers, include, exclude, maybe, reviewers``:
        the counts of each decision and a ``"reviewer=decision; ..."`` description, sorted by
        stage and record id.

    Examples
    --------
    >>> d = pd.DataFrame({"record_id": [1, 1, 2, 2], "reviewer": ["ann", "bob"] * 2,
    ...                   "decision": ["include", "exclude", "exclude", "exclude"],
    ...                   "stage": "title_abstract"})
    >>> conflicts(d)[["record_id", "include", "exclude", "reviewers"]].to_dict("records")
    [{'record_id': 1, 'include': 1, 'exclude': 1, 'reviewers': 'ann=include; bob=exclude'}]
    """
    frame = validate_decisions(decisions, file=file)
    cols = ["stage", "record_id", "n_reviewers", *DECISIONS, "reviewers"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    counts = _decision_counts(frame, "record_id")
    n_rev = counts.sum(axis=1)
    n_kinds = (counts > 0).sum(axis=1)
    hit = counts.loc[(n_rev >= 2) & (n_kinds >= 2)]
    if hit.empty:
        return pd.DataFrame(columns=cols)
    sub = frame.set_index(["stage", "record_id"]).loc[hit.index]
    sub = sub.sort_values("reviewer", kind="stable")
    desc = (sub["reviewer"].astype(str) + "=" + sub["decision"].astype(str)).groupby(
        level=[0, 1], sort=False
    ).agg("; ".join)
    out = hit.copy()
    out["n_reviewers"] = n_rev.loc[hit.index]
    out["reviewers"] = desc.reindex(hit.index)
    out = out.reset_index()
    return out[cols].sort_values(["stage", "record_id"], kind="stable").reset_index(drop=True)


def final_decisions(
    decisions: pd.DataFrame,
    *,
    resolutions: pd.DataFrame | None = None,
    required_reviewers: int = 2,
    file: str | None = None,
) -> pd.DataFrame:
    """The decision that stands for each record and stage.

    Rules, in order: a lead's resolution (``resolutions`` row for the record and stage)
    wins; otherwise a record decided by at least ``required_reviewers`` reviewers who all
    agree has that decision (status ``"agreed"``); reviewers who disagree leave it in
    ``"conflict"``; fewer reviewers than required leave it ``"awaiting"`` (decision empty).
    Nothing is dropped: every record and stage in ``decisions`` or ``resolutions`` appears.

    Parameters
    ----------
    decisions : pandas.DataFrame
        Columns ``record_id, reviewer, decision, stage``.
    resolutions : pandas.DataFrame, optional
        Columns ``record_id, stage, decision`` and optionally ``resolved_by``; at most one
        row per record and stage.
    required_reviewers : int
        How many independent decisions a record needs (2 for dual screening, 1 for single).
    file : str, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage, record_id, decision, status, n_reviewers, resolved_by``.

    Examples
    --------
    >>> d = pd.DataFrame({"record_id": [1, 1, 2], "reviewer": ["ann", "bob", "ann"],
    ...                   "decision": ["include", "exclude", "exclude"], "stage": "ta"})
    >>> r = pd.DataFrame({"record_id": [1], "stage": ["ta"], "decision": ["include"]})
    >>> out = final_decisions(d, resolutions=r)
    >>> out[["record_id", "decision", "status"]].to_dict("list")
    {'record_id': [1, 2], 'decision': ['include', None], 'status': ['resolved', 'awaiting']}
    """
    if isinstance(required_reviewers, bool) or not isinstance(required_reviewers, int) or (
        required_reviewers < 1
    ):
        raise InputError(
            f"required_reviewers must be a positive integer, got {required_reviewers!r}",
            column="required_reviewers",
        )
    frame = validate_decisions(decisions, file=file)
    cols = ["stage", "record_id", "decision", "status", "n_reviewers", "resolved_by"]
    counts = _decision_counts(frame, "record_id")
    n_rev = counts.sum(axis=1)
    n_kinds = (counts > 0).sum(axis=1)
    top = counts.idxmax(axis=1)
    out = pd.DataFrame({"n_reviewers": n_rev})
    out["decision"] = np.where(
        (n_kinds == 1) & (n_rev >= required_reviewers), top.astype(object), None
    )
    out["status"] = np.where(
        n_kinds >= 2, "conflict", np.where(n_rev >= required_reviewers, "agreed", "awaiting")
    )
    out["resolved_by"] = None
    if resolutions is not None:
        res = _validate_resolutions(resolutions, file=file)
        res = res.set_index(["stage", "record_id"])
        new = res.index.difference(out.index)
        if len(new):
            extra = pd.DataFrame(
                {"n_reviewers": 0, "decision": None, "status": "awaiting", "resolved_by": None},
                index=new,
            )
            out = pd.concat([out, extra])
        out.loc[res.index, "decision"] = res["decision"].astype(object).to_numpy()
        out.loc[res.index, "status"] = "resolved"
        if "resolved_by" in res.columns:
            out.loc[res.index, "resolved_by"] = res["resolved_by"].astype(object).to_numpy()
    out.index = out.index.set_names(["stage", "record_id"])
    out = out.reset_index()
    out["n_reviewers"] = out["n_reviewers"].astype(np.int64)
    out["decision"] = out["decision"].astype(object).where(out["decision"].notna(), None)
    out["resolved_by"] = out["resolved_by"].astype(object).where(out["resolved_by"].notna(), None)
    return out[cols].sort_values(["stage", "record_id"], kind="stable").reset_index(drop=True)


def _validate_resolutions(resolutions: pd.DataFrame, *, file: str | None) -> pd.DataFrame:
    for col in ("record_id", "stage", "decision"):
        if col not in resolutions.columns:
            raise InputError(
                f"resolutions miss column {col!r}", file=file, column=col,
                hint="resolutions need record_id, stage, decision (and optionally resolved_by)",
            )
    res = resolutions.reset_index(drop=True)
    bad = res.index[~res["decision"].isin(["include", "exclude"])].to_list()
    if bad:
        raise InputError(
            f"a resolution must be 'include' or 'exclude', got {res.at[bad[0], 'decision']!r}",
            file=file,
            row=[i + 1 for i in bad],
            column="decision",
        )
    dup = res.duplicated(subset=["stage", "record_id"], keep=False)
    if dup.any():
        raise InputError(
            "a record has more than one resolution at the same stage",
            file=file,
            row=(res.index[dup] + 1).to_list(),
            column="record_id",
            hint="keep only the lead's latest resolution",
        )
    return res


def progress(
    decisions: pd.DataFrame,
    *,
    n_records: int | None = None,
    stage: str | None = None,
    file: str | None = None,
) -> pd.DataFrame:
    """Screening progress per reviewer (and stage).

    Parameters
    ----------
    decisions : pandas.DataFrame
        Columns ``record_id, reviewer, decision, stage``.
    n_records : int, optional
        Records to screen at the stage; gives ``fraction_done``.
    stage : str, optional
        Keep only this stage.
    file : str, optional
        Named in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns ``stage, reviewer, n_decided, include, exclude, maybe, n_conflicts,
        fraction_done`` (NaN when ``n_records`` is not given).
    """
    frame = validate_decisions(decisions, file=file)
    if stage is not None:
        frame = frame.loc[frame["stage"] == stage]
    cols = ["stage", "reviewer", "n_decided", *DECISIONS, "n_conflicts", "fraction_done"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    out = _decision_counts(frame, "reviewer").copy()
    out["n_decided"] = out.sum(axis=1)
    conf = conflicts(frame, file=file)
    if conf.empty:
        out["n_conflicts"] = 0
    else:
        keys = conf.set_index(["stage", "record_id"]).index
        in_conf = frame.set_index(["stage", "record_id"]).index.isin(keys)
        per = frame.loc[in_conf].groupby(["stage", "reviewer"]).size()
        out["n_conflicts"] = per.reindex(out.index, fill_value=0).astype(np.int64)
    if n_records is None:
        out["fraction_done"] = np.nan
    else:
        if isinstance(n_records, bool) or not isinstance(n_records, int) or n_records < 1:
            raise InputError(f"n_records must be a positive integer, got {n_records!r}",
                             column="n_records")
        out["fraction_done"] = out["n_decided"] / n_records
    out = out.reset_index()
    return out[cols].reset_index(drop=True)


def pairwise_agreement(
    decisions: pd.DataFrame,
    *,
    stage: str,
    categories: Sequence[str] | None = None,
    file: str | None = None,
) -> pd.DataFrame:
    """Agreement statistics for every pair of reviewers at a stage.

    Returns
    -------
    pandas.DataFrame
        Columns ``reviewer_a, reviewer_b, n, observed_agreement, kappa, kappa_se, pabak,
        ac1, ac1_se``; pairs with no record in common are listed with ``n = 0`` and NaN.
    """
    frame = validate_decisions(decisions, file=file)
    frame = frame.loc[frame["stage"] == stage]
    wide = frame.pivot(index="record_id", columns="reviewer", values="decision")
    reviewers = sorted(wide.columns, key=str)
    cols = ["reviewer_a", "reviewer_b", "n", "observed_agreement", "kappa", "kappa_se",
            "pabak", "ac1", "ac1_se"]
    rows = []
    cats = tuple(categories) if categories is not None else tuple(
        c for c in DECISIONS if c in set(frame["decision"])
    )
    if len(cats) < 2:
        cats = ("include", "exclude") if "maybe" not in cats else DECISIONS
    for i, ra in enumerate(reviewers):
        for rb in reviewers[i + 1:]:
            pair = wide[[ra, rb]].dropna()
            if pair.empty:
                rows.append([ra, rb, 0, *([np.nan] * 6)])
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", StatisticalWarning)
                res = agreement(pair[ra].to_list(), pair[rb].to_list(), categories=cats)
            for w in caught:
                warnings.warn(f"reviewers {ra} and {rb}: {w.message}", StatisticalWarning,
                              stacklevel=2)
            rows.append([ra, rb, res.n, res.observed_agreement, res.kappa, res.kappa_se,
                         res.pabak, res.ac1, res.ac1_se])
    return pd.DataFrame(rows, columns=cols)
