"""Throughput of the positions tagger alone on a JSONL.gz corpus, against a same-run floor.

The floor is a bare scan of every article for quote marks and speech verbs
(one Aho-Corasick automaton), the least any attribution tagger must do; the tagger's
figure is read against it because this machine's speed varies run to run.
``--against REF`` also times, in the same run with the runs taking turns, the working tree with
the files of ``--swap`` taken from ``REF`` (as bench/positions_equivalence.py builds it), so a
speed change is measured under the same load as its reference. REF is a commit (default swap:
the attribution modules and stance_lexicon.py) or a directory holding a whole older tree, e.g. a
``git worktree`` (default swap: every positions, stance and attribution module). The modules
import one another, so one swapped file runs with the working tree's other modules: compare a
whole tree to measure a change spread over several modules.
``--profile N`` then runs each timed tagger once more under cProfile and prints its N costliest
functions by own time and each module's share (cProfile inflates many small calls: read the order).
Usage: python bench/bench_positions.py [CORPUS.jsonl.gz] [--repeat N] [--runs N] [--against REF]
       [--swap GLOB ...] [--profile N]
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import pstats
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import ahocorasick_rs
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import gazetteer, sentences  # noqa: E402
from analysis.taggers import positions  # noqa: E402
from analysis.vocab import DATA_DIR, read_csv_rows  # noqa: E402
from bench.positions_equivalence import MODULES, SWAP, default_swap, tagger  # noqa: E402

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
    parser.add_argument("--against", metavar="REF", help="also time the tagger with the --swap files of REF "
                        "(a commit, or a directory such as a git worktree)")
    parser.add_argument("--swap", nargs="+", default=None, metavar="GLOB",
                        help=f"files of analysis/taggers taken from REF (default: {' '.join(MODULES)} for a "
                             f"directory REF, else {' '.join(SWAP)}); files not swapped are the working tree's")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the N costliest functions of each timed tagger (one cProfile run)")
    args = parser.parse_args(argv)
    args.swap = args.swap or list(default_swap(args.against))
    if not args.corpus.exists():
        sys.exit(f"corpus not found: {args.corpus}")
    articles = _articles(args.corpus, args.repeat)
    vocab = SimpleNamespace(gazetteer=gazetteer.load(DATA_DIR), positions=positions.load(DATA_DIR))
    frame = sentences.split_sentences(articles, sentences.load_splitter(DATA_DIR))
    n = len(articles)

    texts = articles["text"].tolist()
    runs = [lambda: _baseline(texts), lambda: positions.tag(articles, frame, vocab)]
    tmp = Path(tempfile.mkdtemp())
    try:
        if args.against:
            old = tagger(tmp, "bench_positions_old", args.against, tuple(args.swap))
            old_vocab = SimpleNamespace(gazetteer=vocab.gazetteer, positions=old.load(DATA_DIR))
            runs.append(lambda: old.tag(articles, frame, old_vocab))
        timed = _best(runs, args.runs)
        profiles = [_profile(run, args.profile) for run in runs[1:]] if args.profile else []
    finally:
        shutil.rmtree(tmp)
    (base_wall, base_cpu, hits), (took_wall, took_cpu, found) = timed[:2]

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles: {n}  ({args.corpus.name} x{args.repeat}), best of {args.runs} runs")
    print(f"baseline scan (quotes + speech verbs): wall {n / base_wall:,.0f} articles/s, "
          f"CPU {n / base_cpu:,.0f} articles/s  ({hits} hits)")
    print(f"positions.tag: wall {n / took_wall:,.0f} articles/s, CPU {n / took_cpu:,.0f} articles/s  "
          f"({len(found)} positions)")
    print(f"tagger / baseline (CPU): {base_cpu / took_cpu:.2f}")
    if args.against:
        old_wall, old_cpu, old_found = timed[2]
        print(f"with {' '.join(args.swap)} of {args.against}: wall {n / old_wall:,.0f} articles/s, "
              f"CPU {n / old_cpu:,.0f} articles/s  ({len(old_found)} positions); tagger / baseline (CPU): "
              f"{base_cpu / old_cpu:.2f}; working tree {old_cpu / took_cpu:.2f}x as fast (CPU)")
    print(f"peak memory (process max RSS): {peak_mb:,.0f} MB")
    for label, text in zip(["working tree", f"with {' '.join(args.swap)} of {args.against}"], profiles):
        print(f"\nprofile, {label}:\n{text}")


def _profile(run: Any, top: int) -> str:
    """Own-time shares of one run: the ``top`` functions, then every module above 1 %."""
    profiler = cProfile.Profile()
    profiler.runcall(run)
    stats = pstats.Stats(profiler).stats   # (file, line, name) -> (calls, primitive, own, cumulative, callers)
    total = sum(row[2] for row in stats.values()) or 1.0
    modules: dict[str, float] = {}
    for (file, _, name), row in stats.items():
        key = Path(file).name if file.startswith("/") else name
        modules[key] = modules.get(key, 0.0) + row[2]
    lines = [f"  {row[2] / total:6.1%} own  {row[3] / total:6.1%} cum  {row[0]:>8,} calls  {Path(file).name}:{name}"
             for (file, _, name), row in sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]]
    lines += ["  by module: " + ", ".join(f"{m} {t / total:.0%}" for m, t in
                                          sorted(modules.items(), key=lambda kv: -kv[1]) if t / total >= 0.01)]
    return "\n".join(lines)


def _best(functions: list, runs: int) -> list[tuple[float, float, object]]:
    """Best wall and best CPU seconds of each function over ``runs`` rounds, the functions taking turns
    in each round (the machine is shared: CPU time is steadier, and turns spread the load alike)."""
    walls: list[list[float]] = [[] for _ in functions]
    cpus: list[list[float]] = [[] for _ in functions]
    results: list[object] = [None for _ in functions]
    for _ in range(runs):
        for i, run in enumerate(functions):
            wall, cpu = time.perf_counter(), time.process_time()
            results[i] = run()
            walls[i].append(time.perf_counter() - wall)
            cpus[i].append(time.process_time() - cpu)
    return [(min(w), min(c), r) for w, c, r in zip(walls, cpus, results)]


if __name__ == "__main__":
    main()
