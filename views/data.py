"""The only caller of analysis.store, and home of every st.cache_* of the dashboard.

The DuckDB connection lives under ``st.cache_resource`` keyed by the output
folder and the modification time of its run.json, so a re-run opens a fresh
connection; small per-selection results live under ``st.cache_data``. Large
tables are never loaded whole: every question is a query in analysis.queries.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis import exports, gazetteer, pipeline, queries, review, settings, store, uploads


class SharedStore:
    """A Store shared by every session: one query at a time, since a DuckDB connection is not thread-safe."""

    def __init__(self, out_dir: Path) -> None:
        self._store = store.Store(out_dir)
        self._lock = threading.Lock()

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        with self._lock:
            return self._store.query(sql, params)


def datasets_root() -> Path:
    return settings.get_path("output_dir").parent


def sample_dir() -> Path:
    return settings.get_path("data_dir") / "sample"


def default_dataset() -> Path:
    return settings.get_path("output_dir")


def list_datasets() -> dict[str, Path]:
    """Processed output folders under the datasets root (name -> folder); the default one first."""
    found = {default_dataset().name: default_dataset()}
    root = datasets_root()
    if root.exists():
        for run in sorted(root.glob("*/run.json")) + sorted(root.glob("uploads/*/run.json")):
            found.setdefault(str(run.parent.relative_to(root)), run.parent)
    return found


def stamp(out_dir: Path) -> float:
    run = Path(out_dir) / "run.json"
    return run.stat().st_mtime if run.exists() else 0.0


def has_tables(out_dir: Path) -> bool:
    return stamp(out_dir) > 0


def sample_is_stale(samples: Path, out_dir: Path) -> bool:
    """True when the sample has data files and the processed tables are missing or older than them."""
    files = [p for p in samples.rglob("*") if p.is_file()] if samples.exists() else []
    if not files:
        return False
    return stamp(out_dir) < max(p.stat().st_mtime for p in files)


@st.cache_resource
def _first_start_lock() -> threading.Lock:
    return threading.Lock()


def ensure_sample(on_progress: Callable[[int, int], None] | None = None) -> dict[str, Any] | None:
    """Process data/sample into the default output folder if it is missing or stale; the report, or None.

    Held under a process-wide lock so two sessions opening at once process it once.
    """
    with _first_start_lock():
        out_dir = default_dataset()
        if not sample_is_stale(sample_dir(), out_dir):
            return None
        return pipeline.run([sample_dir()], out_dir, progress=on_progress)


def count_rows(paths: list[Path]) -> int:
    """Approximate row count of JSONL/CSV inputs (lines), for a progress bar's total."""
    total = 0
    for path in paths:
        if path.suffix in (".jsonl", ".csv", ".ndjson", ".tsv"):
            with path.open("rb") as handle:
                total += sum(1 for _ in handle)
    return total


def run_pipeline(inputs: list[Path], out_dir: Path, on_progress: Callable[[int, int], None]) -> dict[str, Any]:
    return pipeline.run(inputs, out_dir, progress=on_progress)


@st.cache_resource(max_entries=8)
def _shared_store(out_dir: str, mtime: float) -> SharedStore:
    return SharedStore(Path(out_dir))


def db(out_dir: Path) -> SharedStore:
    return _shared_store(str(out_dir), stamp(out_dir))


@st.cache_data(max_entries=512, show_spinner=False)
def _cached(name: str, out_dir: str, mtime: float, args: tuple[Any, ...]) -> Any:
    return getattr(queries, name)(_shared_store(out_dir, mtime), *args)


def ask(out_dir: Path, name: str, *args: Any) -> Any:
    """``analysis.queries.<name>(store, *args)``, cached per dataset version and arguments."""
    return _cached(name, str(out_dir), stamp(out_dir), args)


def export(out_dir: Path, table: str, filters: queries.Filters, fmt: str) -> bytes:
    """The filtered table as CSV (spreadsheet formulas neutralised) or exact Parquet bytes; built on click."""
    sql, params = queries.explore_sql(table, filters)
    frame = db(out_dir).query(sql, params)
    if fmt == "csv":
        return exports.to_csv_bytes(frame)
    return exports.to_parquet_bytes(store.to_arrow(frame, table))


def read_run(out_dir: Path) -> dict[str, Any] | None:
    return store.read_run(out_dir)


@st.cache_resource
def _gazetteer(data_dir: str) -> gazetteer.Gazetteer:
    return gazetteer.load(Path(data_dir))


def country_name(code: str) -> str:
    """Display name of a country code ("IND" -> "India"); the code itself when unknown."""
    try:
        return _gazetteer(str(settings.get_path("data_dir"))).name(code)
    except Exception:  # a broken gazetteer must not take the dashboard down; codes still read
        return code


def list_as_of() -> dict[str, str]:
    """As-of date per imported sanctions list (data/lists/**/as_of.json), empty when none imported."""
    dates: dict[str, str] = {}
    root = settings.get_path("data_dir") / "lists"
    for path in sorted(root.rglob("as_of.json")) if root.exists() else []:
        try:
            dates.update(json.loads(path.read_text(encoding="utf-8")).get("as_of", {}))
        except (OSError, ValueError):
            continue
    return dates


def accuracy(path: Path) -> dict[str, Any] | None:
    """The JSON written by ``python -m analysis evaluate --json``, or None when absent or unreadable."""
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def reviews() -> pd.DataFrame:
    return review.load_reviews(settings.get_path("review_db"))


def record_review(finding_id: str, verdict: str, comment: str, analyst: str) -> None:
    review.record_review(settings.get_path("review_db"), finding_id, verdict, comment, analyst)


def upload_dir(name: str) -> tuple[Path, Path]:
    """Input and output folders for an uploaded dataset named ``name`` (made filesystem-safe)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "upload"
    root = datasets_root()
    return uploads.safe_join(root / ".inputs", slug), uploads.safe_join(root / "uploads", slug)


def upload_limits() -> uploads.Limits:
    """Upload caps from theme (raw size) and settings (unpacked size, compression ratio)."""
    from views import theme
    return uploads.Limits(max_bytes=theme.UPLOAD_CAP_MB * 2**20,
                          max_unpacked_bytes=settings.get_int("upload_max_unpacked_mb") * 2**20,
                          max_ratio=float(settings.get("upload_max_ratio")))
