"""Who said it: quotes and reported speech attributed to a speaker with a country.

Works on the whole article text because quotes run across sentence boundaries
and speakers are introduced once ("Russian deputy chief of mission Roman
Babushkin") and then named by surname, title or pronoun. The speaker phrase is
the noun phrase next to a speech verb (data/rules/speech_verbs.csv); its
country comes, in order, from a place or institution in the phrase, a title
that implies a state (data/rules/titles.csv), a known office holder
(data/rules/positions_officials.csv), the person's earlier introduction, or
the previous speaker for pronouns and bare titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from analysis.taggers.stance import Lexicon, fold

QUOTE = re.compile(r"“[^“”\n]+(?:”|(?=\n)|\Z)|\"[^\"\n]+(?:\"|(?=\n)|\Z)")
TOKEN = re.compile(r"[\w][\w.’'\-]*|[^\w\s]")
SENTENCE_BREAK = re.compile(r"[a-z]{2}[.!?](?:\s|$)|[!?]\s")
FUNCTION = frozenset({"the", "a", "an", "of", "for", "'s", "’s", "at", "in", "to"})
SKIP_BEFORE = frozenset({"has", "have", "had", "also", "again", "is", "was", "were", "are", "reportedly",
                         "previously", "recently", "repeatedly", "then", "publicly", "further", "earlier",
                         "later", "strongly", "flatly", "firmly", "long", "on", "just", "already", "once",
                         "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                         "yesterday", "today", "last", "week", "had", "has", "will", "would", "could", "may", "all", "both",
                         "meanwhile", "however", "instead", "formally", "officially", "jointly", "unanimously",
                         "immediately", "quickly", "swiftly", "openly", "privately", "separately", "subsequently",
                         "eventually", "finally", "initially", "originally", "now", "still", "too", "likewise"})
NOT_NAMES = frozenset({"The", "A", "An", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "In", "On",
                       "But", "And", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                       "Sunday", "It", "He", "She", "They", "We", "I", "This", "That"})
CONNECTIVES = frozenset({"and", "or", "but", "that", "which", "who", "with", "while", "as", "after", "before",
                         "when", "where", "said", "says", "if", "than", "by"})
MIN_QUOTE_WORDS = 4
# an inserted phrase between a speaker and the verb: a party tag ("R-S.C.", "D-New York") or a clause
# opened by a relative pronoun or an article ("who chairs ...", "a close ally of ...")
PARTY_TAG = re.compile(r"[RDI]-[A-Z][\w.]*(?:[ .-][A-Z][\w.]*)*\.?")
APPOSITIVE_OPENERS = frozenset({"who", "whose", "which", "a", "an", "one", "another", "himself", "herself"})
APPOSITIVE_WORDS = 25
PRONOUNS = frozenset({"he", "she", "they", "it"})
NEAREST_WINDOW = 1500   # how far back a pronoun looks for the person who spoke last


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
    verbs: Lexicon
    titles: Lexicon
    officials: dict[str, tuple[Official, ...]]
    title_words: frozenset[str]
    not_names: dict[str, str] = field(default_factory=dict)   # word -> lead / org / junk (positions_not_names.csv)
    proxy: tuple[str, ...] = ()   # "-backed", "-led": a phrase naming a state's proxy, not the state


@dataclass(frozen=True)
class Speaker:
    name: str | None
    role: str | None
    country: str
    how: str         # which evidence gave the country
    confidence: float


@dataclass(frozen=True)
class Statement:
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


def _phrase_before(ctx: ArticleContext, lo: int, verb_start: int) -> tuple[int, int]:
    """The noun phrase ending right before a verb: walks back over names, titles and determiners."""
    if verb_start - lo > 220:   # the phrase is at most ~10 words: tokenise only the tail, from a word start
        cut = ctx.text.find(" ", verb_start - 220, verb_start)
        lo = cut + 1 if cut >= 0 else lo
    tokens = list(TOKEN.finditer(ctx.text, lo, verb_start))
    i = len(tokens) - 1
    while i >= 0 and tokens[i].group().lower() in SKIP_BEFORE:
        i -= 1
    if i > 0 and tokens[i].group() == ",":
        i = _skip_appositive(ctx, tokens, i)
    elif i > 1 and tokens[i].group().lower() == "who" and tokens[i - 1].group() == ",":
        i -= 2    # "Trump, who wanted warmer ties": the relative clause's subject is the head before it
    end = tokens[i].end() if i >= 0 else verb_start
    start = end
    taken = modifiers = 0
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
        if (low == "and" or word == ",") and 0 < i and taken and (nxt[:1].isupper() or (word == "," and nxt == "and")) \
                and (prev[0].isupper() or (prev == "," and low == "and" and i > 1
                                           and tokens[i - 2].group()[0].isupper())):
            start = tokens[i].start()   # coordinated states: "Britain and France", "The US, Israel and France"
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
    while start < end and ctx.folded[start:end].split(" ", 1)[0] in ("of", "for", "at", "in", "to"):
        start = ctx.text.find(" ", start, end) + 1
    return start, end


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
    return comma


def _phrase_after(ctx: ArticleContext, start: int, hi: int) -> tuple[int, int]:
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


def _titles(ctx: ArticleContext, start: int, end: int) -> list[tuple[int, int, Title]]:
    return [(h.start, h.end, h.entries[0]) for h in ctx.rules.titles.find(ctx.folded, start, end)]


def _name(ctx: ArticleContext, start: int, end: int, covered: list[tuple[int, int]]) -> str | None:
    """Last run of capitalised words in the phrase that are neither titles nor places."""
    runs: list[list[str]] = [[]]
    for match in TOKEN.finditer(ctx.text, start, end):
        word = match.group()
        if word[0].isupper() and word not in NOT_NAMES and not word.endswith(("'s", "’s")) \
                and not any(s <= match.start() < e for s, e in covered):
            runs[-1].append(word.rstrip(".,"))
        elif runs[-1]:
            runs.append([])
    runs = [_clean_name(ctx.rules.not_names, r) for r in runs if r]
    runs = [r for r in runs if r]
    return " ".join(runs[-1]) if runs else None


def _clean_name(not_names: dict[str, str], words: list[str]) -> list[str]:
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


def _official(ctx: ArticleContext, name: str | None) -> Official | None:
    if not name:
        return None
    for key in (name, name.split()[-1]):
        for person in ctx.rules.officials.get(key, ()):
            if person.valid_from <= ctx.published and (not person.valid_to or ctx.published < person.valid_to):
                return person
    return None


def describe(ctx: ArticleContext, start: int, end: int, depth: int = 0,
             until: int | None = None) -> list[Speaker] | None:
    """Speakers a phrase stands for; [] when it names no state, None when it is not an official.

    ``until``: where the text a pronoun may look back over ends (the opening of the quote it closes).
    """
    titles = _titles(ctx, start, end)
    kinds = {t.kind for _, _, t in titles}
    if "nonofficial" in kinds or any(p in ctx.folded[start:end] for p in ctx.rules.proxy):
        return None
    places = ctx.gazetteer.find(ctx.text[start:end])
    covered = [(start + p.start, start + p.end) for p in places] + [(s, e) for s, e, _ in titles]
    name = _name(ctx, start, end, covered)
    roles = [(s, e) for s, e, t in titles if t.kind in ("official", "institution", "lawmaker", "media", "modifier")]
    heads = [(s, e) for s, e, t in titles if t.kind in ("official", "institution", "lawmaker", "media")]
    role = ctx.text[roles[0][0]:heads[-1][1]] if heads else None
    if "pair" in kinds:
        sentence_start = max(ctx.text.rfind(".", 0, start), ctx.text.rfind("\n", 0, start), 0)
        codes = list(dict.fromkeys(p.code for p in ctx.gazetteer.find(ctx.text[sentence_start:start])))[:2]
        return [Speaker(None, None, c, "pair", 0.6) for c in codes] if len(codes) == 2 else []
    country, how = None, ""
    codes = list(dict.fromkeys(p.code for p in places))
    joined = all(ctx.text[start + a.end:start + b.start].strip(" ,").lower() in ("and", "") for a, b in zip(places, places[1:]))
    if len(codes) > 1 and not name and joined:
        return [Speaker(None, role, c, "place", 0.8) for c in codes]   # "the leaders of Britain and France"
    if places:
        country, how = places[0].code, "place"
    if country is None:
        implied = [t.country for _, _, t in titles if t.country]
        if implied:
            country, how = implied[-1], "title"
    person = _official(ctx, name)
    if country is None and person is not None:
        country, how, role = person.country, "office_holder", role or person.role
        if name and " " not in name and name == person.name.split()[-1]:
            name = person.name
    if country is None and name and depth == 0:
        intro = _introduction(ctx, name.split()[-1], start)
        if intro:
            return [Speaker(intro.name if " " in (intro.name or "") else name, role or intro.role,
                            intro.country, "introduction", intro.confidence)]
    anaphoric = not name and ("anaphor" in kinds or ctx.folded[start:start + 4] == "the ")
    pronoun = anaphoric and country is None and ctx.folded[start:end].split()[0] in PRONOUNS
    if pronoun and depth == 0 and (not ctx.last or ctx.last_end < start):
        lo = max(ctx.last_end if ctx.last else 0, start - NEAREST_WINDOW)
        nearest = _nearest_speaker(ctx, lo, until if until is not None else start,
                                   ctx.folded[start:end].split()[0] in ("he", "she"))
        if nearest is None:
            return None      # the pronoun stands for an analyst or an unknown person named since
        if nearest:
            return [Speaker(nearest.name, nearest.role, nearest.country, "nearest_speaker", 0.7)]
    if anaphoric and country is None and not ctx.last and depth == 0:
        recent = _recent_person(ctx, start)
        if recent:
            return [recent]
    if (country is None or (anaphoric and ctx.last and ctx.last[0].country == country)) and anaphoric and ctx.last:
        prev = ctx.last[0]
        if country is None or prev.country == country:
            return [Speaker(prev.name, role or prev.role, prev.country, "previous_speaker", 0.7)]
    if country is None:
        return []
    if not name and not titles and places and places[0].kind in ("name", "capital", "metonym", "institution"):
        role = None
    weight = {"place": 0.9, "title": 0.85, "office_holder": 0.85}.get(how, 0.7)
    if "media" in kinds:
        role = role or "state media"
    return [Speaker(name, role, country, how, weight)]


def _nearest_speaker(ctx: ArticleContext, lo: int, hi: int, person: bool) -> Speaker | bool | None:
    """The speaker of the last speech verb in ``text[lo:hi]`` outside quotes, for a pronoun ("he said").

    Only statements with a topic cue are attributed as the article is read, so the previous speaker
    remembered can be paragraphs away while another person spoke in between. Returns None when that
    person is not an official (an analyst, a named person of no known state), False when no speaker
    is found (the remembered one stands).
    """
    if hi - lo < 8:
        return False
    inside = [(q.start(), q.end()) for q in QUOTE.finditer(ctx.text, lo, hi)]
    for v_start, v_end, _ in reversed(verb_hits(ctx, lo, hi)):
        if any(a <= v_start < b for a, b in inside):
            continue
        s, e = _phrase_before(ctx, _clause_start(ctx, max(lo, v_start - 220), v_start), v_start)
        if e <= s and ctx.text[lo:v_start].rstrip().endswith((",", "”", "\"")):
            s, e = _phrase_after(ctx, v_end, min(hi, v_end + 120))
        if e <= s or ctx.folded[s:e].split()[0] in PRONOUNS:
            continue
        found = describe(ctx, s, e)
        if found is None:
            return None
        if not found:
            if _name(ctx, s, e, []):
                return None
            continue
        if person and not (found[0].name or found[0].role):
            continue         # "he" is a person, not a state named alone
        return found[0]
    return False


def _clause_start(ctx: ArticleContext, lo: int, at: int) -> int:
    """Start of the sentence holding ``at`` (not before ``lo``): a phrase never reaches into the sentence before."""
    start = max(lo, ctx.text.rfind("\n", lo, at) + 1)
    for m in SENTENCE_BREAK.finditer(ctx.text, start, at):
        start = m.end()
    return start


def _introduction(ctx: ArticleContext, surname: str, before: int) -> Speaker | None:
    """The speaker as first introduced earlier in the article ("... Roman Babushkin"), cached per article."""
    if surname not in ctx.introductions:
        ctx.introductions[surname] = _find_introduction(ctx, surname, before)
    return ctx.introductions[surname]


def _find_introduction(ctx: ArticleContext, surname: str, before: int) -> Speaker | None:
    at = ctx.text.find(surname, 0, before)
    while at >= 0:
        after = at + len(surname)
        if (at == 0 or not ctx.text[at - 1].isalnum()) and (after >= len(ctx.text) or not ctx.text[after].isalnum()):
            start, end = _phrase_before(ctx, max(0, at - 120), at)
            found = describe(ctx, start, after, depth=1)
            if found:
                return found[0]
        at = ctx.text.find(surname, after, before)
    return None


def _recent_person(ctx: ArticleContext, before: int) -> Speaker | None:
    """For "he said" with no speaker yet: the last official introduced in the preceding text."""
    lo = max(0, before - 400)
    for s, e, title in reversed(_titles(ctx, lo, before)):
        if title.kind not in ("official", "lawmaker"):
            continue
        _, end = _phrase_after(ctx, e, min(before, e + 60))
        start, _ = _phrase_before(ctx, max(lo, s - 80), s)
        found = describe(ctx, start, max(end, e), depth=1)
        if found:
            return found[0]
    return None


def verb_hits(ctx: ArticleContext, start: int, end: int) -> list[tuple[int, int, Verb]]:
    """Speech verbs in a span, leaving out capitalised words that belong to a place ("United States")."""
    return [(h.start, h.end, h.entries[0]) for h in ctx.rules.verbs.find(ctx.folded, start, end)
            if not (ctx.text[h.start].isupper() and _in_place(ctx, h.start))]


def _in_place(ctx: ArticleContext, at: int) -> bool:
    lo = max(0, at - 40)
    return any(lo + p.start <= at < lo + p.end for p in ctx.gazetteer.find(ctx.text[lo:at + 20]))


def _remember(ctx: ArticleContext, speakers: list[Speaker], end: int) -> None:
    if speakers:
        ctx.last = speakers
        ctx.last_end = end


def quote_statement(ctx: ArticleContext, open_at: int, close_end: int, para_start: int,
                    prev_close: int) -> Statement | None:
    """A direct quote with its speaker after it, before it, or carried over from the previous quote."""
    text = ctx.text
    inner_start, inner_end = open_at + 1, close_end - 1 if text[close_end - 1] in "”\"" else close_end
    if len(text[inner_start:inner_end].split()) < MIN_QUOTE_WORDS:
        return None
    line_end = text.find("\n", close_end)
    hi = min(len(text), close_end + 200, line_end if line_end >= 0 else len(text))
    nxt = QUOTE.search(text, close_end, hi)
    hi = nxt.start() if nxt else hi
    for v_start, v_end, verb in verb_hits(ctx, close_end, hi)[:1]:
        gap = text[close_end:v_start]
        if len(gap.split()) > 10 or SENTENCE_BREAK.search(gap):
            break
        if gap.strip(" ,”\"") == "":
            s, e = _phrase_after(ctx, v_end, hi)
        else:
            s, e = _phrase_before(ctx, close_end, v_start)
        speakers = describe(ctx, s, e, until=open_at)
        if speakers is None:
            return None
        if speakers:
            _remember(ctx, speakers, close_end)
            return Statement(inner_start, inner_end, tuple(speakers), verb, "positions.attr.quote_then_speaker")
        if _name(ctx, s, e, []):
            ctx.last, ctx.last_end = [], close_end   # a named speaker of no known state: no carry-over either
            return None
    lo = max(para_start, prev_close, open_at - 250)
    hits = verb_hits(ctx, lo, open_at)
    if hits:
        v_start, v_end, verb = hits[-1]
        between = text[v_end:open_at]
        if len(between.split()) <= 8 and not SENTENCE_BREAK.search(between[:-2] if between.endswith(". ") else between):
            s, e = _phrase_before(ctx, lo, v_start)
            speakers = describe(ctx, s, e, until=s) if e > s else []
            if speakers is None:
                return None
            if speakers:
                _remember(ctx, speakers, close_end)
                return Statement(inner_start, inner_end, tuple(speakers), verb, "positions.attr.speaker_then_quote")
    starts_sentence = text[para_start:open_at].strip() == "" or text[:open_at].rstrip()[-1:] in ".!?:"
    if starts_sentence and ctx.last and 0 <= open_at - ctx.last_end <= 600:
        return Statement(inner_start, inner_end, tuple(ctx.last), Verb("positions.attr.continued", "report", "", 0.6),
                         "positions.attr.continued_quote")
    return None


def reported_statements(ctx: ArticleContext, s_start: int, s_end: int) -> list[Statement]:
    """Reported speech in one sentence: each speech verb with a speaker owns the clause after it."""
    found: list[tuple[int, int, int, Verb, list[Speaker]]] = []   # (phrase_start, clause_start, clause_end)
    for v_start, v_end, verb in verb_hits(ctx, s_start, s_end):
        if ctx.folded[max(s_start, v_start - 3):v_start] == "to " or ctx.folded[v_start - 1:v_start] == "-":
            continue  # an infinitive ("urged the EU to impose") belongs to the statement before it;
            # a compound ("Kremlin-backed") is an adjective, not a verb
        if verb.kind == "according":
            p_start, p_end = _phrase_after(ctx, v_end, s_end)
            speakers = describe(ctx, p_start, p_end)
            if speakers is None:
                return []
            if speakers:
                clause = (p_end, s_end) if ctx.text[s_start:v_start].strip() == "" else (s_start, v_start)
                found.append((v_start, clause[0], clause[1], verb, speakers))
            continue
        p_start, p_end = _phrase_before(ctx, s_start, v_start)
        inverted = p_end <= p_start and ctx.text[s_start:v_start].rstrip().endswith((",", "”", "\""))
        if inverted and ctx.folded[v_start:v_end].endswith("ing") and ctx.text[s_start:v_start].rstrip().endswith(","):
            # participle clause ("..., telling reporters that ..."): the speaker of the main clause
            if found:
                prev = found[-1]
                found.append((v_start, v_end, s_end, verb, prev[4]))
                continue
            p_start, p_end = _phrase_after(ctx, s_start, v_start)
            speakers = describe(ctx, p_start, p_end) if p_end > p_start else None
            if speakers:
                found.append((v_start, v_end, s_end, verb, speakers))
            continue
        if inverted:
            p_start, p_end = _phrase_after(ctx, v_end, s_end)
        if p_end <= p_start:
            continue
        speakers = describe(ctx, p_start, p_end)
        if speakers is None:
            if not found:
                return []
            continue
        if speakers:
            clause = (s_start, v_start) if inverted else (v_start if verb.kind == "act" else v_end, s_end)
            tail_said = ctx.text[v_end:s_end].strip(" .!?\"”\n") == ""
            if not inverted and tail_said and ctx.text[s_start:p_start].rstrip().endswith(","):
                clause = (s_start, p_start)   # "..., the foreign ministry said."
            found.append((p_start, clause[0], clause[1], verb, speakers))
    out = []
    for i, (p_start, c_start, c_end, verb, speakers) in enumerate(found):
        if i + 1 < len(found) and found[i + 1][0] > c_start:
            c_end = min(c_end, found[i + 1][0])
        while c_start < c_end and ctx.text[c_start] in " ,:;":
            c_start += 1
        if ctx.folded.startswith("that ", c_start):
            c_start += 5
        c_end = len(ctx.text[:c_end].rstrip(" ,;"))
        if c_end > c_start:
            _remember(ctx, speakers, c_end)
            out.append(Statement(c_start, c_end, tuple(speakers), verb, "positions.attr.reported_" + verb.kind))
    return out


phrase_before = _phrase_before


def new_context(text: str, published: str, gazetteer: Any, rules: AttributionRules) -> ArticleContext:
    return ArticleContext(text=text, folded=fold(text), published=published, gazetteer=gazetteer, rules=rules)
