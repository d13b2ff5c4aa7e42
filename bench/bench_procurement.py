"""Throughput of the procurement tagger alone, against a same-run baseline (a bare catalogue scan).

Usage: python bench/bench_procurement.py [CORPUS.jsonl.gz] [--repeat N]
Sentence splitting and vocabulary loading are done before the clock starts:
the figure is the tagger's own cost, as the pipeline pays it per chunk. The clock is the process's
CPU time (best of --repeat), so a run on a shared, loaded machine still gives comparable figures.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import catalogue, gazetteer  # noqa: E402
from analysis.sentences import load_splitter, split_sentences  # noqa: E402
from analysis.taggers import procurement  # noqa: E402
from analysis.vocab import DATA_DIR  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "news.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raw = pd.read_json(args.corpus, lines=True, dtype={"article_id": str})
    articles = pd.DataFrame({"article_id": raw["article_id"], "text": raw["text"].fillna(""),
                             "published": pd.to_datetime(raw["published"], errors="coerce"), "source": raw["source"]})
    vocab = SimpleNamespace(gazetteer=gazetteer.load(DATA_DIR), catalogue=catalogue.load(DATA_DIR),
                            procurement=procurement.load(DATA_DIR))
    sentences = split_sentences(articles, load_splitter(DATA_DIR))
    n = len(articles)
    best_base = best_tag = float("inf")
    found = 0
    for _ in range(args.repeat):
        t0 = time.process_time()
        for text in articles["text"]:
            vocab.catalogue.find(text)
        best_base = min(best_base, time.process_time() - t0)
        t0 = time.process_time()
        found = len(procurement.tag(articles, sentences, vocab))
        best_tag = min(best_tag, time.process_time() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    chars = int(articles["text"].str.len().sum())
    print(f"corpus: {args.corpus} ({n} articles, {chars / 1e6:.1f} M characters, {len(sentences)} sentences)")
    print(f"baseline catalogue scan: {n / best_base:,.0f} articles per CPU-s ({best_base:.2f} CPU-s)")
    print(f"procurement tagger:      {n / best_tag:,.0f} articles per CPU-s ({best_tag:.2f} CPU-s, {found} findings, "
          f"{best_tag / best_base:.2f}x the scan)")
    print(f"peak memory (process):   {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
