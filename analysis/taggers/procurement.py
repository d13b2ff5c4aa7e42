"""Procurement tagger: who buys which weapon system from whom, and at which stage.

Only sentences that name a catalogued system or a generic category word get
the rules (one Aho-Corasick pass per article decides), which keeps the tagger
fast on corpora where most text is about something else.  Roles come from the
words around each country mention (``procurement_rules.csv``); when the
article does not name the supplier, the system's origin stands in for it
(GUIDELINES), and a maker named in the sentence can too.  A generic phrase
("weapons", "fighter jets") is listed only with an explicit buyer and
supplier; after a catalogued system of the same category it refers back to it
("the air defence system" after "S-400").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ahocorasick_rs
import pandas as pd

from analysis import schemas
from analysis.catalogue import SystemMention, _lower
from analysis.taggers import procurement_bind, procurement_values
from analysis.vocab import VocabError, read_csv_rows

KINDS = ("stage", "veto", "clause", "anaphor", "modifier", "buyer_after", "buyer_before", "supplier_before", "supplier_after",
         "not_party", "not_party_after")
_SUPPORT_DEAL = ("procurement.contract.signed", "procurement.contract.deal")
_WINDOW = 40  # characters either side of a country mention that its role cues may use
_SELL = re.compile(r"\b(sell|sells|sold|selling|supply|supplies|supplied|supplying|export(s|ed|ing)?|offer(s|ed|ing)?|"
                   r"sale|sales|provid(e|es|ed|ing)|transfer(s|red)?|deliver(s|ed|ing)?|ship(s|ped)?|donat(e|ed|es))\b", re.IGNORECASE)

_LISTED = re.compile(r"\b(and|or|with|between)\s+(the\s+)?$", re.IGNORECASE)  # a co-listed party, not the seller


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
    company_surfaces: tuple[str, ...]
    amounts: procurement_values.Amounts
    any_stage: re.Pattern[str]  # every stage cue in one pattern, one named group per rule (procurement_bind)
    by_kind: dict[str, re.Pattern[str]]  # each role kind's cues in one pattern, a cheap test before per-rule work
    stage_rules: tuple[Rule, ...]
    veto: re.Pattern[str] | None
    clause: re.Pattern[str] | None  # where a new clause starts: a stage cue does not reach across it
    anaphor: re.Pattern[str] | None  # text right before a generic word that makes it refer back ("the")
    modifier: re.Pattern[str] | None  # text right after a generic word that makes it a modifier ("arms embargo")

    def of_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind]


def load(data_dir: Path) -> Rules:
    """Read the rule table, the company table, value patterns and rates; VocabError when broken."""
    path = Path(data_dir) / "rules" / "procurement_rules.csv"
    rules = []
    for row in read_csv_rows(path, ["rule_id", "kind", "stage", "pattern", "weight", "rationale",
                                    "example_positive", "example_negative"]):
        if row["kind"] not in KINDS:
            raise VocabError(f"{path}: rule {row['rule_id']}: kind {row['kind']!r} not in {KINDS}")
        if row["kind"] == "stage" and row["stage"] not in schemas.ENUMS["procurement"]["stage"]:
            raise VocabError(f"{path}: rule {row['rule_id']}: stage {row['stage']!r} not in the enum")
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
            weight = float(row["weight"])
        except (re.error, ValueError) as exc:
            raise VocabError(f"{path}: rule {row['rule_id']}: {exc}") from exc
        rules.append(Rule(row["rule_id"], row["kind"], row["stage"], pattern, weight))
    companies: dict[str, tuple[str, str]] = {}
    cpath = Path(data_dir) / "rules" / "procurement_companies.csv"
    for row in read_csv_rows(cpath, ["company", "aliases", "country"]):
        for name in [row["company"], *(a for a in row["aliases"].split("|") if a.strip())]:
            companies[name.strip().lower()] = (row["company"], row["country"])
    surfaces = tuple(companies)
    matcher = ahocorasick_rs.AhoCorasick(list(surfaces), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    stage_rules = tuple(r for r in rules if r.kind == "stage")
    by_kind = {kind: re.compile("|".join(f"(?:{r.pattern.pattern})" for r in rules if r.kind == kind), re.IGNORECASE)
               for kind in KINDS if kind != "stage" and any(r.kind == kind for r in rules)}
    veto, clause, anaphor, modifier = (by_kind.pop(k, None) for k in ("veto", "clause", "anaphor", "modifier"))
    return Rules(tuple(rules), companies, matcher, surfaces, procurement_values.load(data_dir),
                 procurement_bind.combined(stage_rules), by_kind, stage_rules, veto, clause, anaphor, modifier)


@dataclass(frozen=True)
class _Sentences:
    """One article's sentences as plain lists (row access on a frame is too slow per sentence)."""

    sentence: list[int]
    char_start: list[int]
    char_end: list[int]
    text: list[str]


