"""Throughput of the sanctions tagger alone on ../shared/corpus/news.jsonl.gz, against a bare Aho-Corasick scan.

Sentence splitting and vocabulary loading are outside the timed part; the baseline
is the prefilter automaton alone over the same lower-cased texts, measured in the same run.
Each figure is the best of three runs, in wall-clock and in CPU (process) time: on a
shared machine the CPU figure and the ratio to the baseline are the steadier ones.
Usage: python bench/bench_sanctions.py
"""

from __future__ import annotations

import sys
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

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"


RUNS = 3


def _best(run: Callable[[], object]) -> tuple[float, float]:
    """Fastest wall-clock and CPU (process) time of RUNS runs."""
    wall, cpu = [], []
    for _ in range(RUNS):
        w, c = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main() -> int:
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

    found = sanctions.tag(articles, sents, vocab)
    base_wall, base_cpu = _best(baseline)
    tag_wall, tag_cpu = _best(lambda: sanctions.tag(articles, sents, vocab))
    tracemalloc.start()  # a separate, traced run for memory only (tracing slows the code down)
    sanctions.tag(articles, sents, vocab)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"articles: {n}, findings: {len(found)} (best of {RUNS} runs; the machine is shared, so CPU time is "
          f"the steadier figure)")
    print(f"baseline (bare Aho-Corasick scan): {n / base_wall:,.0f} articles/s wall, {n / base_cpu:,.0f} CPU")
    print(f"sanctions tagger: {n / tag_wall:,.0f} articles/s wall ({tag_wall:.2f} s), {n / tag_cpu:,.0f} CPU "
          f"({tag_cpu:.2f} s), {base_cpu / tag_cpu:.2f} of the baseline; peak traced memory {peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
