"""Throughput of the positions tagger alone on a JSONL.gz corpus, against a same-run floor.

The floor is a bare scan of every article for quote marks and speech verbs
(one compiled regex), the least any attribution tagger must do; the tagger's
figure is read against it because this machine's speed varies run to run.
Usage: python bench/bench_positions.py [CORPUS.jsonl.gz] [--repeat N] [--runs N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import ahocorasick_rs
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import gazetteer, sentences  # noqa: E402
from analysis.taggers import positions  # noqa: E402
from analysis.vocab import DATA_DIR, read_csv_rows  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "news.jsonl.gz"


def _articles(path: Path, repeat: int) -> pd.DataFrame:
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            rows.append({"article_id": record["article_id"], "published": record["published"],
                         "text": record["text"], "title": record.get("title")})
    frame = pd.DataFrame(rows * repeat)
    frame["article_id"] = [f"{a}#{i // len(rows)}" for i, a in enumerate(frame["article_id"])]
    frame["published"] = pd.to_datetime(frame["published"])
    return frame


def _baseline(texts: list[str]) -> int:
    """Count quote marks and speech-verb forms with one Aho-Corasick automaton over lower-cased text."""
    forms = [f for r in read_csv_rows(DATA_DIR / "rules" / "speech_verbs.csv", ["forms"]) for f in r["forms"].split("|")]
    scan = ahocorasick_rs.AhoCorasick(['"', "“", "”", *forms], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    return sum(len(scan.find_matches_as_indexes(text.lower())) for text in texts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    articles = _articles(args.corpus, args.repeat)
    vocab = SimpleNamespace(gazetteer=gazetteer.load(DATA_DIR), positions=positions.load(DATA_DIR))
    frame = sentences.split_sentences(articles, sentences.load_splitter(DATA_DIR))
    n = len(articles)

    texts = articles["text"].tolist()
    base_wall, base_cpu, hits = _best(lambda: _baseline(texts), args.runs)
    took_wall, took_cpu, found = _best(lambda: positions.tag(articles, frame, vocab), args.runs)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles: {n}  ({args.corpus.name} x{args.repeat}), best of {args.runs} runs")
    print(f"baseline scan (quotes + speech verbs): wall {n / base_wall:,.0f} articles/s, "
          f"CPU {n / base_cpu:,.0f} articles/s  ({hits} hits)")
    print(f"positions.tag: wall {n / took_wall:,.0f} articles/s, CPU {n / took_cpu:,.0f} articles/s  "
          f"({len(found)} positions)")
    print(f"tagger / baseline (CPU): {base_cpu / took_cpu:.2f}")
    print(f"peak memory (process max RSS): {peak_mb:,.0f} MB")


def _best(run, runs: int) -> tuple[float, float, object]:
    """Best wall and best CPU seconds over ``runs`` runs (the machine is shared; CPU time is steadier)."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


if __name__ == "__main__":
    main()
