"""The scope words of one sentence (negators, clause breaks, conditions, demands, attitudes) and their reach.

Kept apart from the stance reading (stance.py) so both stay small: this module says which words
of a sentence a negator, an attitude verb or a clause break governs; stance.py decides what the
cues they govern mean for the statement's topics.
"""

from __future__ import annotations

from analysis.taggers.stance_lexicon import Hit, StanceRules


def in_reach(cue_start: int, negators: list[tuple[int, int]], breaks: list[int], folded: str) -> bool:
    """Whether a scope word (start, window in words) before ``cue_start`` reaches it with no clause break between."""
    for neg_start, window in negators:
        if neg_start >= cue_start:
            break
        if any(neg_start < b < cue_start for b in breaks):
            continue
        if folded.count(" ", neg_start, cue_start) <= window:
            return True
    return False


class Scope:
    """The scope words of one sentence: negators, clause breaks, conditions, demands, self words."""

    def __init__(self, rules: StanceRules, folded: str, start: int, end: int):
        negators: list[tuple[int, int]] = []
        cancelled: list[tuple[int, int]] = []
        self.breaks: list[int] = []
        self.conditions: list[int] = []
        self.selves: list[int] = []
        self.demands: list[tuple[int, int]] = []
        self.attitudes: list[tuple[int, int]] = []
        for hit in rules.scope.find(folded, start, end):
            kinds = {c.kind: c for c in hit.entries}
            if "cancel" in kinds:
                cancelled.append((hit.start, hit.end))
            elif "negator" in kinds:
                negators.append((hit.start, kinds["negator"].window))
            elif "attitude" in kinds:
                negators.append((hit.start, kinds["attitude"].window))
                self.attitudes.append((hit.start, kinds["attitude"].window))
            elif "clause_break" in kinds:
                self.breaks.append(hit.start)
            if "condition" in kinds:
                self.conditions.append(hit.start)
            if "self" in kinds:
                self.selves.append(hit.start)
            if "demand" in kinds:
                self.demands.append((hit.start, kinds["demand"].window))
        self.negators = [n for n in negators if not any(s <= n[0] < e for s, e in cancelled)]
        self.start, self.end = start, end

    def negated(self, at: int, folded: str) -> bool:
        return in_reach(at, self.negators, self.breaks, folded)

    def governing(self, acts: list[int], folded: str) -> set[int]:
        """Attitude words ("oppose", "condemn") with an act cue in their reach: they judge that act."""
        return {a for a, window in self.attitudes
                if any(in_reach(act, [(a, window)], self.breaks, folded) for act in acts)}

    def clause(self, hit: Hit) -> tuple[int, int]:
        """The clause around a cue: from the clause break before it to the one after it."""
        lo = max([b for b in self.breaks if b < hit.start], default=self.start)
        hi = min([b for b in self.breaks if b > hit.end], default=self.end)
        return lo, hi
