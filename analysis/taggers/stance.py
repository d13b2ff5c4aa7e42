"""Topic and stance of one statement, from weighted cue lexicons with negation scope.

Stance is read per sentence of a statement: every topic cue present gets the
stance cues of its sentence, flipped (or silenced) by a negator a few words
before the cue. Cues that describe harm ("disrupt", "stop") give their subject
and object opposite readings, which is how "no sanctions will disrupt our
partnership" yields sanctions/oppose and partnership/support. Lexicons are the
CSV files under data/rules (stance_cues.csv, stance_scope.csv,
positions_topics.csv); nothing here names a word. Which words a negator, an
attitude verb or a clause break governs is worked out in stance_scope.py.

How a cue's ``applies`` is read:

* ``near``: the cue speaks to its topic anywhere in the sentence; a word listed for several
  topics ("suspend" for a deal and for ties) goes to the topic named nearest to it;
* ``act``: like ``near``, but the cue names an act (imposing, lifting, cancelling) that the
  speaker may be judging: after a condemning verb, or an attitude word of the statement (scope
  kind ``attitude``: "we oppose lifting ..."), the act's stance flips ("condemned the lifting of
  sanctions" favours the sanctions), and the judging word is not counted again;
  a relief act followed by a condition ("eased in return for concessions") is an offer on terms;
* ``agent`` / ``object``: the cue speaks to the topic named before / after it in its clause
  (``*`` = whichever topic that is).
"""

from __future__ import annotations

import re

from analysis.taggers.stance_lexicon import (Folded, Hit, Lexicon, Reading, ScopeCue, StanceCue, StanceRules,
                                             TopicCue, fold, topics_in)
from analysis.taggers.stance_scope import Scope, in_reach

__all__ = ["Folded", "Hit", "Lexicon", "Reading", "ScopeCue", "StanceCue", "StanceRules", "TopicCue", "fold",
           "topics_in", "read_clause", "read_statement"]

NOMINAL_ENDINGS = ("ing", "ion", "al", "ief")   # gerunds and action nouns: an act named as a thing
OBJECT_REACH = 40    # characters after an act cue searched for its object topic
WEAK_REACH = 500     # characters around a clause searched for a strong word licensing a weak topic word
ATTITUDE_REACH = 8   # words after an attitude verb within which a topic or act cue is what the verb judges
SUB_CLAUSE = re.compile(r"(?<=[.!?;])[\"”’]?\s+(?=[\"“‘]?[A-Z])")
STANCES = ("support", "oppose", "neutral")


def _near_strong(rules: StanceRules, folded: str, start: int, end: int,
                 topics: list[tuple[int, str, float]]) -> list[tuple[int, str, float]]:
    """Weak topic words ("deal", "pressure") count only with a strong word of their topic close by
    (WEAK_REACH characters): an arms article's "deal" in a passage on a nuclear accord is no arms deal."""
    strong = {t for _, t, w in topics_in(rules, folded, max(0, start - WEAK_REACH), end + WEAK_REACH)
              if w >= rules.weak_topic}
    return [(p, t, w) for p, t, w in topics if w >= rules.weak_topic or t in strong]


def _nearest_topic(hit: Hit, entries: list[StanceCue], topics: list[tuple[int, str, float]], weak: float) -> str:
    """Of the topics a cue is listed for, the one named nearest to it (characters); a weak topic
    word ("deal", "pressure") only when no strong one is there. An act cue takes a topic right
    after it first (OBJECT_REACH characters): that is what the verb acts on."""
    wanted = {c.topic for c in entries}
    if any(c.applies == "act" for c in entries):   # a verb's object follows it ("suspend or downgrade ties")
        after = [(p, t) for p, t, w in topics if t in wanted and w >= weak and hit.end <= p < hit.end + OBJECT_REACH]
        if after:
            return min(after)[1]
    best = min(((w < weak, abs(p - hit.start), t) for p, t, w in topics if t in wanted),
               default=(False, 0, entries[0].topic))
    return best[2]


