"""Throughput of ingest + sentence splitting, against a bare gzip+JSON read of the same file.

Usage: python bench/bench_ingest.py [FILE ...] (default ../shared/corpus/news.jsonl.gz)
Prints articles/s and MB/s per stage, the ratio to the floor, CPU seconds per stage and peak RSS.
Stages are clocked in CPU time (``time.process_time``): on a shared machine wall time mostly
measures the other jobs. To compare two code trees, run each tree's copy of this script in turn.
"""

from __future__ import annotations

import gzip
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import ingest  # noqa: E402
from analysis.normalise import normalise  # noqa: E402
from analysis.sentences import load_splitter, split_sentences  # noqa: E402


def floor(paths: list[Path]) -> tuple[int, float]:
    started = time.perf_counter()
    n = 0
    for path in paths:
        with gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb") as handle:
            for line in handle:
                json.loads(line)
                n += 1
    return n, time.perf_counter() - started


def pipeline_front(paths: list[Path]) -> dict[str, float]:
    state = ingest.IngestState()
    aliases = ingest.load_column_aliases()
    splitter = load_splitter()
    seconds = {"ingest": 0.0, "sentences": 0.0}
    n = n_sentences = chars = 0
    for path in paths:
        raw_iter = ingest.iter_raw(path, 2000, aliases)
        while True:
            raw = next(raw_iter, None)
            if raw is None:
                break
            tick = time.process_time()
            articles, _ = normalise(raw, str(path), state)
            mid = time.process_time()
            frame = split_sentences(articles, splitter)
            seconds["ingest"] += mid - tick
            seconds["sentences"] += time.process_time() - mid
            n += len(articles)
            n_sentences += len(frame)
            chars += int(articles["text"].str.len().sum())
    return {"articles": n, "n_sentences": n_sentences, "mb": chars / 1e6, **seconds}


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or [ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"]
    if not all(p.exists() for p in paths):
        sys.exit(f"input not found: {paths}")
    n_floor, t_floor = floor(paths)  # wall clock: the floor and the rates below are comparable only on an idle machine
    result = pipeline_front(paths)
    total = result["ingest"] + result["sentences"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"floor (gzip + json.loads): {n_floor / t_floor:,.0f} articles/s")
    print(f"normalise (not the read):  {result['articles'] / result['ingest']:,.0f} articles/s")
    print(f"sentence split:            {result['articles'] / result['sentences']:,.0f} articles/s "
          f"({result['n_sentences'] / result['articles']:.1f} sentences/article)")
    print(f"ingest + sentences:        {result['articles'] / total:,.0f} articles/s, {result['mb'] / total:.1f} MB/s; "
          f"{total / t_floor:.1f}x the floor")
    print(f"CPU seconds: normalise {result['ingest']:.3f}, sentences {result['sentences']:.3f}")
    print(f"peak RSS: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
