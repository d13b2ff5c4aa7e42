"""Rows of one attributed statement: its topics, the stance read for each speaker, and the states that send sanctions.

The guidelines' special cases live here (a bare vote taking the topic named before it, sanctions
as the backdrop of a concession, a sender or target speaking of its own sanctions, a third
party's view of others' ties), apart from the article walk in positions.py that decides which
quotes and sentences are read at all.
"""

from __future__ import annotations

import bisect
from typing import Any

from analysis.taggers import attribution as attr
from analysis.taggers import positions_sender as sender
from analysis.taggers.positions_rules import PositionRules
from analysis.taggers.stance import Reading, read_statement, topics_in

SANCTIONS_PRIOR = 0.35    # evidence given to a default stance on sanctions when no cue decides


def _targets(ctx: attr.ArticleContext, rules: PositionRules, start: int, end: int, places: list) -> set[str]:
    """Countries a statement names as the target of sanctions ("sanctions on Iran", "against us" = "self")."""
    found = set()
    for place in places:
        lo, hi = max(start, start + place.start - 30), start + place.start
        last_words = ctx.folded[lo:hi].split()[-3:]
        if any(w in last_words for w in rules.target_words) and \
                any(t == "sanctions" for _, t, w in topics_in(rules.stance, ctx.folded, lo, hi)):
            found.add(place.code)
    clause = ctx.folded[start:end]
    if any(f" {w} us" in clause or f" {w} our" in clause for w in rules.target_words):
        found.add("self")
    return found


PAIR_GLUE = ("-", "–", "/", " and ", " and the ")
QUOTE_MARKS = frozenset("\"“”")


def _pairs(ctx: attr.ArticleContext, start: int, places: list) -> list[set[str]]:
    """Two-country relationships a statement names: "between X and Y", "X-Y relations", "the X-Y alliance"."""
    out = []
    for a, b in zip(places, places[1:]):
        glue = ctx.folded[start + a.end:start + b.start]
        if glue in PAIR_GLUE and (glue in "-–/" or ctx.folded[max(0, start + a.start - 13):start + a.start]
                                  .rstrip().removesuffix(" the").endswith("between")) and a.code != b.code:
            out.append({a.code, b.code})
    return out


def _bare(ctx: attr.ArticleContext, rules: PositionRules, statement: attr.Statement, sents: "Sentences") -> list[Reading]:
    """A clause that names no topic but is a bare stance act ("..., while China and Russia voted against",
    "after the sanctions announcement, officials vowed to retaliate") takes the topic named last before it
    in its sentence: the words left out are that topic. Only cues of kind ``bare`` are read this way."""
    i = sents.index(statement.start)
    before = [t for p, t, w in topics_in(rules.stance, ctx.folded, sents.starts[i], statement.start)
              if w >= rules.stance.weak_topic]
    if not before:
        return []
    out = []
    for hit in rules.stance.cues.find(ctx.folded, statement.start, statement.end):
        for cue in hit.entries:
            if cue.applies == "bare" and cue.topic in ("*", before[-1]):
                out.append(Reading(before[-1], cue.stance, cue.weight, cue.rule_id))
    return out[:1]


def _conceded(ctx: attr.ArticleContext, rules: PositionRules, start: int, end: int) -> bool:
    """Every sanctions word of the span follows a concession ("despite the threat of sanctions",
    "defying US sanctions"): the sanctions are the backdrop of an act done against them, which says
    nothing for them, so no default stance is given (scope kind ``concession``, its window in words)."""
    concessions = [(h.start, c.window) for h in rules.stance.scope.find(ctx.folded, start, end)
                   for c in h.entries if c.kind == "concession"]
    if not concessions:
        return False
    nouns = [p for p, t, w in topics_in(rules.stance, ctx.folded, start, end) if t == "sanctions"]
    return all(any(c < p and ctx.folded.count(" ", c, p) <= window for c, window in concessions) for p in nouns)


