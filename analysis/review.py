"""Analyst reviews of findings, kept in a small SQLite file that outlives pipeline runs.

Reviews are keyed by the stable ``finding_id`` (findings.finding_id: same article,
span and values give the same id on every run), so re-running the pipeline
re-attaches every verdict. The file is append-only (history is kept; the latest
verdict per finding wins), written in WAL mode, one transaction per review, so a
crash mid-write loses at most that review and readers never see half a row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

VERDICTS = ("wrong", "correct")
REVIEW_COLUMNS = ("finding_id", "verdict", "comment", "analyst", "reviewed_at")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    review_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id  TEXT NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('wrong', 'correct')),
    comment     TEXT NOT NULL DEFAULT '',
    analyst     TEXT NOT NULL,
    reviewed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_finding ON reviews (finding_id, review_id);
"""


def _connect(path: Path | str) -> sqlite3.Connection:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(_SCHEMA)
    return conn


def record_review(path: Path | str, finding_id: str, verdict: str, comment: str = "",
                  analyst: str = "analyst", reviewed_at: datetime | None = None) -> None:
    """Append one verdict ('wrong' or 'correct') for a finding; the latest verdict wins.

    Raises ValueError for an unknown verdict or an empty finding id, before
    anything is written.
    """
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")
    if not finding_id or not str(finding_id).strip():
        raise ValueError("finding_id is required")
    when = (reviewed_at or datetime.now(timezone.utc)).isoformat()
    conn = _connect(path)
    try:
        with conn:  # one transaction: committed whole or rolled back
            conn.execute(
                "INSERT INTO reviews (finding_id, verdict, comment, analyst, reviewed_at) VALUES (?, ?, ?, ?, ?)",
                (str(finding_id), verdict, comment or "", analyst or "analyst", when),
            )
    finally:
        conn.close()


def load_reviews(path: Path | str, history: bool = False) -> pd.DataFrame:
    """The latest review per finding (or every review with ``history=True``) as a frame.

    A missing file means no reviews yet, not an error, so a fresh install runs.
    """
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in REVIEW_COLUMNS})
    if not Path(path).exists():
        return empty
    conn = _connect(path)
    try:
        query = "SELECT finding_id, verdict, comment, analyst, reviewed_at FROM reviews"
        if not history:
            query += " WHERE review_id IN (SELECT MAX(review_id) FROM reviews GROUP BY finding_id)"
        frame = pd.read_sql_query(query + " ORDER BY review_id", conn)
    finally:
        conn.close()
    if frame.empty:
        return empty
    frame["reviewed_at"] = frame["reviewed_at"].astype(str)
    return frame.astype("string")


def rejected_ids(reviews: pd.DataFrame | None) -> set[str]:
    """Finding ids whose latest verdict is 'wrong' (rows are taken in order; the last one wins)."""
    if reviews is None or reviews.empty:
        return set()
    latest = reviews.drop_duplicates("finding_id", keep="last")
    return set(latest.loc[latest["verdict"] == "wrong", "finding_id"].astype(str))


def drop_rejected(findings: Mapping[str, pd.DataFrame] | pd.DataFrame,
                  reviews: pd.DataFrame | None) -> dict[str, pd.DataFrame] | pd.DataFrame:
    """The same finding frame(s) without the findings an analyst marked wrong."""
    rejected = rejected_ids(reviews)
    if isinstance(findings, pd.DataFrame):
        if not rejected or findings.empty:
            return findings
        return findings[~findings["finding_id"].astype(str).isin(rejected)].reset_index(drop=True)
    return {name: drop_rejected(frame, reviews) for name, frame in findings.items()}
