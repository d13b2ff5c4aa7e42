"""The weapon-system catalogue: canonical names, aliases, category, origin and maker.

Gold labels and article text spell designations many ways ("S-400", "S 400",
"S400", "SA-21 Growler"), so every alias is matched in its hyphen/space
variants and compared through one normalised key.  Matching is a single
Aho-Corasick pass (leftmost-longest) over the lower-cased text, then a word
boundary check, so "F-35" never fires inside "F-355" and "Kilo-class" wins over
a shorter alias at the same place.  Generic category words ("fighter jets",
"arms") are a second, separate automaton because the tagger only uses them
under stricter conditions (GUIDELINES, "procurement").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick_rs
import pycountry

from analysis.schemas import ENUMS
from analysis.vocab import VocabError, read_csv_rows

CATEGORIES = ENUMS["procurement"]["category"]
_SEPARATOR = re.compile(r"[\s\-‐‑–]+")
_TOKEN_BREAK = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SUFFIX = re.compile(r"[A-Z][A-Za-z0-9]{0,5}")  # variant letters after a number: Su-30MKI, F-16V, Leopard 2A6
_MAX_SEPARATORS = 4


@dataclass(frozen=True)
class SystemMention:
    """One catalogue hit: offsets into the searched string and the system's facts."""

    start: int
    end: int
    system: str
    category: str
    origin: str
    manufacturer: str
    surface: str


@dataclass(frozen=True)
class _Entry:
    system: str
    category: str
    origin: str  # ISO3, or "" for multinational products
    manufacturer: str


@dataclass(frozen=True)
class _Pattern:
    entry: int  # index into the entries; -1 blocks the phrase (not a system)
    variant: str  # original-case spelling, for the case check of word-only aliases
    needs_case: bool  # aliases without a digit must be written with their own capitals
    numeric_end: bool  # a number-final alias may carry a letter suffix (Su-30 -> Su-30MKI)
    generic: str = ""  # the generic term this phrase names ("" for systems and blocked phrases)

    @property
    def blocked(self) -> bool:
        return self.entry < 0 and not self.generic


def key(name: str) -> str:
    """The comparison key of a name: lower case, letters and digits only ("S-400" == "s 400")."""
    return _NON_ALNUM.sub("", name.lower())


def _variants(alias: str) -> list[str]:
    """Hyphen/space/joined spellings of an alias ("S-400" -> "S-400", "S 400", "S400").

    Joining without a space is only offered at a letter/digit border ("S400",
    "MiG29"), never between two words ("Kiloclass" is nobody's spelling).
    """
    parts = _SEPARATOR.split(alias.strip())
    tokens: list[str] = []
    seps: list[tuple[str, ...]] = []
    for i, part in enumerate(parts):
        sub = _TOKEN_BREAK.split(part)
        for j, piece in enumerate(sub):
            if tokens:
                if j > 0:  # a letter/digit border inside one written token ("S400")
                    seps.append(("", "-", " "))
                else:
                    mixed = tokens[-1][-1].isdigit() != piece[0].isdigit()
                    seps.append(("-", " ", "") if mixed else ("-", " "))
            tokens.append(piece)
    if len(seps) > _MAX_SEPARATORS:
        return [alias.strip()]
    out = {alias.strip()}
    for choice in itertools.product(*seps):
        out.add(tokens[0] + "".join(s + t for s, t in zip(choice, tokens[1:])))
    return sorted(out)


