"""Procurement tagger: who buys which weapon system from whom, and at which stage.

Only sentences that name a catalogued system or a generic category word get
the rules (one Aho-Corasick pass per article decides), which keeps the tagger
fast on corpora where most text is about something else; of those, a sentence
with no stage cue only updates the article's context, and an article with no
such cue at all (or, naming generic words only, with fewer than two countries
in its lead) is left before its headline is read.  Roles come from the
words around each country mention (``procurement_rules.csv``); when the
article does not name the supplier, the system's origin stands in for it
(GUIDELINES), and a maker named in the sentence can too.  A generic phrase
("weapons", "fighter jets") is listed only with an explicit buyer and
supplier; after a catalogued system of the same category it refers back to it
("the air defence system" after "S-400").

This module is the flow of one article; the parts live beside it: ``procurement_rules`` (the data
files), ``procurement_mentions`` (which systems a sentence is about), ``procurement_stages`` (which
cues count), ``procurement_bind`` (which system a cue describes), ``procurement_parties`` (buyer and
supplier), ``procurement_context`` (the article's current deal) and ``procurement_values``.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import numpy as np
import pandas as pd

from analysis import findings, schemas
from analysis.catalogue import SystemMention
from analysis.taggers import (procurement_bind, procurement_context, procurement_mentions, procurement_parties,
                              procurement_stages)
from analysis.taggers.procurement_rules import KINDS, Rule, Rules, load  # noqa: F401  (the tagger contract's load)

_LOOSE_REACH = 170  # characters between a sentence's only system and a cue that bound to nothing else
_DESIGNATION = re.compile(r"[- ]?\d|\s+[A-Z][\w/]*-\d")  # a maker glued to a model number names the model
_REFERENCE_REACH = 2  # sentences after the last explicit deal in which "the jets", "the deal" still mean it


def _home_maker(text: str, companies: list[tuple[int, str, str, int]], states: list[tuple[int, Any]], mentions: list[SystemMention],
                buyer: str, supplier: str) -> bool:
    """True when the supplier is only the system's origin (no state of that code in the sentence) while the
    sentence's makers all belong to the buyer: "HAL to supply AL-31 engines to the IAF" is a domestic deal.
    A maker's name inside a system's name ("Sukhoi-30", "Sukhoi Su-30") is no maker named."""
    makers = {c for at, _, c, end in companies if c and not any(m.start <= at < m.end for m in mentions)
              and not _DESIGNATION.match(text, end)}
    return makers == {buyer} and not any(p.code == supplier for _, p in states)


def _tag_article(rules: Rules, vocab: Any, article_id: str, title: str, year: int, sents: procurement_context.Sentences,
                 found: list[SystemMention], generic: list[SystemMention]) -> list[dict[str, Any]]:
    starts = sents.char_start
    per_sentence: dict[int, tuple[list[SystemMention], list[SystemMention]]] = {}
    for mention, is_generic in [(m, False) for m in found] + [(m, True) for m in generic]:
        k = bisect.bisect_right(starts, mention.start) - 1
        if k >= 0:
            per_sentence.setdefault(k, ([], []))[1 if is_generic else 0].append(mention)
    # Every finding needs a stage cue in a sentence that names a system or generic word (a deal's follow-up
    # sentences are read only after such a finding): an article with none is done before its headline is read.
    raw: dict[int, list[procurement_bind.Cue]] = {}
    for k in sorted(per_sentence):
        raw[k] = procurement_stages.raw_cues(rules, sents.text[k])
        if raw[k]:
            break
    else:
        return []
    lead: set[str] | None = None
    if not found:  # generic words only, never a deal to extend: every finding needs two countries in the lead
        lead = procurement_context.lead_codes(vocab, title, sents)
        if len(lead) < 2:
            return []
    ctx = procurement_context.Context({}, {}, headline=lambda: procurement_parties.title_buyer(rules, vocab, title))
    records: list[dict[str, Any]] = []
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
        systems, generics = procurement_mentions.absorb_heads(systems, generics)
        named = list(systems)  # a platform ("based on its Barracuda") keeps loose generic words out and stays a referent
        systems = [m for m in systems if not procurement_mentions.platform(rules, s_text, m.start - s_start, m.end - s_start)]
        stated = procurement_stages.sentence_cues(rules, s_text, [], raw.get(k))  # references only remove cues
        if not stated:  # no stage here: the sentence only tells later ones which system and owner it names
            ctx.remember(rules, vocab, s_text, s_start, named, systems)
            continue
        spans = [(m.start, m.end) for m in systems]
        generics = [g for g in generics if not any(a < g.end and g.start < b for a, b in spans)
                    and not (rules.modifier is not None and rules.modifier.match(s_text, g.end - s_start))]
        resolved = list(systems)
        loose = []
        codes: list[set[str]] = []  # the sentence's state codes, found once when a generic word needs them
        for g in generics:
            antecedent = ctx.by_category.get(g.category)
            if antecedent is None or g.category == "other" or not procurement_mentions.refers_back(rules, s_text, g.start - s_start):
                antecedent = procurement_mentions.namesake(rules, vocab, s_text, g, found, codes) if not named else None
            if antecedent is not None:
                resolved.append(SystemMention(g.start, g.end, antecedent.system, antecedent.category,
                                              antecedent.origin, antecedent.manufacturer, g.surface))
            else:
                loose.append(g)
        ctx.remember(rules, vocab, s_text, s_start, named, systems)
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
        refs_local = [(r.start - s_start, r.end - s_start) for r in refs]
        cues = procurement_stages.without_refs(stated, refs_local)
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
            places = procurement_parties.with_forces(rules, s_text, vocab.gazetteer.find(s_text))
            if len({p.code for p in places} & lead) < 2:
                continue  # buyer and supplier of a generic deal are both named here and in the lead
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
        bound, unbound = procurement_bind.bind(s_text, local, cues, bounds, rules.deal_noun)
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
        if resolved:
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
                rules, s_text, states, roles, m, companies, ctx.buyer_of.get(m.system) or ctx.fallback_buyer(), bounds, glue)
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
                ctx.settle_buyer(buyer)
                if not generic_only:
                    ctx.deal, ctx.deal_stages = (buyer, supplier, m), frozenset(c.rule.stage for c in m_cues)
                    ctx.deal_k = k
            if value is False:
                value = rules.amounts.value_usd(s_text, year)
            buyers = [buyer]
            if confidence > 0.6:
                buyers += procurement_parties.co_buyers(s_text, states, roles, at, supplier)
            for rule in procurement_stages.stages(m_cues):
                partner = procurement_stages.partner(s_text, states, cues, rule, supplier)
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
    info = articles[articles["article_id"].isin(list(hits)).to_numpy(dtype=bool)]
    # Plain lists, not iteration over Arrow-backed columns (which boxes every cell slowly).
    info_ids = info["article_id"].tolist()
    years = dict(zip(info_ids, pd.to_datetime(info["published"]).dt.year.fillna(2020).astype(int).tolist()))
    titles = dict(zip(info_ids, info["title"].fillna("").astype(str).tolist())) if "title" in info else {}
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
    return findings.finalise(records, "procurement", sentences.take(sorted(used)), info)
