"""The chunked runner end to end: every table written and typed, incremental re-runs, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis import pipeline, schemas, store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"

ARTICLES = [
    {"id": "n1", "date": "2018-10-05", "title": "Deal signed",
     "text": "India signed a $5.43 billion contract with Russia for five S-400 regiments on Friday. "
             "The US has warned that India could face sanctions under CAATSA for the purchase."},
    {"id": "n2", "date": "2020-12-14", "title": "Sanctions on SSB",
     "text": "The United States imposed sanctions on Turkey's defence procurement agency SSB over the S-400."},
    {"id": "n3", "date": "2021-03-01", "title": "Football", "text": "The league sanctioned the club for fan violence."},
    {"id": "bad", "date": "someday", "text": "No usable date here."},
]


@pytest.fixture(scope="module")
def resources() -> pipeline.Resources:
    return pipeline.Resources.load()


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_run_writes_every_table_with_its_schema(tmp_path: Path, resources: pipeline.Resources) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    report = pipeline.run([src], tmp_path / "out", chunk_size=2, resources=resources)
    assert report["rows_in"] == 4 and report["accepted"] == 3 and report["rejected"] == 1
    assert report["rejects_by_reason"] == {"unparseable_date": 1}
    for table in pipeline.ALL_TABLES:
        frame = store.read_table(tmp_path / "out", table)
        assert list(frame.columns) == list(schemas.TABLES[table]), table
    sanctions = store.read_table(tmp_path / "out", "sanctions")
    assert {"IND", "TUR"} <= set(sanctions["target"].dropna())
    articles = store.read_table(tmp_path / "out", "articles").set_index("article_id")
    assert bool(articles.loc["n1", "exposed"]) and not bool(articles.loc["n3", "exposed"])
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert set(run["timings_s"]) >= {"ingest", "sentences", "sanctions", "procurement", "positions", "entities"}
    assert run["counts"]["articles"] == 3 and "pandas" in run["versions"]


def test_every_finding_span_reproduces_its_evidence(tmp_path: Path, resources: pipeline.Resources) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    pipeline.run([src], tmp_path / "out", resources=resources)
    texts = store.read_table(tmp_path / "out", "articles").set_index("article_id")["text"]
    for table in schemas.FINDING_TABLES:
        for row in store.read_table(tmp_path / "out", table).itertuples():
            text = texts[row.article_id]
            assert 0 <= row.char_start < row.char_end <= len(text)
            assert text[row.char_start:row.char_end] in text
            assert row.rule and row.evidence in text


def test_rerun_reuses_unchanged_articles_and_retags_changed_ones(tmp_path: Path, resources: pipeline.Resources) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    out = tmp_path / "out"
    first = pipeline.run([src], out, resources=resources)
    before = store.read_table(out, "sanctions").sort_values("finding_id").reset_index(drop=True)
    second = pipeline.run([src], out, resources=resources)
    assert first["unchanged_reused"] == 0 and second["unchanged_reused"] == 3
    after = store.read_table(out, "sanctions").sort_values("finding_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    changed = [dict(ARTICLES[0], text="Nothing about arms any more."), *ARTICLES[1:]]
    third = pipeline.run([write_jsonl(src, changed)], out, resources=resources)
    assert third["unchanged_reused"] == 2
    assert "n1" not in set(store.read_table(out, "sanctions")["article_id"])
    assert len(store.read_table(out, "articles")) == 3


def synthetic_corpus(path: Path, n: int) -> Path:
    rows = [dict(a, id=f"{a['id']}-{i}", text=f"{a['text']} Report number {i}.") for i in range(n) for a in ARTICLES[:3]]
    return write_jsonl(path, rows)


def test_killed_run_leaves_previous_tables_and_next_run_completes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = write_jsonl(tmp_path / "small.jsonl", ARTICLES)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "analysis", "run", "--quiet", "--out", str(out)]
    subprocess.run([*cmd, str(small)], check=True, env=env, cwd=ROOT, capture_output=True)
    before = (out / "run.json").read_text()
    articles_before = store.read_table(out, "articles")
    big = synthetic_corpus(tmp_path / "big.jsonl", 3000)
    proc = subprocess.Popen([*cmd, "--chunk-size", "200", str(big)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    current = (out / store.CURRENT).readlink().name
    while time.time() < deadline and not any(
            g.parent.name != current for g in out.glob(store.GENERATION_PREFIX + "*/articles.parquet")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / "run.json").read_text() == before
    pd.testing.assert_frame_equal(store.read_table(out, "articles"), articles_before)
    done = subprocess.run([*cmd, str(small)], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "run.json").read_text())["rows_in"] == 4


def test_two_forked_workers_write_the_same_tables_as_one_process(tmp_path: Path,
                                                                 resources: pipeline.Resources) -> None:
    """Workers inherit the parent's vocabularies by fork; spreading chunks over them must change no cell."""
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        pipeline.run([SAMPLE], out, chunk_size=40, resources=resources, workers=workers, incremental=False)
        runs[workers] = {t: store.read_table(out, t) for t in pipeline.ALL_TABLES}
    for table in pipeline.ALL_TABLES:
        one, two = (runs[w][table].astype(str).sort_values(list(runs[w][table].columns)).reset_index(drop=True)
                    for w in (1, 2))
        pd.testing.assert_frame_equal(one, two, obj=table)
    assert len(runs[2]["articles"]) == 182 and len(runs[2]["sanctions"]) > 0


def test_scoring_a_few_countries_at_a_time_writes_the_same_files(tmp_path: Path, resources: pipeline.Resources,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The cross-article step scores a batch of countries at a time to bound memory: the batch size
    must change no row, no row order and no row group of the cross-article tables."""
    import pyarrow.parquet as pq

    from analysis import crossarticle

    real, seen = crossarticle.country_batches, []
    monkeypatch.setattr(crossarticle, "country_batches", lambda found, budget: seen.append(real(found, budget)) or seen[-1])
    runs = {}
    for budget in (crossarticle.BATCH_FINDINGS, 25):
        monkeypatch.setattr(crossarticle, "BATCH_FINDINGS", budget)
        out = tmp_path / f"b{budget}"
        pipeline.run([SAMPLE], out, chunk_size=40, resources=resources, incremental=False)
        runs[budget] = {t: pq.ParquetFile(out / f"{t}.parquet") for t in ("deals", "pair_risk", "alerts", "pair_events")}
    assert len(seen[0]) == 1 and len(seen[1]) > 5
    for table, whole in runs[crossarticle.BATCH_FINDINGS].items():
        small = runs[25][table]
        assert small.metadata.num_row_groups == whole.metadata.num_row_groups, table
        assert small.read().equals(whole.read()) and whole.metadata.num_rows > 0, table


def test_every_stage_clock_reads_the_pipeline_modules_time(tmp_path: Path, resources: pipeline.Resources,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/throughput.py points ``pipeline.time`` at CPU time: every stage, wherever its code lives, must
    start and stop on that one clock, or a stage's figure mixes two clocks. A clock that ticks by one
    second per reading must give whole-second stage timings."""
    import types

    ticks = iter(range(10**6))
    monkeypatch.setattr(pipeline, "time", types.SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    report = pipeline.run([write_jsonl(tmp_path / "in.jsonl", ARTICLES)], tmp_path / "out", resources=resources)
    stages = report["timings_s"]
    assert {"ingest", "sentences", "sanctions", "exposure", "signatures", "write", "dedupe", "alerts"} <= set(stages)
    assert all(value >= 1 and value == int(value) for value in stages.values()), stages
