"""What one run hands the next and leaves behind: the fingerprint, re-used articles and the run report.

Split from ``pipeline`` so the runner reads as its stages: this holds the bookkeeping around
them. An article is re-used only when its content hash and the pipeline fingerprint (code and
vocabularies) are unchanged; the report written to run.json records inputs, counts, timings
and versions so a run can be compared with another.
"""

from __future__ import annotations

import hashlib
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import ingest, schemas, store

if TYPE_CHECKING:  # the runner's stage clock; imported for the annotation only (pipeline imports this module)
    from analysis.pipeline import Timings

TAGGERS = ("sanctions", "procurement", "positions", "entities")
CHUNK_TABLES = ("articles", *TAGGERS)
ALL_TABLES = ("articles", "rejects", *TAGGERS, "deals", "pair_risk", "alerts", "pair_events")
VERSIONED = ("pandas", "pyarrow", "duckdb", "ahocorasick-rs", "rapidfuzz", "dask", "streamlit")


def fingerprint(data_dir: Path) -> str:
    """Hash of the pipeline code and vocabularies: when it changes, nothing old is re-used."""
    digest = hashlib.sha1()
    package = Path(__file__).resolve().parent
    paths = sorted(package.rglob("*.py"))
    for sub in ("catalogue", "gazetteer", "rules", "rates", "lists"):
        paths += sorted(p for p in (data_dir / sub).rglob("*") if p.is_file())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _previous(out_dir: Path, print_: str) -> dict[str, str]:
    """article_id -> content_hash of the last committed run, if made by the same pipeline."""
    run = store.read_run(out_dir)
    if not run or run.get("fingerprint") != print_ or not (out_dir / "articles.parquet").exists():
        return {}
    old = store.read_table(out_dir, "articles", columns=["article_id", "content_hash"])
    return dict(zip(old["article_id"], old["content_hash"]))


def _carry_over(out_dir: Path, staged: store.StagedTables, keep: set[str]) -> None:
    """Copy the previous run's rows for articles not re-tagged in this run."""
    if not keep:
        return
    ids = list(keep)
    for table in CHUNK_TABLES:
        path = out_dir / f"{table}.parquet"
        if not path.exists():
            continue
        for batch in pq.ParquetFile(path).iter_batches(batch_size=5000):
            mask = pc.is_in(batch.column("article_id"), value_set=pa_array(ids))
            kept = batch.filter(mask)
            if kept.num_rows:
                staged.write(table, pa_table(kept, table))


def pa_array(values: list[str]) -> Any:
    import pyarrow as pa
    return pa.array(values, type=pa.string())


def pa_table(batch: Any, table: str) -> Any:
    import pyarrow as pa
    return pa.Table.from_batches([batch]).cast(schemas.arrow_schema(table))


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


@dataclass
class IngestCounts:
    """What the ingest loop saw: rows in, rejects by reason, unchanged articles re-used, ids tagged."""

    rows_in: int = 0
    unchanged: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    tagged: set[str] = field(default_factory=set)

    def as_report(self) -> dict[str, Any]:
        return {"rows_in": self.rows_in, "unchanged": self.unchanged, "reasons": dict(self.reasons)}


def _report(inputs: list[str | Path], files: list[Path], state: ingest.IngestState, counts: dict[str, Any],
            staged: store.StagedTables, timings: Timings, print_: str, started: datetime) -> dict[str, Any]:
    rejected = staged.counts.get("rejects", 0)
    finished = datetime.now(timezone.utc)
    return {
        "inputs": [str(p) for p in inputs],
        "files": [str(p) for p in files],
        "skipped_files": state.skipped_files,
        "rows_in": counts["rows_in"],
        "accepted": counts["rows_in"] - rejected,
        "rejected": rejected,
        "rejects_by_reason": counts["reasons"],
        "unchanged_reused": counts["unchanged"],
        "counts": {t: staged.counts.get(t, 0) for t in ALL_TABLES},
        "timings_s": {k: round(v, 3) for k, v in timings.seconds.items()},
        "fingerprint": print_,
        "versions": _versions(),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "elapsed_s": round((finished - started).total_seconds(), 3),
    }