def read_clause(rules: StanceRules, folded: str, start: int, end: int, licensed: set[str],
                verb_stance: str = "", verb_weight: float = 0.0) -> list[Reading]:
    """Readings of one sentence of a statement (``folded[start:end]``)."""
    topics = [(p, t, w) for p, t, w in topics_in(rules, folded, start, end) if w >= rules.weak_topic or t in licensed]
    if any(w < rules.weak_topic for _, _, w in topics):
        topics = _near_strong(rules, folded, start, end, topics)
    if not topics:
        return []
    scope = Scope(rules, folded, start, end)
    scores: dict[tuple[str, str], tuple[float, str]] = {}
    at: dict[tuple[str, str], list[int]] = {}
    judged: set[str] = set()     # topics whose act cues took the verb's attitude

    def add(topic: str, stance: str, weight: float, rule: str, where: int) -> None:
        old = scores.get((topic, stance), (0.0, rule))
        scores[(topic, stance)] = (old[0] + weight, old[1] if old[0] >= weight else rule)
        at.setdefault((topic, stance), []).append(where)

    present = {t for _, t, _ in topics}
    hits = rules.cues.find(folded, start, end)
    governing = scope.governing([h.start for h in hits if any(c.applies == "act" for c in h.entries)], folded)
    consumed, flipped = _verdicts(hits, scope, folded)
    consumed |= _named_agents(hits, scope, topics, folded)
    for hit in hits:
        if hit.start in governing:
            continue   # "we oppose lifting": the attitude word is read through the act it governs
        negated = scope.negated(hit.start, folded) != (hit.start in flipped)
        fixed = [c for c in hit.entries if c.topic in present and c.applies in ("near", "act", "judge")
                 and not (c.applies == "act" and (hit.start, c.topic) in consumed)]
        if len({c.topic for c in fixed}) > 1:
            chosen = _nearest_topic(hit, fixed, topics, rules.weak_topic)
            fixed = [c for c in fixed if c.topic == chosen]
        for cue in fixed:
            stance = cue.negated if negated else cue.stance
            if cue.applies == "act":
                stance = _act_stance(cue, negated, verb_stance, scope, hit, folded, "sanctions" in present)
                if verb_stance:
                    judged.add(cue.topic)
            if stance != "none":
                add(cue.topic, stance, cue.weight, cue.rule_id, hit.start)
        for cue in hit.entries:
            if cue.applies not in ("agent", "object"):
                continue
            stance = cue.negated if negated else cue.stance
            if stance == "none":
                continue
            # the subject or object stays inside its clause ("... until the tests stop")
            lo, hi = scope.clause(hit)
            if cue.applies == "agent":
                before = [t for p, t, _ in topics if lo <= p < hit.start and cue.topic in ("*", t)]
                if before and (negated or cue.topic != "*" or _harms_own(scope, topics, hit, hi)):
                    add(before[-1], stance, cue.weight, cue.rule_id, hit.start)
            else:
                after = [t for p, t, _ in topics if hit.end <= p < hi and cue.topic in ("*", t)]
                if after:
                    add(after[0], stance, cue.weight, cue.rule_id, hit.start)
    if verb_stance and topics[0][1] not in judged and \
            folded.count(" ", start, topics[0][0]) <= ATTITUDE_REACH:   # "supports his team, and distrusts ..."
        add(topics[0][1], verb_stance, verb_weight, "verb", topics[0][0])
    return _decide(present, scores, at, scope)


def _verdicts(hits: list[Hit], scope: Scope, folded: str) -> tuple[set[tuple[int, str]], set[int]]:
    """Verdicts on a named act: "imposing new sanctions would be counterproductive", "the decision
    to lift them is a mistake". A ``judge`` cue after an act told as a noun (a gerund, "to" + verb,
    "relief"; not a finite "lifted") in its clause judges that act: the act gives no reading of its
    own, and a verdict on a relief act counts the other way. Returns (consumed acts, flipped verdicts).
    """
    consumed: set[tuple[int, str]] = set()
    flipped: set[int] = set()
    acts = [(h, c, _nominal(folded, h)) for h in hits for c in h.entries if c.applies == "act"]
    if not any(nominal for _, _, nominal in acts):
        return consumed, flipped
    for hit in hits:
        for cue in hit.entries:
            if cue.applies != "judge":
                continue
            lo, _ = scope.clause(hit)
            before = [(h, c, n) for h, c, n in acts if lo <= h.start < hit.start and c.topic == cue.topic]
            if any(n for _, _, n in before):   # "imposing new sanctions ... would be": the whole act phrase
                consumed.update((h.start, c.topic) for h, c, _ in before)
                if any(c.stance == "oppose" for _, c, n in before if n):
                    flipped.add(hit.start)
    return consumed, flipped


def _named_agents(hits: list[Hit], scope: Scope, topics: list[tuple[int, str, float]],
                  folded: str) -> set[tuple[int, str]]:
    """Act words that only name the agent of a harm verb: in "the new sanctions are hurting our farmers"
    "new sanctions" says which sanctions do the harm, not that the speaker wants them, so the act gives
    no reading of its own and the harm verb decides (same for "no new sanctions will disrupt our ties")."""
    named: set[tuple[int, str]] = set()
    for hit in hits:
        if not any(c.applies == "agent" for c in hit.entries):
            continue
        lo, hi = scope.clause(hit)
        if not (scope.negated(hit.start, folded) or _harms_own(scope, topics, hit, hi)):
            continue
        named.update((h.start, c.topic) for h in hits if lo <= h.start < hit.start
                     for c in h.entries if c.applies == "act")
    return named


