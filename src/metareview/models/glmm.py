"""The binomial-normal random-effects model for proportions (metafor's ``rma.glmm`` with
measure ``"PLO"``), fitted by maximum likelihood with adaptive Gauss-Hermite quadrature.

Model: :math:`x_i \\sim \\mathrm{Bin}(n_i, \\mathrm{expit}(x_i^\\top\\beta + u_i))`,
:math:`u_i \\sim N(0, \\tau^2)`. Each study's likelihood is the integral over its random
effect; with :math:`z = u/\\tau` it is approximated by Gauss-Hermite quadrature centred at the
conditional mode :math:`z^*_i` and scaled by the curvature there (adaptive quadrature; with one
node this is the Laplace approximation). This is the approximation lme4's ``glmer(..., nAGQ)``
maximises, which metafor calls, so the same ``nAGQ`` (default 7) gives the same estimates.
Studies with no events or with all events need no continuity correction.

Heterogeneity tests are those metafor reports: the Wald and likelihood-ratio tests of the
fixed-effects (common) logistic model against the saturated model; I^2 and H^2 use the
typical within-study variance of the logit proportions (Higgins & Thompson 2002).

References
----------
Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event outcome in the
framework of the generalized linear mixed model with applications in sparse data. Stat Med
29:3046-3067. doi:10.1002/sim.4040.
Hamza TH, van Houwelingen HC, Stijnen T (2008). The binomial distribution of meta-analysis was
preferred to model within-study variability. J Clin Epidemiol 61:41-51.
doi:10.1016/j.jclinepi.2007.03.016.
Liu Q, Pierce DA (1994). A note on Gauss-Hermite quadrature. Biometrika 81:624-629.
doi:10.1093/biomet/81.3.624.
Bates D, Maechler M, Bolker B, Walker S (2015). Fitting linear mixed-effects models using
lme4. J Stat Softw 67(1):1-48. doi:10.18637/jss.v067.i01.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from metareview._render import render_html, render_text
from metareview.errors import ConvergenceError, InputError
from metareview.models._validate import as_1d, check_level, rows_where
from metareview.models.results import _CoefficientTable


@dataclass(frozen=True, repr=False, eq=False)
class GLMMResult(_CoefficientTable):
    """A fitted binomial-normal model. Coefficients are on the logit scale."""

    xi: np.ndarray
    ni: np.ndarray
    yi: np.ndarray  # escalc PLO (1/2 added where x = 0 or x = n), for plots
    vi: np.ndarray
    slab: tuple[str, ...]
    k: int
    p: int
    coef_names: tuple[str, ...]
    X: np.ndarray | None
    nAGQ: int
    level: float
    b: np.ndarray
    vb: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    tau2: float
    QE_Wld: float
    QEp_Wld: float
    QE_LRT: float
    QEp_LRT: float
    I2: float
    H2: float
    ll: float
    dev: float
    AIC: float
    BIC: float
    AICc: float
    ll_marginal: float = float("nan")
    measure: str = "PLO"
    method_used: str = "ML"
    test: str = "z"

    @property
    def crit(self) -> float:
        return float(stats.norm.isf((100 - self.level) / 200))

    @property
    def pi_lb(self) -> float:
        return self.estimate - self.crit * float(np.sqrt(self.se[0] ** 2 + self.tau2))

    @property
    def pi_ub(self) -> float:
        return self.estimate + self.crit * float(np.sqrt(self.se[0] ** 2 + self.tau2))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"k": self.k, "measure": "PLO", "method": "GLMM", "nAGQ": self.nAGQ, "level": self.level}
        if self.int_only:
            out.update(self._pooled_dict(self.pi_lb, self.pi_ub))
        out.update(tau2=self.tau2, I2=self.I2, H2=self.H2, QE_Wld=self.QE_Wld, QEp_Wld=self.QEp_Wld,
                   QE_LRT=self.QE_LRT, QEp_LRT=self.QEp_LRT)  # fmt: skip
        return out

    def _header(self) -> list[tuple[str, Any]]:
        return [("model", f"binomial-normal (GLMM), k = {self.k}, ML with nAGQ = {self.nAGQ}"),
                ("tau2", self.tau2), ("I2 (%)", self.I2), ("QE (Wald)", self.QE_Wld), ("QE (LRT)", self.QE_LRT)]  # fmt: skip

    def __repr__(self) -> str:
        return render_text("Meta-analysis of proportions (metareview.rma_glmm)", self._header(), self.summary())

    def _repr_html_(self) -> str:
        return render_html("Meta-analysis of proportions (GLMM)", self._header(), self.summary())


def _binom_loglik(x: np.ndarray, n: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """log dbinom(x; n, expit(eta)) without the binomial coefficient, stable for any eta."""
    return x * eta - n * np.logaddexp(0.0, eta)


def _conditional_modes(x: np.ndarray, n: np.ndarray, lin: np.ndarray, sigma: float) -> np.ndarray:
    """Mode of log p(x | z) - z^2/2 per study, by Newton's method (vectorised, concave)."""
    z = np.zeros_like(lin)
    if sigma == 0:
        return z
    for _ in range(100):
        p = special.expit(lin + sigma * z)
        g = (x - n * p) * sigma - z
        h = -n * p * (1 - p) * sigma**2 - 1
        step = g / h
        z = z - step
        if np.max(np.abs(step)) < 1e-12:
            break
    return z


