"""Peak memory and CPU of the cross-article step alone, for two code trees, on a run's staged findings.

The cross-article step (``pipeline.post_process``: deals, pair risk, alerts, pair events) is
where a large run peaks. Re-tagging a million articles to measure it takes half an hour; this
re-runs only that step of each tree on the finding tables of a finished run (optionally its
first N articles), with the near-duplicate clusters computed once and handed to both trees,
samples each process's RSS every 20 ms, and then checks the four tables are identical row by
row in file order, with the same number of row groups.

Usage: python bench/bench_crossarticle.py BASE_TREE NEW_TREE --run OUT_DIR [--limit N] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TABLES = ("sanctions", "procurement", "positions", "entities")
OUTPUTS = ("deals", "pair_risk", "alerts", "pair_events")
_CHILD = """
import json, os, resource, sys, threading, time
sys.path.insert(0, {root!r})
import pyarrow.parquet as pq
from pathlib import Path
from analysis import pipeline, store

def rss():
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) << 10 for line in handle if line.startswith("VmRSS"))

peak, done = [0], []
def sample():
    while not done:
        peak[0] = max(peak[0], rss())
        time.sleep(0.02)
clusters = pq.read_table({clusters!r}).to_pandas()
pipeline._clusters = lambda staged, workers, signed=None: clusters
staged = store.StagedTables(Path({out!r}))
for table in ("articles", "sanctions", "procurement", "positions", "entities"):
    os.link(os.path.join({inputs!r}, table + ".parquet"), staged.path(table))
start = rss()
threading.Thread(target=sample, daemon=True).start()
time.perf_counter = time.process_time  # stage clock in CPU seconds
timings = pipeline.Timings()
cpu = time.process_time()
pipeline.post_process(staged, timings)
cpu = time.process_time() - cpu
done.append(1)
staged.commit(("deals", "pair_risk", "alerts", "pair_events"), {{}})
print(json.dumps({{"rss_start_mb": start >> 20, "peak_mb": max(peak[0], rss()) >> 20, "cpu_s": round(cpu, 2),
                  "stages_cpu_s": {{k: round(v, 2) for k, v in timings.seconds.items()}}}}))
"""


def prepare(run: Path, limit: int | None, work: Path) -> tuple[Path, Path]:
    """The run's articles (first ``limit``) and their findings, and their clusters (computed once)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from analysis import dedupe, minhash

    inputs = work / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    articles = pq.read_table(run / "articles.parquet")
    if limit:
        articles = articles.slice(0, limit)
    pq.write_table(articles, inputs / "articles.parquet", row_group_size=2000)
    ids = articles.column("article_id").combine_chunks()
    for table in TABLES:
        found = pq.read_table(run / f"{table}.parquet")
        pq.write_table(found.filter(pc.is_in(found.column("article_id"), value_set=ids)), inputs / f"{table}.parquet")
    del articles
    path = inputs / "articles.parquet"
    parts = [minhash.file_signatures(path, g) for g in range(pq.ParquetFile(path).num_row_groups)]
    keys = pa.Table.from_pandas(dedupe.cluster_signatures(
        __import__("pandas").concat([k for k, _ in parts], ignore_index=True),
        __import__("numpy").concatenate([s for _, s in parts])), preserve_index=False)
    pq.write_table(keys, work / "clusters.parquet")
    return inputs, work / "clusters.parquet"


def measure(root: Path, inputs: Path, clusters: Path, out: Path) -> dict:
    code = _CHILD.format(root=str(root), clusters=str(clusters), out=str(out), inputs=str(inputs))
    env = {**os.environ, "SRA_REVIEW_DB": str(out.parent / "no-reviews.sqlite"), "SRA_DATA_DIR": str(root / "data")}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _slices(path: Path, size: int = 500_000):
    """A table's rows in slices of exactly ``size`` (the last shorter), whatever its row groups."""
    held: list[pa.RecordBatch] = []
    count = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=size):
        held.append(batch)
        count += batch.num_rows
        while count >= size:
            table = pa.Table.from_batches(held).combine_chunks()
            yield table.slice(0, size)
            held, count = table.slice(size).to_batches(), table.num_rows - size
    if count:
        yield pa.Table.from_batches(held).combine_chunks()


def same(base: Path, new: Path) -> list[str]:
    """Differences between the two outputs, table by table (empty when identical)."""
    problems = []
    for table in OUTPUTS:
        left, right = pq.ParquetFile(base / f"{table}.parquet"), pq.ParquetFile(new / f"{table}.parquet")
        if not left.schema_arrow.equals(right.schema_arrow) or left.metadata.num_rows != right.metadata.num_rows:
            problems.append(f"{table}: schema or row count differs")
        elif left.metadata.num_row_groups != right.metadata.num_row_groups:
            problems.append(f"{table}: {left.metadata.num_row_groups} vs {right.metadata.num_row_groups} row groups")
        elif not all(a.equals(b) for a, b in zip(_slices(base / f"{table}.parquet"), _slices(new / f"{table}.parquet"))):
            problems.append(f"{table}: rows differ")
        else:
            print(f"  {table}: {left.metadata.num_rows:,} rows identical in order, {left.metadata.num_row_groups} row groups")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--run", type=Path, required=True, help="a finished run's output folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles and their findings")
    parser.add_argument("--work", type=Path, default=None, help="keep inputs and outputs here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crossarticle-") as tmp:
        work = args.work or Path(tmp)
        inputs, clusters = prepare(args.run.resolve(), args.limit, work)
        for name, root in (("base", args.base), ("new", args.new)):
            print(name, json.dumps(measure(root.resolve(), inputs, clusters, work / name)))
        problems = same(work / "base", work / "new")
    for problem in problems:
        print("DIFFERENT", problem)
    print("identical" if not problems else f"{len(problems)} table(s) differ")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
