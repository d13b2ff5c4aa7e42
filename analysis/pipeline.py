"""The chunked runner: input files -> every table of DESIGN §3 in an output folder.

Reads in chunks (memory bounded by the chunk size, not the corpus), tags each
chunk with the pure tagger functions, streams the results into staged Parquet
files and commits them atomically. Re-running on the same input re-uses the
findings of articles whose content and pipeline fingerprint are unchanged.
"""

from __future__ import annotations

import hashlib
import importlib
import platform
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import Future, ProcessPoolExecutor
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import ingest, schemas, settings, store
from analysis.normalise import normalise
from analysis.sentences import Splitter, load_splitter, split_sentences
from analysis.vocab import Vocab, load_vocab

TAGGERS = ("sanctions", "procurement", "positions", "entities")
CHUNK_TABLES = ("articles", *TAGGERS)
ALL_TABLES = ("articles", "rejects", *TAGGERS, "deals", "pair_risk", "alerts", "pair_events")
VERSIONED = ("pandas", "pyarrow", "duckdb", "ahocorasick-rs", "rapidfuzz", "dask", "streamlit")

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


def fingerprint(data_dir: Path) -> str:
    """Hash of the pipeline code and vocabularies: when it changes, nothing old is re-used."""
    digest = hashlib.sha1()
    package = Path(__file__).resolve().parent
    paths = sorted(package.rglob("*.py"))
    for sub in ("catalogue", "gazetteer", "rules", "rates", "lists"):
        paths += sorted(p for p in (data_dir / sub).rglob("*") if p.is_file())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _previous(out_dir: Path, print_: str) -> dict[str, str]:
    """article_id -> content_hash of the last committed run, if made by the same pipeline."""
    run = store.read_run(out_dir)
    if not run or run.get("fingerprint") != print_ or not (out_dir / "articles.parquet").exists():
        return {}
    old = store.read_table(out_dir, "articles", columns=["article_id", "content_hash"])
    return dict(zip(old["article_id"], old["content_hash"]))


def _carry_over(out_dir: Path, staged: store.StagedTables, keep: set[str]) -> None:
    """Copy the previous run's rows for articles not re-tagged in this run."""
    if not keep:
        return
    ids = list(keep)
    for table in CHUNK_TABLES:
        path = out_dir / f"{table}.parquet"
        if not path.exists():
            continue
        for batch in pq.ParquetFile(path).iter_batches(batch_size=5000):
            mask = pc.is_in(batch.column("article_id"), value_set=pa_array(ids))
            kept = batch.filter(mask)
            if kept.num_rows:
                staged.write(table, pa_table(kept, table))


def pa_array(values: list[str]) -> Any:
    import pyarrow as pa
    return pa.array(values, type=pa.string())


def pa_table(batch: Any, table: str) -> Any:
    import pyarrow as pa
    return pa.Table.from_batches([batch]).cast(schemas.arrow_schema(table))


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _clusters(staged: store.StagedTables, workers: int, signed: list[Signed] | None = None) -> pd.DataFrame:
    """Near-duplicate clusters from the signatures made while tagging, or else from the staged articles.

    Signatures made while tagging are used when they cover every staged article
    (not after a partial re-run). Otherwise the staged articles are signed one row
    group (chunk) at a time, in parallel with several workers. Only the signatures
    (512 bytes per article) are kept, never every text.
    """
    from analysis import dedupe, minhash

    staged.close("articles")
    if signed and sum(len(keys) for keys, _ in signed) == staged.counts.get("articles", 0):
        keys = pd.concat([k for k, _ in signed], ignore_index=True)
        return dedupe.cluster_signatures(keys, _stacked(signed))
    path = staged.path("articles")
    groups = pq.ParquetFile(path).num_row_groups if path.exists() else 0
    if workers > 1 and groups > 1:
        with ProcessPoolExecutor(min(workers, groups)) as pool:
            parts = list(pool.map(minhash.file_signatures, [path] * groups, range(groups)))
    else:
        parts = [minhash.file_signatures(path, g) for g in range(groups)]
    if not parts:
        return dedupe.cluster_signatures(pd.DataFrame(columns=["article_id", "published"]), None)
    keys = pd.concat([k for k, _ in parts], ignore_index=True)
    return dedupe.cluster_signatures(keys, np.concatenate([s for _, s in parts]))


def _stacked(signed: list[Signed]) -> np.ndarray:
    """Every chunk's signatures in one array, emptying ``signed`` as it goes: the parts are freed
    while they are copied, so the peak is one copy (0.5 GB at 1 M articles), not two."""
    total = sum(len(sigs) for _, sigs in signed)
    out = np.empty((total, signed[0][1].shape[1]), dtype=signed[0][1].dtype)
    row = 0
    while signed:
        _, sigs = signed.pop(0)
        out[row:row + len(sigs)] = sigs
        row += len(sigs)
    return out


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


@dataclass
class IngestCounts:
    """What the ingest loop saw: rows in, rejects by reason, unchanged articles re-used, ids tagged."""

    rows_in: int = 0
    unchanged: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    tagged: set[str] = field(default_factory=set)

    def as_report(self) -> dict[str, Any]:
        return {"rows_in": self.rows_in, "unchanged": self.unchanged, "reasons": dict(self.reasons)}


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


Signed = tuple[pd.DataFrame, np.ndarray]  # (article_id, published) and their MinHash signatures


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
    loading them again. Chunks are never cut smaller: ``schemas.finalise`` ids depend on
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


def _report(inputs: list[str | Path], files: list[Path], state: ingest.IngestState, counts: dict[str, Any],
            staged: store.StagedTables, timings: Timings, print_: str, started: datetime) -> dict[str, Any]:
    rejected = staged.counts.get("rejects", 0)
    finished = datetime.now(timezone.utc)
    return {
        "inputs": [str(p) for p in inputs],
        "files": [str(p) for p in files],
        "skipped_files": state.skipped_files,
        "rows_in": counts["rows_in"],
        "accepted": counts["rows_in"] - rejected,
        "rejected": rejected,
        "rejects_by_reason": counts["reasons"],
        "unchanged_reused": counts["unchanged"],
        "counts": {t: staged.counts.get(t, 0) for t in ALL_TABLES},
        "timings_s": {k: round(v, 3) for k, v in timings.seconds.items()},
        "fingerprint": print_,
        "versions": _versions(),
        "started": started.isoformat(),
        "finished": finished.isoformat(),
        "elapsed_s": round((finished - started).total_seconds(), 3),
    }
