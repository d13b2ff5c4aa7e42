"""Alerts: the few changes an analyst should look at today, each naming the findings behind it.

Four kinds (schemas.ALERTS ``kind``): ``score_jump`` (a pair gains at least
``alert_jump_points`` over its previous period), ``deal_stage`` (a deal is first
reported at contract or delivery), ``stance_shift`` (a country's stance on a
topic flips between support and oppose) and ``listed_entity`` (a listed
organisation first appears in the news). Rejected findings (reviews) never
raise an alert nor appear as evidence.

Score jumps (and the ``Published`` date lookup they use) live in
analysis.alerts_jumps; this module builds the other kinds from the findings and
assembles the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import review, schemas
from analysis.alerts_jumps import Published, _alert_id, score_jumps
from analysis.risk import COMPONENTS, RiskWeights, list_sender, load_weights, points, regime_senders

__all__ = ["ALERT_STAGES", "COMPONENTS", "SHIFT_STANCES", "Published", "alerts_table", "build_alerts", "deal_stages",
           "listed_entities", "other_alerts", "score_jumps", "stance_shifts"]

ALERT_STAGES = ("contract", "delivery")  # the stages sanctions laws punish (risk_weights.csv)
SHIFT_STANCES = ("support", "oppose")


def _rule_weight(weights: RiskWeights, table: str, **values: str) -> float:
    for rule in weights.rules:
        if rule.table == table and all(values.get(k) == v or v == "*" for k, v in rule.when):
            return rule.weight
    return 0.0


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
