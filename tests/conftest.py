"""Shared fixtures: paths to the project's data and to ../shared (skipped where absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Timings are never asserted (machines are noisy): no per-example deadline anywhere.
settings.register_profile("project", deadline=None)
settings.load_profile("project")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_DIR = SHARED / "seed"


def require_shared(*parts: str) -> Path:
    """The path under ../shared, or skip the test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the read-only shared folder is not present on this machine)")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return require_shared("seed")
