"""Which state a speaker phrase speaks for, and who a pronoun or bare title stands for.

Order of evidence: a place, demonym or institution in the phrase (gazetteer) -> a title that implies
a state (titles.csv) -> a known office holder valid on the article date (positions_officials.csv) ->
the person's earlier introduction in the article -> for pronouns, the nearest speaker before them;
for bare titles ("the diplomat"), the previous speaker.
"""

from __future__ import annotations

from analysis.taggers.attribution_phrase import (clause_start, name_in, phrase_after, phrase_before, titles_in,
                                                 verb_hits)
from analysis.taggers.attribution_types import (NEAREST_WINDOW, NEGATED_END, PRONOUNS, QUOTE, ArticleContext,
                                                Official, Speaker, Title)


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
    The same phrase is asked about by several rules (reported speech, senders, pronoun look-back), so
    answers that do not depend on the speakers seen so far are kept per article.
    """
    key = (start, end, depth)
    if key in ctx.described:
        return ctx.described[key]
    titles = titles_in(ctx, start, end)
    kinds = {t.kind for _, _, t in titles}
    phrase = ctx.folded[start:end]
    if "nonofficial" in kinds or any(p in phrase for p in ctx.rules.proxy):
        ctx.described[key] = None
        return None
    found = _describe(ctx, start, end, depth, until, titles, kinds)
    if found and all(sp.how in STABLE for sp in found):
        ctx.described[key] = found
    return found


STABLE = frozenset({"place", "title", "office_holder", "introduction", "pair"})   # evidence inside the article text


def _describe(ctx: ArticleContext, start: int, end: int, depth: int, until: int | None,
              titles: list[tuple[int, int, Title]], kinds: set[str]) -> list[Speaker] | None:
    places = ctx.gazetteer.find(ctx.text[start:end])
    covered = [(start + p.start, start + p.end) for p in places] + [(s, e) for s, e, _ in titles]
    name = name_in(ctx, start, end, covered)
    roles = [(s, e) for s, e, t in titles if t.kind in ("official", "institution", "lawmaker", "media", "modifier")]
    heads = [(s, e) for s, e, t in titles if t.kind in ("official", "institution", "lawmaker", "media")]
    role = ctx.text[roles[0][0]:heads[-1][1]] if heads else None
    if "pair" in kinds and not places:
        sentence_start = clause_start(ctx, max(0, start - 400), start)
        codes = list(dict.fromkeys(p.code for p in ctx.gazetteer.find(ctx.text[sentence_start:start])))[:2]
        return [Speaker(None, None, c, "pair", 0.6) for c in codes] if len(codes) == 2 else []
    country, how = None, ""
    codes = list(dict.fromkeys(p.code for p in places))
    joined = all(ctx.text[start + a.end:start + b.start].strip(" ,").lower() in ("and", "and the", "")
                 for a, b in zip(places, places[1:]))
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
    words = ctx.folded[start:end].split() or [""]
    # "on Wednesday it had halted": a day name before the pronoun does not make it a title
    pronoun = anaphoric and country is None and (words[0] in PRONOUNS or words[-1] in PRONOUNS)
    said_by = words[0] if words[0] in PRONOUNS else words[-1]
    if pronoun and depth == 0 and (not ctx.last or ctx.last_end < start):
        person = said_by in ("he", "she")
        # "he" after a state's reported act ("Trump said North Korea had asked ...") is the person before it
        state_last = person and ctx.last and not (ctx.last[0].name or ctx.last[0].role)
        lo = max(ctx.last_end if ctx.last and not state_last else 0, start - NEAREST_WINDOW)
        nearest = _nearest_speaker(ctx, lo, until if until is not None else start, person)
        if nearest is None:
            return None      # the pronoun stands for an analyst or an unknown person named since
        if nearest:
            return [Speaker(nearest.name, nearest.role, nearest.country, "nearest_speaker", 0.7)]
        at = start if words[0] in PRONOUNS else ctx.folded.rfind(said_by, start, end)
        subject = _sentence_state(ctx, start) if said_by == "it" and _clause_opens(ctx, at) else None
        if subject:          # "Russia on Saturday banned ..., in response to what it called ...": Russia
            return [subject]
        if ctx.last and ctx.last_end < start - NEAREST_WINDOW:
            return []        # the last speaker is too far back for a pronoun to stand for them
    if anaphoric and country is None and not ctx.last and depth == 0:
        recent = _recent_person(ctx, start)
        if recent and not (pronoun and said_by == "it" and recent.name):   # a named person is no "it"
            return [Speaker(recent.name, recent.role, recent.country, "recent_person", recent.confidence)]
    if anaphoric and country is None and not pronoun and depth == 0 and heads and words[0] == "the":
        head = ctx.folded[heads[-1][0]:heads[-1][1]]
        if not (ctx.last and head in (ctx.last[0].role or "").lower()):
            antecedent = _title_antecedent(ctx, head, start)
            if antecedent:   # "The diplomat said": the diplomat introduced before, not the last speaker
                return [antecedent]
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
    top = hi
    for step in NEAREST_STEPS:   # most pronouns follow their speaker closely: scan back in growing steps
        bottom = max(lo, hi - step)
        found = _last_speaker(ctx, bottom, top, lo, hi, person, inside)
        if found is not False or bottom == lo:
            return found
        top = bottom
    return False


NEAREST_STEPS = (300, 800, NEAREST_WINDOW)
INTRODUCTION_TRIES = 4


def _last_speaker(ctx: ArticleContext, bottom: int, top: int, lo: int, hi: int, person: bool,
                  inside: list[tuple[int, int]]) -> Speaker | bool | None:
    for v_start, v_end, _ in reversed(verb_hits(ctx, bottom, top)):
        if any(a <= v_start < b for a, b in inside):
            continue
        c_start = clause_start(ctx, max(lo, v_start - 220), v_start)
        s, e = phrase_before(ctx, c_start, v_start)
        head = NEGATED_END.sub("", ctx.folded[c_start:v_start]).rstrip()
        if e <= s and c_start + len(head) < v_start:   # "Trump has not said whether he ...": still Trump
            s, e = phrase_before(ctx, c_start, c_start + len(head))
        if e <= s and ctx.text[lo:v_start].rstrip().endswith((",", "”", "\"")):
            s, e = phrase_after(ctx, v_end, min(hi, v_end + 120))
        if e <= s or ctx.folded[s:e].split()[0] in PRONOUNS:
            continue
        found = describe(ctx, s, e)
        if found is None:
            return None
        if not found:
            if name_in(ctx, s, e, []):
                return None
            continue
        if person and not (found[0].name or found[0].role):
            continue         # "he" is a person, not a state named alone
        return found[0]
    return False


def _title_antecedent(ctx: ArticleContext, head: str, before: int) -> Speaker | None:
    """The last earlier mention of a bare title's head word with a state ("a senior Russian diplomat in New
    Delhi told this newspaper ... The diplomat said"), within the pronoun window."""
    at = ctx.folded.rfind(head, max(0, before - NEAREST_WINDOW), before)
    while at >= 0:
        end = at + len(head)
        if (at == 0 or not ctx.folded[at - 1].isalnum()) and not ctx.folded[end:end + 1].isalnum():
            p_start, _ = phrase_before(ctx, clause_start(ctx, max(0, at - 120), at), at)
            found = describe(ctx, p_start, end, depth=1)
            if found and len(found) == 1 and found[0].how in ("place", "title", "office_holder"):
                return Speaker(found[0].name, found[0].role, found[0].country, "title_antecedent", 0.7)
            return None
        at = ctx.folded.rfind(head, max(0, before - NEAREST_WINDOW), at)
    return None


