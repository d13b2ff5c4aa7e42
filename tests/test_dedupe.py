"""Near-duplicate clustering and independent sources."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import dedupe, minhash, schemas

STORY = ("India has received the first squadron of the S-400 air defence system from Russia, officials said, "
         "even as Washington weighs whether to sanction New Delhi under CAATSA for the five billion dollar deal. "
         "The remaining squadrons are due next year and crews have finished their training near Moscow.")
OTHER = ("Turkey said on Monday it would not return the Russian missiles, rejecting calls from NATO allies and "
         "insisting that its purchase was a sovereign decision taken after years of failed talks with the United States.")


def arts(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    return schemas.conform(pd.DataFrame([{"article_id": a, "published": pd.Timestamp(d), "text": t, "source": s}
                                         for a, d, t, s in rows]), "articles")


def test_syndicated_copy_and_update_share_a_cluster_named_after_the_first():
    frame = arts([("copy", "2021-12-15", "Reuters - " + STORY + " Copyright 2021.", "paper.in"),
                  ("orig", "2021-12-14", STORY, "wire.com"),
                  ("update", "2021-12-16", STORY + " Updated with the Pentagon's comment: no decision yet.", "wire.com"),
                  ("other", "2021-12-14", OTHER, "wire.com")])
    clusters = dedupe.cluster_articles(frame).set_index("article_id")["cluster_id"]
    assert clusters["copy"] == clusters["orig"] == clusters["update"] == "orig"
    assert clusters["other"] == "other"
    sources = dedupe.source_keys(frame, clusters.reset_index()).set_index("article_id")["source_key"]
    assert sources["copy"] == "wire.com"  # the reprint stands for the wire that first ran it


def test_source_key_without_publisher_falls_back_to_cluster():
    frame = arts([("a", "2021-01-01", STORY, None), ("b", "2021-01-02", OTHER, "https://www.Example.org/x")])
    keys = dedupe.source_keys(frame).set_index("article_id")["source_key"]
    assert keys["a"] == "cluster:a" and keys["b"] == "example.org"


def test_clusters_do_not_depend_on_row_order():
    frame = arts([("a", "2021-01-01", STORY, "x"), ("b", "2021-01-02", STORY + " More.", "y"),
                  ("c", "2021-01-01", OTHER, "z")])
    one = dedupe.cluster_articles(frame).sort_values("article_id").reset_index(drop=True)
    two = dedupe.cluster_articles(frame.iloc[::-1]).sort_values("article_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(one, two)


words = st.lists(st.sampled_from("alpha beta gamma delta sanctions waiver deal missile talks signed".split()),
                 min_size=40, max_size=80)


@settings(max_examples=25, deadline=None)
@given(words, st.text(alphabet="xyz ", max_size=20))
def test_a_copy_with_a_short_suffix_always_joins_its_original(body, suffix):
    text = " ".join(f"{w}{i % 7}" for i, w in enumerate(body))
    frame = arts([("orig", "2021-01-01", text, "a"), ("copy", "2021-01-03", text + " " + suffix, "b")])
    clusters = dedupe.cluster_articles(frame).set_index("article_id")["cluster_id"]
    assert clusters["copy"] == "orig"


def test_collapse_keeps_one_unit_per_event_and_source_with_all_ids():
    frame = arts([("a", "2021-01-01", STORY, "w"), ("b", "2021-01-05", STORY, "w"), ("c", "2021-01-06", OTHER, "v")])
    contribs = pd.DataFrame({
        "finding_id": ["f1", "f2", "f3"], "article_id": ["a", "b", "c"],
        "published": pd.to_datetime(["2021-01-01", "2021-01-05", "2021-01-06"]),
        "country": "IND", "counterpart": "USA", "component": "threats", "event": "e", "weight": [0.5, 1.0, 1.0]})
    units = dedupe.collapse_events(contribs, dedupe.source_keys(frame), "M")
    assert len(units) == 2
    first = units[units["source_key"] == "w"].iloc[0]
    assert first["weight"] == 1.0 and first["published"] == pd.Timestamp("2021-01-01")
    assert sorted(first["finding_ids"]) == ["f1", "f2"]


def test_bands_match_datasketch():
    """The LSH band layout is datasketch's MinHashLSH choice for the threshold (computed without it)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    assert dedupe.band_params(0.5, 128) == (lsh.b, lsh.r)


