"""Findings -> ``pair_risk``: a 0-100 score per (country, counterpart, period) that decomposes into drivers.

The formula (docs/RISK.md) is ``score_drivers``; everything else turns findings
into decayed driver sums. Each finding becomes a weighted contribution to one
component of one pair, repeats of the same event by the same independent
source collapse (analysis.dedupe), contributions decay with a half-life and
stop counting after a window, and each row lists the finding ids behind its
non-zero components so the dashboard can answer "why is this pair red?".
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import dedupe, review, schemas
from analysis.vocab import DATA_DIR, VocabError, read_csv_rows

COMPONENTS = ("threats", "imposed", "relief", "procurement", "hostile_statements",
              "defiant_statements", "listed_entities")
PRESSURE = tuple(c for c in COMPONENTS if c != "relief")
_PERIOD_DAYS = {"D": 1, "W": 7, "M": 28}  # shortest period length, to size the decay window
_SIDES = {"sanctions": {"target"}, "procurement": {"buyer"}, "positions": {"counterpart", "country"},
          "entities": {"country"}}


@dataclass(frozen=True)
class RiskRule:
    """One weighted way a finding feeds a component (a row of risk_weights.csv)."""

    rule_id: str
    component: str
    table: str
    side: str
    when: tuple[tuple[str, str], ...]
    weight: float

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Which rows of a finding frame meet every condition ("*" = any non-empty value)."""
        out = pd.Series(True, index=frame.index)
        for column, value in self.when:
            col = frame[column] if column in frame.columns else pd.Series(None, index=frame.index, dtype=object)
            have = col.notna() & (col.astype("string").str.len() > 0).fillna(False)
            out &= have if value == "*" else (col.astype("string") == value).fillna(False)
        return out.astype(bool)


@dataclass(frozen=True)
class Regime:
    """A sender that can punish purchases from ``supplier`` (kind=supplier) or owns a list (kind=list)."""

    regime_id: str
    kind: str
    sender: str
    supplier: str
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class RiskWeights:
    """Everything the score depends on, loaded from data/rules (never hard-coded)."""

    rules: tuple[RiskRule, ...]
    modality: Mapping[str, float]
    regimes: tuple[Regime, ...]
    half_life_days: float = 60.0
    window_half_lives: float = 4.0
    scale: float = 6.0
    alert_jump_points: float = 15.0
    sources: tuple[str, ...] = field(default=())


