"""The command line as a user runs it: exit codes, one-line errors, tables on the sample corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import pipeline, schemas, store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_missing_input_is_one_line_error_with_status_2(tmp_path: Path) -> None:
    result = cli("run", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: input not found: {tmp_path / 'nope.jsonl'}"
    assert "Traceback" not in result.stderr


def test_unsupported_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.docx").write_bytes(b"PK")
    result = cli("run", str(tmp_path / "a.docx"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2 and "unsupported input format" in result.stderr


def test_run_on_the_sample_corpus_writes_all_tables(tmp_path: Path) -> None:
    if not any(SAMPLE.glob("articles*.jsonl")):
        pytest.skip("sample corpus not present")
    out = tmp_path / "out"
    result = cli("run", str(SAMPLE), "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["rows_in"] == run["accepted"] + run["rejected"] >= 150
    assert str(SAMPLE / "gold.jsonl") in run["skipped_files"]
    for table in pipeline.ALL_TABLES:
        assert list(store.read_table(out, table).columns) == list(schemas.TABLES[table])
    counts = run["counts"]
    assert counts["sanctions"] > 50 and counts["procurement"] > 50 and counts["positions"] > 30
    assert counts["pair_risk"] > 0
    assert "wrote" in result.stderr


def test_evaluate_on_the_seed_prints_scores(seed_dir: Path, shared_dir: Path) -> None:
    result = cli("evaluate", "--gold", str(shared_dir / "eval" / "seed.jsonl"), "--corpus", str(seed_dir), "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["articles"] == 1
    assert set(payload["tables"]) == {"sanctions", "sanctions+regime", "procurement", "positions"}
    assert payload["tables"]["sanctions"]["f1"] == 1.0
    assert payload["exposed_accuracy"] == 1.0
