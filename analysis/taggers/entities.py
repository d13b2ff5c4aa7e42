"""Organisation mentions in article text, screened against the sanctions-list index (table ``entities``).

Mentions come from three finders, cheapest first: the known-organisation
gazetteer (names with no organisation word, like Rosoboronexport),
capitalised sequences containing an organisation word (Corporation, Bureau,
Pvt Ltd), and acronyms defined in the article ("... Conference (MIC)"), whose
later uses are screened by their expansion. Only screening results at or above
the threshold become findings; each carries the list entry, its as-of date and
a readable explanation.

The finders live in ``entities_mentions`` (``find_mentions``, re-exported here); this module keeps
loading, screening the mentions in their article's context, and building the table.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

import ahocorasick_rs
import pandas as pd

from analysis import findings, lists
from analysis.screening import Match, Rules, Screener, build_screener, country_context, load_rules, normalise
from analysis.taggers.entities_mentions import Keep, Mention, Shape, find_mentions
from analysis.vocab import VocabError, read_csv_rows

__all__ = ["EntityRules", "Keep", "Mention", "Shape", "find_mentions", "load", "screen_mentions", "tag"]


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
    return findings.finalise(records, "entities", sentences,
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
