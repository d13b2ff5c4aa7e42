"""Country-pair risk: range, monotonicity, decomposition, decay, deduplication, traceability, reviews.

What the pipeline's run on data/sample shows is checked in tests/test_risk_sample.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import risk, schemas
from analysis.review import record_review, load_reviews
from analysis.vocab import VocabError, read_csv_rows

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = risk.load_weights()
DAY = pd.Timestamp("2021-03-10")


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A conforming finding frame from short dicts (id, article and date default sensibly)."""
    records = []
    for i, row in enumerate(rows):
        row = dict(row)
        records.append({"finding_id": row.pop("finding_id", f"{table[:3]}{i}"),
                        "article_id": row.pop("article_id", "a1"),
                        "published": pd.Timestamp(row.pop("published", DAY)), "sentence": 0,
                        "char_start": i, "char_end": i + 1, "confidence": row.pop("confidence", 1.0),
                        "rule": "test", **row})
    return schemas.conform(pd.DataFrame(records), table) if records else schemas.empty(table)


def articles(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """(article_id, date, source) rows, each with its own distinct text."""
    return schemas.conform(pd.DataFrame([
        {"article_id": a, "published": pd.Timestamp(d), "title": a, "source": s,
         "text": f"story {a} " + " ".join(f"word{a}{k}" for k in range(40))} for a, d, s in rows]), "articles")


def seed_findings(published: pd.Timestamp = DAY) -> dict[str, pd.DataFrame]:
    """The seed article's gold findings (GUIDELINES' example), all asserted at confidence 1."""
    when = {"published": published}
    return {
        "sanctions": frame("sanctions", [dict(sender="USA", target="IND", action="threat", regime="CAATSA",
                                              modality="asserted", **when)]),
        "procurement": frame("procurement", [dict(buyer="IND", supplier="RUS", system=s, stage=g, **when) for s, g in [
            ("S-400", "contract"), ("S-400", "delivery"), ("S-400", "training"),
            ("Kilo-class submarine", "support"), ("Project 1135.6 frigate", "support")]]),
        "positions": frame("positions", [dict(speaker_country=c, topic=t, stance=s, **when) for c, t, s in [
            ("RUS", "sanctions", "oppose"), ("RUS", "partnership", "support"), ("RUS", "deal", "support"),
            ("USA", "deal", "oppose"), ("USA", "sanctions", "support"), ("IND", "deal", "support")]]),
        "entities": schemas.empty("entities"),
    }


def pair(result: pd.DataFrame, country: str = "IND", counterpart: str = "USA") -> pd.DataFrame:
    return result[(result["country"] == country) & (result["counterpart"] == counterpart)].set_index("period")


def test_seed_worked_example_matches_docs():
    """docs/RISK.md: threat 1 + procurement 3.0 + hostile 1.0 + defiant 0.5 = 5.5 raw -> 60.0 points."""
    out = pair(risk.score_pairs(articles(("a1", "2021-03-10", "et")), seed_findings(), freq="D"))
    first = out.loc[DAY]
    assert first["score"] == pytest.approx(100 * (1 - math.exp(-5.5 / 6)), abs=0.01)
    assert first["score"] == pytest.approx(60.0, abs=0.05)
    assert first["procurement"] == pytest.approx(first["score"] * 3.0 / 5.5)
    assert first["defiant_statements"] == pytest.approx(first["score"] * 0.5 / 5.5)
    assert first["imposed"] == 0 and first["relief"] == 0
    # Russia's own statements are about neither side of the India-US pair
    assert not set(first["finding_ids"]) & {"pos0", "pos1", "pos2"}
    assert {"san0", "pro0", "pro4", "pos3", "pos4", "pos5"} <= set(first["finding_ids"])


drivers_st = st.fixed_dictionaries({c: st.floats(0, 50, allow_nan=False) for c in risk.COMPONENTS})


@settings(deadline=None)  # timing is never asserted: a loaded CI machine must not fail this
@given(drivers_st)
def test_score_in_range_and_components_add_up(drivers):
    out = risk.score_drivers(pd.DataFrame([drivers]), WEIGHTS.scale).iloc[0]
    assert 0 <= out["score"] <= 100
    assert sum(out[c] for c in risk.COMPONENTS) == pytest.approx(out["score"], abs=1e-6)
    assert out["relief"] <= 1e-9
    assert all(out[c] >= 0 for c in risk.PRESSURE)


@given(drivers_st, st.sampled_from(risk.COMPONENTS), st.floats(0.01, 20))
def test_score_monotone_in_each_driver(drivers, component, extra):
    before = risk.score_drivers(pd.DataFrame([drivers]), WEIGHTS.scale)["score"].iloc[0]
    more = dict(drivers, **{component: drivers[component] + extra})
    after = risk.score_drivers(pd.DataFrame([more]), WEIGHTS.scale)["score"].iloc[0]
    if component == "relief":
        assert after <= before + 1e-9
    else:
        assert after >= before - 1e-9


EXTRA = {
    "threats": ("sanctions", dict(sender="USA", target="IND", action="threat", regime="OFAC", modality="asserted")),
    "imposed": ("sanctions", dict(sender="USA", target="IND", action="imposed", regime="OFAC", modality="asserted")),
    "relief": ("sanctions", dict(sender="USA", target="IND", action="waiver", regime="CAATSA", modality="asserted")),
    "procurement": ("procurement", dict(buyer="IND", supplier="RUS", system="Su-35", stage="contract")),
    "hostile_statements": ("positions", dict(speaker_country="USA", about_country="IND", topic="partnership",
                                             stance="oppose")),
    "defiant_statements": ("positions", dict(speaker_country="IND", about_country="USA", topic="sanctions",
                                             stance="oppose")),
    "listed_entities": ("entities", dict(name="X Ltd", list_id="L1", list_name="X", list_source="ofac",
                                         country="IND", score=0.9)),
}


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(EXTRA)), st.integers(0, 200), st.floats(0.1, 1.0))
def test_adding_a_finding_moves_the_pair_score_the_right_way(component, days_later, confidence):
    base = seed_findings()
    arts = articles(("a1", "2021-03-10", "et"), ("a2", str((DAY + pd.Timedelta(days=days_later)).date()), "wire"))
    before = pair(risk.score_pairs(arts, base, freq="W"))["score"]
    table, row = EXTRA[component]
    more = dict(base)
    more[table] = pd.concat([base[table], frame(table, [dict(row, finding_id="new", article_id="a2",
                             published=DAY + pd.Timedelta(days=days_later), confidence=confidence)])])
    after = pair(risk.score_pairs(arts, more, freq="W"))["score"]
    joined = pd.concat([before, after], axis=1, keys=["before", "after"]).fillna(0)
    if component == "relief":
        assert (joined["after"] <= joined["before"] + 1e-9).all()
    else:
        assert (joined["after"] >= joined["before"] - 1e-9).all()
        assert (joined["after"] > joined["before"]).any()


