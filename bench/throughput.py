"""End-to-end throughput against the scan floor, in one run on the same texts.

(a) the floor: read the texts, then one Aho-Corasick pass (ahocorasick_rs, leftmost-longest)
    over each lower-cased article with the project's full vocabulary (every surface in the
    gazetteer, catalogue and rule tables);
(b) the full pipeline (``analysis.pipeline.run`` into a temporary folder) at each --workers.

Prints articles/s, MB/s, the ratio (b)/(a), peak RSS of the process tree and seconds per
stage from run.json. Stage seconds are summed over worker processes, so with 2 workers
they add up to about twice the wall time.

Usage: python bench/throughput.py FILE [--workers 1 2] [--limit N] [--json OUT]
       (FILE: bench/synth.py output or ../shared/corpus/news.jsonl.gz)
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import ahocorasick_rs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.vocab import read_csv_rows  # noqa: E402

# (file, columns holding |-separated surfaces) for every vocabulary the taggers match.
SURFACE_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gazetteer/countries.csv", ("name", "aliases", "demonyms", "capitals")),
    ("gazetteer/institutions.csv", ("surface",)),
    ("gazetteer/organisations.csv", ("name", "aliases")),
    ("gazetteer/territories.csv", ("surface",)),
    ("catalogue/weapon_systems.csv", ("system", "aliases")),
    ("catalogue/generic_terms.csv", ("term", "aliases")),
    ("rules/positions_officials.csv", ("name", "aliases")),
    ("rules/titles.csv", ("title",)),
    ("rules/speech_verbs.csv", ("forms",)),
    ("rules/stance_cues.csv", ("cues",)),
    ("rules/stance_scope.csv", ("cues",)),
    ("rules/positions_topics.csv", ("cues",)),
    ("rules/procurement_companies.csv", ("company", "aliases")),
)
_WORDY = re.compile(r"^[\w .'\-’&]+$")


def vocabulary(data_dir: Path = ROOT / "data") -> list[str]:
    """Lower-cased surfaces of every vocabulary file (regex rules contribute their plain-word examples
    only through the cue lists; wildcards like ``sanction*`` are cut to their stem)."""
    found: set[str] = set()
    for name, columns in SURFACE_FILES:
        path = data_dir / name
        if not path.exists():
            continue
        rows = read_csv_rows(path, [])
        for row in rows:
            for column in columns:
                for surface in (row.get(column) or "").split("|"):
                    surface = surface.strip().rstrip("*").lower()
                    if len(surface) >= 2 and _WORDY.match(surface):
                        found.add(surface)
    return sorted(found)


def read_texts(path: Path, limit: int | None) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    texts = []
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            text = json.loads(line).get("text")
            if isinstance(text, str):
                texts.append(text)
            if limit and len(texts) >= limit:
                break
    return texts


def floor(path: Path, limit: int | None, patterns: list[str]) -> dict[str, float]:
    """Read + scan: what any keyword-based pipeline must at least pay, single process."""
    automaton = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    started = time.perf_counter()
    texts = read_texts(path, limit)
    read_s = time.perf_counter() - started
    hits = 0
    for text in texts:
        hits += len(automaton.find_matches_as_indexes(text.lower()))
    total = time.perf_counter() - started
    chars = sum(map(len, texts))
    return {"articles": len(texts), "mb": chars / 1e6, "seconds": total, "read_s": read_s,
            "hits_per_kb": hits / max(chars / 1000, 1e-9), "patterns": len(patterns)}


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from analysis import pipeline
started = time.perf_counter()
report = pipeline.run([{path!r}], {out!r}, incremental=False, workers={workers}, chunk_size={chunk})
wall = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({{"wall": wall, "report": report, "rss_self_kb": own, "rss_children_kb": kids}}))
"""


def full_pipeline(path: Path, workers: int, chunk_size: int) -> dict[str, Any]:
    """The real pipeline in a fresh process, so peak RSS is its own (parent + worker processes)."""
    with tempfile.TemporaryDirectory(prefix="throughput-") as tmp:
        code = _CHILD.format(root=str(ROOT), path=str(path), out=str(Path(tmp) / "out"), workers=workers,
                             chunk=chunk_size)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
    result["workers"] = workers
    # ru_maxrss of children is the largest single child; the tree's peak is at most parent + workers x that.
    result["peak_rss_mb"] = (result["rss_self_kb"] + workers * result["rss_children_kb"] * (workers > 1)) / 1024
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limit", type=int, default=None, help="floor: first N articles only (pipeline: all)")
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    base = floor(args.path, args.limit, vocabulary())
    floor_rate = base["articles"] / base["seconds"]
    print(f"corpus: {args.path} — {base['articles']:,} articles, {base['mb']:.1f} MB of text, "
          f"{base['hits_per_kb']:.2f} vocabulary hits per KB")
    print(f"(a) floor, read + Aho-Corasick ({base['patterns']:,} patterns), 1 process: "
          f"{floor_rate:,.0f} articles/s, {base['mb'] / base['seconds']:.1f} MB/s")
    runs = []
    for workers in args.workers:
        result = full_pipeline(args.path, workers, args.chunk_size)
        report = result["report"]
        n, wall = report["accepted"], result["wall"]
        rate = n / wall
        per_article = wall / max(n, 1)
        ratio = per_article / (base["seconds"] / base["articles"])
        print(f"(b) pipeline, {workers} worker(s): {rate:,.0f} articles/s, {base['mb'] * n / base['articles'] / wall:.1f}"
              f" MB/s, {wall:.1f} s, ratio to floor {ratio:.1f}x, peak RSS {result['peak_rss_mb']:,.0f} MB")
        stages = report["timings_s"]
        print("    stage seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
        runs.append({"workers": workers, "articles": n, "wall_s": round(wall, 2), "articles_per_s": round(rate, 1),
                     "mb_per_s": round(base["mb"] * n / base["articles"] / wall, 2), "ratio_to_floor": round(ratio, 2),
                     "peak_rss_mb": round(result["peak_rss_mb"]), "stages_s": stages, "counts": report["counts"]})
    figures = {"path": str(args.path), "floor": {**base, "articles_per_s": round(floor_rate, 1)}, "runs": runs,
               "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
