"""Sentence offsets index the original text exactly, on the seed and on tricky texts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.sentences import load_splitter, split_sentences

SPLITTER = load_splitter()


def sentences_of(text: str) -> list[str]:
    return [text[s:e] for s, e in SPLITTER.spans(text)]


@pytest.mark.parametrize("text, expected", [
    ("The U.S. imposed sanctions. Mr. Smith objected.", ["The U.S. imposed sanctions.", "Mr. Smith objected."]),
    ("Gen. Li Shangfu was named on Sept. 20 by U.S. officials.", ["Gen. Li Shangfu was named on Sept. 20 by U.S. officials."]),
    ("He said, “We will go ahead.” Then he left.", ["He said, “We will go ahead.”", "Then he left."]),
    ("The deal is worth $5.43 billion. Deliveries start soon.", ["The deal is worth $5.43 billion.", "Deliveries start soon."]),
    ("Babushkin told ET.The comments came later.", ["Babushkin told ET.", "The comments came later."]),
    ("supplies of power.Sources said more.", ["supplies of power.", "Sources said more."]),
    ("deliveries.“It is in our interest,” he said.", ["deliveries.", "“It is in our interest,” he said."]),
    ("They bought U.S.-made jets. Why? Costs!", ["They bought U.S.-made jets.", "Why?", "Costs!"]),
    ("First paragraph without a stop\nSecond paragraph.", ["First paragraph without a stop", "Second paragraph."]),
    ("Sanctions on the U.S. The end.", ["Sanctions on the U.S.", "The end."]),
    ("Shares fell 3.5 percent. Oil rose 0.4.", ["Shares fell 3.5 percent.", "Oil rose 0.4."]),
    ("Apple Inc. said so. Others did not.", ["Apple Inc. said so.", "Others did not."]),
    ("Tanks, jets etc... The list grew.", ["Tanks, jets etc... The list grew."]),
    ("It was signed by J. R. Smith on Jan. 5. Talks went on.", ["It was signed by J. R. Smith on Jan. 5.", "Talks went on."]),
    ("He asked, “Why now?” Nobody knew.", ["He asked, “Why now?”", "Nobody knew."]),
    ("Talk to Mr! Then stop.", ["Talk to Mr!", "Then stop."]),
    ("Really?! Yes.", ["Really?!", "Yes."]),
    ("“We will respond.” The ministry said.", ["“We will respond.”", "The ministry said."]),
    ("\n\n  Title line  \n\nBody starts here.  ", ["Title line", "Body starts here."]),
    ("Deal signed 🚀. Next step.", ["Deal signed 🚀.", "Next step."]),
])
def test_tricky_boundaries(text: str, expected: list[str]) -> None:
    assert sentences_of(text) == expected


def test_seed_article_sentences(seed_dir: Path) -> None:
    raw = next(seed_dir.glob("*.txt")).read_text(encoding="utf-8")
    text = raw[raw.index("A day"):]
    got = sentences_of(text)
    assert len(got) == 10
    assert got[1] == "“It is in the interest of both nations to go ahead."
    assert got[3].endswith("Russian deputy chief of mission Roman Babushkin told ET.")
    assert got[4].startswith("The comments come after the US urged India")
    assert got[5].startswith("Sources have told ET")


def test_frame_offsets_round_trip() -> None:
    articles = pd.DataFrame({"article_id": ["a", "b"], "text": ["One. Two three.  Four?", "  Lone line  "]})
    frame = split_sentences(articles, SPLITTER)
    assert frame["sentence"].tolist() == [0, 1, 2, 0]
    texts = dict(zip(articles["article_id"], articles["text"]))
    for row in frame.itertuples():
        assert texts[row.article_id][row.char_start:row.char_end] == row.text


PIECES = [*"ab .!?\n\t“”\"'’()USMJé", "\u00a0", "\u2028", "🚀", "Mr", "Inc", "etc", "al", "Sept", "U.S.", "The ", "5.4", "\n\n"]


@given(st.text(alphabet=st.sampled_from(list("ab .!?\n“”\"'USM")), max_size=80))
def test_spans_are_ordered_trimmed_and_exact(text: str) -> None:
    spans = SPLITTER.spans(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
    covered = "".join(text[s:e] for s, e in spans)
    assert covered.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map("".join), min_size=1, max_size=6))
def test_each_article_is_split_on_its_own(texts: list[str]) -> None:
    """Articles are scanned together for speed; no boundary may depend on a neighbour's text."""
    articles = pd.DataFrame({"article_id": [f"a{i}" for i in range(len(texts))], "text": texts})
    frame = split_sentences(articles, SPLITTER)
    for i, text in enumerate(texts):
        rows = frame[frame["article_id"] == f"a{i}"]
        assert rows["sentence"].tolist() == list(range(len(rows)))
        assert list(zip(rows["char_start"], rows["char_end"])) == SPLITTER.spans(text)
        assert rows["text"].tolist() == [text[s:e] for s, e in SPLITTER.spans(text)]


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_spans_slice_exactly_and_keep_every_visible_character(text: str) -> None:
    spans = SPLITTER.spans(text)
    assert all(0 <= s < e <= len(text) and text[s:e] == text[s:e].strip() for s, e in spans)
    assert all(e <= s for (_, e), (s, _) in zip(spans, spans[1:]))
    assert "".join("".join(text[s:e] for s, e in spans).split()) == "".join(text.split())


def test_empty_chunk_keeps_the_columns() -> None:
    frame = split_sentences(pd.DataFrame({"article_id": pd.Series([], dtype="string"),
                                          "text": pd.Series([], dtype=object)}), SPLITTER)
    assert list(frame.columns) == ["article_id", "sentence", "char_start", "char_end", "text"]
    assert len(frame) == 0
