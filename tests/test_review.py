"""Analyst reviews persist in SQLite, survive re-runs, and rejected findings drop out."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from analysis import review


def test_review_round_trip_and_latest_verdict_wins(tmp_path):
    db = tmp_path / "sub" / "reviews.sqlite"
    assert review.load_reviews(db).empty  # no file yet: no reviews, not an error
    review.record_review(db, "f1", "wrong", "sender is the EU, not the US", "ana")
    review.record_review(db, "f2", "correct", "", "bo")
    review.record_review(db, "f1", "correct", "rechecked", "ana")
    latest = review.load_reviews(db).set_index("finding_id")
    assert latest.loc["f1", "verdict"] == "correct" and latest.loc["f1", "comment"] == "rechecked"
    assert len(review.load_reviews(db, history=True)) == 3
    assert review.rejected_ids(review.load_reviews(db)) == set()


def test_reviews_survive_another_process_and_use_wal(tmp_path):
    db = tmp_path / "reviews.sqlite"
    code = f"from analysis.review import record_review; record_review({str(db)!r}, 'f9', 'wrong', 'dup', 'cli')"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[1]))
    assert review.rejected_ids(review.load_reviews(db)) == {"f9"}
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_bad_verdict_writes_nothing(tmp_path):
    db = tmp_path / "reviews.sqlite"
    with pytest.raises(ValueError):
        review.record_review(db, "f1", "maybe", "", "ana")
    with pytest.raises(ValueError):
        review.record_review(db, " ", "wrong", "", "ana")
    assert review.load_reviews(db, history=True).empty


def test_drop_rejected_removes_only_wrong_findings(tmp_path):
    db = tmp_path / "reviews.sqlite"
    review.record_review(db, "b", "wrong", "not a sanctions threat", "ana")
    review.record_review(db, "c", "correct", "", "ana")
    found = {"sanctions": pd.DataFrame({"finding_id": ["a", "b", "c"]}), "positions": pd.DataFrame({"finding_id": ["b"]})}
    kept = review.drop_rejected(found, review.load_reviews(db))
    assert kept["sanctions"]["finding_id"].tolist() == ["a", "c"]
    assert kept["positions"].empty
