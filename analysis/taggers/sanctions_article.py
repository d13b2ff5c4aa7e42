"""The article as context for its sanctions sentences: missing senders and targets, regimes, listed recipients.

Split from ``sanctions``: a sentence's ``Item`` (``sanctions_items``) names only what that
sentence says; here earlier sentences and the headline fill the gaps, GUIDELINES fixes the
regime of each (sender, target) pair, and the article's records are emitted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analysis.taggers.sanctions_items import DEFAULT_CUE, Item
from analysis.taggers.sanctions_shapes import Shapes

# states whose own measures against sanctioning states are counter-sanctions (GUIDELINES: regime OTHER)
COUNTER_SENDERS = frozenset({"CHN", "RUS"})
CAATSA_SELLER = "RUS"  # GUIDELINES: CAATSA punishes purchases of Russian arms, so its threats fall on the buyers
WEAK_TRIGGER = "sanctions.trigger.penalty+"  # a word that means sanctions only in an article that reports them
EMBARGO_TRIGGER = "sanctions.trigger.embargo+"


def _regime(sender: str, cues: frozenset[str], caatsa: bool, target: str, action: str = "imposed") -> str:
    """GUIDELINES "regime": CAATSA where the law is named or described, EU/UN/UK by sender,
    EXPORT_CONTROL for entity lists and arms-sale halts, counter-sanctions of China or Russia OTHER;
    a US proposal of Security Council sanctions is a threat of UN sanctions."""
    if sender in COUNTER_SENDERS:
        return "OTHER"
    if sender == "USA" and action == "threat" and "UN" in cues and "CAATSA" not in cues:
        return "UN"
    if "CAATSA" in cues or (caatsa and sender == "USA" and target not in ("IRN", "PRK")):
        return "CAATSA" if sender == "USA" else "OTHER"
    if sender == "EU":
        return "EU"
    if sender == "UN":
        return "UN"
    if "EXPORT_CONTROL" in cues:
        return "EXPORT_CONTROL"
    if sender == "GBR":
        return "UK"
    return "OFAC" if sender == "USA" else "OTHER"



def _listed_countries(text: str, gazetteer: Any, sh: Shapes) -> list[str]:
    """Countries named in a list of two or more ("China, India, Japan and South Korea"); the EU and UN are no recipients."""
    named = [m for m in gazetteer.find(text) if m.kind == "name" and m.code not in ("EU", "UN")]
    out: list[str] = []
    in_list = False
    for a, b in zip(named, named[1:]):
        joined = bool(sh.list_join.fullmatch(text, a.end, b.start))
        if joined and (in_list or not sh.place_before.search(text, max(0, a.start - 12), a.start)):
            out += [a.code, b.code]  # "prices fell in Peru and Kenya" is a place, not a recipient list
        in_list = joined and (in_list or bool(out))
    return list(dict.fromkeys(out))


def _spell_out_recipients(items: list[Item], text: str, next_sentence: Any, gazetteer: Any, sh: Shapes) -> list[Item]:
    """A waiver for unnamed "eight countries" takes the countries the article then lists.

    The list is read after a colon in the waiver's own sentence, else in the sentence right
    after it ("The eight are India, Japan ..."); with no list of two or more countries the
    waiver keeps its generic recipients and gives no tuple (GUIDELINES: waiver target).
    """
    out = []
    for it in items:
        if it.action == "waiver" and it.generic_recipients and it.t_how in ("near", ""):
            colon = text.find(":", it.end, next_sentence(it.sentence, it.end)[0])
            listed = _listed_countries(text[colon:next_sentence(it.sentence, it.end)[0]], gazetteer, sh) if colon >= 0 else []
            if not listed:
                start, end = next_sentence(it.sentence, it.end)
                listed = _listed_countries(text[start:end], gazetteer, sh)
            if listed:
                it = replace(it, targets=[c for c in listed if c not in it.senders], t_how="list",
                             generic_recipients=False)
        out.append(it)
    return out


def _usual_sender(items: list[Item]) -> str | None:
    """The sender the article's own sentences name most often (first named wins a tie)."""
    counts: dict[str, int] = {}
    for it in items:
        if it.s_how in ("agent", "premod", "subject", "direct"):
            for code in it.senders:
                counts[code] = counts.get(code, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _article_records(article_id: str, items: list[Item], default_sender: str | None,
                     head_targets: list[str]) -> list[dict[str, Any]]:
    """Fill each item's missing sender or target from the article and emit one record per pair.

    A missing sender is the last sender an earlier sentence named explicitly, else the article's
    usual sender; a missing target is the last target named explicitly (not guessed from
    proximity), else the headline's country.
    """
    caatsa = any("CAATSA" in it.cues for it in items)
    if all(it.rule.startswith(WEAK_TRIGGER) for it in items):
        return []  # "penalties" alone do not make an article about sanctions
    head_target = head_targets[0] if head_targets else None
    last_sender, last_target = default_sender, head_target
    # CAATSA threatens the buyers of Russian arms: a borrowed target of a CAATSA threat is never the seller
    buyer = next((c for c in head_targets if c != CAATSA_SELLER), None)
    out = []
    for it in items:
        senders, targets, s_how, t_how, carried = it.senders, it.targets, it.s_how, it.t_how, 0
        if it.rule.startswith(WEAK_TRIGGER) and it.t_how not in ("prep", "premod", "passive", "object"):
            continue  # "penalties" stand for sanctions only with the country they fall on named
        if (not senders or not targets) and it.rule.endswith(DEFAULT_CUE):
            continue  # a bare mention of sanctions in force adds a tuple only where it names both countries
        if not senders and not targets and it.action == "threat":
            continue  # a threat that names no one ("sanctions must avoid harming civilians") is talk, not a threat
        if not senders and last_sender:
            senders, carried, s_how = [last_sender], carried + 1, "carried"
        caatsa_threat = it.action in ("threat", "waiver") and "CAATSA" in it.cues
        if caatsa_threat and t_how in ("near", "") and targets == [CAATSA_SELLER]:
            targets = []
        if not targets and last_target and last_target not in senders:
            borrowed = buyer if caatsa_threat and last_target == CAATSA_SELLER else last_target
            if borrowed:
                targets, carried, t_how = [borrowed], carried + 1, "carried"
        if it.action == "waiver" and t_how in ("carried", "near") and it.generic_recipients:
            continue  # GUIDELINES: a waiver for unnamed "eight countries" names no recipient, so no tuple
        if not senders or not targets:
            continue
        # only what a sentence names explicitly carries on: a borrowed or guessed field never spreads
        if s_how not in ("carried", "regime"):
            last_sender = senders[0]
        if t_how not in ("carried", "near", "list"):
            last_target = targets[0]
            if last_target != CAATSA_SELLER:
                buyer = last_target
        for sender, target in [(s, t) for s in senders for t in targets if s != t]:
            out.append({
                "article_id": article_id, "sentence": it.sentence, "char_start": it.start, "char_end": it.end,
                "sender": sender, "target": target, "target_entity": None, "action": it.action,
                "regime": _regime(sender, it.cues, caatsa, target, it.action), "trigger_system": None,
                "modality": it.modality, "confidence": round(max(0.05, min(1.0, it.weight - 0.15 * carried)), 3),
                "rule": f"{it.rule}@sender.{s_how}@target.{t_how}",
            })
    return _same_embargo(out)


def _same_embargo(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """"The embargo" in an article that names an arms embargo between the same countries is that embargo:
    it takes its EXPORT_CONTROL regime (GUIDELINES: arms embargoes of states are export controls)."""
    named = {(r["sender"], r["target"]) for r in records
             if r["regime"] == "EXPORT_CONTROL" and r["rule"].startswith(EMBARGO_TRIGGER)}
    for r in records:
        if (r["sender"], r["target"]) in named and r["rule"].startswith(EMBARGO_TRIGGER) and r["regime"] in ("OFAC", "OTHER"):
            r["regime"] = "EXPORT_CONTROL"
    return records
