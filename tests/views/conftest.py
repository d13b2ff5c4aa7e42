"""Fixtures for the dashboard tests: a hand-made dataset in a temporary output folder.

SRA_OUTPUT_DIR and SRA_REVIEW_DB point the app at it and SRA_AUTH=local opens it (settings are read from
the environment at call time), so the tests never touch out/ or need the
taggers. Also registers the ``browser`` marker for the Chromium test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.views.fixture_tables import write_dataset

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs a real Chromium (skipped when none is installed)")


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("out") / "fixture")


@pytest.fixture
def app_env(dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRA_OUTPUT_DIR", str(dataset_dir))
    monkeypatch.setenv("SRA_REVIEW_DB", str(tmp_path / "reviews.sqlite"))
    monkeypatch.setenv("SRA_AUTH", "local")  # the login gate has its own tests (test_auth_gate.py)
    monkeypatch.chdir(ROOT)
    return dataset_dir
