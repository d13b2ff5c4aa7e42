"""Cue lexicons for topic and stance: one Aho-Corasick automaton per list, word-boundary safe.

Kept apart from the reading logic (stance.py) so both stay small: this module knows how to find
cues in folded text quickly; stance.py decides what the cues found mean for a statement.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import ahocorasick_rs

class Automaton:
    """A leftmost-longest DFA over folded text, answering for a span ``folded[start:end]``.

    The lists are small (a few hundred phrases): a DFA matches about 2.5x as fast as the default NFA,
    with the same leftmost-longest matches. Spans of a :class:`Folded` text are matched on its bytes
    (:meth:`Folded.ascii`: one byte per character, so offsets are unchanged), which skips converting
    a Unicode slice to UTF-8 and back, most of a short span's cost. The few non-ASCII characters of
    the phrases ("communiqué") get a byte of their own above 127 in phrases and text alike, every other
    non-ASCII character reads "?", which no phrase may hold: the same phrases match at the same places.
    """

    def __init__(self, patterns: list[str]):
        extra = sorted({ch for p in patterns for ch in p if not ch.isascii()})
        self.on_bytes = len(extra) <= 128 and all("?" not in p for p in patterns)
        self.extra = "".join(extra)     # the phrases' non-ASCII characters, byte 128 + their index
        kind = ahocorasick_rs.MatchKind.LeftmostLongest
        dfa = ahocorasick_rs.Implementation.DFA
        table = {ord(ch): chr(128 + i) for i, ch in enumerate(extra)}
        self._dfa = (None if not patterns else
                     ahocorasick_rs.BytesAhoCorasick([p.translate(table).encode("latin-1") for p in patterns],
                                                     matchkind=kind, implementation=dfa) if self.on_bytes else
                     ahocorasick_rs.AhoCorasick(patterns, matchkind=kind, implementation=dfa))
        self._str = (ahocorasick_rs.AhoCorasick(patterns, matchkind=kind, implementation=dfa)
                     if patterns and self.on_bytes and extra else None)   # for a plain str with those characters

    def matches(self, folded: str, start: int, end: int) -> list[tuple[int, int, int]]:
        """(pattern index, start, end) of the matches in ``folded[start:end]``, offsets into that span."""
        if self._dfa is None:
            return []
        if not self.on_bytes:
            return self._dfa.find_matches_as_indexes(folded[start:end])
        if isinstance(folded, Folded):   # the bytes made for the article, read here without a method call
            views = folded.__dict__.get("_ascii")
            view = views.get(self.extra) if views is not None else None
            if view is None:
                view = folded.ascii(self.extra)
            return self._dfa.find_matches_as_indexes(view[start:end])
        if self._str is not None:
            return self._str.find_matches_as_indexes(folded[start:end])
        return self._dfa.find_matches_as_indexes(folded[start:end].encode("ascii", "replace"))


class Folded(str):
    """A folded article text that remembers each lexicon's hits over the whole text.

    Every lexicon is matched once per article (one Aho-Corasick pass); later look-ups for a
    sentence, quote or phrase are a binary search into those hits instead of a new scan.
    """

    def hits(self, lexicon: "Lexicon") -> tuple[list[int], list["Hit"]]:
        cache = self.__dict__.setdefault("_hits", {})
        key = id(lexicon)
        if key not in cache:
            found = lexicon.scan(self, 0, len(self))
            cache[key] = ([h.start for h in found], found)
        return cache[key]

    def topic_cues(self, lexicon: "Lexicon") -> tuple[list[int], list[int], list[tuple[int, str, float]]]:
        """Start, end and (position, topic, weight) of every topic cue of the article (:func:`topics_in`)."""
        cache = self.__dict__.setdefault("_topic_cues", {})
        key = id(lexicon)
        if key not in cache:
            starts, hits = self.hits(lexicon)
            cues, cue_starts, cue_ends = [], [], []
            # a hit's entries are one of the lexicon's own tuples: what they say is worked out once per tuple
            per_entries: dict[int, list[tuple[str, float]]] = {}
            for hit in hits:
                found = per_entries.get(id(hit.entries))
                if found is None:
                    found = per_entries[id(hit.entries)] = _cues_of(hit.entries)
                for topic, weight in found:
                    cues.append((hit.start, topic, weight))
                    cue_starts.append(hit.start)
                    cue_ends.append(hit.end)
            cache[key] = (cue_starts, cue_ends, cues)
        return cache[key]

    def seed(self, lexicon: "Lexicon", view: bytes, hits: list["Hit"]) -> None:
        """Take the bytes and a lexicon's hits found before folding (:func:`topic_hits_unfolded`)."""
        self.__dict__.setdefault("_ascii", {})[""] = view
        self.__dict__.setdefault("_hits", {})[id(lexicon)] = ([h.start for h in hits], hits)

    def ascii(self, extra: str = "") -> bytes:
        """The text as bytes, one per character: ASCII as is, the i-th character of ``extra`` as byte
        128 + i, any other "?"; made once per article and ``extra``."""
        cache = self.__dict__.get("_ascii")
        if cache is not None and extra in cache:   # asked once per span matched: the cheap path first
            return cache[extra]
        cache = self.__dict__.setdefault("_ascii", {})
        view = cache.get(extra)
        if view is None:
            plain = cache.get("")
            if plain is None:
                plain = cache[""] = self.encode("ascii", "replace")
            if extra and any(ch in self for ch in extra):
                mapped = bytearray(plain)
                for i, ch in enumerate(extra):
                    at = self.find(ch)
                    while at >= 0:
                        mapped[at] = 128 + i
                        at = self.find(ch, at + 1)
                view = bytes(mapped)
            else:
                view = plain
            cache[extra] = view
        return view