@dataclass
class _Context:
    """What earlier sentences of the same article said (anaphora and implicit buyer)."""

    by_category: dict[str, SystemMention]
    buyer_of: dict[str, str]
    last_buyer: str | None = None


def _companies(rules: Rules, text: str) -> list[tuple[int, str, str]]:
    out = []
    for index, start, end in rules.company_matcher.find_matches_as_indexes(_lower(text)):
        if (start and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
            continue
        surface = text[start:end]
        if surface.isupper() != rules.company_surfaces[index].isupper() and len(surface) <= 4:
            continue  # short acronyms (HAL, BEL, IAI) only in capitals
        name, country = rules.companies[rules.company_surfaces[index]]
        out.append((start, name, country))
    return out


def _roles(rules: Rules, text: str, places: list[Any]) -> dict[int, dict[str, float]]:
    """Role scores of each country mention from the words right around it."""
    roles: dict[int, dict[str, float]] = {}
    for i, p in enumerate(places):
        before, after = text[max(0, p.start - _WINDOW):p.start], text[p.end:p.end + _WINDOW]
        score: dict[str, float] = {}
        live = {kind for kind, combined in rules.by_kind.items()
                if combined.search(before if kind.endswith("_before") or kind == "not_party" else after)}
        for rule in rules.rules:
            if rule.kind not in live:
                continue
            side = before if rule.kind.endswith("_before") or rule.kind == "not_party" else after
            if not rule.pattern.search(side):
                continue
            role = "not_party" if rule.kind.startswith("not_party") else rule.kind.split("_")[0]
            score[role] = max(score.get(role, 0.0), rule.weight)
        roles[i] = score
    return roles


def _parties(rules: Rules, text: str, states: list[tuple[int, Any]], roles: dict[int, dict[str, float]],
             mention: SystemMention, companies: list[tuple[int, str, str]], ctx: _Context,
             bounds: list[int]) -> tuple[str | None, str | None, float]:
    """(buyer, supplier, confidence) for one system mention in one sentence.

    An explicit supplier ("from France") counts only in the mention's own clause, the nearest one
    winning: "the Gripen from Sweden, while the Rafale ..." does not make Sweden sell the Rafale.
    """
    here = bisect.bisect_right(bounds, mention.start)
    explicit = sorted((abs(p.start - mention.start), p.code) for (_, p), j in zip(states, range(len(states)))
                      if roles[j].get("supplier") and bisect.bisect_right(bounds, p.start) == here)
    supplier = explicit[0][1] if explicit else None
    buyer_marked = {p.code for (_, p), j in zip(states, range(len(states))) if roles[j].get("buyer", 0) >= 0.6}
    sell = _SELL.search(text)
    if supplier is None and sell and buyer_marked:
        before_verb = [p.code for _, p in states if p.end <= sell.start() and p.code not in buyer_marked
                       and not _LISTED.search(text, max(0, p.start - 8), p.start)]
        if before_verb:
            supplier = before_verb[-1]
    if supplier is None:
        supplier = mention.origin or None
    if supplier is None:
        makers = {c for _, _, c in companies if c}
        supplier = makers.pop() if len(makers) == 1 else None
    best, best_score = None, -1e9
    for j, (_, p) in enumerate(states):
        role = roles[j]
        if p.code == supplier or (role.get("not_party") or role.get("supplier")) and not role.get("buyer"):
            continue
        distance = mention.start - p.start if p.start <= mention.start else 3 * (p.start - mention.start)
        score = role.get("buyer", 0.0) - distance / 400
        if score > best_score:
            best, best_score = p.code, score
    confidence = 0.8
    if best is None:
        best = ctx.buyer_of.get(mention.system) or ctx.last_buyer
        confidence = 0.55
    return best, supplier, confidence


def _stages(cues: list[procurement_bind.Cue]) -> list[Rule]:
    """The bound cues of one mention, one rule per stage."""
    seen: dict[str, Rule] = {}
    for cue in cues:
        seen.setdefault(cue.rule.stage, cue.rule)
    if "support" in seen and seen.get("contract") and seen["contract"].rule_id in _SUPPORT_DEAL:
        del seen["contract"]  # "agreements signed to provide support" is a support deal, not a purchase
    return list(seen.values())


def _tag_article(rules: Rules, vocab: Any, article_id: str, title: str, year: int, sents: _Sentences,
                 found: list[SystemMention], generic: list[SystemMention]) -> list[dict[str, Any]]:
    starts = sents.char_start
    per_sentence: dict[int, tuple[list[SystemMention], list[SystemMention]]] = {}
    for mention, is_generic in [(m, False) for m in found] + [(m, True) for m in generic]:
        k = bisect.bisect_right(starts, mention.start) - 1
        if k >= 0:
            per_sentence.setdefault(k, ([], []))[1 if is_generic else 0].append(mention)
    ctx = _Context({}, {})
    records: list[dict[str, Any]] = []
    lead: set[str] | None = None
    for k in sorted(per_sentence):
        s_start, s_text = sents.char_start[k], sents.text[k]
        systems, generics = per_sentence[k]
        spans = [(m.start, m.end) for m in systems]
        generics = [g for g in generics if not any(a < g.end and g.start < b for a, b in spans)
                    and not (rules.modifier is not None and rules.modifier.match(s_text, g.end - s_start))]
        resolved = list(systems)
        loose = []
        for g in generics:
            antecedent = ctx.by_category.get(g.category)
            if antecedent is not None and g.category != "other" and _refers_back(rules, s_text, g.start - s_start):
                resolved.append(SystemMention(g.start, g.end, antecedent.system, antecedent.category,
                                              antecedent.origin, antecedent.manufacturer, g.surface))
            else:
                loose.append(g)
        for m in systems:
            ctx.by_category[m.category] = m
        chosen = resolved or (loose if not systems else [])
        if not chosen:
            continue
        cues = procurement_bind.find_cues(rules.any_stage, rules.stage_rules, s_text)
        if not cues or (rules.veto is not None and rules.veto.search(s_text)):
            continue
        local = sorted((SystemMention(m.start - s_start, m.end - s_start, m.system, m.category, m.origin,
                                      m.manufacturer, m.surface) for m in chosen), key=lambda m: m.start)
        bounds = procurement_bind.boundaries(rules.clause, s_text)
        bound, unbound = procurement_bind.bind(s_text, local, cues, bounds)
        if unbound and len({m.system for m in local}) == 1:
            bound = [b + unbound for b in bound]  # one system in the sentence: nothing else the cue could mean
        if not any(bound):
            continue
        places = vocab.gazetteer.find(s_text)
        states = [(i, p) for i, p in enumerate(places) if len(p.code) == 3]
        roles = _roles(rules, s_text, [p for _, p in states])
        companies = _companies(rules, s_text)
        value = rules.amounts.value_usd(s_text, year)
        names = sorted({name for _, name, _ in companies})
        for m, m_cues in zip(local, bound):
            if not m_cues:
                continue
            generic_only = not resolved
            buyer, supplier, confidence = _parties(rules, s_text, states, roles, m, companies, ctx, bounds)
            if generic_only:
                if lead is None:
                    lead = _lead_codes(vocab, title, sents)
                if not _explicit_pair(rules, s_text, places, buyer, supplier) or not {buyer, supplier} <= lead:
                    continue
            if not buyer or not supplier or buyer == supplier:
                continue
            if confidence > 0.6:
                ctx.buyer_of[m.system] = buyer
                ctx.last_buyer = buyer
            for rule in _stages(m_cues):
                records.append({
                    "article_id": article_id, "sentence": sents.sentence[k],
                    "char_start": s_start, "char_end": sents.char_end[k],
                    "confidence": round(confidence * rule.weight + 0.2, 3), "rule": rule.rule_id,
                    "buyer": buyer, "supplier": supplier, "system": m.system, "category": m.category,
                    "stage": rule.stage, "quantity": rules.amounts.quantity(s_text, m.start),
                    "value_usd": value, "companies": names,
                })
    return records


def _refers_back(rules: Rules, text: str, start: int) -> bool:
    """A generic word refers to the system named before only after a determiner ("the jets")."""
    return rules.anaphor is not None and rules.anaphor.search(text[max(0, start - 30):start]) is not None


def _lead_codes(vocab: Any, title: str, sents: _Sentences) -> set[str]:
    """Countries of the title and the first two sentences: what the article is about (generic deals)."""
    text = " ".join([title, *sents.text[:2]])
    return {p.code for p in vocab.gazetteer.find(text)}


def _explicit_pair(rules: Rules, text: str, places: list[Any], buyer: str | None, supplier: str | None) -> bool:
    """A generic phrase needs both parties written in the sentence itself."""
    codes = {p.code for p in places}
    return bool(buyer and supplier and buyer in codes and supplier in codes)


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """Procurement findings for a chunk of articles (pure; the pipeline calls it per chunk)."""
    rules: Rules = vocab.procurement
    catalogue = vocab.catalogue
    hits: dict[str, tuple[list[SystemMention], list[SystemMention]]] = {}
    for article_id, text in zip(articles["article_id"], articles["text"]):
        if not isinstance(text, str):
            continue
        found, generic = catalogue.scan(text)
        if found or generic:
            hits[article_id] = (found, generic)
    if not hits:
        return schemas.empty("procurement")
    info = articles[articles["article_id"].isin(list(hits))]
    years = dict(zip(info["article_id"], pd.to_datetime(info["published"]).dt.year.fillna(2020).astype(int)))
    titles = dict(zip(info["article_id"], info["title"].fillna("").astype(str))) if "title" in info else {}
    wanted = sentences[sentences["article_id"].isin(list(hits))].sort_values(["article_id", "sentence"])
    ids = wanted["article_id"].to_numpy()
    cols = (wanted["sentence"].tolist(), wanted["char_start"].tolist(), wanted["char_end"].tolist(),
            wanted["text"].tolist())
    bounds = [0, *[i for i in range(1, len(ids)) if ids[i] != ids[i - 1]], len(ids)]
    records: list[dict[str, Any]] = []
    for lo, hi in zip(bounds, bounds[1:]):
        if lo == hi:
            continue
        article_id = ids[lo]
        found, generic = hits[article_id]
        sents = _Sentences(*(c[lo:hi] for c in cols))
        records.extend(_tag_article(rules, vocab, article_id, titles.get(article_id, ""), years[article_id],
                                    sents, found, generic))
    return schemas.finalise(records, "procurement", sentences, articles)
