"""The sanctions rule table (data/rules/sanctions_rules.csv) compiled for fast matching.

Every rule of one kind is merged into one alternation, run once per sentence; the
case-insensitive rules run without ``re.IGNORECASE`` on a length-preserving lower-cased copy
of the sentence, which Python's ``re`` matches several times faster. Organisations with a
known country (data/gazetteer/organisations.csv) are found with one Aho-Corasick automaton,
so sanctions on a named company resolve to its country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick_rs

from analysis.taggers.sanctions_scan import fast_scan
from analysis.taggers.sanctions_shapes import Shapes, load_prefilter, load_shapes
from analysis.vocab import VocabError, read_csv_rows

RULES_FILE = "rules/sanctions_rules.csv"
ORGANISATIONS_FILE = "gazetteer/organisations.csv"
KINDS = ("trigger", "negative", "relief_demand", "relief_offer", "in_force", "action", "negation", "hypothetical",
         "regime", "actor", "target_prep", "not_target")
COLUMNS = ["rule_id", "kind", "pattern", "value", "sender", "weight", "rationale", "example_positive",
           "example_negative"]

@dataclass(frozen=True)
class Rule:
    """One row of the rule table, compiled."""

    rule_id: str
    kind: str
    regex: re.Pattern[str]
    value: str
    sender: str
    weight: float
    rationale: str
    example_positive: str
    example_negative: str


def fold(text: str) -> str:
    """Lower-case without changing length, so offsets in the folded text are offsets in ``text``."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _lower_pattern(pattern: str) -> str:
    """Lower-case the literal letters of a regex, leaving escapes (\\b, \\w ...) alone.

    Case-insensitive rules run without ``re.IGNORECASE`` on the folded sentence, which
    Python's ``re`` matches several times faster.
    """
    out, escaped = [], False
    for ch in pattern:
        out.append(ch if escaped else ch.lower())
        escaped = ch == "\\" and not escaped
    return "".join(out)


@dataclass(frozen=True)
class KindMatcher:
    """Every rule of one kind merged into compiled alternations (one named group per rule).

    One regex pass per sentence and kind instead of one per rule: case-insensitive rules
    run on the folded text, exact-case rules (pattern prefix ``(?-i)``) on the original.
    The scan runs a copy of the alternation without the named groups (a group in front of
    each branch stops ``re`` from skipping a branch on its first letter, which doubled the
    cost); only at a position where it matched is the grouped copy run, to name the row.
    """

    rules: tuple[Rule, ...]
    folded: re.Pattern[str] | None
    exact: re.Pattern[str] | None
    folded_scan: re.Pattern[str] | None = None
    exact_scan: re.Pattern[str] | None = None

    def search(self, text: str, folded: str, lo: int = 0, hi: int | None = None) -> re.Match[str] | None:
        """The first match (of the folded rules, else the exact-case ones); no row attached."""
        hi = len(text) if hi is None else hi
        m = self.folded_scan.search(folded, lo, hi) if self.folded_scan is not None else None
        return m or (self.exact_scan.search(text, lo, hi) if self.exact_scan is not None else None)

    def finditer(self, text: str, folded: str, lo: int = 0,
                 hi: int | None = None) -> list[tuple[Rule, re.Match[str]]]:
        """(row, match) of every non-overlapping match in [lo, hi), in order of position."""
        hi = len(text) if hi is None else hi
        out = _named(self, self.folded, self.folded_scan, folded, lo, hi) if self.folded is not None else []
        if self.exact is not None:
            out += _named(self, self.exact, self.exact_scan, text, lo, hi)
            out.sort(key=lambda x: x[1].start())
        return out


def _named(matcher: KindMatcher, grouped: re.Pattern[str], scan: re.Pattern[str] | None, text: str, lo: int,
           hi: int) -> list[tuple[Rule, re.Match[str]]]:
    """Scan with the group-free copy, then name each match by the grouped alternation at its start.

    Both copies are the same alternation, so they match at the same positions with the same
    first matching branch and span; the grouped one only adds which branch (row) it was.
    """
    out = []
    rules = matcher.rules
    for m in (scan or grouped).finditer(text, lo, hi):
        g = grouped.match(text, m.start(), hi)
        out.append((rules[int(g.lastgroup[1:])], g))  # type: ignore[union-attr, index]
    return out


def _merge(rules: tuple[Rule, ...], patterns: tuple[str, ...]) -> KindMatcher:
    folded, exact = [], []
    for i, pattern in enumerate(patterns):
        if pattern.startswith("(?-i)"):
            exact.append((i, pattern[5:]))
        else:
            folded.append((i, _lower_pattern(pattern)))
    fold_guard, exact_guard = r"(?<!\w)(?=\w)", r"(?<!\w)(?=[A-Z])"
    return KindMatcher(rules, _compile(folded, fold_guard), _compile(exact, exact_guard),
                       _scan_pattern(folded, fold_guard, r"\w"), _scan_pattern(exact, exact_guard, "[A-Z]"))


