"""Names and texts reduced to folded word tokens, the form screening compares.

Split from ``screening.py`` so that the text handling (transliteration, dotted abbreviations,
possessives, legal forms, spelling folds) can be read and tested apart from blocking and
scoring. List names and article mentions go through the same ``normalise``, which is what makes
a match independent of spelling, punctuation and word order. ``rules`` is the screening ``Rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from unidecode import unidecode

if TYPE_CHECKING:  # screening.py imports this module to build its Rules
    from analysis.screening import Rules

_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_POSSESSIVE = re.compile(r"'s\b", re.IGNORECASE)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DOT_LETTER_DOT = re.compile(r"\.[A-Za-z]\.")  # in every _DOTTED match; searched for its literal first dot


def word_tokens(text: str) -> list[str]:
    """Transliterated, lower-cased word tokens; dotted abbreviations (S.A., U.K.) become one token."""
    return [t for t in _NON_WORD.split(plain(text)) if t]


def plain(text: str) -> str:
    """The lower-case ASCII text ``word_tokens`` splits: dotted abbreviations and possessives undone."""
    ascii_text = text if text.isascii() else to_ascii(text)
    if "." in ascii_text:  # the regex substitutions cost more than the test when they cannot match
        ascii_text = undot(ascii_text)
    if "'" in ascii_text:
        ascii_text = _POSSESSIVE.sub("", ascii_text).replace("'", "")  # Korea's -> Korea, People's -> People
    return ascii_text.replace("&", " and ").lower()


def undot(text: str) -> str:
    """``_DOTTED`` applied, reading only the space-delimited words holding a ".X." (every match
    does): a match never crosses a space and a space before a word is a word boundary, so each
    such word is substituted on its own exactly as in the whole text."""
    pieces, done = [], 0
    for hit in _DOT_LETTER_DOT.finditer(text):
        if hit.start() < done:
            continue
        start = max(text.rfind(" ", done, hit.start()), text.rfind("\n", done, hit.start())) + 1
        start = max(start, done)
        end = min((i for i in (text.find(" ", hit.end()), text.find("\n", hit.end())) if i >= 0), default=len(text))
        pieces.append(text[done:start])
        pieces.append(_DOTTED.sub(lambda m: m.group(0).replace(".", ""), text[start:end]))
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def to_ascii(text: str) -> str:
    """``unidecode(text)``, fast: unidecode maps each character on its own and leaves ASCII as is,
    so replacing each distinct non-ASCII character by its transliteration gives the same text
    (it loops in Python per character: on whole articles that cost ~20x more)."""
    for char in set("".join(_NON_ASCII.findall(text))):
        text = text.replace(char, unidecode(char))
    return text


def apply_folds(token: str, folds: tuple[tuple[str, str], ...]) -> str:
    """Apply the transliteration folds, so Rosoboroneksport and Rosoboronexport share one spelling."""
    for old, new in folds:
        token = token.replace(old, new)
    return token


def fold_token(token: str, rules: Rules) -> str:
    return apply_folds(token, rules.folds)


def fold_all(tokens: list[str], folds: tuple[tuple[str, str], ...]) -> list[str]:
    """``[apply_folds(t, folds) for t in tokens]`` in one pass over the space-joined tokens.

    Tokens hold no spaces, so when no fold pattern or replacement does either, no replacement can
    reach across a space and each token folds exactly as it would alone."""
    if not folds or not tokens:
        return list(tokens)
    if any(not old or " " in old or " " in new for old, new in folds):
        return [apply_folds(t, folds) for t in tokens]
    return apply_folds(" ".join(tokens), folds).split(" ")


@dataclass(frozen=True)
class Name:
    tokens: tuple[str, ...]  # kept tokens, in written order
    dropped: tuple[str, ...]  # legal-form phrases removed
    key: str  # sorted kept tokens: equal keys are the same name up to order


def normalise(text: str, rules: Rules) -> Name:
    """Reduce a name to the tokens that identify it, remembering which legal-form words were dropped."""
    tokens = word_tokens(text)
    kept, dropped, i = [], [], 0
    by_first = rules.legal_by_first
    while i < len(tokens):
        for form in by_first.get(tokens[i], ()):
            if tuple(tokens[i:i + len(form)]) == form:
                dropped.append(" ".join(form))
                i += len(form)
                break
        else:
            if tokens[i] not in rules.stop:
                kept.append(tokens[i])
            i += 1
    kept = fold_all(kept, rules.folds)
    return Name(tuple(kept), tuple(dropped), " ".join(sorted(kept)))
