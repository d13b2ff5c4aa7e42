"""Who said it: quotes and reported speech attributed to a speaker with a country.

Works on the whole article text because quotes run across sentence boundaries
and speakers are introduced once ("Russian deputy chief of mission Roman
Babushkin") and then named by surname, title or pronoun. The speaker phrase is
the noun phrase next to a speech verb (data/rules/speech_verbs.csv); its
country comes, in order, from a place or institution in the phrase, a title
that implies a state (data/rules/titles.csv), a known office holder
(data/rules/positions_officials.csv), the person's earlier introduction, or
the nearest speaker before a pronoun, the previous speaker for bare titles.

Split in four modules: attribution_types (shared types), attribution_phrase (speaker phrases),
attribution_speaker (speaker country) and this one (quotes and reported clauses).
"""

from __future__ import annotations

import re
from typing import Any

from analysis.taggers.attribution_phrase import (clause_start, name_in, phrase_after, phrase_before,  # noqa: F401
                                                 verb_hits)
from analysis.taggers.attribution_speaker import describe
from analysis.taggers.attribution_types import (MIN_QUOTE_WORDS, NEGATED_END, QUOTE, SENTENCE_BREAK,  # noqa: F401
                                                ArticleContext, AttributionRules, Matcher, Official, Speaker,
                                                Statement, Title, Verb)
from analysis.taggers.stance import fold


ADJUNCT_STARTS = frozenset({"on", "in", "at", "during", "after", "before", "late", "earlier", "last", "this",
                            "yesterday", "today", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                            "sunday", "while", "when", "following", "ahead", "shortly", "afterwards"})
