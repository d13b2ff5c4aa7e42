"""Stated positions: who (for which country) said what about sanctions, a deal or the partnership.

The article is scanned once for topic cues; only articles with one go further,
and only quotes and sentences that carry a topic cue get the attribution rules
(analysis/taggers/attribution.py) and the stance reading
(analysis/taggers/stance.py). That prefilter is what keeps the tagger fast.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import schemas
from analysis.taggers import attribution as attr
from analysis.taggers.stance import (Lexicon, Reading, ScopeCue, StanceCue, StanceRules, TopicCue, read_statement,
                                     topics_in)
from analysis.vocab import VocabError, read_csv_rows

RULE_COLUMNS = ["rule_id", "weight", "rationale", "example_positive", "example_negative"]
WEAK_TOPIC = 0.6          # topic cues below this weight count only where a strong cue names the topic
SANCTIONS_PRIOR = 0.35    # evidence given to a default stance on sanctions when no cue decides


@dataclass(frozen=True)
class PositionRules:
    """Everything the positions tagger reads, loaded once from data/rules."""

    attribution: attr.AttributionRules
    stance: StanceRules
    rule_rows: tuple[dict[str, str], ...]    # every rule row with its examples (run as tests)
    target_words: tuple[str, ...]            # "sanctions on X": X is the target


def _weight(path: Path, row: dict[str, str]) -> float:
    try:
        value = float(row["weight"])
    except ValueError as exc:
        raise VocabError(f"{path}: rule {row.get('rule_id')}: weight {row['weight']!r} is not a number") from exc
    if not 0.0 <= value <= 1.0:
        raise VocabError(f"{path}: rule {row.get('rule_id')}: weight {value} outside 0-1")
    return value


def _check_rule(path: Path, row: dict[str, str]) -> None:
    for column in ("rule_id", "rationale", "example_positive", "example_negative"):
        if not row[column]:
            raise VocabError(f"{path}: rule {row.get('rule_id') or '?'} has no {column}")


def load(data_dir: Path) -> PositionRules:
    """Read and validate the positions data files; raises VocabError naming the file and row."""
    rules = Path(data_dir) / "rules"
    rows: list[dict[str, str]] = []

    path = rules / "speech_verbs.csv"
    verbs = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["forms", "kind", "stance"]):
        _check_rule(path, row)
        verb = attr.Verb(row["rule_id"], row["kind"], row["stance"], _weight(path, row))
        verbs += [(form, verb) for form in row["forms"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "titles.csv"
    titles = [attr.Title(r["title"], r["kind"], r["country"]) for r in read_csv_rows(path, ["title", "kind", "country"])]
    kinds = {"official", "institution", "lawmaker", "media", "nonofficial", "anaphor", "pair", "modifier"}
    for title in titles:
        if title.kind not in kinds:
            raise VocabError(f"{path}: title {title.surface!r} has unknown kind {title.kind!r}")
    title_words = frozenset(w for t in titles for w in t.surface.split())

    path = rules / "positions_officials.csv"
    officials: dict[str, list[attr.Official]] = {}
    for r in read_csv_rows(path, ["name", "aliases", "country", "role", "valid_from", "valid_to"]):
        person = attr.Official(r["name"], r["country"], r["role"], r["valid_from"], r["valid_to"])
        for key in [r["name"], *filter(None, r["aliases"].split("|"))]:
            officials.setdefault(key, []).append(person)

    path = rules / "positions_topics.csv"
    topic_cues = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["topic", "cues"]):
        _check_rule(path, row)
        if row["topic"] not in {"sanctions", "deal", "partnership", "none"}:
            raise VocabError(f"{path}: rule {row['rule_id']}: unknown topic {row['topic']!r}")
        cue = TopicCue(row["rule_id"], row["topic"], _weight(path, row))
        topic_cues += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "stance_cues.csv"
    stance_cues = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["topic", "applies", "cues", "stance", "negated"]):
        _check_rule(path, row)
        for column in ("stance", "negated"):
            if row[column] not in {"support", "oppose", "neutral", "none"}:
                raise VocabError(f"{path}: rule {row['rule_id']}: bad {column} {row[column]!r}")
        cue = StanceCue(row["rule_id"], row["topic"], row["applies"], row["stance"], row["negated"], _weight(path, row))
        stance_cues += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "stance_scope.csv"
    scope = []
    target_words: list[str] = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["kind", "cues", "window"]):
        _check_rule(path, row)
        if row["kind"] == "target":
            target_words += row["cues"].split("|")
            rows.append({**row, "file": path.name})
            continue
        cue = ScopeCue(row["rule_id"], row["kind"], int(row["window"] or 0))
        scope += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    return PositionRules(
        attribution=attr.AttributionRules(Lexicon(verbs), Lexicon((t.surface, t) for t in titles),
                                          {k: tuple(v) for k, v in officials.items()}, title_words),
        stance=StanceRules(Lexicon(topic_cues), Lexicon(stance_cues), Lexicon(scope), WEAK_TOPIC),
        rule_rows=tuple(rows),
        target_words=tuple(target_words),
    )


def _targets(ctx: attr.ArticleContext, rules: PositionRules, start: int, end: int, places: list) -> set[str]:
    """Countries a statement names as the target of sanctions ("sanctions on Iran", "against us" = "self")."""
    found = set()
    for place in places:
        before = ctx.folded[max(start, start + place.start - 30):start + place.start]
        if any(t == "sanctions" for _, t, w in topics_in(rules.stance, before)) and \
                any(w in before.split()[-3:] for w in rules.target_words):
            found.add(place.code)
    clause = ctx.folded[start:end]
    if any(f" {w} us" in clause or f" {w} our" in clause for w in rules.target_words):
        found.add("self")
    return found


def _default_sanctions(targets: set[str], country: str) -> Reading:
    """No cue decided: a speaker whose own country is the target opposes, anyone else supports (weakly)."""
    stance = "oppose" if country in targets or "self" in targets else "support"
    return Reading("sanctions", stance, SANCTIONS_PRIOR, "positions.stance.sanctions_default")


def _records(ctx: attr.ArticleContext, rules: PositionRules, statement: attr.Statement, licensed: set[str],
             article_id: str, starts: list[int]) -> list[dict[str, Any]]:
    verb = statement.verb
    readings = read_statement(rules.stance, ctx.text, ctx.folded, statement.start, statement.end, licensed,
                              verb.stance, verb.weight * 0.8)
    topics = {t for _, t, w in topics_in(rules.stance, ctx.folded, statement.start, statement.end)
              if w >= rules.stance.weak_topic or t in licensed}
    places = ctx.gazetteer.find(ctx.text[statement.start:statement.end])
    targets = _targets(ctx, rules, statement.start, statement.end, places)
    sentence = max(0, bisect.bisect_right(starts, statement.start) - 1)
    out = []
    for speaker in statement.speakers:
        mine = list(readings)
        if "sanctions" in topics and not any(r.topic == "sanctions" for r in readings):
            if verb.kind in ("warn", "urge", "commit"):
                mine.append(Reading("sanctions", "support", 0.5, "positions.stance.sanctions_" + verb.kind))
            else:
                mine.append(_default_sanctions(targets, speaker.country))
        about = next((p.code for p in places if p.code != speaker.country), None)
        for reading in mine:
            confidence = speaker.confidence * verb.weight * min(1.0, 0.5 + reading.score / 2)
            out.append({
                "article_id": article_id, "sentence": sentence,
                "char_start": statement.start, "char_end": statement.end,
                "confidence": round(min(0.99, confidence), 3),
                "rule": f"{statement.rule}+{reading.rule}",
                "speaker": speaker.name, "speaker_role": speaker.role, "speaker_country": speaker.country,
                "about_country": about, "topic": reading.topic, "stance": reading.stance,
                "quote": ctx.text[statement.start:statement.end],
            })
    return out


def _quote(ctx: attr.ArticleContext, quotes: list, index: int) -> attr.Statement | None:
    """Attribute quote ``index``; an unattributed quote may continue the quote just before it."""
    def attribute(i: int) -> attr.Statement | None:
        q = quotes[i]
        para = ctx.text.rfind("\n", 0, q.start()) + 1
        return attr.quote_statement(ctx, q.start(), q.end(), para, quotes[i - 1].end() if i else 0)
    statement = attribute(index)
    if statement is None and index and (ctx.last_end < 0 or ctx.last_end < quotes[index - 1].start()):
        if attribute(index - 1) is not None:   # sets the speaker the continuation rule carries over
            statement = attribute(index)
    return statement


def positions_in(text: str, published: str, article_id: str, starts: list[int], ends: list[int],
                 rules: PositionRules, gazetteer: Any) -> list[dict[str, Any]]:
    """Position records of one article (``starts``/``ends``: its sentence offsets, in order)."""
    ctx = attr.new_context(text, published, gazetteer, rules.attribution)
    cues = topics_in(rules.stance, ctx.folded)
    licensed = {t for _, t, w in cues if w >= rules.stance.weak_topic}
    if not licensed:
        return []
    cue_positions = [p for p, t, w in cues if w >= rules.stance.weak_topic or t in licensed]

    def has_cue(s: int, e: int) -> bool:
        k = bisect.bisect_left(cue_positions, s)
        return k < len(cue_positions) and cue_positions[k] < e

    quotes = list(attr.QUOTE.finditer(text))
    # only quotes and sentences with a topic cue get the attribution rules (the prefilter)
    events: list[tuple[int, str, Any]] = [(q.start(), "quote", i) for i, q in enumerate(quotes)
                                          if has_cue(q.start(), q.end())]
    events += [(e, "sentence", (s, e)) for s, e in zip(starts, ends) if has_cue(s, e)]
    # a sentence comes after every quote that starts inside it, so quotes claim their text first
    events.sort(key=lambda ev: (ev[0], ev[1] == "sentence"))
    records: list[dict[str, Any]] = []
    covered: list[tuple[int, int]] = []
    for _, kind, item in events:
        if kind == "quote":
            statement = _quote(ctx, quotes, item)
            if statement is not None:
                covered.append((statement.start, statement.end))
                records += _records(ctx, rules, statement, licensed, article_id, starts)
            continue
        s, e = item
        if any(cs < e and s < ce for cs, ce in covered):
            continue
        for statement in attr.reported_statements(ctx, s, e):
            records += _records(ctx, rules, statement, licensed, article_id, starts)
    return records


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """The positions table for a chunk of articles (pure: no I/O, no globals)."""
    rules: PositionRules = vocab.positions
    offsets: dict[str, tuple[list[int], list[int]]] = {}
    ordered = sentences.sort_values(["article_id", "sentence"])
    for aid, s, e in zip(ordered["article_id"].tolist(), ordered["char_start"].tolist(), ordered["char_end"].tolist()):
        pair = offsets.setdefault(aid, ([], []))
        pair[0].append(int(s))
        pair[1].append(int(e))
    records: list[dict[str, Any]] = []
    dates = pd.to_datetime(articles["published"]).dt.strftime("%Y-%m-%d").fillna("").tolist()
    for aid, text, published in zip(articles["article_id"].tolist(), articles["text"].tolist(), dates):
        starts, ends = offsets.get(aid, ([], []))
        if text and starts:
            records += positions_in(text, published, aid, starts, ends, rules, vocab.gazetteer)
    return schemas.finalise(records, "positions", sentences, articles)
