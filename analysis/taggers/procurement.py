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
import numpy as np
import pandas as pd

from analysis import schemas
from analysis.catalogue import SystemMention, _lower
from analysis.taggers import procurement_bind, procurement_context, procurement_parties, procurement_values
from analysis.vocab import VocabError, read_csv_rows

KINDS = ("stage", "veto", "clause", "anaphor", "modifier", "reference", "unreal", "buyer_after", "buyer_before", "supplier_before", "supplier_after",
         "not_party", "not_party_after", "platform_before", "platform_after", "halted", "speaker_after",
         "conditional", "not_object")
_TALKS = "procurement.negotiation.talks"
_SUPPORT_DEAL = ("procurement.contract.signed", "procurement.contract.deal")
_LOOSE_REACH = 170  # characters between a sentence's only system and a cue that bound to nothing else
_DESIGNATION = re.compile(r"[- ]?\d|\s+[A-Z][\w/]*-\d")  # a maker glued to a model number names the model
_REFERENCE_REACH = 2  # sentences after the last explicit deal in which "the jets", "the deal" still mean it
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
    veto, clause, anaphor, modifier, reference, unreal, platform_before, platform_after, halted, conditional, not_object = (
        by_kind.pop(k, None) for k in ("veto", "clause", "anaphor", "modifier", "reference", "unreal",
                                       "platform_before", "platform_after", "halted", "conditional", "not_object"))
    fpath = Path(data_dir) / "rules" / "procurement_forces.csv"
    force_code = {row["abbreviation"]: row["code"] for row in read_csv_rows(fpath, ["abbreviation", "code", "name"])}
    if any(len(c) != 3 or not c.isupper() for c in force_code.values()):
        raise VocabError(f"{fpath}: every code must be an ISO3 code")
    forces = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, force_code), key=len, reverse=True)) + r")(?![\w-])") \
        if force_code else None
    return Rules(tuple(rules), companies, matcher, surfaces, procurement_values.load(data_dir),
                 procurement_bind.CueFinder.build(stage_rules, anchors), by_kind, stage_rules, veto, clause, anaphor,
                 modifier, reference, unreal, forces, force_code, platform_before, platform_after,
                 halted, conditional, not_object)


def _platform(rules: Rules, text: str, start: int, end: int) -> bool:
    """A system named as the platform others work on ("equipping Su-30 with Indian missiles") or as its
    fleet's owners ("offered to all Su-30 operators") is not itself bought: the deal is about something else."""
    if rules.platform_after is not None and rules.platform_after.match(text, end):
        return True
    return rules.platform_before is not None and rules.platform_before.search(text[max(0, start - 40):start]) is not None


def _home_maker(text: str, companies: list[tuple[int, str, str, int]], states: list[tuple[int, Any]], mentions: list[SystemMention],
                buyer: str, supplier: str) -> bool:
    """True when the supplier is only the system's origin (no state of that code in the sentence) while the
    sentence's makers all belong to the buyer: "HAL to supply AL-31 engines to the IAF" is a domestic deal.
    A maker's name inside a system's name ("Sukhoi-30", "Sukhoi Su-30") is no maker named."""
    makers = {c for at, _, c, end in companies if c and not any(m.start <= at < m.end for m in mentions)
              and not _DESIGNATION.match(text, end)}
    return makers == {buyer} and not any(p.code == supplier for _, p in states)


def _unhalted(rules: Rules, text: str, cues: list[procurement_bind.Cue]) -> list[procurement_bind.Cue]:
    """Drop delivery nouns in the clause of a halt or cancellation: they name the flow being stopped.
    Another clause keeps its own ("removed from the programme after Ankara began taking delivery")."""
    bounds = procurement_bind.boundaries(rules.clause, text)
    stopped = {bisect.bisect_right(bounds, c.start) for c in cues if c.rule.stage == "cancellation"}
    return [c for c in cues if c.rule.stage != "delivery" or bisect.bisect_right(bounds, c.start) not in stopped
            or not rules.halted.fullmatch(text, c.start, c.end)]  # type: ignore[union-attr]


