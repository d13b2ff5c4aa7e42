"""A faster, equivalent scan pattern for one kind's merged rule alternation.

The merged alternation opens on a word-start guard (``(?<!\\w)(?=\\w)``); a pattern opening
on an assertion makes Python's ``re`` try every position of the sentence, which was most of
the tagger's time. Here each rule's leading alternatives are spread out until every one opens
on a single literal character, and the alternatives are grouped by that character:
``s(?<!\\ws)(?:anction...|...)|e(?<!\\we)(?:mbargo...)``. A pattern whose every branch opens
on a literal lets ``re`` skip the positions whose character opens no branch, in C.

Why it is the same alternation: at a word start only the branches opening on that character
can match, and they keep their order, so the first branch that matches (and its span) is
unchanged; ``(?:A|B)rest`` tried in order equals ``Arest|Brest``; a leading ``\\b`` holds at
every guarded position; a lookbehind before the first character ``c`` equals the same
lookbehind with ``c`` appended, checked after it. A branch of another shape (a quantified
first character, a class with escapes, ...) makes ``fast_scan`` give up (None), and the
caller keeps the guarded pattern.
"""

from __future__ import annotations

import re

_QUANTIFIERS = ("?", "*", "+", "{")
_NOT_LITERAL = ".[]()^$|?*+{}\\"


def _class_end(p: str, i: int) -> int:
    """Index just after the character class opening at ``p[i] == '['``."""
    j = i + 1
    if j < len(p) and p[j] == "^":
        j += 1
    if j < len(p) and p[j] == "]":
        j += 1
    while p[j] != "]":
        j += 2 if p[j] == "\\" else 1
    return j + 1


def _walk(p: str, i: int) -> int:
    """Index of the next token after position ``i`` (escapes and classes are one token)."""
    if p[i] == "\\":
        return i + 2
    if p[i] == "[":
        return _class_end(p, i)
    return i + 1


def _split_top(p: str) -> list[str]:
    """The alternatives of ``p`` at nesting depth 0."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(p):
        c = p[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(p[start:i])
            start = i + 1
        i = _walk(p, i)
    parts.append(p[start:])
    return parts


def _group_end(p: str, i: int) -> int:
    """Index of the ``)`` closing the group that opens at ``p[i] == '('``."""
    depth, j = 0, i
    while j < len(p):
        if p[j] == "(":
            depth += 1
        elif p[j] == ")":
            depth -= 1
            if depth == 0:
                return j
        j = _walk(p, j)
    raise ValueError(f"unbalanced group in {p!r}")


def _class_chars(body: str) -> list[str] | None:
    """The characters of a plain class body ("A-Z", "sd"); None for negated classes or escapes."""
    if body.startswith("^") or "\\" in body:
        return None
    out, i = [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            out += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
            i += 3
        else:
            out.append(body[i])
            i += 1
    return out if len(out) <= 64 else None


Opening = tuple[list[tuple[str, str]], str, str]  # (lookbehinds as (sign, body), first character, rest)


def _openings(p: str) -> list[Opening] | None:
    """``p`` as ordered alternatives that each open on one literal character; None if some cannot."""
    out: list[Opening] = []
    for alt in _split_top(p):
        if alt.startswith(r"\b"):
            alt = alt[2:]  # every guarded position is a word start
        behind: list[tuple[str, str]] = []
        while alt.startswith(("(?<!", "(?<=")):
            end = _group_end(alt, 0)
            behind.append((alt[2:4], alt[4:end]))
            alt = alt[end + 1:]
        if alt.startswith("(?:"):
            end = _group_end(alt, 0)
            rest = alt[end + 1:]
            inner = _openings(alt[3:end])
            if inner is None or rest.startswith(_QUANTIFIERS):
                return None
            out += [(behind + b, c, r + rest) for b, c, r in inner]
        elif alt.startswith("["):
            end = _class_end(alt, 0)
            chars = _class_chars(alt[1:end - 1])
            if chars is None or alt[end:].startswith(_QUANTIFIERS):
                return None
            out += [(behind, c, alt[end:]) for c in chars]
        elif alt.startswith("\\") and len(alt) > 1 and not alt[1].isalnum():
            if alt[2:].startswith(_QUANTIFIERS):
                return None
            out.append((behind, alt[1], alt[2:]))
        elif alt and alt[0] not in _NOT_LITERAL and not alt[1:].startswith(_QUANTIFIERS):
            out.append((behind, alt[0], alt[1:]))
        else:
            return None
    return out


def fast_scan(branches: list[str], opens: str) -> re.Pattern[str] | None:
    """The scan pattern for guarded ``branches`` (each opening on ``\\b``), or None when one cannot be spread out.

    ``opens`` is the class the guard lets a match open on: ``\\w`` for the folded rules,
    ``[A-Z]`` for the exact-case ones; alternatives opening on another character never
    matched and are left out.
    """
    groups: dict[str, list[str]] = {}
    allowed = re.compile(opens)
    try:
        openings = [o for branch in branches for o in (_openings(branch) or [None])]  # type: ignore[list-item]
    except (ValueError, IndexError):
        return None
    if any(o is None for o in openings):
        return None
    for behind, c, rest in openings:
        if not allowed.fullmatch(c):
            continue
        ec = re.escape(c)
        groups.setdefault(c, []).append("".join(f"(?{sign}(?:{body}){ec})" for sign, body in behind) + rest)
    if not groups:
        return re.compile("(?!)")
    parts = [f"{re.escape(c)}(?<!\\w{re.escape(c)})(?:{'|'.join(rests)})" for c, rests in groups.items()]
    try:
        return re.compile("(?:" + "|".join(parts) + ")")
    except re.error:
        return None
