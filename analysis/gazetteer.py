"""Countries, demonyms, capitals and institutions -> ISO3 / EU / UN, found in text.

One Aho-Corasick automaton (leftmost-longest) over every surface form and every
negative phrase, run on a case-folded copy of the text: the longest phrase wins,
so "Washington Post" hides "Washington" and "Nigeria" hides "Niger". Case is then
checked on the original text (all-capital forms such as "US" must match exactly;
the rest must start with a capital, so "turkey" the bird and "us" do not match),
and names that are also personal names are dropped next to another capitalised
name ("Michael Jordan", "Chad Smith").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import ahocorasick_rs

from analysis.vocab import VocabError, read_csv_rows

KINDS = ("name", "demonym", "capital", "institution", "metonym")
_SENTENCE_END = ".!?:;\"'“”‘’(\n"


class PlaceMention(NamedTuple):
    """A place or actor found in a string: offsets into that string and the code it stands for.

    A named tuple rather than a frozen dataclass: one is built per hit, and a tuple is built in
    a third of the time (a frozen dataclass sets each field through ``object.__setattr__``).
    Callers read the fields by name; it is immutable and hashable as before.
    """

    start: int
    end: int
    code: str
    kind: str
    surface: str


@dataclass(frozen=True)
class _Pattern:
    surface: str
    code: str  # "" for a negative phrase
    kind: str
    exact_case: bool
    guard: str  # "", "first_name" or "surname"


def _fold(text: str) -> str:
    """Lower-case without changing length, so offsets in the folded text are offsets in ``text``."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _prev_word(text: str, start: int) -> tuple[str, int]:
    """The word just before ``start`` if separated by exactly one space, with its start offset."""
    if start < 2 or text[start - 1] != " ":
        return "", -1
    end = start - 1
    begin = end
    while begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] in ".'"):
        begin -= 1
    return text[begin:end], begin


def _next_word(text: str, end: int) -> str:
    if end >= len(text) - 1 or text[end] != " ":
        return ""
    stop = end + 1
    while stop < len(text) and text[stop].isalpha():
        stop += 1
    return text[end + 1:stop]


def _capitalised_name(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and word[1:].isalpha() and word[1:].islower()


def _mid_sentence(text: str, begin: int) -> bool:
    """True when the word at ``begin`` does not open a sentence (so its capital marks a name)."""
    i = begin - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    return i >= 0 and text[i] not in _SENTENCE_END


@dataclass(frozen=True)
class Gazetteer:
    """Finds countries and the actors that stand for them; immutable once loaded."""

    patterns: tuple[_Pattern, ...]
    names: dict[str, str]
    automaton: object = field(repr=False)

    rows: tuple[tuple[str, str, str | None, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # what find() reads per hit, one tuple per pattern: code, kind, the exact surface
        # (None when the case is checked by the initial capital) and the person guard
        object.__setattr__(self, "rows", tuple((p.code, p.kind, p.surface if p.exact_case else None, p.guard)
                                               for p in self.patterns))

    def find(self, text: str) -> list[PlaceMention]:
        """Mentions in ``text``, sorted and non-overlapping, with ambiguous uses filtered out."""
        matches = self.automaton.find_matches_as_indexes(_fold(text))
        if not matches:
            return []
        out: list[PlaceMention] = []
        rows = self.rows
        n = len(text)
        for index, start, end in matches:
            code, kind, exact, guard = rows[index]
            if not code:
                continue
            if (start > 0 and text[start - 1].isalnum()) or (end < n and text[end].isalnum()):
                continue
            surface = text[start:end]
            if exact is not None:
                if surface != exact:
                    continue
            else:
                if surface[:4].lower() == "the " and len(surface) > 4:
                    # "the Netherlands" mid-sentence: the article is lower case, the name is what counts
                    start, surface = start + 4, surface[4:]
                if not surface[0].isupper():
                    continue
            if guard and self._looks_like_person(text, start, end, guard):
                continue
            out.append(PlaceMention(start, end, code, kind, surface))
        return out

    @staticmethod
    def _looks_like_person(text: str, start: int, end: int, guard: str) -> bool:
        prev, begin = _prev_word(text, start)
        if prev and _capitalised_name(prev) and _mid_sentence(text, begin):
            return True
        return guard == "first_name" and _capitalised_name(_next_word(text, end))

    def name(self, code: str) -> str:
        """Display name of a code ("USA" -> "United States"); the code itself if unknown."""
        return self.names.get(code, code)

    def is_code(self, code: str) -> bool:
        """True for a code this gazetteer can produce (an ISO3 in the table, EU or UN)."""
        return code in self.names


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def _exact(surface: str) -> bool:
    letters = [c for c in surface if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def load(data_dir: Path) -> Gazetteer:
    """Read data/gazetteer/*.csv and build the automaton; raises VocabError on a broken row."""
    root = Path(data_dir) / "gazetteer"
    countries = read_csv_rows(root / "countries.csv", ["code", "name", "aliases", "demonyms", "capitals"])
    institutions = [(f, r) for f in ("institutions.csv", "territories.csv")
                    for r in read_csv_rows(root / f, ["surface", "code", "kind"])]
    negatives = read_csv_rows(root / "negatives.csv", ["phrase", "reason"])
    guard_rows = read_csv_rows(root / "guards.csv", ["surface", "guard", "rationale"])
    guards = {r["surface"]: r["guard"] for r in guard_rows}
    for r in guard_rows:
        if r["guard"] not in ("first_name", "surname"):
            raise VocabError(f"{root / 'guards.csv'}: unknown guard {r['guard']!r} for {r['surface']!r}")

    names = {"EU": "European Union", "UN": "United Nations"}
    entries: list[tuple[str, str, str]] = []
    for number, row in enumerate(countries, start=2):
        code = row["code"]
        if len(code) != 3 or not code.isupper() or not row["name"]:
            raise VocabError(f"{root / 'countries.csv'}: row {number} has a bad code or no name: {row}")
        if code in names:
            raise VocabError(f"{root / 'countries.csv'}: row {number} repeats code {code}")
        names[code] = row["name"]
        entries.append((row["name"], code, "name"))
        entries += [(s, code, "name") for s in _split(row["aliases"])]
        entries += [(s, code, "demonym") for s in _split(row["demonyms"])]
        entries += [(s, code, "capital") for s in _split(row["capitals"])]
    for number, (file, row) in enumerate(institutions, start=2):
        if row["code"] not in names or row["kind"] not in KINDS:
            raise VocabError(f"{root / file}: row {row['surface']!r} has unknown code or kind: {row}")
        entries.append((row["surface"], row["code"], row["kind"]))

    patterns: list[_Pattern] = []
    seen: dict[str, str] = {}
    for surface, code, kind in entries:
        key = _fold(surface)
        if key in seen:
            if seen[key] != code:
                raise VocabError(f"{root}: surface {surface!r} maps to both {seen[key]} and {code}")
            continue
        seen[key] = code
        patterns.append(_Pattern(surface, code, kind, _exact(surface), guards.get(surface, "")))
    for row in negatives:
        key = _fold(row["phrase"])
        if key not in seen:
            seen[key] = ""
            patterns.append(_Pattern(row["phrase"], "", "negative", False, ""))
    automaton = ahocorasick_rs.AhoCorasick(
        [_fold(p.surface) for p in patterns], matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    return Gazetteer(tuple(patterns), names, automaton)