def _stages(cues: list[procurement_bind.Cue]) -> list[Rule]:
    """The bound cues of one mention, one rule per stage."""
    seen: dict[str, Rule] = {}
    for cue in cues:
        seen.setdefault(cue.rule.stage, cue.rule)
    if "support" in seen and seen.get("contract") and seen["contract"].rule_id in _SUPPORT_DEAL:
        del seen["contract"]  # "agreements signed to provide support" is a support deal, not a purchase
    if "production" in seen and "negotiation" in seen and not {"contract", "delivery"} & set(seen):
        del seen["production"]  # production offered in talks is not yet agreed or under way (GUIDELINES)
    return list(seen.values())


def _tag_article(rules: Rules, vocab: Any, article_id: str, title: str, year: int, sents: procurement_context.Sentences,
                 found: list[SystemMention], generic: list[SystemMention]) -> list[dict[str, Any]]:
    starts = sents.char_start
    per_sentence: dict[int, tuple[list[SystemMention], list[SystemMention]]] = {}
    for mention, is_generic in [(m, False) for m in found] + [(m, True) for m in generic]:
        k = bisect.bisect_right(starts, mention.start) - 1
        if k >= 0:
            per_sentence.setdefault(k, ([], []))[1 if is_generic else 0].append(mention)
    ctx = procurement_context.Context({}, {}, procurement_parties.title_buyer(rules, vocab, title))
    records: list[dict[str, Any]] = []
    lead: set[str] | None = None
    queue = sorted(per_sentence)
    i, opened = 0, -1
    while True:
        if ctx.deal_k > opened and sents.fetch is not None:
            # The sentences after a deal may refer to it ("the first six arrived"): read them too.
            opened = ctx.deal_k
            extra = {j for j in range(opened + 1, min(len(starts), opened + 1 + _REFERENCE_REACH))} - set(per_sentence)
            for j in extra:
                per_sentence[j] = ([], [])
            queue = queue[:i] + sorted(set(queue[i:]) | extra)
        if i >= len(queue):
            break
        k = queue[i]
        i += 1
        if k not in sents.text:
            sents.text[k] = sents.fetch(k)  # type: ignore[misc]
        s_start, s_text = sents.char_start[k], sents.text[k]
        systems, generics = per_sentence[k]
        systems, generics = _absorb_heads(systems, generics)
        named = list(systems)  # a platform ("based on its Barracuda") keeps loose generic words out and stays a referent
        systems = [m for m in systems if not _platform(rules, s_text, m.start - s_start, m.end - s_start)]
        spans = [(m.start, m.end) for m in systems]
        generics = [g for g in generics if not any(a < g.end and g.start < b for a, b in spans)
                    and not (rules.modifier is not None and rules.modifier.match(s_text, g.end - s_start))]
        resolved = list(systems)
        loose = []
        codes: list[set[str]] = []  # the sentence's state codes, found once when a generic word needs them
        for g in generics:
            antecedent = ctx.by_category.get(g.category)
            if antecedent is None or g.category == "other" or not _refers_back(rules, s_text, g.start - s_start):
                antecedent = _namesake(rules, vocab, s_text, g, found, codes) if not named else None
            if antecedent is not None:
                resolved.append(SystemMention(g.start, g.end, antecedent.system, antecedent.category,
                                              antecedent.origin, antecedent.manufacturer, g.surface))
            else:
                loose.append(g)
        for m in named:
            ctx.by_category[m.category] = m
        for m in systems:
            procurement_context.seed_owner(rules, vocab, s_text, m.start - s_start, m, ctx)
        refs = []
        if not resolved and ctx.deal is not None and k - ctx.deal_k <= _REFERENCE_REACH:
            refs = procurement_context.reference(rules, s_text, s_start, ctx)
            resolved.extend(refs)
        chosen = resolved or (loose if not named else [])
        if not chosen:
            continue
        emit = {id(m) for m in chosen}
        if not resolved and ctx.deal is None:  # generic words only and no deal a package could extend
            if lead is None:
                lead = procurement_context.lead_codes(vocab, title, sents)
            if len(lead) < 2:
                continue
        cues = rules.cues.find(s_text, _lower(s_text))
        if rules.unreal is not None:  # "urged Washington to cancel it" reports no cancellation
            cues = [c for c in cues if not rules.unreal.search(s_text, max(0, c.start - 60), c.start)]
        if rules.not_object is not None:  # "exploring alternatives": the cue is about something else
            cues = [c for c in cues if not rules.not_object.match(s_text, c.end)]
        if rules.conditional is not None and rules.conditional.search(s_text):
            # "delivered to Argentina if it wins the tender": only the offer has happened
            cues = [c for c in cues if c.rule.stage in ("negotiation", "cancellation")]
        if rules.halted is not None and any(c.rule.stage == "cancellation" for c in cues):
            # "stopped arms exports, including deliveries already approved": the halted flow is no delivery
            cues = _unhalted(rules, s_text, cues)
        if refs:  # "the first batch" names the deal; it does not also report a delivery
            cues = [c for c in cues if c.rule.stage != "delivery"
                    or not any(c.start < r.end - s_start and r.start - s_start < c.end for r in refs)]
        if not cues:
            continue
        if ctx.deal is not None and any(c.rule.rule_id == procurement_context.PACKAGE for c in cues):
            records.extend(procurement_context.package(rules, article_id, sents, k, ctx, cues, systems))
            continue
        if not resolved:  # generic words only: a deal needs the article's lead to name two countries
            if lead is None:
                lead = procurement_context.lead_codes(vocab, title, sents)
            if len(lead) < 2:
                continue
        # Loose generic words take part in binding even when they give no tuple: "delivery of a Russian air
        # defence system" binds to that phrase, not to the F-35 named elsewhere in the sentence.
        ordered = sorted(resolved + loose, key=lambda m: m.start)
        keep = [id(m) in emit for m in ordered]
        local = [SystemMention(m.start - s_start, m.end - s_start, m.system, m.category, m.origin,
                               m.manufacturer, m.surface) for m in ordered]
        ref_ids = {id(n) for n, m in zip(local, ordered) if any(m is r for r in refs)}
        # With one system named, no cue can go to the wrong one: clauses only matter when there are several.
        several = len({m.system for m in local}) > 1
        bounds = procurement_bind.boundaries(rules.clause, s_text)
        bound, unbound = procurement_bind.bind(s_text, local, cues, bounds)
        if unbound and not several:
            # One system in the sentence: a cue near it that found no nearer target still describes it.
            near = [c for c in unbound if any(c.start - _LOOSE_REACH <= m.start <= c.end + _LOOSE_REACH
                                              for m in local)]
            bound = [b + near for b in bound]
        for n, b in zip(local, bound):  # "to drop the sale": a reference's own noun states its stage
            if id(n) in ref_ids:
                b.extend(c for c in cues if n.start <= c.start < n.end and c not in b)
        bound = [b if kept else [] for b, kept in zip(bound, keep)]
        if not any(bound):
            continue
        if rules.veto is not None and rules.veto.search(s_text):
            continue
        # A country glued to a platform ("replacing Russian R-77") still speaks of that platform, not of the item.
        glue = sorted(local + [SystemMention(m.start - s_start, m.end - s_start, m.system, m.category, m.origin,
                                             m.manufacturer, m.surface) for m in named if m not in systems],
                      key=lambda m: m.start)
        places = procurement_parties.with_forces(rules, s_text, vocab.gazetteer.find(s_text))
        states = [(i, p) for i, p in enumerate(places) if len(p.code) == 3]
        roles = procurement_parties.roles(rules, s_text, [p for _, p in states])
        companies = procurement_parties.companies(rules, s_text)
        value: float | None | bool = False  # computed once, on the sentence's first record
        names = sorted({name for _, name, _, _ in companies})
        for m, m_cues in zip(local, bound):
            if not m_cues:
                continue
            generic_only = not resolved
            buyer, supplier, confidence, at = procurement_parties.parties(
                rules, s_text, states, roles, m, companies, ctx.buyer_of.get(m.system) or ctx.last_buyer, bounds, glue)
            if id(m) in ref_ids and ctx.deal is not None:  # "the deal" keeps its parties
                buyer, supplier, confidence, at = ctx.deal[0], ctx.deal[1], 0.6, -1  # 0.6: no new deal
            if generic_only:
                if lead is None:
                    lead = procurement_context.lead_codes(vocab, title, sents)
                if not _explicit_pair(rules, s_text, places, buyer, supplier) or not {buyer, supplier} <= lead:
                    continue
                if not any(roles[j].get("buyer", 0.0) >= 0.6 for j, (_, p) in enumerate(states) if p.code == buyer):
                    continue  # a generic deal needs its buyer marked ("to Saudi Arabia", "India's purchase")
            if not buyer or not supplier or buyer == supplier:
                continue
            if _home_maker(s_text, companies, states, local, buyer, supplier) and not any(c.rule.stage == "production" for c in m_cues):
                continue  # the buyer's own maker supplies or converts an imported type: no foreign deal here
            if confidence > 0.6:
                ctx.buyer_of[m.system] = buyer
                ctx.last_buyer = buyer
                if not generic_only:
                    ctx.deal, ctx.deal_stages = (buyer, supplier, m), frozenset(c.rule.stage for c in m_cues)
                    ctx.deal_k = k
            if value is False:
                value = rules.amounts.value_usd(s_text, year)
            buyers = [buyer]
            if confidence > 0.6:
                buyers += procurement_parties.co_buyers(s_text, states, roles, at, supplier)
            for rule in _stages(m_cues):
                partner = _partner(s_text, states, cues, rule, supplier)
                for one in ([partner] if partner else buyers):
                    records.append({
                        "_k": k, "article_id": article_id, "sentence": sents.sentence[k],
                        "char_start": s_start, "char_end": sents.char_end[k],
                        "confidence": round(confidence * rule.weight + 0.2, 3), "rule": rule.rule_id,
                        "buyer": one, "supplier": supplier, "system": m.system, "category": m.category,
                        "stage": rule.stage, "quantity": rules.amounts.quantity(s_text, m.start),
                        "value_usd": value, "companies": names,
                    })
    return records


