"""What ``pair_events`` shows of each finding (its payload) and the keys that file it under pairs.

The payload (readable label, evidence, span, rule...) is wide; the keys (countries, date) are
narrow. They are built apart so the filing join and sort only ever see the keys, and
``StagedFindings`` can read the wide columns of just the rows an output slice needs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import schemas, store

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
