"""Crash safety beyond tests/test_pipeline.py (killed run) and tests/test_store.py (run lock):
the review database survives a process killed mid-write, and a pipeline commit interrupted half-way."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analysis import review, store
from tests.views.fixture_tables import write_dataset

ROOT = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent("""
    import sys
    from analysis import review
    path = sys.argv[1]
    i = 0
    while True:
        review.record_review(path, f"f{i:06d}", "wrong" if i % 2 else "correct", "c" * (i % 500), "bot")
        print(i, flush=True)   # acknowledged only after the transaction committed
        i += 1
""")


@pytest.mark.parametrize("after", [1, 40, 300])
def test_review_db_survives_kill_mid_write(tmp_path: Path, after: int) -> None:
    db = tmp_path / "reviews.sqlite"
    review.record_review(db, "before", "wrong", "kept", "analyst")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    acknowledged = -1
    deadline = time.monotonic() + 60
    while acknowledged < after and time.monotonic() < deadline:
        acknowledged = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)  # almost surely inside a transaction: the writer never pauses
    proc.wait()
    proc.stdout.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = review.load_reviews(db, history=True)
    ids = list(rows["finding_id"])
    assert ids[0] == "before"
    written = ids[1:]
    assert written == [f"f{i:06d}" for i in range(len(written))]  # no gaps, no half rows, in order
    assert len(written) >= acknowledged + 1  # every acknowledged review is there
    review.record_review(db, "after", "correct")  # and the file still takes writes
    assert review.load_reviews(db)["finding_id"].iloc[-1] == "after"


COMMIT_CRASH = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from analysis import schemas, store
    from tests.views import fixture_tables
    real, calls, die_at = os.replace, [0], int(sys.argv[2])
    def dying_replace(src, dst):
        calls[0] += 1
        if calls[0] == die_at:
            os._exit(9)   # power cut at this rename
        real(src, dst)
    os.replace = dying_replace
    tables = fixture_tables.tables()
    tables["articles"] = tables["articles"].head(1)
    tables["sanctions"] = tables["sanctions"].head(1)
    staged = store.StagedTables(Path(sys.argv[1]))
    for name, frame in tables.items():
        staged.write(name, frame)
    staged.commit(tuple(schemas.TABLES), {"inputs": ["second"], "rows_in": 1})
""")


@pytest.mark.parametrize("die_at", [1, 2, 3, 50])
def test_crash_inside_commit_shows_old_or_new_tables_never_a_mix(tmp_path: Path, die_at: int) -> None:
    out = write_dataset(tmp_path / "out")
    tables = ("articles", "rejects", "sanctions")
    before = {t: len(store.read_table(out, t)) for t in tables}
    run_before = (out / "run.json").read_text()
    done = subprocess.run([sys.executable, "-c", COMMIT_CRASH, str(out), str(die_at)], cwd=ROOT,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode in (0, 9), done.stderr
    after = {t: len(store.read_table(out, t)) for t in tables}
    if (out / "run.json").read_text() == run_before:
        assert after == before  # crashed before the switch: every old table
    else:
        assert after["articles"] == 1 and after["sanctions"] == 1  # switched: every new table
    store.StagedTables(out).abort()  # the next run discards the dead generation
    assert len(list(out.glob(store.GENERATION_PREFIX + "*"))) == 1
