"""Sanctions signals: (sender, target, action, regime, modality) per sentence, with the article as context.

A cheap Aho-Corasick prefilter keeps only sentences with a sanctions cue (most
articles have none). Each remaining sentence is read by the rule table
``data/rules/sanctions_rules.csv``: negative rules drop non-political senses,
each trigger takes the action of the nearest action cue, and countries come
from the gazetteer plus actor rules. A sender or target the sentence leaves
out is carried over from earlier sanctions sentences (or the headline), which
is how "the sanctions" in paragraph five still gets its countries.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick_rs
import pandas as pd

from analysis import schemas
from analysis.vocab import VocabError, read_csv_rows

RULES_FILE = "rules/sanctions_rules.csv"
KINDS = ("trigger", "negative", "relief_demand", "action", "negation", "hypothetical", "regime", "actor", "target_prep")
COLUMNS = ["rule_id", "kind", "pattern", "value", "sender", "weight", "rationale", "example_positive",
           "example_negative"]
# Cheap lower-case cues: a sentence without one of these cannot hold a trigger.
PREFILTER = ("sanction", "embargo", "waive", "exempt", "blacklist", "entity list", "export control", "export ban",
             "export restriction", "export curb", "caatsa", "countering america", "arms sales", "arms exports",
             "weapons sales", "arms transfers", "arms deliveries", "weapons exports")
# Senders that usually stand before "sanctions" as the sender ("US sanctions") rather than the target.
SENDER_FIRST = frozenset({"USA", "EU", "UN", "GBR", "CAN", "AUS", "JPN", "CHE"})
WINDOW_BEFORE, WINDOW_AFTER = 70, 45
_GLUE = re.compile(r"^(?:\s|-led|-imposed|'s|’s|,|\band\b|\bthe\b|\bnew\b|\beconomic\b|\bfinancial\b|"
                   r"\badditional\b|\btough\b|\bfresh\b|\bsecondary\b|\bnuclear\b|\bunilateral\b|\bexisting\b|"
                   r"\bcurrent\b|\bcrippling\b|\bmilitary\b|\boil\b|\bsectoral\b|\btargeted\b)*$", re.I)
_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being|get|got|faces?|facing|faced|under|hit by|risks?|remains?)\b"
                      r"[^,;]{0,30}$", re.I)
_AGENT_VERB = re.compile(r"^[^,;]*\b(?:impos\w*|slap\w*|announc\w*|put|puts|placed|add\w*|threat\w*|retaliat\w*|"
                         r"hit|sanction\w*|lift\w*|eas\w*|extend\w*|ban\w*|blacklist\w*)\b", re.I)
_BY = re.compile(r"^[^,;]{0,25}?\b(?:by|from) (?:the )?$", re.I)


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
    ``finditer`` maps each match back to the row that produced it.
    """

    rules: tuple[Rule, ...]
    folded: re.Pattern[str] | None
    exact: re.Pattern[str] | None

    def _rule(self, m: re.Match[str]) -> Rule:
        return self.rules[int(m.lastgroup[1:])]  # type: ignore[index]

    def search(self, text: str, folded: str, lo: int = 0, hi: int | None = None) -> re.Match[str] | None:
        hi = len(text) if hi is None else hi
        m = self.folded.search(folded, lo, hi) if self.folded is not None else None
        return m or (self.exact.search(text, lo, hi) if self.exact is not None else None)

    def finditer(self, text: str, folded: str, lo: int = 0,
                 hi: int | None = None) -> list[tuple[Rule, re.Match[str]]]:
        hi = len(text) if hi is None else hi
        out = [(self._rule(m), m) for m in self.folded.finditer(folded, lo, hi)] if self.folded is not None else []
        if self.exact is not None:
            out += [(self._rule(m), m) for m in self.exact.finditer(text, lo, hi)]
            out.sort(key=lambda x: x[1].start())
        return out


def _merge(rules: tuple[Rule, ...], patterns: tuple[str, ...]) -> KindMatcher:
    folded, exact = [], []
    for i, pattern in enumerate(patterns):
        if pattern.startswith("(?-i)"):
            exact.append(f"(?P<g{i}>{pattern[5:]})")
        else:
            folded.append(f"(?P<g{i}>{_lower_pattern(pattern)})")
    return KindMatcher(rules, _compile(folded), _compile(exact))