def _clause_opens(ctx: ArticleContext, at: int) -> bool:
    """The word before ``at`` opens a clause ("what it called", ", and it said"); after a noun ("the jets
    it ordered") the pronoun's clause only describes that noun and states nothing."""
    before = ctx.folded[max(0, at - 20):at].split()
    return not before or not before[-1].isalpha() or before[-1] in CLAUSE_OPENERS


CLAUSE_OPENERS = frozenset({"what", "which", "that", "and", "but", "while", "as", "because", "since", "when",
                            "where", "after", "before", "so", "though", "although", "if"})


def _sentence_state(ctx: ArticleContext, before: int) -> Speaker | None:
    """The state that opens the sentence of ``before`` as its subject ("Russia on Saturday banned ..."),
    for an "it" with no speaker between: a person named there is no "it", so only a bare state counts."""
    s = clause_start(ctx, max(0, before - 400), before)
    p_start, p_end = phrase_after(ctx, s, before)
    if p_end <= p_start or p_end >= before:
        return None
    found = describe(ctx, p_start, p_end, depth=1)
    if found and len(found) == 1 and found[0].how == "place" and not found[0].name and not found[0].role:
        return Speaker(None, None, found[0].country, "sentence_subject", 0.7)
    return None


def _introduction(ctx: ArticleContext, surname: str, before: int) -> Speaker | None:
    """The speaker as first introduced earlier in the article ("... Roman Babushkin"), cached per article."""
    if surname not in ctx.introductions:
        ctx.introductions[surname] = _find_introduction(ctx, surname, before)
    return ctx.introductions[surname]


def _find_introduction(ctx: ArticleContext, surname: str, before: int) -> Speaker | None:
    at = ctx.text.find(surname, 0, before)
    tries = 0
    while at >= 0 and tries < INTRODUCTION_TRIES:   # a person is introduced at one of the first mentions
        tries += 1
        after = at + len(surname)
        if (at == 0 or not ctx.text[at - 1].isalnum()) and (after >= len(ctx.text) or not ctx.text[after].isalnum()):
            start, end = phrase_before(ctx, max(0, at - 120), at)
            found = describe(ctx, start, after, depth=1)
            if found:
                return found[0]
        at = ctx.text.find(surname, after, before)
    return None


def _recent_person(ctx: ArticleContext, before: int) -> Speaker | None:
    """For "he said" with no speaker yet: the last official introduced in the preceding text."""
    lo = max(0, before - 400)
    for s, e, title in reversed(titles_in(ctx, lo, before)):
        if title.kind not in ("official", "lawmaker"):
            continue
        _, end = phrase_after(ctx, e, min(before, e + 60))
        start, _ = phrase_before(ctx, max(lo, s - 80), s)
        cut = max(ctx.folded.rfind(w, start, s) for w in (" for ", " in ", " at ", " on "))
        if cut >= 0:   # "briefings on Syria for the U.S. Senate": the title's own phrase starts after "for"
            start = cut + 1
        found = describe(ctx, start, max(end, e), depth=1)
        if found:
            return found[0]
    return None
