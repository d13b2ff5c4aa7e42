"""Organisation mentions in article text, screened against the sanctions-list index (table ``entities``).

Mentions come from three finders, cheapest first: the known-organisation
gazetteer (names with no organisation word, like Rosoboronexport),
capitalised sequences containing an organisation word (Corporation, Bureau,
Pvt Ltd), and acronyms defined in the article ("... Conference (MIC)"), whose
later uses are screened by their expansion. Only screening results at or above
the threshold become findings; each carries the list entry, its as-of date and
a readable explanation.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick_rs
import pandas as pd

from analysis import lists, schemas
from analysis.screening import (Match, Rules, Screener, build_screener, country_context, fold_token, load_rules,
                                normalise)
from analysis.vocab import VocabError, read_csv_rows

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


@dataclass(frozen=True)
class EntityRules:
    """What ``tag`` needs: screening rules, the screener and the one automaton ``find_mentions`` runs."""

    rules: Rules
    screener: Screener
    known: tuple[tuple[str, tuple[str, ...]], ...]  # per pattern: (surface, all names of that organisation)
    # Known-organisation surfaces (patterns 0 .. len(known) - 1), then every organisation word: one
    # overlapping pass over the text finds both, where two automata cost two passes.
    automaton: object | None


def load(data_dir: Path) -> EntityRules:
    """Load rules, the bundled index (data/lists) and the known-organisation gazetteer."""
    root = Path(data_dir)
    rules = load_rules(root)
    try:
        index = lists.read_index(root / "lists")
    except FileNotFoundError as error:
        raise VocabError(str(error)) from error
    rows = read_csv_rows(root / "gazetteer" / "organisations.csv", ["name", "aliases", "country", "kind"])
    known = []
    for row in rows:
        names = tuple([row["name"], *(a.strip() for a in row["aliases"].split("|") if a.strip())])
        known.extend((surface, names) for surface in names)
    patterns = [s for s, _ in known] + sorted(rules.org_words)
    automaton = ahocorasick_rs.AhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.DFA) \
        if patterns else None
    return EntityRules(rules, build_screener(index, rules), tuple(known), automaton)


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


class _ArticleCountries:
    """The article's country codes, computed on first use: only generic-word matches need them,
    and tokenising a whole article cost more than the rest of this tagger."""

    def __init__(self, text: str, rules: Rules) -> None:
        self._text, self._rules = text, rules
        self._codes: frozenset[str] | None = None

    def __contains__(self, code: object) -> bool:
        if self._codes is None:
            self._codes = country_context(self._text, self._rules)
        return code in self._codes


def _context_ok(name: str, match: Match, screener: Screener, context: "frozenset[str] | _ArticleCountries") -> bool:
    """A name of generic words only ("Equipment Development Department") counts only when it names a
    country itself or the article names the listed entry's country: such names exist in many countries."""
    if match.rule != "screening.match.generic_exact":
        return True
    if any(t in screener.rules.geo for t in normalise(name, screener.rules).tokens):
        return True
    return screener.countries[match.row] in context


