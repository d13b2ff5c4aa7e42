"""Articles -> sentences whose offsets index the original text exactly.

Written for speed (one regex pass for candidate boundaries, cheap checks per
candidate) because it runs on every article; look-behind-heavy regexes and
statistical splitters cost 30-300x more here (see ../shared/PERFORMANCE.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.vocab import DATA_DIR, read_csv_rows

# A candidate boundary: terminal punctuation with any closing quotes/brackets, then
# whitespace, or glued straight onto an opening quote or a capitalised word
# ("ET.The", "power.Sources", "deliveries.“It"); or a line break.
CANDIDATE = re.compile(r"""[.!?]+["'”’)\]]*(?=\s|["“‘]|[A-Z][a-z]|$)|\n+""")
WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?$")
OPENERS = "\"“‘'([A-Z0-9"


@dataclass(frozen=True)
class Splitter:
    """Sentence splitter configured by the abbreviation list in data/rules/abbreviations.csv."""

    abbreviations: frozenset[str]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each sentence, trimmed of surrounding whitespace, covering all non-space text."""
        spans: list[tuple[int, int]] = []
        start = 0
        for match in CANDIDATE.finditer(text):
            end = match.end()
            if match.group()[0] != "\n" and not self._ends_sentence(text, match.start(), end):
                continue
            _append(spans, text, start, end)
            start = end
        _append(spans, text, start, len(text))
        return spans

    def _ends_sentence(self, text: str, dot: int, end: int) -> bool:
        following = text[end:end + 2].lstrip()
        if following and following[0] not in OPENERS and not following[0].isupper():
            return False  # "e.g. the", "3.5 billion", "U.S.-made"
        if text[dot] != ".":
            return True
        word = WORD_BEFORE.search(text, max(0, dot - 20), dot)
        if word is None:
            return True
        token = word.group(1)
        if token in self.abbreviations:
            return False
        if len(token) == 1 and token.isupper():
            # an initial ("U.S.", "J. Smith"): a sentence ends here only before a capitalised
            # word preceded by a space and the initial itself following a dot, e.g. "the U.S. The"
            return text[dot - 2:dot - 1] == "." and text[end:end + 1] == " " and _starts_common_word(text, end)
        return True


def _starts_common_word(text: str, end: int) -> bool:
    """True when the next word is a typical sentence opener (The, He, It, ...)."""
    word = text[end:end + 12].split(" ", 2)
    return len(word) > 1 and word[1] in {"The", "He", "She", "It", "They", "We", "But", "In", "A", "This", "That"}


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def load_splitter(data_dir: Path = DATA_DIR) -> Splitter:
    rows = read_csv_rows(data_dir / "rules" / "abbreviations.csv", ["abbreviation", "kind"])
    return Splitter(frozenset(row["abbreviation"] for row in rows))


def split_sentences(articles: pd.DataFrame, splitter: Splitter) -> pd.DataFrame:
    """One row per sentence: article_id, sentence (0-based), char_start, char_end, text."""
    ids: list[str] = []
    numbers: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    texts: list[str] = []
    for article_id, text in zip(articles["article_id"], articles["text"]):
        for number, (start, end) in enumerate(splitter.spans(text)):
            ids.append(article_id)
            numbers.append(number)
            starts.append(start)
            ends.append(end)
            texts.append(text[start:end])
    return pd.DataFrame({
        "article_id": pd.array(ids, dtype="string"),
        "sentence": pd.array(numbers, dtype="int32"),
        "char_start": pd.array(starts, dtype="int32"),
        "char_end": pd.array(ends, dtype="int32"),
        "text": pd.array(texts, dtype="string"),
    })