def _compile(parts: list[str]) -> re.Pattern[str] | None:
    """One alternation; when every branch opens on a word boundary, a cheap word-start guard
    lets the engine skip all other positions (about twice as fast on sentences)."""
    if not parts:
        return None
    guard = r"(?<!\w)(?=\w)" if all(p.split(">", 1)[1].startswith(r"\b") for p in parts) else ""
    return re.compile(guard + "(?:" + "|".join(parts) + ")")


@dataclass(frozen=True)
class SanctionsRules:
    """The compiled rule table, one merged matcher per kind, and the prefilter automaton."""

    rules: tuple[Rule, ...]
    prefilter: Any
    kinds: dict[str, KindMatcher] = field(default_factory=dict)

    def of(self, kind: str) -> tuple[Rule, ...]:
        return self.kinds[kind].rules if kind in self.kinds else ()

    def matcher(self, kind: str) -> KindMatcher:
        return self.kinds[kind]


def load(data_dir: Path) -> SanctionsRules:
    """Read and compile data/rules/sanctions_rules.csv; raises VocabError naming the bad row."""
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
    automaton = ahocorasick_rs.AhoCorasick(list(PREFILTER))
    kinds = {}
    for kind in KINDS:
        own = tuple(r for r in rules if r.kind == kind)
        kinds[kind] = _merge(own, tuple(patterns[r.rule_id] for r in own))
    return SanctionsRules(tuple(rules), automaton, kinds)


@dataclass(frozen=True)
class Actor:
    start: int
    end: int
    code: str
    weight: float = 0.7
    kind: str = "actor"


def _actors(text: str, low: str, rules: SanctionsRules, gazetteer: Any) -> list[Actor]:
    found = [Actor(m.start, m.end, m.code, 0.7, m.kind) for m in gazetteer.find(text)]
    extra = [Actor(m.start(), m.end(), rule.value, rule.weight) for rule, m in rules.matcher("actor").finditer(text, low)
             if not any(a.start < m.end() and m.start() < a.end for a in found)]
    return sorted(found + extra, key=lambda a: a.start) if extra else found


Cue = tuple[Rule, re.Match]


def _nearest(found: list[Cue], lo: int, hi: int, t0: int, t1: int, value: str | None = None) -> Cue | None:
    """The cue closest to the trigger [t0, t1) inside [lo, hi), not overlapping it (optionally of one value).

    ``found`` holds the cues of one kind over the whole sentence (one regex pass per kind).
    """
    best, best_d = None, 10**9
    for rule, m in found:
        if m.start() < lo or m.end() > hi or (m.start() < t1 and t0 < m.end()) \
                or (value is not None and rule.value != value):
            continue
        d = t0 - m.end() if m.end() <= t0 else m.start() - t1
        if d < best_d:
            best, best_d = (rule, m), d
    return best


@dataclass
class Context:
    """What the article has established so far: the last sender and target, the headline's countries."""

    sender: str | None = None
    target: str | None = None
    caatsa: bool = False


def _regime(sender: str, cues: set[str], caatsa: bool, target: str) -> str:
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


