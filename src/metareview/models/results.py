"""Result objects of the pooling models: immutable, unrounded, with tidy summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metareview._render import render_html, render_text
from metareview.models.tau2 import COMMON_EFFECT

SUMMARY_COLUMNS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub")


class _CoefficientTable:
    """What a fitted model with coefficients shows the same way whatever its likelihood
    (:class:`RMAResult`, :class:`metareview.models.glmm.GLMMResult`): the pooled estimate, the
    coefficients table and the intercept-only numbers of ``to_dict()``."""

    b: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    coef_names: tuple[str, ...]
    X: np.ndarray | None

    @property
    def estimate(self) -> float:
        """The pooled estimate (the intercept, or the only coefficient)."""
        return float(self.b[0])

    @property
    def int_only(self) -> bool:
        return self.X is None

    def summary(self) -> pd.DataFrame:
        """Coefficients table: one row per coefficient, fixed columns."""
        return pd.DataFrame(
            {
                "estimate": self.b,
                "se": self.se,
                "zval": self.zval,
                "pval": self.pval,
                "ci_lb": self.ci_lb,
                "ci_ub": self.ci_ub,
            },
            index=pd.Index(self.coef_names, name="coef"),
        )

    def _pooled_dict(self, pi_lb: float, pi_ub: float) -> dict[str, float]:
        """The pooled estimate, its test and intervals as plain floats (intercept-only fits)."""
        return {
            "estimate": self.estimate,
            "se": float(self.se[0]),
            "zval": float(self.zval[0]),
            "pval": float(self.pval[0]),
            "ci_lb": float(self.ci_lb[0]),
            "ci_ub": float(self.ci_ub[0]),
            "pi_lb": float(pi_lb),
            "pi_ub": float(pi_ub),
        }


@dataclass(frozen=True, repr=False, eq=False)
class RMAResult(_CoefficientTable):
    """A fitted common-effect, random-effects or mixed-effects (meta-regression) model.

    Attributes follow metafor's names: ``b`` (coefficients), ``se``, ``zval``, ``pval``,
    ``ci_lb``, ``ci_ub`` (arrays of length p), ``tau2``, ``se_tau2``, ``I2``, ``H2``, ``QE``,
    ``QEp``, ``QM``, ``QMp``, ``weights`` (percent). Numbers are never rounded here.
    """

    yi: np.ndarray
    vi: np.ndarray
    slab: tuple[str, ...]
    measure: str | None
    method: str | tuple[str, ...]
    method_used: str
    test: str
    level: float
    k: int
    p: int
    coef_names: tuple[str, ...]
    X: np.ndarray | None
    intercept: bool
    btt: tuple[int, ...]
    b: np.ndarray
    vb: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    tau2: float
    se_tau2: float
    I2: float
    H2: float
    vt: float
    QE: float
    QEp: float
    QM: float
    QMp: float
    QMdf: tuple[float, float]
    ddf: float
    crit: float
    weights: np.ndarray
    fit_stats: pd.DataFrame
    R2: float | None
    converged: bool
    iterations: int
    notes: tuple[str, ...] = field(default=())

    # -- conveniences ---------------------------------------------------------------------
    @property
    def is_common_effect(self) -> bool:
        return self.method_used in COMMON_EFFECT

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    def _stat(self, name: str) -> float:
        col = "REML" if self.method_used == "REML" else "ML"
        return float(self.fit_stats.loc[name, col])

    @property
    def ll(self) -> float:
        """Log-likelihood (REML for REML fits, ML otherwise, as metafor's fitstats)."""
        return self._stat("ll")

    @property
    def dev(self) -> float:
        return self._stat("dev")

    @property
    def AIC(self) -> float:
        return self._stat("AIC")

    @property
    def BIC(self) -> float:
        return self._stat("BIC")

    @property
    def AICc(self) -> float:
        return self._stat("AICc")

    @property
    def pi_lb(self) -> float:
        from metareview.models.inference import predict

        return float(np.atleast_1d(predict(self).pi_lb)[0])

    @property
    def pi_ub(self) -> float:
        from metareview.models.inference import predict

        return float(np.atleast_1d(predict(self).pi_ub)[0])

    # -- tables (summary(): the coefficients table of _CoefficientTable) -------------------
    def to_frame(self) -> pd.DataFrame:
        """Per-study table: slab, yi, vi, sei, weight (percent)."""
        return pd.DataFrame(
            {
                "slab": self.slab,
                "yi": self.yi,
                "vi": self.vi,
                "sei": np.sqrt(self.vi),
                "weight": self.weights,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The model's numbers under metafor's names, as plain Python values (unrounded)."""
        out: dict[str, Any] = {
            "k": self.k,
            "measure": self.measure,
            "method": self.method_used,
            "test": self.test,
            "level": self.level,
        }
        if self.int_only:
            from metareview.models.inference import predict

            pr = predict(self)
            out.update(self._pooled_dict(pr.pi_lb, pr.pi_ub))
        else:
            out["coefficients"] = {
                name: {c: float(self.summary().loc[name, c]) for c in SUMMARY_COLUMNS}
                for name in self.coef_names
            }
            out.update(QM=self.QM, QMp=self.QMp, R2=self.R2)
        out.update(
            tau2=self.tau2,
            se_tau2=None if np.isnan(self.se_tau2) else self.se_tau2,
            I2=self.I2,
            H2=self.H2,
            QE=self.QE,
            QEp=self.QEp,
        )
        return out

    def _header(self) -> list[tuple[str, Any]]:
        model = "common-effect" if self.is_common_effect else "random-effects"
        if not self.int_only:
            model = "mixed-effects" if not self.is_common_effect else "common-effect meta-regression"
        head: list[tuple[str, Any]] = [
            ("model", f"{model}, k = {self.k}, method {self.method_used}, test {self.test}"),
        ]
        if self.measure:
            head.append(("measure", self.measure))
        if not self.is_common_effect:
            head.append(("tau2", self.tau2))
        head += [("I2 (%)", self.I2), ("H2", self.H2), ("QE", self.QE), ("QEp", self.QEp)]
        if not self.int_only:
            head += [("QM", self.QM), ("QMp", self.QMp)]
        return head

    def __repr__(self) -> str:
        return render_text("Meta-analysis (metareview.rma)", self._header(), self.summary())

    def _repr_html_(self) -> str:
        return render_html("Meta-analysis (metareview.rma)", self._header(), self.summary())


BATCH_COLUMNS = (
    "k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "pi_lb", "pi_ub",
    "tau2", "se_tau2", "I2", "H2", "QE", "QEp", "method", "converged",
)  # fmt: skip


@dataclass(frozen=True, repr=False, eq=False)
class BatchResult:
    """Many intercept-only meta-analyses fitted in one call. Every field has shape (B,)."""

    k: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    zval: np.ndarray
    pval: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    tau2: np.ndarray
    se_tau2: np.ndarray
    I2: np.ndarray
    H2: np.ndarray
    QE: np.ndarray
    QEp: np.ndarray
    method: np.ndarray
    converged: np.ndarray
    test: str
    level: float

    @property
    def b(self) -> np.ndarray:
        return self.estimate

    def __len__(self) -> int:
        return int(self.k.shape[0])

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({c: getattr(self, c) for c in BATCH_COLUMNS})

    summary = to_frame

    def __repr__(self) -> str:
        return render_text(
            f"{len(self)} meta-analyses (metareview.rma_batch)",
            [("test", self.test), ("level", self.level)],
            self.to_frame().head(10),
        )
