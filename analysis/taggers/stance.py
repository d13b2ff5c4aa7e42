"""Topic and stance of one statement, from weighted cue lexicons with negation scope.

Stance is read per sentence of a statement: every topic cue present gets the
stance cues of its sentence, flipped (or silenced) by a negator a few words
before the cue. Cues that describe harm ("disrupt", "stop") give their subject
and object opposite readings, which is how "no sanctions will disrupt our
partnership" yields sanctions/oppose and partnership/support. Lexicons are the
CSV files under data/rules (stance_cues.csv, stance_scope.csv,
positions_topics.csv); nothing here names a word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick_rs

SUB_CLAUSE = re.compile(r"(?<=[.!?;])[\"”’]?\s+(?=[\"“‘]?[A-Z])")
STANCES = ("support", "oppose", "neutral")


class Folded(str):
    """A folded article text that remembers each lexicon's hits over the whole text.

    Every lexicon is matched once per article (one Aho-Corasick pass); later look-ups for a
    sentence, quote or phrase are a binary search into those hits instead of a new scan.
    """

    def hits(self, lexicon: "Lexicon") -> tuple[list[int], list["Hit"]]:
        cache = self.__dict__.setdefault("_hits", {})
        key = id(lexicon)
        if key not in cache:
            found = lexicon.scan(str(self), 0, len(self))
            cache[key] = ([h.start for h in found], found)
        return cache[key]


def fold(text: str) -> Folded:
    """Lower-case ``text`` keeping its length, so offsets into the fold index the original."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return Folded(lowered)


@dataclass(frozen=True)
class Hit:
    """One cue found in a text: its span and what every lexicon entry with that cue says."""

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
        # a longer cue must not hide a shorter prefix cue ("stronger" vs "strong*"): it inherits its entries
        for cue in list(table):
            for shorter, is_prefix in prefix.items():
                if is_prefix and shorter != cue and cue.startswith(shorter):
                    table[cue] = table[cue] + [e for e in table[shorter] if e not in table[cue]]
        self.patterns = list(table)
        self.entries = [tuple(table[p]) for p in self.patterns]
        self.prefix = [prefix[p] for p in self.patterns]
        self._automaton = (ahocorasick_rs.AhoCorasick(self.patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
                           if self.patterns else None)

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
        if self._automaton is None:
            return []
        hits = []
        for index, s, e in self._automaton.find_matches_as_indexes(folded[start:end]):
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
    applies: str        # near, agent, object
    stance: str         # stance without negation, or "none"
    negated: str        # stance under negation, or "none"
    weight: float


@dataclass(frozen=True)
class ScopeCue:
    rule_id: str
    kind: str           # negator, cancel, clause_break
    window: int


@dataclass(frozen=True)
class Reading:
    """A (topic, stance) read from a statement, with its evidence weight and the deciding rule."""

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
    """(position, topic, weight) of the topic cues in a span; blocked senses removed."""
    found = []
    for hit in rules.topics.find(folded, start, end):
        for cue in hit.entries:
            if cue.topic != "none":
                found.append((hit.start, cue.topic, cue.weight))
    return found


def _negated(cue_start: int, negators: list[tuple[int, int]], breaks: list[int], folded: str) -> bool:
    for neg_start, window in negators:
        if neg_start >= cue_start:
            break
        if any(neg_start < b < cue_start for b in breaks):
            continue
        if folded.count(" ", neg_start, cue_start) <= window:
            return True
    return False


def read_clause(rules: StanceRules, folded: str, start: int, end: int, licensed: set[str],
                verb_stance: str = "", verb_weight: float = 0.0) -> list[Reading]:
    """Readings of one sentence of a statement (``folded[start:end]``)."""
    topics = [(p, t, w) for p, t, w in topics_in(rules, folded, start, end) if w >= rules.weak_topic or t in licensed]
    if not topics:
        return []
    negators: list[tuple[int, int]] = []
    cancelled: list[tuple[int, int]] = []
    breaks: list[int] = []
    for hit in rules.scope.find(folded, start, end):
        kinds = {c.kind: c for c in hit.entries}
        if "cancel" in kinds:
            cancelled.append((hit.start, hit.end))
        elif "negator" in kinds:
            negators.append((hit.start, kinds["negator"].window))
        elif "clause_break" in kinds:
            breaks.append(hit.start)
    negators = [n for n in negators if not any(s <= n[0] < e for s, e in cancelled)]
    scores: dict[tuple[str, str], tuple[float, str]] = {}

    def add(topic: str, stance: str, weight: float, rule: str) -> None:
        old = scores.get((topic, stance), (0.0, rule))
        scores[(topic, stance)] = (old[0] + weight, old[1] if old[0] >= weight else rule)

    present = {t for _, t, _ in topics}
    for hit in rules.cues.find(folded, start, end):
        negated = _negated(hit.start, negators, breaks, folded)
        for cue in hit.entries:
            stance = cue.negated if negated else cue.stance
            if stance == "none":
                continue
            if cue.topic != "*":
                if cue.topic in present:
                    add(cue.topic, stance, cue.weight, cue.rule_id)
                continue
            # the subject or object of a harm verb stays inside its clause ("... until the tests stop")
            lo = max([b for b in breaks if b < hit.start], default=start)
            hi = min([b for b in breaks if b > hit.end], default=end)
            if cue.applies == "agent":
                before = [t for p, t, _ in topics if lo <= p < hit.start]
                if before:
                    add(before[-1], stance, cue.weight, cue.rule_id)
            else:
                after = [t for p, t, _ in topics if hit.end <= p < hi]
                if after:
                    add(after[0], stance, cue.weight, cue.rule_id)
    if verb_stance:
        add(topics[0][1], verb_stance, verb_weight, "verb")
    readings = []
    for topic in sorted(present):
        options = [(scores[(topic, s)][0], s, scores[(topic, s)][1]) for s in STANCES if (topic, s) in scores]
        if not options:
            continue
        options.sort(reverse=True)
        if len(options) > 1 and options[0][0] == options[1][0]:
            continue  # evenly split evidence: leave it out rather than guess
        readings.append(Reading(topic, options[0][1], options[0][0], options[0][2]))
    return readings


def read_statement(rules: StanceRules, text: str, folded: str, start: int, end: int, licensed: set[str],
                   verb_stance: str = "", verb_weight: float = 0.0) -> list[Reading]:
    """Readings of a statement span, sentence by sentence, strongest reading per (topic, stance).

    ``text`` is the original (for sentence capitals), ``folded`` its :func:`fold`.
    """
    best: dict[tuple[str, str], Reading] = {}
    cursor = start
    bounds = [start + m.start() for m in SUB_CLAUSE.finditer(text[start:end])] + [end]
    first = True
    for bound in bounds:
        for reading in read_clause(rules, folded, cursor, bound, licensed,
                                   verb_stance if first else "", verb_weight):
            key = (reading.topic, reading.stance)
            if key not in best or best[key].score < reading.score:
                best[key] = reading
        cursor = bound
        first = False
    return list(best.values())
