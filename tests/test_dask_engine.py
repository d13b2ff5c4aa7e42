"""The Dask engine writes the same tables as the pandas engine.

Analysts move from one machine to a cluster by adding ``--engine dask``; any
difference in a finding table would silently change their numbers, so every
table is compared cell by cell (rows sorted by their stable ids; run.json
timings are ignored).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import dask_engine, pipeline, store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
SORT_KEYS = ("finding_id", "deal_id", "article_id", "input_file", "row", "pair", "month", "alert_id")


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [k for k in SORT_KEYS if k in frame.columns]
    rest = [c for c in frame.columns if c not in keys and frame[c].map(lambda v: isinstance(v, (str, int, float))).all()]
    return frame.sort_values(keys + rest, kind="stable").reset_index(drop=True) if keys or rest else frame


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    out = tmp_path_factory.mktemp("engines")
    # A small chunk size gives Dask several partitions, so ordering and cross-partition state are exercised.
    pandas_report = pipeline.run([SAMPLE], out / "pandas", chunk_size=40, incremental=False)
    dask_report = dask_engine.run([SAMPLE], out / "dask", chunk_size=40, incremental=False)
    return out / "pandas", out / "dask", pandas_report, dask_report


@pytest.mark.parametrize("table", pipeline.ALL_TABLES)
def test_dask_and_pandas_engines_write_identical_tables(both_engines: tuple[Path, Path, dict, dict],
                                                        table: str) -> None:
    pandas_dir, dask_dir, _, _ = both_engines
    expected = _sorted(store.read_table(pandas_dir, table))
    actual = _sorted(store.read_table(dask_dir, table))
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected), f"{table}: {len(actual)} rows on Dask, {len(expected)} on pandas"
    pd.testing.assert_frame_equal(actual, expected, check_dtype=True)


def test_sample_produces_findings_so_the_comparison_means_something(both_engines: tuple[Path, Path, dict, dict]) -> None:
    _, _, pandas_report, _ = both_engines
    for table in ("sanctions", "procurement", "positions", "entities", "pair_risk"):
        assert pandas_report["counts"][table] > 0, table


def test_dask_run_report_counts_rows_like_pandas(both_engines: tuple[Path, Path, dict, dict]) -> None:
    _, _, pandas_report, dask_report = both_engines
    assert dask_report["engine"] == "dask"
    for key in ("rows_in", "accepted", "rejected", "rejects_by_reason", "counts", "fingerprint"):
        assert dask_report[key] == pandas_report[key], key
