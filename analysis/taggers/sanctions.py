"""Sanctions signals: (sender, target, action, regime, modality) per sentence, with the article as context.

A cheap Aho-Corasick prefilter keeps only sentences with a sanctions cue (most
articles have none). Each remaining sentence is read by the rule table
``data/rules/sanctions_rules.csv`` (compiled in ``sanctions_rules``): negative rules drop
non-political senses, each trigger takes the action of the nearest action cue, and
``sanctions_resolve`` finds the sender and targets the sentence names. A sender or target
the sentence leaves out is carried over from earlier sanctions sentences (or the headline),
which is how "the sanctions were later eased" in paragraph five still gets its countries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import schemas
from analysis.taggers.sanctions_resolve import SENDER_FIRST, Actor, Cue, find_actors, nearest, resolve
from analysis.taggers.sanctions_rules import SanctionsRules, fold, load
from analysis.taggers.sanctions_shapes import Shapes

__all__ = ["Candidates", "SanctionsRules", "candidate_sentences", "fold", "load", "tag", "tag_with_candidates"]

WINDOW_BEFORE, WINDOW_AFTER = 70, 45
# states whose own measures against sanctioning states are counter-sanctions (GUIDELINES: regime OTHER)
COUNTER_SENDERS = frozenset({"CHN", "RUS"})
CAATSA_SELLER = "RUS"  # GUIDELINES: CAATSA punishes purchases of Russian arms, so its threats fall on the buyers
WEAK_TRIGGER = "sanctions.trigger.penalty+"  # a word that means sanctions only in an article that reports them
IN_PLACE_CUE = "sanctions.in_force.applied"  # rule id recorded for "..., which has been in place"
DEFAULT_CUE = "sanctions.action.default_in_force"  # rule id recorded when no action cue is near: in force
GENERIC_TRIGGER = "sanctions.trigger.sanction"  # the bare word "sanctions": its regime comes from cues beside it
EMBARGO_TRIGGER = "sanctions.trigger.embargo+"
# an entity-list / export-control cue sets the regime of a bare "sanctions" only this close ("sanctions and export controls")
EXPORT_CUE_REACH = 40


def _regime(sender: str, cues: frozenset[str], caatsa: bool, target: str, action: str = "imposed") -> str:
    """GUIDELINES "regime": CAATSA where the law is named or described, EU/UN/UK by sender,
    EXPORT_CONTROL for entity lists and arms-sale halts, counter-sanctions of China or Russia OTHER;
    a US proposal of Security Council sanctions is a threat of UN sanctions."""
    if sender in COUNTER_SENDERS:
        return "OTHER"
    if sender == "USA" and action == "threat" and "UN" in cues and "CAATSA" not in cues:
        return "UN"
    if "CAATSA" in cues or (caatsa and sender == "USA" and target not in ("IRN", "PRK")):
        return "CAATSA" if sender == "USA" else "OTHER"
    if sender == "EU":
        return "EU"
    if sender == "UN":
        return "UN"
    if "EXPORT_CONTROL" in cues:
        return "EXPORT_CONTROL"
    if sender == "GBR":
        return "UK"
    return "OFAC" if sender == "USA" else "OTHER"



@dataclass
class Item:
    """One sanctions expression read from a sentence, before article context fills its gaps."""

    sentence: int
    start: int
    end: int
    senders: list[str]
    targets: list[str]
    action: str
    modality: str
    weight: float
    rule: str
    cues: frozenset[str]
    s_how: str
    t_how: str
    generic_recipients: bool = False  # a waiver for unnamed "eight countries" (only ever set on waivers)


def _sentence_items(text: str, low: str, offset: int, sentence: int, rules: SanctionsRules, gazetteer: Any,
                    found_actors: list[list[Actor]]) -> list[Item]:
    """Every sanctions expression of one sentence with what the sentence itself says about it.

    Cue kinds are scanned once per sentence and only over the span the triggers' windows
    cover; the rarer kinds (relief demands and offers, in-force cues) only when an item needs
    them. The sentence's actors are appended to ``found_actors`` for the article default.
    ``low`` is the folded sentence (same length, so offsets agree).
    """
    sh: Shapes = rules.shapes  # type: ignore[assignment]
    triggers = rules.matcher("trigger").finditer(text, low)
    if not triggers or rules.matcher("negative").search(text, low):
        return []
    actors = find_actors(text, low, rules, gazetteer)
    found_actors.append(actors)
    cues: set[str] = set()
    regime_sender = None
    export_cues = []  # spans of entity-list / export-control cues
    for rule, rm in rules.matcher("regime").finditer(text, low):
        cues.add(rule.value)
        if rule.value == "EXPORT_CONTROL":
            export_cues.append((rm.start(), rm.end()))
        if not sh.object_before.search(low, max(0, rm.start() - 20), rm.start()):
            regime_sender = regime_sender or rule.sender or None  # "expand the ban to the entire EU" names no sender
    span = (max(0, triggers[0][1].start() - WINDOW_BEFORE), min(len(text), triggers[-1][1].end() + WINDOW_AFTER))
    acts = rules.matcher("action").finditer(text, low, *span)
    before_span = (span[0], triggers[-1][1].start())  # modality cues are only read before a trigger
    negs = rules.matcher("negation").finditer(text, low, *before_span)
    hyps = rules.matcher("hypothetical").finditer(text, low, *before_span)
    lazy: dict[str, list[Cue]] = {}

    def cues_of(kind: str) -> list[Cue]:
        if kind not in lazy:
            lazy[kind] = rules.matcher(kind).finditer(text, low, *span)
        return lazy[kind]

    question = text.rstrip(" \"'”’)").endswith("?")
    responding = any(w in low for w in sh.responding_words)
    out = []
    for trig, m in triggers:
        t0, t1 = m.start(), m.end()
        if trig.rule_id.endswith(".caatsa") and len(triggers) > 1:
            continue  # the law's name only sets the regime when another trigger carries the action
        if trig.value == "waiver" and any(w in low for w in sh.tariff_words) and not any(w in low for w in sh.sanction_words):
            continue  # GUIDELINES: trade-war tariffs are not sanctions, so an exemption from them is no waiver
        window = low[max(0, t0 - 40):t0]
        if any(w in window for w in sh.waived_words) and sh.waived_from.search(low, max(0, t0 - 40), t0):
            continue  # "a waiver from sanctions": the sanctions are what the waiver is about, not a second tuple
        lo, hi = max(0, t0 - WINDOW_BEFORE), min(len(text), t1 + WINDOW_AFTER)
        # a cue after the trigger counts only in the same clause and not as another infinitive
        # ("implement U.N. sanctions and to suspend ties": "suspend" is not about the sanctions)
        clause_end = sh.clause_end.search(low, t1, hi)
        cue = nearest([c for c in acts if c[1].start() < t1 or not sh.infinitive.search(low, max(0, c[1].start() - 4),
                                                                                          c[1].start())],
                      lo, clause_end.start() if clause_end else hi, t0, t1)
        if cue and cue[0].value == "imposed":
            # "urged ... to impose sanctions": a threat cue before the trigger outranks a nearer "impose"
            earlier = nearest(acts, max(0, t0 - 50), t0, t0, t1, "threat")
            cue = earlier or cue
        if cue and cue[0].value == "threat" and cue[1].end() <= t0 and nearest(cues_of("in_force"), cue[1].end(), t0, t0, t1):
            cue = None  # "urged Seoul to enforce the sanctions": the sanctions exist, they are in force
        if cue and cue[1].end() <= t0 and sh.response.search(low, cue[1].end(), t0):
            cue = None  # "considering action in response to the new sanctions": the cue is about the response
        action = trig.value or (cue[0].value if cue else "imposed")
        weight = trig.weight * (cue[0].weight if cue else 0.6)
        response = sh.response.search(low, lo, t0) if responding else None
        mod_lo = response.end() if response else lo  # modality before "in response to" is about the response
        neg = nearest(negs, mod_lo, t0, t0, t1)
        hyp = nearest(hyps, mod_lo, t0, t0, t1)
        # "sanctions on China would ratchet up tensions": sanctions imagined
        modal_after = sh.modal_after.match(low, t1) if not hyp and action in ("imposed", "lifted") \
            and any(w in low[t1:] for w in sh.modals_after) else None
        if modal_after and (
                cue is None or (cue[1].group(0).lower().endswith("ing") and t0 - cue[1].end() <= 15)
                or 0 <= cue[1].start() - t1 <= 1):  # "sanctions relief would only fund ...": relief imagined
            hyp = (trig, modal_after)
        conditional = hyp and (sh.condition_after.search(low, t1, min(len(low), t1 + 80))
                               or sh.condition_before.search(low, 0, t0))
        if hyp and hyp[1].group(0).lower() in sh.decided and not conditional \
                and sh.reported.search(low, max(0, hyp[1].start() - 40), hyp[1].start()):
            hyp = None  # "China said it would impose sanctions": a reported decision, not a possibility
        modality = "negated" if neg else "hypothetical" if hyp else "asserted"
        if neg and action == "imposed":
            # "has not ruled out sanctions" is a threat; "declined to impose sanctions" is nothing
            action = "threat" if hyp or (cue and cue[0].value == "threat") or sh.hold_off.match(neg[1].group(0)) else ""
        elif neg and action == "waiver" and not sh.undecided.search(low, neg[1].end(), t0):
            action = "threat"  # "no blanket waiver": a waiver denied is a threat; "has not decided on a waiver" is debated
        elif action == "lifted" and trig.rule_id.endswith(".caatsa"):
            # a law is not lifted: a lift cue beside its name is about the deal ("urged Jakarta to drop it, citing CAATSA")
            action = "threat" if nearest(acts, lo, t0, t0, t1, "threat") else ""
        elif action == "lifted" and not nearest(cues_of("relief_offer"), 0, len(text), t0, t1) and (
                neg or question or any(lo <= m.start() and m.end() <= hi for _, m in cues_of("relief_demand"))
                or (hyp and (hyp[1].group(0).lower() in sh.speculative or hyp[1] is modal_after))):
            # relief refused, only demanded, asked about or speculated on is not listed; relief the
            # sender offers on conditions ("could be lifted if ...") is
            action = ""
        elif hyp and action == "imposed" and not nearest(cues_of("in_force"), lo, hi, t0, t1) \
                and (hyp[1].group(0).lower() in sh.conditional or conditional or not (
                    sh.imposed_before.search(low, t0 - 25 if t0 > 25 else 0, t0) or sh.imposed_after.match(low, t1))):
            # "could impose sanctions", "if Congress imposed sanctions"; but "would fully implement the
            # sanctions" and "will still apply under sanctions imposed on Iran" are in force
            action = "threat"
        in_place = sh.in_place_after.match(low, t1) if action != "imposed" and trig.value != "waiver" else None
        if not action and not in_place:
            continue
        senders, targets, s_how, t_how = resolve(text, low, t0, t1, actors, rules, regime_sender)
        own_cues = frozenset(cues)
        if trig.rule_id == GENERIC_TRIGGER and export_cues and not any(
                t0 - EXPORT_CUE_REACH <= b and a <= t1 + EXPORT_CUE_REACH for a, b in export_cues):
            # "added to the entity list ... violated U.S. sanctions on Iran": the sanctions are another measure (OFAC)
            own_cues -= {"EXPORT_CONTROL"}
        spans = [t0, t1] + ([cue[1].start(), cue[1].end()] if cue else [])
        if action:
            out.append(Item(sentence, offset + min(spans), offset + max(spans), senders, targets, action, modality,
                            weight, f"{trig.rule_id}+{cue[0].rule_id if cue else DEFAULT_CUE}",
                            own_cues, s_how, t_how, action == "waiver" and bool(
                                sh.generic_recipients.match(low, t1) or sh.generic_before.search(low, max(0, t0 - 120), t0))))
        if in_place:
            out.append(Item(sentence, offset + t0, offset + in_place.end(), senders, targets, "imposed", "asserted", weight,
                            f"{trig.rule_id}+{IN_PLACE_CUE}", own_cues, s_how, t_how))
    return out


def _listed_countries(text: str, gazetteer: Any, sh: Shapes) -> list[str]:
    """Countries named in a list of two or more ("China, India, Japan and South Korea"); the EU and UN are no recipients."""
    named = [m for m in gazetteer.find(text) if m.kind == "name" and m.code not in ("EU", "UN")]
    out: list[str] = []
    in_list = False
    for a, b in zip(named, named[1:]):
        joined = bool(sh.list_join.fullmatch(text, a.end, b.start))
        if joined and (in_list or not sh.place_before.search(text, max(0, a.start - 12), a.start)):
            out += [a.code, b.code]  # "prices fell in Peru and Kenya" is a place, not a recipient list
        in_list = joined and (in_list or bool(out))
    return list(dict.fromkeys(out))


def _spell_out_recipients(items: list[Item], text: str, next_sentence: Any, gazetteer: Any, sh: Shapes) -> list[Item]:
    """A waiver for unnamed "eight countries" takes the countries the article then lists.

    The list is read after a colon in the waiver's own sentence, else in the sentence right
    after it ("The eight are India, Japan ..."); with no list of two or more countries the
    waiver keeps its generic recipients and gives no tuple (GUIDELINES: waiver target).
    """
    out = []
    for it in items:
        if it.action == "waiver" and it.generic_recipients and it.t_how in ("near", ""):
            colon = text.find(":", it.end, next_sentence(it.sentence, it.end)[0])
            listed = _listed_countries(text[colon:next_sentence(it.sentence, it.end)[0]], gazetteer, sh) if colon >= 0 else []
            if not listed:
                start, end = next_sentence(it.sentence, it.end)
                listed = _listed_countries(text[start:end], gazetteer, sh)
            if listed:
                it = replace(it, targets=[c for c in listed if c not in it.senders], t_how="list",
                             generic_recipients=False)
        out.append(it)
    return out


def _usual_sender(items: list[Item]) -> str | None:
    """The sender the article's own sentences name most often (first named wins a tie)."""
    counts: dict[str, int] = {}
    for it in items:
        if it.s_how in ("agent", "premod", "subject", "direct"):
            for code in it.senders:
                counts[code] = counts.get(code, 0) + 1
    return max(counts, key=counts.__getitem__) if counts else None


