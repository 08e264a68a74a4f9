"""The LD-IL-2 flagship analysis: every outcome pooled, checked for sensitivity, and set beside
the published numbers.

For each continuous outcome with k >= 2 studies (pre/post, one group per study):

* the standardised mean change with raw-score standardisation (metafor's ``SMCR``; Becker BJ
  (1988). Synthesizing standardized mean-change measures. Br J Math Stat Psychol
  41(2):257-278. doi:10.1111/j.2044-8317.1988.tb00901.x; Morris SB (2000). Distribution of the
  standardized mean change effect size for meta-analysis on repeated measures. Br J Math Stat
  Psychol 53(1):17-29. doi:10.1348/000711000159150), post minus pre over the pre-treatment SD,
  with an assumed pre-post correlation *ri*, pooled by REML with z and with Hartung-Knapp
  (Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
  single covariate. Stat Med 22(17):2693-2710. doi:10.1002/sim.1482) inference;
* the same across a grid of assumed correlations;
* the independent-groups SMD (Hedges' g; Hedges LV (1981). J Educ Stat 6(2):107-128.
  doi:10.3102/10769986006002107), treating pre and post as two groups, a common (if wrong)
  shortcut that ignores the pairing;
* subgroups by disease and by dose regimen with the test for subgroup differences where at
  least two subgroups have studies; leave-one-out when k >= 3 (Viechtbauer W, Cheung MW-L
  (2010). Res Synth Methods 1(2):112-125. doi:10.1002/jrsm.11); Egger's regression test
  (Egger M et al. (1997). BMJ 315:629-634. doi:10.1136/bmj.315.7109.629) and Begg's rank test
  (Begg CB, Mazumdar M (1994). Biometrics 50(4):1088-1101. doi:10.2307/2533446) only when
  k >= 10, as advised by Sterne JAC et al. (2011). BMJ 343:d4002. doi:10.1136/bmj.d4002.

Counts (adverse events, response, remission) are pooled as single proportions on the logit
scale (``PLO``) and on the Freeman-Tukey double-arcsine scale (``PFT``, back-transformed with
Miller's inverse at the harmonic mean of the sample sizes; Miller JJ (1978). Am Stat 32(4):138.
doi:10.1080/00031305.1978.10479283), random effects, and with the binomial-normal GLMM when
k >= 2 (Stijnen T, Hamza TH, Ozdemir P (2010). Stat Med 29(29):3046-3067.
doi:10.1002/sim.4040), which needs no continuity correction.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from metareview.bias import ranktest, regtest
from metareview.datasets.ld_il2 import OutcomeTables, analysis_tables, load_published
from metareview.diagnostics import leave_one_out, ri_sensitivity
from metareview.effects import Effects, escalc
from metareview.effects.transforms import transf_ilogit, transf_ipft_hm
from metareview.errors import InputError
from metareview.models import RMAResult, rma
from metareview.plan import BiasSpec

__all__ = [
    "BIAS_COLUMNS",
    "FlagshipResult",
    "LOO_COLUMNS",
    "POOLED_COLUMNS",
    "PROPORTION_COLUMNS",
    "RI_COLUMNS",
    "SUBGROUP_COLUMNS",
    "pool_glmm",
    "pool_proportion",
    "pool_smcr",
    "run",
    "smcr_effects",
]

RI_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BIAS_MIN_K = BiasSpec().min_k  # the plan's default (Sterne et al. 2011)
POOLED_COLUMNS = ("outcome", "model", "measure", "ri", "method", "test", "k", "estimate", "se",
                  "ci_lb", "ci_ub", "pval", "tau2", "I2", "QE", "QEp", "studies", "notes")
RI_COLUMNS = ("outcome", "ri", "k", "estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2",
              "I2")
SUBGROUP_COLUMNS = ("outcome", "by", "level", "k", "estimate", "se", "ci_lb", "ci_ub", "tau2",
                    "I2", "Q_between", "df_between", "p_between", "status")
LOO_COLUMNS = ("outcome", "left_out", "estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "I2")
BIAS_COLUMNS = ("outcome", "test", "k", "statistic", "pval", "status")
PROPORTION_COLUMNS = ("outcome", "model", "k", "events", "total", "estimate", "ci_lb", "ci_ub",
                      "estimate_transformed", "tau2", "I2", "studies", "notes")
_Z = float(norm.ppf(0.975))


def _quiet(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    """Call *fn*, returning its result and the text of every warning it raised (so the
    warnings end up in the ``notes`` of the output rather than being lost)."""
    from metareview.analysis import _quiet as quiet

    return quiet(fn, *args, **kwargs)


def smcr_effects(table: pd.DataFrame, *, ri: float) -> tuple[Effects, list[str]]:
    """SMCR effect sizes of a continuous outcome table (post minus pre over the pre SD).

    Examples
    --------
    >>> t = pd.DataFrame({"m1i": [12.0], "m2i": [10.0], "sd1i": [4.0], "ni": [20],
    ...                   "study_id": ["A"]})
    >>> eff, _ = smcr_effects(t, ri=0.5)
    >>> round(float(eff.yi[0]), 6)   # c(19) (12 - 10) / 4, c(m) = G(m/2) / (sqrt(m/2) G((m-1)/2))
    0.479955
    """
    return _quiet(escalc, "SMCR", m1i=table["m1i"], m2i=table["m2i"], sd1i=table["sd1i"],
                  ni=table["ni"], ri=float(ri), slab=list(table["study_id"]))


def pool_smcr(table: pd.DataFrame, *, ri: float = 0.5, method: str = "REML",
              test: str = "z") -> tuple[RMAResult, list[str]]:
    """Pool the SMCR of a continuous outcome table (k >= 2) with a random-effects model."""
    if len(table) < 2:
        raise InputError(f"pooling needs at least 2 studies (k = {len(table)})", column="k")
    eff, notes = smcr_effects(table, ri=ri)
    res, more = _quiet(rma, eff, method=method, test=test)
    return res, notes + more


def _studies(table: pd.DataFrame) -> str:
    return "; ".join(table["study_id"])


def _fit_row(outcome: str, model: str, measure: str, ri: float, res: RMAResult,
             table: pd.DataFrame, notes: list[str]) -> dict[str, Any]:
    return {"outcome": outcome, "model": model, "measure": measure, "ri": ri,
            "method": res.method_used, "test": res.test, "k": res.k, "estimate": res.estimate,
            "se": float(res.se[0]), "ci_lb": float(res.ci_lb[0]), "ci_ub": float(res.ci_ub[0]),
            "pval": float(res.pval[0]), "tau2": res.tau2, "I2": res.I2, "QE": res.QE,
            "QEp": res.QEp, "studies": _studies(table), "notes": " | ".join(notes)}


def _single_row(outcome: str, measure: str, ri: float, eff: Effects, table: pd.DataFrame,
                notes: list[str]) -> dict[str, Any]:
    yi, se = float(eff.yi[0]), float(np.sqrt(eff.vi[0]))
    return {"outcome": outcome, "model": "single study (not pooled)", "measure": measure,
            "ri": ri, "method": "", "test": "z", "k": 1, "estimate": yi, "se": se,
            "ci_lb": yi - _Z * se, "ci_ub": yi + _Z * se,
            "pval": float(2 * norm.sf(abs(yi / se))), "tau2": np.nan, "I2": np.nan,
            "QE": np.nan, "QEp": np.nan, "studies": _studies(table),
            "notes": " | ".join(["k = 1: the study's own estimate and 95% CI", *notes])}


def _subgroups(outcome: str, eff: Effects, table: pd.DataFrame, method: str) -> list[dict]:
    """Subgroups by disease and by dose, through the plan's
    :func:`metareview.analysis.subgroup_table` (same statuses as a plan run)."""
    from metareview.analysis import subgroup_table

    rows: list[dict[str, Any]] = []
    for by in ("disease_group", "dose_group"):
        (est, _), _notes = _quiet(subgroup_table, eff, table[by].to_numpy(), name=by,
                                  column=by, method=method)
        for r in est.to_dict("records"):
            rows.append({"outcome": outcome, "by": by,
                         **{c: r.get(c, np.nan) for c in SUBGROUP_COLUMNS[2:]}})
    return rows


def _bias(outcome: str, res: RMAResult) -> list[dict[str, Any]]:
    if res.k < BIAS_MIN_K:
        return [{"outcome": outcome, "test": t, "k": res.k, "statistic": np.nan,
                 "pval": np.nan, "status": f"not applicable: k < {BIAS_MIN_K}"}
                for t in ("Egger regression (sei)", "Begg rank correlation")]
    eg, n1 = _quiet(regtest, res)
    bg, n2 = _quiet(ranktest, res)
    return [{"outcome": outcome, "test": "Egger regression (sei)", "k": res.k,
             "statistic": eg.zval, "pval": eg.pval, "status": " | ".join(n1) or "done"},
            {"outcome": outcome, "test": "Begg rank correlation", "k": res.k,
             "statistic": bg.tau, "pval": bg.pval, "status": " | ".join(n2) or "done"}]


def pool_proportion(table: pd.DataFrame, *, measure: str, method: str = "REML"
                    ) -> dict[str, Any]:
    """Pool a count table as single proportions (``"PLO"`` or ``"PFT"``), back-transformed to
    a proportion (inverse logit; Miller's inverse at the harmonic mean n for PFT). One study
    gives its own estimate and 95% CI on the transformed scale, back-transformed.

    Examples
    --------
    >>> t = pd.DataFrame({"xi": [9.0], "ni": [29.0], "study_id": ["He 2020"]})
    >>> round(pool_proportion(t, measure="PLO")["estimate"], 6)    # 9 / 29
    0.310345
    """
    if measure not in ("PLO", "PFT"):
        raise InputError(f"measure must be 'PLO' or 'PFT' (got {measure!r})", column="measure")
    ni = table["ni"].to_numpy(dtype=float)
    eff, notes = _quiet(escalc, measure, xi=table["xi"], ni=table["ni"],
                        slab=list(table["study_id"]))
    notes += [f"{c.what}: {c.method}" for c in eff.conversions
              if not c.what.startswith("slab")]
    if eff.k >= 2:
        res, more = _quiet(rma, eff, method=method)
        notes += more
        x = np.array([res.estimate, float(res.ci_lb[0]), float(res.ci_ub[0])])
        tau2, i2 = res.tau2, res.I2
        model = f"{measure} random-effects ({res.method_used})"
    else:
        yi, se = float(eff.yi[0]), float(np.sqrt(eff.vi[0]))
        x = np.array([yi, yi - _Z * se, yi + _Z * se])
        tau2 = i2 = np.nan
        model = "single study (not pooled)"
        notes.insert(0, f"k = 1: the study's own estimate, {measure} scale")
    back = transf_ilogit(x) if measure == "PLO" else transf_ipft_hm(x, ni=ni)
    if measure == "PFT":
        model += ", back-transformed at the harmonic mean n"
    return {"model": model, "k": eff.k, "events": float(table["xi"].sum()),
            "total": float(np.sum(ni)), "estimate": float(back[0]), "ci_lb": float(back[1]),
            "ci_ub": float(back[2]), "estimate_transformed": float(x[0]), "tau2": tau2,
            "I2": i2, "studies": _studies(table), "notes": " | ".join(dict.fromkeys(notes))}


def pool_glmm(table: pd.DataFrame) -> dict[str, Any]:
    """Pool a count table (k >= 2) with the binomial-normal GLMM through the plan's
    :func:`metareview.analysis.glmm_row` (ML with adaptive Gauss-Hermite quadrature),
    back-transformed with the inverse logit. A fit that does not converge gives a row of NaN
    with the reason in ``notes``."""
    from metareview.analysis import glmm_row

    if len(table) < 2:
        raise InputError(f"the GLMM needs at least 2 studies (k = {len(table)})", column="k")
    g = glmm_row(table["xi"].to_numpy(), table["ni"].to_numpy(),
                 slab=list(table["study_id"]))
    status = str(g["status"])
    # "fitted" or "fitted | <warnings>" -> the warnings; else the reason it was not fitted
    notes = status.partition(" | ")[2] if status.startswith("fitted") else status
    return {"model": g["model"], "k": len(table), "events": float(table["xi"].sum()),
            "total": float(table["ni"].sum()), "studies": _studies(table),
            "estimate": g.get("estimate_scaled", np.nan), "ci_lb": g.get("ci_lb_scaled", np.nan),
            "ci_ub": g.get("ci_ub_scaled", np.nan),
            "estimate_transformed": g.get("estimate", np.nan), "tau2": g.get("tau2", np.nan),
            "I2": g.get("I2", np.nan), "notes": notes}


def _sensitivity_rows(tables: OutcomeTables, *, ri: float, method: str, median_method: str,
                      include_overlapping: bool) -> list[dict[str, Any]]:
    """Pooled SMCR (z) under the other median conversions, for outcomes with a converted
    study, and with the not-counted reports of overlapping cohorts, for outcomes they change."""
    rows: list[dict[str, Any]] = []
    variants: list[tuple[str, OutcomeTables]] = [
        (f"medians by {m}", analysis_tables(median_method=m,
                                            include_overlapping=include_overlapping))
        for m in ("luo_wan", "wan", "shi") if m != median_method]
    if not include_overlapping:
        variants.append(("not-counted reports of overlapping cohorts included",
                         analysis_tables(median_method=median_method,
                                         include_overlapping=True)))
    for label, alt in variants:
        for outcome, t in alt.continuous.items():
            base = tables.continuous.get(outcome)
            if label.startswith("medians") and not t["converted"].any():
                continue
            if not label.startswith("medians") and base is not None and (
                    t["row"].tolist() == base["row"].tolist()):
                continue
            eff, notes = smcr_effects(t, ri=ri)
            model = f"SMCR random-effects, z; sensitivity: {label}"
            if len(t) < 2:
                row = _single_row(outcome, "SMCR", ri, eff, t, notes)
                row["model"] = f"single study (not pooled); sensitivity: {label}"
                rows.append(row)
                continue
            res, more = _quiet(rma, eff, method=method)
            rows.append(_fit_row(outcome, model, "SMCR", ri, res, t, [*notes, *more]))
    return rows


@dataclass(frozen=True)
class FlagshipResult:
    """Everything the flagship run produced (each table also written to ``out_dir``).

    Tables (fixed columns, numbers unrounded): ``pooled`` (:data:`POOLED_COLUMNS`),
    ``ri_sensitivity`` (:data:`RI_COLUMNS`), ``subgroups`` (:data:`SUBGROUP_COLUMNS`),
    ``leave_one_out`` (:data:`LOO_COLUMNS`), ``bias`` (:data:`BIAS_COLUMNS`), ``proportions``
    (:data:`PROPORTION_COLUMNS`) and ``comparison`` (published versus ours,
    :data:`metareview.datasets.ld_il2_compare.COMPARISON_COLUMNS`).
    """

    out_dir: Path
    tables: OutcomeTables
    pooled: pd.DataFrame
    ri_sensitivity: pd.DataFrame
    subgroups: pd.DataFrame
    leave_one_out: pd.DataFrame
    bias: pd.DataFrame
    proportions: pd.DataFrame
    comparison: pd.DataFrame
    files: tuple[Path, ...]
    settings: dict[str, Any]

    def summary(self) -> pd.DataFrame:
        """The comparison table (published versus ours, outcome by outcome)."""
        return self.comparison.copy()

    to_frame = summary


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


def _check_options(ri: float, ri_grid: Sequence[float], method: str) -> tuple[float, ...]:
    if not -1 < float(ri) < 1:
        raise InputError(f"ri must lie strictly between -1 and 1 (got {ri})", column="ri")
    grid = tuple(float(r) for r in ri_grid)
    if not grid or any(not -1 < r < 1 for r in grid):
        raise InputError("every ri_grid value must lie strictly between -1 and 1",
                         column="ri_grid")
    if method == "EE":
        raise InputError("the flagship analysis pools with a random-effects estimator",
                         column="method", hint="use REML, DL, PM, ...")
    return grid


def run(out_dir: str | Path, *, ri: float = 0.5, ri_grid: Sequence[float] = RI_GRID,
        median_method: str = "luo_wan", include_overlapping: bool = False,
        method: str = "REML") -> FlagshipResult:
    """Run the LD-IL-2 flagship analysis and write its tables to *out_dir*.

    Parameters
    ----------
    out_dir : path
        Created if needed; receives ``pooled.csv``, ``ri_sensitivity.csv``,
        ``subgroups.csv``, ``leave_one_out.csv``, ``bias.csv``, ``proportions.csv``,
        ``comparison.csv``, ``comparison.md``, ``studies_continuous.csv``,
        ``studies_counts.csv``, ``conversions.csv``, ``excluded.csv`` and ``settings.json``.
    ri : float
        The assumed pre-post correlation for SMCR (no study reports it).
    ri_grid : sequence of float
        Correlations for the sensitivity analysis.
    median_method : {"luo_wan", "wan", "shi"}
        Estimators of mean and SD from medians.
    include_overlapping : bool
        Keep the reports the cohort file does not count (sensitivity only).
    method : str
        The tau^2 estimator (default REML).

    Returns
    -------
    FlagshipResult
        ``pooled`` holds, per continuous outcome, the SMCR fits (z, knha), the
        independent-groups SMD, a single study's own estimate where k = 1, and sensitivity
        rows: the other median conversions (outcomes with a converted study) and the
        not-counted reports of overlapping cohorts (outcomes they change).
    """
    from metareview.datasets.ld_il2_compare import compare, write_outputs

    grid = _check_options(ri, ri_grid, method)
    tables = analysis_tables(median_method=median_method,
                             include_overlapping=include_overlapping)
    pooled, ri_rows, sub_rows, loo_rows, bias_rows, prop_rows = [], [], [], [], [], []
    have_glmm = importlib.util.find_spec("metareview.models.glmm") is not None
    for outcome, t in tables.continuous.items():
        eff, notes = smcr_effects(t, ri=ri)
        if len(t) < 2:
            pooled.append(_single_row(outcome, "SMCR", ri, eff, t, notes))
            bias_rows += [{"outcome": outcome, "test": name, "k": 1, "statistic": np.nan,
                           "pval": np.nan, "status": f"not applicable: k < {BIAS_MIN_K}"}
                          for name in ("Egger regression (sei)", "Begg rank correlation")]
            continue
        fits = {}
        for test in ("z", "knha"):
            res, more = _quiet(rma, eff, method=method, test=test)
            fits[test] = res
            pooled.append(_fit_row(outcome, f"SMCR random-effects, {test}", "SMCR", ri, res, t,
                                   [*notes, *more]))
        sens, more = _quiet(ri_sensitivity, "SMCR", ri=grid, m1i=t["m1i"], m2i=t["m2i"],
                            sd1i=t["sd1i"], ni=t["ni"], method=method)
        frame = sens.to_frame()
        frame.insert(0, "outcome", outcome)
        ri_rows += frame.to_dict("records")
        smd, n_smd = _quiet(escalc, "SMD", m1i=t["post_mean"], sd1i=t["post_sd"], n1i=t["ni"],
                            m2i=t["pre_mean"], sd2i=t["pre_sd"], n2i=t["ni"],
                            slab=list(t["study_id"]))
        res_smd, more = _quiet(rma, smd, method=method)
        pooled.append(_fit_row(outcome, "SMD (pre and post as independent groups), z", "SMD",
                               np.nan, res_smd, t,
                               ["ignores the pre-post pairing", *n_smd, *more]))
        sub_rows += _subgroups(outcome, eff, t, method)
        if len(t) >= 3:
            loo, _ = _quiet(leave_one_out, fits["z"])
            for r in loo.to_frame().to_dict("records"):
                loo_rows.append({"outcome": outcome, "left_out": r["slab"], **{
                    c: r[c] for c in LOO_COLUMNS[2:]}})
        bias_rows += _bias(outcome, fits["z"])
    pooled += _sensitivity_rows(tables, ri=ri, method=method, median_method=median_method,
                                include_overlapping=include_overlapping)
    for outcome, t in tables.counts.items():
        for measure in ("PLO", "PFT"):
            prop_rows.append({"outcome": outcome, **pool_proportion(t, measure=measure,
                                                                    method=method)})
        if len(t) >= 2 and have_glmm:
            prop_rows.append({"outcome": outcome, **pool_glmm(t)})
    settings = {"ri": float(ri), "ri_grid": list(grid), "median_method": median_method,
                "include_overlapping": bool(include_overlapping), "method": method,
                "glmm": ("binomial-normal GLMM fitted for count outcomes with k >= 2"
                         if have_glmm else "metareview.models.glmm not available: not fitted")}
    published = load_published()
    comparison = compare(tables, published, ri=float(ri), ri_grid=grid, method=method)
    out = Path(out_dir)
    result = FlagshipResult(
        out_dir=out, tables=tables, pooled=_frame(pooled, POOLED_COLUMNS),
        ri_sensitivity=_frame(ri_rows, RI_COLUMNS),
        subgroups=_frame(sub_rows, SUBGROUP_COLUMNS),
        leave_one_out=_frame(loo_rows, LOO_COLUMNS), bias=_frame(bias_rows, BIAS_COLUMNS),
        proportions=_frame(prop_rows, PROPORTION_COLUMNS), comparison=comparison,
        files=(), settings=settings)
    files = write_outputs(result)
    return FlagshipResult(**{**result.__dict__, "files": files})