def _lower(text: str) -> str:
    """Lower-case without changing length (offsets must stay valid)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _case_forms(variant: str) -> set[str]:
    """The spellings a case-sensitive automaton needs to cover how news capitalises a name."""
    return {variant, variant.lower(), variant.upper(), _titled(variant), _titled(variant.lower()),
            variant[:1].upper() + variant[1:]}


def _titled(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def _boundary_end(text: str, end: int, numeric_end: bool) -> int | None:
    """Where the mention really ends, or None when the hit is inside a longer word."""
    if numeric_end:
        m = _SUFFIX.match(text, end)
        if m:
            end = m.end()
    if end < len(text) and text[end] == "s" and (end + 1 == len(text) or not text[end + 1].isalnum()):
        end += 1
    if end < len(text) and text[end].isalnum():
        return None
    return end


class Catalogue:
    """Weapon systems and generic category words, with fast word-boundary-safe matching."""

    def __init__(self, entries: list[_Entry], aliases: list[list[str]], generic: list[tuple[str, str, list[str]]],
                 blocked: list[str]) -> None:
        self._entries = entries
        self._keys: dict[str, str] = {}
        self._generic_category: dict[str, str] = {}
        patterns: dict[str, _Pattern] = {}
        for index, (entry, names) in enumerate(zip(entries, aliases)):
            for name in names:
                self._keys[key(name)] = entry.system
                needs_case, numeric = not any(c.isdigit() for c in name), name.strip()[-1].isdigit()
                for variant in _variants(name):
                    for form in _case_forms(variant):
                        patterns.setdefault(form, _Pattern(index, variant, needs_case, numeric))
        for phrase in blocked:
            for variant in _variants(phrase):
                for form in _case_forms(variant):
                    patterns[form] = _Pattern(-1, variant, False, False)
        for term, category, names in generic:
            self._generic_category[term] = category
            for name in [term, *names]:
                self._keys.setdefault(key(name), term)
                for variant in _variants(name):
                    for form in _case_forms(variant):
                        patterns.setdefault(form, _Pattern(-1, variant, False, False, term))
        self._patterns = list(patterns.values())
        self._forms = list(patterns)  # pattern index -> the string the automata match
        self._pattern_index = {p: i for i, p in enumerate(patterns)}
        # The spellings a case-bound alias may be written in, built once rather than at every hit.
        self._cased = [frozenset((p.variant, p.variant.upper(), _titled(p.variant))) if p.needs_case else None
                       for p in self._patterns]
        # Pattern index -> (length, index) of the shorter patterns that are its prefixes, longest first; filled on
        # first use (a hit string is always its pattern's own text, so the answer depends on the index alone).
        self._prefixes: dict[int, tuple[tuple[int, int], ...]] = {}
        # One DFA over case forms of every phrase: no lower-casing of the text, one pass for systems and generics.
        self._automaton = ahocorasick_rs.AhoCorasick(list(patterns), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
                                                     implementation=ahocorasick_rs.Implementation.DFA)
        self._overlapping = ahocorasick_rs.AhoCorasick(list(patterns))  # fallback when the longest hit fails a check

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def systems(self) -> list[str]:
        """Canonical names of every catalogued system, in file order."""
        return [e.system for e in self._entries]

    def info(self, system: str) -> SystemMention | None:
        """The facts of a canonical system (offsets 0), or None."""
        for e in self._entries:
            if e.system == system:
                return SystemMention(0, 0, e.system, e.category, e.origin, e.manufacturer, e.system)
        return None

    def scan(self, text: str) -> tuple[list[SystemMention], list[SystemMention]]:
        """Catalogued systems and generic words in one pass: (systems, generics), each sorted.

        Leftmost-longest: a longer phrase wins at a place ("Patriot Act" hides "Patriot",
        "Patriot missile" hides "missile").  When the longest phrase fails the word or
        case check ("F-35 a" inside "F-35 and"), shorter phrases starting there are tried.
        """
        systems: list[SystemMention] = []
        generics: list[SystemMention] = []
        for index, start, end in self._automaton.find_matches_as_indexes(text, overlapping=False):
            if start > 0 and text[start - 1].isalnum():
                continue
            mention = self._accept(text, index, start, end)
            if mention is None and not self._patterns[index].blocked:
                for length, shorter in self._shorter(index):
                    mention = self._accept(text, shorter, start, start + length)
                    if mention is not None:
                        break
            if mention is not None:
                (generics if mention.origin == "" and mention.system in self._generic_category else systems).append(mention)
        return systems, generics

    def find(self, text: str) -> list[SystemMention]:
        """Catalogued systems named in ``text``: sorted, non-overlapping, leftmost-longest."""
        return self.scan(text)[0]

    def find_generic(self, text: str) -> list[SystemMention]:
        """Generic category words ("fighter jets" -> "combat aircraft"); origin and maker are empty."""
        return self.scan(text)[1]

    def _shorter(self, index: int) -> tuple[tuple[int, int], ...]:
        """(length, pattern index) of the patterns that are proper prefixes of pattern ``index``, longest first."""
        found = self._prefixes.get(index)
        if found is None:
            form = self._forms[index]
            found = tuple(sorted(((e, self._pattern_index[form[:e]])
                                  for _, s, e in self._overlapping.find_matches_as_indexes(form, overlapping=True)
                                  if s == 0 and e < len(form)), reverse=True))
            self._prefixes[index] = found
        return found

    def _accept(self, text: str, index: int, start: int, end: int) -> SystemMention | None:
        pattern = self._patterns[index]
        if pattern.blocked:
            return None
        cased = self._cased[index]
        if cased is not None and text[start:end] not in cased:
            return None
        stop = _boundary_end(text, end, pattern.numeric_end)
        if stop is None:
            return None
        if pattern.generic:
            return SystemMention(start, stop, pattern.generic, self._generic_category[pattern.generic], "", "",
                                 text[start:stop])
        e = self._entries[pattern.entry]
        return SystemMention(start, stop, e.system, e.category, e.origin, e.manufacturer, text[start:stop])

    def canonical(self, name: str) -> str | None:
        """Any alias, spelling variant or generic word -> the canonical name (None when unknown)."""
        k = key(name)
        if k in self._keys:
            return self._keys[k]
        if k.endswith("s") and k[:-1] in self._keys:
            return self._keys[k[:-1]]
        return None

    def is_generic(self, name: str) -> bool:
        """True for the generic category words ("arms", "submarine")."""
        return name in self._generic_category


def _valid_origin(code: str) -> bool:
    return code == "" or pycountry.countries.get(alpha_3=code) is not None


def _split(field: str) -> list[str]:
    return [a.strip() for a in field.split("|") if a.strip()]


def _load_systems(path: Path) -> tuple[list[_Entry], list[list[str]]]:
    entries: list[_Entry] = []
    aliases: list[list[str]] = []
    owner: dict[str, str] = {}
    rows = read_csv_rows(path, ["system", "aliases", "category", "origin", "manufacturer"])
    for number, row in enumerate(rows, start=2):
        name = row["system"]
        where = f"{path}: row {number} ({name!r})"
        if not name:
            raise VocabError(f"{where}: empty system name")
        if row["category"] not in CATEGORIES:
            raise VocabError(f"{where}: category {row['category']!r} not in {sorted(CATEGORIES)}")
        if not _valid_origin(row["origin"]):
            raise VocabError(f"{where}: origin {row['origin']!r} is not an ISO 3166-1 alpha-3 code")
        names = list(dict.fromkeys([name, *_split(row["aliases"])]))
        for alias in names:
            k = key(alias)
            if not k:
                raise VocabError(f"{where}: alias {alias!r} has no letters or digits")
            if owner.get(k, name) != name:
                raise VocabError(f"{where}: alias {alias!r} is already an alias of {owner[k]!r}")
            owner[k] = name
        entries.append(_Entry(name, row["category"], row["origin"], row["manufacturer"]))
        aliases.append(names)
    return entries, aliases


def _load_generic(path: Path, taken: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    taken_keys = set(taken)
    out = []
    for number, row in enumerate(read_csv_rows(path, ["term", "aliases", "category"]), start=2):
        if row["category"] not in CATEGORIES:
            raise VocabError(f"{path}: row {number}: category {row['category']!r} not in the enum")
        names = _split(row["aliases"])
        clash = [n for n in [row["term"], *names] if key(n) in taken_keys]
        if clash:
            raise VocabError(f"{path}: row {number}: {clash} already name catalogued systems")
        out.append((row["term"], row["category"], names))
    return out


def load(data_dir: Path) -> Catalogue:
    """Read and validate ``catalogue/weapon_systems.csv``, generic terms and blocked phrases.

    Raises VocabError naming the file, row and problem: an alias shared by two
    systems, a category outside DESIGN's enum or an origin that is not ISO3.
    """
    folder = Path(data_dir) / "catalogue"
    entries, aliases = _load_systems(folder / "weapon_systems.csv")
    generic = _load_generic(folder / "generic_terms.csv", (key(a) for names in aliases for a in names))
    blocked = [r["phrase"] for r in read_csv_rows(folder / "not_systems.csv", ["phrase", "reason"])]
    return Catalogue(entries, aliases, generic, blocked)
