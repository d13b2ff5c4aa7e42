"""The pair page's queries read pair_events and show what the finding-table scans showed before it."""

from __future__ import annotations

from datetime import date
import pandas as pd
import pytest

from analysis import events, queries, risk, schemas, store
from analysis.queries import Filters
from tests.views.fixture_tables import EVIDENCE_IND, tables, write_dataset

PAIRS = [("IND", "USA"), ("USA", "IND"), ("TUR", "USA"), ("USA", "TUR"), ("RUS", "USA"), ("IND", "RUS"),
         ("RUS", "IND"), ("IND", "TUR")]
PERIODS = [Filters(), Filters(start=date(2024, 2, 1)), Filters(end=date(2024, 1, 31)),
           Filters(start=date(2024, 3, 1), end=date(2024, 3, 10)), Filters(countries=("TUR",))]


@pytest.fixture(scope="module")
def with_events(tmp_path_factory: pytest.TempPathFactory) -> store.Store:
    out = tmp_path_factory.mktemp("with_events")
    staged = store.StagedTables(out)
    data = tables()
    for name, frame in data.items():
        staged.write(name, frame)
    for part in events.row_groups(events.build_pair_events({t: data[t] for t in schemas.FINDING_TABLES},
                                                           data["articles"]), rows=3):
        staged.write("pair_events", part)
    staged.commit(tuple(schemas.TABLES), {"inputs": ["fixture"]})
    return store.Store(out)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> store.Store:
    return store.Store(write_dataset(tmp_path_factory.mktemp("scanned") / "fixture"))


def test_datasets_without_the_table_fall_back(with_events: store.Store, scanned: store.Store) -> None:
    assert queries.has_pair_events(with_events)
    assert not queries.has_pair_events(scanned)


@pytest.fixture(scope="module")
def contributions() -> pd.DataFrame:
    data = tables()
    return risk.contributions({t: data[t] for t in schemas.FINDING_TABLES}, risk.load_weights(), data["articles"])


def _scored(found: pd.DataFrame, pair: tuple[str, str], f: Filters) -> set[str]:
    """Findings analysis.risk files under the pair within the period (the fixture's hand-made pair_risk
    has no row for some of them, e.g. Russia's listed entity exposing Russia to the United States)."""
    found = found[(found["country"] == pair[0]) & (found["counterpart"] == pair[1])]
    if f.start:
        found = found[found["published"] >= pd.Timestamp(f.start)]
    if f.end:
        found = found[found["published"] < pd.Timestamp(f.end) + pd.Timedelta(days=1)]
    return set(found["finding_id"])


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("f", PERIODS, ids=range(len(PERIODS)))
def test_pair_events_match_the_scan(with_events: store.Store, scanned: store.Store, contributions: pd.DataFrame,
                                    pair: tuple[str, str], f: Filters) -> None:
    new = queries.pair_events(with_events, *pair, f)
    old = queries.pair_events(scanned, *pair, f)
    assert not new["finding_id"].duplicated().any()
    assert set(new["finding_id"]) == set(old["finding_id"]) | _scored(contributions, pair, f)
    assert list(new.columns) == list(old.columns)
    assert new["published"].is_monotonic_increasing


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("f", PERIODS, ids=range(len(PERIODS)))
def test_pair_entities_match_the_scan(with_events: store.Store, scanned: store.Store, pair: tuple[str, str],
                                      f: Filters) -> None:
    new = queries.pair_entities(with_events, *pair, f)
    old = queries.pair_entities(scanned, *pair, f)
    pd.testing.assert_frame_equal(new, old, check_dtype=False)


def test_india_united_states_shows_its_threat_and_the_reverse_order_too(with_events: store.Store) -> None:
    shown = queries.pair_events(with_events, "IND", "USA", Filters())
    assert EVIDENCE_IND in set(shown["evidence"])
    assert {"threat", "waiver", "delivery", "contract", "statement"} <= set(shown["kind"])
    reverse = queries.pair_events(with_events, "USA", "IND", Filters())
    # only what names both countries: the sanctions and the statement, not the purchases from Russia
    assert set(reverse["kind"]) == {"threat", "waiver", "statement"}


def test_period_and_search_narrow_the_events(with_events: store.Store) -> None:
    january = queries.pair_events(with_events, "IND", "USA", Filters(end=date(2024, 1, 31)))
    assert set(january["published"].dt.month) == {1}
    found = queries.pair_events(with_events, "IND", "USA", Filters(search="WAIVER"))
    assert list(found["kind"]) == ["waiver"]
    assert queries.pair_events(with_events, "IND", "USA", Filters(start=date(2025, 1, 1))).empty


def test_limit_keeps_the_latest(with_events: store.Store) -> None:
    latest = queries.pair_events(with_events, "IND", "USA", Filters(), limit=2)
    assert list(latest["published"]) == sorted(queries.pair_events(with_events, "IND", "USA", Filters())
                                               ["published"])[-2:]


def test_value_filters_still_apply(with_events: store.Store) -> None:
    threats = queries.pair_events(with_events, "IND", "USA", Filters(actions=("threat",)))
    assert set(threats["kind"]) == {"threat", "delivery", "contract", "statement"}  # actions only filter sanctions