_TALKS_WITH = re.compile(r"\s+with\s+(the\s+)?")


def _partner(text: str, states: list[tuple[int, Any]], cues: list[procurement_bind.Cue], rule: Rule,
             supplier: str) -> str | None:
    """The state that talks are held with ("talks with Indonesia"): the buyer of that negotiation, even when
    the sentence's main buyer is another state ("the sale to the Philippines ... talks with Indonesia")."""
    if rule.stage != "negotiation":
        return None
    for cue in cues:
        if cue.rule.rule_id == _TALKS:
            after = _TALKS_WITH.match(text, cue.end)
            if after:
                for _, p in states:
                    if p.start == after.end() and p.code != supplier:
                        return p.code
    return None


def _absorb_heads(systems: list[SystemMention],
                  generics: list[SystemMention]) -> tuple[list[SystemMention], list[SystemMention]]:
    """A generic word right after a system is its head noun ("F-16 fighter jets"): one mention, not two."""
    if not systems or not generics:
        return systems, generics
    by_end = {m.end: i for i, m in enumerate(systems)}
    out, rest = list(systems), []
    for g in generics:
        i = by_end.get(g.start - 1, by_end.get(g.start))
        if i is not None:
            m = out[i]
            out[i] = SystemMention(m.start, g.end, m.system, m.category, m.origin, m.manufacturer, m.surface)
        else:
            rest.append(g)
    return out, rest


