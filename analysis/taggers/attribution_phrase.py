"""Noun phrases next to a speech verb: where a speaker phrase starts and ends, and the name in it.

A speaker is written before the verb ("Russian deputy chief of mission Roman Babushkin said"),
after it ("..., said the senator") or around an inserted phrase ("Sen. X, R-S.C., said"); these
functions find that span on the article text without any parsing, from capitalisation, title
words (data/rules/titles.csv) and a few function words.
"""

from __future__ import annotations

import re

from analysis.taggers.attribution_types import (APPOSITIVE_OPENERS, APPOSITIVE_WORDS, AUXILIARIES, BE_FORMS,
                                                CONNECTIVES, DASHES, FUNCTION, IRREGULAR_PARTICIPLES, NOT_NAMES,
                                                PARTY_TAG, PREPOSITIONS, SENTENCE_BREAK, SKIP_BEFORE, TOKEN,
                                                ArticleContext, Title, Verb)


def phrase_before(ctx: ArticleContext, lo: int, verb_start: int) -> tuple[int, int]:
    """The noun phrase ending right before a verb: walks back over names, titles and determiners.

    Kept per article: the sender rules and the pronoun look-back ask about the same verbs again.
    """
    key = (lo, verb_start)
    found = ctx.phrases_before.get(key)
    if found is None:
        found = ctx.phrases_before[key] = _phrase_before(ctx, lo, verb_start)
    return found


def _phrase_before(ctx: ArticleContext, lo: int, verb_start: int) -> tuple[int, int]:
    if verb_start - lo > 220:   # the phrase is at most ~10 words: tokenise only the tail, from a word start
        cut = ctx.text.find(" ", verb_start - 220, verb_start)
        lo = cut + 1 if cut >= 0 else lo
    tokens = list(TOKEN.finditer(ctx.text, lo, verb_start))
    i = len(tokens) - 1
    auxiliary = ""
    while i >= 0 and tokens[i].group().lower() in SKIP_BEFORE:
        if not auxiliary and tokens[i].group().lower() in AUXILIARIES:
            auxiliary = tokens[i].group().lower()
        i -= 1
    if auxiliary in BE_FORMS and _participle(ctx.folded, verb_start):
        return verb_start, verb_start   # passive ("Trump has been criticized by ..."): the subject did not speak
    if i > 1 and tokens[i].group().lower() == "as":   # "Itar-Tass quoted the deputy minister as saying"
        for k in range(i - 1, max(-1, i - 12), -1):
            if tokens[k].group().lower() == "quoted" and k + 1 < i:
                return tokens[k + 1].start(), tokens[i - 1].end()
    end = -1
    if i > 1 and tokens[i].group() in DASHES:   # "Cuba — in the midst of talks with Washington — assured"
        j = i - 1
        while j >= 0 and tokens[j].group() != tokens[i].group() and i - j <= APPOSITIVE_WORDS:
            j -= 1
        if j > 0 and tokens[j].group() == tokens[i].group():
            i = j - 1
    if i > 0 and tokens[i].group() == ",":
        k = _skip_appositive(ctx, tokens, i)
        j = _title_after_name(ctx, tokens, i) if k == i else -1
        if j > 0:   # "Javad Zarif, Iran's foreign minister, tweeted": the name and its title are the speaker
            end, i = tokens[i - 1].end(), j - 1
        else:
            i = k
    elif i > 1 and tokens[i].group().lower() == "who" and tokens[i - 1].group() == ",":
        i -= 2    # "Trump, who wanted warmer ties": the relative clause's subject is the head before it
    elif i > 1 and tokens[i].group().lower() == "who" and tokens[i - 1].group()[0].isupper():
        i -= 1    # "Foreign Minister Wang Yi who pledged": a relative clause without its comma
    if end < 0:
        end = tokens[i].end() if i >= 0 else verb_start
    start = end
    taken = modifiers = 0
    last_conjunct = -1    # where the last of coordinated phrases starts
    while i >= 0 and taken < 10:
        word = tokens[i].group()
        low = word.lower()
        if word == ")":  # a party tag or affiliation, "Sherrod Brown (D-Ohio)"
            j = i
            while j >= 0 and tokens[j].group() != "(" and i - j < 6:
                j -= 1
            if j < 0 or tokens[j].group() != "(":
                break
            start = tokens[j].start()
            i = j - 1
            taken += 1
            continue
        prev = tokens[i - 1].group() if i > 0 else ""
        nxt = tokens[i + 1].group() if i + 1 < len(tokens) else ""
        after_the = nxt.lower() == "the" and i + 2 < len(tokens) and tokens[i + 2].group()[:1].isupper()
        if (low == "and" or word == ",") and 0 < i and taken and (nxt[:1].isupper() or after_the
                                                                  or (word == "," and nxt == "and")) \
                and (prev[0].isupper() or (prev == "," and low == "and" and i > 1
                                           and tokens[i - 2].group()[0].isupper())) \
                and (low == "and" or any(t.group().lower() == "and" for t in tokens[i + 1:])):
            # coordinated states: "Britain and France", "Israel and the United States", "The US, Israel and
            # France"; a comma with no "and" after it closes an opening phrase instead ("... on Saudi
            # Arabia, Trump said")
            last_conjunct = last_conjunct if last_conjunct >= 0 else tokens[i + 1].start()
            start = tokens[i].start()
            i -= 1
            taken += 1
            continue
        modifier = (modifiers < 2 and i + 1 < len(tokens) and word.isalpha() and low not in CONNECTIVES
                    and tokens[i + 1].group().lower() in ctx.rules.title_words)
        if not (word[0].isupper() or low in ctx.rules.title_words or low in FUNCTION
                or low.endswith(("'s", "’s")) or modifier):
            break
        if modifier and low not in ctx.rules.title_words and not word[0].isupper():
            modifiers += 1  # "commerce ministry", "finance minister"
        start = tokens[i].start()
        i -= 1
        taken += 1
    if last_conjunct >= 0 and i >= 0 and tokens[i].group().lower() in PREPOSITIONS:
        start = last_conjunct   # "sanctions on North Korea and the Security Council imposed": the object ends
    while start < end and ctx.folded[start:end].split(" ", 1)[0] in ("of", "for", "at", "in", "to"):
        start = ctx.text.find(" ", start, end) + 1
    return start, end


