"""The positions tagger's fast paths give what the plain ones give (issue 6 speed work).

Each fast path rests on a fact about text that is checked here, so a Python upgrade or a new
phrase that breaks the fact fails a test instead of quietly changing rows.
"""

from __future__ import annotations

import sys

import pytest

from analysis.taggers import positions
from analysis.taggers.attribution_types import Matcher
from analysis.taggers.stance_lexicon import KELVIN, Lexicon, fold, topic_hits_unfolded
from analysis.vocab import DATA_DIR


def _fold_char(ch: str) -> str:
    return str(fold(ch))


def test_a_character_and_its_fold_are_alike_alphanumeric() -> None:
    """Word boundaries of the unfolded topic scan are read on the original text."""
    odd = [hex(c) for c in range(sys.maxunicode + 1) if chr(c).isalnum() != _fold_char(chr(c)).isalnum()]
    assert odd == []


def test_only_the_kelvin_sign_folds_from_non_ascii_to_ascii() -> None:
    """The unfolded bytes equal the folded ones for every text without the Kelvin sign."""
    odd = [chr(c) for c in range(128, sys.maxunicode + 1) if _fold_char(chr(c)).isascii()]
    assert odd == [KELVIN]


@pytest.mark.parametrize("text", [
    "U.S. SANCTIONS on Iran’s oil: the Embargo stays, Kremlin says.",
    "Straße café — Ärzte über İstanbul; SANCTIONED firms",
    "No topic here at all, only weather.",
])
def test_unfolded_topic_scan_matches_the_folded_one(text: str) -> None:
    rules = positions.load(DATA_DIR)
    early = topic_hits_unfolded(rules.stance.topics, text)
    folded = fold(text)
    assert early is not None
    assert early[0] == folded.ascii()
    assert early[1] == rules.stance.topics.scan(folded, 0, len(folded))


def test_kelvin_sign_takes_the_folding_path() -> None:
    rules = positions.load(DATA_DIR)
    assert topic_hits_unfolded(rules.stance.topics, "5 \u212a sanctions") is None


def test_non_ascii_phrases_match_on_bytes_as_on_text() -> None:
    """A phrase with an accent ("communiqué") is found on the article bytes where the text has it."""
    matcher = Matcher([("read a communiqué from", "x"), ("said", "y"), ("naïve", "z")])
    text = fold("Officials read a Communiqué from Paris; “Naïve”, she said — not naive.")
    expected = [(text.find("read"), text.find(" paris"), "x"), (text.find("naïve"), text.find("naïve") + 5, "z"),
                (text.find("said"), text.find("said") + 4, "y")]
    assert matcher.find(text, 0, len(text)) == expected
    assert matcher.find(str(text), 0, len(text)) == expected     # a plain str takes the text path
    assert Lexicon([("naïve", "z")]).find(text, 10, len(text))[0].start == text.find("naïve")
