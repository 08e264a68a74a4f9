"""Subgroup analysis and the test for subgroup differences.

Two conventions, both common in practice:

* ``tau2="separate"`` (the default of RevMan and R's meta): each subgroup is fitted on its
  own, with its own tau^2; subgroup differences are tested with the Wald-type Q statistic
  of the subgroup estimates, :math:`Q_b = \\sum_g w_g (\\hat\\mu_g - \\bar\\mu_w)^2` with
  :math:`w_g = 1/\\mathrm{se}_g^2`, on G - 1 degrees of freedom (Borenstein M et al. 2009,
  Introduction to Meta-Analysis, ch. 19; Deeks JJ, Higgins JPT, Altman DG, Cochrane
  Handbook ch. 10.11.3.1).
* ``tau2="common"``: one mixed-effects model with the subgroup as a categorical moderator and
  a tau^2 shared by all subgroups; the test is the model's omnibus QM (Viechtbauer 2010).

All subgroups with separate tau^2 are fitted in one batched call.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from metareview._render import render_html, render_text
from metareview.errors import InputError, StatisticalWarning
from metareview.models._engine import fit_batch
from metareview.models._validate import check_level, check_method, check_test, check_yi_vi
from metareview.models.fit import _control, _to_result, _unpack, rma
from metareview.models.inference import predict
from metareview.models.results import RMAResult
from metareview.models.tau2 import COMMON_EFFECT

ESTIMATE_COLUMNS = ("level", "k", "estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "tau2", "I2", "QE", "QEp")


@dataclass(frozen=True, repr=False, eq=False)
class SubgroupResult:
    """Per-subgroup fits, the overall fit, and the test for subgroup differences."""

    fits: dict[str, RMAResult]
    overall: RMAResult
    estimates: pd.DataFrame
    Q_between: float
    df_between: int
    p_between: float
    tau2: str  # "separate" or "common"
    common_model: RMAResult | None = None

    def summary(self) -> pd.DataFrame:
        return self.estimates

    def to_dict(self) -> dict[str, Any]:
        return {
            "subgroups": {lvl: fit.to_dict() for lvl, fit in self.fits.items()},
            "Q_between": self.Q_between,
            "df_between": self.df_between,
            "p_between": self.p_between,
            "tau2_rule": self.tau2,
        }

    def _header(self) -> list[tuple[str, Any]]:
        return [
            ("tau2", self.tau2),
            ("Q_between", self.Q_between),
            ("df_between", self.df_between),
            ("p_between", self.p_between),
        ]

    def __repr__(self) -> str:
        return render_text("Subgroup analysis (metareview.subgroup_analysis)", self._header(),
                           self.estimates.set_index("level"))  # fmt: skip

    def _repr_html_(self) -> str:
        return render_html("Subgroup analysis", self._header(), self.estimates.set_index("level"))


def subgroup_analysis(
    yi: Any,
    vi: Any = None,
    groups: Sequence[Any] | None = None,
    *,
    method: str | Sequence[str] = "REML",
    tau2: str = "separate",
    test: str = "z",
    level: float = 95.0,
    slab: Sequence[str] | None = None,
    measure: str | None = None,
    control: Any = None,
) -> SubgroupResult:
    """Pool within each subgroup and test whether the subgroups differ.

    Parameters
    ----------
    yi, vi : array-like of shape (k,) (or an Effects object as ``yi``)
    groups : sequence of shape (k,)
        The subgroup of each study (any hashable labels; shown as strings).
    tau2 : {"separate", "common"}
        Separate tau^2 per subgroup (RevMan, R's meta) or one tau^2 shared across subgroups.

    Examples
    --------
    >>> from metareview.models import subgroup_analysis
    >>> sg = subgroup_analysis([0.1, 0.3, 0.5, 0.7], [0.01, 0.01, 0.01, 0.01],
    ...                        ["a", "a", "b", "b"], method="EE")
    >>> round(sg.Q_between, 6), sg.df_between
    (16.0, 1)
    """
    yi, vi, slab, measure = _unpack(yi, vi, slab, measure)
    check_yi_vi(yi, vi)
    if groups is None:
        raise InputError("groups are missing", column="groups", hint="give one subgroup label per study")
    g = np.asarray([str(x) for x in groups], dtype=object)
    if g.size != yi.size:
        raise InputError(f"groups has {g.size} labels for {yi.size} studies", column="groups")
    missing = np.array([x in ("nan", "None", "") for x in g])
    if missing.any():
        raise InputError("subgroup label is missing", row=[int(i) + 1 for i in np.flatnonzero(missing)],
                         column="groups", hint="give every study a subgroup, or leave it out")  # fmt: skip
    if tau2 not in ("separate", "common"):
        raise InputError(f"tau2 must be 'separate' or 'common', got {tau2!r}", column="tau2")
    methods = check_method(method)
    test = check_test(test)
    level = check_level(level)
    ctrl = _control(control)
    levels = list(dict.fromkeys(g.tolist()))  # order of first appearance
    if len(levels) < 2:
        raise InputError("subgroup analysis needs at least two subgroups", column="groups")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        overall = rma(yi, vi, method=methods, test=test, level=level, slab=slab, measure=measure, control=ctrl)

    if tau2 == "separate":
        fits = _separate(yi, vi, g, levels, slab, measure, methods, test, level, ctrl)
        est = np.array([f.estimate for f in fits.values()])
        se = np.array([float(f.se[0]) for f in fits.values()])
        w = 1 / se**2
        mu = np.sum(w * est) / np.sum(w)
        Qb = float(np.sum(w * (est - mu) ** 2))
        dfb = len(levels) - 1
        pb = float(stats.chi2.sf(Qb, dfb))
        common_model = None
    else:
        D = (g[:, None] == np.array(levels, dtype=object)[None, :]).astype(float)
        common_model = rma(yi, vi, mods=D[:, 1:], method=methods, test=test, level=level,
                           slab=slab, measure=measure, control=ctrl)  # fmt: skip
        no_int = rma(yi, vi, mods=D, intercept=False, method=methods, test=test, level=level,
                     slab=slab, measure=measure, control=ctrl)  # fmt: skip
        fits = {}
        for j, lvl in enumerate(levels):
            sel = g == lvl
            fits[lvl] = _subset_view(no_int, j, sel, slab)
        Qb = common_model.QM
        dfb = len(levels) - 1
        pb = common_model.QMp
    rows = []
    for lvl, f in fits.items():
        pr = predict(f) if f.int_only else None
        rows.append({
            "level": lvl, "k": f.k, "estimate": f.estimate, "se": float(f.se[0]),
            "ci_lb": float(f.ci_lb[0]), "ci_ub": float(f.ci_ub[0]),
            "pi_lb": pr.pi_lb if pr is not None else np.nan, "pi_ub": pr.pi_ub if pr is not None else np.nan,
            "tau2": f.tau2, "I2": f.I2, "QE": f.QE, "QEp": f.QEp,
        })  # fmt: skip
    return SubgroupResult(
        fits=fits, overall=overall, estimates=pd.DataFrame(rows, columns=list(ESTIMATE_COLUMNS)),
        Q_between=float(Qb), df_between=int(dfb), p_between=float(pb), tau2=tau2, common_model=common_model,
    )  # fmt: skip


def _separate(yi, vi, g, levels, slab, measure, methods, test, level, ctrl) -> dict[str, RMAResult]:  # type: ignore[no-untyped-def]
    """Fit every subgroup in one batch (padded to the largest subgroup)."""
    idx = [np.flatnonzero(g == lvl) for lvl in levels]
    kmax = max(len(i) for i in idx)
    G = len(levels)
    Y = np.zeros((G, kmax))
    V = np.ones((G, kmax))
    M = np.zeros((G, kmax), dtype=bool)
    for j, ii in enumerate(idx):  # loop over subgroups only to lay out the batch
        Y[j, : ii.size] = yi[ii]
        V[j, : ii.size] = vi[ii]
        M[j, : ii.size] = True
    ks = M.sum(axis=1)
    needs = 1 if methods[0] in COMMON_EFFECT else 2
    for j, kj in enumerate(ks):
        if kj == 1:
            warnings.warn(f"subgroup {levels[j]!r} has k = 1: its tau^2 is set to 0",
                          StatisticalWarning, stacklevel=3)  # fmt: skip
        elif kj < needs:
            raise InputError(f"subgroup {levels[j]!r} has too few studies", column="groups")
    arr = fit_batch(Y, V, M, method=methods, test=test, level=level, control=ctrl)
    out: dict[str, RMAResult] = {}
    for j, (lvl, ii) in enumerate(zip(levels, idx, strict=True)):
        out[lvl] = _to_result(
            arr, j, yi=yi[ii], vi=vi[ii], slab=tuple(slab[i] for i in ii), measure=measure,
            method=methods if len(methods) > 1 else methods[0], test=test if ks[j] > 1 else "z",
            level=level, X=None, names=("intrcpt",), intercept=True, btt=(0,), R2=None, notes=(),
        )  # fmt: skip
    return out


def _subset_view(model: RMAResult, j: int, sel: np.ndarray, slab: tuple[str, ...]) -> RMAResult:
    """A subgroup's estimate from the common-tau^2 model without intercept, as an RMAResult."""
    from dataclasses import replace

    k = int(sel.sum())
    w = 1 / (model.vi[sel] + model.tau2)
    return replace(
        model, yi=model.yi[sel], vi=model.vi[sel], slab=tuple(s for s, keep in zip(slab, sel, strict=True) if keep),
        k=k, p=1, coef_names=("intrcpt",), X=None, btt=(0,),
        b=model.b[j : j + 1], vb=model.vb[j : j + 1, j : j + 1], se=model.se[j : j + 1],
        zval=model.zval[j : j + 1], pval=model.pval[j : j + 1],
        ci_lb=model.ci_lb[j : j + 1], ci_ub=model.ci_ub[j : j + 1],
        weights=100 * w / w.sum(), QE=np.nan, QEp=np.nan, I2=np.nan, H2=np.nan, R2=None,
    )  # fmt: skip
