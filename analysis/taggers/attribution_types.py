"""Shared types and word lists of the attribution modules (quotes, phrases, speakers).

Kept apart so the phrase, speaker and statement modules can import them without cycles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from analysis.taggers.stance_lexicon import Automaton

QUOTE_PATTERN = re.compile(r"“[^“”\n]+(?:”|(?=\n)|\Z)|\"[^\"\n]+(?:\"|(?=\n)|\Z)")


class QuoteFinder:
    """``QUOTE_PATTERN``'s matches, tried only where a quote mark is.

    A quote starts at an opening mark, so the text between marks is skipped with ``str.find``
    instead of being tried by the regex engine position by position (about 3x faster over an
    article). Same ``finditer`` and ``search`` results as the compiled pattern, same arguments.
    """

    OPENERS = ("“", "\"")

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        size = len(text)
        end = size if endpos is None else min(max(endpos, 0), size)
        at = min(max(pos, 0), size)
        marks = [text.find(mark, at, end) for mark in self.OPENERS]
        while True:
            found = [m for m in marks if m >= 0]
            if not found:
                return
            start = min(found)
            match = QUOTE_PATTERN.match(text, start, end)
            at = match.end() if match else start + 1
            if match:
                yield match
            marks = [m if m < 0 or m >= at else text.find(mark, at, end) for m, mark in zip(marks, self.OPENERS)]

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        return next(self.finditer(text, pos, endpos), None)


QUOTE = QuoteFinder()
TOKEN = re.compile(r"[\w][\w.’'\-]*|[^\w\s]")
SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?](?:\s|$)|[!?]\s")
FUNCTION = frozenset({"the", "a", "an", "of", "for", "'s", "’s", "at", "in", "to"})
SKIP_BEFORE = frozenset({"has", "have", "had", "also", "again", "is", "was", "were", "are", "reportedly",
                         "previously", "recently", "repeatedly", "then", "publicly", "further", "earlier",
                         "later", "strongly", "flatly", "firmly", "long", "on", "just", "already", "once",
                         "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                         "yesterday", "today", "last", "week", "had", "has", "will", "would", "could", "may", "all",
                         "meanwhile", "however", "instead", "formally", "officially", "jointly", "unanimously",
                         "immediately", "quickly", "swiftly", "openly", "privately", "separately", "subsequently",
                         "eventually", "finally", "initially", "originally", "now", "still", "too", "likewise",
                         "been"})   # "has been urging": the progressive keeps the subject before it
# a word before coordinated names that makes them an object ("sanctions on North Korea and the Council")
PREPOSITIONS = frozenset({"on", "against", "with", "by", "from", "over", "toward", "towards", "into", "about", "upon",
                          "than", "like", "via"})
AUXILIARIES = frozenset({"has", "have", "had", "is", "was", "were", "are", "been", "will", "would", "could", "may"})
BE_FORMS = frozenset({"is", "was", "were", "are", "been"})   # the nearest auxiliary before a participle: passive
IRREGULAR_PARTICIPLES = frozenset({"told", "shown", "given", "taken", "seen", "written", "held", "sought", "brought"})
NOT_NAMES = frozenset({"The", "A", "An", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "In", "On",
                       "But", "And", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                       "Sunday", "It", "He", "She", "They", "We", "I", "This", "That"})
CONNECTIVES = frozenset({"and", "or", "but", "that", "which", "who", "with", "while", "as", "after", "before",
                         "when", "where", "said", "says", "if", "than", "by"})
MIN_QUOTE_WORDS = 4
# an inserted phrase between a speaker and the verb: a party tag ("R-S.C.", "D-New York") or a clause
# opened by a relative pronoun or an article ("who chairs ...", "a close ally of ...")
PARTY_TAG = re.compile(r"[RDI]-[A-Z][\w.]*(?:[ .-][A-Z][\w.]*)*\.?")
APPOSITIVE_OPENERS = frozenset({"who", "whose", "which", "a", "an", "one", "another", "himself", "herself",
                                # a participle clause ("India's foreign ministry, asked about the remarks, said")
                                "asked", "speaking", "responding", "commenting", "referring", "writing",
                                "addressing", "questioned", "pressed"})
APPOSITIVE_WORDS = 25
DASHES = frozenset({"—", "–"})   # a pair of dashes around an inserted phrase
# auxiliaries and negation ending a subject phrase ("Ryabkov wouldn't", "Trump has not"): cut to reach the subject
NEGATED_END = re.compile(r"(?:\s+(?:would|could|did|does|do|will|has|have|had|was|were|is|are|n't|not|never|"
                         r"wouldn't|couldn't|didn't|doesn't|don't|won't|hasn't|haven't))+\s*$")
PRONOUNS = frozenset({"he", "she", "they", "it"})
NEAREST_WINDOW = 1500   # how far back a pronoun looks for the person who spoke last


class Matcher:
    """Word-boundary-safe, leftmost-longest phrase matcher returning plain (start, end, entry) tuples.

    The speech-verb and title lists are asked about many short spans per article; building tuples
    straight from the automaton's matches (no hit objects) is what keeps those look-ups cheap.
    The first entry given for a phrase wins.
    """

    def __init__(self, cues: Iterable[tuple[str, Any]]):
        table: dict[str, Any] = {}
        for cue, entry in cues:
            cue = cue.strip().lower()
            if cue and cue not in table:
                table[cue] = entry
        patterns = list(table)
        self.entries = [table[p] for p in patterns]
        self.open_start = [p[0].isalnum() for p in patterns]   # a word character there needs a boundary
        self.open_end = [p[-1].isalnum() for p in patterns]
        self._automaton = Automaton(patterns)

    def find(self, folded: str, start: int, end: int) -> list[tuple[int, int, Any]]:
        """Matches in ``folded[start:end]`` with offsets into ``folded``."""
        out = []
        size = len(folded)
        open_start, open_end, entries = self.open_start, self.open_end, self.entries
        for index, s, e in self._automaton.matches(folded, start, end):
            s += start
            e += start
            if (s > 0 and open_start[index] and folded[s - 1].isalnum()) or \
                    (e < size and open_end[index] and folded[e].isalnum()):
                continue
            out.append((s, e, entries[index]))
        return out


@dataclass(frozen=True)
class Verb:
    rule_id: str
    kind: str       # report, warn, urge, commit, attitude, according
    stance: str
    weight: float


@dataclass(frozen=True)
class Title:
    surface: str
    kind: str       # official, institution, lawmaker, media, nonofficial, anaphor, pair, modifier
    country: str


@dataclass(frozen=True)
class Official:
    name: str
    country: str
    role: str
    valid_from: str
    valid_to: str


@dataclass(frozen=True)
class AttributionRules:
    verbs: Matcher
    titles: Matcher
    officials: dict[str, tuple[Official, ...]]
    title_words: frozenset[str]
    not_names: dict[str, str] = field(default_factory=dict)   # word -> lead / org / junk (positions_not_names.csv)
    proxy: tuple[str, ...] = ()   # "-backed", "-led": a phrase naming a state's proxy, not the state


class Speaker(NamedTuple):
    """Who spoke for which state. A named tuple rather than a frozen dataclass: an article builds
    many (one per speaker phrase and sender rule) and a tuple is built several times faster; it is as
    immutable, and no caller compares it with other tuples."""

    name: str | None
    role: str | None
    country: str
    how: str         # which evidence gave the country
    confidence: float


class Statement(NamedTuple):
    """A quote or reported clause with its speakers (a named tuple for the same reason as :class:`Speaker`)."""

    start: int       # span of the quote or reported clause in the article text
    end: int
    speakers: tuple[Speaker, ...]
    verb: Verb
    rule: str


@dataclass
class ArticleContext:
    """Per-article working state: text, date and the speakers seen so far (for carry-over)."""

    text: str
    folded: str
    published: str
    gazetteer: Any
    rules: AttributionRules
    last: list[Speaker] = field(default_factory=list)
    last_end: int = -1
    introductions: dict[str, Speaker | None] = field(default_factory=dict)
    described: dict[tuple[int, int, int], list[Speaker] | None] = field(default_factory=dict)   # describe() answers
    phrases_before: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)   # phrase_before() answers
