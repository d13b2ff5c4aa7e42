"""The deal lifecycle: procurement findings grouped across articles.

One row per (buyer, supplier, system, stage) with when that stage was first and
last reported, by how many articles and distinct sources, and the latest stage
the whole deal (buyer, supplier, system) has reached.  No single article gives
this: a contract in 2018, deliveries in 2021 and a cancellation rumour in 2022
appear in different stories from different outlets.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from analysis import schemas

DEAL_KEY = ["buyer", "supplier", "system"]


def _deal_id(buyer: str, supplier: str, system: str, stage: str) -> str:
    raw = "\x1f".join([buyer, supplier, system, stage])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def build_deals(procurement: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Group procurement findings into the ``deals`` table (schemas.DEALS).

    ``current_stage`` is the stage of the deal's most recent report; when one
    day reports several stages, the later stage in the lifecycle order wins
    (a cancellation reported with the contract it cancels is the current state).
    """
    if procurement is None or procurement.empty:
        return schemas.empty("deals")
    order = {s: i for i, s in enumerate(("negotiation", "contract", "production", "delivery", "training",
                                          "support", "cancellation"))}
    frame = procurement.dropna(subset=["buyer", "supplier", "system", "stage"]).copy()
    if frame.empty:
        return schemas.empty("deals")
    sources = articles[["article_id", "source"]].drop_duplicates("article_id") if "source" in articles else None
    if sources is not None:
        frame = frame.merge(sources, on="article_id", how="left")
    else:
        frame["source"] = None
    frame["published"] = pd.to_datetime(frame["published"])
    frame["rank"] = frame["stage"].map(order).fillna(-1)
    latest = (frame.sort_values(["published", "rank"]).groupby(DEAL_KEY, sort=False)["stage"].last()
              .rename("current_stage").reset_index())
    grouped = frame.groupby([*DEAL_KEY, "stage"], sort=True).agg(
        category=("category", "first"),
        first_seen=("published", "min"),
        last_seen=("published", "max"),
        n_articles=("article_id", "nunique"),
        n_sources=("source", "nunique"),
        finding_ids=("finding_id", lambda ids: sorted(set(ids))),
    ).reset_index()
    grouped = grouped.merge(latest, on=DEAL_KEY, how="left")
    grouped["deal_id"] = [_deal_id(b, s, y, t) for b, s, y, t in
                          zip(grouped["buyer"], grouped["supplier"], grouped["system"], grouped["stage"])]
    return schemas.conform(grouped, "deals")
