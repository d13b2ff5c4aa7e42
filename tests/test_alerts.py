"""Alerts fire on the right evidence, and not on rejected or unchanged findings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import alerts, risk, schemas
from analysis.review import load_reviews, record_review

DAY = pd.Timestamp("2021-03-10")


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    records = [{"finding_id": r.pop("finding_id"), "article_id": r.pop("article_id", "a1"),
                "published": pd.Timestamp(r.pop("published", DAY)), "sentence": 0, "char_start": 0,
                "char_end": 1, "confidence": 1.0, "rule": "test", **r} for r in (dict(x) for x in rows)]
    return schemas.conform(pd.DataFrame(records), table)


def arts() -> pd.DataFrame:
    return schemas.conform(pd.DataFrame([{"article_id": a, "published": DAY, "text": f"text {a}", "source": a}
                                         for a in ("a1", "a2", "a3")]), "articles")


def findings() -> dict[str, pd.DataFrame]:
    return {
        "sanctions": frame("sanctions", [dict(finding_id="t1", sender="USA", target="IND", action="threat",
                                              regime="CAATSA", modality="asserted", published="2021-01-05")]),
        "procurement": frame("procurement", [
            dict(finding_id="n1", buyer="IND", supplier="RUS", system="S-400", stage="negotiation", published="2021-01-05"),
            dict(finding_id="c1", buyer="IND", supplier="RUS", system="S-400", stage="contract", published="2021-03-10"),
            dict(finding_id="c2", buyer="IND", supplier="RUS", system="S-400", stage="contract", published="2021-04-01",
                 article_id="a2"),
            dict(finding_id="d1", buyer="IND", supplier="FRA", system="Rafale", stage="delivery", published="2021-03-10")]),
        "positions": frame("positions", [
            dict(finding_id="p1", speaker_country="TUR", about_country="USA", topic="partnership", stance="support",
                 published="2021-01-05"),
            dict(finding_id="p2", speaker_country="TUR", about_country="USA", topic="partnership", stance="support",
                 published="2021-02-05"),
            dict(finding_id="p3", speaker_country="TUR", about_country="USA", topic="partnership", stance="oppose",
                 published="2021-03-10"),
            dict(finding_id="p4", speaker_country="IND", topic="deal", stance="support", published="2021-03-10"),
            dict(finding_id="h1", speaker_country="USA", about_country="IND", topic="deal", stance="oppose",
                 published="2021-03-10")]),
        "entities": frame("entities", [
            dict(finding_id="e1", name="Rosoboronexport", list_id="R1", list_name="ROSOBORONEXPORT",
                 list_source="ofac", country="RUS", score=1.0, published="2021-03-10"),
            dict(finding_id="e2", name="Rosoboronexport", list_id="R1", list_name="ROSOBORONEXPORT",
                 list_source="ofac", country="RUS", score=1.0, published="2021-04-10", article_id="a3")]),
    }


def by_kind(table: pd.DataFrame, kind: str) -> pd.DataFrame:
    return table[table["kind"] == kind]


def test_each_kind_fires_once_on_its_evidence():
    found = findings()
    pair_risk = risk.score_pairs(arts(), found, freq="M")
    table = alerts.build_alerts(pair_risk, found)
    assert list(table.columns) == list(schemas.ALERTS)

    deals = by_kind(table, "deal_stage").set_index("finding_ids", drop=False)
    s400 = deals[deals["message"].str.contains("S-400")]
    assert len(s400) == 1 and s400.iloc[0]["finding_ids"] == ["c1"]  # the first contract report only
    assert s400.iloc[0]["counterpart"] == "USA" and s400.iloc[0]["severity"] > 0
    rafale = deals[deals["message"].str.contains("Rafale")].iloc[0]
    assert pd.isna(rafale["counterpart"]) and rafale["severity"] == 0  # no regime covers France

    shifts = by_kind(table, "stance_shift")
    assert len(shifts) == 1
    shift = shifts.iloc[0]
    assert (shift["country"], shift["counterpart"], shift["date"]) == ("TUR", "USA", DAY)
    assert shift["finding_ids"] == ["p2", "p3"] and "support to oppose" in shift["message"]

    listed = by_kind(table, "listed_entity")
    assert len(listed) == 1 and listed.iloc[0]["finding_ids"] == ["e1"] and listed.iloc[0]["counterpart"] == "USA"

    jumps = by_kind(table, "score_jump")
    march = jumps[(jumps["country"] == "IND") & (jumps["date"] == pd.Timestamp("2021-03-01"))]
    assert len(march) == 1 and set(march.iloc[0]["finding_ids"]) == {"c1", "p4", "h1"}  # what is new that month
    assert set(table["alert_id"]) == set(alerts.build_alerts(pair_risk, found)["alert_id"])  # stable ids


def test_small_moves_do_not_alert():
    found = findings()
    table = alerts.build_alerts(risk.score_pairs(arts(), found, freq="M"), found)
    jumps = by_kind(table, "score_jump")
    # the January negotiation plus threat give 1.3 raw (~19 points); April's repeat contract is one more source
    assert (jumps["severity"] >= risk.load_weights().alert_jump_points).all()
    assert not ((jumps["country"] == "IND") & (jumps["date"] == pd.Timestamp("2021-04-01"))).any()


def test_rejected_findings_raise_no_alert(tmp_path):
    db = tmp_path / "r.sqlite"
    record_review(db, "p3", "wrong", "the speaker is a retired general", "ana")
    record_review(db, "c1", "wrong", "this is the Rafale deal", "ana")
    found = findings()
    reviews = load_reviews(db)
    table = alerts.build_alerts(risk.score_pairs(arts(), found, freq="M", reviews=reviews), found, reviews=reviews)
    assert by_kind(table, "stance_shift").empty
    s400 = by_kind(table, "deal_stage")
    s400 = s400[s400["message"].str.contains("S-400")]
    assert s400.iloc[0]["finding_ids"] == ["c2"]  # the next report becomes the first
    assert not any({"p3", "c1"} & set(ids) for ids in table["finding_ids"])


def test_published_lookup_answers_like_the_first_table_holding_each_id():
    """Score-jump evidence reads finding dates from a compact lookup: first occurrence wins, unknown is NaT."""
    lookup = alerts.Published.from_columns([
        (np.array(["b2", "a1"], dtype=object), np.array(["2021-02-01", "2021-01-01"], dtype="datetime64[ns]")),
        (np.array(["a1", "c3"], dtype=object), np.array(["2030-01-01", "NaT"], dtype="datetime64[ns]"))])
    got = lookup.dates(["a1", "b2", "c3", "zz", "é"])
    assert [str(d)[:10] for d in got] == ["2021-01-01", "2021-02-01", "NaT", "NaT", "NaT"]
    series = alerts.Published(pd.Index(["x", "é"]), [pd.Timestamp("2020-05-05"), pd.NaT])  # non-ASCII ids work too
    assert str(series.dates(["é", "x"])[1])[:10] == "2020-05-05" and np.isnat(series.dates(["é"])[0])
    assert len(alerts.Published.from_columns([]).dates(["a1"])) == 1


def test_alerts_from_batches_of_pairs_equal_the_whole_table():
    """The pipeline passes monthly pair risk a batch at a time and keeps each batch's jumps as a frame."""
    found = findings()
    pair_risk = risk.score_pairs(arts(), found, freq="M")
    whole = alerts.build_alerts(pair_risk, found)
    pairs = pair_risk[["country", "counterpart"]].drop_duplicates()
    batches = [pair_risk.merge(pairs.iloc[[i]]) for i in range(len(pairs))]
    assert len(batches) >= 2
    published = alerts.Published.from_columns((f["finding_id"].to_numpy(dtype=object), f["published"].to_numpy())
                                              for f in found.values())
    jumps = [pd.DataFrame(alerts.score_jumps(b, published, risk.load_weights(), set())) for b in batches]
    rebuilt = alerts.alerts_table([*jumps, *alerts.other_alerts(found, risk.load_weights())])
    pd.testing.assert_frame_equal(rebuilt, whole)
    assert (whole["kind"] == "score_jump").any()
