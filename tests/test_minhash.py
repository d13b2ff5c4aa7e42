"""MinHash signatures: words as the ``\\w+`` regex finds them, and estimates that track exact Jaccard."""

from __future__ import annotations

import random
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import minhash

_WORD = re.compile(r"\w+")


def regex_word_hashes(text: str) -> list[int]:
    """The reference: ``\\w+`` words of the lower-cased text, each hashed by the module's word hash."""
    words = [w.encode("utf-8", "surrogatepass") for w in _WORD.findall(text.lower())]
    if not words:
        return []
    side = np.frombuffer(b"".join(words) + bytes(8), dtype=np.uint8)
    lengths = np.array([len(w) for w in words])
    fold = np.array([minhash._FOLD if w.isascii() else 0 for w in words], dtype=np.uint64)
    return minhash._hash_words(side, np.cumsum(lengths) - lengths, lengths, fold)[0].tolist()


def words_of(texts: list[str]) -> list[list[int]]:
    codes, counts = minhash._text_words(minhash._arrow_texts(texts))
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [codes[a:b].tolist() for a, b in zip(bounds[:-1], bounds[1:])]


TRICKY = ["", "   ", "a", "Ünïcode café\u2014test \u201cquoted\u201d \u2018x\u2019 naïve_word 123 \uff12\uff13 x\u00b2 ok",
          "Russia\u2019s Rosoboronexport, U.S.-made F-16s", "\u2019\u2019", "\u0130stanbul STRASSE Stra\u00dfe",
          "\u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3.\u0391 x", "emoji \U0001f600 math \U0001d400bc end\u00a0nbsp",
          "verylongwordwithoutanybreaksatallreallylong_and_more_underscores_1234567890 MIXEDCaseWORD",
          "lone \ud800 surrogate", "tab\tnew\nline\r\nCRLF"]


def test_words_are_the_regex_words_of_the_lower_cased_text():
    """Quotes and dashes split words, letters of any script join them, case never matters."""
    assert words_of(TRICKY) == [regex_word_hashes(t) for t in TRICKY]
    assert words_of(["Russia\u2019s"]) == words_of(["russia's"])  # curly and straight apostrophes alike


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40), min_size=1, max_size=6))
def test_words_match_the_regex_on_any_text(texts):
    assert words_of(texts) == [regex_word_hashes(t) for t in texts]


def _vocabulary(n: int, tag: str) -> list[str]:
    return [f"{tag}{i}" for i in range(n)]


def _shingle_jaccard(a: str, b: str) -> float:
    def grams(text: str) -> set[tuple[str, ...]]:
        words = _WORD.findall(text.lower())
        return {tuple(words[k:k + 5]) for k in range(len(words) - 4)}
    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y)


@pytest.mark.parametrize("shared,own", [(600, 0), (500, 100), (400, 200), (300, 300), (200, 400), (0, 600)])
def test_share_of_equal_values_estimates_the_exact_jaccard(shared, own):
    """Two texts sharing a run of words: the signature estimate lands near the exact shingle Jaccard."""
    common = " ".join(_vocabulary(shared, "c"))
    one = common + " " + " ".join(_vocabulary(own, "x"))
    two = common + " " + " ".join(_vocabulary(own, "y"))
    sigs = minhash.signatures([one, two])
    estimate = (sigs[0] == sigs[1]).mean()
    assert abs(estimate - _shingle_jaccard(one, two)) < 0.12


def test_estimates_are_unbiased_over_many_pairs():
    """Averaged over many pairs at Jaccard about 0.5 the estimate neither inflates nor deflates."""
    rng = random.Random(3)
    errors = []
    for k in range(40):
        words = [f"w{rng.randrange(10**6)}" for _ in range(400)]
        one, two = " ".join(words), " ".join(words[:300] + [f"z{k}_{i}" for i in range(100)])
        sigs = minhash.signatures([one, two])
        errors.append((sigs[0] == sigs[1]).mean() - _shingle_jaccard(one, two))
    assert abs(np.mean(errors)) < 0.02
    assert np.sqrt(np.mean(np.square(errors))) < 0.07  # about sqrt(J (1 - J) / 128) = 0.044


def test_a_signature_depends_on_its_text_only(monkeypatch):
    """Same text, same signature, whatever it is signed with and however the batch is cut."""
    texts = [f"article {i} " + " ".join(_vocabulary(50 + i, f"t{i}_")) for i in range(30)]
    whole = minhash.signatures(texts)
    assert np.array_equal(minhash.signatures(texts[7:8])[0], whole[7])
    monkeypatch.setattr(minhash, "_GROUP_BYTES", 700)  # many small groups
    assert np.array_equal(minhash.signatures(texts), whole)


def test_lists_arrow_arrays_and_arrow_backed_series_sign_alike():
    texts = ["One text here, with words.", None, "Another text \u2014 with a dash"]
    expected = minhash.signatures(["" if t is None else t for t in texts])
    assert np.array_equal(minhash.signatures(texts), expected)
    assert np.array_equal(minhash.signatures(pa.array(texts)), expected)
    assert np.array_equal(minhash.signatures(pd.Series(texts, dtype="string")), expected)
    assert np.array_equal(minhash.signatures(pa.chunked_array([texts[:1], texts[1:]])), expected)


def test_short_and_empty_texts_get_full_signatures():
    """Texts of fewer than five words (one shingle) fill every bin from their own values."""
    sigs = minhash.signatures(["hello world", "hello there", "", "", "three words only"])
    assert not (sigs == minhash._EMPTY).any()
    assert len(set(sigs[0].tolist())) == 1  # one shingle: every bin borrows its one value
    assert not np.array_equal(sigs[0], sigs[1])
    assert np.array_equal(sigs[2], sigs[3])  # empty texts sign alike (as they always have)
    assert minhash.signatures([]).shape == (0, 128)


def test_unrelated_texts_look_unrelated():
    rng = random.Random(9)
    texts = [" ".join(f"u{rng.randrange(10**6)}" for _ in range(300)) for _ in range(20)]
    sigs = minhash.signatures(texts)
    alike = (sigs[:, None, :] == sigs[None, :, :]).mean(axis=2)[np.triu_indices(len(texts), k=1)]
    assert alike.max() < 0.1
