"""GRADE summary of findings: the certainty of the evidence for each outcome.

The certainty starts at High for randomised trials and Low for observational studies and is
rated down one or two levels per domain (Guyatt et al. 2011, "GRADE guidelines: 1.
Introduction - GRADE evidence profiles and summary of findings tables", J Clin Epidemiol
64(4):383-394, doi:10.1016/j.jclinepi.2010.04.026; Balshem et al. 2011, "GRADE guidelines: 3.
Rating the quality of evidence", J Clin Epidemiol 64(4):401-406,
doi:10.1016/j.jclinepi.2010.07.015).

The tool judges three domains from the numbers, with these rules:

* **Inconsistency** (Guyatt et al. 2011, "GRADE guidelines: 7. Rating the quality of
  evidence - inconsistency", J Clin Epidemiol 64(12):1294-1302,
  doi:10.1016/j.jclinepi.2011.03.017): not serious when I² < 50%; serious when I² >= 50%
  or when the prediction interval crosses the null while the confidence interval does not;
  very serious when I² >= 75% and the prediction interval crosses the null. (I² bands from
  the Cochrane Handbook, section 10.10.2.) Not judged for a single study.
* **Imprecision** (Guyatt et al. 2011, "GRADE guidelines: 6. Rating the quality of
  evidence - imprecision", J Clin Epidemiol 64(12):1283-1293,
  doi:10.1016/j.jclinepi.2011.01.012): one level for each of: the confidence interval
  includes the null (or the decision threshold when one is given), the confidence interval
  includes both the null and the threshold, the number of participants is below the
  optimal information size (when one is given); at most two levels.
* **Publication bias** (Guyatt et al. 2011, "GRADE guidelines: 5. Rating the quality of
  evidence - publication bias", J Clin Epidemiol 64(12):1277-1282,
  doi:10.1016/j.jclinepi.2011.01.011): tests are assessed only with at least 10 studies
  (Sterne et al. 2011, BMJ 343:d4002, doi:10.1136/bmj.d4002); serious when any test
  (Egger, Begg) has p < 0.10, otherwise not serious; "not assessed" below 10 studies.

Risk of bias and indirectness come from the reviewer (the plan's ``[outcomes.X.grade]``), with
reasons. A reviewer's judgement for a domain the tool judges overrides the tool's, and the
override is shown. For observational evidence a reviewer may rate up one or two levels
(Guyatt et al. 2011, "GRADE guidelines: 9. Rating up the quality of evidence", J Clin
Epidemiol 64(12):1311-1316, doi:10.1016/j.jclinepi.2011.06.004).

Examples
--------
>>> s = assess_certainty(outcome="death", design="rct", k=12, participants=2000,
...                      estimate=0.8, ci_lb=0.7, ci_ub=0.9, pi_lb=0.6, pi_ub=1.05, I2=20.0,
...                      null=1.0, bias_pvals={"egger": 0.5})
>>> s.certainty, s.domain("inconsistency").rating  # the PI crosses 1, the CI does not
('Moderate', 'serious')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from metareview.errors import InputError

__all__ = [
    "CERTAINTY_LEVELS",
    "DOMAINS",
    "DomainAssessment",
    "SummaryOfFindings",
    "assess_certainty",
    "sof_frame",
]

CERTAINTY_LEVELS = ("Very low", "Low", "Moderate", "High")
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
TOOL_DOMAINS = ("inconsistency", "imprecision", "publication_bias")
_LEVELS_DOWN = {"not_serious": 0, "serious": 1, "very_serious": 2, "not_assessed": 0,
                "not_judged": 0}
_UPGRADE = {"none": 0, "one": 1, "two": 2}
#: at least this many studies before small-study tests are interpreted (Sterne et al. 2011)
MIN_K_BIAS_TESTS = 10
BIAS_P = 0.10


@dataclass(frozen=True)
class DomainAssessment:
    """One GRADE domain: the rating used, why, who judged it, and any overridden tool rating."""

    domain: str
    rating: str
    reason: str
    source: str  # "tool" or "reviewer"
    tool_rating: str | None = None
    tool_reason: str | None = None

    @property
    def overridden(self) -> bool:
        return self.source == "reviewer" and self.tool_rating is not None

    @property
    def downgrade(self) -> int:
        return _LEVELS_DOWN[self.rating]


@dataclass(frozen=True)
class SummaryOfFindings:
    """The GRADE assessment of one outcome (numbers on the reporting scale, unrounded)."""

    outcome: str
    design: str
    k: int
    participants: int | None
    estimate: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    domains: tuple[DomainAssessment, ...]
    start: str
    upgrade: int
    upgrade_reason: str | None
    certainty: str

    def domain(self, name: str) -> DomainAssessment:
        return next(d for d in self.domains if d.domain == name)

    def to_frame(self) -> Any:
        """One row per domain.

        Columns: domain, rating, downgrade, source, reason, tool_rating, tool_reason.
        """
        import pandas as pd

        return pd.DataFrame(
            [{"domain": d.domain, "rating": d.rating, "downgrade": d.downgrade,
              "source": d.source, "reason": d.reason, "tool_rating": d.tool_rating,
              "tool_reason": d.tool_reason} for d in self.domains],
            columns=["domain", "rating", "downgrade", "source", "reason", "tool_rating",
                     "tool_reason"],
        )

    def row(self) -> dict[str, Any]:
        """The summary-of-findings table row (see :func:`sof_frame`)."""
        out: dict[str, Any] = {
            "outcome": self.outcome, "design": self.design, "k": self.k,
            "participants": self.participants, "estimate": self.estimate,
            "ci_lb": self.ci_lb, "ci_ub": self.ci_ub, "pi_lb": self.pi_lb, "pi_ub": self.pi_ub,
        }
        for d in self.domains:
            out[d.domain] = d.rating
        out["start"] = self.start
        out["upgrade"] = self.upgrade
        out["certainty"] = self.certainty
        return out


SOF_COLUMNS = ("outcome", "design", "k", "participants", "estimate", "ci_lb", "ci_ub", "pi_lb",
               "pi_ub", *DOMAINS, "start", "upgrade", "certainty")


def sof_frame(sofs: list[SummaryOfFindings] | tuple[SummaryOfFindings, ...]) -> Any:
    """The summary-of-findings table: one row per outcome with fixed columns."""
    import pandas as pd

    return pd.DataFrame([s.row() for s in sofs], columns=list(SOF_COLUMNS))


def _crosses(lb: float, ub: float, value: float) -> bool:
    return lb <= value <= ub


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _inconsistency(k: int, I2: float, ci: tuple[float, float], pi: tuple[float, float],
                   null: float | None) -> tuple[str, str]:
    if k < 2:
        return "not_assessed", "a single study: inconsistency cannot be judged"
    pi_crosses = null is not None and _crosses(*pi, null)
    ci_crosses = null is not None and _crosses(*ci, null)
    text = f"I² = {I2:.1f}%"
    if null is not None:
        text += (f"; the prediction interval ({_fmt(pi[0])} to {_fmt(pi[1])}) "
                 f"{'crosses' if pi_crosses else 'does not cross'} the null")
    if I2 >= 75 and pi_crosses:
        return "very_serious", text
    if I2 >= 50 or (pi_crosses and not ci_crosses):
        return "serious", text
    return "not_serious", text


def _imprecision(ci: tuple[float, float], null: float | None, threshold: float | None,
                 participants: int | None, ois: int | None) -> tuple[str, str]:
    reasons: list[str] = []
    levels = 0
    ci_text = f"the CI ({_fmt(ci[0])} to {_fmt(ci[1])})"
    crosses_null = null is not None and _crosses(*ci, null)
    crosses_thr = threshold is not None and _crosses(*ci, threshold)
    if crosses_null or crosses_thr:
        levels += 1
        what = " and ".join(
            w for w, c in (("the null", crosses_null), (f"the threshold {_fmt(threshold or 0)}",
                                                        crosses_thr)) if c)
        reasons.append(f"{ci_text} includes {what}")
        if crosses_null and crosses_thr:
            levels += 1
    elif null is None and threshold is None:
        return "not_assessed", ("no null value for this measure and no decision threshold "
                                "given (set grade.threshold)")
    else:
        reasons.append(f"{ci_text} excludes "
                       + " and ".join(w for w, v in (("the null", null),
                                                     ("the threshold", threshold))
                                      if v is not None))
    if ois is not None:
        if participants is None:
            reasons.append("optimal information size given but participants unknown "
                           "(set grade.participants)")
        elif participants < ois:
            levels += 1
            reasons.append(f"{participants} participants, below the optimal information "
                           f"size of {ois}")
        else:
            reasons.append(f"{participants} participants meet the optimal information "
                           f"size of {ois}")
    levels = min(levels, 2)
    return ("not_serious", "serious", "very_serious")[levels], "; ".join(reasons)


def _publication_bias(k: int, pvals: Mapping[str, float]) -> tuple[str, str]:
    if k < MIN_K_BIAS_TESTS:
        return "not_assessed", f"fewer than {MIN_K_BIAS_TESTS} studies (k = {k})"
    if not pvals:
        return "not_assessed", "no small-study test was run"
    shown = ", ".join(f"{name} p = {p:.3g}" for name, p in pvals.items())
    if any(p < BIAS_P for p in pvals.values()):
        return "serious", f"small-study effects suspected ({shown})"
    return "not_serious", f"no small-study effects detected ({shown})"


def assess_certainty(
    *,
    outcome: str,
    design: str,
    k: int,
    participants: int | None,
    estimate: float,
    ci_lb: float,
    ci_ub: float,
    pi_lb: float,
    pi_ub: float,
    I2: float,
    null: float | None,
    threshold: float | None = None,
    ois: int | None = None,
    bias_pvals: Mapping[str, float] | None = None,
    judgements: Mapping[str, Any] | None = None,
    upgrade: str = "none",
    upgrade_reason: str | None = None,
) -> SummaryOfFindings:
    """Rate the certainty of the evidence for one outcome (rules in the module docstring).

    Parameters
    ----------
    outcome : str
        Outcome label.
    design : {"rct", "observational"}
        Starts the rating at High or Low.
    k, participants : int
        Number of studies and of participants (None if unknown).
    estimate, ci_lb, ci_ub, pi_lb, pi_ub : float
        The pooled effect, its confidence and prediction interval, on the reporting scale.
    I2 : float
        I² in percent.
    null : float or None
        'No effect' on the reporting scale (1 for ratios, 0 for differences).
    threshold : float, optional
        A decision threshold on the reporting scale (e.g. the minimal important difference).
    ois : int, optional
        Optimal information size (participants).
    bias_pvals : mapping, optional
        p-values of small-study tests by name (``{"egger": 0.42}``).
    judgements : mapping, optional
        Reviewer judgements by domain: objects with ``rating`` and ``reason`` (or dicts).
        Required for risk_of_bias and indirectness (else "not_judged"); override the tool's
        rating for the other domains.
    upgrade : {"none", "one", "two"}
        Rating up (observational evidence only).
    upgrade_reason : str, optional
        Why (large effect, dose-response, plausible confounding).

    Returns
    -------
    SummaryOfFindings
    """
    if design not in ("rct", "observational"):
        raise InputError(f"design must be 'rct' or 'observational'; got {design!r}",
                         column="design")
    if upgrade not in _UPGRADE:
        raise InputError(f"upgrade must be one of none, one, two; got {upgrade!r}",
                         column="upgrade")
    if upgrade != "none" and design == "rct":
        raise InputError("rating up applies to observational evidence only", column="upgrade",
                         hint="GRADE rates up observational studies (Guyatt et al. 2011, "
                         "J Clin Epidemiol 64:1311)")
    judgements = dict(judgements or {})
    unknown = set(judgements) - set(DOMAINS)
    if unknown:
        raise InputError(f"unknown GRADE domain {sorted(unknown)[0]!r}", column="judgements",
                         hint="use " + ", ".join(DOMAINS))
    tool = {
        "inconsistency": _inconsistency(k, I2, (ci_lb, ci_ub), (pi_lb, pi_ub), null),
        "imprecision": _imprecision((ci_lb, ci_ub), null, threshold, participants, ois),
        "publication_bias": _publication_bias(k, dict(bias_pvals or {})),
    }
    domains = []
    for name in DOMAINS:
        j = judgements.get(name)
        rating = reason = None
        if j is not None:
            rating = j["rating"] if isinstance(j, Mapping) else j.rating
            reason = j["reason"] if isinstance(j, Mapping) else j.reason
            if rating not in ("not_serious", "serious", "very_serious"):
                raise InputError(f"the {name} rating must be not_serious, serious or "
                                 f"very_serious; got {rating!r}", column=name)
        if name in tool:
            t_rating, t_reason = tool[name]
            if rating is None:
                domains.append(DomainAssessment(name, t_rating, t_reason, "tool"))
            else:
                domains.append(DomainAssessment(name, rating, str(reason), "reviewer",
                                                tool_rating=t_rating, tool_reason=t_reason))
        elif rating is None:
            domains.append(DomainAssessment(name, "not_judged",
                                            "no judgement in the plan", "reviewer"))
        else:
            domains.append(DomainAssessment(name, rating, str(reason), "reviewer"))
    start = 3 if design == "rct" else 1
    up = _UPGRADE[upgrade]
    level = max(0, min(3, start - sum(d.downgrade for d in domains) + up))
    return SummaryOfFindings(
        outcome=outcome, design=design, k=int(k), participants=participants,
        estimate=float(estimate), ci_lb=float(ci_lb), ci_ub=float(ci_ub),
        pi_lb=float(pi_lb), pi_ub=float(pi_ub), domains=tuple(domains),
        start=CERTAINTY_LEVELS[start], upgrade=up, upgrade_reason=upgrade_reason,
        certainty=CERTAINTY_LEVELS[level],
    )
