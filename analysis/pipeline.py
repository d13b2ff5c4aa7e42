"""The chunked runner: input files -> every table of DESIGN §3 in an output folder.

Reads in chunks (memory bounded by the chunk size, not the corpus), tags each
chunk with the pure tagger functions, streams the results into staged Parquet
files and commits them atomically. Re-running on the same input re-uses the
findings of articles whose content and pipeline fingerprint are unchanged
(``pipeline_runs`` keeps that bookkeeping and the run report, ``pipeline_clusters`` the
near-duplicate clusters; their names stay importable here).

Every stage clock reads this module's ``time`` (bench/throughput.py points it at CPU time),
which is why the timed stages stay in this module.
"""

from __future__ import annotations

import importlib
import time
from collections import defaultdict, deque
from concurrent.futures import Future, ProcessPoolExecutor
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import ingest, schemas, settings, store
from analysis.normalise import normalise
from analysis.pipeline_clusters import Signed, _clusters, _stacked
from analysis.pipeline_runs import (ALL_TABLES, CHUNK_TABLES, TAGGERS, VERSIONED, IngestCounts, _carry_over,
                                    _previous, _report, _versions, fingerprint, pa_array, pa_table)
from analysis.sentences import Splitter, load_splitter, split_sentences
from analysis.vocab import Vocab, load_vocab

__all__ = ["ALL_TABLES", "CHUNK_TABLES", "TAGGERS", "VERSIONED", "ChunkTagger", "IngestCounts", "Progress", "Resources",
           "Signed", "Timings", "fingerprint", "iter_fresh", "pa_array", "pa_table", "post_process", "run", "tag_chunk"]

Progress = Callable[[int, int], None]


@dataclass
class Resources:
    """What a worker needs to tag chunks; loaded once per process."""

    vocab: Vocab
    splitter: Splitter

    @classmethod
    def load(cls, data_dir: Path | None = None) -> "Resources":
        root = Path(data_dir) if data_dir else settings.get_path("data_dir")
        return cls(vocab=load_vocab(root), splitter=load_splitter(root))


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, stage: str, started: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] += now - started
        return now


def tag_chunk(articles: pd.DataFrame, resources: Resources,
              timings: Timings | None = None) -> dict[str, pd.DataFrame]:
    """Sentences, every tagger, trigger-system links and the exposure flag for one chunk.

    Pure: the pandas and Dask engines both call this on a frame of articles.
    """
    timings = timings or Timings()
    from analysis import exposure, linking

    tick = time.perf_counter()
    sentences = split_sentences(articles, resources.splitter)
    tick = timings.add("sentences", tick)
    findings: dict[str, pd.DataFrame] = {}
    candidates = None
    for name in TAGGERS:
        tagger = importlib.import_module(f"analysis.taggers.{name}")
        if name == "sanctions":
            # its prefilter sentences go on to the exposure flag, which then need not scan the chunk again
            findings[name], candidates = tagger.tag_with_candidates(articles, sentences, resources.vocab)
        else:
            findings[name] = tagger.tag(articles, sentences, resources.vocab)
        tick = timings.add(name, tick)
    findings["sanctions"] = linking.link_trigger_systems(findings["sanctions"], sentences, resources.vocab)
    flags = exposure.flag_exposure(articles, sentences, findings, resources.vocab, candidates=candidates)
    flagged = articles.drop(columns=["exposed", "exposed_reason"]).merge(flags, on="article_id", how="left")
    flagged["exposed"] = flagged["exposed"].fillna(False)
    timings.add("exposure", tick)
    return {"articles": schemas.conform(flagged, "articles"), **findings}


