"""How two normalised names score: token pairing by rapidfuzz similarity, gates and penalty.

Split from ``screening.py`` so the scoring rule reads on its own: word order is ignored by pairing
tokens rather than comparing strings, every distinctive word must be paired, and generic words on
one side only cost a penalty. ``pairable`` sits here because blocking must use exactly the same
similarity test as ``compare`` to skip rows without losing a match. ``rules`` is the screening ``Rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz.distance import Indel

from analysis.screening_names import Name

if TYPE_CHECKING:  # screening.py imports this module
    from analysis.screening import Rules


@dataclass(frozen=True)
class Match:
    """One list name matched by a mention, with everything needed to explain the score."""

    row: int  # position in Screener.index
    score: float
    rule: str  # screening.match.exact / fuzzy / generic_exact
    pairs: tuple[tuple[str, str, float], ...]  # (mention token, list token, similarity)
    extra: tuple[str, ...]  # generic words on one side only (each costs the penalty)
    dropped_mention: tuple[str, ...]
    dropped_list: tuple[str, ...]


def compare(query: Name, cand: Name, rules: Rules, trusted: bool = False) -> tuple[float, str, tuple, tuple] | None:
    """Score two normalised names, or None when a gate fails (the reason a lookalike is not a match)."""
    if not query.tokens or not cand.tokens:
        return None
    distinct_q = [t for t in query.tokens if t not in rules.common]
    if distinct_q and not trusted and sum(map(len, distinct_q)) < rules.min_single_chars:
        return None
    if not distinct_q:
        has_geo = any(t in rules.geo for t in query.tokens)
        ok = query.key == cand.key and len(query.tokens) >= (2 if has_geo else rules.generic_min_tokens)
        return (1.0, "screening.match.generic_exact", tuple((t, t, 1.0) for t in query.tokens), ()) if ok else None
    scored = []
    short, token_min = rules.short_token, rules.token_min
    for qi, qt in enumerate(query.tokens):
        q_short = len(qt) <= short  # per query token once: this loop runs for every candidate name
        for ci, ct in enumerate(cand.tokens):
            if qt == ct:
                sim = 1.0
            elif q_short or len(ct) <= short:
                sim = 0.0
            else:
                sim = Indel.normalized_similarity(qt, ct)
            if sim >= token_min:
                scored.append((sim, qi, ci))
    scored.sort(reverse=True)
    used_q, used_c, pairs = set(), set(), []
    for sim, qi, ci in scored:
        if qi not in used_q and ci not in used_c:
            used_q.add(qi)
            used_c.add(ci)
            pairs.append((query.tokens[qi], cand.tokens[ci], sim))
    extra_q = [t for i, t in enumerate(query.tokens) if i not in used_q]
    extra_c = [t for i, t in enumerate(cand.tokens) if i not in used_c]
    if any(t not in rules.common or t in rules.geo for t in extra_q + extra_c):
        return None  # a distinctive word, or a country (a national branch), on one side only
    if not any(q not in rules.common for q, _, _ in pairs):
        return None
    weight = sum(len(q) for q, _, _ in pairs)
    score = sum(len(q) * s for q, _, s in pairs) / weight - rules.penalty * (len(extra_q) + len(extra_c))
    exact = not extra_q and not extra_c and all(s == 1.0 for _, _, s in pairs)
    return (max(score, 0.0), "screening.match.exact" if exact else "screening.match.fuzzy",
            tuple(pairs), tuple(extra_q + extra_c))


def pairable(token: str, cand: tuple[str, ...], rules: Rules) -> bool:
    """Whether ``compare`` could pair ``token`` with some candidate token (same similarity test)."""
    if token in cand or rules.token_min <= 0.0:
        return True
    short = rules.short_token
    if len(token) <= short:
        return False
    return any(len(c) > short and Indel.normalized_similarity(token, c) >= rules.token_min for c in cand)