def _participle(folded: str, verb_start: int) -> bool:
    """The verb is a past participle ("criticized", "told"), not a progressive ("urging"); "opposed to" is
    an attitude ("Israel is opposed to the sale"), not a passive."""
    word = folded[verb_start:verb_start + 30].split(" ", 1)[0]
    return (word.endswith("ed") or word in IRREGULAR_PARTICIPLES) and not folded.startswith("opposed to", verb_start)


def _skip_appositive(ctx: ArticleContext, tokens: list[re.Match[str]], comma: int) -> int:
    """Index of the last word of the head before an appositive that closes with ``comma``, else ``comma``.

    "Sen. X, R-S.C., said", "Trump, who plans to meet Kim, has said", "Russia, a close ally of Syria,
    said": the speaker is the head before the inserted phrase, not the words after the verb.
    """
    j = comma - 1
    while j >= 0 and tokens[j].group() not in (",", "(", ")", "“", "”", "\"", ":", ";") and comma - j <= APPOSITIVE_WORDS:
        j -= 1
    if j <= 0 or tokens[j].group() != "," or comma - j < 2:
        return comma
    first = tokens[j + 1].group()
    inserted = ctx.text[tokens[j + 1].start():tokens[comma - 1].end()]
    if PARTY_TAG.fullmatch(inserted) or first.lower() in APPOSITIVE_OPENERS:
        k = j - 1
        if k >= 0 and (tokens[k].group()[0].isupper() or tokens[k].group().lower() in ctx.rules.title_words):
            return k
    elif _named_after_title(ctx, tokens, j, comma):
        return j - 1    # "Russia's foreign ministry spokeswoman, Maria Zakharova, said": the title speaks
    return comma


def _title_after_name(ctx: ArticleContext, tokens: list[re.Match[str]], comma: int) -> int:
    """Index of the comma that opens a title in apposition to a name before it, else -1.

    "Javad Zarif, Iran's foreign minister, tweeted": the words between the commas are a title phrase
    (capitalised words, title words, determiners, possessives, with an official title among them) and
    the word before the first comma is capitalised (the name); together they are the speaker phrase.
    """
    j = comma - 1
    while j >= 0 and tokens[j].group() != "," and comma - j <= 8:
        word = tokens[j].group()
        low = word.lower()
        if not (word[0].isupper() or low in ctx.rules.title_words or low in FUNCTION or low.endswith(("'s", "’s"))):
            return -1
        j -= 1
    if j < 1 or tokens[j].group() != "," or comma - j < 2 or not tokens[j - 1].group()[0].isupper():
        return -1
    kinds = {t.kind for _, _, t in ctx.rules.titles.find(ctx.folded, tokens[j + 1].start(), tokens[comma - 1].end())}
    return j if kinds & {"official", "lawmaker", "institution", "media"} else -1


