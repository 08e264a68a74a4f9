"""Fixtures for the effects tests: the metafor tolerances and the reference JSON."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

REFERENCE = Path(__file__).resolve().parent.parent / "reference"


def load_tolerances() -> dict[str, dict[str, float]]:
    spec = importlib.util.spec_from_file_location("_mr_tolerances", REFERENCE / "tolerances.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {REFERENCE / 'tolerances.py'}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.TOL


def load_fixture() -> dict[str, Any]:
    return json.loads((REFERENCE / "effects.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tol() -> dict[str, dict[str, float]]:
    return load_tolerances()
