"""The fast paths of the entities tagger and of screening give exactly what the plain versions give.

Each shortcut (blocking by name length, the pairability skip, the byte-table token split, the
word-local dotted-abbreviation pass, the one-automaton scan, the run restart after lower-case
words, building only mentions with a list match) is checked against a straightforward
reference written here, so a speed change that moves a single finding fails a test.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import ahocorasick_rs
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from analysis import screening, screening_blocks, screening_names
from analysis.taggers import entities, entities_mentions

DATA = Path(__file__).resolve().parents[1] / "data"
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

# Pieces that exercise the corner cases: connectors, possessives, dotted abbreviations,
# organisation words glued to other letters, tabs, newlines and non-ASCII letters.
PIECES = ["A", "B", "U.S.", "a", "b.", " ", "  ", "\t", "\n", ".", "-", "'s", "\u2019", ",", "(", ")", "of ",
          "the ", "for", "de ", "and ", "& ", "Co", "Corp", "Bank", "Holdings", "Group", "Ministry", "e",
          "JSC", "OJSC", "1", "_", "\u00e9", "\u00c9", "Stro\u0131", "Pvt Ltd", "State ", "Department"]
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


@pytest.fixture(scope="module")
def rules() -> entities.EntityRules:
    return entities.load(DATA)


def _tokens_reference(text: str) -> list[str]:
    """``screening_names.word_tokens`` as first written: one regex pass per step over the whole text."""
    text = _NON_ASCII.sub(lambda m: unidecode(m.group(0)), text)
    text = screening_names._DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    text = screening_names._POSSESSIVE.sub("", text).replace("'", "").replace("&", " and ")
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


@given(texts)
@settings(max_examples=400, deadline=None)
def test_token_shortcuts_equal_the_plain_regex_passes(text):
    assert screening_names.word_tokens(text) == _tokens_reference(text)
    assert screening_names.to_ascii(text) == unidecode(text)
    assert screening_names.undot(text) == screening_names._DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)


@given(st.lists(st.sampled_from(PIECES + ["Russia", "Kharkiv ", "Ukrainian", "Korea's", "Iran", "U.K.", "iu",
                                          "ks", "Belarus\u2019", "Uzbekistan"]), max_size=30).map("".join))
@settings(max_examples=300, deadline=None)
def test_country_context_equals_folding_every_token(rules, text):
    folded = {screening.fold_token(t, rules.rules) for t in _tokens_reference(text)}
    expected = {code for token in folded for code in rules.rules.geo_codes.get(token, ())}
    assert screening.country_context(text, rules.rules) == expected


def test_folding_joined_tokens_equals_folding_each(rules):
    tokens = ["rosoboroneksport", "kharkiv", "tokhtamysh", "aks", "iuliia", "", "x"]
    folds = rules.rules.folds
    assert screening_names.fold_all(tokens, folds) == [screening_names.apply_folds(t, folds) for t in tokens]
    spaced = (("a b", "c"),)  # a fold with a space must not be applied across tokens
    assert screening_names.fold_all(["xa", "bx"], spaced) == ["xa", "bx"]


@given(texts, st.data())
@settings(max_examples=400, deadline=None)
def test_runs_around_hits_are_exactly_the_full_scan_runs(text, data):
    capitals = [i for i, c in enumerate(text) if "A" <= c <= "Z"]
    hits = sorted(data.draw(st.sets(st.sampled_from(capitals))) if capitals else set())
    full = [(m.start(), m.end()) for m in entities_mentions._SEQUENCE.finditer(text)
            if any(m.start() <= h < m.end() for h in hits)]
    assert [(m.start(), m.end()) for m in entities_mentions._runs_around(text, hits)] == full


def test_run_restart_survives_long_windows():
    text = ("word " * 60) + "Foo Bar of the Baz Bank " + ("x" * 300) + " United Shipbuilding Corporation"
    hits = [text.index("Bank"), text.index("Corporation")]
    runs = [m.group(0) for m in entities_mentions._runs_around(text, hits)]
    assert runs == ["Baz Bank", "United Shipbuilding Corporation"]


def test_one_scan_finds_the_known_names_a_leftmost_longest_automaton_finds(rules):
    surfaces = [s for s, _ in rules.known]
    dedicated = ahocorasick_rs.AhoCorasick(surfaces, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    text = " and ".join(surfaces) + " " + "".join(surfaces[:20]) + " Sukhoi-30MKI, Almaz-Antey's"
    known, _ = entities_mentions._scan(text, rules)
    assert known == dedicated.find_matches_as_indexes(text)


@given(texts)
@settings(max_examples=300, deadline=None)
def test_acronym_uses_found_by_substring_search_equal_the_regex(text):
    for word in ("IRA", "A", "Co", "JSC"):
        expected = [m.start() for m in re.finditer(rf"\b{word}\b", text)]
        assert list(entities_mentions._whole_words(text, word)) == expected


def _screen_reference(screener: screening.Screener, mention: str, trusted: bool) -> list[screening.Match]:
    """Screening without the length-split blocks and the pairability skip: every row of the
    rarest token's block is compared."""
    rules = screener.rules
    query = screening.normalise(mention, rules)
    if not query.tokens:
        return []
    rows = screener.exact.get(query.key, ())
    distinct = [t for t in query.tokens if t not in rules.common]
    if not rows and distinct:
        keys = screening_blocks.block_keys
        token = min(distinct, key=lambda t: sum(len(screener.postings.get(k, ())) for k in keys(t)))
        rows = sorted({r for k in keys(token) for r in screener.postings.get(k, ())})[:rules.max_candidates]
    slack = int((1.0 - rules.threshold) / rules.penalty + 1e-9) if rules.penalty > 0 else 1 << 30
    best: dict[tuple[str, str], screening.Match] = {}
    for row in rows:
        cand = screener.names[row]
        if abs(len(cand.tokens) - len(query.tokens)) > slack:
            continue
        result = screening.compare(query, cand, rules, trusted)
        if result is None or result[0] < rules.threshold:
            continue
        entry = (screener.sources[row], screener.ids[row])
        if entry not in best or result[0] > best[entry].score:
            best[entry] = screening.Match(row, round(result[0], 4), result[1], result[2], result[3],
                                          query.dropped, cand.dropped)
    if not best:
        return []
    top = max(m.score for m in best.values())
    kept = sorted((m for m in best.values() if m.score >= top - rules.keep_within),
                  key=lambda m: (-m.score, len(m.extra), screener.kinds[m.row] != "primary",
                                 str(screener.sources[m.row]), str(screener.ids[m.row])))
    return kept[:rules.max_per_mention]