POST_PREPOSITIONS = frozenset({"to", "in", "at"})   # "ambassador to Washington", "envoy in Kabul"


def _named_after_title(ctx: ArticleContext, tokens: list[re.Match[str]], j: int, comma: int) -> bool:
    """The words between two commas are a person's name (two to four capitalised words) and the phrase
    before the first comma ends in a title word: the name is in apposition to the title."""
    name = [t.group() for t in tokens[j + 1:comma]]
    if not 2 <= len(name) <= 4 or not all(w[:1].isupper() and w.isalpha() for w in name):
        return False
    if j > 0 and tokens[j - 1].group().lower() in ctx.rules.title_words:
        return True
    k = j - 1   # "Moscow's ambassador to Washington, Anatoly Antonov, said": a title with its post
    while k > 0 and j - k <= 3 and tokens[k].group()[:1].isupper():
        k -= 1
    return k < j - 1 and k > 0 and tokens[k].group().lower() in POST_PREPOSITIONS \
        and tokens[k - 1].group().lower() in ctx.rules.title_words


def phrase_after(ctx: ArticleContext, start: int, hi: int) -> tuple[int, int]:
    """The noun phrase right after a verb or "according to", up to punctuation or a lower-case verb."""
    end = start
    first = None
    for taken, match in enumerate(TOKEN.finditer(ctx.text, start, hi)):
        word = match.group()
        low = word.lower()
        if taken >= 10 or not (word[0].isupper() or low in ctx.rules.title_words or low in FUNCTION
                               or low.endswith(("'s", "’s"))):
            break
        first = match.start() if first is None else first
        end = match.end()
    return (first if first is not None else start), end


def titles_in(ctx: ArticleContext, start: int, end: int) -> list[tuple[int, int, Title]]:
    return ctx.rules.titles.find(ctx.folded, start, end)


def name_in(ctx: ArticleContext, start: int, end: int, covered: list[tuple[int, int]]) -> str | None:
    """Last run of capitalised words in the phrase that are neither titles nor places."""
    runs: list[list[str]] = [[]]
    for match in TOKEN.finditer(ctx.text, start, end):
        word = match.group()
        if word[0].isupper() and word not in NOT_NAMES and not word.endswith(("'s", "’s")):
            at = match.start()
            for s, e in covered:    # a plain loop: a generator per capitalised word costs more than the test
                if s <= at < e:
                    break
            else:
                runs[-1].append(word.rstrip(".,"))
                continue
        if runs[-1]:
            runs.append([])
    runs = [clean_name(ctx.rules.not_names, r) for r in runs if r]
    runs = [r for r in runs if r]
    return " ".join(runs[-1]) if runs else None


def clean_name(not_names: dict[str, str], words: list[str]) -> list[str]:
    """A personal name from a capitalised run: no openers ("After"), no page junk or all-capital
    acronyms, no repeated words; a run holding an organisation word ("Air Force") is no person."""
    if any(not_names.get(w) == "org" for w in words):
        return []
    kept: list[str] = []
    for w in words:
        if not_names.get(w) in ("lead", "junk") or w in NOT_NAMES or (w.isupper() and len(w) > 1 and "." not in w) \
                or (kept and kept[-1] == w):
            continue
        kept.append(w)
    return kept


def clause_start(ctx: ArticleContext, lo: int, at: int) -> int:
    """Start of the sentence holding ``at`` (not before ``lo``): a phrase never reaches into the sentence before."""
    start = max(lo, ctx.text.rfind("\n", lo, at) + 1)
    for m in SENTENCE_BREAK.finditer(ctx.text, start, at):
        start = m.end()
    return start


def verb_hits(ctx: ArticleContext, start: int, end: int) -> list[tuple[int, int, Verb]]:
    """Speech verbs in a span, leaving out capitalised words inside a name ("United States", "Member States")
    and the second half of a compound ("Saudi-backed" is an adjective, not Saudi Arabia backing something)."""
    return [h for h in ctx.rules.verbs.find(ctx.folded, start, end)
            if not (ctx.text[h[0]].isupper() and _mid_sentence(ctx.text, h[0])) and ctx.folded[h[0] - 1:h[0]] != "-"]


def _mid_sentence(text: str, at: int) -> bool:
    """A capitalised word after a word or a comma is part of a name ("United States"), not a verb."""
    k = at - 1
    while k >= 0 and text[k] == " ":
        k -= 1
    return k >= 0 and (text[k].isalnum() or text[k] in ",;-")
