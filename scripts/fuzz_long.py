"""Long fuzz run: ≥ 10,000 generated files per reader, with examples, failures and time per reader.

Same strategies and checks as ``tests/test_fuzz.py`` (no second copy to drift), run
outside pytest: one job per reader and strategy in a small pool of worker processes
(``--workers``, default 2), each job one Hypothesis run in a warm interpreter, so the
per-example cost is the reader's own work plus Hypothesis' generation, not pytest's
or a process start. A failing example is counted and the next one is tried (a
pytest run stops at the first), and the first few are kept as reproducers.

    nice -n 10 python scripts/fuzz_long.py --json fuzz.json           # all readers, about 15 min on 2 idle cores
    python scripts/fuzz_long.py --examples 200 --readers csv,parquet  # a quick look
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("records", "bytes", "tagging")


def run_job(job: tuple[str, str, int, int]) -> dict[str, Any]:
    """One Hypothesis run of ``n`` examples of one strategy against one reader (or the taggers)."""
    kind, fmt, n, progress_every = job
    sys.path.insert(0, str(ROOT))
    from hypothesis import HealthCheck, given, settings, strategies as st

    from tests import test_fuzz as tf

    strategy = {"records": tf.records, "bytes": st.binary(max_size=400), "tagging": tf.tag_inputs}[kind]
    counts: dict[str, Any] = {"examples": 0, "failures": 0, "samples": []}

    def check(value: Any) -> None:
        if kind == "records":
            tf.check_records(fmt, value)
        elif kind == "bytes":
            tf.check_bytes(fmt, value)
        else:
            tf.check_tagging(value)

    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(value=strategy)
    def body(value: Any) -> None:
        counts["examples"] += 1
        if counts["examples"] % progress_every == 0:  # partial figures survive a run stopped early
            print(json.dumps({"reader": fmt, "kind": kind, "examples": counts["examples"],
                              "failures": counts["failures"], "wall_s": round(time.perf_counter() - started, 1)}),
                  flush=True)
        try:
            check(value)
        except Exception as exc:  # counted, not raised: a run reports every failure, not the first
            counts["failures"] += 1
            if len(counts["samples"]) < 3:
                counts["samples"].append(f"{type(exc).__name__}: {str(exc)[:200]} | input {value!r:.600}")

    tf.WORK.mkdir(parents=True, exist_ok=True)  # a pool worker may run several jobs; each removes it at the end
    tf.aliases()  # load the shared vocabularies before the clock starts
    if kind == "tagging":
        tf.resources()
    started, cpu = time.perf_counter(), time.process_time()
    body()
    wall = time.perf_counter() - started
    shutil.rmtree(tf.WORK, ignore_errors=True)
    return {"reader": fmt, "kind": kind, **counts, "wall_s": round(wall, 1),
            "cpu_s": round(time.process_time() - cpu, 1),
            "ms_per_example": round(1000 * wall / max(counts["examples"], 1), 1)}


def jobs(args: argparse.Namespace, formats: tuple[str, ...]) -> list[tuple[str, str, int, int]]:
    """Longest first, so two workers finish together."""
    chosen = [f for f in args.readers.split(",") if f] if args.readers else list(formats)
    unknown = sorted(set(chosen) - set(formats))
    if unknown:
        raise SystemExit(f"unknown reader(s) {', '.join(unknown)}; known: {', '.join(formats)}")
    todo = [("records", f, args.examples, args.progress) for f in chosen]
    todo += [("bytes", f, args.bytes_examples, args.progress) for f in chosen]
    todo.append(("tagging", "taggers", args.tagger_examples, args.progress))
    return [j for j in todo if j[2] > 0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="generated record files per reader")
    parser.add_argument("--bytes-examples", type=int, default=2_000, help="random-byte files per reader")
    parser.add_argument("--tagger-examples", type=int, default=1_000, help="tagger chunks of arbitrary text")
    parser.add_argument("--readers", help="comma-separated subset of the readers (default: all)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (the machine has 2 cores)")
    parser.add_argument("--progress", type=int, default=1_000, help="print a job's counts every N examples")
    parser.add_argument("--json", type=Path, help="also write the per-job figures here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.test_fuzz import FORMATS

    todo = jobs(args, FORMATS)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the pool below terminates its workers too
    started = time.perf_counter()
    results = []
    with multiprocessing.get_context("spawn").Pool(max(1, min(args.workers, len(todo)))) as pool:
        for result in pool.imap_unordered(run_job, todo):
            results.append(result)
            print(json.dumps({k: v for k, v in result.items() if k != "samples"}),
                  *(f"  failure: {s}" for s in result["samples"]), sep="\n", flush=True)
    summary = {"jobs": sorted(results, key=lambda r: (r["kind"], r["reader"])), "workers": args.workers,
               "wall_s": round(time.perf_counter() - started, 1), "cpus": os.cpu_count(),
               "failures": sum(r["failures"] for r in results)}
    print(f"{len(results)} jobs, {sum(r['examples'] for r in results):,} examples, "
          f"{summary['failures']} failures, {summary['wall_s']} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