def test_planted_near_duplicates_are_found_and_distinct_articles_stay_apart():
    """Among 40 unrelated articles, copies with an edit, an update or a cut join their original; nothing else joins."""
    import random

    rng = random.Random(4)
    vocab = [f"w{k}" for k in range(3000)]
    texts = {f"a{i:02d}": " ".join(rng.choice(vocab) for _ in range(rng.randint(150, 400))) for i in range(40)}
    rows = [(key, f"2021-01-{1 + i % 28:02d}", text, "s") for i, (key, text) in enumerate(texts.items())]
    words = texts["a01"].split()
    for k in rng.sample(range(len(words)), len(words) // 50):
        words[k] = "changed"
    rows += [("edit", "2021-02-01", " ".join(words), "t"),
             ("update", "2021-02-02", texts["a02"] + " " + texts["a30"][:len(texts["a02"]) // 4], "t"),
             ("cut", "2021-02-03", texts["a03"][:len(texts["a03"]) * 4 // 5], "t"),
             ("wire", "2021-02-04", "AP - " + texts["a04"].upper() + " (c) 2021", "t")]
    clusters = dedupe.cluster_articles(arts(rows)).set_index("article_id")["cluster_id"]
    assert clusters[["edit", "update", "cut", "wire"]].tolist() == ["a01", "a02", "a03", "a04"]
    originals = clusters[list(texts)]
    assert (originals == originals.index).all()  # no two unrelated articles merged


def test_clusters_from_signatures_read_in_slices_equal_clusters_from_texts(tmp_path):
    """The pipeline signs the staged articles one row group at a time; the clusters must not change."""
    import numpy as np
    import pyarrow.parquet as pq

    frame = arts([("a", "2021-01-01", STORY, "x"), ("b", "2021-01-02", STORY + " More.", "y"),
                  ("c", "2021-01-01", OTHER, "z"), ("d", "2021-01-03", "Reuters - " + OTHER, "w")])
    path = tmp_path / "articles.parquet"
    with pq.ParquetWriter(path, pq.read_schema(_write(frame.iloc[:2], tmp_path / "s.parquet"))) as writer:
        for part in (frame.iloc[:2], frame.iloc[2:]):
            writer.write_table(pq.read_table(_write(part, tmp_path / "p.parquet")))
    parts = [minhash.file_signatures(path, g) for g in range(2)]
    keys = pd.concat([k for k, _ in parts], ignore_index=True)
    sliced = dedupe.cluster_signatures(keys, np.concatenate([s for _, s in parts]))
    whole = dedupe.cluster_articles(frame)
    pd.testing.assert_frame_equal(sliced, whole)
    assert sliced.set_index("article_id")["cluster_id"].to_dict() == {"a": "a", "b": "a", "c": "c", "d": "c"}


def _write(frame: pd.DataFrame, path):
    from analysis import store
    import pyarrow.parquet as pq
    pq.write_table(store.to_arrow(frame, "articles"), path)
    return path


def test_word_hashes_split_exactly_like_the_word_regex():
    """The byte-level word splitter must give the same words as ``\\w+`` (else signatures, and clusters, move)."""
    import re

    from tests.test_minhash import regex_word_hashes, words_of

    texts = ["", "   ", "a", "Ünïcode café\u2014test \u201cquoted\u201d \u2018x\u2019 naïve_word 123 \uff12\uff13 x\u00b2 ok",
             "Russia\u2019s Rosoboronexport, U.S.-made F-16s", "\u2019\u2019", STORY]
    assert words_of(texts) == [regex_word_hashes(t) for t in texts]
    assert [len(w) for w in words_of(texts)] == [len(re.findall(r"\w+", t.lower())) for t in texts]


def test_candidates_verified_in_small_batches_give_the_same_clusters(monkeypatch):
    """Memory is bounded by verifying candidates batch by batch; the clusters must not change."""
    rows = [(f"s{i}", f"2021-01-{1 + i % 9:02d}", STORY + f" Item {i}.", "x") for i in range(6)]
    rows += [(f"o{i}", f"2021-02-{1 + i:02d}", OTHER + f" Note {i}.", "y") for i in range(5)]
    rows += [(f"u{i}", "2021-03-01", " ".join(f"word{i}x{k}" for k in range(30)), "z") for i in range(4)]
    frame = arts(rows)
    whole = dedupe.cluster_articles(frame).sort_values("article_id").reset_index(drop=True)
    sigs = minhash.signatures(minhash.article_texts(frame))
    bands, band_rows = dedupe.band_params(0.5, 128)
    batches = list(dedupe._candidate_batches(sigs, bands, band_rows, batch=3))
    assert len(batches) > 1  # really more than one batch
    monkeypatch.setattr(dedupe, "_BATCH", 3)
    small = dedupe.cluster_articles(frame).sort_values("article_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(whole, small)
    clusters = whole.set_index("article_id")["cluster_id"]
    assert set(clusters[[f"s{i}" for i in range(6)]]) == {"s0"}
    assert clusters["u1"] == "u1"  # unrelated texts stay alone