MAIN_CLAUSE = (", and ", ", but ", "; ", ", while ", ", whereas ")   # a new main clause after a reported one


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
        if len(gap.split()) > (16 if " quoted " in gap else 10) or SENTENCE_BREAK.search(gap):
            break
        if gap.strip(" ,”\"") == "":
            s, e = phrase_after(ctx, v_end, hi)
        else:
            s, e = phrase_before(ctx, close_end, v_start)
            first = WORD.search(text, close_end, v_start)
            if e <= s and first:   # "“…,” a Russian official involved in the deal said": the noun phrase
                s, e = phrase_after(ctx, first.start(), v_start)   # opening the gap, before its modifier
        speakers = describe(ctx, s, e, until=open_at) if e > s else []
        if speakers is None:
            return None
        if speakers:
            _remember(ctx, speakers, close_end)
            return Statement(inner_start, inner_end, tuple(speakers), verb, "positions.attr.quote_then_speaker")
        if name_in(ctx, s, e, []):
            ctx.last, ctx.last_end = [], close_end   # a named speaker of no known state: no carry-over either
            return None
    lo = max(para_start, prev_close, open_at - 250)
    hits = verb_hits(ctx, lo, open_at)
    if hits:
        v_start, v_end, verb = hits[-1]
        between = text[v_end:open_at]
        if len(between.split()) <= 8 and not SENTENCE_BREAK.search(between[:-2] if between.endswith(". ") else between):
            s, e = phrase_before(ctx, clause_start(ctx, lo, v_start), v_start)   # not into the sentence before
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
            p_start, p_end = phrase_after(ctx, v_end, s_end)
            speakers = describe(ctx, p_start, p_end)
            if speakers:
                clause = (p_end, s_end) if ctx.text[s_start:v_start].strip() == "" else (s_start, v_start)
                found.append((v_start, clause[0], clause[1], verb, speakers))
            else:   # "..., according to a report by X": a source that ends the clause before it, no statement
                found.append((v_start, v_start, v_start, verb, []))
            continue
        p_start, p_end = phrase_before(ctx, s_start, v_start)
        if verb.kind == "act" and any(f[4] and f[3].kind != "act" and f[1] <= v_start and f[2] >= v_end
                                      and not any(m in ctx.folded[f[1]:v_start] for m in MAIN_CLAUSE) for f in found):
            continue  # "Trump said that if Iran refuses ...": an act told inside a statement is that statement
        inverted = p_end <= p_start and ctx.text[s_start:v_start].rstrip().endswith((",", "”", "\""))
        if inverted and ctx.folded[v_start:v_end].endswith("ing") and ctx.text[s_start:v_start].rstrip().endswith(","):
            # participle clause ("..., telling reporters that ..."): the speaker of the main clause
            if found:
                prev = found[-1]
                found.append((v_start, v_end, s_end, verb, prev[4]))
                continue
            p_start, p_end = phrase_after(ctx, s_start, v_start)
            speakers = describe(ctx, p_start, p_end) if p_end > p_start else None
            if speakers:
                found.append((v_start, v_end, s_end, verb, speakers))
            continue
        if inverted:
            p_start, p_end = phrase_after(ctx, v_end, s_end)
        elif p_end <= p_start and CONJOINED.search(ctx.folded, max(s_start, v_start - 24), v_start):
            p_start, p_end = _conjoined_subject(ctx, s_start, v_start)
        if p_end <= p_start:
            continue
        speakers = describe(ctx, p_start, p_end)
        if speakers is None:
            if not found:
                return []
            continue
        if speakers:
            clause = (s_start, v_start) if inverted else (v_start if verb.kind == "act" else v_end, s_end)
            if verb.kind == "attitude" and not inverted:
                clause = (clause[0], _object_end(ctx, v_end, s_end))
            participle = _adjunct_only(ctx, verb, v_end, s_end) if not inverted else None
            if participle is not None and ctx.text[s_start:p_start].rstrip().endswith(","):
                clause = (s_start, p_start)   # "..., the foreign ministry said (on Friday)."
                if participle >= 0:           # "..., X said on Monday, describing the shipment as a milestone"
                    found.append((p_start, clause[0], clause[1], verb, speakers))
                    clause = (participle, s_end)
            found.append((p_start, clause[0], clause[1], verb, speakers))
    out = []
    for i, (p_start, c_start, c_end, verb, speakers) in enumerate(found):
        if i + 1 < len(found) and found[i + 1][0] > c_start:
            c_end = min(c_end, found[i + 1][0])
        while c_start < c_end and ctx.text[c_start] in " ,:;":
            c_start += 1
        if ctx.folded.startswith("that ", c_start):
            c_start += 5
        gloss = DASH_GLOSS.search(ctx.text, c_start, c_end)
        if gloss and not any(d in ctx.text[gloss.end():c_end] for d in ("–", "—", "--")):
            c_end = gloss.start()   # "... declared that X – a landmark decision that is likely to ...": the
            # narrator's comment on the act (a dash pair, "X – a close neighbour – is ...", stays inside)
        c_end = len(ctx.text[:c_end].rstrip(" ,;"))
        if c_end > c_start and speakers:
            _remember(ctx, speakers, c_end)
            out.append(Statement(c_start, c_end, tuple(speakers), verb, "positions.attr.reported_" + verb.kind))
    return out




def _conjoined_subject(ctx: ArticleContext, s_start: int, v_start: int) -> tuple[int, int]:
    """The subject of the verb before "but" / "and" ("Ryabkov wouldn't say whether ..., but insisted that"):
    a second verb with no subject of its own shares the first one's, even when that one is negated."""
    earlier = [h for h in verb_hits(ctx, s_start, v_start) if h[1] < v_start]
    if not earlier:
        return v_start, v_start
    head = NEGATED_END.sub("", ctx.folded[s_start:earlier[-1][0]])
    return phrase_before(ctx, s_start, s_start + len(head.rstrip()))