def _default_sanctions(targets: set[str], country: str) -> Reading:
    """No cue decided: a speaker whose own country is the target opposes, anyone else supports (weakly)."""
    stance = "oppose" if country in targets or "self" in targets else "support"
    return Reading("sanctions", stance, SANCTIONS_PRIOR, "positions.stance.sanctions_default")


class Sentences:
    """Sentence offsets of one article with the sanctions roles of each, computed once when asked."""

    def __init__(self, ctx: attr.ArticleContext, rules: PositionRules, starts: list[int], ends: list[int],
                 targeted: set[str]):
        self.ctx, self.rules, self.starts, self.ends, self.targeted = ctx, rules, starts, ends, targeted
        self._roles: dict[int, sender.Roles] = {}

    def index(self, at: int) -> int:
        return max(0, bisect.bisect_right(self.starts, at) - 1)

    def roles(self, i: int) -> sender.Roles:
        if i not in self._roles:
            self._roles[i] = sender.roles(self.ctx, self.rules.sender, self.rules.stance, self.starts[i],
                                          self.ends[i], self.targeted)
        return self._roles[i]


DESCRIPTIVE = ("stance.sanctions.impose", "positions.stance.sanctions_default")


def _own_sanctions(readings: list[Reading], country: str, roles: sender.Roles, verb: attr.Verb,
                   article_targets: set[str]) -> list[Reading]:
    """GUIDELINES: a sender speaking of its own sanctions supports them; a target opposes them.

    A state the article names as a target anywhere ("sanctions on X") is read as speaking against
    the sanctions unless it sends sanctions in the same sentence (counter-sanctions).

    When another state sends the sanctions, words such as "imposing new sanctions" describe that
    state's act, not the speaker's wish: they decide nothing for the speaker, who opposes the
    sanctions when targeted or condemning, and is otherwise left out.
    """
    if country in roles.senders:
        if any(r.topic == "sanctions" and r.stance == "support" for r in readings):
            return [r for r in readings if r.topic != "sanctions" or r.stance == "support"]
        kept = [r for r in readings if r.topic != "sanctions"]
        return kept + [Reading("sanctions", "support", 0.8, "positions.stance.own_sanctions")]
    targeted = country in roles.targets or country in article_targets
    if targeted:
        readings = [Reading(r.topic, "oppose", r.score, "positions.stance.targeted") if r.topic == "sanctions" else r
                    for r in readings]
    if roles.senders and not targeted:
        out = []
        for r in readings:
            if r.topic == "sanctions" and r.stance == "support" and r.rule in DESCRIPTIVE:
                if verb.stance == "oppose":
                    out.append(Reading("sanctions", "oppose", r.score, "positions.stance.condemns_others"))
                continue
            out.append(r)
        return out
    return readings


def statement_records(ctx: attr.ArticleContext, rules: PositionRules, statement: attr.Statement, licensed: set[str],
             article_id: str, sents: Sentences) -> list[dict[str, Any]]:
    """One row per speaker of ``statement`` and (topic, stance) read in it, after the guidelines' special cases."""
    verb = statement.verb
    topics = {t for _, t, w in topics_in(rules.stance, ctx.folded, statement.start, statement.end)
              if w >= rules.stance.weak_topic or t in licensed}
    bare = not topics
    if bare:   # the stance reading of a clause naming no topic would be thrown away: not made
        readings = _bare(ctx, rules, statement, sents)
        topics = {r.topic for r in readings}
    else:
        readings = read_statement(rules.stance, ctx.text, ctx.folded, statement.start, statement.end, licensed,
                                  verb.stance, verb.weight * 0.8)
    if not readings and "sanctions" not in topics:
        return []   # no reading and no default stance: no row for any speaker, so no places or targets looked up
    places = ctx.gazetteer.find(ctx.text[statement.start:statement.end])
    targets = _targets(ctx, rules, statement.start, statement.end, places)
    sentence = sents.index(statement.start)
    roles = sents.roles(sentence) if "sanctions" in topics and not bare else None   # a bare vote says it all
    pairs = _pairs(ctx, statement.start, places) if "partnership" in topics else []
    conceded = "sanctions" in topics and _conceded(ctx, rules, statement.start, statement.end)
    out = []
    for speaker in statement.speakers:
        mine = list(readings)
        if "sanctions" in topics and not any(r.topic == "sanctions" for r in readings) and not conceded:
            if verb.kind in ("warn", "urge", "commit"):
                mine.append(Reading("sanctions", "support", 0.5, "positions.stance.sanctions_" + verb.kind))
            else:
                mine.append(_default_sanctions(targets, speaker.country))
        if roles is not None:
            mine = _own_sanctions(mine, speaker.country, roles, verb, sents.targeted)
        about = next((p.code for p in places if p.code != speaker.country), None)
        if pairs and not any(speaker.country in pair for pair in pairs):
            mine = [r for r in mine if r.topic != "partnership"]   # a third party's view of others' ties
        for reading in mine:
            out.append(_row(ctx, article_id, sentence, statement.start, statement.end, speaker, verb.weight,
                            reading, statement.rule, about))
    return out


