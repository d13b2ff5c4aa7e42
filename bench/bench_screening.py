"""Screening throughput against the full OFAC SDN index, with a same-run normalisation floor.

Run: python bench/bench_screening.py [N_ARTICLES]  (needs ../shared/lists and ../shared/corpus).
Reports mentions/s for (a) the bare normalisation pass (floor), (b) screening every mention
against the full SDN index, all entry types, without any cache, and (c) the tagger's path
(find + screen with the per-call cache) in articles/s; and peak memory.

   or: python bench/bench_screening.py --compare BASE_TREE [--corpus FILE] [--rounds 3]
CPU seconds of ``entities.tag`` (the pipeline's entities stage) over a corpus, this tree against
BASE_TREE (say ``git worktree add /tmp/base HEAD``) in the same run: the articles are ingested and
split into pipeline-sized chunks once, then each tree tags them in a fresh interpreter (cold
screening memo, as in a pipeline run), alternating, ``--rounds`` times; prints the best of each
and the ratio, and whether the two trees' tables are identical.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import resource
import subprocess
import sys
import tempfile
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


_PREPARE = """
import pickle, sys
sys.path.insert(0, {root!r})
from pathlib import Path
from analysis import ingest, settings
from analysis.normalise import normalise
from analysis.pipeline import Resources
from analysis.sentences import split_sentences
resources = Resources.load(Path({root!r}) / "data")
state = ingest.IngestState(max_chars=settings.get_int("max_text_chars"), min_year=settings.get_int("min_year"))
chunks = []
for path in ingest.expand_inputs([{corpus!r}], state):
    for raw in ingest.iter_raw(path, settings.get_int("chunk_size"), ingest.load_column_aliases(resources.vocab.data_dir)):
        articles, _ = normalise(raw, str(path), state)
        chunks.append((articles, split_sentences(articles, resources.splitter)))
pickle.dump(chunks, open({out!r}, "wb"))
"""
_TAG = """
import pickle, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from analysis.vocab import load_vocab
from analysis.taggers import entities
vocab = load_vocab(Path({root!r}) / "data")
chunks = pickle.load(open({chunks!r}, "rb"))
started = time.process_time()
tables = [entities.tag(articles, sentences, vocab) for articles, sentences in chunks]
print(time.process_time() - started)
pickle.dump(tables, open({out!r}, "wb"))
"""


def compare(base: Path, corpus: Path, rounds: int) -> None:
    """This tree's entities stage against ``base``'s, CPU seconds, alternating fresh interpreters."""
    with tempfile.TemporaryDirectory() as tmp:
        chunks = Path(tmp) / "chunks.pkl"
        subprocess.run([sys.executable, "-c", _PREPARE.format(root=str(ROOT), corpus=str(corpus), out=str(chunks))],
                       check=True, cwd=ROOT)
        seconds: dict[str, list[float]] = {"base": [], "new": []}
        for _ in range(rounds):
            for label, root in (("base", base), ("new", ROOT)):
                out = Path(tmp) / f"{label}.pkl"
                code = _TAG.format(root=str(root), chunks=str(chunks), out=str(out))
                done = subprocess.run([sys.executable, "-c", code], check=True, cwd=root, capture_output=True, text=True)
                seconds[label].append(float(done.stdout.split()[-1]))
        tables = {label: pickle.load(open(Path(tmp) / f"{label}.pkl", "rb")) for label in seconds}
    same = len(tables["base"]) == len(tables["new"]) and all(
        a.reset_index(drop=True).equals(b.reset_index(drop=True)) for a, b in zip(tables["base"], tables["new"]))
    rows = sum(len(t) for t in tables["new"])
    best = {label: min(values) for label, values in seconds.items()}
    print(f"{corpus.name}: entities.tag CPU-s, best of {rounds}: base {best['base']:.3f} -> new {best['new']:.3f} "
          f"({best['base'] / best['new']:.2f}x); all runs base {seconds['base']}, new {seconds['new']}")
    print(f"tables identical: {same} ({rows} rows)")


if __name__ == "__main__":
    if "--compare" in sys.argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--compare", type=Path, required=True)
        parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "news.jsonl.gz")
        parser.add_argument("--rounds", type=int, default=3)
        args = parser.parse_args()
        compare(args.compare, args.corpus, args.rounds)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