def test_decay_halves_per_half_life_and_stops_after_window():
    one = {"sanctions": frame("sanctions", [dict(sender="USA", target="IND", action="threat", regime="CAATSA",
                                                 modality="asserted")])}
    out = pair(risk.score_pairs(articles(("a1", "2021-03-10", "et")), one, freq="D"))
    h = WEIGHTS.half_life_days
    for age in (0, h, 2 * h, 3 * h):
        day = DAY + pd.Timedelta(days=age)
        assert out.loc[day, "score"] == pytest.approx(risk.points(0.5 ** (age / h), WEIGHTS.scale), rel=1e-9)
        assert out.loc[day, "finding_ids"] == ["san0"]
    last = DAY + pd.Timedelta(days=h * WEIGHTS.window_half_lives)
    assert out.index.max() == last  # past the window the finding no longer counts
    assert out["score"].is_monotonic_decreasing


def test_duplicates_do_not_raise_the_score_but_independent_sources_do():
    threat = dict(sender="USA", target="IND", action="threat", regime="CAATSA", modality="asserted")
    text = "Washington warned New Delhi it could face sanctions under CAATSA for buying the S-400 system " * 3
    arts = schemas.conform(pd.DataFrame([
        {"article_id": "orig", "published": DAY, "text": text, "source": "wire.com"},
        {"article_id": "copy", "published": DAY + pd.Timedelta(days=1), "text": text + " Reprinted.", "source": "b.com"},
        {"article_id": "again", "published": DAY + pd.Timedelta(days=2), "text": "Other words entirely here.",
         "source": "wire.com"},
        {"article_id": "indep", "published": DAY + pd.Timedelta(days=2), "text": "A distinct report of it.",
         "source": "c.org"},
    ]), "articles")

    def score(ids: list[str]) -> float:
        found = {"sanctions": frame("sanctions", [dict(threat, article_id=a, finding_id=f"f-{a}",
                                                       published=arts.set_index("article_id").loc[a, "published"])
                                                  for a in ids])}
        return pair(risk.score_pairs(arts, found, freq="M"))["score"].iloc[0]

    once = score(["orig"])
    assert score(["orig", "copy"]) == pytest.approx(once)  # syndicated copy: same cluster
    assert score(["orig", "again"]) == pytest.approx(once)  # same publisher again
    assert score(["orig", "copy", "again", "indep"]) > once  # a second independent source
    traced = pair(risk.score_pairs(arts, {"sanctions": frame("sanctions", [
        dict(threat, article_id=a, finding_id=f"f-{a}") for a in ("orig", "copy")])}, freq="M"))
    assert set(traced["finding_ids"].iloc[0]) == {"f-orig", "f-copy"}  # duplicates still listed as evidence


def test_every_nonzero_component_traces_to_its_findings():
    found = seed_findings()
    found["sanctions"] = frame("sanctions", [
        dict(sender="USA", target="IND", action="threat", regime="CAATSA", modality="asserted"),
        dict(sender="USA", target="IND", action="waiver", regime="CAATSA", modality="asserted",
             published=DAY + pd.Timedelta(days=40)),
        dict(sender="USA", target="TUR", action="imposed", regime="CAATSA", modality="asserted")])
    contribs = risk.contributions(found, WEIGHTS)
    component_of = contribs.groupby("finding_id")["component"].agg(set)
    out = risk.score_pairs(articles(("a1", "2021-03-10", "et")), found, freq="W")
    for row in out.itertuples():
        nonzero = {c for c in risk.COMPONENTS if abs(getattr(row, c)) > 0}
        traced = set().union(*(component_of[f] for f in row.finding_ids)) if row.finding_ids else set()
        assert traced == nonzero, (row.country, row.counterpart, row.period)


