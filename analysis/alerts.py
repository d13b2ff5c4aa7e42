"""Alerts: the few changes an analyst should look at today, each naming the findings behind it.

Four kinds (schemas.ALERTS ``kind``): ``score_jump`` (a pair gains at least
``alert_jump_points`` over its previous period), ``deal_stage`` (a deal is first
reported at contract or delivery), ``stance_shift`` (a country's stance on a
topic flips between support and oppose) and ``listed_entity`` (a listed
organisation first appears in the news). Rejected findings (reviews) never
raise an alert nor appear as evidence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import review, schemas
from analysis.risk import COMPONENTS, RiskWeights, list_sender, load_weights, points, regime_senders

ALERT_STAGES = ("contract", "delivery")  # the stages sanctions laws punish (risk_weights.csv)
SHIFT_STANCES = ("support", "oppose")


def _alert_id(kind: str, *key: object) -> str:
    raw = "\x1f".join([kind, *("" if k is None or k is pd.NA else str(k) for k in key)])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def _rule_weight(weights: RiskWeights, table: str, **values: str) -> float:
    for rule in weights.rules:
        if rule.table == table and all(values.get(k) == v or v == "*" for k, v in rule.when):
            return rule.weight
    return 0.0


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


def deal_stages(procurement: pd.DataFrame, weights: RiskWeights) -> list[dict]:
    """A deal (buyer, supplier, system) first reported at contract or delivery.

    One alert per sender whose regime covers the supplier then; a deal no regime
    covers still alerts, with no counterpart and severity 0 (information only).
    """
    keys = ["buyer", "supplier", "system", "stage"]
    frame = procurement[procurement["stage"].isin(ALERT_STAGES)].dropna(subset=["buyer", "supplier", "system", "published"])
    if frame.empty:
        return []
    first = frame.groupby(keys)["published"].transform("min")
    firsts = frame[frame["published"] == first].sort_values(keys, kind="stable")
    evidence: dict[tuple, tuple[pd.Timestamp, list[str]]] = {}
    for key, day, finding in zip(zip(*(firsts[k] for k in keys)), firsts["published"], firsts["finding_id"].astype(str)):
        evidence.setdefault(key, (day, []))[1].append(finding)
    out = []
    for (buyer, supplier, system, stage), (first, ids) in evidence.items():
        ids = sorted(ids)
        senders = regime_senders(supplier, first, weights) or [None]
        for sender in senders:
            severity = points(_rule_weight(weights, "procurement", stage=stage), weights.scale) if sender else 0.0
            covered = f"; purchases from {supplier} are covered by {sender} sanctions" if sender else ""
            out.append({
                "alert_id": _alert_id("deal_stage", buyer, supplier, system, stage, sender),
                "kind": "deal_stage", "country": buyer, "counterpart": sender, "date": first,
                "message": f"{buyer} deal for {system} from {supplier} reached {stage}{covered}",
                "severity": float(severity), "finding_ids": ids})
    return out


def stance_shifts(positions: pd.DataFrame, weights: RiskWeights) -> list[dict]:
    """A country's stance on a topic (about the same country) flipping between support and oppose.

    Stances are read per day (the day's majority; a tied day is skipped as unclear)
    so one article quoting both sides does not count as a shift. One count per
    (speaker, about, topic, day, stance), compared with the group's previous clear day.
    """
    frame = positions[positions["stance"].isin(SHIFT_STANCES)].dropna(subset=["speaker_country", "published"])
    frame = frame.assign(about=frame["about_country"].fillna(""), day=frame["published"].dt.normalize())
    frame = frame.dropna(subset=["topic"])
    if frame.empty:
        return []
    keys = ["speaker_country", "about", "topic"]
    grouping = frame.groupby([*keys, "day", "stance"], sort=True)
    code = grouping.ngroup().to_numpy()  # each finding's (keys, day, stance) group, numbered in sorted order
    counts = grouping.size().unstack("stance", fill_value=0)
    counts = counts.reindex(columns=list(SHIFT_STANCES), fill_value=0)
    support, oppose = counts["support"].to_numpy(), counts["oppose"].to_numpy()
    # the group number of a (keys, day) row's oppose and support findings: "oppose" sorts first
    first = np.cumsum((oppose > 0).astype(np.int64) + (support > 0)) - (oppose > 0) - (support > 0)
    chosen = support != oppose
    group = np.where(support > oppose, first + (oppose > 0), first)[chosen]
    clear = counts[chosen].reset_index()
    clear["clear"] = np.where(clear["support"] > clear["oppose"], "support", "oppose")
    # same (speaker, about, topic) as the row before: compared as index codes, not as strings
    levels = np.stack([counts.index.codes[k][chosen] for k in range(len(keys))], axis=1)
    same = np.zeros(len(clear), dtype=bool)
    same[1:] = (levels[1:] == levels[:-1]).all(axis=1)
    stance = clear["clear"].to_numpy(dtype=object)
    shifted = np.flatnonzero(same[1:] & (stance[1:] != stance[:-1])) + 1 if len(clear) > 1 else []
    if not len(shifted):
        return []
    evidence = _members(code, frame["finding_id"], np.concatenate([group[shifted], group[shifted - 1]]))
    now, before = clear.iloc[shifted], clear.iloc[shifted - 1]
    weight_of: dict[tuple[str, str], float] = {}
    out = []
    for i, speaker, about, topic, day, clear_now, day_before, clear_before in zip(
            shifted.tolist(), *(now[c].tolist() for c in [*keys, "day", "clear"]),
            before["day"].tolist(), before["clear"].tolist()):
        if (topic, clear_now) not in weight_of:
            weight_of[topic, clear_now] = _rule_weight(weights, "positions", topic=topic, stance=clear_now)
        about_text = f" about {about}" if about else ""
        out.append({
            "alert_id": _alert_id("stance_shift", speaker, about, topic, day),
            "kind": "stance_shift", "country": speaker, "counterpart": about or None, "date": day,
            "message": f"{speaker} moved from {clear_before} to {clear_now} on {topic}{about_text} "
                       f"(previous: {day_before:%Y-%m-%d})",
            "severity": float(points(max(weight_of[topic, clear_now], 0.5), weights.scale)),
            "finding_ids": sorted(evidence(group[i]) + evidence(group[i - 1]))})
    return out


def _members(code: np.ndarray, finding_ids: pd.Series, wanted: np.ndarray) -> Callable[[int], list[str]]:
    """The finding ids of group ``g`` (one of ``wanted``) as a list, from findings sorted by group once
    (a Python loop over every finding, keyed by tuples, cost 20 s and 1 GB at 1 M articles)."""
    rows = np.flatnonzero(np.isin(code, wanted))
    rows = rows[np.argsort(code[rows], kind="stable")]
    codes = code[rows]
    ids = finding_ids.iloc[rows].astype(str).to_numpy(dtype=object)

    def of(group: int) -> list[str]:
        return ids[np.searchsorted(codes, group, side="left"):np.searchsorted(codes, group, side="right")].tolist()
    return of


def listed_entities(entities: pd.DataFrame, weights: RiskWeights) -> list[dict]:
    """A listed organisation appearing in the news for the first time."""
    out = []
    frame = entities.dropna(subset=["published"])
    frame = frame.assign(key=frame["list_id"].fillna(frame["name"])).dropna(subset=["key"])
    for key, rows in frame.groupby("key"):
        first = rows["published"].min()
        hit = rows[rows["published"] == first]
        top = hit.sort_values("score", ascending=False).iloc[0]
        sender = list_sender(top["list_source"], weights)
        score = float(top["score"]) if pd.notna(top["score"]) else 1.0
        out.append({
            "alert_id": _alert_id("listed_entity", key),
            "kind": "listed_entity", "country": top["country"], "counterpart": sender, "date": first,
            "message": f"{top['name']} in the news matches listed {top['list_name']} ({key})",
            "severity": float(points(_rule_weight(weights, "entities") * score, weights.scale)),
            "finding_ids": sorted(hit["finding_id"].astype(str))})
    return out


def build_alerts(pair_risk: pd.DataFrame | Iterable[pd.DataFrame | pa.Table], findings: Mapping[str, pd.DataFrame],
                 reviews: pd.DataFrame | None = None, weights: RiskWeights | None = None) -> pd.DataFrame:
    """The alerts table (schemas.ALERTS), newest first, each with its evidence finding ids.

    ``pair_risk`` is one frame or an iterable of frames of whole pairs
    (risk.score_pair_batches), so the pipeline never holds every row at once.
    """
    weights = weights or load_weights()
    kept = review.drop_rejected({k: v for k, v in findings.items() if v is not None}, reviews)
    rejected = review.rejected_ids(reviews)
    published = Published.from_columns((f["finding_id"].astype(str).to_numpy(dtype=object), f["published"].to_numpy())
                                       for f in kept.values() if len(f))
    frames = [pair_risk] if isinstance(pair_risk, (pd.DataFrame, pa.Table)) else pair_risk
    jumps = [score_jumps(frame, published, weights, rejected) for frame in frames if len(frame)]
    return alerts_table([*jumps, *other_alerts(kept, weights)])


def other_alerts(kept: Mapping[str, pd.DataFrame], weights: RiskWeights) -> list[pd.DataFrame]:
    """Deal-stage, stance-shift and listed-entity alerts of the kept (not rejected) findings, a frame
    per kind; each table is taken from ``kept`` (``.get``) only when its kind is built."""
    out = []
    for table, build in (("procurement", deal_stages), ("positions", stance_shifts), ("entities", listed_entities)):
        frame = kept.get(table)
        if frame is not None and len(frame):
            out.append(pd.DataFrame(build(frame, weights)))
        del frame
    return out


def alerts_table(parts: Iterable[list[dict] | pd.DataFrame]) -> pd.DataFrame:
    """The alerts table from alert records, in order: lists of records or frames of them
    (the pipeline keeps each batch's score jumps as a frame, a third of the memory of dicts)."""
    frames = [part if isinstance(part, pd.DataFrame) else pd.DataFrame(part) for part in parts]
    frames = [f[f["finding_ids"].map(len) > 0] for f in frames if len(f)]
    if not frames:
        return schemas.empty("alerts")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = frame.sort_values(["date", "severity"], ascending=[False, False])
    return schemas.conform(frame.drop_duplicates("alert_id"), "alerts")
