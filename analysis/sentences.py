"""Articles -> sentences whose offsets index the original text exactly.

Written for speed because it runs on every article. A chunk's texts are joined into one
string and scanned by two regexes that each start with a single literal character, which
Python's regex engine finds several times faster than a character class: one for terminal
punctuation ("!" and "?" are turned into "." in a scanning copy), one for line breaks. The two
never overlap, so their boundaries are simply merged. Positions are read off the matches and
the sentences cut by C loops (``map``) and numpy; Python code runs per chunk, and per dot that
may close an abbreviation or an initial. Statistical splitters cost 30-300x more here (see
docs/PERFORMANCE.md).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.vocab import DATA_DIR, read_csv_rows

# A boundary after terminal punctuation: the stop with any further stops and closing
# quotes/brackets ("q"), then whitespace and a plausible sentence opener, or glued straight onto
# an opening quote or a capitalised word ("ET.The", "power.Sources", "deliveries.“It"), or the
# end. The match goes on over the whitespace after it, where the next sentence starts. Two
# branches mark a dot that may not end the sentence, and leave "q" unset: "a" when a whole
# abbreviation precedes it (never a boundary), "s" after a lone capital or another stop
# (``Splitter._boundary`` decides; its stops and quotes are "r"). Splitter fills in the marks.
BODY = r"""[.!?]*["'”’)\]]*"""
AHEAD = r"""(?=\s+["“‘'(\[A-Z0-9]|["“‘]|[A-Z][a-z]|\s*$)"""
STOP = rf"\.(?:(?P<a>{{abbreviation}}){BODY}{AHEAD}|(?P<s>{{suspect}})(?P<r>{BODY}){AHEAD}|(?P<q>{BODY}){AHEAD}\s*)"
# A line break always ends a sentence; the next one starts after the blank space.
LINE_BREAK = re.compile(r"\n\s*")
# Joins a chunk's texts: whitespace then an opening bracket reads to every pattern here exactly
# like the end of a text (the look-ahead's "\s+(" instead of "\s*$"), and to every look-behind
# like its start (no letter, no stop), so one scan of the joined string finds what one scan per
# text would.
JOIN = " ("
TOKEN_BEFORE = re.compile(r"([A-Za-z]+)\.?$")
SPACES = re.compile(r"\s*")
NOT_LETTER = "(?<![A-Za-z])"
COMMON_OPENERS = frozenset({"The", "He", "She", "It", "They", "We", "But", "In", "A", "This", "That"})
START, END = re.Match.start, re.Match.end
# Texts scanned as one string. Small groups also keep the Match objects few: holding a whole
# chunk's at once makes the garbage collector walk them again and again, which cost more than the scan.
GROUP = 16


@dataclass(frozen=True)
class Splitter:
    """Sentence splitter configured by the abbreviation list in data/rules/abbreviations.csv."""

    abbreviations: frozenset[str]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each sentence, trimmed of surrounding whitespace, covering all non-space text."""
        frame = split_sentences(pd.DataFrame({"article_id": ["a"], "text": [text]}), self)
        return list(zip(frame["char_start"].tolist(), frame["char_end"].tolist()))

    @cached_property
    def stops(self) -> re.Pattern[str]:
        """STOP with its marks. "a": the dot follows a whole abbreviation (letters only: the
        token check reads nothing else), where ``_full_stop`` always says no. "s": a lone
        capital or another stop precedes it, the only other places where it can say no."""
        by_length: dict[int, list[str]] = {}
        for word in sorted(self.abbreviations):
            if re.fullmatch("[A-Za-z]+", word):
                by_length.setdefault(len(word), []).append(word)
        abbreviation = "|".join(f"(?<={NOT_LETTER}(?:{'|'.join(group)})\\.)" for _, group in sorted(by_length.items()))
        suspect = rf"(?<=\.\.)|(?<={NOT_LETTER}[A-Z]\.)"
        return re.compile(STOP.format(suspect=suspect, abbreviation=abbreviation or "(?!)"))

    @cached_property
    def _tails(self) -> tuple[frozenset[str], frozenset[str]]:
        """Last two letters of every abbreviation, and the one-letter abbreviations."""
        return (frozenset(a[-2:] for a in self.abbreviations if len(a) >= 2),
                frozenset(a for a in self.abbreviations if len(a) == 1))

    def _boundary(self, text: str, dot: int, end: int) -> bool:
        """Whether the stop at ``dot`` (its stops and quotes end at ``end``) ends the sentence.

        The first tests skip the token check where it cannot say no: only a dot can close an
        abbreviation, and only after an abbreviation's last letters, a capital or another dot."""
        if text[dot] != ".":
            return True
        tails, singles = self._tails
        tail = text[max(0, dot - 2):dot]
        last = tail[-1:]
        if tail in tails or last in singles or last == "." or last.isupper():
            return self._full_stop(text, dot, end)
        return True

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


def load_splitter(data_dir: Path = DATA_DIR) -> Splitter:
    rows = read_csv_rows(data_dir / "rules" / "abbreviations.csv", ["abbreviation", "kind"])
    return Splitter(frozenset(row["abbreviation"] for row in rows))


def _cut(texts: list[str], splitter: Splitter) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(text index, start in the text, sentence) of every sentence of a few texts, scanned joined."""
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    bases = np.concatenate(([0], np.cumsum(lengths + len(JOIN))[:-1]))
    joined = JOIN.join(texts)
    scanned = joined.replace("!", ".").replace("?", ".") if "!" in joined or "?" in joined else joined
    stops = list(splitter.stops.finditer(scanned))
    stop_ends = list(map(END, stops, repeat("q")))  # -1 at a marked dot
    stop_starts = list(map(END, stops))
    if -1 in stop_ends:
        offsets = bases.tolist()
        for i in [i for i, end in enumerate(stop_ends) if end < 0]:
            if scanned is joined and stops[i].start("a") >= 0:
                continue  # a real dot after an abbreviation: never a boundary
            end = _marked_end(stops[i], joined, texts, offsets, splitter)
            if end >= 0:
                stop_ends[i], stop_starts[i] = end, SPACES.match(joined, end).end()
    breaks = list(LINE_BREAK.finditer(joined))
    leads = np.fromiter((SPACES.match(text).end() for text in texts), np.int64, len(texts))
    # All boundaries in text order, each text's end among them; a text's end sorts after anything
    # else at the same place, so the piece after it is the next text's first.
    ends = np.array(stop_ends + list(map(START, breaks)), dtype=np.int64)
    starts = np.array(stop_starts + list(map(END, breaks)), dtype=np.int64)
    if len(stop_ends):
        boundary = ends >= 0
        ends, starts = ends[boundary], starts[boundary]
    is_end = np.arange(len(ends) + len(texts)) >= len(ends)
    ends = np.concatenate((ends, bases + lengths))
    starts = np.concatenate((starts, bases[1:] + leads[1:], [0]))
    order = np.argsort(ends * 2 + is_end, kind="stable")
    ends, is_end = ends[order], is_end[order]
    starts = np.concatenate((leads[:1], starts[order][:-1]))
    owner = np.cumsum(is_end) - is_end
    kept = ends > starts  # a piece starts on a non-space character, so only these hold text
    owner, starts, ends = owner[kept], starts[kept], ends[kept]
    pieces = list(map(str.rstrip, map(joined.__getitem__, map(slice, starts.tolist(), ends.tolist()))))
    return owner, starts - bases[owner], pieces


def _marked_end(match: re.Match[str], joined: str, texts: list[str], bases: list[int], splitter: Splitter) -> int:
    """Where the sentence ends if a marked stop is a boundary after all (judged on the original
    text), else -1."""
    dot = match.start()
    if match.start("a") >= 0:
        return match.end() if joined[dot] != "." else -1  # "!" or "?" after an abbreviation: a boundary
    k = bisect_right(bases, dot) - 1
    end = match.end("r")
    return end if splitter._boundary(texts[k], dot - bases[k], end - bases[k]) else -1


def split_sentences(articles: pd.DataFrame, splitter: Splitter) -> pd.DataFrame:
    """One row per sentence: article_id, sentence (0-based), char_start, char_end, text.

    A sentence is the text between two boundaries, trimmed; the end of a text is a boundary.
    Texts are cut GROUP at a time, joined: few enough that the joined string stays small
    (a huge one costs page faults, and one emoji widens all of it to 4 bytes a character).
    """
    ids = articles["article_id"].tolist()
    texts = articles["text"].tolist()
    owners: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    begins: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    pieces: list[str] = []
    for first in range(0, len(texts), GROUP):
        owner, begin, cut = _cut(texts[first:first + GROUP], splitter)
        owners.append(owner + first)
        begins.append(begin)
        pieces += cut
    owner, begin = np.concatenate(owners), np.concatenate(begins)
    sizes = np.fromiter(map(len, pieces), np.int64, len(pieces))
    per_article = np.bincount(owner, minlength=len(texts))
    first_row = np.cumsum(per_article) - per_article
    return pd.DataFrame({
        "article_id": pd.array(ids, dtype="string").take(owner),  # an Arrow take, not one str per row
        "sentence": pd.array((np.arange(len(owner)) - first_row[owner]).astype(np.int32), dtype="int32"),
        "char_start": pd.array(begin.astype(np.int32), dtype="int32"),
        "char_end": pd.array((begin + sizes).astype(np.int32), dtype="int32"),
        "text": pd.Series(pieces, dtype=object),  # plain str: taggers iterate, no Arrow round trip
    })
