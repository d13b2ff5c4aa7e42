"""Articles -> sentences whose offsets index the original text exactly.

Written for speed (one regex pass for candidate boundaries, cheap checks per
candidate) because it runs on every article; look-behind-heavy regexes and
statistical splitters cost 30-300x more here (see ../shared/PERFORMANCE.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from analysis.vocab import DATA_DIR, read_csv_rows

# A candidate boundary: terminal punctuation with any closing quotes/brackets, then either
# whitespace and a plausible sentence opener, or glued straight onto an opening quote or a
# capitalised word ("ET.The", "power.Sources", "deliveries.“It"), or the end; or a line break.
# Written as one leading character class and then a branch per kind (a look-behind of one
# character picks the branch): the same matches as `[.!?]+...|\n+`, but Python's regex engine
# can scan for a single leading class ~5x faster than for an alternation.
CANDIDATE = re.compile(r"""[.!?\n](?:(?<=[.!?])[.!?]*["'”’)\]]*(?=\s+["“‘'(\[A-Z0-9]|["“‘]|[A-Z][a-z]|\s*$)|(?<=\n)\n*)""")
TOKEN_BEFORE = re.compile(r"([A-Za-z]+)\.?$")
COMMON_OPENERS = frozenset({"The", "He", "She", "It", "They", "We", "But", "In", "A", "This", "That"})


@dataclass(frozen=True)
class Splitter:
    """Sentence splitter configured by the abbreviation list in data/rules/abbreviations.csv."""

    abbreviations: frozenset[str]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each sentence, trimmed of surrounding whitespace, covering all non-space text."""
        spans: list[tuple[int, int]] = []
        start = 0
        tails, singles = self._tails
        for match in CANDIDATE.finditer(text):
            dot = match.start()
            if text[dot] == ".":
                # Only a dot after an abbreviation's last two letters, an upper-case letter or another
                # dot can be anything but a full stop; the other ~90% skip the token check.
                tail = text[max(0, dot - 2):dot]
                last = tail[-1:]
                if (tail in tails or last in singles or last == "." or last.isupper()) \
                        and not self._full_stop(text, dot, match.end()):
                    continue
            _append(spans, text, start, match.end())
            start = match.end()
        _append(spans, text, start, len(text))
        return spans

    @cached_property
    def _tails(self) -> tuple[frozenset[str], frozenset[str]]:
        """Last two letters of every abbreviation, and the one-letter abbreviations."""
        return (frozenset(a[-2:] for a in self.abbreviations if len(a) >= 2),
                frozenset(a for a in self.abbreviations if len(a) == 1))

    def _full_stop(self, text: str, dot: int, end: int) -> bool:
        """False when the dot closes an abbreviation or an initial rather than a sentence."""
        word = TOKEN_BEFORE.search(text[max(0, dot - 12):dot])
        if word is None:
            return True
        token = word.group(1)
        if token in self.abbreviations:
            return False
        if len(token) == 1 and token.isupper():
            # "U.S. officials", "J. Smith": a sentence ends only in "the U.S. The ..."
            return text[dot - 2:dot - 1] == "." and text[end:end + 1] == " " and _next_word(text, end) in COMMON_OPENERS
        return True


def _next_word(text: str, end: int) -> str:
    parts = text[end:end + 12].split(" ", 2)
    return parts[1] if len(parts) > 1 else ""


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        left = start + len(piece) - len(piece.lstrip())
        spans.append((left, left + len(stripped)))


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
    for article_id, text in zip(articles["article_id"].tolist(), articles["text"].tolist()):
        spans = splitter.spans(text)
        ids.extend([article_id] * len(spans))
        numbers.extend(range(len(spans)))
        starts.extend(start for start, _ in spans)
        ends.extend(end for _, end in spans)
        texts.extend(text[start:end] for start, end in spans)
    return pd.DataFrame({
        "article_id": pd.array(ids, dtype="string"),
        "sentence": pd.array(numbers, dtype="int32"),
        "char_start": pd.array(starts, dtype="int32"),
        "char_end": pd.array(ends, dtype="int32"),
        "text": pd.Series(texts, dtype=object),  # plain str: taggers iterate, no Arrow round trip
    })