def _resolve(text: str, low: str, t0: int, t1: int, actors: list[Actor], rules: SanctionsRules,
             regime_sender: str | None) -> tuple[list[str], list[str]]:
    """Sender and targets named in the sentence around one trigger.

    Senders are mostly the US, the EU and the UN; another state is taken as sender only
    as the agent ("by China") or as the subject right before a sanctioning verb
    ("China put U.S. firms on its entity list"), so "North Korea blasted the U.S. for
    imposing sanctions" keeps North Korea as the target.
    """
    sender: str | None = None
    targets: list[str] = []
    before = [a for a in actors if a.end <= t0]
    after = [a for a in actors if a.start >= t1]
    preps = rules.matcher("target_prep")
    for a in after:
        if _BY.search(text[t1:a.start]):
            sender = a.code
            break
    premod = before[-1] if before and _GLUE.match(text[before[-1].end:t0]) else None
    co_senders = []
    if premod is not None and premod.code in SENDER_FIRST:
        i = before.index(premod)
        while i > 0 and re.fullmatch(r"\s*(?:,|and|&)\s*", text[before[i - 1].end:before[i].start]) \
                and before[i - 1].code in SENDER_FIRST:
            co_senders.append(before[i - 1].code)
            i -= 1
    if premod is not None and text[premod.end:premod.end + 8].lower().startswith("-related"):
        premod = None
    after_prep = [a for a in after if a.start - t1 <= WINDOW_AFTER + 40 and a.code != sender
                  and preps.search(text, low, t1, a.start)]
    if premod is not None:
        if sender is None and (premod.code in SENDER_FIRST or after_prep):
            sender = premod.code
        elif premod.code != sender:
            targets.append(premod.code)
    if after_prep:
        group = [after_prep[0]]
        for a in after_prep[1:]:
            if re.fullmatch(r"(?:\s*(?:,|and|or|&)\s*(?:the\s+)?)+", text[group[-1].end:a.start], re.I):
                group.append(a)
        targets += [a.code for a in group if a.code not in targets]
    rest = [a for a in before if a is not premod]
    passive = [a for a in rest if _PASSIVE.search(text[a.end:t0]) and a.code not in SENDER_FIRST]
    if passive and not targets:
        targets.append(passive[-1].code)
    if sender is None:
        agents = [a for a in rest if a.code not in targets]
        preferred = [a for a in agents if a.code in SENDER_FIRST]
        direct = [a for a in agents if t0 - a.end <= 45 and _AGENT_VERB.search(text[a.end:t0])]
        pick = (preferred or direct)
        if pick:
            sender = pick[0].code
    if sender is None:
        sender = regime_sender
    if not targets:
        near = [a for a in actors if a.code != sender and a.code not in SENDER_FIRST
                and a.kind in ("name", "demonym", "actor") and min(abs(a.start - t1), abs(t0 - a.end)) <= 60]
        if near:
            targets.append(min(near, key=lambda a: abs(a.start - t0)).code)
    senders = [c for c in [sender, *co_senders] if c]
    return list(dict.fromkeys(senders)), [t for t in targets if t not in senders]


def _sentence_records(text: str, offset: int, article_id: str, sentence: int, rules: SanctionsRules,
                      actors: list[Actor], ctx: Context) -> list[dict[str, Any]]:
    low = fold(text)
    if rules.matcher("negative").search(text, low):
        return []
    triggers = rules.matcher("trigger").finditer(text, low)
    if not triggers:
        return []
    cues: set[str] = set()
    regime_sender = None
    for rule, _ in rules.matcher("regime").finditer(text, low):
        cues.add(rule.value)
        regime_sender = regime_sender or rule.sender or None
    if "CAATSA" in cues:
        ctx.caatsa = True
    acts = rules.matcher("action").finditer(text, low)
    negs = rules.matcher("negation").finditer(text, low)
    hyps = rules.matcher("hypothetical").finditer(text, low)
    demands = rules.matcher("relief_demand").finditer(text, low)
    out = []
    for trig, m in sorted(triggers, key=lambda x: x[1].start()):
        t0, t1 = m.start(), m.end()
        if trig.rule_id.endswith(".caatsa") and len(triggers) > 1:
            continue  # the law's name only sets the regime when another trigger carries the action
        lo, hi = max(0, t0 - WINDOW_BEFORE), min(len(text), t1 + WINDOW_AFTER)
        cue = _nearest(acts, lo, hi, t0, t1)
        if cue and cue[0].value == "imposed":
            # "urged ... to impose sanctions": a threat cue before the trigger outranks a nearer "impose"
            earlier = _nearest(acts, max(0, t0 - 50), t0, t0, t1, "threat")
            cue = earlier or cue
        action = trig.value or (cue[0].value if cue else "imposed")
        weight = trig.weight * (cue[0].weight if cue else 0.6)
        neg = _nearest(negs, lo, t0, t0, t1)
        hyp = _nearest(hyps, lo, t0, t0, t1)
        modality = "negated" if neg else "hypothetical" if hyp else "asserted"
        if neg and action == "imposed":
            action = "threat" if hyp or cue else ""
        elif neg and action == "waiver":
            action = "threat"  # "no blanket waiver": a waiver denied is a threat
        elif action == "lifted" and (neg or _nearest(demands, lo, hi, t0, t1)):
            action = ""  # relief refused, or only demanded by the target, is not listed
        elif hyp and action == "imposed" and not re.search(r"\b(?:impos|slap|levied|designat|extend)\w*\b(?! by)",
                                                             text[t0 - 25 if t0 > 25 else 0:t0], re.I):
            action = "threat"
        if not action:
            continue
        senders, targets = _resolve(text, low, t0, t1, actors, rules, regime_sender)
        carried = 0
        if not senders and ctx.sender:
            senders, carried = [ctx.sender], carried + 1
        if not targets and ctx.target and ctx.target not in senders:
            targets, carried = [ctx.target], carried + 1
        if not senders or not targets:
            continue
        ctx.sender, ctx.target = senders[0], targets[0]
        spans = [t0, t1] + ([cue[1].start(), cue[1].end()] if cue else [])
        for sender, target in [(s, t) for s in senders for t in targets if s != t]:
            out.append({
                "article_id": article_id, "sentence": sentence, "char_start": offset + min(spans),
                "char_end": offset + max(spans), "sender": sender, "target": target, "target_entity": None,
                "action": action, "regime": _regime(sender, cues, ctx.caatsa, target), "trigger_system": None,
                "modality": modality, "confidence": round(max(0.05, min(1.0, weight - 0.15 * carried)), 3),
                "rule": f"{trig.rule_id}+{cue[0].rule_id if cue else 'sanctions.action.default_in_force'}",
            })
    return out


