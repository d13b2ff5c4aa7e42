"""Throughput of the sanctions tagger alone on ../shared/corpus/news.jsonl.gz, against a bare Aho-Corasick scan.

Sentence splitting and vocabulary loading are outside the timed part; the baseline
is the prefilter automaton alone over the same lower-cased texts, measured in the same run.
Usage: python bench/bench_sanctions.py
"""

from __future__ import annotations

import sys
import time
import tracemalloc
import types
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import gazetteer, sentences  # noqa: E402
from analysis.taggers import sanctions  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"


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

    start = time.perf_counter()
    for text in articles["text"]:
        vocab.sanctions.prefilter.find_matches_as_indexes(text.lower())
    base = time.perf_counter() - start

    start = time.perf_counter()
    found = sanctions.tag(articles, sents, vocab)
    elapsed = time.perf_counter() - start
    tracemalloc.start()  # a second, traced run for memory only (tracing slows the code down)
    sanctions.tag(articles, sents, vocab)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"articles: {n}, findings: {len(found)}")
    print(f"baseline (bare Aho-Corasick scan): {n / base:,.0f} articles/s")
    print(f"sanctions tagger: {n / elapsed:,.0f} articles/s ({elapsed:.2f} s), peak traced memory {peak / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