def post_process(staged: store.StagedTables, timings: Timings, workers: int = 1,
                 signed: list[Signed] | None = None) -> None:
    """Cross-article tables: deals, pair risk (monthly and weekly) and alerts, from the staged findings.

    Findings an analyst marked wrong (review database) drop out of risk and alerts.
    Article texts are never loaded together: dedupe reads them one chunk at a time.
    Scoring reads narrow copies of the finding tables (no evidence, quotes or lists) and
    runs a batch of countries at a time (analysis.crossarticle), so memory follows the
    batch; pair_events reads the columns it shows only after the scores are freed.
    """
    from analysis import alerts, crossarticle, deals, dedupe, events, review, risk

    tick = time.perf_counter()
    # near-duplicates first: the signatures (0.5 GB at 1 M articles) are stacked and freed
    # before any finding is read, so the two never add up (the 1 M run peaked there)
    clusters = _clusters(staged, workers, signed)
    crossarticle.release_memory()
    tick = timings.add("dedupe", tick)
    rejected = review.rejected_ids(review.load_reviews(settings.get_path("review_db")))
    weights = risk.load_weights()
    found = crossarticle.read_findings(staged, rejected, weights)
    articles = staged.read("articles", columns=["article_id", "published", "source", "url"])
    staged.write("deals", deals.build_deals(crossarticle.frame(found, "procurement"), articles))
    tick = timings.add("deals", tick)
    sources, dates = crossarticle.source_index(articles, dedupe.source_keys(articles, clusters))
    articles = articles[["article_id", "published"]]  # what pair_events still needs
    del clusters
    crossarticle.release_memory()
    last = [tick]

    def clock(stage: str) -> None:
        last[0] = timings.add(stage, last[0])

    jumps = crossarticle.score(found, sources, dates, weights, rejected, staged.write,
                               staged.staging / "scratch" / "pair_risk_weekly.arrow", clock)
    del sources, dates
    others = alerts.other_alerts(crossarticle.AlertFindings(found), weights)
    del found
    staged.write("alerts", alerts.alerts_table([*jumps, *others]))
    del jumps, others
    crossarticle.release_memory()
    clock("alerts")
    # the pair page's lookup table, written in row groups cut at country changes so DuckDB prunes them
    for part in events.pair_events_groups(events.StagedFindings(staged, rejected), articles):
        staged.write("pair_events", part)
    clock("pair_events")


def run(inputs: list[str | Path], out_dir: Path, chunk_size: int | None = None,
        resources: Resources | None = None, progress: Progress | None = None,
        incremental: bool = True, workers: int = 1) -> dict[str, Any]:
    """Process ``inputs`` into ``out_dir``; returns the run report also written to run.json."""
    out_dir = Path(out_dir)
    chunk_size = chunk_size or settings.get_int("chunk_size")
    started = datetime.now(timezone.utc)
    timings = Timings()
    state = ingest.IngestState(max_chars=settings.get_int("max_text_chars"),
                               min_year=settings.get_int("min_year"))
    files = ingest.expand_inputs(list(inputs), state)
    resources = resources or Resources.load()
    aliases = ingest.load_column_aliases(resources.vocab.data_dir)
    print_ = fingerprint(resources.vocab.data_dir)
    with store.locked(out_dir):
        previous = _previous(out_dir, print_) if incremental else {}
        staged = store.StagedTables(out_dir)
        try:
            tagger = ChunkTagger(resources, workers, timings)
            try:
                counts = _ingest_and_tag(files, chunk_size, aliases, state, previous, tagger, staged,
                                         timings, progress)
            finally:
                tagger.close()
            _carry_over(out_dir, staged, set(previous) - counts.tagged)
            # every article is staged and checked for duplicates: free the per-article ids and hashes
            # (several hundred MB at 1 M articles) before the cross-article step's peak
            previous = {}
            counts.tagged.clear()
            state.ids_by_hash.clear()
            state.hash_by_id.clear()
            post_process(staged, timings, workers, tagger.signed)
            report = _report(inputs, files, state, counts.as_report(), staged, timings, print_, started)
            staged.commit(ALL_TABLES, report)
        except BaseException:
            staged.abort()
            raise
    return report




def iter_fresh(files: list[Path], chunk_size: int, aliases: dict[str, list[str]], state: ingest.IngestState,
               previous: dict[str, str], staged: store.StagedTables, timings: Timings, counts: IngestCounts,
               progress: Progress | None = None) -> Iterator[pd.DataFrame]:
    """Accepted articles that need tagging, chunk by chunk; rejects are staged and counted on the way.

    Shared by both engines so they accept, reject and re-use exactly the same rows.
    """
    for path in files:
        for raw in ingest.iter_raw(path, chunk_size, aliases):
            tick = time.perf_counter()
            counts.rows_in += len(raw)
            articles, rejects = normalise(raw, str(path), state)
            staged.write("rejects", rejects)
            counts.reasons.update(r.split(":", 1)[0] for r in rejects["reason"])
            fresh = articles[[previous.get(a) != h for a, h in zip(articles["article_id"], articles["content_hash"])]]
            counts.unchanged += len(articles) - len(fresh)
            counts.tagged.update(fresh["article_id"])
            timings.add("ingest", tick)
            yield fresh
            if progress:
                progress(len(raw), len(rejects))


