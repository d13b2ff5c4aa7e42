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

The filing rules are SQL in analysis.events_filing; what each row shows (and the
staged-table reader) is analysis.events_payload; this module gathers and cuts the
sorted rows into row groups.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import risk, schemas
from analysis.events_filing import _filed_rows
from analysis.events_payload import _PAYLOAD, StagedFindings

__all__ = ["ROW_GROUP_ROWS", "SLICE_ROWS", "StagedFindings", "build_pair_events", "pair_events_groups",
           "pair_events_table", "row_groups"]

# Rows per Parquet row group: small enough that a pair reads a few groups, large enough that the
# footer DuckDB parses on every query stays small (5 M findings -> 6.3 M rows -> 97 groups, 200 KB).
# 16 k / 32 k / 64 k / 128 k rows cost 70 / 52 / 44 / 45 ms CPU per pair read (docs/DASHBOARD.md).
ROW_GROUP_ROWS = 65_536
SLICE_ROWS = 1_000_000  # filings whose evidence is held at once while the staged tables are written


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