def parse_when(text: str) -> tuple[tuple[str, str], ...]:
    """``"topic=deal;stance=oppose"`` -> (("topic", "deal"), ("stance", "oppose"))."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    return tuple((k.strip(), v.strip()) for k, v in (p.split("=", 1) for p in parts))


def load_weights(data_dir: Path | None = None) -> RiskWeights:
    """Read risk_weights.csv and risk_regimes.csv; raises VocabError naming the bad row."""
    root = Path(data_dir) if data_dir else DATA_DIR
    path = root / "rules" / "risk_weights.csv"
    rules, modality, params = [], {}, {}
    for row in read_csv_rows(path, ["rule_id", "component", "table", "side", "when", "weight"]):
        try:
            weight = float(row["weight"])
        except ValueError as exc:
            raise VocabError(f"{path}: {row['rule_id']}: weight {row['weight']!r} is not a number") from exc
        if weight < 0:
            raise VocabError(f"{path}: {row['rule_id']}: weights are >= 0 (relief is subtracted by the formula)")
        if row["component"] == "param":
            params[row["when"]] = weight
        elif row["component"] == "modality":
            modality[dict(parse_when(row["when"]))["modality"]] = weight
        elif row["component"] in COMPONENTS and row["side"] in _SIDES.get(row["table"], ()):
            rules.append(RiskRule(row["rule_id"], row["component"], row["table"], row["side"],
                                  parse_when(row["when"]), weight))
        else:
            raise VocabError(f"{path}: {row['rule_id']}: unknown component/table/side combination")
    regimes_path = root / "rules" / "risk_regimes.csv"
    regimes = tuple(
        Regime(r["regime_id"], r["kind"], r["sender"], r["supplier"],
               pd.Timestamp(r["start"] or "1900-01-01"), pd.Timestamp(r["end"] or "2262-01-01"))
        for r in read_csv_rows(regimes_path, ["regime_id", "kind", "sender", "supplier", "start", "end"]))
    return RiskWeights(tuple(rules), modality, regimes, **params, sources=(str(path), str(regimes_path)))


def points(weight: float | np.ndarray, scale: float) -> float | np.ndarray:
    """Score of a pair whose only driver has this raw weight: the saturating curve on its own."""
    return 100.0 * (1.0 - np.exp(-np.asarray(weight, dtype=float) / scale))


def regime_senders(supplier: str, when: pd.Timestamp, weights: RiskWeights) -> list[str]:
    """Senders whose regime covers purchases from ``supplier`` on ``when``."""
    return sorted({r.sender for r in weights.regimes
                   if r.kind == "supplier" and r.supplier == supplier and r.start <= when <= r.end})


def score_drivers(drivers: pd.DataFrame, scale: float) -> pd.DataFrame:
    """The formula: decayed driver sums (one column per component, all >= 0) -> points.

    ``net = max(0, sum(pressure drivers) - relief)``; ``score = 100 (1 - exp(-net / scale))``.
    Each pressure column gets its share of the gross score ``100 (1 - exp(-pressure / scale))``
    in proportion to its driver; ``relief`` gets ``score - gross`` (<= 0). So the columns add
    up to the score exactly, the score stays in [0, 100), rises with every pressure driver
    and falls with relief.
    """
    pressure = drivers[list(PRESSURE)].sum(axis=1).to_numpy()
    net = np.maximum(pressure - drivers["relief"].to_numpy(), 0.0)
    score = 100.0 * (1.0 - np.exp(-net / scale))
    gross = 100.0 * (1.0 - np.exp(-pressure / scale))
    share = np.divide(gross, pressure, out=np.zeros_like(gross), where=pressure > 0)
    out = pd.DataFrame({c: drivers[c].to_numpy() * share for c in PRESSURE}, index=drivers.index)
    out["relief"] = score - gross
    out["score"] = score
    return out


_CONTRIB_COLUMNS = ["finding_id", "article_id", "published", "country", "counterpart", "component",
                    "event", "weight"]


def _emit(frame: pd.DataFrame, rule: RiskRule, country: pd.Series, counterpart: pd.Series,
          event_cols: list[str], weights: RiskWeights) -> pd.DataFrame:
    """Contribution rows of one rule: the pair, an event key naming the fact, and the weight."""
    if "modality" in frame.columns:
        factor = frame["modality"].astype(object).map(weights.modality).fillna(1.0).astype(float)
    else:
        factor = pd.Series(1.0, index=frame.index)
    confidence = pd.to_numeric(frame["confidence"], errors="coerce").fillna(1.0).clip(0.0, 1.0)
    event = pd.Series(rule.table, index=frame.index, dtype="string")
    for column in event_cols:
        event = event + "|" + frame[column].astype("string").fillna("")
    out = pd.DataFrame({
        "finding_id": frame["finding_id"].astype(str), "article_id": frame["article_id"].astype(str),
        "published": frame["published"], "country": country.astype(str),
        "counterpart": counterpart.astype(str), "component": rule.component,
        "event": event, "weight": rule.weight * factor * confidence,
    })
    return out[out["country"] != out["counterpart"]]


def _regime_pairs(frame: pd.DataFrame, weights: RiskWeights) -> pd.DataFrame:
    """Procurement rows joined to every sender whose regime covers the supplier on that date."""
    regimes = pd.DataFrame([r.__dict__ for r in weights.regimes if r.kind == "supplier"])
    if regimes.empty or frame.empty:
        return frame.assign(sender=pd.Series(dtype=object)).iloc[0:0]
    joined = frame.merge(regimes[["supplier", "sender", "start", "end"]], on="supplier")
    inside = (joined["published"] >= joined["start"]) & (joined["published"] <= joined["end"])
    return joined[inside & (joined["buyer"] != joined["sender"])].drop(columns=["start", "end"])


def list_sender(list_source: object, weights: RiskWeights) -> str | None:
    """The sender behind a screening list: exact list key, else the longest key it starts with."""
    if not isinstance(list_source, str) or not list_source:
        return None
    key = list_source.strip().lower()
    lists = {r.supplier.lower(): r.sender for r in weights.regimes if r.kind == "list"}
    hits = [k for k in lists if key == k or key.startswith(k)]
    return lists[max(hits, key=len)] if hits else None


def contributions(findings: Mapping[str, pd.DataFrame], weights: RiskWeights,
                  articles: pd.DataFrame | None = None, countries: Collection[str] | None = None,
                  senders: set[str] | None = None, dates: pd.Series | None = None) -> pd.DataFrame:
    """One row per (finding, pair, component) with its weight before decay and deduplication.

    Positions rarely name both countries, so a statement also joins every pair
    that the same article establishes through sanctions, procurement or entities
    in which the speaker is the counterpart (hostile) or the country (defiant).

    ``countries`` keeps only the rows whose exposed country is one of them, so a
    corpus can be scored a batch of countries at a time (the rows are the same,
    in the same order, as those of the whole corpus); a statement only counts
    against a counterpart that is a sender somewhere in the corpus, so batches
    pass that set (``statement_senders`` of every finding) as ``senders``.
    Missing finding dates come from ``dates`` (article_id -> published) or ``articles``.
    """
    frames = {k: v for k, v in findings.items() if v is not None and not v.empty}
    if countries is not None:
        frames = {k: v[v[_COUNTRY_COLUMN[k]].isin(countries)] if k in _COUNTRY_COLUMN else v
                  for k, v in frames.items()}
    if dates is None and articles is not None:
        dates = articles.set_index("article_id")["published"]
    if dates is not None:
        frames = {k: _dated(v, dates) for k, v in frames.items()}
    parts: list[pd.DataFrame] = []
    for rule in weights.rules:
        frame = frames.get(rule.table)
        if frame is None or rule.table == "positions":
            continue
        hit = frame[rule.mask(frame)]
        if rule.table == "sanctions":
            hit = hit[hit["target"].notna() & hit["sender"].notna()]
            parts.append(_emit(hit, rule, hit["target"], hit["sender"],
                               ["sender", "target", "action", "regime"], weights))
        elif rule.table == "procurement":
            hit = _regime_pairs(hit[hit["buyer"].notna() & hit["supplier"].notna()], weights)
            parts.append(_emit(hit, rule, hit["buyer"], hit["sender"],
                               ["buyer", "supplier", "system", "stage"], weights))
        elif rule.table == "entities":
            sender = hit["list_source"].map(lambda s: list_sender(s, weights))
            keep = sender.notna() & hit["country"].notna()
            hit = hit[keep]
            hit = hit.assign(_key=hit["list_id"].fillna(hit["name"]))
            parts.append(_emit(hit, rule, hit["country"], sender[keep], ["_key"], weights))
    base = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_CONTRIB_COLUMNS)
    positions = frames.get("positions")
    if positions is not None:
        parts.append(_position_contributions(positions, base, weights, senders))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else base
    if countries is not None:  # statements filed under a country of another batch
        out = out[out["country"].isin(countries)]
    return out[_CONTRIB_COLUMNS].drop_duplicates(["finding_id", "country", "counterpart", "component"])


_COUNTRY_COLUMN = {"sanctions": "target", "procurement": "buyer", "entities": "country"}  # the exposed country


def _dated(frame: pd.DataFrame, dates: pd.Series) -> pd.DataFrame:
    """Findings without a date take their article's (only those rows are looked up)."""
    missing = frame["published"].isna()
    if not missing.any():
        return frame
    return frame.assign(published=frame["published"].fillna(frame["article_id"].map(dates)))


