"""End-to-end throughput against the scan floor, in one run on the same texts.

(a) the floor: read the texts, then one Aho-Corasick pass (ahocorasick_rs, leftmost-longest)
    over each lower-cased article with the project's full vocabulary (every surface in the
    gazetteer, catalogue and rule tables);
(b) the full pipeline (``analysis.pipeline.run`` into a temporary folder) at each --workers.

Prints articles/s, MB/s, the ratio (b)/(a), CPU seconds of the process tree and their ratio
to the floor's, peak RSS and CPU seconds per stage (the pipeline's stage clock is pointed at
``time.process_time`` in the measured process; summed over worker processes).

Usage: python bench/throughput.py FILE [--workers 1 2] [--limit N] [--json OUT]
       (FILE: bench/synth.py output or ../shared/corpus/news.jsonl.gz)
       python bench/throughput.py --scaling OUT1.json OUT2.json ... [--plot docs/scaling.png]
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
from collections.abc import Iterator
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


def iter_texts(path: Path, limit: int | None) -> Iterator[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    count = 0
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for line in handle:
            text = json.loads(line).get("text")
            if isinstance(text, str):
                yield text
                count += 1
                if limit and count >= limit:
                    return


def floor(path: Path, limit: int | None, patterns: list[str]) -> dict[str, float]:
    """Read + parse + one scan per article, streamed (memory stays flat), single process: what any
    keyword-based pipeline must at least pay. Timed twice: read only, then read + scan."""
    automaton = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    started = time.perf_counter()
    chars = sum(len(text) for text in iter_texts(path, limit))
    read_s = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    articles = hits = 0
    for text in iter_texts(path, limit):
        hits += len(automaton.find_matches_as_indexes(text.lower()))
        articles += 1
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"articles": articles, "mb": chars / 1e6, "seconds": total, "cpu_s": cpu, "read_s": read_s,
            "hits_per_kb": hits / max(chars / 1000, 1e-9), "patterns": len(patterns)}


_CHILD = """
import json, resource, sys, time, types
sys.path.insert(0, {root!r})
from analysis import pipeline
# stage clocks read CPU time (this process, and the forked workers inherit it): on a shared
# machine wall seconds per stage mostly measure the other jobs
pipeline.time = types.SimpleNamespace(perf_counter=time.process_time)
started = time.perf_counter()
report = pipeline.run([{path!r}], {out!r}, incremental=False, workers={workers}, chunk_size={chunk})
wall = time.perf_counter() - started
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"wall": wall, "report": report, "rss_self_kb": me.ru_maxrss, "rss_children_kb": kids.ru_maxrss,
                  "cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime}}))
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


