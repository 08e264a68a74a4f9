"""Shared test configuration: paths to fixtures and to the real-world corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# The shared corpus lies beside the repository (../shared) on every developer machine and in CI.
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"the shared corpus is missing: expected it at {SHARED}")
    return SHARED
