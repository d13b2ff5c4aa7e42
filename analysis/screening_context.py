"""Country context for screening: which countries a name or an article names.

Split from ``screening.py`` because country words play two parts that both come from the country
gazetteer: in a name they are generic (many firms are 'Iran ...'), and in an article they are the
context that lets a name of generic words only ("Equipment Development Department") count when
the article names the listed entry's country. ``rules`` is the screening ``Rules``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.screening_names import apply_folds, fold_all, plain, word_tokens
from analysis.vocab import read_csv_rows

if TYPE_CHECKING:  # screening.py imports this module to build its Rules
    from analysis.screening import Rules

_WORD_CHARS = re.compile(r"[a-z0-9]+")
# The byte table that turns every character but a-z and 0-9 into a space.
_SPACE_NON_WORD = bytes(c if chr(c).isascii() and (chr(c).isdigit() or "a" <= chr(c) <= "z") else 32
                        for c in range(256))


def geo_words(data_dir: Path, skip: frozenset[str]) -> dict[str, frozenset[str]]:
    """Distinctive tokens of country names, aliases and demonyms -> the ISO3 codes they can name.

    Generic for screening (many firms are 'Iran ...'), and the article context for generic names.
    Tokens that are generic anyway (West *Bank*, *New* Zealand) or shorter than 3 letters are skipped.
    """
    path = data_dir / "gazetteer" / "countries.csv"
    if not path.exists():
        return {}
    out: dict[str, set[str]] = defaultdict(set)
    for row in read_csv_rows(path, ["code", "name"]):
        for field in ("name", "aliases", "demonyms"):
            for surface in (row.get(field) or "").split("|"):
                for token in word_tokens(surface):
                    if token not in skip and len(token) >= 3:
                        out[token].add(row["code"])
    return {k: frozenset(v) for k, v in out.items()}


def country_context(text: str, rules: Rules) -> frozenset[str]:
    """ISO3 codes of the countries a text names (by name, alias or demonym token)."""
    plain_text = plain(text)
    if plain_text.isascii() and all(_WORD_CHARS.fullmatch(old) and _WORD_CHARS.fullmatch(new or "x")
                                    for old, new in rules.folds):
        # Every non-word character made a space by one byte-table pass, then the folds applied to
        # the whole text: a fold of word characters cannot reach across a space, so each token
        # folds as it would alone (a token folded to nothing names no country either way).
        spaced = apply_folds(plain_text.encode().translate(_SPACE_NON_WORD).decode(), rules.folds)
        tokens = set(spaced.split())
    else:
        tokens = set(fold_all(list(set(word_tokens(text))), rules.folds))  # fold each distinct token once
    geo_codes = rules.geo_codes
    return frozenset(code for token in geo_codes.keys() & tokens for code in geo_codes[token])
