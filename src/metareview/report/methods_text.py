"""The methods paragraph of a report, written from what was actually run.

Each sentence is built from an :class:`~metareview.analysis.OutcomeResult` (the estimator that
was in fact used after any fallback, the test, the CI level, the sensitivity analyses and bias
tests that produced results), and names its references, which come from the bundled
``references.bib`` (read with bibtexparser).

Examples
--------
>>> cite("dersimonian1986"), cite("egger1997")
('DerSimonian and Laird 1986', 'Egger et al. 1997')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "METHOD_NAMES",
    "MethodsText",
    "cite",
    "format_reference",
    "methods_text",
    "references",
]

MEASURE_NAMES = {
    "RR": "log risk ratios", "OR": "log odds ratios", "RD": "risk differences",
    "AS": "arcsine square-root transformed risk differences", "PETO": "Peto log odds ratios",
    "IRR": "log incidence rate ratios", "IRD": "incidence rate differences",
    "IRSD": "square-root transformed incidence rate differences",
    "MD": "raw mean differences", "SMD": "standardised mean differences (Hedges' g)",
    "SMDH": "standardised mean differences with heteroscedastic variances",
    "ROM": "log ratios of means", "MC": "raw mean changes",
    "SMCC": "standardised mean changes (change-score standardisation)",
    "SMCR": "standardised mean changes (raw-score standardisation)",
    "SMCRH": "standardised mean changes (raw-score standardisation, heteroscedastic)",
    "ROMC": "log ratios of means for paired data", "COR": "raw correlation coefficients",
    "UCOR": "bias-corrected correlation coefficients",
    "ZCOR": "Fisher's r-to-z transformed correlations", "PR": "raw proportions",
    "PLN": "log proportions", "PLO": "logit-transformed proportions",
    "PAS": "arcsine square-root transformed proportions",
    "PFT": "Freeman-Tukey double arcsine transformed proportions", "IR": "raw incidence rates",
    "IRLN": "log incidence rates", "IRS": "square-root transformed incidence rates",
    "IRFT": "Freeman-Tukey transformed incidence rates", "MN": "raw means",
    "MNLN": "log means", "GEN": "effect sizes supplied with their sampling variances",
}  # fmt: skip

#: estimator code -> (description, reference key)
METHOD_NAMES: dict[str, tuple[str, str]] = {
    "REML": ("restricted maximum likelihood (REML)", "viechtbauer2005"),
    "ML": ("maximum likelihood (ML)", "viechtbauer2005"),
    "DL": ("the DerSimonian-Laird method of moments (DL)", "dersimonian1986"),
    "PM": ("the Paule-Mandel estimator (PM)", "paule1982"),
    "PMM": ("the median-unbiased Paule-Mandel estimator (PMM)", "bakbergenuly2020"),
    "GENQ": ("the generalised Q-statistic estimator (GENQ)", "dersimonian2007"),
    "HE": ("the Hedges estimator (HE)", "hedges1985"),
    "HS": ("the Hunter-Schmidt estimator (HS)", "hunter1990"),
    "HSk": ("the Hunter-Schmidt estimator with small-sample correction (HSk)", "hunter1990"),
    "SJ": ("the Sidik-Jonkman estimator (SJ)", "sidik2005"),
    "EB": ("the empirical Bayes estimator (EB)", "morris1983"),
    "EE": ("an equal-effects (inverse-variance) model", "hedges1985"),
    "FE": ("a fixed-effects (inverse-variance) model", "hedges1985"),
}

TRANSF_NAMES = {
    "exp": ("exponentiated back to ratios", None),
    "ilogit": ("back-transformed to proportions with the inverse logit", None),
    "ztor": ("back-transformed to correlations", None),
    "iarcsin": ("back-transformed to proportions with the inverse arcsine", None),
    "ipft": ("back-transformed to proportions (inverse Freeman-Tukey, harmonic mean of the "
             "sample sizes)", "miller1978"),
    "ipft.hm": ("back-transformed to proportions (inverse Freeman-Tukey, harmonic mean of the "
                "sample sizes)", "miller1978"),
}


_ACCENTS = {"'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302"}


@cache
def references() -> dict[str, dict[str, str]]:
    """The bundled bibliography, key -> bibtexparser entry."""
    import bibtexparser

    text = resources.files("metareview.report").joinpath("references.bib").read_text("utf-8")
    return {e["ID"]: e for e in bibtexparser.loads(text).entries}


def _clean(text: str) -> str:
    text = text.replace("---", "\u2014").replace("--", "\u2013")
    text = re.sub(r"\\(['\"`^])\{?(\w)\}?",
                  lambda m: unicodedata.normalize("NFC", m.group(2) + _ACCENTS[m.group(1)]), text)
    return text.replace("{", "").replace("}", "")


def _surnames(entry: dict[str, str]) -> list[str]:
    return [_clean(a.split(",")[0].strip()) for a in entry["author"].split(" and ")]


def cite(key: str) -> str:
    """Author-year citation: 'Egger et al. 1997', 'DerSimonian and Laird 1986'."""
    entry = references()[key]
    names = _surnames(entry)
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2 and names[1] != "others":
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who} {entry['year']}"


def format_reference(key: str) -> str:
    """One line of the reference list: authors (year). Title. Journal volume(number):pages. doi."""
    e = references()[key]
    authors = []
    for a in e["author"].split(" and "):
        if a.strip() == "others":
            authors.append("et al.")
            continue
        last, _, first = a.partition(",")
        initials = "".join(p[0] for p in re.split(r"[\s.\-]+", _clean(first)) if p)
        authors.append(f"{_clean(last.strip())} {initials}".strip())
    title = _clean(e["title"])
    text = f"{', '.join(authors)} ({e['year']}). {title}{'' if title[-1] in '?.!' else '.'}"
    venue = e.get("journal") or e.get("publisher") or ""
    if venue:
        text += f" {_clean(venue)}"
        if e.get("volume"):
            text += f" {e['volume']}"
            if e.get("number"):
                text += f"({e['number']})"
        if e.get("pages"):
            text += f":{_clean(e['pages'])}"
        text += "."
    if e.get("doi"):
        text += f" doi:{e['doi']}"
    return text


@dataclass(frozen=True)
class MethodsText:
    """The methods paragraphs and the references they cite (keys, in order of first use)."""

    paragraphs: tuple[str, ...]
    references: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


class _Writer:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def c(self, *keys: str | None) -> str:
        """'(Author Year; Author Year)' and remember the keys."""
        real = [k for k in keys if k]
        for k in real:
            if k not in self.keys:
                self.keys.append(k)
        return f" ({'; '.join(cite(k) for k in real)})" if real else ""


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _outcome_paragraph(o: Any, w: _Writer) -> str:
    spec, fit = o.spec, o.fit
    used = fit.method_used
    requested = spec.model.methods
    what = MEASURE_NAMES.get(spec.measure, spec.measure)
    s = [f"Outcome \u201c{spec.label}\u201d: we computed {what}"
         f" (measure {spec.measure}) for {fit.k} studies{w.c('viechtbauer2010metafor')}."]
    if spec.filter:
        rows = "; ".join(f"{c} = {' or '.join(map(str, v))}" for c, v in spec.filter.items())
        s.append(f"The studies are the rows of the data file with {rows}.")
    if spec.ri is not None:
        s.append(f"No study reported the correlation between the two measurement occasions; "
                 f"ri = {spec.ri:g} was assumed{w.c('becker1988')}.")
    flags = getattr(o, "objects", {}).get("flags") or {}
    for note in dict.fromkeys(flags.values()):
        n = sum(1 for v in flags.values() if v == note)
        s.append(f"{n} stud{'y is' if n == 1 else 'ies are'} flagged in the tables and forest "
                 f"plots: {note}.")
    desc, key = METHOD_NAMES[used]
    if used in ("EE", "FE"):
        s.append(f"We pooled them with {desc}{w.c(key)}.")
    else:
        s.append(f"We pooled them with a random-effects model, estimating the between-study "
                 f"variance \u03c4\u00b2 by {desc}{w.c(key)}.")
    if len(requested) > 1:
        chain = " \u2192 ".join(requested)
        if used == requested[0]:
            why = f"{used} converged and was used."
        else:
            failed = _join(list(requested[: requested.index(used)]))
            why = f"{used} was used because {failed} did not converge."
        s.append(f"The plan named the fallback chain {chain}; {why}")
    if spec.model.test in ("knha", "t"):
        s.append(f"Tests and {spec.model.level:g}% confidence intervals for the pooled effect used "
                 f"the Knapp-Hartung adjustment with a t distribution{w.c('knapp2003')}.")
    else:
        s.append(f"Tests and {spec.model.level:g}% confidence intervals for the pooled effect used "
                 "the normal distribution (Wald-type z test).")
    if used not in ("EE", "FE"):
        s.append(f"We report a {spec.model.level:g}% prediction interval{w.c('riley2011')}, "
                 f"and heterogeneity with Cochran's Q{w.c('cochran1954')} and "
                 f"I\u00b2{w.c('higgins2002')}.")
    if spec.transf != "none":
        text, key = TRANSF_NAMES[spec.transf]
        s.append(f"Pooled estimates and intervals were {text}{w.c(key)}.")
    conv = o.tables.get("conversions")
    if conv is not None and conv["method"].astype(str).str.contains("median").any():
        method = spec.median_method or "luo_wan"
        keys = {"luo_wan": ("luo2018", "wan2014"), "wan": ("wan2014",),
                "shi": ("luo2018", "shi2020")}[method]
        rows = sorted({int(r) for r in conv.loc[conv["method"].astype(str)
                                                .str.contains("median"), "row"]})
        s.append(f"For {len(rows)} stud{'y' if len(rows) == 1 else 'ies'}, means and standard "
                 f"deviations were estimated from medians with interquartile ranges and/or "
                 f"ranges{w.c(*keys)}.")
    if conv is not None and conv["method"].astype(str).str.contains("SE|CI").any():
        s.append("Standard deviations reported as standard errors or confidence intervals of "
                 "the mean were converted to standard deviations (see the conversions table).")
    for sg in spec.subgroups:
        tau2 = ("separate \u03c4\u00b2 per subgroup" if sg.tau2 == "separate"
                else "a common \u03c4\u00b2 across subgroups")
        s.append(f"Subgroup analysis by {sg.column} ({tau2}) "
                 f"with a Q test for subgroup differences{w.c('borenstein2013')}.")
    if spec.moderators:
        forms = _join([f"{m.formula}" for m in spec.moderators])
        s.append(f"Mixed-effects meta-regression on {forms}, with the omnibus Q_M test of the "
                 f"moderators{w.c('thompson2002')}.")
    sens = []
    if "leave_one_out" in o.tables:
        sens.append(f"leave-one-out analysis{w.c('viechtbauer2010outlier')}")
    if "influence" in o.tables or "baujat" in o.tables:
        sens.append(f"influence diagnostics{w.c('viechtbauer2010outlier')} and a Baujat plot"
                    f"{w.c('baujat2002')}")
    if "cumulative" in o.tables:
        sens.append(f"cumulative meta-analysis ordered by {spec.sensitivity.cumulative}"
                    f"{w.c('lau1992')}")
    if "estimators" in o.tables:
        alts = [m for m in spec.sensitivity.estimators if m != used]
        if alts:
            sens.append("refits with the alternative estimators " + _join(
                [f"{m}{w.c(METHOD_NAMES[m][1])}" for m in alts]))
    if "ri_sensitivity" in o.tables:
        sens.append("a sensitivity analysis over the assumed pre-post correlation (ri = "
                    + ", ".join(f"{r:g}" for r in spec.sensitivity.ri) + ")")
    if spec.sensitivity.independent_groups:
        sens.append("the standardised mean difference treating the two occasions as "
                    f"independent groups{w.c('hedges1981')}, which ignores the pairing")
    for name, subset in spec.sensitivity.subsets.items():
        rows = "; ".join(f"{c} = {' or '.join(map(str, v))}" for c, v in subset.items())
        sens.append(f"the same model on the rows with {rows} (\u201c{name}\u201d)")
    if sens:
        s.append("Sensitivity analyses: " + _join(sens) + ".")
    for note in getattr(o, "notes", ()):
        s.append(f"Not run: {note}.")
    if "glmm" in o.tables:
        s.append("Alongside, a binomial-normal generalised linear mixed model (maximum "
                 f"likelihood, adaptive Gauss-Hermite quadrature){w.c('stijnen2010')}, which "
                 "needs no continuity correction, where k >= 2.")
    bias = []
    if "egger" in o.tests:
        bias.append(f"Egger's regression test{w.c('egger1997')}")
    if "begg" in o.tests:
        bias.append(f"Begg and Mazumdar's rank correlation test{w.c('begg1994')}")
    if "trim_and_fill" in o.tests:
        bias.append(f"trim-and-fill{w.c('duval2000')}")
    if "fail_safe_n" in o.tests:
        bias.append(f"Rosenthal's fail-safe N{w.c('rosenthal1979')}")
    if bias:
        s.append("Small-study effects and publication bias: " + _join(bias)
                 + f"; the asymmetry tests are run only with at least {spec.bias.min_k} "
                 f"studies{w.c('sterne2011')}"
                 + (f" (here k = {fit.k}: not run)." if fit.k < spec.bias.min_k else "."))
    return " ".join(s)


def methods_text(result: Any) -> MethodsText:
    """Write the methods section for an :class:`~metareview.analysis.AnalysisResult`.

    Returns
    -------
    MethodsText
        One paragraph per outcome, then one on the certainty of evidence and the software.
    """
    w = _Writer()
    paragraphs = [_outcome_paragraph(o, w) for o in result.outcomes]
    v = result.versions
    paragraphs.append(
        "The certainty of the evidence was rated with GRADE"
        f"{w.c('guyatt2011')}: the tool judged inconsistency, imprecision and publication "
        "bias from the results, and the reviewers judged risk of bias and indirectness. "
        f"All analyses were run with metareview {v['metareview']}, NumPy {v['numpy']}"
        f"{w.c('harris2020')} and SciPy {v['scipy']}{w.c('virtanen2020')}; the estimators "
        f"are checked against R's metafor{w.c('viechtbauer2010metafor')}."
    )
    return MethodsText(paragraphs=tuple(paragraphs), references=tuple(w.keys))
