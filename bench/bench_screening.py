"""Screening throughput against the full OFAC SDN index, with a same-run normalisation floor.

Run: python bench/bench_screening.py [N_ARTICLES]  (needs ../shared/lists and ../shared/corpus).
Reports mentions/s for (a) the bare normalisation pass (floor), (b) screening every mention
against the full SDN index, all entry types, without any cache, and (c) the tagger's path
(find + screen with the per-call cache) in articles/s; and peak memory.
"""

from __future__ import annotations

import gzip
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import lists, screening  # noqa: E402
from analysis.taggers import entities  # noqa: E402

SHARED = ROOT.parent / "shared"


def main(n_articles: int = 2000) -> None:
    rules = screening.load_rules(ROOT / "data")
    index, _, _ = lists.build([SHARED / "lists" / "ofac" / "sdn.csv"], {"*": "2024-05-03"}, lists.country_codes())
    all_types = screening.Rules(**{**rules.__dict__, "types": frozenset(index["entity_type"])})
    started = time.perf_counter()
    screener = screening.build_screener(index, all_types)
    build_s = time.perf_counter() - started
    org = entities.load(ROOT / "data")
    texts = []
    with gzip.open(SHARED / "corpus" / "news.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            texts.append(json.loads(line).get("text") or "")
            if len(texts) >= n_articles:
                break
    names = [n for text in texts for m in entities.find_mentions(text, org) for n in m.names]
    started = time.perf_counter()
    for name in names:
        screening.normalise(name, all_types)
    floor_s = time.perf_counter() - started
    started = time.perf_counter()
    hits = sum(1 for name in names if screener.screen(name))
    screen_s = time.perf_counter() - started
    started = time.perf_counter()
    cache: dict = {}
    for text in texts:
        entities.screen_mentions(entities.find_mentions(text, org), org.screener, cache)
    tag_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"SDN index: {len(screener.names)} names screened (all types), built in {build_s:.2f} s")
    print(f"mention names: {len(names)} from {len(texts)} articles; {hits} with a match above threshold")
    print(f"normalisation floor: {len(names) / floor_s:,.0f} names/s")
    print(f"screening, no cache: {len(names) / screen_s:,.0f} mentions/s ({screen_s / floor_s:.1f}x the floor)")
    print(f"tagger path (find + screen, bundled index, cached): {len(texts) / tag_s:,.0f} articles/s")
    print(f"peak memory: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