def _object_end(ctx: ArticleContext, v_end: int, s_end: int) -> int:
    """An attitude verb judges its object, which ends where a new main clause starts ("Senate Republicans
    have rejected that line of attack, and the president is expected to use ... for lifting the sanctions")."""
    for m in MAIN_CLAUSE_START.finditer(ctx.text, v_end, s_end):
        if m.group(1) not in (", and", ", but") or m.group(2)[:1].isupper() or m.group(2).lower() in SUBJECT_OPENERS:
            return m.start()
    return s_end


CONJOINED = re.compile(r"\b(?:but|and)\s+(?:[a-z]+ly\s+|also\s+|then\s+)?$")   # ", but insisted"
DASH_GLOSS = re.compile(r"\s(?:[–—]|--)\s(?:a|an)\s")
WORD = re.compile(r"[\w’'.-]+")
HEARERS = frozenset({"the", "a", "an", "reporters", "journalists", "lawmakers", "parliament", "senators"})
SUBJECT_OPENERS = frozenset({"the", "a", "an", "he", "she", "it", "they", "we", "i", "this", "that", "these",
                             "those", "his", "her", "its", "their"})   # ", and the president ...": a new subject
MAIN_CLAUSE_START = re.compile(r"(, and|, but|;|, while|, whereas) (\w+)")


def _adjunct_only(ctx: ArticleContext, verb: Verb, v_end: int, s_end: int) -> int | None:
    """The words after a speech verb are only its circumstances ("..., Moon said on Friday, a day after the
    summit collapsed"; "..., X told the Senate committee on Tuesday"): the statement is then the clause
    before the speaker. None when they are a statement of their own; else where a participle clause among
    them starts (", describing the shipment as a milestone": the speaker's too), or -1 when there is none.
    """
    tail = ctx.folded[v_end:s_end]
    if not tail.strip(" .!?\"”\n"):
        return -1
    if " that " in tail or QUOTE.search(ctx.text, v_end, s_end):
        return None
    words = [(m.start(), m.group()) for m in WORD.finditer(ctx.text, v_end, s_end)]
    k = 0
    if verb.rule_id == "positions.verb.tell":   # the person told: "told reporters", "told the Senate committee"
        while k < min(len(words), 6) and (words[k][1][0].isupper() or words[k][1].lower() in HEARERS):
            k += 1
    if k < len(words) and words[k][1].lower() not in ADJUNCT_STARTS and ctx.text[v_end:words[k][0]].strip():
        return None if ctx.text[v_end:words[k][0]].strip() != "," else _participle_at(ctx, words[k:])
    if k < len(words) and words[k][1].lower() not in ADJUNCT_STARTS:
        return None
    return _participle_at(ctx, words[k:])


def _participle_at(ctx: ArticleContext, words: list[tuple[int, str]]) -> int:
    """Start of the first ", <verb>ing" clause among ``words``, else -1."""
    for at, word in words:
        if word.lower().endswith("ing") and ctx.text[:at].rstrip().endswith(","):
            return at
    return -1


def new_context(text: str, published: str, gazetteer: Any, rules: AttributionRules,
                folded: str | None = None) -> ArticleContext:
    """``folded``: the article's :func:`fold` when the caller already made it."""
    return ArticleContext(text=text, folded=fold(text) if folded is None else folded, published=published,
                          gazetteer=ArticlePlaces(gazetteer), rules=rules)


class ArticlePlaces:
    """The gazetteer for one article, remembering its answer per string.

    Statements, sanctions senders and speaker phrases ask about the same sentence or phrase
    again (about a third of the look-ups of a news corpus); each caller gets its own list.
    Everything else is the gazetteer's own (``name``, ``is_code`` ...).
    """

    def __init__(self, gazetteer: Any):
        self.gazetteer = gazetteer
        self._found: dict[str, list[Any]] = {}

    def find(self, text: str) -> list[Any]:
        found = self._found.get(text)
        if found is None:
            found = self._found[text] = self.gazetteer.find(text)
        return list(found)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.gazetteer, name)
