"""Which weapon system a stage cue describes.

A long sentence often lists several systems and several stage words ("ordered
the Pinaka, and has plans to buy more weapons, including the Su-30 upgrade"):
attaching every stage to every system was the tagger's main source of false
tuples.  Here each stage cue is bound to the system it governs, the way a
reader does it:

* cues are found once per sentence with one combined pattern; cues that
  follow each other closely ("signed a deal to buy") form one group whose
  first cue decides the stage ("plans to buy" is a plan, "signed ... to buy"
  a contract), so a modal "to buy" after "signed" adds nothing;
* a group governs the systems that follow it in the same clause, up to the
  next group ("ordered X, Y and Z", "delivery of X");
* a group with no system after it describes the system right before it
  ("the S-400 deal", "the jets were delivered");
* clause boundaries (``clause`` rows of ``procurement_rules.csv``: "but",
  "which", ";", ", and") stop a cue from reaching into a neighbouring clause.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, Protocol, Sequence

_GROUP_GAP = 28  # characters of plain text that may separate two cues of one group
_FORWARD = 100  # a group reaches a following system at most this far away
_BACKWARD = 60  # and a preceding one at most this far
_NEXT_ITEM = 60  # a further system joins the list when it follows the previous one this closely ...
_NEW_PREDICATE = re.compile(r"\b(it|its|they|their|he|she|also|has|have|had|is|are|was|were|will|would|operates?|"
                            r"operated|uses?|used|flies|flew|fields?|fielded)\b", re.IGNORECASE)  # ... with no new verb
_COORDINATED = re.compile(r"[\s,]*(and|or|as well as)?\s*(the\s+)?", re.IGNORECASE)
# Cues that name what is bought rather than the step taken: kept beside the head of their group
# ("to procure spares" is support too); a dropped plan, offer or talks were a negotiation before they were
# a cancellation.
_ADDITIVE = frozenset({"support", "production", "training"})
_PRELIMINARY = frozenset({"procurement.negotiation.approach"})
# Purchase verbs whose object may be spares or maintenance rather than the system itself.
_BUYS = frozenset({"procurement.negotiation.could_buy", "procurement.negotiation.plan", "procurement.contract.bought",
                   "procurement.contract.signed", "procurement.contract.deal"})  # MoU, letter of intent or request
# A bare purchase noun (``deal_noun`` words of procurement_words.csv) is what talks or offers are about
# ("talks ... for the sale of"): it takes the stage of a negotiation cue shortly before it in its clause.
_NOUN_REACH = 70
_MODAL = "procurement.negotiation.could_buy"  # "to buy", "to export" (or "to deliver"): after a contract, its purpose
# "cancelled the contract to purchase": the contract (or order) being cancelled had been concluded.
_SIGNED_NOUN = re.compile(r"(contracts?|orders?)", re.IGNORECASE)
# "24 Su-30 jets, delivered from 2006, as well as ...": a cue between commas right after a system is a reduced
# relative clause about that system alone.
_APPOSITION_BEFORE = re.compile(r"\s*,\s*")
_APPOSITION_AFTER = re.compile(r"[^,;.]{0,40},")


_ASIDE = 30  # characters inside a bracket that only glosses a name (an abbreviation, a country, a year)
_SHORT_BRACKET = re.compile(r"\([^(),]{1,%d}\)" % _ASIDE)  # no comma: "(ten installed, two spares)" is a clause
_SHORT_BRACKET_END = re.compile(r"\([^(),]{1,%d}\)$" % _ASIDE)


class _Span(Protocol):
    start: int
    end: int


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    rule: Any  # procurement.Rule (kept loose to avoid an import cycle)


_BEFORE, _AFTER = 30, 40  # a cue pattern reaches at most this far before and after its anchor stem


@dataclass(frozen=True)
class CueFinder:
    """Stage rules run only around their anchor stems.

    Python's regex engine tries every alternative at every position, which made cue
    finding the tagger's main cost; the anchor automaton (one Rust pass over the
    lower-cased sentence) narrows each rule to a short window around a stem that
    starts a word, and most sentences have none.
    """

    rules: tuple[Any, ...]
    stems: tuple[str, ...]
    rules_of: tuple[tuple[int, ...], ...]  # stem index -> indices of the rules anchored on it
    anchors: Any  # ahocorasick_rs.AhoCorasick over the stems

    @classmethod
    def build(cls, rules: Sequence[Any], anchors: Sequence[Sequence[str]]) -> "CueFinder":
        import ahocorasick_rs

        owners: dict[str, list[int]] = {}
        for i, stems in enumerate(anchors):
            for stem in stems:
                owners.setdefault(stem, []).append(i)
        stems = tuple(owners)
        return cls(tuple(rules), stems, tuple(tuple(owners[s]) for s in stems), ahocorasick_rs.AhoCorasick(list(stems)))

    def find(self, text: str, lower: str) -> list[Cue]:
        """Every stage cue of a sentence: leftmost, longest, non-overlapping (as one alternation would give)."""
        found: dict[tuple[int, int], Cue] = {}
        n = len(text)
        for index, start, end in self.anchors.find_matches_as_indexes(lower, overlapping=True):
            if start and lower[start - 1].isalnum():
                continue  # a stem inside a word ("plan" in "airplane") cannot start a cue
            lo, hi = max(0, start - _BEFORE), min(n, end + _AFTER)
            for r in self.rules_of[index]:
                for m in self.rules[r].pattern.finditer(text, lo, hi):
                    if m.start() <= start < m.end() and m.end() > m.start():
                        found.setdefault((m.start(), -m.end()), Cue(m.start(), m.end(), self.rules[r]))
        out: list[Cue] = []
        for key in sorted(found):
            cue = found[key]
            if not out or cue.start >= out[-1].end:
                out.append(cue)
        return out


def boundaries(pattern: re.Pattern[str] | None, text: str) -> list[int]:
    """Offsets where a new clause starts.

    A short bracket ("(G2G)", "(MArG)", "(IAF)") glosses the words before it and starts no clause, so
    "placed orders for the Pinaka, the Mounted Artillery Gun (MArG) and ..." keeps its list together.
    """
    if pattern is None:
        return []
    if "(" not in text:
        return [m.start() for m in pattern.finditer(text)]
    out = []
    for m in pattern.finditer(text):
        at = m.start()
        if text.startswith("(", at) and _SHORT_BRACKET.match(text, at):
            continue
        if at and text[at - 1] == ")" and _SHORT_BRACKET_END.search(text, max(0, at - _ASIDE - 2), at):
            continue
        out.append(at)
    return out


def _joins(text: str, previous: _Span, mention: _Span) -> bool:
    """A system continues a list when it follows the previous one closely and no new predicate starts."""
    gap = text[previous.end:mention.start]
    return len(gap) <= _NEXT_ITEM and _NEW_PREDICATE.search(gap) is None


def bind(text: str, mentions: Sequence[_Span], cues: Sequence[Cue],
         bounds: Sequence[int], deal_noun: re.Pattern[str] | None = None) -> tuple[list[list[Cue]], list[Cue]]:
    """For each mention of ``text``, the cues that describe it; and the cues of groups that found no mention.

    A group contributes its head cue and its additive cues (support, production,
    training, offers).  The caller may give the unbound cues to a sentence's only system.
    ``deal_noun`` matches the purchase nouns that take a negotiation's stage (``Rules.deal_noun``).
    """
    out: list[list[Cue]] = [[] for _ in mentions]
    loose: list[Cue] = []
    if not cues or not mentions:
        return out, list(cues)
    starts = [m.start for m in mentions]

    def clause(pos: int) -> int:
        return bisect.bisect_right(bounds, pos)

    groups: list[list[Cue]] = []
    for cue in cues:
        if groups:
            last = groups[-1][-1]
            between = bisect.bisect_left(starts, last.end) < len(starts) and starts[bisect.bisect_left(starts, last.end)] < cue.start
            if cue.start - last.end <= _GROUP_GAP and clause(last.end) == clause(cue.start) and not between:
                groups[-1].append(cue)
                continue
        groups.append([cue])
    def apposition(group: list[Cue]) -> bool:
        j = bisect.bisect_left(starts, group[0].start) - 1
        return j >= 0 and _APPOSITION_BEFORE.fullmatch(text, mentions[j].end, group[0].start) is not None \
            and _APPOSITION_AFTER.match(text, group[-1].end) is not None

    aside = [apposition(g) for g in groups]
    for n, group in enumerate(groups):
        head, end = group[0], group[-1].end
        if len(group) > 1 and head.rule.stage == "contract" and group[1].rule.rule_id in _PRELIMINARY:
            head = group[1]  # "signed a memorandum of understanding" is a step before the contract
        if n and (head.rule.rule_id == _MODAL and text[head.start:head.start + 3].lower() == "to "
                  or head.rule.stage == "delivery" and text[max(0, head.start - 3):head.start].lower() == "to "):
            before = groups[n - 1][0]  # "will sign a contract with the Polish agency to export Chunmoo": its purpose
            if before.rule.stage == "contract" and head.start - groups[n - 1][-1].end <= _NOUN_REACH \
                    and clause(before.start) == clause(head.start):
                head = Cue(head.start, head.end, before.rule)
        if n and head.rule.stage == "contract" and deal_noun is not None and deal_noun.fullmatch(text, head.start, head.end):
            before = groups[n - 1][0]
            if before.rule.stage == "negotiation" and head.start - groups[n - 1][-1].end <= _NOUN_REACH \
                    and clause(before.start) == clause(head.start):
                head = Cue(head.start, head.end, before.rule)
        signed = head.rule.stage == "cancellation" and any(_SIGNED_NOUN.fullmatch(text, c.start, c.end) for c in group)
        stages = [head] + [c for c in group if c is not head and c is not group[0] and (
            c.rule.stage in _ADDITIVE or (head.rule.stage == "cancellation" and c.rule.stage == "negotiation" and not signed)
            or (signed and _SIGNED_NOUN.fullmatch(text, c.start, c.end) is not None))]
        if head.rule.rule_id in _BUYS and any(c.rule.stage in ("support", "production") for c in stages[1:]):
            # "to procure spares for its Su-30 fleet", "agreed to set up a joint venture that will produce":
            # what is bought or agreed is the support or the production, not the system itself
            stages = stages[1:]
        later = [g[0].start for g, a in zip(groups[n + 1:], aside[n + 1:]) if not a]
        limit = later[0] if later else float("inf")  # an aside ("jets, delivered in 2012, and ...") stops no list
        here = clause(head.start)
        i = bisect.bisect_left(starts, end)
        targets = []
        if aside[n]:
            i = len(mentions)  # bound backward below, to that system only
        while i < len(mentions) and mentions[i].start < limit and clause(mentions[i].start) == here:
            if not targets and mentions[i].start - end > _FORWARD:
                break
            if targets and not _joins(text, mentions[targets[-1]], mentions[i]):
                break
            targets.append(i)
            i += 1
        if not targets:
            j = bisect.bisect_left(starts, head.start) - 1
            if j >= 0 and head.start - mentions[j].end <= _BACKWARD and clause(mentions[j].start) == here:
                targets = [j]
                while j > 0 and not _NEW_PREDICATE.search(text, mentions[targets[0]].end, head.start) and _COORDINATED.fullmatch(text, mentions[j - 1].end, mentions[j].start) and \
                        clause(mentions[j - 1].start) == here:
                    j -= 1
                    targets.append(j)
        for t in targets:
            out[t].extend(stages)
        if not targets:
            loose.extend(stages)
    return out, loose
