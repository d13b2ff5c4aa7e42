"""Which weapon systems a sentence is about: platforms, head nouns and what generic words stand for.

Split from ``procurement.py``.  A system can be named only as the platform another item goes onto
("equipping Su-30 with Astra"), a generic word can be the head noun of a system ("F-16 fighter jets"),
refer back to one ("the jets") or stand for the article's one system of its category ("16 Russian
transport helicopters" in an article about Mi-17s).  ``rules`` is the tagger's ``Rules``.
"""

from __future__ import annotations

from typing import Any

from analysis.catalogue import SystemMention
from analysis.taggers import procurement_parties

def platform(rules: Any, text: str, start: int, end: int) -> bool:
    """A system named as the platform others work on ("equipping Su-30 with Indian missiles") or as its
    fleet's owners ("offered to all Su-30 operators") is not itself bought: the deal is about something else."""
    if rules.platform_after is not None and rules.platform_after.match(text, end):
        return True
    return rules.platform_before is not None and rules.platform_before.search(text[max(0, start - 40):start]) is not None


def absorb_heads(systems: list[SystemMention],
                 generics: list[SystemMention]) -> tuple[list[SystemMention], list[SystemMention]]:
    """A generic word right after a system is its head noun ("F-16 fighter jets"): one mention, not two."""
    if not systems or not generics:
        return systems, generics
    by_end = {m.end: i for i, m in enumerate(systems)}
    out, rest = list(systems), []
    for g in generics:
        i = by_end.get(g.start - 1, by_end.get(g.start))
        if i is not None:
            m = out[i]
            out[i] = SystemMention(m.start, g.end, m.system, m.category, m.origin, m.manufacturer, m.surface)
        else:
            rest.append(g)
    return out, rest


def refers_back(rules: Any, text: str, start: int) -> bool:
    """A generic word refers to the system named before only after a determiner ("the jets")."""
    return rules.anaphor is not None and rules.anaphor.search(text[max(0, start - 30):start]) is not None


def namesake(rules: Any, vocab: Any, text: str, generic: SystemMention, found: list[SystemMention],
              codes: list[set[str]]) -> SystemMention | None:
    """The one catalogued system of the article that a generic word stands for, before or after it is named:
    "16 Russian transport helicopters" in an article about Mi-17s, "two frigates from China" where the Type
    054A/P is named later.  It must be the article's only system of that category whose origin is a state
    the sentence names; otherwise the generic word stays generic."""
    if generic.category == "other":
        return None
    same = [m for m in found if m.category == generic.category and m.origin]
    if not same:
        return None
    if not codes:  # states named in the sentence that are not marked as the buyer ("to Pakistan", "Indian Army")
        states = [p for p in procurement_parties.with_forces(rules, text, vocab.gazetteer.find(text)) if len(p.code) == 3]
        named = {p.code for p in states}
        if named & {m.origin for m in found}:  # role cues only when an origin is named at all
            found_roles = procurement_parties.roles(rules, text, states)
            named -= {p.code for j, p in enumerate(states) if found_roles[j].get("buyer", 0.0) >= 0.6}
        codes.append(named)
    fits = {m.system: m for m in same if m.origin in codes[0]}
    return next(iter(fits.values())) if len(fits) == 1 else None