def stage_cpu(path: Path, n: int) -> dict[str, float]:
    """CPU milliseconds per article for each tagging stage, one process, first ``n`` articles.

    CPU time, unlike wall time, barely moves when other jobs share the machine. The pipeline's
    own stage clock is pointed at ``time.process_time`` for this measurement only.
    """
    import types

    from analysis import ingest, pipeline
    from analysis.normalise import normalise

    resources = pipeline.Resources.load()
    raw = next(ingest.iter_raw(path, n, ingest.load_column_aliases(resources.vocab.data_dir)))
    started = time.process_time()
    articles, _ = normalise(raw, str(path), ingest.IngestState())
    ingest_cpu = time.process_time() - started
    timings = pipeline.Timings()
    clock = pipeline.time
    pipeline.time = types.SimpleNamespace(perf_counter=time.process_time)  # type: ignore[assignment]
    try:
        pipeline.tag_chunk(articles, resources, timings)
        pipeline._sign(articles, timings)  # near-duplicate signatures, made in the tagging workers too
    finally:
        pipeline.time = clock
    per = {"normalise": ingest_cpu, **timings.seconds}
    per = {k: round(1000 * v / len(articles), 2) for k, v in per.items()}
    per["total"] = round(sum(per.values()), 2)
    floor_hits = ahocorasick_rs.AhoCorasick(vocabulary(), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    started = time.process_time()  # the floor's scan on the same articles, same process, for the ratio
    for text in articles["text"].tolist():
        floor_hits.find_matches_as_indexes(text.lower())
    per["floor_scan"] = round(1000 * (time.process_time() - started) / len(articles), 3)
    print(f"CPU ms per article, {len(articles)} articles of {path.name}: "
          + ", ".join(f"{k} {v}" for k, v in per.items())
          + f"; tagging total / floor scan = {per['total'] / max(per['floor_scan'], 1e-9):.1f}x")
    return per


CROSS_ARTICLE = ("deals", "dedupe", "pair_risk", "alerts", "pair_events")


def scaling(results: list[Path], plot: Path | None) -> list[dict[str, Any]]:
    """A table (and optionally a plot) of cost against corpus size from several --json results."""
    rows = []
    for path in results:
        figures = json.loads(path.read_text())
        for run in figures["runs"]:
            cpu = run.get("cpu_s", float("nan"))
            rows.append({"articles": run["articles"], "workers": run["workers"], "wall_s": run["wall_s"],
                         "cpu_s": cpu, "cpu_ms_per_article": 1000 * cpu / max(run["articles"], 1),
                         "cpu_ratio_to_floor": run.get("cpu_ratio_to_floor", float("nan")),
                         # the rate with min(workers, 2) idle cores and no serial part
                         "idle_bound": run["articles"] / (cpu / min(run["workers"], 2)) if cpu else float("nan"),
                         "peak_rss_mb": run["peak_rss_mb"],
                         "post_s": sum(run["stages_s"].get(k, 0.0) for k in CROSS_ARTICLE)})
    rows.sort(key=lambda r: (r["workers"], r["articles"]))
    print("| articles | workers | CPU s (process tree) | CPU ms/article | x floor CPU | idle-core bound, articles/s |"
          " cross-article stages, s | wall s (loaded machine) | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['articles']:,} | {r['workers']} | {r['cpu_s']:,.1f} | {r['cpu_ms_per_article']:.2f} | "
              f"{r['cpu_ratio_to_floor']:.1f}x | {r['idle_bound']:,.0f} | {r['post_s']:,.1f} | {r['wall_s']:,.0f} | "
              f"{r['peak_rss_mb']:,} |")
    if plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        for workers in sorted({r["workers"] for r in rows}):
            mine = [r for r in rows if r["workers"] == workers]
            xs = [r["articles"] for r in mine]
            left.plot(xs, [r["cpu_s"] for r in mine], marker="s", color=f"C{workers}",
                      label=f"CPU, {workers} worker(s)")
            left.plot(xs, [r["wall_s"] for r in mine], marker="o", linestyle=":", color=f"C{workers}",
                      label=f"wall on the loaded machine, {workers} worker(s)")
            right.plot(xs, [r["peak_rss_mb"] for r in mine], marker="o", color=f"C{workers}",
                       label=f"{workers} worker(s), upper bound")
        xs = sorted({r["articles"] for r in rows})
        left.plot(xs, [x / 1000 for x in xs], color="grey", linestyle="--",
                  label="target as CPU-s: 2,000 articles/s on 2 cores")
        left.set(xscale="log", yscale="log", xlabel="articles", ylabel="seconds", title="End-to-end cost")
        right.axhline(4096, color="grey", linestyle="--", label="target: 4 GB")
        right.set(xscale="log", xlabel="articles", ylabel="peak RSS (MB)", title="Peak memory (process tree)")
        for axis in (left, right):
            axis.grid(True, which="both", alpha=0.3)
            axis.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(plot, dpi=110)
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, nargs="?", help="corpus to measure")
    parser.add_argument("--scaling", type=Path, nargs="+", default=None,
                        help="instead of measuring: tabulate these --json results (and --plot them)")
    parser.add_argument("--plot", type=Path, default=None, help="with --scaling: write the plot here")
    parser.add_argument("--stages", type=int, default=0,
                        help="instead of measuring throughput: CPU ms/article per stage on the first N articles")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limit", type=int, default=None, help="floor: first N articles only (pipeline: all)")
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.scaling:
        return {"scaling": scaling(args.scaling, args.plot)}
    if args.path is None:
        parser.error("a corpus path is required unless --scaling is given")
    if args.stages:
        return stage_cpu(args.path, args.stages)

    base = floor(args.path, args.limit, vocabulary())
    floor_rate = base["articles"] / base["seconds"]
    print(f"corpus: {args.path} — {base['articles']:,} articles, {base['mb']:.1f} MB of text, "
          f"{base['hits_per_kb']:.2f} vocabulary hits per KB")
    print(f"(a) floor, read + Aho-Corasick ({base['patterns']:,} patterns), 1 process: "
          f"{floor_rate:,.0f} articles/s, {base['mb'] / base['seconds']:.1f} MB/s "
          f"(reading and parsing alone: {base['articles'] / base['read_s']:,.0f} articles/s); "
          f"CPU {base['articles'] / base['cpu_s']:,.0f} articles per CPU-second")
    runs = []
    for workers in args.workers:
        result = full_pipeline(args.path, workers, args.chunk_size)
        report = result["report"]
        n, wall = report["accepted"], result["wall"]
        rate = n / wall
        per_article = wall / max(n, 1)
        ratio = per_article / (base["seconds"] / base["articles"])
        cpu = result["cpu_s"]
        print(f"(b) pipeline, {workers} worker(s): {rate:,.0f} articles/s, {base['mb'] * n / base['articles'] / wall:.1f}"
              f" MB/s, {wall:.1f} s, ratio to floor {ratio:.1f}x, peak RSS {result['peak_rss_mb']:,.0f} MB"
              f" (parent {result['rss_self_kb'] / 1024:,.0f} MB, largest child {result['rss_children_kb'] / 1024:,.0f} MB)")
        cpu_ratio = (cpu / max(n, 1)) / (base["cpu_s"] / base["articles"])
        print(f"    CPU {cpu:,.1f} s for the process tree = {n / cpu:,.0f} articles per CPU-second, "
              f"{cpu_ratio:.1f}x the floor's CPU per article (the run got {cpu / wall:.2f} cores on average)")
        stages = report["timings_s"]
        print("    stage CPU seconds (summed over processes): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()))
        runs.append({"workers": workers, "articles": n, "wall_s": round(wall, 2), "articles_per_s": round(rate, 1),
                     "mb_per_s": round(base["mb"] * n / base["articles"] / wall, 2), "ratio_to_floor": round(ratio, 2),
                     "peak_rss_mb": round(result["peak_rss_mb"]), "cpu_s": round(cpu, 1),
                     "parent_rss_mb": round(result["rss_self_kb"] / 1024),
                     "largest_worker_rss_mb": round(result["rss_children_kb"] / 1024) if workers > 1 else 0,
                     "articles_per_cpu_s": round(n / cpu, 1),
                     "cpu_ratio_to_floor": round((cpu / max(n, 1)) / (base["cpu_s"] / base["articles"]), 2),
                     "stages_s": stages, "counts": report["counts"]})
    figures = {"path": str(args.path), "floor": {**base, "articles_per_s": round(floor_rate, 1)}, "runs": runs,
               "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
