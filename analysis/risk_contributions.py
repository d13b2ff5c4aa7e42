"""Findings -> contributions: one weighted row per (finding, pair, component), before decay.

This is where a finding meets the rule table: each matching rule files the finding under the
pair it concerns (sanctions target/sender, procurement buyer/regime sender, listed entity
country/list sender, statements by article context) with a key naming the event, so that
repeats can later collapse by source. Kept apart from the decay so both read on their own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

from analysis.risk_weights import RiskRule, RiskWeights, list_sender


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


def with_sources(contribs: pd.DataFrame, sources: pd.Series) -> pd.DataFrame:
    """``dedupe.attach_sources`` with the article -> source map (``source_key`` by ``article_id``) built
    once: the pipeline attaches sources batch by batch and would otherwise re-hash every article each time."""
    frame = contribs.reset_index(drop=True)
    if frame.empty:
        return frame.assign(source_key=pd.Series(dtype="string"))
    known = frame["article_id"].map(sources)
    frame["source_key"] = known.fillna("article:" + frame["article_id"].astype(str))
    return frame