def test_blocked_screening_equals_comparing_the_whole_block(rules):
    screener = rules.screener
    listed = list(screener.index["name"][::40])
    names = []
    for name in listed:  # the listed name, a one-letter typo, a word dropped, a legal form added
        words = name.split()
        names += [name, name[:-2] + name[-1:] + name[-2] if len(name) > 5 else name, " ".join(words[1:]),
                  name.title() + " LLC", "The " + name + " Group"]
    names += ["Rosoboroneksport", "Almaz Antey Concern", "State Department", "Equipment Development Department"]
    matched = 0
    for name in names:
        for trusted in (False, True):
            expected = _screen_reference(screener, name, trusted)
            assert screener.screen(name, trusted) == expected, name
            matched += bool(expected)
    assert matched > len(listed)  # the check covered real matches, not only misses


def test_tag_keeps_every_finding_of_the_unfiltered_mentions(rules):
    text = ("Russia's Equipment Export Bureau and Rosoboroneksport met the Almaz-Antey Concern, the State "
            "Department said. The Internet Research Agency (IRA) was named; later the IRA denied it. "
            "North Korea's National Aerospace Development Administration (NADA) and NADA engineers.")
    articles = pd.DataFrame({"article_id": ["a"], "published": pd.Timestamp("2021-01-05"), "text": [text]})
    sentences = pd.DataFrame({"article_id": ["a"], "sentence": [0], "char_start": [0], "char_end": [len(text)],
                              "text": [text]})
    found = entities.tag(articles, sentences, SimpleNamespace(entities=rules))
    context = entities._ArticleCountries(text, rules.rules)
    plain = entities.screen_mentions(entities.find_mentions(text, rules), rules.screener, {}, context)
    assert len(found) >= 3
    assert sorted(zip(found["char_start"], found["list_id"])) == \
        sorted((m.start, str(rules.screener.row(match.row)["list_id"])) for m, _, match in plain)


def test_memoised_lookups_equal_fresh_ones_while_the_memo_fills_and_empties(rules, monkeypatch):
    """Screenings, candidate blocks and index rows share one bounded memo: when it fills it is emptied,
    and a result served from it (or recomputed after it was emptied) is the one a fresh screening gives."""
    monkeypatch.setattr(screening, "_MEMO_LIMIT", 7)
    screener = dataclasses.replace(rules.screener, memo={})
    names = list(screener.index["name"][::97][:25]) + ["Rosoboroneksport", "Almaz Antey Concern", "nothing here"]
    sizes, matched = [], 0
    for _ in range(2):
        for name in names:
            got = screener.screen_cached(name)
            assert got == _screen_reference(screener, name, False), name
            for match in got:
                assert screener.row(match.row)["list_id"] == screener.index["list_id"].iloc[match.row]
                matched += 1
            sizes.append(len(screener.memo))
    assert matched > len(names)
    assert max(sizes) <= 7 + 1  # a screening may store its candidate block just before itself
    assert any(b < a for a, b in zip(sizes, sizes[1:]))  # the memo was emptied along the way
