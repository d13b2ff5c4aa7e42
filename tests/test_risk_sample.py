"""Country-pair risk on the bundled sample run: the India-US story, reviews, and scoring in country batches.

Kept apart from tests/test_risk.py because these run the pipeline on data/sample once
(a module fixture) and check what a user reads off the dashboard, not the formula.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import dedupe, risk, schemas
from analysis.review import load_reviews, record_review
from tests.test_risk import WEIGHTS, pair

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    """The lead's pipeline run on data/sample (skips until both exist)."""
    import subprocess
    import sys

    sample = ROOT / "data" / "sample"
    if not any(p.name.startswith("articles") for p in sample.glob("*")):
        pytest.skip("data/sample has no articles yet (the sample corpus is written by teammates)")
    if not (ROOT / "analysis" / "pipeline.py").exists():
        pytest.skip("analysis/pipeline.py (the lead's runner) is not there yet")
    out = tmp_path_factory.mktemp("sample_run")
    done = subprocess.run([sys.executable, "-m", "analysis", "run", str(sample), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_sample_india_us_rises_with_s400_news_and_falls_with_waivers(sample_run, tmp_path):
    arts = pd.read_parquet(sample_run / "articles.parquet")
    found = {t: pd.read_parquet(sample_run / f"{t}.parquet") for t in schemas.FINDING_TABLES}
    scored = pair(risk.score_pairs(arts, found, freq="M"))
    assert len(scored), "no India-US pair on the sample"
    proc = found["procurement"]
    news = proc[(proc["buyer"] == "IND") & (proc["supplier"] == "RUS") & (proc["system"] == "S-400")
                & proc["stage"].isin(["contract", "delivery"]) & (proc["published"] >= "2017-08-02")]
    months = sorted(set(news["published"].dt.to_period("M").dt.start_time))
    assert len(months) >= 3, "the sample should report the S-400 contract and deliveries"
    previous = scored["score"].shift(1).fillna(0.0)
    rises = [m for m in months if scored.loc[m, "score"] > previous.loc[m]]
    assert len(rises) >= 0.8 * len(months), (months, rises)
    peak = scored["score"].idxmax()
    assert peak in months or peak - pd.offsets.MonthBegin(1) in months  # the top month follows S-400 news

    sanctions = found["sanctions"]
    waivers = sanctions[(sanctions["sender"] == "USA") & (sanctions["target"] == "IND")
                        & (sanctions["action"] == "waiver") & (sanctions["modality"] == "asserted")]
    assert len(waivers), "the sample should report a US waiver debate for India"
    db = tmp_path / "reviews.sqlite"
    for fid in waivers["finding_id"]:
        record_review(db, fid, "wrong", "counterfactual: no waiver", "test")
    without = pair(risk.score_pairs(arts, found, freq="M", reviews=load_reviews(db)))["score"]
    for month in sorted(set(waivers["published"].dt.to_period("M").dt.start_time)):
        assert scored.loc[month, "relief"] < 0
        assert scored.loc[month, "score"] < without.loc[month]  # the waiver lowers the score that month


def test_scoring_a_few_countries_at_a_time_gives_the_same_rows_and_batches(sample_run):
    """The pipeline scores a batch of countries at a time to bound memory; the table must not notice."""
    arts = pd.read_parquet(sample_run / "articles.parquet")
    found = {t: pd.read_parquet(sample_run / f"{t}.parquet") for t in schemas.FINDING_TABLES}
    whole = risk.contributions(found, WEIGHTS, arts)
    senders = risk.statement_senders(found, WEIGHTS)
    countries = sorted(set(whole["country"]))
    assert len(countries) >= 6, "the sample should expose several countries"
    groups = [countries[i:i + 2] for i in range(0, len(countries), 2)]
    parts = [risk.contributions(found, WEIGHTS, arts, countries=set(g), senders=senders) for g in groups]
    group_of = {c: i for i, g in enumerate(groups) for c in g}
    expected = whole.assign(_g=whole["country"].map(group_of)).sort_values("_g", kind="stable").drop(columns="_g")
    pd.testing.assert_frame_equal(pd.concat(parts).reset_index(drop=True), expected.reset_index(drop=True))
    keys = dedupe.source_keys(arts)
    by_article = keys.set_index("article_id")["source_key"]
    for freq in ("M", "W"):
        alone = list(risk.series_batches(dedupe.attach_sources(whole, keys), freq, WEIGHTS, batch_units=300))
        batcher = risk.SeriesBatcher(freq, WEIGHTS, batch_units=300)
        fed = [t for p in parts for t in batcher.feed(risk.with_sources(p, by_article))] + list(batcher.finish())
        assert len(alone) > len(groups) // 2, "batches small enough to straddle country groups"
        assert len(fed) == len(alone) and all(a.equals(b) for a, b in zip(fed, alone)), freq
