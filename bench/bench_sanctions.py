"""Throughput of the sanctions tagger alone on ../shared/corpus/news.jsonl.gz, against a bare Aho-Corasick scan.

Sentence splitting and vocabulary loading are outside the timed part; the baseline
is the prefilter automaton alone over the same lower-cased texts, measured in the same run.
Each figure is the best of three runs, in wall-clock and in CPU (process) time: on a
shared machine the CPU figure and the ratio to the baseline are the steadier ones.
``--against REF`` also times the tagger of an earlier commit (extracted from git as in
bench/sanctions_equivalence.py) in the same run, runs interleaved, so a speed-up is measured
under the same load.
Usage: python bench/bench_sanctions.py [--against REF]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
import tracemalloc
import types
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import gazetteer, sentences  # noqa: E402
from analysis.taggers import sanctions  # noqa: E402
from bench.sanctions_equivalence import old_tagger  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"


RUNS = 3


def _best(*runs: Callable[[], object]) -> list[tuple[float, float]]:
    """Fastest wall-clock and CPU (process) time of RUNS runs of each function, the functions taking turns."""
    wall: list[list[float]] = [[] for _ in runs]
    cpu: list[list[float]] = [[] for _ in runs]
    for _ in range(RUNS):
        for i, run in enumerate(runs):
            w, c = time.perf_counter(), time.process_time()
            run()
            wall[i].append(time.perf_counter() - w)
            cpu[i].append(time.process_time() - c)
    return [(min(w), min(c)) for w, c in zip(wall, cpu)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REF", help="also time the tagger of this git commit, same run")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        return 0
    articles = pd.read_json(CORPUS, lines=True, dtype={"article_id": str})
    articles["published"] = pd.to_datetime(articles["published"])
    data = ROOT / "data"
    vocab = types.SimpleNamespace(gazetteer=gazetteer.load(data), sanctions=sanctions.load(data), catalogue=None)
    sents = sentences.split_sentences(articles, sentences.load_splitter(data))
    n = len(articles)

    def baseline() -> None:
        for text in articles["text"]:
            vocab.sanctions.prefilter.find_matches_as_indexes(text.lower())

    runs: list[Callable[[], object]] = [baseline, lambda: sanctions.tag(articles, sents, vocab)]
    tmp = Path(tempfile.mkdtemp())
    try:
        if args.against:
            old, old_data = old_tagger(args.against, tmp)
            old_vocab = types.SimpleNamespace(gazetteer=vocab.gazetteer, sanctions=old.load(old_data), catalogue=None)
            runs.append(lambda: old.tag(articles, sents, old_vocab))
        found = sanctions.tag(articles, sents, vocab)
        timed = _best(*runs)
    finally:
        shutil.rmtree(tmp)
    (base_wall, base_cpu), (tag_wall, tag_cpu) = timed[:2]
    tracemalloc.start()  # a separate, traced run for memory only (tracing slows the code down)
    sanctions.tag(articles, sents, vocab)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"articles: {n}, findings: {len(found)} (best of {RUNS} runs; the machine is shared, so CPU time is "
          f"the steadier figure)")
    print(f"baseline (bare Aho-Corasick scan): {n / base_wall:,.0f} articles/s wall, {n / base_cpu:,.0f} CPU")
    print(f"sanctions tagger: {n / tag_wall:,.0f} articles/s wall ({tag_wall:.2f} s), {n / tag_cpu:,.0f} CPU "
          f"({tag_cpu:.2f} s), {base_cpu / tag_cpu:.2f} of the baseline; peak traced memory {peak / 2**20:.1f} MiB")
    if args.against:
        old_wall, old_cpu = timed[2]
        print(f"tagger at {args.against}: {n / old_wall:,.0f} articles/s wall ({old_wall:.2f} s), {n / old_cpu:,.0f} CPU "
              f"({old_cpu:.2f} s), {base_cpu / old_cpu:.2f} of the baseline; working tree / {args.against}: "
              f"{old_cpu / tag_cpu:.2f}x faster (CPU)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