KELVIN = "\u212a"   # the one non-ASCII character whose lower case is ASCII ("k")


def topic_hits_unfolded(lexicon: "Lexicon", text: str) -> tuple[bytes, list["Hit"]] | None:
    """The article's bytes and the hits of a whole-text lexicon, found before the text is folded.

    Lower-casing a long text is a tenth of the tagger's time, and a quarter of the articles name no
    topic at all: this answers for them without folding. The bytes equal ``fold(text).ascii()``: ASCII
    letters lower-case alike and every other character is "?" either way, except the Kelvin sign
    (None then). Word boundaries are read on ``text``: a character and its fold are both alphanumeric
    or both not (checked for every code point by the tests). None also when the lexicon's phrases hold
    non-ASCII characters (the bytes would need their own bytes).
    """
    automaton = lexicon._automaton
    if KELVIN in text or not automaton.on_bytes or automaton.extra or automaton._dfa is None:
        return None
    view = text.encode("ascii", "replace").lower()
    return view, lexicon.hits_on(text, automaton._dfa.find_matches_as_indexes(view), 0)


def fold(text: str) -> Folded:
    """Lower-case ``text`` keeping its length, so offsets into the fold index the original."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return Folded(lowered)


class Hit(NamedTuple):
    """One cue found in a text: its span and what every lexicon entry with that cue says.

    A named tuple rather than a frozen dataclass: an article's topic scan makes tens of them and
    a tuple is built several times faster; it is as immutable.
    """

    start: int
    end: int
    entries: tuple[Any, ...]


class Lexicon:
    """Leftmost-longest multi-word cue matcher on folded text, word-boundary safe.

    A cue ending in ``*`` matches any word ending ("sanction*" finds "sanctions").
    One automaton for the whole list keeps matching linear in the text length.
    """

    def __init__(self, cues: Iterable[tuple[str, Any]], whole_text: bool = False):
        # True: matched once over the whole article and then looked up (topic cues, asked about every span);
        # False: matched per span (lexicons asked about a few short spans only, where a full scan costs more)
        self.whole_text = whole_text
        table: dict[str, list[Any]] = {}
        prefix: dict[str, bool] = {}
        for cue, entry in cues:
            cue = cue.strip().lower()
            is_prefix = cue.endswith("*")
            cue = cue.rstrip("*")
            if not cue:
                continue
            table.setdefault(cue, []).append(entry)
            prefix[cue] = prefix.get(cue, False) or is_prefix
        # a longer word must not hide a shorter prefix cue ("stronger" vs "strong*"): it inherits its entries;
        # a phrase ("strongest terms", "partners worldwide") is listed for its own sense and inherits nothing
        for cue in list(table):
            for shorter, is_prefix in prefix.items():
                if is_prefix and shorter != cue and cue.startswith(shorter) and " " not in cue:
                    table[cue] = table[cue] + [e for e in table[shorter] if e not in table[cue]]
        self.patterns = list(table)
        self.entries = [tuple(table[p]) for p in self.patterns]
        self.prefix = [prefix[p] for p in self.patterns]
        self._automaton = Automaton(self.patterns)

    def find(self, folded: str, start: int = 0, end: int | None = None) -> list[Hit]:
        """Cue hits in ``folded[start:end]`` with offsets into ``folded`` (a :class:`Folded` text is scanned once)."""
        end = len(folded) if end is None else end
        if self.whole_text and isinstance(folded, Folded):
            starts, found = folded.hits(self)
            out = []
            for k in range(bisect.bisect_left(starts, start), len(found)):
                hit = found[k]
                if hit.start >= end:
                    break
                if hit.end <= end:
                    out.append(hit)
            return out
        return self.scan(folded, start, end)

    def scan(self, folded: str, start: int, end: int) -> list[Hit]:
        """Run the automaton over ``folded[start:end]``."""
        return self.hits_on(folded, self._automaton.matches(folded, start, end), start)

    def hits_on(self, folded: str, matches: list[tuple[int, int, int]], start: int) -> list[Hit]:
        """The automaton's ``matches`` (offsets from ``start``) that begin and end on word boundaries."""
        hits = []
        for index, s, e in matches:
            s += start
            e += start
            if s > 0 and folded[s - 1].isalnum() and self.patterns[index][0].isalnum():
                continue
            if not self.prefix[index] and e < len(folded) and folded[e].isalnum() and self.patterns[index][-1].isalnum():
                continue
            hits.append(Hit(s, e, self.entries[index]))
        return hits


