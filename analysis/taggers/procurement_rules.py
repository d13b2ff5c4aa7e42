"""The procurement tagger's rule tables: one ``Rules`` value loaded from ``data/rules/procurement_*.csv``.

Split from ``procurement.py`` so the tagger reads as the flow of an article and this module as
what its data files mean and how they are validated (VocabError names the file, row and problem).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick_rs

from analysis import schemas
from analysis.taggers import procurement_bind, procurement_values
from analysis.vocab import VocabError, read_csv_rows

KINDS = ("stage", "veto", "clause", "anaphor", "modifier", "reference", "unreal", "buyer_after", "buyer_before", "supplier_before", "supplier_after",
         "not_party", "not_party_after", "platform_before", "platform_after", "halted", "speaker_after",
         "conditional", "not_object", "sell_verb")


@dataclass(frozen=True)
class Rule:
    rule_id: str
    kind: str
    stage: str
    pattern: re.Pattern[str]
    weight: float


@dataclass(frozen=True)
class Rules:
    """The procurement tagger's tables, loaded once and passed in through ``vocab.procurement``."""

    rules: tuple[Rule, ...]
    companies: dict[str, tuple[str, str]]  # lower-cased surface -> (company name, country or "")
    company_matcher: Any
    company_surfaces: tuple[str, ...]  # the matcher's patterns as written in the table (case kept)
    amounts: procurement_values.Amounts
    cues: procurement_bind.CueFinder  # every stage cue in one pattern, run around anchor stems
    by_kind: dict[str, re.Pattern[str]]  # each role kind's cues in one pattern, a cheap test before per-rule work
    stage_rules: tuple[Rule, ...]
    veto: re.Pattern[str] | None
    clause: re.Pattern[str] | None  # where a new clause starts: a stage cue does not reach across it
    anaphor: re.Pattern[str] | None  # text right before a generic word that makes it refer back ("the")
    modifier: re.Pattern[str] | None  # text right after a generic word that makes it a modifier ("arms embargo")
    reference: re.Pattern[str] | None  # a definite reference to the article's current deal ("the jets", "the first six")
    unreal: re.Pattern[str] | None = None  # text right before a stage word that others only urge ("urged X to")
    forces: re.Pattern[str] | None = None  # armed-service abbreviations (IAF, RMAF, PLAAF), procurement_forces.csv
    force_code: dict[str, str] | None = None  # abbreviation -> ISO3
    platform_before: re.Pattern[str] | None = None  # text before a system that makes it the platform worked on
    platform_after: re.Pattern[str] | None = None  # text after a system that makes it its fleet's owners ("operators")
    halted: re.Pattern[str] | None = None  # a delivery noun that a cancellation in the sentence stops ("halted deliveries")
    conditional: re.Pattern[str] | None = None  # "if it wins the tender": later stages are only offered
    not_object: re.Pattern[str] | None = None  # text right after a cue naming what else it is about ("exploring alternatives")
    sell: re.Pattern[str] | None = None  # a verb whose subject is the supplying state ("Russia sold", "Washington approved a sale")
    owner_hint: re.Pattern[str] | None = None  # words before a system that may name its owner (procurement_words.csv)
    deal_noun: re.Pattern[str] | None = None  # bare purchase nouns that take a negotiation's stage (procurement_words.csv)

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]


