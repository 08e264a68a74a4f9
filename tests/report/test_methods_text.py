"""The methods text follows what was run: fallbacks, tests, transformations, references."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from metareview.plan import BiasSpec, ModelSpec, OutcomeSpec, SensitivitySpec
from metareview.report.methods_text import cite, format_reference, methods_text, references

VERSIONS = {"metareview": "9.9", "numpy": "1.0", "scipy": "2.0", "pandas": "3.0"}


def _result(*, methods=("REML",), used="REML", test="z", level=95.0, transf="none",
            tables=(), tests=(), sensitivity=SensitivitySpec()):
    spec = OutcomeSpec(name="o", label="Pain", data="d", measure="SMD", transf=transf,
                       model=ModelSpec(methods=methods, test=test, level=level),
                       sensitivity=sensitivity, bias=BiasSpec())
    outcome = SimpleNamespace(spec=spec, fit=SimpleNamespace(method_used=used, k=7),
                              tables={t: pd.DataFrame() for t in tables},
                              tests={t: {} for t in tests})
    return SimpleNamespace(outcomes=(outcome,), versions=VERSIONS)


def test_fallback_that_was_used_is_named_with_why() -> None:
    text = methods_text(_result(methods=("REML", "PM", "DL"), used="DL")).text
    assert "between-study variance \u03c4\u00b2 by the DerSimonian-Laird method of moments " \
           "(DL) (DerSimonian and Laird 1986)" in text
    assert "fallback chain REML \u2192 PM \u2192 DL; DL was used because REML and PM did not " \
           "converge." in text
    assert "restricted maximum likelihood" not in text  # REML was not what produced the result


def test_knapp_hartung_and_level() -> None:
    text = methods_text(_result(test="knha", level=90.0)).text
    assert ("Tests and 90% confidence intervals for the pooled effect used the Knapp-Hartung "
            "adjustment with a t distribution (Knapp and Hartung 2003).") in text
    assert "90% prediction interval" in text


def test_common_effect_model_has_no_tau2_or_prediction_interval() -> None:
    text = methods_text(_result(methods=("EE",), used="EE")).text
    assert "an equal-effects (inverse-variance) model (Hedges and Olkin 1985)" in text
    assert "prediction interval" not in text and "\u03c4\u00b2" not in text


def test_only_analyses_with_results_are_described() -> None:
    sens = SensitivitySpec(leave_one_out=True, ri=(0.3, 0.5))
    text = methods_text(_result(sensitivity=sens, tables=("ri_sensitivity",),
                                tests=("begg",))).text
    assert "leave-one-out" not in text  # asked for, but no table: not claimed
    assert "assumed pre-post correlation (ri = 0.3, 0.5)" in text
    assert "Begg and Mazumdar's rank correlation test (Begg and Mazumdar 1994)" in text
    assert "Egger" not in text


def test_software_versions_and_reference_list() -> None:
    m = methods_text(_result())
    assert "metareview 9.9, NumPy 1.0 (Harris et al. 2020) and SciPy 2.0 (Virtanen et al. " \
           "2020)" in m.text
    assert len(m.references) == len(set(m.references))
    assert set(m.references) <= set(references())


def test_citations_and_reference_format() -> None:
    assert cite("viechtbauer2010outlier") == "Viechtbauer and Cheung 2010"
    assert cite("harris2020") == "Harris et al. 2020"  # "and others" in the bib entry
    assert format_reference("knapp2003") == (
        "Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a "
        "single covariate. Statistics in Medicine 22(17):2693\u20132710. doi:10.1002/sim.1482")
    assert format_reference("baujat2002").startswith("Baujat B, Mah\u00e9 C, Pignon JP, Hill C")


def test_fit_warnings_are_kept_in_the_results_and_still_raised(monkeypatch) -> None:
    import warnings
    from pathlib import Path

    import pytest

    import metareview.models
    from metareview.analysis import run_plan
    from metareview.errors import ConvergenceWarning
    from metareview.plan import load_plan
    from metareview.report.results_json import results_dict

    real = metareview.models.rma

    def rma_that_warns(*args, **kwargs):
        warnings.warn("REML did not converge; tau^2 was estimated with DL instead",
                      ConvergenceWarning, stacklevel=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(metareview.models, "rma", rma_that_warns)
    plan = load_plan(Path(__file__).resolve().parent / "data" / "bcg_core.toml")
    with pytest.warns(ConvergenceWarning, match="REML did not converge"):
        result = run_plan(plan)
    assert result.outcomes[0].warnings == (
        "REML did not converge; tau^2 was estimated with DL instead",)
    doc = results_dict(result)
    assert doc["outcomes"][0]["warnings"] == [
        "REML did not converge; tau^2 was estimated with DL instead"]