@dataclass(frozen=True)
class TopicCue:
    rule_id: str
    topic: str
    weight: float


@dataclass(frozen=True)
class StanceCue:
    rule_id: str
    topic: str          # a topic, or "*" for the topic the cue's role points at
    applies: str        # near, act, agent, object (see stance.py)
    stance: str         # stance without negation, or "none"
    negated: str        # stance under negation, or "none"
    weight: float


@dataclass(frozen=True)
class ScopeCue:
    rule_id: str
    kind: str           # negator, cancel, clause_break, condition, self
    window: int


class Reading(NamedTuple):
    """A (topic, stance) read from a statement, with its evidence weight and the deciding rule.

    A named tuple like :class:`Hit`: several are built per statement and speaker.
    """

    topic: str
    stance: str
    score: float
    rule: str


@dataclass(frozen=True)
class StanceRules:
    topics: Lexicon
    cues: Lexicon
    scope: Lexicon
    weak_topic: float   # topic cues below this weight need a strong cue elsewhere in the article


def topics_in(rules: StanceRules, folded: str, start: int = 0, end: int | None = None) -> list[tuple[int, str, float]]:
    """(position, topic, weight) of the topic cues in a span; blocked senses removed.

    On a :class:`Folded` text the article's cues are listed once; a span's are then one slice of
    that list (the hits do not overlap, so their starts and their ends are both sorted).
    """
    if rules.topics.whole_text and isinstance(folded, Folded):
        starts, ends, cues = folded.topic_cues(rules.topics)
        lo = bisect.bisect_left(starts, start)
        hi = bisect.bisect_right(ends, len(folded) if end is None else end)
        return cues[lo:hi] if hi > lo else []
    return _topic_cues(rules.topics.find(folded, start, end))


def names_topic(hits: list[Hit], weight: float) -> bool:
    """Some hit is a topic cue of at least ``weight`` (a topic the article may be read for)."""
    return any(w >= weight for hit in hits for _, w in _cues_of(hit.entries))


def _topic_cues(hits: list[Hit]) -> list[tuple[int, str, float]]:
    return [(hit.start, topic, weight) for hit in hits for topic, weight in _cues_of(hit.entries)]


def _cues_of(entries: tuple[Any, ...]) -> list[tuple[str, float]]:
    """(topic, weight) of each entry of a hit; none when one entry blocks the cue."""
    if any(cue.topic == "none" for cue in entries):
        return []   # a block hides the cue even where it starts with a prefix cue ("partners worldwide")
    return [(cue.topic, cue.weight) for cue in entries]
