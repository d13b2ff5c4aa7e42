"""Atomic commits, the run lock and the DuckDB query layer."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pandas as pd
import pytest

from analysis import schemas, store


def article_frame(ids: list[str]) -> pd.DataFrame:
    return schemas.conform(pd.DataFrame({
        "article_id": ids, "published": pd.to_datetime(["2020-12-23"] * len(ids)),
        "title": "t", "text": "India and Russia.", "content_hash": ids, "input_file": "x", "exposed": False,
    }), "articles")


def commit(out: Path, ids: list[str]) -> None:
    staged = store.StagedTables(out)
    staged.write("articles", article_frame(ids))
    staged.commit(("articles", "sanctions"), {"run": ids})


def test_commit_writes_every_table_typed_even_when_empty(tmp_path: Path) -> None:
    commit(tmp_path, ["a", "b"])
    assert store.read_table(tmp_path, "articles")["article_id"].tolist() == ["a", "b"]
    empty = store.read_table(tmp_path, "sanctions")
    assert empty.empty and list(empty.columns) == list(schemas.SANCTIONS)
    assert store.read_run(tmp_path) == {"run": ["a", "b"]}
    assert [p.name for p in tmp_path.glob(store.GENERATION_PREFIX + "*")] == [(tmp_path / store.CURRENT).readlink().name]


def test_failure_mid_write_leaves_previous_tables_intact(tmp_path: Path) -> None:
    commit(tmp_path, ["old"])
    staged = store.StagedTables(tmp_path)
    staged.write("articles", article_frame(["new1"]))
    with pytest.raises(ValueError):
        staged.write("articles", pd.DataFrame({"not_a_column": [1]}))  # a tagger bug mid-run
    staged.abort()
    assert store.read_table(tmp_path, "articles")["article_id"].tolist() == ["old"]
    assert store.read_run(tmp_path) == {"run": ["old"]}


def test_a_crashed_run_leftover_staging_is_discarded(tmp_path: Path) -> None:
    commit(tmp_path, ["old"])
    leftover = tmp_path / f"{store.GENERATION_PREFIX}crashed"
    leftover.mkdir()
    (leftover / "articles.parquet").write_bytes(b"half written")
    commit(tmp_path, ["next"])
    assert not leftover.exists()
    assert store.read_table(tmp_path, "articles")["article_id"].tolist() == ["next"]


def _hold_lock(out: str, ready: "multiprocessing.synchronize.Event", release: "multiprocessing.synchronize.Event") -> None:
    with store.locked(Path(out)):
        ready.set()
        release.wait(10)


def test_two_runs_cannot_share_an_output_folder(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(store.StoreLocked, match="another run is writing"):
            with store.locked(tmp_path):
                pass
    finally:
        release.set()
        holder.join(10)
    with store.locked(tmp_path):  # free again once the holder is gone
        pass


def test_duckdb_views_answer_queries(tmp_path: Path) -> None:
    commit(tmp_path, ["a", "b", "c"])
    db = store.Store(tmp_path)
    assert db.counts()["articles"] == 3
    assert db.counts()["pair_risk"] == 0  # table never written: an empty typed view
    assert db.article("b")["text"] == "India and Russia."
    assert db.article("zzz") is None
