"""Helpers shared by the tests that compare metareview.models with R's metafor.

The expectations come from ``tests/reference/models.json``, written by
``tests/reference/make_fixtures_models.R`` (metafor 3.8.1, fully converged). Tests are not a
package (pytest runs with ``--import-mode=importlib``), so test modules load this file with
:func:`importlib.util.spec_from_file_location`.
"""

from __future__ import annotations

import importlib.util
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent / "reference"


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a broken checkout
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOL: dict[str, dict[str, float]] = dict(
    _load_module(REFERENCE / "tolerances.py", "_mr_tolerances").TOL)
# Looser absolute floor for I2 (percent) only. I2 = 100 tau2 / (tau2 + s2), so the absolute
# tolerance tau2 is allowed on the boundary (atol 1e-10: Fisher scoring for ML/REML stops at
# tau2 ~ 1e-11 rather than exactly 0, in metafor and in the engine alike) becomes
# 100 * 1e-10 / s2 percentage points, about 1e-6 for a typical s2 of 0.01. Relative 1e-6 as
# everywhere else.
TOL["I2"] = {"rtol": TOL["het"]["rtol"], "atol": 1e-6}

# which tolerance class each compared quantity belongs to
KIND: dict[str, str] = {
    "b": "estimate", "zval": "estimate", "pred": "estimate",
    "se": "se", "pred_se": "se",
    "ci_lb": "ci", "ci_ub": "ci", "pi_lb": "ci", "pi_ub": "ci",
    "pred_ci_lb": "ci", "pred_ci_ub": "ci",
    "tau2": "tau2", "se_tau2": "se_tau2",
    "I2": "I2", "H2": "het", "QE": "het", "QM": "het", "R2": "het",
    "pval": "pvalue", "QEp": "pvalue", "QMp": "pvalue",
    "weights": "weights",
    "ll": "fitstats", "dev": "fitstats", "AIC": "fitstats", "BIC": "fitstats", "AICc": "fitstats",
}


@cache
def fixtures() -> dict[str, Any]:
    with open(REFERENCE / "models.json", encoding="utf-8") as fh:
        return json.load(fh)


def cases(kind: str | None = None) -> list[dict[str, Any]]:
    return [c for c in fixtures()["cases"] if kind is None or c["kind"] == kind]


def case(case_id: str) -> dict[str, Any]:
    for c in fixtures()["cases"]:
        if c["id"] == case_id:
            return c
    raise KeyError(case_id)


def as_float_array(x: Any) -> np.ndarray:
    """JSON value (number, null, "Inf"/"-Inf"/"NaN" or a list) -> float array, null as NaN."""
    if x is None:
        return np.array([np.nan])
    if isinstance(x, list):
        return np.array([np.nan if v is None else float(v) for v in x], dtype=float)
    return np.array([float(x)], dtype=float)  # float() also reads "Inf", "-Inf", "NaN"


def mismatch(name: str, actual: Any, expected: Any, kind: str | None = None) -> str | None:
    """A one-line description of a disagreement, or None when within tolerance.

    NaN/None on both sides count as agreement; NaN on one side only is a mismatch.
    """
    tol = TOL[kind or KIND[name]]
    try:
        a = np.atleast_1d(np.asarray(actual, dtype=float)).ravel()
    except (TypeError, ValueError):
        return f"{name}: got {actual!r}, expected {expected!r}"
    e = as_float_array(expected)
    if a.shape != e.shape:
        return f"{name}: got shape {a.shape} {a!r}, expected shape {e.shape} {e!r}"
    ok = np.isclose(a, e, rtol=tol["rtol"], atol=tol["atol"], equal_nan=True)
    if bool(np.all(ok)):
        return None
    i = int(np.flatnonzero(~ok)[0])
    rel = abs(a[i] - e[i]) / abs(e[i]) if e[i] not in (0.0,) and math.isfinite(e[i]) else math.inf
    return (f"{name}[{i}]: got {a[i]!r}, expected {e[i]!r} (rel err {rel:.2e}, "
            f"rtol {tol['rtol']:g}, atol {tol['atol']:g})")


def report(case_id: str, call: str, problems: list[str | None]) -> str | None:
    found = [p for p in problems if p is not None]
    if not found:
        return None
    return f"{case_id} (R: {call}) disagrees with metafor:\n  " + "\n  ".join(found)


