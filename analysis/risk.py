"""Findings -> ``pair_risk``: a 0-100 score per (country, counterpart, period) that decomposes into drivers.

The formula (docs/RISK.md) is ``score_drivers``; everything else turns findings
into decayed driver sums. Each finding becomes a weighted contribution to one
component of one pair, repeats of the same event by the same independent
source collapse (analysis.dedupe), contributions decay with a half-life and
stop counting after a window, and each row lists the finding ids behind its
non-zero components so the dashboard can answer "why is this pair red?".

This module strings the stages together and keeps every public name importable
from here; the stages live in risk_weights (the rule and regime tables),
risk_contributions (findings -> weighted rows per pair), risk_series (decay,
score and batching) and risk_formula (``score_drivers`` and ``points``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pandas as pd
import pyarrow as pa

from analysis import dedupe, review, schemas
from analysis.risk_contributions import contributions, statement_senders, with_sources
from analysis.risk_formula import COMPONENTS, PRESSURE, points, score_drivers
from analysis.risk_series import SeriesBatcher, series_batches
from analysis.risk_weights import Regime, RiskRule, RiskWeights, list_sender, load_weights, parse_when, regime_senders

__all__ = ["COMPONENTS", "PRESSURE", "Regime", "RiskRule", "RiskWeights", "SeriesBatcher", "contributions",
           "list_sender", "load_weights", "parse_when", "points", "regime_senders", "score_drivers",
           "score_pair_batches", "score_pairs", "series_batches", "sourced_contributions", "statement_senders",
           "with_sources"]


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
