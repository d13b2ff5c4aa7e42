"""Contributions -> ``pair_risk`` rows: decay over periods, score, and cut into batches of whole pairs.

The vectorised part of the score: each collapsed unit is spread over the periods its decay
window reaches, summed per (pair, period, component) and scored by the formula. Batching
(``SeriesBatcher``) bounds memory by units, not by corpus, and cuts pairs where a whole-corpus
run would, so the written tables are the same row group for row group.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import dedupe, schemas
from analysis.risk_formula import COMPONENTS, score_drivers
from analysis.risk_weights import RiskWeights


_PERIOD_DAYS = {"D": 1, "W": 7, "M": 28}  # shortest period length, to size the decay window


def series_batches(sourced: pd.DataFrame, freq: str, weights: RiskWeights,
                   batch_units: int = 250_000) -> Iterator[pa.Table]:
    """Collapse ``sourced_contributions`` into units for ``freq`` and score them a batch of pairs at a time."""
    series = SeriesBatcher(freq, weights, batch_units)
    yield from series.feed(sourced)
    yield from series.finish()


class SeriesBatcher:
    """``series_batches`` over a corpus fed in parts, each holding every contribution of its pairs.

    The pipeline feeds one batch of countries at a time, in country order. Batches of
    pairs are cut where they would be cut in the whole corpus (a pair holding a multiple
    of ``batch_units / span`` units, counted from the first), and the last batch of a
    part waits for the next part, so the tables come out the same, row group for row group.
    """

    def __init__(self, freq: str, weights: RiskWeights, batch_units: int = 250_000) -> None:
        if freq not in _PERIOD_DAYS:
            raise ValueError(f"freq must be one of {sorted(_PERIOD_DAYS)}, got {freq!r}")
        self.freq, self.weights = freq, weights
        self.step = max(batch_units // _span(freq, weights), 1)
        self.carry: pd.DataFrame | None = None  # units of the open batch
        self.offset = 0  # index of the open batch's first unit in the whole corpus

    def feed(self, sourced: pd.DataFrame) -> Iterator[pa.Table]:
        """Score every closed batch of pairs; ``sourced``'s pairs all sort after those fed before."""
        if sourced.empty:
            return
        units = dedupe.collapse_events(sourced, None, self.freq)
        units = units[units["weight"] > 0].sort_values(["country", "counterpart"], kind="stable")
        if units.empty:
            return
        if self.carry is not None:
            units = pd.concat([self.carry, units])
        units = units.reset_index(drop=True)
        pair_code = pd.factorize(units["country"].astype(str) + "\x1f" + units["counterpart"].astype(str))[0]
        pair_start = np.flatnonzero(np.diff(pair_code, prepend=-1))  # first unit of each pair
        first = -(-self.offset // self.step) * self.step - self.offset  # first multiple of step in this part
        marks = np.arange(first, len(units), self.step)
        cuts = pair_start[np.unique(np.searchsorted(pair_start, marks, side="right") - 1)]
        cuts = np.unique(np.concatenate([[0], cuts]))  # the open batch (or the corpus) starts a batch
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            yield _decay_and_score(units.iloc[lo:hi].reset_index(drop=True), self.freq, self.weights)
        self.carry = units.iloc[cuts[-1]:]
        self.offset += int(cuts[-1])

    def finish(self) -> Iterator[pa.Table]:
        """The last batch."""
        if self.carry is not None and len(self.carry):
            yield _decay_and_score(self.carry.reset_index(drop=True), self.freq, self.weights)
        self.carry = None


def _span(freq: str, weights: RiskWeights) -> int:
    """How many periods of ``freq`` a unit's decay window can reach (its own included)."""
    return int(math.ceil(weights.half_life_days * weights.window_half_lives / _PERIOD_DAYS[freq])) + 1


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of int64 codes by sorting: numpy 2's hash-based unique took 20x longer here."""
    values = np.sort(values)
    return values[np.concatenate([[True], values[1:] != values[:-1]])] if len(values) else values


def _list_column(row_of: np.ndarray, unit: np.ndarray, ids_of_unit: np.ndarray, rows: int) -> pa.Array:
    """Sorted distinct finding ids per row, from the (row, unit) pairs that count, as an Arrow list column."""
    lengths = np.fromiter((len(ids) for ids in ids_of_unit), dtype=np.int64, count=len(ids_of_unit))
    codes, names = pd.factorize(np.concatenate(ids_of_unit).astype(object), sort=True)
    starts = np.cumsum(lengths) - lengths
    take = lengths[unit]
    flat = np.repeat(starts[unit] - np.cumsum(take) + take, take) + np.arange(take.sum())
    key = _sorted_distinct(np.repeat(row_of.astype(np.int64), take) * len(names) + codes[flat])
    offsets = np.concatenate([[0], np.cumsum(np.bincount(key // len(names), minlength=rows))]).astype(np.int32)
    values = pa.array(np.asarray(names, dtype=object), pa.string()).take(pa.array(key % len(names)))
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _decay_and_score(units: pd.DataFrame, freq: str, weights: RiskWeights) -> pa.Table:
    """Spread each unit over the periods of its window, decayed, and score every (pair, period).

    Every period between a pair's first and last row is kept (score 0 when nothing counts),
    so series and "change since the previous period" read without gaps.
    """
    window_days = weights.half_life_days * weights.window_half_lives
    span = _span(freq, weights)
    pair_code = pd.factorize(units["country"].astype(str) + "\x1f" + units["counterpart"].astype(str))[0]
    first_unit = np.unique(pair_code, return_index=True)[1]  # codes are 0..k-1 in order
    comp_code = units["component"].map({c: i for i, c in enumerate(COMPONENTS)}).to_numpy()
    unit = np.repeat(np.arange(len(units)), span)
    period = units["period"].to_numpy()[unit] + np.tile(np.arange(span), len(units))
    first_period = int(period.min())
    ends = pd.PeriodIndex.from_ordinals(np.arange(first_period, int(period.max()) + 1), freq=freq).end_time
    end_day = ends.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)[period - first_period]
    pub_day = units["published"].to_numpy().astype("datetime64[D]").astype(np.int64)[unit]
    age = (end_day - pub_day).astype(float)
    keep = age <= window_days
    unit, period, age = unit[keep], period[keep], age[keep]
    value = units["weight"].to_numpy()[unit] * np.power(0.5, age / weights.half_life_days)

    base = int(period.min())
    width = int(period.max()) - base + 1
    row_key = pair_code[unit].astype(np.int64) * width + (period - base)
    # every period from a pair's first to its last row: rows are the pairs' ranges laid end to end
    pairs = len(first_unit)
    lo = np.full(pairs, np.iinfo(np.int64).max)
    hi = np.full(pairs, np.iinfo(np.int64).min)
    np.minimum.at(lo, pair_code[unit], row_key)
    np.maximum.at(hi, pair_code[unit], row_key)
    length = hi - lo + 1
    offset = np.cumsum(length) - length
    rows = np.repeat(lo - offset, length) + np.arange(length.sum())
    row_of = offset[pair_code[unit]] + (row_key - lo[pair_code[unit]])
    sums = np.bincount(row_of * len(COMPONENTS) + comp_code[unit], weights=value,
                       minlength=len(rows) * len(COMPONENTS)).reshape(len(rows), len(COMPONENTS))
    drivers = pd.DataFrame(sums, columns=list(COMPONENTS))
    points = score_drivers(drivers, weights.scale)

    counted = points[list(COMPONENTS)].to_numpy()[row_of, comp_code[unit]] != 0
    finding_ids = _list_column(row_of[counted], unit[counted], units["finding_ids"].to_numpy(), len(rows))
    pair_of_row = first_unit[rows // width]
    schema = schemas.arrow_schema("pair_risk")
    columns = {
        "country": pa.array(units["country"].to_numpy(dtype=object)[pair_of_row], pa.string()),
        "counterpart": pa.array(units["counterpart"].to_numpy(dtype=object)[pair_of_row], pa.string()),
        "period": pa.array(pd.PeriodIndex.from_ordinals(rows % width + base, freq=freq).start_time
                           .to_numpy().astype("datetime64[ns]"), pa.timestamp("ns")),
        "freq": pa.array(np.full(len(rows), freq, dtype=object), pa.string()),
        **{c: pa.array(points[c].to_numpy(), pa.float64()) for c in ("score", *COMPONENTS)},
        "finding_ids": finding_ids,
    }
    return pa.table([columns[f.name].cast(f.type) for f in schema], schema=schema)