def statement_senders(findings: Mapping[str, pd.DataFrame], weights: RiskWeights) -> set[str]:
    """Counterparts a statement can count against: the sender of any scored sanctions finding and
    every regime's sender (the only counterparts procurement and listed entities give)."""
    scored = contributions({"sanctions": findings.get("sanctions")}, weights)
    return set(scored["counterpart"]) | {r.sender for r in weights.regimes}


def _position_contributions(positions: pd.DataFrame, base: pd.DataFrame, weights: RiskWeights,
                            senders: set[str] | None = None) -> pd.DataFrame:
    """Hostile statements (speaker = counterpart) and defiant ones (speaker = country)."""
    if senders is None:
        senders = set(base["counterpart"]) | {r.sender for r in weights.regimes}
    context = base[["article_id", "country", "counterpart"]].drop_duplicates()
    parts = []
    for rule in (r for r in weights.rules if r.table == "positions"):
        hit = positions[rule.mask(positions) & positions["speaker_country"].notna()]
        own, other = ("counterpart", "country") if rule.side == "counterpart" else ("country", "counterpart")
        direct = hit[hit["about_country"].notna()]
        direct = direct.assign(**{own: direct["speaker_country"], other: direct["about_country"]})
        linked = hit.merge(context.rename(columns={own: "speaker_country"}), on=["article_id", "speaker_country"])
        linked[own] = linked["speaker_country"]
        both = pd.concat([direct, linked], ignore_index=True)
        both = both[both["counterpart"].isin(senders)]
        parts.append(_emit(both, rule, both["country"], both["counterpart"],
                           ["speaker_country", "about_country", "topic", "stance"], weights))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_CONTRIB_COLUMNS)


