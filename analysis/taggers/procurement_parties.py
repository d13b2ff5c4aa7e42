"""Who buys and who sells in one sentence: role cues around country mentions, makers, headlines.

Split from ``procurement.py`` so the tagger reads as sentence flow and this module as the party
rules (``buyer_*``, ``supplier_*``, ``not_party*`` rows of ``procurement_rules.csv``).  ``rules`` is
the tagger's ``Rules``; kept as ``Any`` here to avoid an import cycle.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from analysis.catalogue import SystemMention, _lower
from analysis.gazetteer import PlaceMention

_WINDOW = 40  # characters after a country mention that its role cues may use
_SPEAKER_PENALTY = 0.5  # "US officials warned ...": a speaker is the buyer only when no other country fits
_OVERRIDE = 2.0  # a not_party weight at or above this beats any buyer cue of the same mention
_WINDOW_BEFORE = 100  # before it after "from": a cue may reach back to a verb ("won the contract ... from")
_SUBJECT_REACH = 30  # characters between a country and the verb or system it is directly attached to
_PREMODIFIER = re.compile(r"(['’]s)?(-made|-built|-designed|-origin|-supplied)?\s+(\w+-[\w-]+\s+)?",
                         re.IGNORECASE)  # "Russian-made ", "Russia's long-range ": a country word glued to a system
_AND = re.compile(r"\s*(,\s*(and\s+|or\s+)?|and\s+|or\s+|as well as\s+|&\s*)(the\s+)?", re.IGNORECASE)
_MADE = re.compile(r"[- ](made|built|designed|manufactured|origin)\b", re.IGNORECASE)  # an origin, not a seller
_BETWEEN = re.compile(r"\b(between|with)\s+(the\s+)?$", re.IGNORECASE)
_LISTED = re.compile(r"\b(and|or|with|between)\s+(the\s+)?$", re.IGNORECASE)  # a co-listed party, not the seller




def companies(rules: Any, text: str) -> list[tuple[int, str, str, int]]:
    out = []
    for index, start, end in rules.company_matcher.find_matches_as_indexes(_lower(text)):
        if (start and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
            continue
        surface = text[start:end]
        if surface.isupper() != rules.company_surfaces[index].isupper() and len(surface) <= 4:
            continue  # short acronyms (HAL, BEL, IAI) only in capitals
        name, country = rules.companies[rules.company_surfaces[index].lower()]
        out.append((start, name, country, end))
    return out


def with_forces(rules: Any, text: str, places: list[Any]) -> list[Any]:
    """The gazetteer's places plus armed-service abbreviations ("the IAF", "RMAF"), kind ``forces``.

    The gazetteer does not know them; in procurement news they name the buyer's own forces.
    """
    if rules.forces is None:
        return places
    extra = [PlaceMention(m.start(), m.end(), rules.force_code[m.group(1)], "forces", m.group(1))
             for m in rules.forces.finditer(text)
             if not any(p.start < m.end() and m.start() < p.end for p in places)]
    return sorted(places + extra, key=lambda p: p.start) if extra else places


def roles(rules: Any, text: str, places: list[Any]) -> dict[int, dict[str, float]]:
    """Role scores of each country mention from the words right around it."""
    roles: dict[int, dict[str, float]] = {}
    for i, p in enumerate(places):
        before, after = text[max(0, p.start - _WINDOW):p.start], text[p.end:p.end + _WINDOW]
        if before.rstrip().lower().endswith(("from", "from the")):
            before = text[max(0, p.start - _WINDOW_BEFORE):p.start]
        score: dict[str, float] = {}
        live = {kind for kind, combined in rules.by_kind.items()
                if combined.search(before if kind.endswith("_before") or kind == "not_party" else after)}
        for rule in rules.rules:
            if rule.kind not in live:
                continue
            side = before if rule.kind.endswith("_before") or rule.kind == "not_party" else after
            if not rule.pattern.search(side):
                continue
            role = "not_party" if rule.kind.startswith("not_party") else rule.kind.split("_")[0]
            score[role] = max(score.get(role, 0.0), rule.weight)
            if rule.kind == "not_party_after":
                score["sender"] = 1.0  # urging, sanctioning, at war: the state itself acts outside the deal
        if getattr(p, "kind", "") == "forces" and not score.get("not_party"):
            score["buyer"] = max(score.get("buyer", 0.0), 1.0)  # a service's own name, like "Indian Navy"
        roles[i] = score
    return roles


def parties(rules: Any, text: str, states: list[tuple[int, Any]], roles: dict[int, dict[str, float]],
             mention: SystemMention, companies: list[tuple[int, str, str, int]], fallback: str | None,
             bounds: list[int], mentions: list[SystemMention]) -> tuple[str | None, str | None, float, int]:
    """(buyer, supplier, confidence, index of the buyer's mention in ``states`` or -1) for one system
    mention in one sentence.

    An explicit supplier ("from France") counts only in the mention's own clause, the nearest one
    winning: "the Gripen from Sweden, while the Rafale ..." does not make Sweden sell the Rafale.
    """
    glued = attached(text, states, mentions)
    here = bisect.bisect_right(bounds, mention.start)
    explicit = sorted((abs(p.start - mention.start), p.code) for (_, p), j in zip(states, range(len(states)))
                      if roles[j].get("supplier") and not roles[j].get("not_party")
                      and bisect.bisect_right(bounds, p.start) == here)
    buyer_marked = {p.code for (_, p), j in zip(states, range(len(states))) if roles[j].get("buyer", 0) >= 0.6}
    # "Washington has been putting pressure on Argentina ... Pentagon": a state that acts as the urging or
    # sanctioning side is neither party under another of its names in the same sentence.
    senders = {p.code for j, (_, p) in enumerate(states) if roles[j].get("sender")}
    for j in range(len(states) - 2, -1, -1):  # "Israel and the United States have opposed the sale": the whole subject
        if states[j + 1][1].code in senders and _AND.fullmatch(text, states[j][1].end, states[j + 1][1].start):
            senders.add(states[j][1].code)
    senders -= buyer_marked
    # "orders from Indian forces": a country the sentence marks as the buyer is not also the seller.
    named = bool(explicit)
    explicit = [e for e in explicit if e[1] not in buyer_marked]
    supplier = explicit[0][1] if explicit else None
    origin_only = bool(explicit) and all(_MADE.match(text, p.end) for _, p in states if p.code == supplier)
    sell = rules.sell.search(text) if rules.sell is not None and (not named or origin_only) else None
    if (supplier is None or origin_only) and sell and buyer_marked:
        near = [j for j, (_, p) in enumerate(states) if sell.start() - _SUBJECT_REACH <= p.end <= sell.start()
                and p.code not in buyer_marked and p.code not in senders]
        if near:
            j = near[-1]  # "Denmark and the Netherlands promised to give": the subject is the whole list
            while j and _AND.fullmatch(text, states[j - 1][1].end, states[j][1].start) \
                    and states[j - 1][1].code not in buyer_marked:
                j -= 1
            head = states[j][1]
            if not _LISTED.search(text, max(0, head.start - 8), head.start) and not _BETWEEN.search(text, max(0, head.start - 9), head.start):
                supplier = head.code
    if supplier is None:
        supplier = mention.origin or None
    if supplier is None:
        makers = {c for _, _, c, _ in companies if c}
        supplier = makers.pop() if len(makers) == 1 else None
    best, best_score, best_j = None, -1e9, -1
    for j, (_, p) in enumerate(states):
        role = roles[j]
        if p.code in senders:
            continue
        if p.code == supplier or (role.get("not_party") or role.get("supplier")) and not role.get("buyer"):
            continue
        if role.get("not_party", 0.0) >= _OVERRIDE:
            continue  # "pre-operated by the Danish Air Force": a former owner, whatever its service name says
        owner = glued.get(j)
        if owner is not None and owner is not mention:
            continue  # "Russian P-800" or "Indian Su-30" speaks of that other system, not of this one
        if p.start <= mention.start:
            distance = mention.start - p.start
        else:  # "F-15s to Qatar": a country right after the system is its buyer; further on it counts triple
            gap = p.start - mention.end
            distance = gap if gap <= _SUBJECT_REACH else 3 * gap
        score = role.get("buyer", 0.0) - distance / 400 - _SPEAKER_PENALTY * role.get("speaker", 0.0)
        if score > best_score:
            best, best_score, best_j = p.code, score, j
    confidence = 0.8
    if best is None and any(p.code == supplier and roles[j].get("buyer", 0.0) >= 1.0 and not roles[j].get("not_party")
                            for j, (_, p) in enumerate(states)):
        return None, supplier, 0.0, -1  # "inducted into the Indian Army": the maker's own forces, a domestic deal
    if best is None:
        best = fallback
        confidence = 0.55
    return best, supplier, confidence, best_j


def co_buyers(text: str, states: list[tuple[int, Any]], roles: dict[int, dict[str, float]], at: int,
              supplier: str | None) -> list[str]:
    """States coordinated with the buyer ("talks with Argentina and the Philippines", "sales to Saudi Arabia
    and the UAE"): they share its role, unless another role marks them or they are the seller."""
    if at < 0:
        return []
    buyer = states[at][1].code
    out: list[str] = []
    for step in (1, -1):
        j = at
        while 0 <= j + step < len(states):
            a, b = (states[j][1], states[j + step][1]) if step == 1 else (states[j + step][1], states[j][1])
            nxt = j + step
            if not _AND.fullmatch(text, a.end, b.start):
                break
            role = roles[nxt]
            code = states[nxt][1].code
            if role.get("not_party") or role.get("supplier") or code in (supplier, buyer):
                break
            if code not in out:
                out.append(code)
            j = nxt
    return out


def attached(text: str, states: list[tuple[int, Any]], mentions: list[SystemMention]) -> dict[int, SystemMention]:
    """Country mentions that premodify a system ("Russian-made S-400", "Indian Su-30MKI"), by state index."""
    out: dict[int, SystemMention] = {}
    starts = [m.start for m in mentions]
    for j, (_, p) in enumerate(states):
        k = bisect.bisect_left(starts, p.end)
        if k < len(mentions) and _PREMODIFIER.fullmatch(text, p.end, mentions[k].start):
            out[j] = mentions[k]
    return out


def title_buyer(rules: Any, vocab: Any, title: str) -> str | None:
    """The one country a headline marks as the buyer ("rifles ready for delivery to Indian Army"), if any.

    It seeds the article context, so an opening sentence that names no buyer can still be placed.
    """
    if not title:
        return None
    states = [p for p in vocab.gazetteer.find(title) if len(p.code) == 3]
    found = roles(rules, title, states)
    marked = {p.code for j, p in enumerate(states) if found[j].get("buyer", 0) >= 1.0}
    return marked.pop() if len(marked) == 1 else None