def screen_mentions(mentions: list[Mention], screener: Screener, cache: dict[tuple[str, bool], list[Match]],
                    context: "frozenset[str] | _ArticleCountries" = frozenset()) -> list[tuple[Mention, str, Match]]:
    """Best matches per mention over all its names (only those within ``keep_within`` of its best);
    an entry matched by overlapping mentions is kept once, at its best score and longest span.
    ``context``: ISO3 codes of the countries the article names."""
    rules = screener.rules
    candidates = []
    for mention in mentions:
        screened = []
        for name in mention.names:
            key = (name, mention.trusted)
            found = cache.get(key)
            if found is None:
                found = cache[key] = screener.screen_cached(name, trusted=mention.trusted)
            if found:
                screened.append((name, found))
        if not screened:
            continue  # nearly every mention ("State Department") matches no list entry
        best: dict[tuple[str, str], tuple[str, Match]] = {}
        for name, found in screened:
            for match in found:
                if not _context_ok(name, match, screener, context):
                    continue
                entry = (screener.sources[match.row], screener.ids[match.row])  # tuples: no pandas row per match
                if entry not in best or match.score > best[entry][1].score:
                    best[entry] = (name, match)
        top = max((m.score for _, m in best.values()), default=0.0)
        ranked = sorted((v for v in best.values() if v[1].score >= top - rules.keep_within),
                        key=lambda v: (-v[1].score, len(v[1].extra)))
        for name, match in ranked[:rules.max_per_mention]:
            span = mention
            if name != mention.surface and mention.surface.startswith(name):  # matched on the head of the run
                span = Mention(mention.start, mention.start + len(name), name, mention.finder, (name,), mention.trusted)
            candidates.append((span, name, match))
    candidates.sort(key=lambda c: (-c[2].score, -(c[0].end - c[0].start), c[0].start))
    kept: list[tuple[Mention, str, Match]] = []
    sources, ids = screener.sources, screener.ids
    for mention, name, match in candidates:
        entry = (sources[match.row], ids[match.row])
        if any(entry == (sources[k[2].row], ids[k[2].row])
               and mention.start < k[0].end and k[0].start < mention.end for k in kept):
            continue
        kept.append((mention, name, match))
    return kept


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab) -> pd.DataFrame:
    """The ``entities`` table: one row per (mention span, matched list entry) at or above the threshold."""
    rules: EntityRules = vocab.entities
    screener = rules.screener
    cache: dict[tuple[str, bool], list[Match]] = {}
    # Runs worked out (and found with or without a list match) in earlier chunks of this process.
    shapes: dict[str, Shape] = screener.scratch("entities.shapes")

    def listed(names: tuple[str, ...], trusted: bool) -> bool:
        """Whether any name matches a list entry (before the article-context check): a mention
        with none adds nothing in ``screen_mentions``, so it is never built."""
        for name in names:
            key = (name, trusted)
            matches = cache.get(key)
            if matches is None:
                matches = cache[key] = screener.screen_cached(name, trusted=trusted)
            if matches:
                return True
        return False

    found: list[tuple[str, Mention, str, Match]] = []
    for article_id, text in zip(articles["article_id"].tolist(), articles["text"].tolist()):
        if not isinstance(text, str):
            continue
        context = _ArticleCountries(text, rules.rules)
        mentions = find_mentions(text, rules, shapes, listed)
        found.extend((article_id, mention, name, match)
                     for mention, name, match in screen_mentions(mentions, screener, cache, context))
    wanted = {aid for aid, _, _, _ in found}
    sentences = sentences[sentences["article_id"].isin(list(wanted)).to_numpy()] if wanted else sentences.iloc[:0]
    starts = _sentence_starts(sentences)
    records = []
    for article_id, mention, name, match in found:
        if article_id not in starts:
            continue
        sent_starts, sent_ids = starts[article_id]
        row = screener.row(match.row)
        position = max(bisect.bisect_right(sent_starts, mention.start) - 1, 0)
        explanation = screener.explain(name, match)
        if name != mention.surface:
            explanation = f"'{mention.surface}' screened as '{name}' ({mention.finder}); " + explanation
        records.append({
            "article_id": article_id, "sentence": int(sent_ids[position]),
            "char_start": mention.start, "char_end": mention.end, "confidence": match.score,
            "rule": match.rule, "name": mention.surface, "list_id": str(row["list_id"]),
            "list_name": row["list_name"], "programs": list(row["programs"]), "score": match.score,
            "list_source": row["list_source"], "list_as_of": row["list_as_of"],
            "country": row["country"], "explanation": explanation,
        })
    # Both frames cut to the articles with a finding: finalise joins only those anyway.
    return schemas.finalise(records, "entities", sentences,
                            articles[articles["article_id"].isin(list(wanted)).to_numpy()] if wanted else articles)


def _sentence_starts(sentences: pd.DataFrame) -> dict[str, tuple[list[int], list[int]]]:
    """Sentence starts and numbers, in text order, per article of ``sentences``.

    Called with the sentences of the few articles with a finding only: sorting and walking every
    sentence of the chunk cost a fifth of this tagger."""
    starts: dict[str, tuple[list[int], list[int]]] = {}
    if sentences.empty:
        return starts
    ordered = sentences.sort_values(["article_id", "char_start"])  # plain lists: a pandas group per article cost more
    for aid, start, number in zip(ordered["article_id"].tolist(), ordered["char_start"].tolist(),
                                  ordered["sentence"].tolist()):
        entry = starts.setdefault(aid, ([], []))
        entry[0].append(start)
        entry[1].append(number)
    return starts
