"""Who sanctions whom: the sender and targets a sentence names around one sanctions trigger.

Countries come from the gazetteer, people and bodies from ``actor`` rules, and named
organisations (targets only) from the organisation list. The rules here are about sentence
shape: an agent ("by the EU"), a premodifier ("US sanctions"), a target preposition right
before the country, a passive subject ("Turkey was sanctioned"), or the subject that
sanctions; a country in a list, after a preposition of cause or place, or in another clause
is not taken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from analysis.taggers.sanctions_rules import KindMatcher, Rule, SanctionsRules

# Senders that usually stand before "sanctions" as the sender ("US sanctions") rather than the target.
SENDER_FIRST = frozenset({"USA", "EU", "UN", "GBR", "CAN", "AUS", "JPN", "CHE"})
_GLUE = re.compile(r"^(?:\s|-led|-imposed|'s|’s|\bthe\b|\bnew\b|\beconomic\b|\bfinancial\b|"
                   r"\badditional\b|\btough\b|\bfresh\b|\bsecondary\b|\bnuclear\b|\bunilateral\b|\bexisting\b|"
                   r"\bcurrent\b|\bcrippling\b|\bmilitary\b|\boil\b|\bsectoral\b|\btargeted\b)*$", re.I)
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being|get|got|faces?|facing|faced|under|hit by|risks?|remains?)\b"
                      r"[^,;]{0,30}$", re.I)
_AGENT_VERB = re.compile(r"^[^,;]*\b(?:impos\w*|slap\w*|announc\w*|put|puts|placed|add\w*|threat\w*|retaliat\w*|"
                         r"hit|sanction\w*|lift\w*|eas\w*|extend\w*|ban\w*|blacklist\w*|suspend\w*|halt\w*|"
                         r"freez\w*|froze|barr\w*)\b", re.I)
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]\u2014\u2013\"“”]| - ")
# the near fallback may cross an appositive comma ("Huawei, a Chinese firm, under export controls") but not a new clause
_NEAR_BREAK = re.compile(r"[;:()\[\]\u2014\u2013\"“”]| - |,\s*(?:and|but|while|which|who|where|said|says|\w+ing)\b")
_MODIFIER_SUFFIX = re.compile(r"-(?:related|led|backed|brokered|sponsored|based|owned|flagged)\b")
_LIST_SEP = re.compile(r"(?:\s*(?:,|and|or|&)\s*(?:the\s+)?)+")
# a country right after one of these is a prepositional object, not the subject that sanctions
_OBJECT = re.compile(r"\b(?:against|with|to|for|from|of|at|in|on|than|over|between|including|like|towards?|into|"
                     r"about|among|beyond)\s+(?:the\s+)?$")
# "Venezuela, already under US sanctions, ...": a passive subject set off by a comma
_APPOSITIVE_PASSIVE = re.compile(r",\s*(?:(?:which|who)\s+)?(?:(?:has|have|had|is|are|was|were|been|already|still|now|long)\s+)*"
                                 r"(?:under|facing|hit (?:by|with)|slapped with|subject to|targeted (?:by|with))\b[^,;]{0,40}$")
# "China put ...", "the EU has imposed ...": the actor is the subject of a sanctioning verb
_SUBJECT_VERB = re.compile(r"\s+(?:(?:has|have|had|also|then|later|will|would|could|is|was|on \w+|just|unanimously|voted|"
                           r"agreed|moved|decided|to|\d+-\d+)\s+){0,5}"
                           r"(?:impos\w*|slap\w*|put|puts|placed|add(?:s|ed)|threaten\w*|retaliat\w*|sanction\w*|"
                           r"blacklist\w*|announc\w*)\b")
# "..., the US said": the sender named after the clause as its speaker
_SPEAKER_BEFORE = re.compile(r",\s*(?:the\s+)?$")
_SPEAKER_AFTER = re.compile(r"\s+(?:said|says|announced|confirmed|stated|added)\b")
# "threatened to sanction US defence companies": the object right after a sanctioning verb is its target
_VERB_TRIGGER = frozenset({"sanction", "sanctioned", "sanctioning", "blacklist", "blacklisted", "blacklisting",
                           "ban", "bans", "banned", "banning", "barred"})
_OBJECT_GAP = re.compile(r"\s+(?:(?:the|a|an|its|their|most|all|two|three|four|five|six|seven|eight|nine|ten|\d+|several|more|"
                         r"some|\w+ish|\w+ese|\w+ian)\s+)?$")
# "MOSCOW (Reuters) -": a dateline names where the story was filed, not a subject
_DATELINE = re.compile(r"\s*(?:\(|\u2014|\u2013|-\s)")
_RETALIATION = re.compile(r"\b(?:in retaliation (?:for|against)|in response to|retaliat\w* (?:for|against))\b[^.;]{0,30}$")
_NEAR_KINDS = frozenset({"name", "demonym", "actor", "organisation"})
# "sanctions because of their actions against Ukraine": the country after a cause phrase is not the target
_CAUSE = re.compile(r"\b(?:because of|due to|in response to|in retaliation for|(?:for|over) (?:its|their|his|her)|"
                    r"associated with|linked to|involved in|responsible for)\b")
_RELATIVE = re.compile(r"\b(?:on|for|against|to) (?:which|whom|whose)\b")
# "Russia and China are unable to enforce embargoes": the state that enforces or implements is not the target
_IMPLEMENTER = re.compile(r"[^,;:]{0,40}?\b(?:enforc\w*|implement\w*|compl(?:y|ied|ies) with|abid\w* by)\b")
# "sanctions that the Philippines has put into effect": a state named after the trigger that applies them
_IMPLEMENTS_AFTER = re.compile(r"\s+(?:(?:has|have|had|also|now|already|fully|strictly)\s+)*(?:put (?:them |it )?into effect|"
                               r"enforc\w*|implement\w*|appl(?:ied|ies|y))\b")
# "Russian S-400", "purchases of Russian weapons": a demonym on the goods names the supplier, not the target
_SUPPLIER = re.compile(r"(?:-made|-built|\s+(?:made|built|arms|weapons?|military|defen[cs]e|purchases?|deals?|equipment|hardware|"
                       r"jets?|fighters?|aircraft|systems?|missiles?|air[- ]defen[cs]e|[a-z]{1,4}-\d+\w*|suppliers?|"
                       r"platforms?|submarines?|helicopters?|tanks?|rifles?)\b)", re.I)
# "banned imports from the United States": the country the goods come from is the target, not the agent
_GOODS_FROM = re.compile(r"\b(?:imports|exports|goods|products) from (?:the )?$")
_PROPOSER = re.compile(r"\s+(?:(?:would|will|plans? to|intends? to|wants? to|has|have|had|is|was|also|now)\s+)*"
                       r"(?:propos\w*|draft\w*|circulat\w*|seek\w*|sought|push\w* for|call\w* for)\s+(?:(?:new|fresh|further|"
                       r"tougher|more|additional)\s+)?$")
# "waivers to keep importing Iranian oil": the country bought from is the seller, not the target
# (the noun "imports of Russian crude" under a ban keeps its target)
_BUYING = re.compile(r"\b(?:import(?:ing|ed)?|buy(?:ing|s)?|bought|purchas(?:e|es|ed|ing))\s+(?:(?:of|from|the|more)\s+)?$")
_HALT_VERB = re.compile(r"(?:suspend|halt|freez|froze|stop|ban|barred)")
_BY = re.compile(r"^[^,;]{0,25}?\b(?:by|from) (?:the )?$", re.I)


@dataclass(frozen=True)
class Actor:
    start: int
    end: int
    code: str
    weight: float = 0.7
    kind: str = "actor"


def find_actors(text: str, low: str, rules: SanctionsRules, gazetteer: Any) -> list[Actor]:
    """Countries, people and bodies acting for them, and organisations, sorted and non-overlapping."""
    found = [Actor(m.start, m.end, m.code, 0.7, m.kind) for m in gazetteer.find(text)]
    extra = [Actor(m.start(), m.end(), rule.value, rule.weight) for rule, m in rules.matcher("actor").finditer(text, low)]
    if rules.organisations is not None:
        extra += [Actor(s, e, code, 0.6, "organisation") for s, e, code in rules.organisations.find(text)]
    extra = [x for x in extra if not any(a.start < x.end and x.start < a.end for a in found)]
    return sorted(found + extra, key=lambda a: a.start) if extra else found


Cue = tuple[Rule, re.Match]


def nearest(found: list[Cue], lo: int, hi: int, t0: int, t1: int, value: str | None = None) -> Cue | None:
    """The cue closest to the trigger [t0, t1) inside [lo, hi), not overlapping it (optionally of one value).

    ``found`` holds the cues of one kind over the whole sentence (one regex pass per kind).
    """
    best, best_d = None, 10**9
    for rule, m in found:
        if m.start() < lo or m.end() > hi or (m.start() < t1 and t0 < m.end()) \
                or (value is not None and rule.value != value):
            continue
        d = t0 - m.end() if m.end() <= t0 else m.start() - t1
        if d < best_d:
            best, best_d = (rule, m), d
    return best


def _list_around(low: str, actors: list[Actor], actor: Actor) -> list[Actor]:
    """The run of actors joined by list separators ("A, B and C") that holds ``actor``."""
    lo = hi = actors.index(actor)
    while lo > 0 and _LIST_SEP.fullmatch(low, actors[lo - 1].end, actors[lo].start):
        lo -= 1
    while hi + 1 < len(actors) and _LIST_SEP.fullmatch(low, actors[hi].end, actors[hi + 1].start):
        hi += 1
    return actors[lo:hi + 1]


def _listed(low: str, actors: list[Actor], actor: Actor) -> bool:
    """True when ``actor`` is one of three or more countries in a list ("India, Japan and China"):
    such lists name those affected or involved, not the one who sanctions."""
    return len(_list_around(low, actors, actor)) >= 3


def supplier(text: str, actor: Actor) -> bool:
    """True when a demonym modifies the goods bought ("Russian S-400", "Russian weapons"): that is the seller."""
    return actor.kind == "demonym" and _SUPPLIER.match(text, actor.end) is not None


def _senders_list(low: str, actors: list[Actor], actor: Actor) -> bool:
    """True when every member of the list holding ``actor`` is a usual sender ("the US, the EU and the UN"):
    such a list names those who act together, unlike a list of countries affected."""
    return all(a.code in SENDER_FIRST for a in _list_around(low, actors, actor))


def _hyphenated(low: str, actor: Actor) -> bool:
    """A country glued by a hyphen into a compound ("Russia-Ukraine war", "mainland-China-owned") names no target."""
    return (actor.start > 0 and low[actor.start - 1] == "-") or (actor.end < len(low) and low[actor.end] == "-")


def _coordinated(low: str, first: Actor, second: Actor) -> bool:
    """True when two actors are joined by "and"/"or"/a comma ("Britain and France led efforts"): co-subjects."""
    a, b = (first, second) if first.start < second.start else (second, first)
    return a.end <= b.start and _LIST_SEP.fullmatch(low, a.end, b.start) is not None


def _tail_start(gap: str) -> int:
    """Where the last three words of ``gap`` (each followed by white space) begin; ``len(gap)`` when
    ``gap`` does not end in white space. The same as searching ``(?:\\S+\\s+){0,3}$``, without trying
    every start position."""
    start = end = len(gap)
    for _ in range(3):
        i = end
        while i > 0 and gap[i - 1].isspace():
            i -= 1
        if i == end:
            break  # no white space after this word: it cannot end a word of the tail
        j = i
        while j > 0 and not gap[j - 1].isspace():
            j -= 1
        if j == i:
            break  # only white space left
        start = end = j
    return start


def _prep_target(text: str, low: str, t1: int, actor: Actor, preps: KindMatcher) -> bool:
    """True when ``actor`` is introduced by a target preposition of this trigger: the
    preposition is among the last three words before it, the whole gap stays in one clause
    and is short ("sanctions imposed last week on Iran", not "sanctions, the EU members
    acquiesced to Britain")."""
    gap = low[t1:actor.start]
    if len(gap) > 60 or _CLAUSE_BREAK.search(gap):
        return False
    if _CAUSE.search(gap) or _RELATIVE.search(gap) or _BUYING.search(low, max(0, actor.start - 30), actor.start):
        return False
    return preps.search(text, low, t1 + _tail_start(gap), actor.start) is not None


def resolve(text: str, low: str, t0: int, t1: int, actors: list[Actor], rules: SanctionsRules,
            regime_sender: str | None) -> tuple[list[str], list[str], str, str]:
    """Sender and targets named in the sentence around one trigger.

    Senders are mostly the US, the EU and the UN; another state is taken as sender only
    as the agent ("by China") or as the subject right before a sanctioning verb
    ("China put U.S. firms on its entity list"), so "North Korea blasted the U.S. for
    imposing sanctions" keeps North Korea as the target.
    """
    sender: str | None = None
    targets: list[str] = []
    s_how = t_how = ""
    sender_actor: Actor | None = None
    before = [a for a in actors if a.end <= t0]
    after = [a for a in actors if a.start >= t1]
    preps = rules.matcher("target_prep")
    for a in after:
        if a.start - t1 > 40:
            break
        if a.kind != "organisation" and _BY.search(text[t1:a.start]) and not _GOODS_FROM.search(low, t1, a.start):
            sender, s_how, sender_actor = a.code, "agent", a
            break
    co_senders = []
    if s_how == "agent" and sender in SENDER_FIRST:
        # "imposed by the U.S. and European Union": every usual sender of the agent list
        i = after.index(sender_actor)
        while i + 1 < len(after) and after[i + 1].code in SENDER_FIRST \
                and _LIST_SEP.fullmatch(low, after[i].end, after[i + 1].start):
            co_senders.append(after[i + 1].code)
            i += 1
    premod = before[-1] if before and _GLUE.match(text[before[-1].end:t0]) else None
    if premod is not None and premod.code in SENDER_FIRST:
        i = before.index(premod)
        while i > 0 and re.fullmatch(r"\s*(?:,|and|&)\s*", text[before[i - 1].end:before[i].start]) \
                and before[i - 1].code in SENDER_FIRST:
            co_senders.append(before[i - 1].code)
            i -= 1
    if premod is not None and text[premod.end:premod.end + 8].lower().startswith("-related"):
        premod = None
    if premod is not None and premod.code not in SENDER_FIRST and (low[t0:t1] in _VERB_TRIGGER or _HALT_VERB.match(low, t0)):
        premod = None  # "Moscow barred ...", "China blacklisted ...": the country before the verb is its subject
    after_prep = [a for a in after if a.start - t1 <= 60 and a.code != sender and _prep_target(text, low, t1, a, preps)]
    if premod is not None:
        if sender is None and premod.kind != "organisation" and (premod.code in SENDER_FIRST or after_prep):
            sender, s_how, sender_actor = premod.code, "premod", premod
            proposer = [a for a in before if premod.code == "UN" and a.code in SENDER_FIRST and a.code != "UN"
                        and premod.start - a.end <= 40 and _PROPOSER.match(low, a.end, premod.start)]
            if proposer:
                # "the United States would propose new U.N. sanctions": the proposer threatens them
                sender, s_how, sender_actor = proposer[-1].code, "proposer", proposer[-1]
        elif premod.code != sender:
            targets.append(premod.code)
            t_how = "premod"
    if not after_prep and low[t0:t1] in _VERB_TRIGGER:
        obj = [a for a in after[:1] if a.code != sender and _OBJECT_GAP.fullmatch(low, t1, a.start)]
        if obj:
            after_prep = obj
    if after_prep:
        group = [after_prep[0]]
        for a in after[after.index(after_prep[0]) + 1:]:
            if a.code == "UN" or not _LIST_SEP.fullmatch(low, group[-1].end, a.start):
                break  # "on North Korea and the U.N. Security Council imposed ...": the UN starts a new clause
            group.append(a)
        targets += [a.code for a in group if a.code not in targets]
        t_how = t_how or "prep"
    rest = [a for a in before if a is not premod]
    if not targets and ("retaliat" in low or "in response" in low):
        subject = [a for a in rest if not _DATELINE.match(text, a.end)][:1]
        retaliating = [a for a in subject if a.code != sender and _RETALIATION.search(low, a.end, t0)]
        if retaliating:
            # "Russia banned Polish apples in retaliation for EU sanctions": the one retaliating is their target
            targets.append(retaliating[0].code)
            t_how = "retaliating"
    if not targets:
        not_target = rules.matcher("not_target")
        # "deals with Iran that risk sanctions": a country after a preposition is no passive subject, unless set off
        # as an appositive ("in Iran, which has been slapped with sanctions")
        passive = [a for a in rest if a.code not in SENDER_FIRST and t0 - a.end <= 60
                   and not _IMPLEMENTER.match(low, a.end, t0) and not supplier(text, a)
                   and ((not _CLAUSE_BREAK.search(low, a.end, t0) and _PASSIVE.search(text[a.end:t0])
                         and not not_target.search(text, low, max(0, a.start - 25), a.start))
                        or _APPOSITIVE_PASSIVE.match(low, a.end, t0))]
        if passive:
            targets.append(passive[-1].code)
            t_how = "passive"
    if sender is None:
        agents = [a for a in rest if a.code not in targets and a.kind != "organisation"
                  and not _OBJECT.search(low, max(0, a.start - 20), a.start)
                  and (not _listed(low, actors, a) or _senders_list(low, actors, a))]
        preferred = [a for a in agents if a.code in SENDER_FIRST]
        # "France suspended arms sales", "the Council voted to sanction": the trigger holds the verb
        verb_end = t1 if _HALT_VERB.match(low, t0) or low[t0:t1] in _VERB_TRIGGER else t0
        direct = [a for a in agents if t0 - a.end <= 45 and _AGENT_VERB.search(text[a.end:verb_end])]
        verb_subject = [a for a in agents if t0 - a.end <= 30 and _SUBJECT_VERB.match(low, a.end, verb_end)]
        if verb_subject and (not preferred or verb_subject[-1].start < preferred[0].start
                             or verb_subject[-1].code in SENDER_FIRST):
            # "China put US firms on its list": the subject of the sanctioning verb, not the usual sender after it;
            # the country right after the verb is its object, the target
            preferred = [verb_subject[-1]]
            verb = _SUBJECT_VERB.match(low, verb_subject[-1].end, t0)
            obj = [a for a in before if verb and a.start >= verb.end() and a.code != preferred[0].code
                   and _OBJECT_GAP.fullmatch(low, verb.end(), a.start)]
            if obj and not targets:
                targets.append(obj[0].code)
                t_how = "object"
        pick = (preferred or direct)
        if pick:
            sender, s_how, sender_actor = pick[0].code, "subject" if preferred else "direct", pick[0]
            # "Germany and France said they would suspend arms exports", "the US and the EU kept an embargo":
            # co-subjects are co-senders (only usual senders beside a usual sender)
            chain = [pick[0]]
            for a in agents:  # walk the coordination forward: "the US, the EU and the UN lifted ..."
                if a.start > chain[-1].start and a.end <= t0 and _coordinated(low, chain[-1], a) \
                        and (not preferred or a.code in SENDER_FIRST):
                    chain.append(a)
            co_senders += [a.code for a in chain[1:] if a.code not in targets]
            co_senders += [a.code for a in agents if a is not pick[0] and a.code not in targets and a.end <= t0
                           and a not in chain and (not preferred or a.code in SENDER_FIRST) and _coordinated(low, pick[0], a)]
    if sender is None:
        speaker = [a for a in after if a.code in SENDER_FIRST and _SPEAKER_AFTER.match(low, a.end)
                   and _SPEAKER_BEFORE.search(low, max(0, a.start - 8), a.start)]
        if speaker:
            sender, s_how, sender_actor = speaker[-1].code, "speaker", speaker[-1]
    if sender is None and regime_sender:
        sender, s_how = regime_sender, "regime"
    if not targets:
        not_target = rules.matcher("not_target")
        near = [a for a in actors if a.code != sender and a.code not in SENDER_FIRST
                and a.kind in _NEAR_KINDS and min(abs(a.start - t1), abs(t0 - a.end)) <= 60
                and not not_target.search(text, low, max(0, a.start - 25), a.start)
                and not _MODIFIER_SUFFIX.match(low, a.end) and not _hyphenated(low, a) and not _listed(low, actors, a)
                and not (sender_actor is not None and _coordinated(low, sender_actor, a))
                and not (a.end <= t0 and _IMPLEMENTER.match(low, a.end, t0)) and not supplier(text, a)
                and not (a.start >= t1 and _IMPLEMENTS_AFTER.match(low, a.end))
                and not _BUYING.search(low, max(0, a.start - 30), a.start)
                and not (a.start >= t1 and (_CAUSE.search(low, t1, a.start) or _RELATIVE.search(low, t1, a.start)))
                and not _NEAR_BREAK.search(low, min(a.end, t1), max(a.start, t0))]
        if near:
            targets.append(min(near, key=lambda a: abs(a.start - t0)).code)
            t_how = "near"
    senders = [c for c in [sender, *co_senders] if c]
    return list(dict.fromkeys(senders)), [t for t in targets if t not in senders], s_how, t_how
