"""The same pipeline on Dask: tagger functions mapped over dask.dataframe partitions.

Use it when one machine's cores are not enough: point ``--scheduler`` at a
distributed cluster whose workers see the same code and ``data/`` folder. The
client ingests (cheap, sequential: duplicates need one global view), stages
accepted articles as Parquet partitions, and the workers tag them with
:func:`analysis.pipeline.tag_chunk` — the very function the pandas engine uses —
so both engines write identical tables.
"""

from __future__ import annotations

import functools
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd

from analysis import ingest, pipeline, schemas, settings, store
from analysis.normalise import normalise


@functools.lru_cache(maxsize=2)
def _worker_resources(data_dir: str) -> pipeline.Resources:
    """Vocabularies loaded once per worker process (never shipped over the wire)."""
    return pipeline.Resources.load(Path(data_dir))


def tag_partition(articles: pd.DataFrame, data_dir: str) -> dict[str, pd.DataFrame]:
    articles = schemas.conform(articles.reset_index(drop=True), "articles")
    return pipeline.tag_chunk(articles, _worker_resources(data_dir))


def _client(scheduler: str | None) -> Any:
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler)
    workers = max(1, settings.get_int("workers"))
    return Client(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None))


def run(inputs: list[str | Path], out_dir: Path, chunk_size: int | None = None, scheduler: str | None = None,
        incremental: bool = True, data_dir: Path | None = None) -> dict[str, Any]:
    """Like :func:`analysis.pipeline.run`, tagging on a Dask cluster; returns the run report."""
    out_dir = Path(out_dir)
    chunk_size = chunk_size or settings.get_int("chunk_size")
    data_root = Path(data_dir) if data_dir else settings.get_path("data_dir")
    started = datetime.now(timezone.utc)
    timings = pipeline.Timings()
    state = ingest.IngestState(max_chars=settings.get_int("max_text_chars"), min_year=settings.get_int("min_year"))
    files = ingest.expand_inputs(list(inputs), state)
    aliases = ingest.load_column_aliases(data_root)
    print_ = pipeline.fingerprint(data_root)
    with store.locked(out_dir):
        previous = pipeline._previous(out_dir, print_) if incremental else {}
        staged = store.StagedTables(out_dir)
        try:
            parts_dir = staged.staging / "input_parts"
            parts_dir.mkdir()
            counts, parts = _stage_inputs(files, chunk_size, aliases, state, previous, staged, parts_dir, timings)
            if parts:
                client = _client(scheduler)
                try:
                    _tag_on_cluster(parts_dir, str(data_root), staged, timings)
                finally:
                    client.close()
            pipeline._carry_over(out_dir, staged, set(previous) - counts.tagged)
            pipeline.post_process(staged, timings)
            report = pipeline._report(inputs, files, state, counts.as_report(), staged, timings, print_, started)
            report["engine"] = "dask"
            staged.commit(pipeline.ALL_TABLES, report)
        except BaseException:
            staged.abort()
            raise
    return report


def _stage_inputs(files: list[Path], chunk_size: int, aliases: dict[str, list[str]], state: ingest.IngestState,
                  previous: dict[str, str], staged: store.StagedTables, parts_dir: Path,
                  timings: pipeline.Timings) -> tuple[pipeline.IngestCounts, int]:
    """Accepted articles to tag, written as Parquet partitions; returns the counts and the partition count."""
    counts = pipeline.IngestCounts()
    parts = 0
    for fresh in pipeline.iter_fresh(files, chunk_size, aliases, state, previous, staged, timings, counts):
        if len(fresh):
            store.to_arrow(fresh, "articles")  # validates before staging
            fresh.to_parquet(parts_dir / f"part-{parts:06d}.parquet", index=False)
            parts += 1
    return counts, parts


def _tag_on_cluster(parts_dir: Path, data_dir: str, staged: store.StagedTables, timings: pipeline.Timings) -> None:
    """Map tag_partition over the partitions, a few at a time so results stream into the writers."""
    tick = time.perf_counter()
    frame = dd.read_parquet(str(parts_dir), split_row_groups=False)
    delayed_parts = frame.to_delayed()
    batch = 8
    for start in range(0, len(delayed_parts), batch):
        tasks = [dask.delayed(tag_partition)(part, data_dir) for part in delayed_parts[start:start + batch]]
        for tables in dask.compute(*tasks):
            for table, result in tables.items():
                staged.write(table, result)
    timings.add("tag_on_cluster", tick)
