"""Where an article names an organisation: the automaton pass, capitalised runs and acronyms.

Split from ``entities.py`` so the mention finders, where the tagger's speed work lives (one
automaton pass for known names and organisation words, runs scanned only around their hits, each
distinct run worked out once), read and test apart from screening and the table. A mention
carries every name it should be screened by; ``entities.tag`` decides which become findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.screening import Rules, fold_token

if TYPE_CHECKING:  # entities.py imports this module to find mentions
    from analysis.taggers.entities import EntityRules

_WORD = r"[A-Z][A-Za-z0-9'\u2019.\-]*[A-Za-z0-9]|[A-Z]"
_SEQUENCE = re.compile(rf"(?:{_WORD})(?:(?:[ \t]+(?:of|for|and|de|the|&)[ \t]+|[ \t]+)(?:{_WORD}))*")
# Everything up to and including the last point no capitalised run can cover: a character no run
# can contain (runs are letters, digits, ' ’ . - & spaces and tabs), or the first letter of a
# lower-case word after a space or tab that is not a connector (a word of a run starts with a
# capital, and a connector needs a space or tab after it). Lower-case words are close by in prose,
# so the scan restarts just before the hit's run. The greedy run backtracks from the end, so
# finding the last break costs the distance to it, not a scan of the whole window.
_LAST_BREAK = re.compile(r"(?s).*(?:[^A-Za-z0-9'\u2019.\-& \t]|[ \t](?!(?:of|for|and|de|the)[ \t])[a-z])")
_RESTART_WINDOW = 200
_NON_SPACE = re.compile(r"\S+")
_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]?[A-Z]{1,6})\)")
_LEADING = frozenset({"The", "A", "An", "In", "On", "At", "By", "For", "With", "From", "And", "But", "As"})
_CONNECTORS = frozenset({"of", "for", "and", "de", "the", "&"})
_UNSEEN: Any = object()  # a run not worked out yet (a cached shape is a 3-tuple or None)
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")  # the characters a capitalised word may start with
_ALNUM = _UPPER | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")  # ... and may end with


@dataclass(frozen=True)
class Mention:
    start: int
    end: int  # offsets into the article text
    surface: str
    finder: str  # gazetteer, org_word, acronym
    names: tuple[str, ...]  # names screened for it (surface first, then aliases or expansion)
    trusted: bool  # a known organisation: short names may match


def _bounded(text: str, start: int, end: int) -> bool:
    return (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())


def _designation(text: str, end: int) -> bool:
    """True when a maker's name runs into a model number ("Sukhoi-30MKI", "Kamov-226"): a weapon, not the firm."""
    return text[end:end + 1] in ("-", "\u2011") and text[end + 1:end + 2].isdigit()


Keep = Callable[[tuple[str, ...], bool], bool]  # (names, trusted) -> whether the mention is wanted


def find_mentions(text: str, vocab_rules: EntityRules, shapes: dict[str, Shape] | None = None,
                  keep: Keep | None = None) -> list[Mention]:
    """Organisation mentions in ``text`` (overlaps allowed: screening keeps the best per list entry).

    ``keep``: drop mentions it rejects before building them (``tag`` keeps only those with a list
    match: nearly all runs, like "State Department", have none). ``shapes``: the caller's cache of
    capitalised runs already worked out, filled in here; always use it with the same ``keep``."""
    found: list[Mention] = []
    if vocab_rules.automaton is None:
        return _acronym_mentions(text, vocab_rules.rules.org_words, keep)
    known_hits, org_starts = _scan(text, vocab_rules)
    for pattern, start, end in known_hits:
        if _bounded(text, start, end) and not _designation(text, end):
            surface, names = vocab_rules.known[pattern]
            names = tuple(dict.fromkeys((surface, *names)))
            if keep is None or keep(names, True):
                found.append(Mention(start, end, text[start:end], "gazetteer", names, True))
    org_words, rules = vocab_rules.rules.org_words, vocab_rules.rules
    shapes = {} if shapes is None else shapes
    for match in _runs_around(text, org_starts):
        sequence = match.group(0)
        shape = shapes.get(sequence, _UNSEEN)
        if shape is _UNSEEN:
            shape = _sequence_shape(sequence, org_words, rules)
            shapes[sequence] = shape = None if shape is None or (keep is not None and not keep(shape[2], False)) \
                else shape
        if shape is not None:
            offset = match.start()
            start, end, names = shape
            found.append(Mention(offset + start, offset + end, names[0], "org_word", names, False))
    found.extend(_acronym_mentions(text, org_words, keep))
    return sorted(found, key=lambda m: (m.start, -m.end, m.finder))


def _scan(text: str, vocab_rules: EntityRules) -> tuple[list[tuple[int, int, int]], list[int]]:
    """One overlapping automaton pass: the known-organisation matches, leftmost-longest and
    non-overlapping (pattern, start, end); and the sorted starts of organisation words that can
    be a whole word of a capitalised run.

    Leftmost-longest is rebuilt from the overlapping matches (earliest start, then longest, then
    lowest pattern, then resume after it), which is the order the dedicated automaton chose.
    An organisation word can be a word of a run only if no capital letter directly precedes it
    (else the run's word starts earlier) and no ASCII letter or digit directly follows it (else
    the word goes on): the other occurrences ("Co" in "Council") cannot change any mention."""
    n_known = len(vocab_rules.known)
    hits = vocab_rules.automaton.find_matches_as_indexes(text, overlapping=True)
    known = [(start, -end, pattern) for pattern, start, end in hits if pattern < n_known]
    starts = {start for pattern, start, end in hits if pattern >= n_known
              and (start == 0 or text[start - 1] not in _UPPER) and text[end:end + 1] not in _ALNUM}
    chosen: list[tuple[int, int, int]] = []
    cursor = 0
    for start, negative_end, pattern in sorted(known):
        if start >= cursor:
            chosen.append((pattern, start, -negative_end))
            cursor = -negative_end
    return chosen, sorted(starts)


