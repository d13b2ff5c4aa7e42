"""Sanctions roles in a sentence: which states send the sanctions it names and which are targeted.

GUIDELINES: a government announcing, extending or defending its own sanctions
holds a sanctions/support position, and one rejecting sanctions aimed at itself
opposes them. The gold counts these positions whether or not a speech verb is
present ("the United States imposed more sanctions on X"), so the sender of a
sanctions word is found from three general shapes: a government subject of a
sanctioning verb, an agent phrase ("sanctions imposed by X"), and a state
named right before the sanctions word ("EU sanctions") unless the article names
that state as a target. Cues live in data/rules/positions_sender.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.taggers import attribution as attr
from analysis.taggers.attribution_types import Matcher
from analysis.taggers.stance import StanceRules, topics_in
from analysis.vocab import VocabError, read_csv_rows

KINDS = ("verb", "agent", "premod", "compound", "deal_support", "deal_oppose", "premod_block", "proxy",
         "target_pre", "verb_against", "adverb")
PASSIVE = ("was ", "were ", "been ", "be ", "being ", "is ", "are ", "not ", "to ", "n't ")
PROGRESSIVE = ("was ", "were ", "been ", "is ", "are ")   # before an -ing form: the subject acts
SANCTIONS_WORDS = ("sanction", "embargo", "penalt", "restriction", "measure", "export control")
AUXILIARIES = re.compile(r"[\s,]*(?:(?:has|have|had|been|was|were|is|are|remains?|already|now|still|also|long|"
                         r"itself|again)\s+)*")   # "X has been hit by", "X, under": nothing but auxiliaries between
INITIALS = re.compile(r"(?<![a-z])[a-z]\.")   # "u.n.", "u.s.": the stops of initials end no clause
ADJECTIVE_USE = re.compile(r"sanctioned (?!by\b)[a-z]")   # "separate lists of sanctioned entities"
# "a ship, which was sanctioned by the U.S. in 2016": an entity described by a past designation, not a stated position
RELATIVE = re.compile(r"\b(?:which|that|who)\s+(?:\w+\s+){0,3}$")
GERUND_PREPOSITIONS = ("for", "of", "about", "by", "from", "on", "against", "without", "over", "in")
TARGET_PREP = re.compile(r"\s*(?:on|against|targeting|upon)\s+(?:the\s+)?")


@dataclass(frozen=True)
class SenderRules:
    verbs: Matcher
    agent_words: frozenset[str]
    premod_words: frozenset[str]
    compound_heads: frozenset[str]
    premod_block: frozenset[str]  # "the risk of US sanctions": exposure, not a position
    proxy: tuple[str, ...]        # "Kremlin-backed": a proxy of the state, not the state
    target_pre: re.Pattern[str]   # "X (has been) hit by / under / facing ... sanctions": X is the target
    deal_verbs: Matcher           # entries: "support" / "oppose"
    weight: dict[str, float]
    against: tuple[str, ...] = ()  # "voted against": the word after a sender verb that turns it into opposition
    adverbs: frozenset[str] = frozenset()   # "would fully implement": words skipped between subject and verb
    adverb_suffixes: tuple[str, ...] = ()   # "-ly": any lower-case word with this ending is such an adverb


@dataclass(frozen=True)
class Roles:
    """Senders (code -> speakers acting for it, rule) and targets of the sanctions in a span."""

    senders: dict[str, tuple[list[attr.Speaker], str, int]]   # code -> (speakers, rule, offset of the mention)
    targets: set[str]
    parties: dict[str, tuple[list[attr.Speaker], str, int]]   # code -> (speakers, deal stance, offset)


def load(path: Path) -> tuple[SenderRules, list[dict[str, str]]]:
    rows = read_csv_rows(path, ["rule_id", "kind", "cues", "weight", "rationale", "example_positive",
                                "example_negative"])
    by_kind: dict[str, list[str]] = {k: [] for k in KINDS}
    weight: dict[str, float] = {}
    for row in rows:
        if row["kind"] not in KINDS:
            raise VocabError(f"{path}: rule {row['rule_id']}: unknown kind {row['kind']!r}")
        for column in ("rationale", "example_positive", "example_negative"):
            if not row[column]:
                raise VocabError(f"{path}: rule {row['rule_id']} has no {column}")
        try:
            weight[row["kind"]] = float(row["weight"])
        except ValueError as exc:
            raise VocabError(f"{path}: rule {row['rule_id']}: weight {row['weight']!r} is not a number") from exc
        by_kind[row["kind"]] += [c.strip().lower() for c in row["cues"].split("|") if c.strip()]
    rules = SenderRules(Matcher((c, c) for c in by_kind["verb"]), frozenset(by_kind["agent"]),
                        frozenset(by_kind["premod"]), frozenset(by_kind["compound"]), frozenset(by_kind["premod_block"]),
                        tuple(by_kind["proxy"]),
                        re.compile(r"\b(?:" + "|".join(map(re.escape, by_kind["target_pre"] or ["\x00"])) + r")\b"),
                        Matcher([(c, "support") for c in by_kind["deal_support"]]
                                + [(c, "oppose") for c in by_kind["deal_oppose"]]), weight,
                        tuple(f" {c} " for c in by_kind["verb_against"]),
                        frozenset(c for c in by_kind["adverb"] if not c.startswith("-")),
                        tuple(c[1:] for c in by_kind["adverb"] if c.startswith("-")))
    return rules, [{**r, "file": path.name} for r in rows]


def article_targets(ctx: attr.ArticleContext, rules: SenderRules, nouns: list[int],
                    ends: dict[int, int]) -> set[str]:
    """States the article names as a target anywhere ("sanctions on X", "X, under sanctions")."""
    found: set[str] = set()
    for n in nouns:
        found |= _targets_after(ctx, ends[n]) | _targets_before(ctx, rules, n)
    return found


def _targets_before(ctx: attr.ArticleContext, rules: SenderRules, noun: int) -> set[str]:
    """"North Korea has been hit by new sanctions", "Russia, under sanctions": the subject is the target."""
    lo = max(0, noun - 60)
    cue = None
    for cue in rules.target_pre.finditer(ctx.folded, lo, noun):
        pass
    if cue is None or ";" in ctx.folded[cue.end():noun] or attr.SENTENCE_BREAK.search(ctx.folded, cue.end(), noun):
        return set()
    places = ctx.gazetteer.find(ctx.text[max(0, cue.start() - 50):cue.start()])
    if not places:
        return set()
    gap = ctx.text[max(0, cue.start() - 50) + places[-1].end:cue.start()]
    return {places[-1].code} if AUXILIARIES.fullmatch(gap.lower()) else set()


def _targets_after(ctx: attr.ArticleContext, noun_end: int) -> set[str]:
    m = TARGET_PREP.match(ctx.folded, noun_end, noun_end + 30)
    if not m:
        return set()
    places = ctx.gazetteer.find(ctx.text[m.end():m.end() + 40])
    if not places or places[0].start > 1:
        return set()
    after = re.sub(r"^(?:['’]s)?\s+", "", ctx.folded[m.end() + places[0].end:m.end() + places[0].end + 16])
    if after.startswith(SANCTIONS_WORDS):
        return set()    # "a waiver on U.S. sanctions": the state owns the sanctions, it is not their target
    return {places[0].code}


def _speaker_for(code: str, rule: str, weight: float) -> attr.Speaker:
    return attr.Speaker(None, None, code, rule, weight)


def roles(ctx: attr.ArticleContext, rules: SenderRules, stance: StanceRules, start: int, end: int,
          targeted: set[str]) -> Roles:
    """Sanctions roles in ``text[start:end]`` (one sentence); ``targeted``: the article's targets."""
    cues = [(p, t) for p, t, w in topics_in(stance, ctx.folded, start, end) if w >= stance.weak_topic]
    nouns = [(p, 0.0) for p, t in cues if t == "sanctions"]
    senders: dict[str, tuple[list[attr.Speaker], str, int]] = {}
    targets: set[str] = set()
    deal_nouns = [p for p, t in cues if t == "deal"]
    parties = _deal_parties(ctx, rules, start, end, deal_nouns) if deal_nouns else {}
    if not nouns:
        return Roles(senders, targets, parties)
    places = [(start + p.start, start + p.end, p) for p in ctx.gazetteer.find(ctx.text[start:end])]
    for n, _ in nouns:
        word_end = n
        while word_end < end and (ctx.folded[word_end].isalnum() or ctx.folded[word_end] == "-"):
            word_end += 1
        targets |= _targets_after(ctx, word_end)
        # premodifier: "U.S. sanctions", "EU and U.S. sanctions", "Washington's new sanctions"
        bound = n
        head = ctx.folded[word_end:word_end + 20].split(None, 1)
        if head and head[0].strip(",.;:") in rules.compound_heads:
            bound = -1    # "Iran's sanctions relief", "a sanctions expert": the state is not the sender
        for p_start, p_end, place in reversed([x for x in places if x[1] <= bound]):
            gap = ctx.folded[p_end:bound].replace("-", " -").split()
            if len(gap) > 2 or any(g not in rules.premod_words for g in gap):
                break
            lead = ctx.folded[max(start, p_start - 40):p_start].split()[-3:]
            if any(w.strip(",") in rules.premod_block for w in lead):
                break
            if place.code not in targeted:
                senders.setdefault(place.code, ([_speaker_for(place.code, "premod", 0.6)], "positions.sender.premod",
                                                p_start))
            bound = p_start
        # agent: "sanctions imposed by X", "sanctions by X"
        tail = ctx.folded[word_end:min(end, word_end + 40)].split()
        described = RELATIVE.search(ctx.folded, max(start, n - 40), n) is not None
        for i, word in enumerate(tail[:3]):
            if word in rules.agent_words and not described:
                at = ctx.folded.find(" by ", word_end, end) + 4
                for p_start, _, place in places:
                    if at <= p_start <= at + 5:
                        senders.setdefault(place.code, ([_speaker_for(place.code, "agent", 0.7)],
                                                        "positions.sender.agent", p_start))
                break
    noun_at = [n for n, _ in nouns if not ADJECTIVE_USE.match(ctx.folded, n)]   # "sanctioned entities" is no object
    # a verb acts on sanctions only with a sanctions noun in it or after it: without one no verb can
    # give a sender, so the verbs are not looked for
    for h_start, h_end, _ in rules.verbs.find(ctx.folded, start, end) if noun_at else ():
        group = _skip_adverbs(ctx, rules, start, h_start)   # "to fully implement" is still an infinitive
        before = ctx.folded[max(start, group - 6):group]
        progressive = ctx.folded[h_end - 3:h_end] == "ing" and before.endswith(PROGRESSIVE)   # "is imposing"
        if (before.endswith(PASSIVE) and not progressive) or ctx.folded[h_start - 1] == "-":
            continue    # passive, infinitive, negated, or a compound ("Moscow-backed")
        if ctx.folded[h_end:h_end + 12].startswith(rules.against):
            continue    # "voted against new sanctions": the subject opposes them, it does not send them
        if ctx.folded[h_end - 3:h_end] == "ing" and ctx.folded[max(start, group - 8):group].rsplit(None, 1)[-1:] \
                in ([w] for w in GERUND_PREPOSITIONS):
            continue    # "no basis for imposing sanctions": a gerund after a preposition has no subject acting
        if ctx.folded.startswith(" that ", h_end):
            continue    # "has maintained that the sanctions are illegal": a claim, read as reported speech
        self_noun = any(h_start <= n < h_end for n in noun_at)
        after = [n for n in noun_at if h_end <= n <= h_end + 60
                 and not any(c in INITIALS.sub("", ctx.folded[h_end:n]) for c in ".,;")]
        if not (self_noun or after):
            continue
        if self_noun and ctx.folded[h_start:h_end] == "sanctions":
            continue    # the noun itself, not the verb
        speakers, p_start = _subject(ctx, rules, start, group)
        if speakers:
            for sp in speakers:
                senders.setdefault(sp.country, (speakers, "positions.sender.verb", p_start))
    return Roles(senders, targets, parties)