def _row(ctx: attr.ArticleContext, article_id: str, sentence: int, start: int, end: int, speaker: attr.Speaker,
         verb_weight: float, reading: Reading, rule: str, about: str | None) -> dict[str, Any]:
    confidence = speaker.confidence * verb_weight * min(1.0, 0.5 + reading.score / 2)
    return {
        "article_id": article_id, "sentence": sentence, "char_start": start, "char_end": end,
        "confidence": round(min(0.99, confidence), 3), "rule": f"{rule}+{reading.rule}",
        "speaker": speaker.name, "speaker_role": speaker.role, "speaker_country": speaker.country,
        "about_country": about, "topic": reading.topic, "stance": reading.stance, "quote": ctx.text[start:end],
    }


def sender_records(ctx: attr.ArticleContext, rules: PositionRules, article_id: str, sents: Sentences,
                    i: int, covered: list[tuple[int, int]], quoted: list[tuple[int, int]],
                    voiced: bool) -> list[dict[str, Any]]:
    """Sanctions/support of each state that sends the sanctions named in sentence ``i`` (no speech verb needed).

    Only in the article's own narration: inside someone's quote the sender is what the speaker says
    about others ("the sanctions imposed by X" in a target's complaint is the target's position).
    A deal party's support needs an official voice in the sentence (``voiced``): a purchase or a
    delivery told only as a stage ("India has received two squadrons") is procurement, not a stated
    position, while "Russia has started deliveries, the agency head said" is the agency's position.
    """
    roles = sents.roles(i)
    out = []
    start, end = sents.starts[i], sents.ends[i]
    for code, (speakers, rule, at) in roles.senders.items():
        if any(cs <= at < ce for cs, ce in covered):
            continue
        if rule == "positions.sender.premod" and (voiced or QUOTE_MARKS & set(ctx.text[start:end])):
            continue    # "U.N. sanctions" named while someone else speaks: the sanctions they talk about
        speaker = next((sp for sp in speakers if sp.country == code), speakers[0])
        weight = rules.sender.weight.get(rule.rsplit(".", 1)[-1], 0.6)
        about = next(iter(sorted(roles.targets - {code})), None)
        out.append(_row(ctx, article_id, i, start, end, speaker, weight,
                        Reading("sanctions", "support", 0.8, "positions.stance.own_sanctions"), rule, about))
    for code, (speakers, deal_stance, at) in roles.parties.items():
        if any(cs <= at < ce for cs, ce in quoted) or (deal_stance == "support" and not voiced):
            continue
        weight = rules.sender.weight.get("deal_" + deal_stance, 0.6)
        out.append(_row(ctx, article_id, i, start, end, speakers[0], weight,
                        Reading("deal", deal_stance, 0.6, "positions.stance.deal_act"),
                        "positions.deal.party_" + deal_stance, None))
    return out
