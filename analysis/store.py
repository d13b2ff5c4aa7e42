"""Parquet writes that never leave a half-written table, and DuckDB queries over them.

A run streams its tables into a fresh generation folder (``DIR/.gen-<id>/``)
and writes ``run.json`` there last. The commit is one atomic ``os.replace`` of
the symlink ``DIR/.current`` to point at the new generation; ``DIR/<table>.parquet``
and ``DIR/run.json`` are fixed symlinks through ``.current``. So readers see
either every old table or every new one, never a mix, whatever moment a run
is killed; a lock stops two runs interleaving.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis import schemas

CURRENT = ".current"  # symlink to the committed generation folder
GENERATION_PREFIX = ".gen-"
LOCK = ".lock"


class StoreLocked(RuntimeError):
    """Another run holds the output folder."""


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` for a run; fail fast with a clear message if taken."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handle = (out_dir / LOCK).open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise StoreLocked(f"another run is writing to {out_dir} (pid {holder}); wait for it or use another --out")
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def to_arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """A conforming frame as an Arrow table with the table's declared schema."""
    return pa.Table.from_pandas(schemas.conform(frame, table), schema=schemas.arrow_schema(table),
                                preserve_index=False)


class StagedTables:
    """Streaming writers for a run's tables in a new generation folder; ``commit`` publishes them at once."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        discard_uncommitted(self.out_dir)  # leftovers of a crashed run: never published, safe to drop
        self.staging = self.out_dir / f"{GENERATION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self.staging.mkdir()
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.counts: dict[str, int] = {}

    def path(self, table: str) -> Path:
        return self.staging / f"{table}.parquet"

    def write(self, table: str, frame: pd.DataFrame | pa.Table) -> None:
        data = frame if isinstance(frame, pa.Table) else to_arrow(frame, table)
        if table not in self._writers:
            self._writers[table] = pq.ParquetWriter(self.path(table), schemas.arrow_schema(table),
                                                    compression="zstd")
            self.counts[table] = 0
        if data.num_rows:
            self._writers[table].write_table(data)
            self.counts[table] += data.num_rows

    def read(self, table: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A staged table (closed first) as a frame; empty and typed if never written."""
        self.close(table)
        if not self.path(table).exists():
            frame = schemas.empty(table)
            return frame[columns] if columns else frame
        return pq.read_table(self.path(table), columns=columns).to_pandas()

    def close(self, table: str | None = None) -> None:
        for name in [table] if table else list(self._writers):
            writer = self._writers.pop(name, None)
            if writer is not None:
                writer.close()

    def commit(self, tables: tuple[str, ...], report: dict[str, Any]) -> None:
        """Publish every table and run.json in one atomic step; empty tables are written typed."""
        self.close()
        for table in tables:
            if not self.path(table).exists():
                self.write(table, schemas.empty(table))
                self.close(table)
        for child in self.staging.iterdir():
            if child.is_dir():  # scratch space (e.g. the Dask engine's input partitions)
                shutil.rmtree(child)
        write_json_atomic(self.staging / "run.json", report)
        for table in tables:
            _fsync(self.path(table))
        _fsync_dir(self.staging)
        _point(self.out_dir / CURRENT, self.staging.name)  # the commit: one atomic rename
        for name in [f"{t}.parquet" for t in tables] + ["run.json"]:
            link = self.out_dir / name
            if not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
                _point(link, f"{CURRENT}/{name}")
        _fsync_dir(self.out_dir)
        discard_uncommitted(self.out_dir)

    def abort(self) -> None:
        self.close()
        shutil.rmtree(self.staging, ignore_errors=True)


def _point(link: Path, target: str) -> None:
    """Make ``link`` a symlink to ``target`` atomically (replacing whatever was there)."""
    tmp = link.with_name(f"{link.name}.{os.getpid()}.tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)


def discard_uncommitted(out_dir: Path) -> None:
    """Remove generation folders that are not the published one (crashed or superseded runs)."""
    current = os.readlink(out_dir / CURRENT) if (out_dir / CURRENT).is_symlink() else None
    for child in out_dir.glob(f"{GENERATION_PREFIX}*"):
        if child.is_dir() and child.name != current:
            shutil.rmtree(child, ignore_errors=True)


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_table(out_dir: Path, table: str, columns: list[str] | None = None,
               filters: list[tuple] | None = None) -> pd.DataFrame:
    """A committed table as a frame (typed and empty when the table does not exist yet)."""
    path = Path(out_dir) / f"{table}.parquet"
    if not path.exists():
        frame = schemas.empty(table)
        return frame[columns] if columns else frame
    return pq.read_table(path, columns=columns, filters=filters).to_pandas()


def read_run(out_dir: Path) -> dict[str, Any] | None:
    path = Path(out_dir) / "run.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


class Store:
    """Read-only DuckDB views over a committed output folder, one view per table.

    The dashboard queries through this so large datasets are never loaded whole.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.con = duckdb.connect(":memory:")
        for table in schemas.TABLES:
            path = self.out_dir / f"{table}.parquet"
            if path.exists():
                quoted = str(path).replace("'", "''")
                self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{quoted}')")
            else:  # not written yet: an empty view with the declared columns
                self.con.register(f"{table}_empty", to_arrow(schemas.empty(table), table))
                self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM {table}_empty")

    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def counts(self) -> dict[str, int]:
        return {t: int(self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in schemas.TABLES}

    def article(self, article_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM articles WHERE article_id = ?", [article_id])
        return None if rows.empty else rows.iloc[0].to_dict()

    def findings_for_article(self, article_id: str) -> dict[str, pd.DataFrame]:
        return {t: self.query(f"SELECT * FROM {t} WHERE article_id = ? ORDER BY char_start", [article_id])
                for t in schemas.FINDING_TABLES}

    def timeline(self, table: str, column: str, freq: str = "month",
                 start: str | None = None, end: str | None = None) -> pd.DataFrame:
        """Counts of findings per period and value of ``column`` (e.g. sanctions by action)."""
        if table not in schemas.FINDING_TABLES or column not in schemas.TABLES[table]:
            raise ValueError(f"unknown table/column {table}.{column}")
        sql = (f"SELECT date_trunc(?, published) AS period, {column} AS value, count(*) AS n "
               f"FROM {table} WHERE (? IS NULL OR published >= CAST(? AS TIMESTAMP)) "
               f"AND (? IS NULL OR published <= CAST(? AS TIMESTAMP)) GROUP BY ALL ORDER BY period")
        return self.query(sql, [freq, start, start, end, end])

    def pair_series(self, country: str, counterpart: str, freq: str = "M") -> pd.DataFrame:
        return self.query("SELECT * FROM pair_risk WHERE country = ? AND counterpart = ? AND freq = ? "
                          "ORDER BY period", [country, counterpart, freq])