def _namesake(rules: Rules, vocab: Any, text: str, generic: SystemMention, found: list[SystemMention],
              codes: list[set[str]]) -> SystemMention | None:
    """The one catalogued system of the article that a generic word stands for, before or after it is named:
    "16 Russian transport helicopters" in an article about Mi-17s, "two frigates from China" where the Type
    054A/P is named later.  It must be the article's only system of that category whose origin is a state
    the sentence names; otherwise the generic word stays generic."""
    if generic.category == "other":
        return None
    same = [m for m in found if m.category == generic.category and m.origin]
    if not same:
        return None
    if not codes:  # states named in the sentence that are not marked as the buyer ("to Pakistan", "Indian Army")
        states = [p for p in procurement_parties.with_forces(rules, text, vocab.gazetteer.find(text)) if len(p.code) == 3]
        named = {p.code for p in states}
        if named & {m.origin for m in found}:  # role cues only when an origin is named at all
            found_roles = procurement_parties.roles(rules, text, states)
            named -= {p.code for j, p in enumerate(states) if found_roles[j].get("buyer", 0.0) >= 0.6}
        codes.append(named)
    fits = {m.system: m for m in same if m.origin in codes[0]}
    return next(iter(fits.values())) if len(fits) == 1 else None


def _refers_back(rules: Rules, text: str, start: int) -> bool:
    """A generic word refers to the system named before only after a determiner ("the jets")."""
    return rules.anaphor is not None and rules.anaphor.search(text[max(0, start - 30):start]) is not None


