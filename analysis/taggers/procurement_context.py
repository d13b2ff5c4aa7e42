"""The article context of the procurement tagger: its sentences, and the deal earlier sentences reported.

Split from ``procurement.py``: a sentence that names no system can still be about the article's current
deal ("the first six were handed over", "the package also includes ..."), and a system's owner named
in passing ("Turkey's Russian S-400") can place a later sentence that names no buyer.  ``rules`` is the
tagger's ``Rules`` (``Any`` here to avoid an import cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from analysis.catalogue import SystemMention
from analysis.taggers import procurement_bind, procurement_parties

PACKAGE = "procurement.contract.package"  # "the package also includes ...": items of the article's current deal


@dataclass(frozen=True)
class Sentences:
    """One article's sentences as plain lists (row access on a frame is too slow per sentence).

    ``text`` holds only the sentences the tagger reads (those naming a system, and the first two):
    fetching every sentence's text cost more than tagging.
    """

    sentence: list[int]
    char_start: list[int]
    char_end: list[int]
    text: dict[int, str]  # local sentence index -> text
    fetch: Callable[[int], str] | None = None  # the text of a sentence not fetched up front (a deal's next sentence)


@dataclass
class Context:
    """What earlier sentences of the same article said (anaphora and implicit buyer)."""

    by_category: dict[str, SystemMention]
    buyer_of: dict[str, str]
    last_buyer: str | None = None
    deal: tuple[str, str, SystemMention] | None = None  # (buyer, supplier, system) last reported explicitly
    deal_stages: frozenset[str] = frozenset()  # the stages that sentence gave it
    deal_k: int = -1  # the sentence that reported it
    headline: Callable[[], str | None] | None = None  # finds the headline's buyer, the first ``last_buyer``

    def fallback_buyer(self) -> str | None:
        """The last buyer named, else the headline's: the headline is read only when a sentence needs it
        (most articles that name a system report no deal)."""
        if self.headline is not None:
            self.last_buyer, self.headline = self.headline(), None
        return self.last_buyer

    def settle_buyer(self, code: str) -> None:
        """A sentence named the buyer: it replaces the headline's."""
        self.last_buyer, self.headline = code, None

    def remember(self, rules: Any, vocab: Any, text: str, s_start: int, named: list[SystemMention],
                 systems: list[SystemMention]) -> None:
        """What a sentence tells later ones: the last system named of each category ("the jets" refer to it)
        and owners named in passing (``seed_owner``)."""
        for m in named:
            self.by_category[m.category] = m
        for m in systems:
            seed_owner(rules, vocab, text, m.start - s_start, m, self)


_OWNER_WINDOW = 60  # characters before a system in which its owner may be named ("Turkey's Russian S-400")


def seed_owner(rules: Any, vocab: Any, text: str, start: int, m: SystemMention, ctx: Context) -> None:
    """Remember the owner a sentence gives a system even when it reports no stage ("Turkey's Russian S-400",
    "the Indian Air Force is setting up its first S-400 squadron"): a later sentence about the deal that
    names no buyer ("Washington removed it from the F-35 programme") falls back on it.

    Only a short window before the system is read (the gazetteer over every sentence would cost too much), and
    only when it holds an owner hint (``owner_hint`` words of procurement_words.csv, a possessive, a service
    abbreviation).
    """
    window = text[max(0, start - _OWNER_WINDOW):start]
    if (rules.owner_hint is None or not rules.owner_hint.search(window)) and (rules.forces is None or not rules.forces.search(window)):
        return
    states = [p for p in procurement_parties.with_forces(rules, window, vocab.gazetteer.find(window)) if len(p.code) == 3]
    if not states:
        return
    roles = procurement_parties.roles(rules, window, states)
    for j in range(len(states) - 1, -1, -1):
        code = states[j].code
        possessive = window.startswith(("'s", "’s"), states[j].end)
        if code != m.origin and (possessive or roles[j].get("buyer", 0.0) >= 1.0 and not roles[j].get("not_party")):
            ctx.buyer_of.setdefault(m.system, code)
            ctx.last_buyer = ctx.fallback_buyer() or code
            return


def reference(rules: Any, text: str, s_start: int, ctx: Context) -> list[SystemMention]:
    """A definite reference to the current deal in a sentence that names no system ("the first six were
    delivered", "the deal"): it stands for the deal's system, with the deal's supplier as its origin."""
    if rules.reference is None or ctx.deal is None:
        return []
    _, supplier, m = ctx.deal
    return [SystemMention(s_start + found.start(), s_start + found.end(), m.system, m.category, supplier,
                          m.manufacturer, found.group(0)) for found in rules.reference.finditer(text)]


def package(rules: Any, article_id: str, sents: Sentences, k: int, ctx: Context, cues: list[procurement_bind.Cue],
             systems: list[SystemMention]) -> list[dict[str, Any]]:
    """A package sentence ("also included are ...", "equipped with the following: ...").

    Every system listed after the cue belongs to the article's current deal: same buyer, its own origin
    as supplier (else the deal's), and the deal's stage (delivery when the deal was being delivered,
    else contract); spares, support and training listed there are stages of the deal's main system.
    Engines are parts of the deal's platform, and emulators or inert rounds (``modifier`` words) are
    not the system itself.
    """
    buyer, supplier, main = ctx.deal  # type: ignore[misc]
    stage = "delivery" if "delivery" in ctx.deal_stages and "contract" not in ctx.deal_stages else "contract"
    s_start = sents.char_start[k]
    at = s_start + min(c.end for c in cues if c.rule.rule_id == PACKAGE)
    out: list[tuple[str, str, SystemMention, str]] = []
    for m in systems:
        seller = m.origin or supplier
        if m.category == "engine" or (rules.modifier is not None and rules.modifier.match(sents.text[k], m.end - s_start)):
            continue
        if m.start >= at and m.system != main.system and seller != buyer:
            out.append((buyer, seller, m, stage))
    for stage_of_main in sorted({c.rule.stage for c in cues} & {"support", "training"}):
        out.append((buyer, supplier, main, stage_of_main))
    return [{"_k": k, "article_id": article_id, "sentence": sents.sentence[k], "char_start": s_start,
             "char_end": sents.char_end[k], "confidence": 0.6, "rule": PACKAGE, "buyer": b, "supplier": s,
             "system": m.system, "category": m.category, "stage": st, "quantity": None, "value_usd": None,
             "companies": []} for b, s, m, st in out]


def lead_codes(vocab: Any, title: str, sents: Sentences) -> set[str]:
    """Countries of the title and the first two sentences: what the article is about (generic deals)."""
    text = " ".join([title, sents.text.get(0, ""), sents.text.get(1, "")])
    return {p.code for p in vocab.gazetteer.find(text)}