def _aghq_loglik(x: np.ndarray, n: np.ndarray, X: np.ndarray, beta: np.ndarray, sigma: float, nodes: np.ndarray,
                 weights: np.ndarray) -> float:  # fmt: skip
    """Adaptive Gauss-Hermite approximation of the marginal log-likelihood (without the
    binomial coefficients)."""
    lin = X @ beta
    if sigma <= 0:
        return float(np.sum(_binom_loglik(x, n, lin)))
    zs = _conditional_modes(x, n, lin, sigma)
    p = special.expit(lin + sigma * zs)
    s = 1.0 / np.sqrt(n * p * (1 - p) * sigma**2 + 1.0)
    z = zs[:, None] + s[:, None] * nodes[None, :]
    f = _binom_loglik(x[:, None], n[:, None], lin[:, None] + sigma * z) - 0.5 * z**2 + 0.5 * nodes[None, :] ** 2
    # integral of exp(f) phi-normalised: s * sum_k W_k exp(f_k) / sqrt(2 pi)
    m = f.max(axis=1, keepdims=True)
    li = np.log(s) + m[:, 0] + np.log(np.sum(weights[None, :] * np.exp(f - m), axis=1)) - 0.5 * np.log(2 * np.pi)
    return float(np.sum(li))


def _logistic_fit(x: np.ndarray, n: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    """Common-effect logistic regression by IRLS: coefficients and log-likelihood (no constant)."""
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        eta = X @ beta
        p = special.expit(eta)
        w = n * p * (1 - p)
        grad = X.T @ (x - n * p)
        info = X.T @ (w[:, None] * X)
        step = np.linalg.solve(info, grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-13:
            break
    return beta, float(np.sum(_binom_loglik(x, n, X @ beta)))


def rma_glmm(
    xi: Any,
    ni: Any,
    *,
    mods: Any = None,
    data: Any = None,
    slab: Sequence[str] | None = None,
    nAGQ: int = 7,
    level: float = 95.0,
) -> GLMMResult:
    """Binomial-normal random-effects model for proportions (see the module docstring).

    Parameters
    ----------
    xi, ni : array-like of shape (k,)
        Events and sample sizes (0 <= xi <= ni, ni >= 1).
    mods : formula or matrix, optional
        Moderators, as in :func:`metareview.models.rma`.
    nAGQ : int, default 7
        Quadrature nodes per study (1 = Laplace), as in lme4 and metafor.

    Examples
    --------
    >>> res = rma_glmm([0, 3, 1, 7, 0, 12, 4], [25, 40, 18, 60, 30, 80, 35])
    >>> round(res.estimate, 3), round(res.tau2, 3)
    (-2.446, 0.19)
    """
    from metareview.models.regression import build_design

    x = as_1d(xi, "xi")
    n = as_1d(ni, "ni")
    if x.shape != n.shape:
        raise InputError(f"xi has {x.size} values but ni has {n.size}", column="ni")
    for name, arr in (("xi", x), ("ni", n)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
        if bad.any():
            raise InputError("must be a whole number of patients, 0 or more", row=rows_where(bad), column=name)
    bad = n < 1
    if bad.any():
        raise InputError("sample size must be at least 1", row=rows_where(bad), column="ni")
    bad = x > n
    if bad.any():
        raise InputError("events exceed the sample size", row=rows_where(bad), column="xi",
                         hint="xi counts patients with the event among the ni")  # fmt: skip
    if nAGQ < 1:
        raise InputError("nAGQ must be at least 1", column="nAGQ")
    level = check_level(level)
    k = x.size
    if mods is None:
        X, names, btt_int = np.ones((k, 1)), ("intrcpt",), True
    else:
        des = build_design(mods, data=data, k=k)
        X, names, btt_int = des.X, des.names, des.intercept
    p = X.shape[1]
    if k < p + 1:
        raise InputError(f"{k} studies are too few for {p + 1} parameters", column="xi")
    slab_t = tuple(f"Study {i + 1}" for i in range(k)) if slab is None else tuple(str(s) for s in slab)

    nodes, gw = np.polynomial.hermite_e.hermegauss(nAGQ)

    # common-effect (FE) and saturated models for the heterogeneity tests
    beta_fe, ll_fe = _logistic_fit(x, n, X)
    ph = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        ll_sat = float(np.sum(np.where((x > 0) & (x < n), x * np.log(ph) + (n - x) * np.log1p(-ph), 0.0)))
    QE_LRT = max(0.0, -2 * (ll_fe - ll_sat))
    regular = (x > 0) & (x < n)
    eta_r = np.log(ph[regular] / (1 - ph[regular]))
    w_r = n[regular] * ph[regular] * (1 - ph[regular])
    Xr = X[regular]
    if Xr.shape[0] > p:
        bw = np.linalg.solve(Xr.T @ (w_r[:, None] * Xr), Xr.T @ (w_r * eta_r))
        QE_Wld = max(0.0, float(np.sum(w_r * (eta_r - Xr @ bw) ** 2)))
    else:
        QE_Wld = 0.0
    df = k - p
    QEp_Wld = float(stats.chi2.sf(QE_Wld, df)) if df > 0 else 1.0
    QEp_LRT = float(stats.chi2.sf(QE_LRT, df)) if df > 0 else 1.0

    # ML: maximise the quadrature log-likelihood over (beta, sigma >= 0)
    def negll(theta: np.ndarray) -> float:
        return -_aghq_loglik(x, n, X, theta[:p], abs(theta[p]), nodes, gw)

    start = np.concatenate([beta_fe, [0.5]])
    best = None
    for s0 in (0.5, 1.0, 0.1):  # a few starts guard against a poor local solution
        start[p] = s0
        r = optimize.minimize(negll, start, method="L-BFGS-B",
                              bounds=[(None, None)] * p + [(0.0, None)],
                              options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000})  # fmt: skip
        if best is None or r.fun < best.fun - 1e-12:
            best = r
    if best is None or not np.all(np.isfinite(best.x)):
        raise ConvergenceError("the GLMM likelihood could not be maximised")
    # polish with Nelder-Mead from the optimum (robust near the boundary sigma = 0)
    r2 = optimize.minimize(negll, best.x, method="Nelder-Mead",
                           options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000})  # fmt: skip
    theta = r2.x if r2.fun <= best.fun else best.x
    theta[p] = abs(theta[p])
    beta, sigma = theta[:p], float(theta[p])
    tau2 = sigma**2

    # variance of beta: inverse of the observed information in (beta, sigma), beta block
    H = _numeric_hessian(negll, theta, boundary=sigma < 1e-6, p=p)
    if sigma < 1e-6:
        vb = np.linalg.inv(H[:p, :p])
    else:
        vb = np.linalg.inv(H)[:p, :p]
    se = np.sqrt(np.diag(vb))
    zval = beta / se
    pval = 2 * stats.norm.sf(np.abs(zval))
    crit = stats.norm.isf((100 - level) / 200)

    # I^2, H^2 with the typical within-study variance of the logits (escalc PLO, add 1/2)
    xa = np.where((x == 0) | (x == n), x + 0.5, x)
    na = np.where((x == 0) | (x == n), n + 1.0, n)
    yi = np.log(xa / (na - xa))
    vi = 1 / xa + 1 / (na - xa)
    wi = 1 / vi
    A = np.linalg.inv(X.T @ (wi[:, None] * X))
    trP = wi.sum() - np.trace(A @ (X.T @ ((wi**2)[:, None] * X)))
    vt = (k - p) / trP
    I2 = 100 * tau2 / (vt + tau2)
    H2 = tau2 / vt + 1

    const = float(np.sum(special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)))
    ll_marginal = -float(negll(theta)) + const
    # metafor reports ll = (saturated log-likelihood) - (lme4's deviance)/2, where lme4's
    # deviance of a GLMM is the sum of squared deviance residuals at the conditional modes;
    # the quadrature (marginal) log-likelihood is kept as ll_marginal.
    zs = _conditional_modes(x, n, X @ beta, sigma)
    mu = n * special.expit(X @ beta + sigma * zs)
    with np.errstate(divide="ignore", invalid="ignore"):
        dres = 2 * (np.where(x > 0, x * np.log(x / mu), 0.0) + np.where(n - x > 0, (n - x) * np.log((n - x) / (n - mu)), 0.0))
    dev = float(np.sum(dres))
    ll = ll_sat + const - dev / 2
    parms = p + 1
    nn = max(k, parms + 2)
    return GLMMResult(
        xi=x, ni=n, yi=yi, vi=vi, slab=slab_t, k=k, p=p, coef_names=tuple(names),
        X=None if mods is None else X, nAGQ=nAGQ, level=level, b=beta, vb=vb, se=se, zval=zval, pval=pval,
        ci_lb=beta - crit * se, ci_ub=beta + crit * se, tau2=tau2, QE_Wld=QE_Wld, QEp_Wld=QEp_Wld,
        QE_LRT=QE_LRT, QEp_LRT=QEp_LRT, I2=I2, H2=H2, ll=ll, dev=dev, AIC=-2 * ll + 2 * parms,
        BIC=-2 * ll + parms * np.log(k), AICc=-2 * ll + 2 * parms * nn / (nn - parms - 1),
        ll_marginal=ll_marginal,
    )  # fmt: skip


def _numeric_hessian(f: Any, theta: np.ndarray, *, boundary: bool, p: int) -> np.ndarray:
    """Central-difference Hessian (one-sided in sigma at the boundary sigma = 0)."""
    m = theta.size
    h = 1e-4 * np.maximum(1.0, np.abs(theta))
    H = np.zeros((m, m))
    f0 = f(theta)
    for i in range(m):  # m = p + 1 parameters: a handful, not studies
        for j in range(i, m):
            if boundary and (i == p or j == p):
                continue
            ei = np.zeros(m)
            ej = np.zeros(m)
            ei[i] = h[i]
            ej[j] = h[j]
            if i == j:
                H[i, i] = (f(theta + ei) - 2 * f0 + f(theta - ei)) / h[i] ** 2
            else:
                H[i, j] = H[j, i] = (
                    f(theta + ei + ej) - f(theta + ei - ej) - f(theta - ei + ej) + f(theta - ei - ej)
                ) / (4 * h[i] * h[j])
    return H