def _article_records(article_id: str, items: list[Item], default_sender: str | None,
                     head_targets: list[str]) -> list[dict[str, Any]]:
    """Fill each item's missing sender or target from the article and emit one record per pair.

    A missing sender is the last sender an earlier sentence named explicitly, else the article's
    usual sender; a missing target is the last target named explicitly (not guessed from
    proximity), else the headline's country.
    """
    caatsa = any("CAATSA" in it.cues for it in items)
    if all(it.rule.startswith(WEAK_TRIGGER) for it in items):
        return []  # "penalties" alone do not make an article about sanctions
    head_target = head_targets[0] if head_targets else None
    last_sender, last_target = default_sender, head_target
    # CAATSA threatens the buyers of Russian arms: a borrowed target of a CAATSA threat is never the seller
    buyer = next((c for c in head_targets if c != CAATSA_SELLER), None)
    out = []
    for it in items:
        senders, targets, s_how, t_how, carried = it.senders, it.targets, it.s_how, it.t_how, 0
        if it.rule.startswith(WEAK_TRIGGER) and it.t_how not in ("prep", "premod", "passive", "object"):
            continue  # "penalties" stand for sanctions only with the country they fall on named
        if (not senders or not targets) and it.rule.endswith(DEFAULT_CUE):
            continue  # a bare mention of sanctions in force adds a tuple only where it names both countries
        if not senders and not targets and it.action == "threat":
            continue  # a threat that names no one ("sanctions must avoid harming civilians") is talk, not a threat
        if not senders and last_sender:
            senders, carried, s_how = [last_sender], carried + 1, "carried"
        caatsa_threat = it.action in ("threat", "waiver") and "CAATSA" in it.cues
        if caatsa_threat and t_how in ("near", "") and targets == [CAATSA_SELLER]:
            targets = []
        if not targets and last_target and last_target not in senders:
            borrowed = buyer if caatsa_threat and last_target == CAATSA_SELLER else last_target
            if borrowed:
                targets, carried, t_how = [borrowed], carried + 1, "carried"
        if it.action == "waiver" and t_how in ("carried", "near") and it.generic_recipients:
            continue  # GUIDELINES: a waiver for unnamed "eight countries" names no recipient, so no tuple
        if not senders or not targets:
            continue
        # only what a sentence names explicitly carries on: a borrowed or guessed field never spreads
        if s_how not in ("carried", "regime"):
            last_sender = senders[0]
        if t_how not in ("carried", "near", "list"):
            last_target = targets[0]
            if last_target != CAATSA_SELLER:
                buyer = last_target
        for sender, target in [(s, t) for s in senders for t in targets if s != t]:
            out.append({
                "article_id": article_id, "sentence": it.sentence, "char_start": it.start, "char_end": it.end,
                "sender": sender, "target": target, "target_entity": None, "action": it.action,
                "regime": _regime(sender, it.cues, caatsa, target, it.action), "trigger_system": None,
                "modality": it.modality, "confidence": round(max(0.05, min(1.0, it.weight - 0.15 * carried)), 3),
                "rule": f"{it.rule}@sender.{s_how}@target.{t_how}",
            })
    return _same_embargo(out)