def _nominal(folded: str, hit: Hit) -> bool:
    """An act named as a thing (imposing, to impose, relief, extension, removal), not told as done or
    asked for (imposed, lifts, "revoke the sanctions")."""
    end = hit.end
    while end < len(folded) and folded[end].isalpha():
        end += 1
    word = folded[hit.start:end]
    return folded[max(0, hit.start - 3):hit.start] == "to " or word.endswith(NOMINAL_ENDINGS)


def _act_stance(cue: StanceCue, negated: bool, verb_stance: str, scope: Scope, hit: Hit, folded: str,
                threat: bool) -> str:
    """Stance of an act cue: negation, then the speaker's attitude to the act, then conditions.

    "condemned the lifting" flips the act like a negator would (only for an act right after the
    verb: further on, the verb judges something else); relief on sanctions with a condition after
    it ("could be eased in return for ...") is offered on terms, which the guidelines count with
    the sanctions it bargains with, unless the relief is demanded ("asked for them to be lifted").
    A purchase going ahead inside a condition ("if it goes ahead") is a hypothesis, not a wish:
    with sanctions in the sentence it is the condition of a threat ("could face sanctions if it
    goes ahead" opposes the purchase), otherwise it says nothing.
    """
    lo, _ = scope.clause(hit)
    if cue.topic == "deal" and cue.stance == "support" and not negated and lo in scope.conditions:
        return "oppose" if threat else "none"
    judged = verb_stance == "oppose" and folded.count(" ", scope.start, hit.start) <= ATTITUDE_REACH
    flip = negated != judged
    stance = cue.negated if flip else cue.stance
    if not flip and cue.topic == "sanctions" and cue.stance == "oppose" and cue.negated == "support" \
            and any(hit.end <= c < scope.end for c in scope.conditions) \
            and not in_reach(hit.start, scope.demands, scope.breaks, folded):
        return "support"
    return stance


def _harms_own(scope: Scope, topics: list[tuple[int, str, float]], hit: Hit, hi: int) -> bool:
    """An un-negated harm verb rejects its agent only when what it harms is a topic or the speaker's own.

    "Sanctions will hurt our economy" rejects the sanctions; "sanctions that harm the regime's
    economy" describes what they are for.
    """
    return any(hit.end <= p < hi for p, _, _ in topics) or any(hit.end <= s < hi for s in scope.selves)


def _decide(present: set[str], scores: dict[tuple[str, str], tuple[float, str]],
            at: dict[tuple[str, str], list[int]], scope: Scope) -> list[Reading]:
    """The strongest stance per topic; ties are left out. A relationship praised in one clause and
    criticised in a contrasting one ("friends, but relations are strained") gives both (GUIDELINES)."""
    readings = []
    for topic in sorted(present):
        options = [(scores[(topic, s)][0], s, scores[(topic, s)][1]) for s in STANCES if (topic, s) in scores]
        if not options:
            continue
        options.sort(reverse=True)
        if topic == "partnership" and _contrasted(at.get((topic, "support"), []), at.get((topic, "oppose"), []),
                                                  scope.breaks):
            readings += [Reading(topic, s, score, rule) for score, s, rule in options if s != "neutral"]
            continue
        if len(options) > 1 and options[0][0] == options[1][0]:
            continue  # evenly split evidence: leave it out rather than guess
        readings.append(Reading(topic, options[0][1], options[0][0], options[0][2]))
    return readings


def _contrasted(support: list[int], oppose: list[int], breaks: list[int]) -> bool:
    """Support and oppose cues with a clause break between them (each side in its own clause)."""
    if not support or not oppose:
        return False
    for b in breaks:
        if (max(support) < b < min(oppose)) or (max(oppose) < b < min(support)):
            return True
    return False


def read_statement(rules: StanceRules, text: str, folded: str, start: int, end: int, licensed: set[str],
                   verb_stance: str = "", verb_weight: float = 0.0) -> list[Reading]:
    """Readings of a statement span, sentence by sentence, strongest reading per (topic, stance).

    ``text`` is the original (for sentence capitals), ``folded`` its :func:`fold`.
    """
    best: dict[tuple[str, str], Reading] = {}
    cursor = start
    bounds = [start + m.start() for m in SUB_CLAUSE.finditer(text[start:end])] + [end]
    first = True
    for bound in bounds:
        for reading in read_clause(rules, folded, cursor, bound, licensed,
                                   verb_stance if first else "", verb_weight):
            key = (reading.topic, reading.stance)
            if key not in best or best[key].score < reading.score:
                best[key] = reading
        cursor = bound
        first = False
    return list(best.values())
