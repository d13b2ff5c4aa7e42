"""pair_events: each finding filed under the pairs analysis.risk scores it for, once, sorted for pruning."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from analysis import events, risk, schemas
from tests.views.fixture_tables import tables


def _finding(table: str, fid: str, article: str, published: str | None, **values) -> dict:
    return {"finding_id": fid, "article_id": article, "published": pd.Timestamp(published) if published else None,
            "sentence": 0, "char_start": 0, "char_end": 5, "evidence": f"evidence of {fid}", "confidence": 0.8,
            "rule": f"{table}.test", **values}


def _build(sanctions=(), procurement=(), positions=(), entities=(), articles=None) -> pd.DataFrame:
    frames = {t: schemas.conform(pd.DataFrame(list(rows)), t) if rows else schemas.empty(t)
              for t, rows in (("sanctions", sanctions), ("procurement", procurement), ("positions", positions),
                              ("entities", entities))}
    ids = sorted({r["article_id"] for rows in (sanctions, procurement, positions, entities) for r in rows})
    articles = articles if articles is not None else pd.DataFrame(
        {"article_id": ids, "published": pd.Timestamp("2024-05-01")})
    return events.build_pair_events(frames, articles)


def _filed(frame: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return {(r.country, r.counterpart, r.finding_id, r.via) for r in frame.itertuples()}


def test_fixture_pairs_follow_the_risk_score() -> None:
    t = tables()
    built = events.build_pair_events({k: t[k] for k in schemas.FINDING_TABLES}, t["articles"])
    ind_usa = built[(built["country"] == "IND") & (built["counterpart"] == "USA")]
    # the threat, the waiver and both Russian purchases (CAATSA) feed India–United States
    assert set(ind_usa.loc[ind_usa["via"] == "score", "finding_id"]) == set(t["pair_risk"].iloc[1:3]["finding_ids"]
                                                                            .explode())
    assert ind_usa["published"].is_monotonic_increasing
    rosoboron = built[built["source_table"] == "entities"]
    assert set(zip(rosoboron["country"], rosoboron["counterpart"], rosoboron["via"])) == {
        ("RUS", "USA", "score"),  # a Russian entity on an OFAC list: Russia exposed to the United States
        ("TUR", "USA", "article"),  # named in the article of the sanctions on Turkey
    }
    assert set(rosoboron["name"]) == {"Rosoboronexport"}
    assert list(schemas.conform(built, "pair_events").columns) == list(schemas.PAIR_EVENTS)


def test_sanctions_filed_once_in_their_own_order_and_readable() -> None:
    built = _build(sanctions=[_finding("sanctions", "s1", "a1", "2024-01-02", sender="USA", target="IND",
                                       action="threat", regime="CAATSA", trigger_system="S-400")])
    assert _filed(built) == {("IND", "USA", "s1", "score")}
    row = built.iloc[0]
    assert bool(row["names_both"]) and row["kind"] == "threat"
    assert row["label"] == "USA → IND threat CAATSA S-400"


def test_procurement_counterparts_come_from_regimes_in_force() -> None:
    rows = [_finding("procurement", "p1", "a1", "2019-03-01", buyer="IND", supplier="RUS", system="S-400",
                     stage="contract"),
            _finding("procurement", "p0", "a0", "2015-03-01", buyer="IND", supplier="RUS", system="S-400",
                     stage="contract"),  # before CAATSA: no sender can punish it yet
            _finding("procurement", "p2", "a2", "2019-03-01", buyer="IND", supplier="FRA", system="Rafale",
                     stage="delivery")]
    filed = _filed(_build(procurement=rows))
    assert ("IND", "USA", "p1", "score") in filed
    assert not any(f[2] == "p0" and f[1] == "USA" for f in filed)
    assert {f for f in filed if f[2] == "p2"} == {("IND", "FRA", "p2", "direct")}


def test_statements_join_the_pairs_their_article_establishes() -> None:
    built = _build(
        sanctions=[_finding("sanctions", "s1", "a1", "2024-01-02", sender="USA", target="IND", action="threat")],
        positions=[_finding("positions", "q1", "a1", "2024-01-02", speaker="spokesperson", speaker_country="USA",
                            topic="deal", stance="oppose"),  # names no other country: linked by the article
                   _finding("positions", "q2", "a2", "2024-01-02", speaker_country="IND", about_country="USA",
                            topic="deal", stance="support"),
                   _finding("positions", "q3", "a3", "2024-01-02", speaker_country="FRA", topic="deal",
                            stance="neutral")])
    filed = _filed(built)
    assert ("IND", "USA", "q1", "score") in filed
    assert ("IND", "USA", "q2", "direct") in filed
    assert not any(f[2] == "q3" for f in filed)


def test_each_finding_once_per_pair_and_published_from_the_article() -> None:
    articles = pd.DataFrame({"article_id": ["a1"], "published": [pd.Timestamp("2023-07-04")]})
    built = _build(
        sanctions=[_finding("sanctions", "s1", "a1", None, sender="USA", target="IND", action="imposed"),
                   _finding("sanctions", "s2", "a1", None, sender="USA", target="IND", action="threat")],
        procurement=[_finding("procurement", "p1", "a1", None, buyer="IND", supplier="RUS", stage="delivery")],
        positions=[_finding("positions", "q1", "a1", None, speaker_country="IND", about_country="USA",
                            stance="support")],
        entities=[_finding("entities", "e1", "a1", None, name="Acme", country="IND", list_source="OFAC SDN")],
        articles=articles)
    assert not built.duplicated(["country", "counterpart", "finding_id"]).any()
    assert (built["published"] == pd.Timestamp("2023-07-04")).all()
    ind_usa = built[(built["country"] == "IND") & (built["counterpart"] == "USA")]
    assert set(ind_usa["finding_id"]) == {"s1", "s2", "p1", "q1", "e1"}
    assert ind_usa.set_index("finding_id").loc["e1", "via"] == "score"  # its list's sender, not "article"
    assert not (built["via"] == "article").any()  # India's own entity: the page lists it from entities


def test_no_findings_give_an_empty_typed_table() -> None:
    built = _build()
    assert built.empty and list(built.columns) == list(schemas.PAIR_EVENTS)


def test_row_groups_let_duckdb_skip_other_pairs(tmp_path: Path) -> None:
    rows = [_finding("sanctions", f"s{i}", f"a{i}", f"2024-01-{1 + i % 28:02d}", sender=sender, target=target,
                     action="threat") for i, (sender, target) in enumerate(
                         [("USA", c) for c in ("IND", "TUR", "EGY", "IDN")] * 10)]
    built = _build(sanctions=rows)
    path = tmp_path / "pair_events.parquet"
    with pq.ParquetWriter(path, schemas.arrow_schema("pair_events")) as writer:
        for part in events.row_groups(built, rows=10):
            writer.write_table(part)
    meta = pq.ParquetFile(path).metadata
    assert meta.num_row_groups == 4
    pairs_per_group = [{meta.row_group(g).column(c).statistics.min for c in (0, 1)} for g in range(4)]
    assert all(len(p) == 2 for p in pairs_per_group)  # each group holds a single pair
    con = duckdb.connect()
    plan = "".join(r[1] for r in con.execute(f"EXPLAIN ANALYZE SELECT finding_id FROM read_parquet('{path}') "
                                            "WHERE country = 'TUR' AND counterpart = 'USA'").fetchall())
    assert "Row Groups Scanned: 1 / 4" in plan


def test_regimes_match_risk_senders() -> None:
    weights = risk.load_weights()
    built = _build(procurement=[_finding("procurement", "p1", "a1", "2019-03-01", buyer="EGY", supplier="RUS",
                                         stage="contract")])
    scored = built[built["via"] == "score"]
    assert set(scored["counterpart"]) == set(risk.regime_senders("RUS", pd.Timestamp("2019-03-01"), weights))


@pytest.mark.parametrize("rows", [10, 3])
def test_row_groups_keep_every_row_in_order(rows: int) -> None:
    t = tables()
    built = events.build_pair_events({k: t[k] for k in schemas.FINDING_TABLES}, t["articles"])
    parts = list(events.row_groups(built, rows=rows))
    assert all(p.num_rows <= rows for p in parts)
    assert [fid for p in parts for fid in p.column("finding_id").to_pylist()] == built["finding_id"].tolist()


@pytest.mark.parametrize("rows", [3, events.ROW_GROUP_ROWS])
def test_groups_built_one_at_a_time_equal_the_whole_table_cut_into_groups(rows: int) -> None:
    """The pipeline writes pair_events group by group (bounded memory); the file must not change."""
    t = tables()
    findings = {k: t[k] for k in schemas.FINDING_TABLES}
    whole = list(events.row_groups(events.pair_events_table(findings, t["articles"]), rows=rows))
    parts = list(events.pair_events_groups(findings, t["articles"], rows=rows))
    assert len(parts) == len(whole) and (len(whole) > 1 or rows > 3)
    assert all(a.equals(b) for a, b in zip(parts, whole))
    empty = list(events.pair_events_groups({}, t["articles"]))
    assert len(empty) == 1 and empty[0].num_rows == 0 and empty[0].schema == schemas.arrow_schema("pair_events")


def test_arrow_tables_file_the_same_rows_as_frames() -> None:
    """The pipeline hands pair_events the finding tables as Arrow (no pandas copy of the evidence)."""
    import pyarrow as pa

    t = tables()
    frames = {k: t[k] for k in schemas.FINDING_TABLES}
    arrow = {k: pa.Table.from_pandas(schemas.conform(v, k), schema=schemas.arrow_schema(k), preserve_index=False)
             for k, v in frames.items()}
    whole = events.pair_events_table(frames, t["articles"])
    assert whole.num_rows > 0 and events.pair_events_table(arrow, t["articles"]).equals(whole)


def test_staged_tables_read_slice_by_slice_give_the_same_groups(tmp_path: Path, monkeypatch) -> None:
    """The pipeline reads the evidence of a slice of groups at a time from the staged Parquet; the
    groups must equal those built from frames in memory, and a finding marked wrong must drop out."""
    from analysis import store

    t = tables()
    frames = {k: t[k] for k in schemas.FINDING_TABLES}
    staged = store.StagedTables(tmp_path / "out")
    for name, frame in frames.items():
        staged.write(name, frame)
    monkeypatch.setattr(events, "SLICE_ROWS", 5)
    whole = list(events.pair_events_groups(frames, t["articles"], rows=3))
    sliced = list(events.pair_events_groups(events.StagedFindings(staged, set()), t["articles"], rows=3))
    assert len(sliced) == len(whole) > 3 and all(a.equals(b) for a, b in zip(sliced, whole))
    wrong = frames["sanctions"]["finding_id"].iloc[0]
    kept = {k: v[v["finding_id"] != wrong] for k, v in frames.items()}
    without = [r for g in events.pair_events_groups(events.StagedFindings(staged, {wrong}), t["articles"], rows=3)
               for r in g.column("finding_id").to_pylist()]
    assert wrong not in without
    assert without == [r for g in events.pair_events_groups(kept, t["articles"], rows=3)
                       for r in g.column("finding_id").to_pylist()]
    staged.abort()