def score_pairs(articles: pd.DataFrame, findings: Mapping[str, pd.DataFrame], freq: str = "M",
                weights: RiskWeights | None = None, reviews: pd.DataFrame | None = None,
                clusters: pd.DataFrame | None = None) -> pd.DataFrame:
    """``pair_risk`` per schemas.PAIR_RISK for periods of ``freq`` (D, W or M), as one frame.

    ``clusters`` (dedupe.cluster_articles) is computed from the article text when
    not given; pass it when the pipeline already has it. Findings an analyst
    marked wrong in ``reviews`` (review.load_reviews) are dropped first.
    """
    parts = list(score_pair_batches(articles, findings, freq, weights, reviews, clusters))
    if not parts:
        return schemas.empty("pair_risk")
    frame = pa.concat_tables(parts).to_pandas()
    frame["finding_ids"] = [list(ids) for ids in frame["finding_ids"]]
    return schemas.conform(frame, "pair_risk")


def score_pair_batches(articles: pd.DataFrame, findings: Mapping[str, pd.DataFrame], freq: str = "M",
                       weights: RiskWeights | None = None, reviews: pd.DataFrame | None = None,
                       clusters: pd.DataFrame | None = None, batch_units: int = 250_000) -> Iterator[pa.Table]:
    """``pair_risk`` as Arrow tables of whole pairs, in (country, counterpart, period) order.

    Memory stays bounded by ``batch_units`` (unit x period spreads per batch), not
    by the corpus: the pipeline writes each batch and drops it.
    """
    weights = weights or load_weights()
    sourced = sourced_contributions(articles, findings, weights, reviews, clusters)
    return series_batches(sourced, freq, weights, batch_units)


def sourced_contributions(articles: pd.DataFrame, findings: Mapping[str, pd.DataFrame], weights: RiskWeights,
                          reviews: pd.DataFrame | None = None, clusters: pd.DataFrame | None = None) -> pd.DataFrame:
    """Contributions (``contributions``) with the independent source of each; the same for every period length."""
    findings = review.drop_rejected(dict(findings), reviews)
    contribs = contributions(findings, weights, articles)
    if contribs.empty:
        return contribs.assign(source_key=pd.Series(dtype="string"))
    if clusters is None and "text" in articles.columns:
        clusters = dedupe.cluster_articles(articles)
    return dedupe.attach_sources(contribs, dedupe.source_keys(articles, clusters))


def with_sources(contribs: pd.DataFrame, sources: pd.Series) -> pd.DataFrame:
    """``dedupe.attach_sources`` with the article -> source map (``source_key`` by ``article_id``) built
    once: the pipeline attaches sources batch by batch and would otherwise re-hash every article each time."""
    frame = contribs.reset_index(drop=True)
    if frame.empty:
        return frame.assign(source_key=pd.Series(dtype="string"))
    known = frame["article_id"].map(sources)
    frame["source_key"] = known.fillna("article:" + frame["article_id"].astype(str))
    return frame


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
