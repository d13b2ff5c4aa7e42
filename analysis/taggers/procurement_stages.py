"""Which stage cues of a sentence count, and which stages a bound mention reports.

Split from ``procurement.py``: cues that others only urge ("urged Washington to cancel"), that are about
something else ("exploring alternatives"), that follow only a condition ("if it wins the tender"), that
name a halted flow ("halted deliveries") or that are part of a reference ("the first batch") are
dropped here; ``stages`` then reduces a mention's cues to one rule per stage.  ``rules`` is the
tagger's ``Rules``.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from analysis.catalogue import _lower
from analysis.taggers import procurement_bind

_TALKS = "procurement.negotiation.talks"
_SUPPORT_DEAL = ("procurement.contract.signed", "procurement.contract.deal")
_TALKS_WITH = re.compile(r"\s+with\s+(the\s+)?")


def raw_cues(rules: Any, text: str) -> list[procurement_bind.Cue]:
    """Every stage cue of a sentence before the filters below: none means the sentence reports no stage."""
    return rules.cues.find(text, _lower(text))


def sentence_cues(rules: Any, text: str, refs: list[tuple[int, int]],
                  found: list[procurement_bind.Cue] | None = None) -> list[procurement_bind.Cue]:
    """The stage cues of one sentence that report a stage; ``refs`` are spans of references to the deal.

    ``found`` is the sentence's ``raw_cues`` when the caller already has them."""
    cues = raw_cues(rules, text) if found is None else found
    if not cues:
        return cues
    if rules.unreal is not None:  # "urged Washington to cancel it" reports no cancellation
        cues = [c for c in cues if not rules.unreal.search(text, max(0, c.start - 60), c.start)]
    if rules.not_object is not None:  # "exploring alternatives": the cue is about something else
        cues = [c for c in cues if not rules.not_object.match(text, c.end)]
    if rules.conditional is not None and rules.conditional.search(text):
        # "delivered to Argentina if it wins the tender": only the offer has happened
        cues = [c for c in cues if c.rule.stage in ("negotiation", "cancellation")]
    if rules.halted is not None and any(c.rule.stage == "cancellation" for c in cues):
        # "stopped arms exports, including deliveries already approved": the halted flow is no delivery
        cues = _unhalted(rules, text, cues)
    return without_refs(cues, refs)


def without_refs(cues: list[procurement_bind.Cue], refs: list[tuple[int, int]]) -> list[procurement_bind.Cue]:
    """"The first batch" names the deal; it does not also report a delivery (the last filter of ``sentence_cues``,
    apart so a caller can run the others before it knows the sentence's references)."""
    if not refs:
        return cues
    return [c for c in cues if c.rule.stage != "delivery" or not any(c.start < b and a < c.end for a, b in refs)]


def _unhalted(rules: Any, text: str, cues: list[procurement_bind.Cue]) -> list[procurement_bind.Cue]:
    """Drop delivery nouns in the clause of a halt or cancellation: they name the flow being stopped.
    Another clause keeps its own ("removed from the programme after Ankara began taking delivery")."""
    bounds = procurement_bind.boundaries(rules.clause, text)
    stopped = {bisect.bisect_right(bounds, c.start) for c in cues if c.rule.stage == "cancellation"}
    return [c for c in cues if c.rule.stage != "delivery" or bisect.bisect_right(bounds, c.start) not in stopped
            or not rules.halted.fullmatch(text, c.start, c.end)]  # type: ignore[union-attr]


def stages(cues: list[procurement_bind.Cue]) -> list[Any]:
    """The bound cues of one mention, one rule per stage."""
    seen: dict[str, Any] = {}
    for cue in cues:
        seen.setdefault(cue.rule.stage, cue.rule)
    if "support" in seen and seen.get("contract") and seen["contract"].rule_id in _SUPPORT_DEAL:
        del seen["contract"]  # "agreements signed to provide support" is a support deal, not a purchase
    if "production" in seen and "negotiation" in seen and not {"contract", "delivery"} & set(seen):
        del seen["production"]  # production offered in talks is not yet agreed or under way (GUIDELINES)
    return list(seen.values())


def partner(text: str, states: list[tuple[int, Any]], cues: list[procurement_bind.Cue], rule: Any,
             supplier: str) -> str | None:
    """The state that talks are held with ("talks with Indonesia"): the buyer of that negotiation, even when
    the sentence's main buyer is another state ("the sale to the Philippines ... talks with Indonesia")."""
    if rule.stage != "negotiation":
        return None
    for cue in cues:
        if cue.rule.rule_id == _TALKS:
            after = _TALKS_WITH.match(text, cue.end)
            if after:
                for _, p in states:
                    if p.start == after.end() and p.code != supplier:
                        return p.code
    return None
