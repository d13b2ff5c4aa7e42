"""The synthetic benchmark corpus is reproducible, news-sized and exercises every tagger's vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import catalogue, gazetteer, ingest
from analysis.normalise import normalise
from bench import synth

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, str]]:
    return list(synth.generate(300, seed=11))


def test_same_seed_gives_the_same_corpus_and_another_seed_a_different_one(corpus: list[dict[str, str]]) -> None:
    assert list(synth.generate(300, seed=11)) == corpus
    assert [a["text"] for a in synth.generate(20, seed=12)] != [a["text"] for a in corpus[:20]]


def test_articles_are_about_four_kilobytes(corpus: list[dict[str, str]]) -> None:
    sizes = [len(a["text"]) for a in corpus]
    assert 3500 <= sum(sizes) / len(sizes) <= 4500
    assert min(sizes) > 1500 and max(sizes) < 7000


def test_countries_and_systems_are_found_by_the_project_matchers(corpus: list[dict[str, str]]) -> None:
    places = gazetteer.load(ROOT / "data")
    systems = catalogue.load(ROOT / "data")
    with_place = sum(bool(places.find(a["text"])) for a in corpus)
    with_system = sum(bool(systems.find(a["text"])) for a in corpus)
    assert with_place > 0.9 * len(corpus)
    # only on-topic articles name systems: a realistic minority, not every article
    assert 0.2 * len(corpus) < with_system < 0.7 * len(corpus)


def test_sanctions_words_and_quotes_occur_at_news_like_density(corpus: list[dict[str, str]]) -> None:
    words = synth.load_vocabulary().sanctions_words
    sanctions = sum(any(w in a["text"] for w in words) for a in corpus)
    quotes = sum("“" in a["text"] for a in corpus)
    assert 0.2 * len(corpus) < sanctions < 0.95 * len(corpus)
    assert quotes > 0.5 * len(corpus)


def test_written_file_is_ingested_without_rejects(tmp_path: Path) -> None:
    path = synth.write(50, tmp_path / "synth.jsonl.gz", seed=3)
    raw = next(ingest.iter_raw(path, 100, ingest.load_column_aliases()))
    articles, rejects = normalise(raw, str(path), ingest.IngestState())
    assert len(articles) == 50 and rejects.empty
    assert articles["article_id"].str.startswith("syn").all()
    assert articles["published"].notna().all()


def test_a_range_of_the_corpus_equals_that_slice_of_the_whole(corpus: list[dict[str, str]]) -> None:
    """Pieces of a large corpus can be written in parallel and still form the one stream."""
    assert list(synth.generate(70, seed=11, start=130)) == corpus[130:200]


def test_unrelated_articles_share_little_text_as_real_news_does(corpus: list[dict[str, str]]) -> None:
    """No synthetic article is a near-duplicate of another, and the typical pair shares few shingles:
    with a fixed set of filler sentences every pair looked 20 % alike and the dedupe benchmark
    measured boilerplate instead of duplicates."""
    import numpy as np

    from analysis import dedupe, minhash

    sigs = minhash.signatures([a["text"] for a in corpus])
    alike = (sigs[:, None, :] == sigs[None, :, :]).mean(axis=2)[np.triu_indices(len(corpus), k=1)]
    assert np.median(alike) < 0.05
    assert alike.max() < 0.5
    bands, rows = dedupe.band_params(0.5, 128)
    assert len(dedupe._candidates(sigs, bands, rows)) < len(corpus) // 10
