"""Pair risk and score-jump alerts a batch of countries at a time, from the staged finding tables.

At a million synthetic articles the cross-article step held every finding, every
(finding, pair, component) contribution and every scoring unit at once, 3.5 GB on top
of the run. Every row of ``pair_risk`` belongs to one exposed country, and so does each
contribution behind it, so the corpus is scored in batches of countries (in country
order): each batch reads only its own findings from narrow Arrow copies of the tables
(the columns scoring reads, no evidence or quotes), and its contributions, units and
scores are freed before the next batch. ``risk.SeriesBatcher`` cuts pairs into the same
batches as a whole-corpus run, so the tables are identical, row group for row group.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import alerts, review, risk, schemas, store

TABLES = ("sanctions", "procurement", "positions", "entities")
_COMMON = ("finding_id", "article_id", "published", "confidence")
_READ = {  # what scoring, deals and alerts read of each table (risk rule conditions are added from the weights)
    "sanctions": ("target", "sender", "action", "regime", "modality"),
    "procurement": ("buyer", "supplier", "system", "category", "stage"),
    "positions": ("speaker_country", "about_country", "topic", "stance"),
    "entities": ("country", "list_source", "list_id", "name", "list_name", "score"),
}
_COUNTRY = {"sanctions": ("target",), "procurement": ("buyer",), "entities": ("country",),
            "positions": ("about_country", "speaker_country")}  # where a finding names the exposed country
BATCH_FINDINGS = 600_000  # country mentions per batch: about 10 batches at 1 M synthetic articles


def read_findings(staged: store.StagedTables, rejected: set[str], weights: risk.RiskWeights) -> dict[str, pa.Table]:
    """The narrow columns of every staged finding table as Arrow, findings marked wrong dropped."""
    conditions = {column for rule in weights.rules for column, _ in rule.when}
    out = {}
    for table in TABLES:
        spec = schemas.TABLES[table]
        columns = [c for c in spec if c in {*_COMMON, *_READ[table], *conditions}]
        staged.close(table)
        path = staged.path(table)
        data = pq.read_table(path, columns=columns) if path.exists() else \
            pa.Table.from_pandas(schemas.empty(table)[columns], preserve_index=False)
        if rejected and data.num_rows:
            data = data.filter(pc.invert(pc.is_in(data.column("finding_id"), pa.array(sorted(rejected), pa.string()))))
        out[table] = data.combine_chunks()
    return out


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_memory() -> None:
    """Hand memory freed by the last batch back to the operating system.

    glibc (numpy, pandas) and Arrow's allocator keep freed blocks for reuse, each for itself,
    so without this the resident size stays at every batch's high-water mark and the Arrow-heavy
    pair_events stage stacks on top of what pandas held (measured: 300 MB at 300 k articles).
    """
    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def frame(found: dict[str, pa.Table], table: str, mask: pa.Array | None = None) -> pd.DataFrame:
    """One narrow table (or the rows of ``mask``) as the frame the scoring functions take."""
    data = found[table] if mask is None else found[table].filter(mask)
    return data.to_pandas()


def country_batches(found: dict[str, pa.Table], budget: int = BATCH_FINDINGS) -> list[list[str]]:
    """Every country a contribution can be filed under, sorted and cut into runs of about ``budget`` mentions.

    Sorted as pair_risk is (code point order), so the batches' rows come out in the table's order.
    """
    counts: dict[str, int] = {}
    for table, columns in _COUNTRY.items():
        for column in columns:
            values = found[table].column(column).drop_null().value_counts()
            for value, n in zip(values.field("values").to_pylist(), values.field("counts").to_pylist()):
                counts[value] = counts.get(value, 0) + n
    batches: list[list[str]] = []
    size = 0
    for country in sorted(counts):
        if not batches or size + counts[country] > budget:
            batches.append([])
            size = 0
        batches[-1].append(country)
        size += counts[country]
    return batches


def batch_findings(found: dict[str, pa.Table], countries: list[str]) -> dict[str, pd.DataFrame]:
    """The findings that can give a batch's countries a contribution.

    Sanctions, procurement and entities by their exposed-country column; statements that
    name a batch country, or sit in an article where one of those findings does (the
    statement joins that article's pairs). ``risk.contributions(countries=...)`` drops the rest.
    """
    wanted = pa.array(countries, pa.string())
    out, articles = {}, []
    for table in ("sanctions", "procurement", "entities"):
        mask = pc.fill_null(pc.is_in(found[table].column(_COUNTRY[table][0]), value_set=wanted), False)
        out[table] = frame(found, table, mask)
        articles.append(found[table].column("article_id").filter(mask))
    positions = found["positions"]
    linked = pa.concat_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in articles]).unique()
    mask = pc.or_(pc.or_(pc.is_in(positions.column("about_country"), value_set=wanted),
                         pc.is_in(positions.column("speaker_country"), value_set=wanted)),
                  pc.is_in(positions.column("article_id"), value_set=linked))
    out["positions"] = frame(found, "positions", pc.fill_null(mask, False))
    return out


def published(found: dict[str, pa.Table]) -> alerts.Published:
    """Every kept finding's own date (not its article's), for the evidence of score jumps."""
    return alerts.Published.from_columns(
        (found[t].column("finding_id").to_numpy(zero_copy_only=False),
         found[t].column("published").cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)) for t in TABLES)


def score(found: dict[str, pa.Table], sources: pd.Series, dates: pd.Series, weights: risk.RiskWeights,
          rejected: set[str], write: Callable[[str, pa.Table], None], scratch: Path,
          clock: Callable[[str], None]) -> list[pd.DataFrame]:
    """Write ``pair_risk`` (every monthly row, then every weekly one, as a whole-corpus run does)
    batch of countries by batch; returns each monthly batch's score-jump alerts as a frame.

    ``sources``: article_id -> independent source (dedupe.source_keys); ``dates``: article_id ->
    published. Weekly rows wait in ``scratch`` (an Arrow file) until every monthly row is
    written. ``clock(stage)`` charges the time since its last call to ``stage``.
    """
    senders = risk.statement_senders({"sanctions": frame(found, "sanctions")}, weights)
    lookup = published(found)
    monthly, weekly = risk.SeriesBatcher("M", weights), risk.SeriesBatcher("W", weights)
    jumps: list[pd.DataFrame] = []
    schema = schemas.arrow_schema("pair_risk")
    scratch.parent.mkdir(parents=True, exist_ok=True)
    # weekly rows wait in an uncompressed Arrow file: written and read back at memory speed (Parquet
    # cost a fifth of the step), and read without a memory map so they never count as resident
    with pa.OSFile(str(scratch), "wb") as sink, pa.ipc.new_file(sink, schema) as held:
        def months(tables: Iterator[pa.Table]) -> None:
            for table in tables:
                write("pair_risk", table)
                clock("pair_risk")
                jumps.append(pd.DataFrame(alerts.score_jumps(table, lookup, weights, rejected)))
                clock("alerts")

        for countries in country_batches(found, BATCH_FINDINGS):
            batch = batch_findings(found, countries)
            contribs = risk.contributions(batch, weights, countries=set(countries), senders=senders, dates=dates)
            del batch
            sourced = risk.with_sources(contribs, sources)
            del contribs
            months(monthly.feed(sourced))
            for table in weekly.feed(sourced):
                held.write_table(table)
            del sourced
            release_memory()
            clock("pair_risk")
        months(monthly.finish())
        for table in weekly.finish():
            held.write_table(table)
    with pa.OSFile(str(scratch), "rb") as source:
        weekly_rows = pa.ipc.open_file(source)
        for index in range(weekly_rows.num_record_batches):  # one batch of pairs each, as written
            write("pair_risk", pa.Table.from_batches([weekly_rows.get_batch(index)]))
    scratch.unlink()
    clock("pair_risk")
    return jumps


def source_index(articles: pd.DataFrame, sources: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(article_id -> source_key, article_id -> published) as indexed Series, built once for every batch."""
    return (pd.Series(sources["source_key"].to_numpy(), index=sources["article_id"].to_numpy(), dtype="string"),
            pd.Series(articles["published"].to_numpy(), index=articles["article_id"].to_numpy()))


class AlertFindings:
    """The kept findings each other alert kind reads, made a frame only when that kind asks for it
    (``alerts.other_alerts``): deal stages read contracts and deliveries, stance shifts read support
    and oppose (no other rows can raise them)."""

    _ROWS = {"procurement": ("stage", alerts.ALERT_STAGES), "positions": ("stance", alerts.SHIFT_STANCES)}

    def __init__(self, found: dict[str, pa.Table]) -> None:
        self.found = found

    def get(self, table: str) -> pd.DataFrame:
        if table not in self._ROWS:
            return frame(self.found, table)
        column, values = self._ROWS[table]
        wanted = pa.array(values, pa.string())
        return frame(self.found, table, pc.fill_null(pc.is_in(self.found[table].column(column), value_set=wanted), False))

