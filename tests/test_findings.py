"""Finding ids: analyst reviews are keyed by them, so they must not depend on how articles were chunked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import findings, pipeline, schemas, store

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
FINDINGS = ("sanctions", "procurement", "positions", "entities")


@pytest.mark.parametrize("same, other", [
    (None, float("nan")), (None, pd.NA), (24, 24.0), (24, np.float64(24.0)), (24, np.int64(24)),
    (["Rosoboronexport", "USC"], np.array(["Rosoboronexport", "USC"], dtype=object)),
])
def test_a_value_gives_one_id_whatever_dtype_carried_it(same: object, other: object) -> None:
    """A chunk with an all-null column holds None, one with numbers holds nan and 24.0."""
    first = findings.finding_id("procurement", "a1", 0, 10, ["IND", same, "rule.x"])
    second = findings.finding_id("procurement", "a1", 0, 10, ["IND", other, "rule.x"])
    assert first == second


def test_different_values_still_give_different_ids() -> None:
    ids = {findings.finding_id("procurement", "a1", 0, 10, ["IND", v, "rule.x"]) for v in (None, 24, 24.5, "24 jets")}
    assert len(ids) == 4


def test_chunk_size_changes_no_finding_id(tmp_path: Path) -> None:
    """Re-running with another --chunk-size must keep every review attached to its finding."""
    resources = pipeline.Resources.load()
    ids = {}
    for size in (3, 500):
        out = tmp_path / f"c{size}"
        pipeline.run([SAMPLE], out, chunk_size=size, resources=resources, incremental=False)
        ids[size] = {t: set(store.read_table(out, t)["finding_id"]) for t in FINDINGS}
    for table in FINDINGS:
        assert ids[3][table] == ids[500][table], table
    assert len(ids[500]["procurement"]) > 50


def _rowwise_finalise(records, table, sentences, articles):
    """The row-by-row definition ``finalise`` must keep matching: merges, then one id per ``to_dict`` row."""
    frame = pd.DataFrame(list(records))
    if frame.empty:
        return schemas.empty(table)
    sent = sentences.loc[sentences["article_id"].isin(frame["article_id"].unique()),
                         ["article_id", "sentence", "text"]].rename(columns={"text": "evidence"})
    frame = frame.drop(columns=[c for c in ("evidence", "published") if c in frame.columns])
    frame = frame.merge(sent, on=["article_id", "sentence"], how="left")
    frame = frame.merge(articles[["article_id", "published"]], on="article_id", how="left")
    own = [c for c in schemas.TABLES[table] if c not in schemas.FINDING_COLUMNS]
    frame["finding_id"] = [
        findings.finding_id(table, row["article_id"], row["char_start"], row["char_end"],
                           [row.get(c) for c in own] + [row["rule"]])
        for row in frame.to_dict("records")
    ]
    return schemas.conform(frame.drop_duplicates("finding_id"), table)


def _procurement_record(article_id="a1", sentence=0, start=4, end=19, **values):
    record = {"article_id": article_id, "sentence": sentence, "char_start": start, "char_end": end,
              "buyer": "IND", "supplier": "RUS", "system": "S-400", "category": "air_defence",
              "stage": "contract", "quantity": 5, "value_usd": 5.4e9, "companies": ["Rosoboronexport"],
              "confidence": 0.9, "rule": "procurement.contract"}
    record.update(values)
    return record


def _sentences_and_articles():
    # a2's sentence 1 appears twice (the first text wins, as in a left merge); a3 has no sentences; zz no article
    sentences = pd.DataFrame({
        "article_id": pd.Series(["a1", "a1", "a2", "a2", "a2", "zz"], dtype="string"),
        "sentence": pd.Series([0, 1, 0, 1, 1, 0], dtype="int32"),
        "text": ["First.", "Second.", "Other.", "Kept.", "Shadowed.", "Orphan."],
    })
    articles = pd.DataFrame({"article_id": pd.Series(["a1", "a2", "a3"], dtype="string"),
                             "published": pd.to_datetime(["2024-01-02", "2024-02-03", "2024-03-04"])})
    return sentences, articles


def test_finding_ids_keep_their_published_values() -> None:
    """Reviews already stored are keyed by these ids: a speed change must not respell them."""
    sentences, articles = _sentences_and_articles()
    records = [_procurement_record(),
               _procurement_record(sentence=1, start=30, end=40, buyer="TUR", supplier=None, stage="delivery",
                                   quantity=None, value_usd=None, companies=None, confidence=0.7,
                                   rule="procurement.delivery")]
    out = findings.finalise(records, "procurement", sentences, articles)
    assert out["finding_id"].tolist() == ["8c936f9b2ae38a90", "f4bc8bd874cf5371"]
    assert out["evidence"].tolist() == ["First.", "Second."]
    assert out["published"].tolist() == [pd.Timestamp("2024-01-02")] * 2


_VALUES = {
    "article_id": st.sampled_from(["a1", "a2", "a3", "zz"]),
    "sentence": st.sampled_from([0, 1, 2]),
    "start": st.integers(0, 3),
    "buyer": st.sampled_from(["IND", "TUR", None]),
    "quantity": st.sampled_from([None, 24, 24.0, float("nan")]),
    "companies": st.sampled_from([None, [], ["Rosoboronexport", "USC"]]),
    "rule": st.sampled_from(["procurement.contract", "procurement.delivery"]),
}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.fixed_dictionaries(_VALUES), min_size=1, max_size=8))
def test_column_wise_finalise_matches_the_row_wise_definition(rows) -> None:
    """Same ids, evidence, dates, repeats dropped, column order and dtypes as the row-by-row version."""
    records = [_procurement_record(r["article_id"], r["sentence"], r["start"], r["start"] + 5, buyer=r["buyer"],
                                   quantity=r["quantity"], companies=r["companies"], rule=r["rule"])
               for r in rows]
    _assert_same_as_rowwise(records)


@pytest.mark.parametrize("sentences", [[0, None, 1], [None], [1.0, 2.0]])
def test_keys_the_lookup_cannot_encode_still_match_the_row_wise_definition(sentences) -> None:
    """A missing or float sentence number takes the merge path; the result is the same as ever."""
    _assert_same_as_rowwise([_procurement_record("a1", s, start=i) for i, s in enumerate(sentences)])


def _assert_same_as_rowwise(records) -> None:
    sentences, articles = _sentences_and_articles()
    try:
        expected = _rowwise_finalise(records, "procurement", sentences, articles)
    except ValueError:  # every sentence missing: the merge refuses an object key, and so must finalise
        with pytest.raises(ValueError):
            findings.finalise(records, "procurement", sentences, articles)
        return
    got = findings.finalise(records, "procurement", sentences, articles)
    assert list(got.columns) == list(expected.columns)
    assert list(got.dtypes) == list(expected.dtypes)
    pd.testing.assert_frame_equal(got, expected)
