"""Outlier and influence diagnostics (metafor's ``influence.rma.uni``), from the k deletion
fits (:func:`~._deletion.deletion_fits`: power sums for an intercept-only model, else one
batch of k fits).

For study i, with the model refitted without it (subscript (-i)):

* ``rstudent``: externally studentised residual
  :math:`(y_i - x_i^\\top\\hat\\beta_{(-i)}) / \\sqrt{s^2_{(-i)}(v_i + \\hat\\tau^2_{(-i)}) + x_i^\\top V_{\\beta(-i)} x_i}`
* ``dffits``: :math:`(\\hat y_i - \\hat y_{i(-i)}) / \\sqrt{s^2_{(-i)} h_i (\\hat\\tau^2_{(-i)} + v_i)}`
* ``cook_d``: :math:`(\\hat\\beta - \\hat\\beta_{(-i)})^\\top V_\\beta^{-1} (\\hat\\beta - \\hat\\beta_{(-i)})`
* ``cov_r``: :math:`\\det V_{\\beta(-i)} / \\det V_\\beta`
* ``tau2_del``, ``QE_del``, ``hat`` (:math:`h_i = w_i x_i^\\top (X^\\top W X)^{-1} x_i`), ``weight`` (%)
* DFBETAS per coefficient.

A study is flagged influential, as in metafor, if |DFFITS| > 3 sqrt(p/(k-p)), or the
chi-square(m) probability of its Cook's distance exceeds 0.5, or its hat value exceeds 3p/k,
or any |DFBETAS| > 1. (``s^2`` is the Knapp-Hartung factor, 1 unless test="knha".)

References
----------
Viechtbauer W, Cheung MW-L (2010). Outlier and influence diagnostics for meta-analysis.
Res Synth Methods 1:112-125. doi:10.1002/jrsm.11.
Belsley DA, Kuh E, Welsch RE (1980). Regression Diagnostics. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from metareview._render import render_html, render_text
from metareview.diagnostics._deletion import deletion_fits
from metareview.diagnostics._subsets import require_k
from metareview.models.results import RMAResult

INFLUENCE_COLUMNS = ("slab", "rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight", "inf")


@dataclass(frozen=True, repr=False, eq=False)
class Influence:
    slab: tuple[str, ...]
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    QE_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbetas: pd.DataFrame
    is_infl: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame({c: getattr(self, c) for c in INFLUENCE_COLUMNS if c != "inf"})
        df["inf"] = self.is_infl
        return df

    summary = to_frame

    def __repr__(self) -> str:
        return render_text("Influence diagnostics", [("influential", int(self.is_infl.sum()))],
                           self.to_frame().set_index("slab"))  # fmt: skip

    def _repr_html_(self) -> str:
        return render_html("Influence diagnostics", [("influential", int(self.is_infl.sum()))],
                           self.to_frame().set_index("slab"))  # fmt: skip


def influence(res: RMAResult) -> Influence:
    """Influence diagnostics for every study (see the module docstring)."""
    require_k(res, res.p + 2, "influence diagnostics")
    k, p = res.k, res.p
    arr = deletion_fits(res)
    X = np.ones((k, 1)) if res.X is None else np.asarray(res.X)
    b_full = np.asarray(res.b)
    pred_full = X @ b_full
    delpred = np.einsum("ki,ki->k", X, arr.b)
    vdelpred = np.einsum("ki,kij,kj->k", X, arr.vb, X)
    s2w = arr.s2w
    tau2_del = arr.tau2
    vi = np.asarray(res.vi)
    w = 1 / (vi + res.tau2)
    A_full = np.linalg.inv(X.T @ (w[:, None] * X))
    hat = w * np.einsum("ki,ij,kj->k", X, A_full, X)
    dffits = (pred_full - delpred) / np.sqrt(s2w * hat * (tau2_del + vi))
    resid = np.asarray(res.yi) - delpred
    resid = np.where(np.abs(resid) < 100 * np.finfo(float).eps, 0.0, resid)
    rstudent = resid / np.sqrt(vi * s2w + vdelpred + tau2_del * s2w)
    btt = np.arange(p)  # metafor: Cook's distance and COVRATIO over all coefficients
    m = btt.size
    dfb = b_full[None, :] - arr.b
    vb_full = np.asarray(res.vb)
    svb = np.linalg.inv(vb_full[np.ix_(btt, btt)])
    cook_d = np.einsum("ki,ij,kj->k", dfb[:, btt], svb, dfb[:, btt])
    cov_r = np.linalg.det(arr.vb[:, btt][:, :, btt]) / np.linalg.det(vb_full[np.ix_(btt, btt)])
    # DFBETAS use the full-data design with each deletion's tau^2 (metafor's vb.del)
    if res.X is None:  # sum over all k studies = the deletion's sum plus the study's own weight
        vb_del = 1.0 / (1.0 / arr.A + (1.0 / (vi + tau2_del))[:, None, None])
    else:
        wd = 1 / (vi[None, :] + tau2_del[:, None])
        vb_del = np.linalg.inv(np.einsum("ki,bk,kj->bij", X, wd, X))
    dfbs = dfb / np.sqrt(s2w[:, None] * np.diagonal(vb_del, axis1=1, axis2=2))
    is_infl = (
        (np.abs(dffits) > 3 * np.sqrt(p / (k - p)))
        | (stats.chi2.cdf(cook_d, m) > 0.5)
        | (hat > 3 * p / k)
        | (np.abs(dfbs) > 1).any(axis=1)
    )
    return Influence(
        slab=res.slab, rstudent=rstudent, dffits=dffits, cook_d=cook_d, cov_r=cov_r,
        tau2_del=tau2_del, QE_del=arr.QE, hat=hat, weight=np.asarray(res.weights),
        dfbetas=pd.DataFrame(dfbs, columns=list(res.coef_names)), is_infl=is_infl,
    )  # fmt: skip