def _restart(text: str, position: int) -> int:
    """Just after the last character before ``position`` that no capitalised run can contain (0 if
    none close by). A scan started there finds the same runs as a scan from the start of the text."""
    last = _LAST_BREAK.match(text, max(0, position - _RESTART_WINDOW), position)
    return last.end() if last is not None else 0


def _runs_around(text: str, hits: list[int]) -> Iterator[re.Match[str]]:
    """The capitalised runs (exactly those of ``_SEQUENCE.finditer(text)``) that contain a hit.

    Scanning resumes at the end of a run or after a break (see ``_LAST_BREAK``), both points where
    the full scan would also be between runs, so skipping the text in between changes nothing."""
    i, scanned_to = 0, 0
    while i < len(hits):
        begin = max(scanned_to, _restart(text, hits[i]))
        exhausted = True
        for match in _SEQUENCE.finditer(text, begin):
            scanned_to = match.end()
            while i < len(hits) and hits[i] < match.start():
                i += 1
            if i == len(hits):
                return
            if hits[i] < match.end():
                yield match
                while i < len(hits) and hits[i] < match.end():
                    i += 1
                if i == len(hits):
                    return
            if hits[i] - scanned_to > _RESTART_WINDOW:
                exhausted = False
                break  # the next hit is far: jump there instead of scanning every run in between
        if exhausted:
            return


Shape = tuple[int, int, tuple[str, ...]] | None  # a run's mention: (start, end) within the run, names


def _sequence_shape(sequence: str, org_words: frozenset[str], rules: Rules) -> Shape:
    """A capitalised run with an organisation word: the run itself, minus leading function words and
    possessors ("Russia's"), plus its head before "of"/"for" (United Shipbuilding Corporation of Russia).

    Depends on the run's text only, so ``find_mentions`` works it out once per distinct run
    ("State Department" recurs hundreds of times in a chunk)."""
    if not any(w.rstrip(".") in org_words for w in sequence.split()):
        return None  # most capitalised runs hold no organisation word: skip the span bookkeeping
    spans = [(m.start(), m.end()) for m in _NON_SPACE.finditer(sequence)]
    words = [sequence[s:e] for s, e in spans]
    first = 0
    for i, word in enumerate(words):
        if word.endswith(("'s", "\u2019s")) and fold_token(word[:-2].lower(), rules) in rules.geo:
            first = i + 1  # "Russia's United Shipbuilding Corporation"; "People's Liberation Army" stays whole
    while first < len(words) and words[first] in _LEADING:
        first += 1
    words, spans = words[first:], spans[first:]
    while words and words[-1] in _CONNECTORS:
        words, spans = words[:-1], spans[:-1]
    if not any(w.rstrip(".") in org_words for w in words):
        return None
    if len(words) == 1 and words[0].rstrip(".") in org_words:
        return None  # a bare "Department" or "Corporation"
    start, end = spans[0][0], spans[-1][1]
    names = [sequence[start:end]]
    for i, word in enumerate(words):
        if word in ("of", "for") and any(w.rstrip(".") in org_words for w in words[:i]):
            names.append(sequence[start:spans[i - 1][1]])
            break
    return start, end, tuple(names)


def _acronym_mentions(text: str, org_words: frozenset[str], keep: Keep | None = None) -> list[Mention]:
    """"Long Name (LN)": the long name, and every later bare LN, screened by the long name.

    ``keep`` as in ``find_mentions``: a long name it rejects is not looked for again as LN."""
    out: list[Mention] = []
    for match in _ACRONYM.finditer(text):
        acronym = match.group(1)
        letters = [c for c in acronym if c.isupper()]
        before = text[max(0, match.start() - 200):match.start()].split()  # the same words as regex \S+
        caps = [w for w in before if w[:1].isupper()]
        if len(caps) < len(letters) or [w[0] for w in caps[-len(letters):]] != letters:
            continue
        first_word = caps[-len(letters)]
        start = text.rfind(first_word, 0, match.start())
        expansion = text[start:match.start()].rstrip()
        if not expansion or "\n" in expansion or len(expansion.split()) > 2 * len(letters) + 2:
            continue
        if keep is not None and not keep((expansion,), False):
            continue
        out.append(Mention(start, start + len(expansion), expansion, "acronym", (expansion,), False))
        for use in _whole_words(text, acronym):
            if use != match.start() + 1:
                out.append(Mention(use, use + len(acronym), acronym, "acronym", (expansion,), False))
    return out


def _whole_words(text: str, word: str) -> Iterator[int]:
    """Starts of ``word`` (letters only) where ``\\b{word}\\b`` matches: ``str.find`` is a fast substring
    search, a regex beginning with ``\\b`` tests every position of the article."""
    position = text.find(word)
    while position >= 0:
        end = position + len(word)
        if (position == 0 or not _is_word(text[position - 1])) and (end == len(text) or not _is_word(text[end])):
            yield position
            position = text.find(word, end)
        else:
            position = text.find(word, position + 1)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"  # the regex ``\\w`` on text