def _same_embargo(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """"The embargo" in an article that names an arms embargo between the same countries is that embargo:
    it takes its EXPORT_CONTROL regime (GUIDELINES: arms embargoes of states are export controls)."""
    named = {(r["sender"], r["target"]) for r in records
             if r["regime"] == "EXPORT_CONTROL" and r["rule"].startswith(EMBARGO_TRIGGER)}
    for r in records:
        if (r["sender"], r["target"]) in named and r["rule"].startswith(EMBARGO_TRIGGER) and r["regime"] in ("OFAC", "OTHER"):
            r["regime"] = "EXPORT_CONTROL"
    return records


Candidates = dict[str, list[tuple[int, int, int]]]  # article_id -> [(sentence, char_start, char_end)]

BATCH = 512  # articles whose texts are turned into Python strings at once (bounded memory, no per-item Arrow access)


@dataclass(frozen=True)
class Scan:
    """The prefilter's result for a chunk: texts and candidate sentences of the articles holding a strong cue."""

    texts: dict[str, str]
    candidates: Candidates
    codes: Any  # per sentence row: the article's index in ``texts`` (-1 for other articles)

    def following(self, sentences: pd.DataFrame, aid: str) -> Any:
        """(sentence, end offset) -> (start, end) of the following sentence; looked up only for the rare generic waiver."""
        rows = np.flatnonzero(self.codes == list(self.texts).index(aid))
        bounds = {int(n): (int(a), int(b)) for n, a, b in zip(sentences["sentence"].to_numpy()[rows],
                                                                 sentences["char_start"].to_numpy()[rows],
                                                                 sentences["char_end"].to_numpy()[rows])}

        def following(sentence: int, end: int) -> tuple[int, int]:
            own = bounds.get(sentence, (end, end))
            return bounds.get(sentence + 1, (own[1], own[1]))
        return following


def _article_codes(ids: Any, wanted: dict[str, int]) -> Any:
    """Each row's index in ``wanted`` (-1 if absent), comparing strings once per run of equal ids, not per row."""
    col = pa.array(ids)
    n = len(col)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = pc.fill_null(pc.not_equal(col.slice(1), col.slice(0, n - 1)), True)
    starts = np.concatenate(([0], np.flatnonzero(change.to_numpy(zero_copy_only=False)) + 1))
    run_codes = np.array([wanted.get(x, -1) for x in col.take(pa.array(starts)).to_pylist()], dtype=np.int64)
    return np.repeat(run_codes, np.diff(np.append(starts, n)))


def _scan(articles: pd.DataFrame, sentences: pd.DataFrame, rules: SanctionsRules) -> Scan:
    """Texts and candidate sentences of the articles holding a strong prefilter cue.

    One Aho-Corasick scan per article; a sentence is a candidate when a cue starts inside it,
    decided for all sentences at once with sorted (article, position) keys, so only the few
    candidates become Python objects (per-row work cost more than the scan itself).
    """
    texts: dict[str, str] = {}
    hits: dict[str, list[int]] = {}
    find = rules.prefilter.find_matches_as_indexes
    ids, bodies = articles["article_id"], articles["text"]
    for first in range(0, len(articles), BATCH):
        for aid, text in zip(ids.iloc[first:first + BATCH].tolist(), bodies.iloc[first:first + BATCH].tolist()):
            found = find(text.lower())
            if found and any(i < rules.strong_cues for i, _, _ in found):  # weak cues alone ("penalties") are not enough
                hits[aid] = [s for _, s, _ in found]
                texts[aid] = text
    if not texts:
        return Scan(texts, {}, np.zeros(0, dtype=np.int64))
    codes = _article_codes(sentences["article_id"], {aid: k for k, aid in enumerate(texts)})
    cue_keys = np.array(sorted({k << 32 | s for k, aid in enumerate(texts) for s in hits[aid]}), dtype=np.int64)
    rows = np.flatnonzero(codes >= 0)
    article = codes[rows] << 32
    first_cue = np.searchsorted(cue_keys, article | sentences["char_start"].to_numpy()[rows])
    inside = cue_keys[np.minimum(first_cue, len(cue_keys) - 1)] < (article | sentences["char_end"].to_numpy()[rows])
    picked = rows[(first_cue < len(cue_keys)) & inside]
    names = list(texts)
    out: dict[str, list[tuple[int, int, int]]] = {}
    for k, sent, start, end in zip(codes[picked].tolist(), sentences["sentence"].to_numpy()[picked].tolist(),
                                   sentences["char_start"].to_numpy()[picked].tolist(),
                                   sentences["char_end"].to_numpy()[picked].tolist()):
        out.setdefault(names[k], []).append((sent, start, end))
    return Scan(texts, out, codes)


def candidate_sentences(articles: pd.DataFrame, sentences: pd.DataFrame, rules: SanctionsRules) -> Candidates:
    """article_id -> [(sentence, char_start, char_end)] of sentences holding a prefilter cue."""
    return _scan(articles, sentences, rules).candidates


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """The sanctions table for a chunk of articles (pure: no I/O, no globals)."""
    return tag_with_candidates(articles, sentences, vocab)[0]


def tag_with_candidates(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> tuple[pd.DataFrame, Candidates]:
    """The sanctions table and the prefilter's candidate sentences (``candidate_sentences``) of the chunk.

    The exposure flag reads the same candidates for its sanctions signals; handing them over
    saves it a second prefilter scan of every article. Treat the mapping as read-only.
    """
    rules: SanctionsRules = vocab.sanctions
    sh: Shapes = rules.shapes  # type: ignore[assignment]
    gazetteer = vocab.gazetteer
    scan = _scan(articles, sentences, rules)
    texts, candidates = scan.texts, scan.candidates
    records: list[dict[str, Any]] = []
    if candidates:
        titles = dict(zip(articles["article_id"].tolist(), articles["title"].tolist()))
        for aid, spans in candidates.items():
            text, title = texts[aid], titles.get(aid)
            found_actors: list[list[Actor]] = []
            items = [it for sent, start, end in spans
                     for it in _sentence_items(text[start:end], fold(text[start:end]), start, sent, rules,
                                               gazetteer, found_actors)]
            if not items:
                continue
            if any(it.action == "waiver" and it.generic_recipients for it in items):
                items = _spell_out_recipients(items, text, scan.following(sentences, aid), gazetteer, rules.shapes)
            heads = gazetteer.find(title) if isinstance(title, str) else []
            # a headline country after "on/against" ("China steps up pressure on N. Korea") comes first
            ranked = sorted((m for m in heads if m.code not in SENDER_FIRST),
                            key=lambda m: not sh.head_target.search(title, max(0, m.start - 12), m.start))
            head_targets = list(dict.fromkeys(m.code for m in ranked))
            head_sender = next((m.code for m in heads if m.code in SENDER_FIRST), None)
            default = _usual_sender(items) or head_sender or next(
                (a.code for found in found_actors for a in found if a.code in SENDER_FIRST), None)
            records += _article_records(aid, items, default, head_targets)
    if not records:
        return schemas.finalise(records, "sanctions", sentences, articles), candidates
    # finalise joins the evidence sentences: hand it only the articles that have findings
    ids = list({r["article_id"] for r in records})
    names = {aid: k for k, aid in enumerate(texts)}
    return schemas.finalise(records, "sanctions", sentences[np.isin(scan.codes, [names[a] for a in ids])],
                            articles[articles["article_id"].isin(ids)]), candidates