def _scan_pattern(parts: list[tuple[int, str]], guard: str, opens: str) -> re.Pattern[str] | None:
    """The group-free copy used to find matches: spread out to open on literal characters where every
    branch allows it (``sanctions_scan``), else the guarded alternation without groups."""
    if parts and all(p.startswith(r"\b") for _, p in parts):
        fast = fast_scan([p for _, p in parts], opens)
        if fast is not None:
            return fast
    return _compile(parts, guard, grouped=False)


def _compile(parts: list[tuple[int, str]], guard: str, grouped: bool = True) -> re.Pattern[str] | None:
    """One alternation; when every branch opens on a word boundary, a cheap word-start guard
    (for exact-case rules: a capitalised word start) lets the engine skip all other positions.

    ``grouped`` wraps each branch in a named group ``g<row>``; without it, a branch's leading
    ``\\b`` is dropped when the guard already asserts it.
    """
    if not parts:
        return None
    if not all(p.startswith(r"\b") for _, p in parts):
        guard = ""
    if grouped:
        branches = [f"(?P<g{i}>{p})" for i, p in parts]
    else:
        branches = [f"(?:{p[2:] if guard else p})" for _, p in parts]
    return re.compile(guard + "(?:" + "|".join(branches) + ")")


@dataclass(frozen=True)
class Organisations:
    """Named organisations with the country they belong to: a sanctioned company gives its country."""

    surfaces: tuple[str, ...]
    codes: tuple[str, ...]
    automaton: Any = field(repr=False)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, country) of each organisation named in ``text``: exact case, whole words."""
        out = []
        n = len(text)
        for index, start, end in self.automaton.find_matches_as_indexes(text):
            if (start > 0 and text[start - 1].isalnum()) or (end < n and text[end].isalnum()):
                continue
            out.append((start, end, self.codes[index]))
        return out


def load_organisations(path: Path) -> Organisations | None:
    """Read the organisation list (owned by the entities tagger); rows without a country are skipped."""
    if not path.exists():
        return None
    surfaces, codes = [], []
    for row in read_csv_rows(path, ["name", "aliases", "country", "kind"]):
        if not row["country"]:
            continue
        for surface in [row["name"], *[a.strip() for a in row["aliases"].split("|") if a.strip()]]:
            if surface not in surfaces:
                surfaces.append(surface)
                codes.append(row["country"])
    if not surfaces:
        return None
    automaton = ahocorasick_rs.AhoCorasick(surfaces, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    return Organisations(tuple(surfaces), tuple(codes), automaton)


@dataclass(frozen=True)
class SanctionsRules:
    """The compiled rule table, one merged matcher per kind, and the prefilter automaton."""

    rules: tuple[Rule, ...]
    prefilter: Any
    kinds: dict[str, KindMatcher] = field(default_factory=dict)
    organisations: Organisations | None = None
    shapes: Shapes | None = None  # sentence shapes and cue words (data/rules/sanctions_shapes.csv)
    strong_cues: int = 0  # prefilter indexes below this are strong cues, the rest weak ("penalties")

    def of(self, kind: str) -> tuple[Rule, ...]:
        return self.kinds[kind].rules if kind in self.kinds else ()

    def matcher(self, kind: str) -> KindMatcher:
        return self.kinds[kind]


def load(data_dir: Path) -> SanctionsRules:
    """Read and compile data/rules/sanctions_rules.csv, the prefilter cues, the sentence shapes and the organisation
    list; raises VocabError naming the bad row."""
    path = Path(data_dir) / RULES_FILE
    rules = []
    patterns: dict[str, str] = {}
    for number, row in enumerate(read_csv_rows(path, COLUMNS), start=2):
        if row["kind"] not in KINDS:
            raise VocabError(f"{path}: row {number} has unknown kind {row['kind']!r}")
        try:
            pattern = row["pattern"]
            exact = pattern.startswith("(?-i)")
            regex = re.compile(pattern[5:] if exact else pattern, 0 if exact else re.IGNORECASE)
            weight = float(row["weight"])
        except (re.error, ValueError) as exc:
            raise VocabError(f"{path}: row {number} ({row['rule_id']}): {exc}") from exc
        if not row["rationale"] or not row["example_positive"] or not row["example_negative"]:
            raise VocabError(f"{path}: row {number} ({row['rule_id']}) needs a rationale and both examples")
        patterns[row["rule_id"]] = pattern
        rules.append(Rule(row["rule_id"], row["kind"], regex, row["value"], row["sender"], weight,
                          row["rationale"], row["example_positive"], row["example_negative"]))
    strong, weak = load_prefilter(data_dir)
    automaton = ahocorasick_rs.AhoCorasick(list(strong) + list(weak))
    kinds = {}
    for kind in KINDS:
        own = tuple(r for r in rules if r.kind == kind)
        kinds[kind] = _merge(own, tuple(patterns[r.rule_id] for r in own))
    return SanctionsRules(tuple(rules), automaton, kinds, load_organisations(Path(data_dir) / ORGANISATIONS_FILE),
                          load_shapes(data_dir), len(strong))