def load(data_dir: Path) -> Rules:
    """Read the rule table, the company table, value patterns and rates; VocabError when broken."""
    path = Path(data_dir) / "rules" / "procurement_rules.csv"
    rules = []
    anchors: list[list[str]] = []
    for row in read_csv_rows(path, ["rule_id", "kind", "stage", "pattern", "weight", "rationale",
                                    "example_positive", "example_negative", "anchors"]):
        if row["kind"] not in KINDS:
            raise VocabError(f"{path}: rule {row['rule_id']}: kind {row['kind']!r} not in {KINDS}")
        if row["kind"] == "stage" and row["stage"] not in schemas.ENUMS["procurement"]["stage"]:
            raise VocabError(f"{path}: rule {row['rule_id']}: stage {row['stage']!r} not in the enum")
        if row["kind"] == "stage":
            stems = [a for a in row["anchors"].split("|") if a.strip()]
            if not stems or any(a != a.lower() for a in stems):
                raise VocabError(f"{path}: rule {row['rule_id']}: a stage rule needs lower-case anchors")
            anchors.append(stems)
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
            weight = float(row["weight"])
        except (re.error, ValueError) as exc:
            raise VocabError(f"{path}: rule {row['rule_id']}: {exc}") from exc
        rules.append(Rule(row["rule_id"], row["kind"], row["stage"], pattern, weight))
    companies: dict[str, tuple[str, str]] = {}
    written: dict[str, str] = {}  # lower-cased key -> the alias as the table writes it (its capitals matter)
    cpath = Path(data_dir) / "rules" / "procurement_companies.csv"
    for row in read_csv_rows(cpath, ["company", "aliases", "country"]):
        for name in [row["company"], *(a for a in row["aliases"].split("|") if a.strip())]:
            companies[name.strip().lower()] = (row["company"], row["country"])
            written[name.strip().lower()] = name.strip()
    keys = list(companies)
    surfaces = tuple(written[k] for k in keys)
    matcher = ahocorasick_rs.AhoCorasick(keys, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    stage_rules = tuple(r for r in rules if r.kind == "stage")
    by_kind = {kind: re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules if r.kind == kind), re.IGNORECASE)
               for kind in KINDS if kind != "stage" and any(r.kind == kind for r in rules)}
    veto, clause, anaphor, modifier, reference, unreal, platform_before, platform_after, halted, conditional, not_object, sell = (
        by_kind.pop(k, None) for k in ("veto", "clause", "anaphor", "modifier", "reference", "unreal",
                                       "platform_before", "platform_after", "halted", "conditional", "not_object",
                                       "sell_verb"))
    fpath = Path(data_dir) / "rules" / "procurement_forces.csv"
    force_code = {row["abbreviation"]: row["code"] for row in read_csv_rows(fpath, ["abbreviation", "code", "name"])}
    if any(len(c) != 3 or not c.isupper() for c in force_code.values()):
        raise VocabError(f"{fpath}: every code must be an ISO3 code")
    forces = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, force_code), key=len, reverse=True)) + r")(?![\w-])") \
        if force_code else None
    words = load_words(data_dir)
    owner_hint = re.compile(r"['’]s\b|\b(" + "|".join(map(re.escape, words["owner_hint"])) + r")\b", re.IGNORECASE)
    deal_noun = re.compile("(" + "|".join(map(re.escape, words["deal_noun"])) + ")", re.IGNORECASE)
    return Rules(tuple(rules), companies, matcher, surfaces, procurement_values.load(data_dir),
                 procurement_bind.CueFinder.build(stage_rules, anchors), by_kind, stage_rules, veto, clause, anaphor,
                 modifier, reference, unreal, forces, force_code, platform_before, platform_after,
                 halted, conditional, not_object, sell, owner_hint, deal_noun)


WORD_KINDS = ("owner_hint", "deal_noun")


def load_words(data_dir: Path) -> dict[str, list[str]]:
    """Kind -> words of ``procurement_words.csv``; VocabError for an unknown kind, an empty or non-lower-case
    word, a missing rationale or example, or a kind with no row (the tagger needs both lists)."""
    path = Path(data_dir) / "rules" / "procurement_words.csv"
    out: dict[str, list[str]] = {kind: [] for kind in WORD_KINDS}
    for row in read_csv_rows(path, ["rule_id", "kind", "words", "weight", "rationale", "example_positive",
                                    "example_negative"]):
        words = [w.strip() for w in row["words"].split("|")]
        if row["kind"] not in out:
            raise VocabError(f"{path}: rule {row['rule_id']}: kind {row['kind']!r} not in {WORD_KINDS}")
        if not all(words) or any(w != w.lower() for w in words):
            raise VocabError(f"{path}: rule {row['rule_id']}: words must be non-empty and lower-case")
        if not (row["rationale"] and row["example_positive"] and row["example_negative"]):
            raise VocabError(f"{path}: rule {row['rule_id']}: needs a rationale and both examples")
        out[row["kind"]].extend(words)
    missing = [kind for kind, words in out.items() if not words]
    if missing:
        raise VocabError(f"{path}: no words of kind {missing}")
    return out
