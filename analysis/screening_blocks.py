"""Blocking for screening: which list names a mention is compared with at all (never all pairs).

Split from ``screening.py`` because the blocking maps and the candidate pairing are where screening
spends its time and where a shortcut could silently lose a match. Blocks are keyed on the first
and last four letters of distinctive tokens: a match must pair every distinctive token, so any
true candidate shares a token whose start or end survives a one- or two-letter spelling variant.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from analysis.screening_names import Name
from analysis.screening_score import pairable

if TYPE_CHECKING:  # screening.py imports this module
    from analysis.screening import Rules, Screener

_SIZE_SPREAD = 8  # a wider length slack (tiny penalty) reads the whole block instead of one slice per length

BlockMaps = tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]], dict[tuple[str, int], tuple[int, ...]]]


def block_keys(token: str) -> tuple[str, str]:
    return "p:" + token[:4], "s:" + token[-4:]


def build_blocks(names: tuple[Name, ...], rules: Rules) -> BlockMaps:
    """The exact-key map (sorted tokens -> rows), the prefix/suffix postings and the postings split
    by name length (postings key, kept-token count), for ``Screener.exact``, ``postings`` and ``by_size``."""
    exact: dict[str, list[int]] = defaultdict(list)
    postings: dict[str, list[int]] = defaultdict(list)
    by_size: dict[tuple[str, int], list[int]] = defaultdict(list)
    for row, name in enumerate(names):
        if name.tokens:
            exact[name.key].append(row)
        for token in {t for t in name.tokens if t not in rules.common}:
            for key in set(block_keys(token)):
                postings[key].append(row)
                by_size[(key, len(name.tokens))].append(row)
    return ({k: tuple(v) for k, v in exact.items()}, {k: tuple(v) for k, v in postings.items()},
            {k: tuple(v) for k, v in by_size.items()})


def rarest_token(distinct: list[str], postings: dict[str, tuple[int, ...]]) -> tuple[str, int]:
    """The distinctive token with the smallest block (the first of equals, as min() would pick it),
    and that block's summed postings length."""
    token, total = distinct[0], -1
    for t in distinct:
        n = sum(len(postings.get(k, ())) for k in block_keys(t))
        if total < 0 or n < total:
            token, total = t, n
    return token, total


def candidate_rows(screener: Screener, token: str, size: int, slack: int, total: int) -> list[int]:
    """The rows of ``token``'s block worth comparing with a name of ``size`` tokens: within
    ``slack`` tokens of its length and holding a token ``token`` can pair with (else compare()
    rejects the row: a distinctive token left unpaired)."""
    names, rules = screener.names, screener.rules
    return [row for row in block_rows(screener, token, size, slack, total)
            if abs(len(names[row].tokens) - size) <= slack
            and (token in names[row].tokens or pairable(token, names[row].tokens, rules))]


def block_rows(screener: Screener, token: str, size: int, slack: int, total: int) -> "list[int] | tuple[int, ...]":
    """The rows sharing ``token``'s prefix or suffix key, first ``max_candidates`` in row order.

    When the block is not truncated, only rows within ``slack`` tokens of ``size`` are read
    (the others are skipped by ``screen`` anyway); a truncated block is cut exactly as before."""
    keys = block_keys(token)
    limit = screener.rules.max_candidates
    if screener.by_size and slack <= _SIZE_SPREAD and total <= limit:  # total: the postings' summed lengths
        found: set[int] = set()
        for count in range(size - slack, size + slack + 1):
            for key in keys:
                found.update(screener.by_size.get((key, count), ()))
        return sorted(found)
    return sorted({r for k in keys for r in screener.postings.get(k, ())})[:limit]