def _explicit_pair(rules: Rules, text: str, places: list[Any], buyer: str | None, supplier: str | None) -> bool:
    """A generic phrase needs both parties written in the sentence itself."""
    codes = {p.code for p in places}
    return bool(buyer and supplier and buyer in codes and supplier in codes)


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """Procurement findings for a chunk of articles (pure; the pipeline calls it per chunk)."""
    rules: Rules = vocab.procurement
    catalogue = vocab.catalogue
    hits: dict[str, tuple[list[SystemMention], list[SystemMention]]] = {}
    for article_id, text in zip(articles["article_id"].tolist(), articles["text"].tolist()):
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
    # Sentence rows of the articles with a hit, as numpy arrays: article ids stay factorised codes
    # (turning ~10^5 Arrow strings into Python objects cost more than the tagging itself).
    rows = np.flatnonzero(sentences["article_id"].isin(list(hits)).to_numpy(dtype=bool))
    codes, uniques = pd.factorize(sentences["article_id"].take(rows))
    names = uniques.tolist()
    numbers = sentences["sentence"].to_numpy()[rows]
    order = np.lexsort((numbers, codes))
    rows, numbers, codes = rows[order], numbers[order], codes[order]
    starts = sentences["char_start"].to_numpy()[rows]
    ends = sentences["char_end"].to_numpy()[rows]
    cuts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist(), len(rows)]
    # First pass: which sentences name a system (plus the first two, the article's lead); fetch only their text.
    plan = []
    needed: list[int] = []
    for lo, hi in zip(cuts, cuts[1:]):
        if lo == hi:
            continue
        found, generic = hits[names[codes[lo]]]
        local = starts[lo:hi]
        at = np.searchsorted(local, [m.start for m in found] + [m.start for m in generic], side="right") - 1
        keep = sorted({int(k) for k in at if k >= 0} | {k for k in (0, 1) if k < hi - lo})
        needed.extend(lo + k for k in keep)
        plan.append((lo, hi, keep))
    text_column = sentences["text"]
    texts = text_column.take(rows[needed]).tolist()
    text_of = dict(zip(needed, texts))
    records: list[dict[str, Any]] = []
    used: set[int] = set()
    for lo, hi, keep in plan:
        article_id = names[codes[lo]]
        found, generic = hits[article_id]
        sents = procurement_context.Sentences(numbers[lo:hi].tolist(), starts[lo:hi].tolist(), ends[lo:hi].tolist(),
                           {k: text_of[lo + k] for k in keep}, lambda k, lo=lo: str(text_column.iat[int(rows[lo + k])]))
        for record in _tag_article(rules, vocab, article_id, titles.get(article_id, ""), years[article_id],
                                   sents, found, generic):
            used.add(int(rows[lo + record.pop("_k")]))
            records.append(record)
    # finalise joins evidence from the sentences frame: hand it only the rows the findings point at.
    return schemas.finalise(records, "procurement", sentences.take(sorted(used)), info)
