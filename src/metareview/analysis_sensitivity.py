"""Subgroup tables, the alternatives table (the main model beside the independent-groups SMD
and the plan's row subsets) and the binomial-normal GLMM row of a plan run.

Split from :mod:`metareview.analysis`, which calls these from
:func:`~metareview.analysis.run_outcome` and re-exports the public names
(:func:`subgroup_table`, :func:`glmm_row`, :data:`ALTERNATIVE_COLUMNS`, :data:`GLMM_COLUMNS`).
The shared helpers of :mod:`metareview.analysis` (effect sizes from a data source, warnings
kept as notes, the reporting scale) are imported inside the functions: that module imports
this one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from metareview.errors import InputError

if TYPE_CHECKING:
    from metareview.plan import OutcomeSpec, Plan

__all__ = ["ALTERNATIVE_COLUMNS", "GLMM_COLUMNS", "glmm_row", "subgroup_table"]


def subgroup_table(eff: Any, groups: Any, *, name: str, column: str,
                   method: str | tuple[str, ...] = "REML", tau2: str = "separate",
                   test: str = "z", level: float = 95.0, measure: str | None = None,
                   transf: Callable | None = None) -> tuple[pd.DataFrame, Any]:
    """One subgroup analysis as a table, and its fitted object (None when not applicable).

    Each subgroup is pooled and the subgroups are compared with the Q test for subgroup
    differences (Borenstein M, Higgins JPT (2013). Meta-analysis and subgroups. Prev Sci
    14(2):134-143. doi:10.1007/s11121-013-0377-7). A subgroup with k = 1 gives its own
    estimate (tau^2 = 0, announced by a warning, which is also written in ``status``). When
    every study is in one subgroup there is nothing to compare: one row with
    ``status`` = "not applicable: every study has COLUMN = 'LEVEL'".

    Examples
    --------
    >>> from metareview.effects import escalc
    >>> eff = escalc("MD", m1i=[1.0, 2.0], sd1i=[1, 1], n1i=[10, 10], m2i=[0.0, 0.0],
    ...              sd2i=[1, 1], n2i=[10, 10])
    >>> t, sg = subgroup_table(eff, ["a", "a"], name="g", column="grp")
    >>> t["status"].iloc[0], sg is None
    ("not applicable: every study has grp = 'a'", True)
    """
    from metareview.analysis import _with_scale
    from metareview.models import subgroup_analysis

    groups = np.asarray(groups).astype(str)
    levels = list(dict.fromkeys(str(g) for g in groups))
    if len(levels) < 2:
        return pd.DataFrame([{"subgroup": name, "level": levels[0], "k": int(len(groups)),
                              "status": f"not applicable: every study has {column} = "
                                        f"{levels[0]!r}"}]), None
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        sg = subgroup_analysis(eff.yi, eff.vi, groups, method=method, tau2=tau2, test=test,
                               level=level, slab=eff.slab, measure=measure)
    for w in record:  # kept in the table's status and re-raised for the caller
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes = list(dict.fromkeys(str(w.message) for w in record))
    est = _with_scale(sg.estimates, transf)
    est.insert(0, "subgroup", name)
    est["Q_between"] = float(sg.Q_between)
    est["df_between"] = float(sg.df_between)
    est["p_between"] = float(sg.p_between)
    est["status"] = " | ".join([f"test for subgroup differences ({tau2} tau2)", *notes])
    return est, sg


#: columns of the ``alternatives`` table (the main model beside its variants)
ALTERNATIVE_COLUMNS = ("analysis", "measure", "k", "estimate", "se", "ci_lb", "ci_ub", "pval",
                       "tau2", "I2", "QE", "QEp", "studies", "notes")


def _alt_row(analysis: str, measure: str, fit: Any, notes: list[str]) -> dict[str, Any]:
    return {"analysis": analysis, "measure": measure, "k": int(fit.k),
            "estimate": float(fit.estimate), "se": float(fit.se[0]),
            "ci_lb": float(fit.ci_lb[0]), "ci_ub": float(fit.ci_ub[0]),
            "pval": float(fit.pval[0]), "tau2": float(fit.tau2), "I2": float(fit.I2),
            "QE": float(fit.QE), "QEp": float(fit.QEp), "studies": "; ".join(fit.slab),
            "notes": " | ".join(notes)}


def _alternatives(plan: Plan, spec: OutcomeSpec, frame: pd.DataFrame, data: pd.DataFrame,
                  fit: Any, opts: Mapping[str, Any]) -> pd.DataFrame:
    """The main model beside the independent-groups SMD and the plan's row subsets.

    The independent-groups SMD treats the two occasions as independent groups (Hedges LV
    (1981). J Educ Stat 6(2):107-128. doi:10.3102/10769986006002107), ignoring the pairing that
    SMCR accounts for (Becker BJ (1988). Br J Math Stat Psychol 41(2):257-278.
    doi:10.1111/j.2044-8317.1988.tb00901.x): reported so readers see how much the choice
    matters.
    """
    from metareview.analysis import _effects, _numeric, _quiet, _translated, apply_filter
    from metareview.effects import escalc
    from metareview.models import rma

    source = plan.data[spec.data]
    sens = spec.sensitivity
    rows = [_alt_row("main analysis", spec.measure, fit, [])]
    if sens.independent_groups:
        file = str(source.file)
        a = {arg: _numeric(frame, source.columns[arg], file)
             for arg in ("m1i", "m2i", "sd1i", "sd2i", "ni")}
        try:
            smd, notes = _quiet(escalc, "SMD", m1i=a["m1i"], sd1i=a["sd2i"], n1i=a["ni"],
                                m2i=a["m2i"], sd2i=a["sd1i"], n2i=a["ni"],
                                slab=frame[source.study].astype(str).tolist())
        except InputError as exc:
            raise _translated(exc, source, frame) from None
        sfit, more = _quiet(rma, smd, **opts)
        rows.append(_alt_row("independent-groups SMD (the two occasions as two groups; "
                             "ignores the pairing)", "SMD", sfit, notes + more))
    for name, subset in sens.subsets.items():
        path = ("outcomes", spec.name, "sensitivity", "subsets", name)
        part = apply_filter(data, {**spec.filter, **subset}, plan, path)
        sub_eff, notes = _quiet(_effects, plan, spec, part)
        sub_fit, more = _quiet(rma, sub_eff, **opts)
        rows.append(_alt_row(f"subset: {name}", spec.measure, sub_fit, notes + more))
    return pd.DataFrame(rows, columns=list(ALTERNATIVE_COLUMNS))


#: columns of the ``glmm`` table
GLMM_COLUMNS = ("model", "k", "estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2",
                "I2", "status", "estimate_scaled", "ci_lb_scaled", "ci_ub_scaled")


def _glmm(plan: Plan, spec: OutcomeSpec, frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """The binomial-normal GLMM (Stijnen T, Hamza TH, Ozdemir P (2010). Random effects
    meta-analysis of event outcome in the framework of the generalized linear mixed model
    with applications in sparse data. Stat Med 29(29):3046-3067. doi:10.1002/sim.4040),
    logit scale, back-transformed with the inverse logit; k < 2 gives a 'not applicable'
    row."""
    from metareview.analysis import _numeric
    source = plan.data[spec.data]
    if k < 2:
        row = glmm_row(np.zeros(k), np.ones(k))
    else:
        file = str(source.file)
        row = glmm_row(_numeric(frame, source.columns["xi"], file),
                       _numeric(frame, source.columns["ni"], file),
                       slab=frame[source.study].astype(str).tolist(), level=spec.model.level)
    return pd.DataFrame([row], columns=list(GLMM_COLUMNS))


def glmm_row(xi: Any, ni: Any, *, slab: list[str] | None = None,
             level: float = 95.0) -> dict[str, Any]:
    """The binomial-normal GLMM of events *xi* in *ni* as one row (:data:`GLMM_COLUMNS`):
    logit scale, ``*_scaled`` back-transformed to proportions; ``status`` says "fitted" (with
    any warning), "not applicable: k = 1 < 2" or "not converged: ...". See :func:`_glmm`.

    Examples
    --------
    >>> glmm_row([3], [20])["status"]
    'not applicable: k = 1 < 2'
    """
    from metareview.analysis import _quiet
    from metareview.errors import ConvergenceError
    from metareview.models import rma_glmm

    k = len(np.atleast_1d(xi))
    row: dict[str, Any] = {"model": "binomial-normal GLMM (ML, nAGQ = 7)", "k": k}
    if k < 2:
        row["status"] = f"not applicable: k = {k} < 2"
        return row
    try:
        g, notes = _quiet(rma_glmm, xi, ni, slab=slab, nAGQ=7, level=level)
    except ConvergenceError as err:
        row["status"] = f"not converged: {err}"
        return row
    row.update(estimate=float(g.estimate), se=float(np.atleast_1d(g.se)[0]),
               ci_lb=float(np.atleast_1d(g.ci_lb)[0]), ci_ub=float(np.atleast_1d(g.ci_ub)[0]),
               pi_lb=float(g.pi_lb), pi_ub=float(g.pi_ub), tau2=float(g.tau2),
               I2=float(g.I2), status=" | ".join(["fitted", *notes]))
    for c in ("estimate", "ci_lb", "ci_ub"):
        row[f"{c}_scaled"] = float(1.0 / (1.0 + np.exp(-row[c])))
    return row