def _ingest_and_tag(files: list[Path], chunk_size: int, aliases: dict[str, list[str]],
                    state: ingest.IngestState, previous: dict[str, str], tagger: "ChunkTagger",
                    staged: store.StagedTables, timings: Timings, progress: Progress | None) -> IngestCounts:
    counts = IngestCounts()
    for fresh in iter_fresh(files, chunk_size, aliases, state, previous, staged, timings, counts, progress):
        for tables in tagger.submit(fresh):
            _write_tables(staged, tables, timings)
    for tables in tagger.drain():
        _write_tables(staged, tables, timings)
    return counts


def _write_tables(staged: store.StagedTables, tables: dict[str, pd.DataFrame], timings: Timings) -> None:
    tick = time.perf_counter()
    for table, frame in tables.items():
        staged.write(table, frame)
    timings.add("write", tick)


_WORKER_RESOURCES: list[Resources] = []  # one per worker process, set by its initializer
def _init_worker(resources: Resources | None, data_dir: Path) -> None:
    """Forked workers inherit the parent's loaded vocabularies (no second 1.5 s load); others load them."""
    _WORKER_RESOURCES.append(resources if resources is not None else Resources.load(data_dir))


def _tag_in_worker(articles: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, float], Signed]:
    timings = Timings()
    tables = tag_chunk(articles, _WORKER_RESOURCES[0], timings)
    signed = _sign(articles, timings)
    return tables, dict(timings.seconds), signed



def _sign(articles: pd.DataFrame, timings: Timings) -> Signed:
    """Near-duplicate signatures of a chunk, made where its text already is (in parallel with tagging)."""
    from analysis import minhash

    tick = time.perf_counter()
    signed = articles[["article_id", "published"]].reset_index(drop=True), \
        minhash.signatures(minhash.article_texts(articles))
    timings.add("signatures", tick)
    return signed


class ChunkTagger:
    """Tags chunks in this process, or across ``workers`` processes with a bounded queue.

    Results come back in submission order so output files are deterministic. Workers are
    forked with the loaded vocabularies where the platform allows, so they start without
    loading them again. Chunks are never cut smaller: ``findings.finalise`` ids depend on
    which articles share a chunk (an all-empty column is None, a mixed one NaN).
    """

    def __init__(self, resources: Resources, workers: int, timings: Timings) -> None:
        import multiprocessing

        self.resources = resources
        self.timings = timings
        self.pending: deque[Future] = deque()
        self.signed: list[Signed] = []  # every tagged chunk's signatures, for dedupe in post_process
        self.pool = None
        self.limit = 2 * workers
        if workers > 1:
            fork = "fork" in multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if fork else None)
            self.pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                            initargs=(resources if fork else None, resources.vocab.data_dir))

    def submit(self, articles: pd.DataFrame) -> list[dict[str, pd.DataFrame]]:
        """Queue a chunk; returns whatever finished results must be written now."""
        if not len(articles):
            return []
        if self.pool is None:
            tables = tag_chunk(articles, self.resources, self.timings)
            self.signed.append(_sign(articles, self.timings))
            return [tables]
        self.pending.append(self.pool.submit(_tag_in_worker, articles))
        done = []
        while len(self.pending) >= self.limit:
            done.append(self._collect())
        return done

    def drain(self) -> list[dict[str, pd.DataFrame]]:
        return [self._collect() for _ in range(len(self.pending))]

    def _collect(self) -> dict[str, pd.DataFrame]:
        tables, seconds, signed = self.pending.popleft().result()
        self.signed.append(signed)
        for stage, value in seconds.items():
            self.timings.seconds[stage] += value
        return tables

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
