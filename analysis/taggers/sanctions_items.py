"""One sanctions sentence read by the rule table: its expressions with the action, modality and actors it names.

Split from ``sanctions`` so the per-sentence reading (the cue windows, the modality and relief
exceptions of GUIDELINES) sits apart from the article context that later fills its gaps
(``sanctions_article``); an ``Item`` is what passes between the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis.taggers.sanctions_resolve import Actor, Cue, find_actors, nearest, resolve
from analysis.taggers.sanctions_rules import SanctionsRules
from analysis.taggers.sanctions_shapes import Shapes

WINDOW_BEFORE, WINDOW_AFTER = 70, 45
IN_PLACE_CUE = "sanctions.in_force.applied"  # rule id recorded for "..., which has been in place"
DEFAULT_CUE = "sanctions.action.default_in_force"  # rule id recorded when no action cue is near: in force
GENERIC_TRIGGER = "sanctions.trigger.sanction"  # the bare word "sanctions": its regime comes from cues beside it
# an entity-list / export-control cue sets the regime of a bare "sanctions" only this close ("sanctions and export controls")
EXPORT_CUE_REACH = 40


@dataclass
class Item:
    """One sanctions expression read from a sentence, before article context fills its gaps."""

    sentence: int
    start: int
    end: int
    senders: list[str]
    targets: list[str]
    action: str
    modality: str
    weight: float
    rule: str
    cues: frozenset[str]
    s_how: str
    t_how: str
    generic_recipients: bool = False  # a waiver for unnamed "eight countries" (only ever set on waivers)


def _sentence_items(text: str, low: str, offset: int, sentence: int, rules: SanctionsRules, gazetteer: Any,
                    found_actors: list[list[Actor]]) -> list[Item]:
    """Every sanctions expression of one sentence with what the sentence itself says about it.

    Cue kinds are scanned once per sentence and only over the span the triggers' windows
    cover; the rarer kinds (relief demands and offers, in-force cues) only when an item needs
    them. The sentence's actors are appended to ``found_actors`` for the article default.
    ``low`` is the folded sentence (same length, so offsets agree).
    """
    sh: Shapes = rules.shapes  # type: ignore[assignment]
    triggers = rules.matcher("trigger").finditer(text, low)
    if not triggers or rules.matcher("negative").search(text, low):
        return []
    actors = find_actors(text, low, rules, gazetteer)
    found_actors.append(actors)
    cues: set[str] = set()
    regime_sender = None
    export_cues = []  # spans of entity-list / export-control cues
    for rule, rm in rules.matcher("regime").finditer(text, low):
        cues.add(rule.value)
        if rule.value == "EXPORT_CONTROL":
            export_cues.append((rm.start(), rm.end()))
        if not sh.object_before.search(low, max(0, rm.start() - 20), rm.start()):
            regime_sender = regime_sender or rule.sender or None  # "expand the ban to the entire EU" names no sender
    span = (max(0, triggers[0][1].start() - WINDOW_BEFORE), min(len(text), triggers[-1][1].end() + WINDOW_AFTER))
    acts = rules.matcher("action").finditer(text, low, *span)
    before_span = (span[0], triggers[-1][1].start())  # modality cues are only read before a trigger
    negs = rules.matcher("negation").finditer(text, low, *before_span)
    hyps = rules.matcher("hypothetical").finditer(text, low, *before_span)
    lazy: dict[str, list[Cue]] = {}

    def cues_of(kind: str) -> list[Cue]:
        if kind not in lazy:
            lazy[kind] = rules.matcher(kind).finditer(text, low, *span)
        return lazy[kind]

    question = text.rstrip(" \"'”’)").endswith("?")
    responding = any(w in low for w in sh.responding_words)
    out = []
    for trig, m in triggers:
        t0, t1 = m.start(), m.end()
        if trig.rule_id.endswith(".caatsa") and len(triggers) > 1:
            continue  # the law's name only sets the regime when another trigger carries the action
        if trig.value == "waiver" and any(w in low for w in sh.tariff_words) and not any(w in low for w in sh.sanction_words):
            continue  # GUIDELINES: trade-war tariffs are not sanctions, so an exemption from them is no waiver
        window = low[max(0, t0 - 40):t0]
        if any(w in window for w in sh.waived_words) and sh.waived_from.search(low, max(0, t0 - 40), t0):
            continue  # "a waiver from sanctions": the sanctions are what the waiver is about, not a second tuple
        lo, hi = max(0, t0 - WINDOW_BEFORE), min(len(text), t1 + WINDOW_AFTER)
        # a cue after the trigger counts only in the same clause and not as another infinitive
        # ("implement U.N. sanctions and to suspend ties": "suspend" is not about the sanctions)
        clause_end = sh.clause_end.search(low, t1, hi)
        cue = nearest([c for c in acts if c[1].start() < t1 or not sh.infinitive.search(low, max(0, c[1].start() - 4),
                                                                                          c[1].start())],
                      lo, clause_end.start() if clause_end else hi, t0, t1)
        if cue and cue[0].value == "imposed":
            # "urged ... to impose sanctions": a threat cue before the trigger outranks a nearer "impose"
            earlier = nearest(acts, max(0, t0 - 50), t0, t0, t1, "threat")
            cue = earlier or cue
        if cue and cue[0].value == "threat" and cue[1].end() <= t0 and nearest(cues_of("in_force"), cue[1].end(), t0, t0, t1):
            cue = None  # "urged Seoul to enforce the sanctions": the sanctions exist, they are in force
        if cue and cue[1].end() <= t0 and sh.response.search(low, cue[1].end(), t0):
            cue = None  # "considering action in response to the new sanctions": the cue is about the response
        action = trig.value or (cue[0].value if cue else "imposed")
        weight = trig.weight * (cue[0].weight if cue else 0.6)
        response = sh.response.search(low, lo, t0) if responding else None
        mod_lo = response.end() if response else lo  # modality before "in response to" is about the response
        neg = nearest(negs, mod_lo, t0, t0, t1)
        hyp = nearest(hyps, mod_lo, t0, t0, t1)
        # "sanctions on China would ratchet up tensions": sanctions imagined
        modal_after = sh.modal_after.match(low, t1) if not hyp and action in ("imposed", "lifted") \
            and any(w in low[t1:] for w in sh.modals_after) else None
        if modal_after and (
                cue is None or (cue[1].group(0).lower().endswith("ing") and t0 - cue[1].end() <= 15)
                or 0 <= cue[1].start() - t1 <= 1):  # "sanctions relief would only fund ...": relief imagined
            hyp = (trig, modal_after)
        conditional = hyp and (sh.condition_after.search(low, t1, min(len(low), t1 + 80))
                               or sh.condition_before.search(low, 0, t0))
        if hyp and hyp[1].group(0).lower() in sh.decided and not conditional \
                and sh.reported.search(low, max(0, hyp[1].start() - 40), hyp[1].start()):
            hyp = None  # "China said it would impose sanctions": a reported decision, not a possibility
        modality = "negated" if neg else "hypothetical" if hyp else "asserted"
        if neg and action == "imposed":
            # "has not ruled out sanctions" is a threat; "declined to impose sanctions" is nothing
            action = "threat" if hyp or (cue and cue[0].value == "threat") or sh.hold_off.match(neg[1].group(0)) else ""
        elif neg and action == "waiver" and not sh.undecided.search(low, neg[1].end(), t0):
            action = "threat"  # "no blanket waiver": a waiver denied is a threat; "has not decided on a waiver" is debated
        elif action == "lifted" and trig.rule_id.endswith(".caatsa"):
            # a law is not lifted: a lift cue beside its name is about the deal ("urged Jakarta to drop it, citing CAATSA")
            action = "threat" if nearest(acts, lo, t0, t0, t1, "threat") else ""
        elif action == "lifted" and not nearest(cues_of("relief_offer"), 0, len(text), t0, t1) and (
                neg or question or any(lo <= m.start() and m.end() <= hi for _, m in cues_of("relief_demand"))
                or (hyp and (hyp[1].group(0).lower() in sh.speculative or hyp[1] is modal_after))):
            # relief refused, only demanded, asked about or speculated on is not listed; relief the
            # sender offers on conditions ("could be lifted if ...") is
            action = ""
        elif hyp and action == "imposed" and not nearest(cues_of("in_force"), lo, hi, t0, t1) \
                and (hyp[1].group(0).lower() in sh.conditional or conditional or not (
                    sh.imposed_before.search(low, t0 - 25 if t0 > 25 else 0, t0) or sh.imposed_after.match(low, t1))):
            # "could impose sanctions", "if Congress imposed sanctions"; but "would fully implement the
            # sanctions" and "will still apply under sanctions imposed on Iran" are in force
            action = "threat"
        in_place = sh.in_place_after.match(low, t1) if action != "imposed" and trig.value != "waiver" else None
        if not action and not in_place:
            continue
        senders, targets, s_how, t_how = resolve(text, low, t0, t1, actors, rules, regime_sender)
        own_cues = frozenset(cues)
        if trig.rule_id == GENERIC_TRIGGER and export_cues and not any(
                t0 - EXPORT_CUE_REACH <= b and a <= t1 + EXPORT_CUE_REACH for a, b in export_cues):
            # "added to the entity list ... violated U.S. sanctions on Iran": the sanctions are another measure (OFAC)
            own_cues -= {"EXPORT_CONTROL"}
        spans = [t0, t1] + ([cue[1].start(), cue[1].end()] if cue else [])
        if action:
            out.append(Item(sentence, offset + min(spans), offset + max(spans), senders, targets, action, modality,
                            weight, f"{trig.rule_id}+{cue[0].rule_id if cue else DEFAULT_CUE}",
                            own_cues, s_how, t_how, action == "waiver" and bool(
                                sh.generic_recipients.match(low, t1) or sh.generic_before.search(low, max(0, t0 - 120), t0))))
        if in_place:
            out.append(Item(sentence, offset + t0, offset + in_place.end(), senders, targets, "imposed", "asserted", weight,
                            f"{trig.rule_id}+{IN_PLACE_CUE}", own_cues, s_how, t_how))
    return out
