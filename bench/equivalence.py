"""Check a speed change left every output table unchanged: run two code trees, compare cell by cell.

A speed change must not move a single finding. This runs ``analysis.pipeline.run`` from two
source trees (say ``git archive HEAD`` unpacked in /tmp/base, and the working tree) on the
same inputs, then compares every table of the run, rows sorted by all columns, and
reports the first differences. The review database is pointed at an empty path so
analyst reviews cannot make the runs differ.

Usage: python bench/equivalence.py BASE_TREE NEW_TREE --input FILE_OR_DIR ... [--workers 2]
       [--chunk-size 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

TABLES = ("articles", "rejects", "sanctions", "procurement", "positions", "entities", "deals",
          "pair_risk", "alerts", "pair_events")
_CHILD = """
import sys
sys.path.insert(0, {root!r})
from analysis import pipeline
pipeline.run({inputs!r}, {out!r}, incremental=False, workers={workers}, chunk_size={chunk})
"""


def run_tree(root: Path, inputs: list[str], out: Path, workers: int, chunk: int, review_db: Path) -> None:
    """The pipeline of the tree at ``root`` in a fresh interpreter (its own imports, its own data/)."""
    env = {**os.environ, "SRA_REVIEW_DB": str(review_db), "SRA_DATA_DIR": str(root / "data")}
    code = _CHILD.format(root=str(root), inputs=inputs, out=str(out), workers=workers, chunk=chunk)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=root)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order, list cells as tuples, so equal tables compare equal whatever their write order."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: tuple(v) if hasattr(v, "__len__") and not isinstance(v, str) else v)
    keys = [str(c) for c in frame.columns]
    text = frame.astype(str)
    order = text.sort_values(keys, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def compare(base: Path, new: Path) -> list[str]:
    """Differences between two run folders, table by table; empty when they are identical."""
    problems = []
    for table in TABLES:
        paths = base / f"{table}.parquet", new / f"{table}.parquet"
        if not all(p.exists() for p in paths):
            if any(p.exists() for p in paths):
                problems.append(f"{table}: present in one run only")
            continue
        left, right = (_canonical(pd.read_parquet(p)) for p in paths)
        if list(left.columns) != list(right.columns) or len(left) != len(right):
            problems.append(f"{table}: columns/rows differ ({left.shape} vs {right.shape})")
            continue
        try:
            pd.testing.assert_frame_equal(left, right, check_dtype=True, check_exact=True)
        except AssertionError as error:
            problems.append(f"{table}: {str(error)[:400]}")
        else:
            print(f"  {table}: {len(left):,} rows identical")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--input", nargs="+", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--keep", type=Path, default=None, help="write the two runs here (else a temporary folder)")
    args = parser.parse_args(argv)
    inputs = [str(Path(p).resolve()) for p in args.input]
    with tempfile.TemporaryDirectory(prefix="equivalence-") as tmp:
        work = args.keep or Path(tmp)
        outs = []
        for name, root in (("base", args.base), ("new", args.new)):
            out = work / name
            if name == "new" or not (out / "run.json").exists():  # a kept base run is re-used
                shutil.rmtree(out, ignore_errors=True)
                run_tree(root.resolve(), inputs, out, args.workers, args.chunk_size, work / "no-reviews.sqlite")
            outs.append(out)
        problems = compare(*outs)
    for problem in problems:
        print("DIFFERENT", problem)
    print("identical" if not problems else f"{len(problems)} table(s) differ")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
