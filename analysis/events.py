"""Findings -> ``pair_events``: every finding filed under the country pairs it concerns, for the pair page.

Answering "what happened between India and the United States?" from the
finding tables means scanning all of them for the pair's findings (seconds at
a million articles). This table files each finding under each pair it
concerns, with what the page shows, written sorted by (country, counterpart,
published) in small row groups, so DuckDB reads only the selected pair's row
groups (min/max statistics) and a pair switch costs milliseconds.

A finding concerns a pair the way analysis.risk scores it (``via = score``):
sanctions target/sender; procurement buyer and every sender whose regime
(data/rules/risk_regimes.csv) covers the supplier on that date; entities
their country and the sender behind their list; statements in an article
that establishes a pair, by either of its countries. A finding naming both
countries (sender/target, buyer/supplier, speaker/about) is filed once in the
order it names them with ``names_both`` set, and the page reads it for both
orders (``via = direct`` when the score does not file it there already).
Listed entities of a third country named in an article of a pair's sanctions
findings are filed under that pair too (``via = article``); the page lists
each country's own entities from the entities table, so none is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import risk, schemas, store

# Rows per Parquet row group: small enough that a pair reads a few groups, large enough that the
# footer DuckDB parses on every query stays small (5 M findings -> 6.3 M rows -> 97 groups, 200 KB).
# 16 k / 32 k / 64 k / 128 k rows cost 70 / 52 / 44 / 45 ms CPU per pair read (docs/DASHBOARD.md).
ROW_GROUP_ROWS = 65_536
SLICE_ROWS = 1_000_000  # filings whose evidence is held at once while the staged tables are written
_KIND = {"sanctions": "action", "procurement": "stage", "positions": "statement", "entities": "listed entity"}
_LABEL = {  # columns (or words in quotes) joined into the readable line
    "sanctions": ("sender", "'→'", "target", "action", "regime", "trigger_system", "modality"),
    "procurement": ("buyer", "'←'", "supplier", "system", "stage"),
    "positions": ("speaker", "speaker_country", "stance", "'on'", "topic", "about_country"),
    "entities": ("name", "'·'", "list_name", "list_source", "list_as_of"),
}
_PAYLOAD = ("source_table", "kind", "label", "evidence", "article_id", "finding_id", "char_start", "char_end",
            "confidence", "rule", "name", "list_name", "list_source", "list_as_of")
_KEYS = ("target", "sender", "buyer", "supplier", "speaker_country", "about_country", "country", "list_source")
_READ = {*_PAYLOAD, *_KEYS, *(c for cols in _LABEL.values() for c in cols), *_KIND.values(), "published"}


class StagedFindings:
    """The staged finding tables (findings marked wrong dropped), read from Parquet as Arrow, never as pandas.

    ``_filed_rows`` asks for each table's filing keys only (``get``); ``payload`` then builds
    the wide columns (evidence, label...) of just the rows a slice of the output needs, so
    the parent holds one slice's evidence, not every finding's (1.2 GB at 1 M synthetic articles).
    """

    def __init__(self, staged: store.StagedTables, rejected: set[str]) -> None:
        self.staged, self.rejected = staged, rejected
        self.sizes: dict[str, int] = {}  # rows per table, in rid order

    def _path(self, table: str) -> Path | None:
        self.staged.close(table)
        path = self.staged.path(table)
        return path if path.exists() else None

    def _kept(self, data: pa.Table | pa.RecordBatch) -> pa.Table | pa.RecordBatch:
        if not self.rejected or not data.num_rows:
            return data
        wrong = pa.array(sorted(self.rejected), pa.string())
        return data.filter(pc.invert(pc.is_in(data.column("finding_id"), value_set=wrong)))

    def get(self, table: str) -> pa.Table | None:
        path = self._path(table)
        if path is None:
            return None
        keys = {"finding_id", "article_id", "published", *_KEYS}
        data = self._kept(pq.read_table(path, columns=[c for c in schemas.TABLES[table] if c in keys]))
        self.sizes[table] = data.num_rows
        return data

    def payload(self, needed: np.ndarray) -> pa.Table:
        """The payload rows numbered ``needed`` (sorted, distinct), in that order."""
        parts, start = [], 0
        for table, count in self.sizes.items():
            local = needed[(needed >= start) & (needed < start + count)] - start
            if len(local):
                parts.append(_payload(table, self._rows(table, local)))
            start += count
        return pa.concat_tables(parts).combine_chunks()

    def _rows(self, table: str, local: np.ndarray) -> pa.Table:
        """Rows ``local`` (sorted) of a kept table, read batch by batch with the columns the payload shows."""
        path = self._path(table)
        columns = [c for c in schemas.TABLES[table] if c in _READ]
        batches, offset = [], 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536, columns=columns):
            batch = self._kept(batch)
            lo, hi = np.searchsorted(local, [offset, offset + batch.num_rows])
            if hi > lo:
                batches.append(batch.take(pa.array(local[lo:hi] - offset)))
            offset += batch.num_rows
        return pa.Table.from_batches(batches)


def _column(frame: pd.DataFrame | pa.Table, name: str, typ: pa.DataType) -> pa.Array:
    n = len(frame)
    if name not in (frame.column_names if isinstance(frame, pa.Table) else frame.columns):
        return pa.nulls(n, typ)
    if isinstance(frame, pa.Table):
        return frame.column(name).combine_chunks().cast(typ)
    values = frame[name]
    if pa.types.is_string(typ):
        return pa.array(values.astype("string").to_numpy(na_value=None), type=typ) if values.dtype == object \
            else pa.array(values, type=typ, from_pandas=True)
    return pa.array(values, type=typ, from_pandas=True)


def _payload(table: str, frame: pd.DataFrame | pa.Table) -> pa.Table:
    """What the page shows of each finding."""
    spec = schemas.TABLES["pair_events"]
    string = pa.string()
    label_parts = [pa.array([c.strip("'")] * len(frame), string) if c.startswith("'") else _column(frame, c, string)
                   for c in _LABEL[table]]
    label_parts = [pc.if_else(pc.equal(p, ""), pa.scalar(None, string), p) for p in label_parts]
    label = pc.binary_join_element_wise(*label_parts, " ", null_handling="skip")
    kind = _column(frame, _KIND[table], string) if table in ("sanctions", "procurement") \
        else pa.array([_KIND[table]] * len(frame), string)
    own = {"source_table": pa.array([table] * len(frame), string), "kind": kind, "label": label}
    payload = pa.table({c: own[c] if c in own else (_column(frame, c, spec[c]) if table == "entities" or c not in
                                                    ("name", "list_name", "list_source", "list_as_of")
                                                    else pa.nulls(len(frame), spec[c])) for c in _PAYLOAD})
    return payload


def _keys(frame: pd.DataFrame | pa.Table, dates: pd.Series) -> pa.Table:
    """The columns that file each finding under its pairs."""
    string = pa.string()
    return pa.table({"article_id": _column(frame, "article_id", string), "published": _published(frame, dates),
                     **{c: _column(frame, c, string) for c in _KEYS}})


def _published(frame: pd.DataFrame | pa.Table, dates: pd.Series) -> pa.Array:
    """Each finding's date, its article's where it has none."""
    if isinstance(frame, pa.Table) and "published" in frame.column_names:
        column = frame.column("published").combine_chunks().cast(pa.timestamp("ns"))
        if not column.null_count:
            return column
        frame = pa.table({"article_id": frame.column("article_id"), "published": column}).to_pandas()
    elif isinstance(frame, pa.Table):
        frame = pa.table({"article_id": frame.column("article_id")}).to_pandas()
    published = pd.to_datetime(frame["published"]) if "published" in frame.columns \
        else pd.Series(pd.NaT, index=frame.index)
    if published.isna().any():
        published = published.fillna(frame["article_id"].map(dates))
    return pa.array(published.astype("datetime64[ns]"), pa.timestamp("ns"), from_pandas=True)


def _filed(tables: set[str]) -> list[str]:
    """SQL of every way a finding is filed under a pair (module docstring); none files one twice under a pair.

    Each selects (country, counterpart, via, names_both, rid) from the keys view ``k`` of one table.
    """
    def one(table: str, country: str, counterpart: str, via: str, both: str, source: str, where: str = "TRUE") -> str:
        return (f"SELECT {country} AS country, {counterpart} AS counterpart, k.published, '{via}' AS via, "
                f"{both} AS names_both, k.rid FROM {source} WHERE {country} IS NOT NULL AND "
                f"{counterpart} IS NOT NULL AND {country} <> {counterpart} AND {where}")
    out = []
    if "sanctions" in tables:
        out.append(one("sanctions", "k.target", "k.sender", "score", "TRUE", "k_sanctions k"))
    if "procurement" in tables:
        out += [one("procurement", "k.buyer", "r.sender", "score", "FALSE",
                    "k_procurement k JOIN regimes r ON k.supplier = r.supplier",
                    "k.published BETWEEN r.start_date AND r.end_date"),
                one("procurement", "k.buyer", "k.supplier", "direct", "TRUE", "k_procurement k")]
    if "entities" in tables:
        out.append(one("entities", "k.country", "l.sender", "score", "FALSE",
                       "k_entities k JOIN lists l ON k.list_source = l.list_source"))
    if "positions" in tables:
        out.append(one("positions", "k.speaker_country", "k.about_country", "direct", "TRUE", "k_positions k"))
        for own, other in (("country", "counterpart"), ("counterpart", "country")):
            out.append(one("positions", "c.country", "c.counterpart", "score", "FALSE",
                           "k_positions k JOIN (SELECT DISTINCT article_id, country, counterpart FROM context) c "
                           f"ON k.article_id = c.article_id AND k.speaker_country = c.{own}",
                           f"k.about_country IS DISTINCT FROM c.{other}"))
    if "entities" in tables and "sanctions" in tables:
        out.append(one("entities", "c.country", "c.counterpart", "article", "FALSE",
                       "k_entities k JOIN context c ON k.article_id = c.article_id AND c.source_table = 'sanctions'",
                       "k.country IS DISTINCT FROM c.country AND k.country IS DISTINCT FROM c.counterpart"))
    return out


def _context(tables: set[str]) -> str:
    """(article, pair) that sanctions, procurement or entities establish: what links statements and entities."""
    parts = []
    if "sanctions" in tables:
        parts.append("SELECT article_id, target AS country, sender AS counterpart, 'sanctions' AS source_table "
                     "FROM k_sanctions WHERE target IS NOT NULL AND sender IS NOT NULL AND target <> sender")
    if "procurement" in tables:
        parts.append("SELECT k.article_id, k.buyer, r.sender, 'procurement' FROM k_procurement k JOIN regimes r "
                     "ON k.supplier = r.supplier WHERE k.published BETWEEN r.start_date AND r.end_date "
                     "AND k.buyer IS NOT NULL AND k.buyer <> r.sender")
    if "entities" in tables:
        parts.append("SELECT k.article_id, k.country, l.sender, 'entities' FROM k_entities k JOIN lists l "
                     "ON k.list_source = l.list_source WHERE k.country IS NOT NULL AND k.country <> l.sender")
    return " UNION ".join(parts) or ("SELECT NULL::VARCHAR AS article_id, NULL::VARCHAR AS country, "
                                     "NULL::VARCHAR AS counterpart, NULL::VARCHAR AS source_table WHERE FALSE")


def _references(keys: dict[str, pa.Table], weights: risk.RiskWeights) -> dict[str, pa.Table]:
    """The regimes (supplier -> sender, in force from/to) and the list senders, as small tables to join."""
    regimes = [r for r in weights.regimes if r.kind == "supplier"]
    ts = pa.timestamp("ns")
    sources = keys["entities"].column("list_source").unique().drop_null().to_pylist() if "entities" in keys else []
    senders = {s: risk.list_sender(s, weights) for s in sources}
    return {
        "regimes": pa.table({"supplier": pa.array([r.supplier for r in regimes], pa.string()),
                             "sender": pa.array([r.sender for r in regimes], pa.string()),
                             "start_date": pa.array([r.start for r in regimes], ts),
                             "end_date": pa.array([r.end for r in regimes], ts)}),
        "lists": pa.table({"list_source": pa.array([s for s, v in senders.items() if v], pa.string()),
                           "sender": pa.array([v for v in senders.values() if v], pa.string())}),
    }


def _filed_rows(findings: Mapping[str, pd.DataFrame | pa.Table] | StagedFindings, articles: pd.DataFrame,
                weights: risk.RiskWeights | None) -> tuple[pa.Table, list[pa.Table]] | None:
    """(filed, payloads): narrow keys of every filing, sorted by (country, counterpart, published, rid),
    and the wide columns of every finding (row ``rid`` of the tables laid end to end); None without findings.

    Only narrow keys (pair, date, row number) go through DuckDB's joins and sort; the wide columns
    (evidence, label...) are gathered by row number afterwards. Sorting them inside the query
    took minutes and ~10 GB at 5 M findings.
    """
    weights = weights or risk.load_weights()
    dates = articles.drop_duplicates("article_id").set_index("article_id")["published"]
    payloads, keys, offset = [], {}, 0
    for table in schemas.FINDING_TABLES:
        frame = findings.get(table)
        if frame is None or not len(frame):
            continue
        frame = frame if isinstance(frame, pa.Table) else frame.reset_index(drop=True)
        if not isinstance(findings, StagedFindings):  # staged tables build theirs slice by slice
            payloads.append(_payload(table, frame))
        keys[table] = _keys(frame, dates).append_column("rid", pa.array(np.arange(offset, offset + len(frame), dtype=np.int64)))
        offset += len(frame)
    del frame
    if not keys:
        return None
    con = duckdb.connect(":memory:")
    try:
        for name, data in {**{f"k_{t}": k for t, k in keys.items()}, **_references(keys, weights)}.items():
            con.register(name, data)
        con.execute(f"CREATE TEMP TABLE context AS {_context(set(keys))}")
        filed = con.sql(f"SELECT * FROM ({' UNION ALL '.join(_filed(set(keys)))}) "
                        f"ORDER BY country, counterpart, published NULLS LAST, rid").to_arrow_table()
    finally:
        con.close()
    return filed, payloads


def _gather(payloads: list[pa.Table], rid: np.ndarray) -> pa.Table:
    """Rows ``rid`` of the tables' payloads laid end to end, taken table by table (take over a
    table of many chunks was ~10x slower than over contiguous ones, and one contiguous copy of
    every payload would hold the evidence twice)."""
    starts = np.cumsum([0] + [p.num_rows for p in payloads])
    which = np.searchsorted(starts, rid, side="right") - 1
    parts, placed = [], []
    for index in np.unique(which).tolist():
        rows = np.flatnonzero(which == index)
        parts.append(payloads[index].take(pa.array(rid[rows] - starts[index])))
        placed.append(rows)
    if len(parts) == 1:
        return parts[0]
    back = np.empty(len(rid), dtype=np.int64)
    back[np.concatenate(placed)] = np.arange(len(rid))
    return pa.concat_tables(parts).combine_chunks().take(pa.array(back))


def _assemble(filed: pa.Table, body: pa.Table) -> pa.Table:
    """Rows of ``pair_events`` for these filings, with ``body`` their payload rows (same order)."""
    schema = schemas.arrow_schema("pair_events")
    columns = {**{c: filed.column(c) for c in ("country", "counterpart", "published", "via", "names_both")},
               **{c: body.column(c) for c in _PAYLOAD}}
    return pa.table([columns[f.name].cast(f.type) for f in schema], schema=schema)


def pair_events_table(findings: Mapping[str, pd.DataFrame | pa.Table], articles: pd.DataFrame,
                      weights: risk.RiskWeights | None = None) -> pa.Table:
    """``pair_events`` as an Arrow table with its declared schema, sorted by (country, counterpart, published)."""
    rows = _filed_rows(findings, articles, weights)
    if rows is None:
        return schemas.arrow_schema("pair_events").empty_table()
    filed, payloads = rows
    return _assemble(filed, _gather(payloads, filed.column("rid").to_numpy()))


def pair_events_groups(findings: Mapping[str, pd.DataFrame | pa.Table] | StagedFindings, articles: pd.DataFrame,
                       weights: risk.RiskWeights | None = None, rows: int = ROW_GROUP_ROWS) -> Iterator[pa.Table]:
    """``row_groups(pair_events_table(...))`` without the whole table: each group's wide columns are
    gathered only when it is written, so the parent holds one group's copy, not one of every
    finding's evidence (about 0.9 GB at 1 M synthetic articles)."""
    found = _filed_rows(findings, articles, weights)
    if found is None or found[0].num_rows == 0:
        yield schemas.arrow_schema("pair_events").empty_table()
        return
    filed, payloads = found
    cuts = _cuts(filed.column("country"), rows)
    groups = list(zip(cuts[:-1], cuts[1:]))
    if not isinstance(findings, StagedFindings):
        for start, end in groups:
            part = filed.slice(start, end - start)
            yield _assemble(part, _gather(payloads, part.column("rid").to_numpy()))
        return
    while groups:  # a slice of whole groups, about SLICE_ROWS filings, shares one payload read
        take = 1
        while take < len(groups) and groups[take][1] - groups[0][0] <= SLICE_ROWS:
            take += 1
        lo, hi = groups[0][0], groups[take - 1][1]
        needed = np.sort(filed.column("rid").slice(lo, hi - lo).to_numpy())
        needed = needed[np.concatenate([[True], needed[1:] != needed[:-1]])]  # np.unique's hashing is slower
        body = findings.payload(needed)
        for start, end in groups[:take]:
            part = filed.slice(start, end - start)
            yield _assemble(part, body.take(pa.array(np.searchsorted(needed, part.column("rid").to_numpy()))))
        del body
        groups = groups[take:]