NEGATORS = (" not ", "n't ", " never ", " no ")
OFF_OBJECT = re.compile(r"\b(?:on|about|regarding|concerning|speech|statement|remarks)\b")  # "delivers a speech on jets"


def _subject(ctx: attr.ArticleContext, rules: SenderRules, start: int,
             verb_start: int) -> tuple[list[attr.Speaker], int]:
    """The state(s) acting as subject of a verb and where the phrase starts; none for a proxy."""
    p_start, p_end = attr.phrase_before(ctx, start, verb_start)
    if p_end <= p_start or any(p in ctx.folded[max(start, p_start - 40):p_end] for p in rules.proxy):
        return [], p_start
    return attr.describe(ctx, p_start, p_end) or [], p_start


def _skip_adverbs(ctx: attr.ArticleContext, rules: SenderRules, start: int, verb_start: int) -> int:
    """Where the verb group starts once manner and time adverbs before the verb are left out: in "Beijing
    would fully implement the sanctions" the subject is still Beijing. Only lower-case words are skipped
    ("Italy" ends in -ly but is a place), at most three of them."""
    at = verb_start
    for _ in range(3):
        head = ctx.text[start:at].rstrip()
        word = head.rsplit(None, 1)[-1] if head.strip() else ""
        if not word.islower() or not (word in rules.adverbs or
                                      (len(word) > 4 and word.endswith(rules.adverb_suffixes or ("\x00",)))):
            break
        at = start + len(head) - len(word)
    return at