def candidate_sentences(articles: pd.DataFrame, sentences: pd.DataFrame,
                        rules: SanctionsRules) -> dict[str, list[tuple[int, int, int]]]:
    """article_id -> [(sentence, char_start, char_end)] of sentences holding a prefilter cue.

    One Aho-Corasick scan per article; sentences are then picked with plain arrays (no
    per-article pandas grouping, which cost more than the scan itself).
    """
    hits: dict[str, list[int]] = {}
    find = rules.prefilter.find_matches_as_indexes
    for aid, text in zip(articles["article_id"].tolist(), articles["text"].tolist()):
        found = find(text.lower())
        if found:
            hits[aid] = sorted({s for _, s, _ in found})
    out: dict[str, list[tuple[int, int, int]]] = {}
    if not hits:
        return out
    mask = sentences["article_id"].isin(list(hits)).to_numpy()
    sub = sentences.loc[mask, ["article_id", "sentence", "char_start", "char_end"]]
    for aid, sent, start, end in zip(sub["article_id"].tolist(), sub["sentence"].tolist(),
                                     sub["char_start"].tolist(), sub["char_end"].tolist()):
        positions = hits[aid]
        i = bisect_left(positions, start)
        if i < len(positions) and positions[i] < end:
            out.setdefault(aid, []).append((int(sent), int(start), int(end)))
    return out


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """The sanctions table for a chunk of articles (pure: no I/O, no globals)."""
    rules: SanctionsRules = vocab.sanctions
    gazetteer = vocab.gazetteer
    candidates = candidate_sentences(articles, sentences, rules)
    records: list[dict[str, Any]] = []
    if candidates:
        sub = articles[articles["article_id"].isin(list(candidates))]
        for aid, title, text in zip(sub["article_id"].tolist(), sub["title"].tolist(), sub["text"].tolist()):
            spans = candidates[aid]
            actors = [_actors(text[start:end], fold(text[start:end]), rules, gazetteer) for _, start, end in spans]
            ctx = Context()
            heads = gazetteer.find(title) if isinstance(title, str) else []
            ctx.target = next((m.code for m in heads if m.code not in SENDER_FIRST), None)
            # the first usual sender (US, EU, UN ...) named in any sanctions sentence: the article's default
            ctx.sender = next((a.code for found in actors for a in found if a.code in SENDER_FIRST), None)
            for (sent, start, end), found in zip(spans, actors):
                records += _sentence_records(text[start:end], start, aid, sent, rules, found, ctx)
    if not records:
        return schemas.finalise(records, "sanctions", sentences, articles)
    # finalise joins the evidence sentences: hand it only the articles that have findings
    ids = list({r["article_id"] for r in records})
    return schemas.finalise(records, "sanctions", sentences[sentences["article_id"].isin(ids)],
                            articles[articles["article_id"].isin(ids)])