def build_pair_events(findings: Mapping[str, pd.DataFrame], articles: pd.DataFrame,
                      weights: risk.RiskWeights | None = None) -> pd.DataFrame:
    """``pair_events`` per schemas.PAIR_EVENTS as a frame, sorted by (country, counterpart, published)."""
    return schemas.conform(pair_events_table(findings, articles, weights).to_pandas(), "pair_events")


def _cuts(country: pa.ChunkedArray, rows: int) -> list[int]:
    """Row-group boundaries: at most ``rows`` per group, and a group never spans a country change
    unless it is small. Counterpart min/max statistics only prune when a group holds one country
    (a group from one country's tail to the next one's head spans every counterpart)."""
    codes = country.combine_chunks().dictionary_encode().indices.to_numpy(zero_copy_only=False)
    starts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist(), len(codes)]
    cuts, group_start = [0], 0
    for run_start, run_end in zip(starts[:-1], starts[1:]):
        if run_end - group_start > rows and run_start > group_start:
            cuts.append(run_start)  # close the group before a country that would overflow it
            group_start = run_start
        while run_end - group_start > rows:
            group_start += rows
            cuts.append(group_start)
    return [*cuts, len(codes)] if cuts[-1] != len(codes) else cuts


def row_groups(events: pd.DataFrame | pa.Table, rows: int = ROW_GROUP_ROWS) -> Iterator[pa.Table]:
    """The built (sorted) table in slices of at most ``rows``, cut at country changes; one
    ``StagedTables.write`` per slice writes one row group, which is what lets DuckDB skip every other
    pair's rows."""
    schema = schemas.arrow_schema("pair_events")
    table = events if isinstance(events, pa.Table) else pa.Table.from_pandas(events, schema=schema,
                                                                             preserve_index=False)
    if table.num_rows == 0:
        yield table
        return
    cuts = _cuts(table.column("country"), rows)
    for start, end in zip(cuts[:-1], cuts[1:]):
        yield table.slice(start, end - start)
