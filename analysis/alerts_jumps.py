"""Score-jump alerts: a pair's score rising sharply over its previous period, with the new findings behind it.

The only alert kind read from ``pair_risk`` rather than from the findings, and the one that
runs batch by batch over a million-article corpus: column operations over each batch, a
compact ``finding_id -> published`` lookup (``Published``), and Python records only for
the few rows that jump. The alert id digest lives here and is shared by every kind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.risk import COMPONENTS, RiskWeights


def _alert_id(kind: str, *key: object) -> str:
    raw = "\x1f".join([kind, *("" if k is None or k is pd.NA else str(k) for k in key)])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def _previous_in_group(keys: pd.DataFrame) -> np.ndarray:
    """True where a row continues the group of the row before it (frame sorted by ``keys``)."""
    same = np.ones(len(keys), dtype=bool)
    same[0:1] = False
    for column in keys.columns:
        values = keys[column].to_numpy(dtype=object)
        same[1:] &= values[1:] == values[:-1]
    return same


class Published:
    """``finding_id -> published`` for many ids at once, from two sorted arrays.

    A pandas Series or a dict of a million findings' dates takes several hundred MB and
    answers one id at a time; the pipeline's ids (ASCII digests) as fixed-width bytes
    next to int64 dates take 24 bytes a finding. The first occurrence of an id wins.
    """

    def __init__(self, ids: Iterable[object], dates: Iterable[object]) -> None:
        self._ids, self._dates = self._sorted_first([(np.asarray(list(ids), dtype=object),
                                                      pd.to_datetime(pd.Series(list(dates), dtype=object)))])

    @classmethod
    def from_columns(cls, parts: Iterable[tuple[np.ndarray, np.ndarray]]) -> "Published":
        """From (finding ids, dates) per table, in precedence order."""
        out = cls.__new__(cls)
        out._ids, out._dates = cls._sorted_first(list(parts))
        return out

    @staticmethod
    def _sorted_first(parts: list[tuple[np.ndarray, object]]) -> tuple[np.ndarray, np.ndarray]:
        ids = np.concatenate([np.asarray(i, dtype=object) for i, _ in parts] or [np.zeros(0, dtype=object)])
        dates = np.concatenate([np.asarray(d, dtype="datetime64[ns]") for _, d in parts]
                               or [np.zeros(0, dtype="datetime64[ns]")])
        try:
            ids = ids.astype("S")
        except UnicodeEncodeError:
            ids = ids.astype(str)
        order = np.argsort(ids, kind="stable")  # equal ids keep their order: the first of each run wins
        ids = ids[order]
        first = np.concatenate([[True], ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, dtype=bool)
        return ids[first], dates[order[first]]

    def dates(self, ids: list[str]) -> np.ndarray:
        """datetime64[ns] of each id, NaT when unknown."""
        nat = np.datetime64("NaT", "ns")
        if not ids or not len(self._ids):
            return np.full(len(ids), nat, dtype="datetime64[ns]")
        try:
            keys = np.asarray(ids, dtype=self._ids.dtype.kind)
        except UnicodeEncodeError:  # an id that is not ASCII is none of the ASCII ids held
            return np.array([self.dates([f])[0] if f.isascii() else nat for f in ids], dtype="datetime64[ns]")
        pos = np.minimum(np.searchsorted(self._ids, keys), len(self._ids) - 1)
        return np.where(self._ids[pos] == keys, self._dates[pos], nat)


def score_jumps(pair_risk: pd.DataFrame | pa.Table, published: Published | pd.Series, weights: RiskWeights,
                rejected: set[str]) -> list[dict]:
    """A pair's score rising by ``alert_jump_points`` or more over its previous period.

    Evidence is the findings first published within the period (what is new);
    when nothing is new (relief ageing out) it is every finding of the row.
    Column operations over the whole table (a missing previous period counts as
    0); only the few rows that jump become Python records.
    """
    if not len(pair_risk):
        return []
    if isinstance(published, pd.Series):
        published = Published(published.index, published.to_numpy())
    if isinstance(pair_risk, pa.Table):  # the id lists are read for the rows that jump only
        ids_column = pair_risk.column("finding_ids")
        frame = pair_risk.drop_columns(["finding_ids"]).to_pandas()
        ids_of = lambda pos: ids_column[pos].as_py()  # noqa: E731
    else:
        frame = pair_risk.reset_index(drop=True)
        ids_of = frame["finding_ids"].iloc.__getitem__
    frame = frame.sort_values(["country", "counterpart", "freq", "period"], kind="stable")
    ordinal = np.zeros(len(frame), dtype=np.int64)
    for freq in frame["freq"].unique():
        mask = (frame["freq"] == freq).to_numpy()
        ordinal[mask] = pd.PeriodIndex(frame.loc[mask, "period"], freq=freq).asi8
    same = _previous_in_group(frame[["country", "counterpart", "freq"]])
    score = frame["score"].to_numpy(dtype=float)
    adjacent = same.copy()
    adjacent[1:] &= np.diff(ordinal) == 1
    previous = np.where(adjacent, np.concatenate([[0.0], score[:-1]]), 0.0)
    delta = score - previous
    hits = np.flatnonzero(delta >= weights.alert_jump_points)
    comps = frame[list(COMPONENTS)].to_numpy(dtype=float)
    # the jumping rows' cells as Python values once (a row lookup per hit cost most of the stage)
    rows = frame.iloc[hits]
    cells = zip(hits.tolist(), rows["country"].tolist(), rows["counterpart"].tolist(), rows["freq"].tolist(),
                rows["period"].tolist(), rows["score"].tolist(), rows.index.tolist())
    out = []
    for i, country, counterpart, freq, start, row_score, pos in cells:
        comp_delta = comps[i] - comps[i - 1] if same[i] else comps[i]
        end = (pd.Period(start, freq=freq) + 1).start_time
        ids = [f for f in ids_of(int(pos)) if f not in rejected]
        days = published.dates(ids)
        new = [f for f, day in zip(ids, (days >= start.to_datetime64()) & (days < end.to_datetime64())) if day] or ids
        out.append({
            "alert_id": _alert_id("score_jump", country, counterpart, freq, start),
            "kind": "score_jump", "country": country, "counterpart": counterpart, "date": start,
            "message": f"{country}-{counterpart} risk rose {delta[i]:.0f} points to {row_score:.0f} "
                       f"in the period from {start:%Y-%m-%d}; largest driver: {COMPONENTS[int(np.argmax(comp_delta))]}",
            "severity": float(delta[i]), "finding_ids": sorted(new)})
    return out
