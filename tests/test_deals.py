"""Deals: procurement findings grouped across articles into a lifecycle table."""

from __future__ import annotations

import pandas as pd

from analysis import schemas
from analysis.deals import build_deals


def _finding(fid, article, date, stage, buyer="IND", supplier="RUS", system="S-400"):
    return {"finding_id": fid, "article_id": article, "published": pd.Timestamp(date), "sentence": 0,
            "char_start": 0, "char_end": 10, "evidence": "x", "confidence": 0.8, "rule": "procurement.test",
            "buyer": buyer, "supplier": supplier, "system": system, "category": "air_defence", "stage": stage}


def test_deals_group_across_articles():
    procurement = schemas.conform(pd.DataFrame([
        _finding("f1", "a1", "2018-10-05", "contract"),
        _finding("f2", "a2", "2019-01-10", "contract"),
        _finding("f3", "a3", "2021-12-01", "delivery"),
        _finding("f4", "a3", "2021-12-01", "contract"),
        _finding("f5", "a4", "2020-01-01", "contract", buyer="TUR"),
    ]), "procurement")
    articles = pd.DataFrame({"article_id": ["a1", "a2", "a3", "a4"], "source": ["Reuters", "Reuters", "ET", "AP"]})
    deals = build_deals(procurement, articles)
    assert list(deals.columns) == list(schemas.DEALS)
    contract = deals[(deals.buyer == "IND") & (deals.stage == "contract")].iloc[0]
    assert contract.n_articles == 3 and contract.n_sources == 2
    assert contract.first_seen == pd.Timestamp("2018-10-05") and contract.last_seen == pd.Timestamp("2021-12-01")
    assert set(deals[deals.buyer == "IND"].current_stage) == {"delivery"}
    assert sorted(contract.finding_ids) == ["f1", "f2", "f4"]
    assert deals[deals.buyer == "TUR"].iloc[0].current_stage == "contract"
    assert len(deals) == 3


def test_empty_procurement_gives_empty_deals():
    assert build_deals(schemas.empty("procurement"), pd.DataFrame({"article_id": [], "source": []})).empty