def _deal_parties(ctx: attr.ArticleContext, rules: SenderRules, start: int, end: int,
                  nouns: list[int]) -> dict[str, tuple[list[attr.Speaker], str, int]]:
    """Governments that act on an arms transfer in the sentence: subject of a buying/selling verb
    (support) or of a halting verb (oppose) whose object is an arms or deal word; negated acts are skipped."""
    parties: dict[str, tuple[list[attr.Speaker], str, int]] = {}
    for h_start, h_end, deal_stance in rules.deal_verbs.find(ctx.folded, start, end):
        before = ctx.folded[max(start, h_start - 8):h_start]
        if before.endswith(PASSIVE[:6]) or before.endswith("to "):
            continue
        near = [n for n in nouns if h_end < n <= h_end + 70 and not ctx.folded.startswith("deliver", n)
                and not OFF_OBJECT.search(ctx.folded, h_end, n) and not any(c in ctx.folded[h_end:n] for c in ".;")]
        if not near:
            continue
        if any(neg in " " + ctx.folded[max(start, h_start - 14):h_start] for neg in NEGATORS):
            continue    # "has not ordered" says what did not happen, not what the state wants
        for sp in _subject(ctx, rules, start, h_start)[0]:
            parties.setdefault(sp.country, ([sp], deal_stance, h_start))
    return parties