def test_modality_and_regime_dates():
    def score(modality: str) -> float:
        one = {"sanctions": frame("sanctions", [dict(sender="USA", target="IND", action="threat", regime="CAATSA",
                                                     modality=modality)])}
        out = pair(risk.score_pairs(articles(("a1", "2021-03-10", "et")), one, freq="D"))
        return out["score"].iloc[0] if len(out) else 0.0

    assert score("hypothetical") == pytest.approx(risk.points(0.5, WEIGHTS.scale))
    assert score("negated") == 0.0
    before = {"procurement": frame("procurement", [dict(buyer="IND", supplier="RUS", system="S-400",
                                                        stage="contract", published="2016-10-15")])}
    assert risk.score_pairs(articles(("a1", "2016-10-15", "x")), before).empty  # CAATSA not yet in force
    after = {"procurement": before["procurement"].assign(published=pd.Timestamp("2018-10-05"))}
    assert len(pair(risk.score_pairs(articles(("a1", "2018-10-05", "x")), after))) > 0


def test_rejected_findings_drop_out(tmp_path):
    db = tmp_path / "reviews.sqlite"
    record_review(db, "san0", "wrong", "the threat is against Turkey", "ana")
    out = pair(risk.score_pairs(articles(("a1", "2021-03-10", "et")), seed_findings(), freq="D",
                                reviews=load_reviews(db)))
    assert (out["threats"] == 0).all()
    assert all("san0" not in ids for ids in out["finding_ids"])
    assert out["score"].iloc[0] == pytest.approx(risk.points(4.5, WEIGHTS.scale))


def test_row_order_does_not_matter():
    found = seed_findings()
    shuffled = {k: v.sample(frac=1.0, random_state=3) for k, v in found.items()}
    arts = articles(("a1", "2021-03-10", "et"))
    a, b = risk.score_pairs(arts, found, freq="W"), risk.score_pairs(arts, shuffled, freq="W")
    pd.testing.assert_frame_equal(a, b)


def test_weight_rule_examples_run():
    rows = read_csv_rows(ROOT / "data" / "rules" / "risk_weights.csv", ["rule_id", "when"])
    checked = 0
    for row in rows:
        if row["component"] == "param":
            assert float(row["weight"]) > 0 and row["rationale"]
            continue
        rule = risk.RiskRule(row["rule_id"], row["component"], row["table"], row["side"],
                             risk.parse_when(row["when"]), float(row["weight"]))
        examples = pd.DataFrame([dict(risk.parse_when(row["example_positive"])),
                                 dict(risk.parse_when(row["example_negative"]))])
        assert rule.mask(examples).tolist() == [True, False], row["rule_id"]
        assert row["rationale"]
        checked += 1
    assert checked >= 15


def test_broken_weights_file_fails_loudly(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "risk_weights.csv").write_text(
        "rule_id,component,table,side,when,weight\nrisk.bad,threats,sanctions,target,action=threat,lots\n")
    with pytest.raises(VocabError, match="risk.bad"):
        risk.load_weights(tmp_path)


def test_empty_findings_give_an_empty_conforming_table():
    out = risk.score_pairs(articles(("a1", "2021-03-10", "et")), {t: schemas.empty(t) for t in schemas.FINDING_TABLES})
    assert out.empty and list(out.columns) == list(schemas.PAIR_RISK)
    assert np.isfinite(risk.points(0.0, WEIGHTS.scale))


def test_monthly_worked_example_and_waiver_match_docs():
    """docs/RISK.md §4: the seed on 2020-12-23, monthly; a waiver reported 2021-01-31 lowers January."""
    seed_day = pd.Timestamp("2020-12-23")
    arts = articles(("a1", "2020-12-23", "et"), ("a2", "2021-01-31", "wire"))
    found = seed_findings(seed_day)
    out = pair(risk.score_pairs(arts, found, freq="M"))
    assert [round(out.loc[pd.Timestamp(d), "score"], 1) for d in ("2020-12-01", "2021-01-01", "2021-02-01")] \
        == [56.6, 44.2, 34.5]
    assert out.index.max() == pd.Timestamp("2021-07-01")  # 31 August is past the 240-day window
    found["sanctions"] = pd.concat([found["sanctions"], frame("sanctions", [dict(
        finding_id="w1", article_id="a2", published="2021-01-31", sender="USA", target="IND", action="waiver",
        regime="CAATSA", modality="asserted")])])
    waived = pair(risk.score_pairs(arts, found, freq="M"))
    jan = waived.loc[pd.Timestamp("2021-01-01")]
    assert round(jan["score"], 1) == 28.4
    assert jan["relief"] == pytest.approx(28.4 - 44.2, abs=0.06) and "w1" in jan["finding_ids"]