def rma_kwargs(c: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments of metareview.models.rma reproducing the fixture's R call."""
    kw: dict[str, Any] = {"method": c["method"], "test": c["test"], "level": c["level"]}
    data = c["data"]
    if c.get("mods_matrix"):
        kw["mods"] = np.column_stack([np.asarray(data[m], dtype=float) for m in c["mods_matrix"]])
    elif c.get("formula"):
        import pandas as pd

        kw["mods"] = c["formula"]
        kw["data"] = pd.DataFrame({k: v for k, v in data.items() if k not in ("yi", "vi")})
    if not c.get("intercept", True) and not c.get("formula"):
        kw["intercept"] = False
    if c.get("weights_arg") == "1/vi":
        kw["weights"] = 1 / np.asarray(data["vi"], dtype=float)
    return kw


def yi_vi(c: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return (np.asarray(c["data"]["yi"], dtype=float), np.asarray(c["data"]["vi"], dtype=float))


def fit_rma(c: dict[str, Any], **extra: Any) -> Any:
    """metareview.models.rma fitted as the fixture's R call (plus *extra* keyword arguments).

    metareview's own advisory warnings are silenced (they are asserted in test_edge_cases.py);
    any other warning (numpy RuntimeWarning, ...) still fails the test (filterwarnings=error).
    """
    import warnings

    from metareview.errors import MetaReviewWarning
    from metareview.models import rma

    yi, vi = yi_vi(c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetaReviewWarning)
        return rma(yi, vi, **rma_kwargs(c), **extra)


# Quantities compared for every fit. GENQ is fitted in R with weights = 1/vi (metafor requires
# weights for GENQ), and metareview.models.rma is given the same weights, so every quantity
# is compared for GENQ too.
FIT_FIELDS = ("b", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "se_tau2", "I2", "H2",
              "QE", "QEp", "QM", "QMp", "weights")
FITSTATS = ("ll", "dev", "AIC", "BIC", "AICc")
PRED_FIELDS = {"pred": "pred", "se": "pred_se", "ci_lb": "pred_ci_lb", "ci_ub": "pred_ci_ub",
               "pi_lb": "pi_lb", "pi_ub": "pi_ub"}


def compare_fit(res: Any, c: dict[str, Any]) -> list[str | None]:
    """Every disagreement between an RMAResult and the fixture's expectations."""
    e = c["expected"]
    problems: list[str | None] = []
    fields = FIT_FIELDS
    for name in fields:
        if name == "se_tau2" and c["method"] in ("EE", "FE"):
            continue  # metafor: NA; checked on its own in test_edge_cases.py
        problems.append(_get_and_compare(res, name, e[name]))
    if True:
        for name, want in (("k", e["k"]), ("p", e["p"])):
            got = getattr(res, name, None)
            if got != want:
                problems.append(f"{name}: got {got!r}, expected {want!r}")
        got_df = getattr(res, "QMdf", None)
        want_df = tuple(None if v is None else int(v) for v in e["QMdf"])
        norm = None if got_df is None else tuple(
            None if (v is None or (isinstance(v, float) and math.isnan(v))) else int(v)
            for v in got_df)
        if norm != want_df:
            problems.append(f"QMdf: got {got_df!r}, expected {want_df!r} (None = NA)")
        if e.get("R2") is not None:
            problems.append(_get_and_compare(res, "R2", e["R2"]))
    return problems


def compare_fitstats(res: Any, c: dict[str, Any]) -> list[str | None]:
    e = c["expected"]
    return [_get_and_compare(res, name, e[name]) for name in FITSTATS]


def compare_predict(pred: Any, c: dict[str, Any]) -> list[str | None]:
    e = c["expected"]
    out: list[str | None] = []
    if c["method"] in ("EE", "FE") and e.get("pi_lb") is None:
        # metafor's predict() omits the prediction interval of a common-effect model; under
        # that model (tau2 = 0) the interval for a new study's true effect is the CI, so the
        # engine's pi_lb/pi_ub are compared with metafor's ci.lb/ci.ub
        e = {**e, "pi_lb": e["pred_ci_lb"], "pi_ub": e["pred_ci_ub"]}
    for attr, key in PRED_FIELDS.items():
        if not hasattr(pred, attr):
            out.append(f"predict(res).{attr}: missing")
            continue
        out.append(mismatch(key, getattr(pred, attr), e[key]))
    return out


def _get_and_compare(res: Any, name: str, expected: Any) -> str | None:
    if not hasattr(res, name):
        return f"{name}: attribute missing on {type(res).__name__}"
    return mismatch(name, getattr(res, name), expected)


# metafor's confint() searches the upper bound of tau2 in [tau2, tau2.max] with tau2.max = 100
# by default and returns 100 when Q(tau2) has not crossed the quantile there: that number is a
# search limit, not an estimate, so the upper bounds are not compared in that case.
CONFINT_SEARCH_LIMIT = 100.0


def confint_cases(cs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases whose fixture holds metafor's confint() of tau2."""
    return [c for c in cs if "tau2_ci" in c["expected"]]


def confint_report(res: Any, c: dict[str, Any]) -> str | None:
    """:func:`report` of the disagreements between ``confint(res)`` and metafor's confint()."""
    from metareview.models import confint

    return report(c["id"], "confint(" + c["call"] + ")", compare_confint(confint(res), c))


def compare_confint(ci: Any, c: dict[str, Any]) -> list[str | None]:
    e = c["expected"]
    at_limit = e["tau2_ci"][2] is not None and e["tau2_ci"][2] >= CONFINT_SEARCH_LIMIT
    out: list[str | None] = []
    for attr, key, kind in (("tau2", "tau2_ci", "tau2"), ("tau", "tau_ci", "tau2"),
                            ("I2", "I2_ci", "I2"), ("H2", "H2_ci", "het")):
        part = getattr(ci, attr, None)
        if part is None:
            out.append(f"confint(res).{attr}: missing")
            continue
        fields = ("estimate", "ci_lb") if at_limit else ("estimate", "ci_lb", "ci_ub")
        for i, f in enumerate(fields):
            if not hasattr(part, f):
                out.append(f"confint(res).{attr}.{f}: missing")
                continue
            out.append(mismatch(f"{attr}.{f}", getattr(part, f), e[key][i], kind))
    return out
