"""Stated positions: who (for which country) said what about sanctions, a deal or the partnership.

The article is scanned once for topic cues; only articles with one go further,
and only quotes and sentences that carry a topic cue get the attribution rules
(analysis/taggers/attribution.py) and the stance reading
(analysis/taggers/stance.py). That prefilter is what keeps the tagger fast.
This module walks the article; the rule tables are loaded in positions_rules.py and
each attributed statement becomes rows in positions_statements.py. Their public names
(``PositionRules``, ``load``, the constants) stay importable from here.
"""

from __future__ import annotations

import bisect
from typing import Any

import numpy as np
import pandas as pd

from analysis import findings
from analysis.taggers import attribution as attr
from analysis.taggers import positions_sender as sender
from analysis.taggers.positions_rules import RULE_COLUMNS, WEAK_TOPIC, PositionRules, load  # noqa: F401
from analysis.taggers.positions_statements import (DESCRIPTIVE, PAIR_GLUE, QUOTE_MARKS,  # noqa: F401
                                                   SANCTIONS_PRIOR, Sentences, sender_records, statement_records)
from analysis.taggers.stance import fold, topics_in
from analysis.taggers.stance_lexicon import names_topic, topic_hits_unfolded

__all__ = ["DESCRIPTIVE", "PAIR_GLUE", "QUOTE_MARKS", "RULE_COLUMNS", "SANCTIONS_PRIOR", "WEAK_TOPIC", "PositionRules",
           "load", "positions_in", "tag"]


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
    early = topic_hits_unfolded(rules.stance.topics, text)
    if early is not None and not names_topic(early[1], rules.stance.weak_topic):
        return []   # no strong topic cue: nothing is read, so the text is not even folded
    folded = fold(text)
    if early is not None:
        folded.seed(rules.stance.topics, *early)
    ctx = attr.new_context(text, published, gazetteer, rules.attribution, folded)
    cues = topics_in(rules.stance, ctx.folded)
    licensed = {t for _, t, w in cues if w >= rules.stance.weak_topic}
    if not licensed:
        return []
    cue_positions = [p for p, t, w in cues if w >= rules.stance.weak_topic or t in licensed]
    nouns = [p for p, t, w in cues if t == "sanctions" and w >= rules.stance.weak_topic]
    noun_ends = {n: _word_end(ctx.folded, n) for n in nouns}
    sents = Sentences(ctx, rules, starts, ends, sender.article_targets(ctx, rules.sender, nouns, noun_ends))

    def has_cue(s: int, e: int) -> bool:
        k = bisect.bisect_left(cue_positions, s)
        return k < len(cue_positions) and cue_positions[k] < e

    quotes = _quotes_near(text, cue_positions)
    # only quotes and sentences with a topic cue get the attribution rules (the prefilter)
    events: list[tuple[int, str, Any]] = [(q.start(), "quote", i) for i, q in enumerate(quotes)
                                          if has_cue(q.start(), q.end())]
    acting: set[int] = set()   # sentences with a sanctions or arms word: the action rules can apply
    for p, t, w in cues:
        if t != "partnership" and (w >= rules.stance.weak_topic or t in licensed):
            acting.add(bisect.bisect_right(starts, p) - 1)
    cued = sorted({bisect.bisect_right(starts, p) - 1 for p in cue_positions} - {-1})
    events += [(ends[i], "sentence", (starts[i], ends[i])) for i in cued if has_cue(starts[i], ends[i])]
    # a sentence comes after every quote that starts inside it, so quotes claim their text first
    events.sort(key=lambda ev: (ev[0], ev[1] == "sentence"))
    records: list[dict[str, Any]] = []
    covered: list[tuple[int, int]] = []
    spoken: list[tuple[int, int]] = []     # reported clauses: what a speaker says, not narration
    for _, kind, item in events:
        if kind == "quote":
            statement = _quote(ctx, quotes, item)
            if statement is not None:
                covered.append((statement.start, statement.end))
                records += statement_records(ctx, rules, statement, licensed, article_id, sents)
            continue
        s, e = item
        voiced = any(cs < e and s < ce for cs, ce in covered)
        if not voiced:
            for statement in attr.reported_statements(ctx, s, e):
                records += statement_records(ctx, rules, statement, licensed, article_id, sents)
                spoken.append((statement.start, statement.end))
                voiced = True
        i = sents.index(s)
        if i in acting:
            records += sender_records(ctx, rules, article_id, sents, i, covered + spoken, covered, voiced)
    return _unique(_relief_by_sender(records))


def _relief_by_sender(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A state that sends sanctions in this article and speaks of relief (lifting, easing on conditions)
    is bargaining with its own sanctions, which the guidelines count as support, not opposition."""
    senders = {r["speaker_country"] for r in records if r["rule"].endswith("positions.stance.own_sanctions")}
    for r in records:
        if r["speaker_country"] in senders and r["topic"] == "sanctions" and r["stance"] == "oppose" \
                and r["rule"].endswith("stance.sanctions.lift"):
            r["stance"] = "support"
            r["rule"] = r["rule"].rsplit("+", 1)[0] + "+positions.stance.sender_relief"
    return records


def _quotes_near(text: str, cue_positions: list[int]) -> list[Any]:
    """Quotes of the paragraphs holding a topic cue and of the paragraph before each (split quotes).

    Quotes never cross a line break, so paragraphs without a cue nearby need no quote scan.
    """
    if "\"" not in text and "“" not in text:
        return []
    spans: list[tuple[int, int]] = []
    for p in cue_positions:
        if spans and p < spans[-1][1]:
            continue
        para = text.rfind("\n", 0, p)
        lo = text.rfind("\n", 0, para) + 1 if para > 0 else 0
        hi = text.find("\n", p)
        hi = len(text) if hi < 0 else hi
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return [q for lo, hi in spans for q in attr.QUOTE.finditer(text, lo, hi)]


def _word_end(folded: str, at: int) -> int:
    while at < len(folded) and (folded[at].isalnum() or folded[at] == "-"):
        at += 1
    return at


def _unique(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per sentence and (speaker country, topic, stance): repeated evidence adds nothing."""
    seen: set[tuple] = set()
    out = []
    for r in records:
        key = (r["sentence"], r["speaker_country"], r["topic"], r["stance"])
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _offsets(sentences: pd.DataFrame) -> dict[str, tuple[list[int], list[int]]]:
    """Each article's sentence starts and ends, in sentence order.

    Grouped from the column arrays (factorised ids; a stable sort only when the frame is not already
    grouped by article in sentence order) rather than by sorting the frame: the sort copied every
    sentence text, and walking the sorted ids row by row took a twentieth of the tagger's time.
    """
    if sentences.empty:
        return {}
    codes, uniques = pd.factorize(sentences["article_id"])
    names = uniques.tolist()
    number = sentences["sentence"].to_numpy()
    starts = sentences["char_start"].to_numpy(dtype="int64")
    ends = sentences["char_end"].to_numpy(dtype="int64")
    same = codes[1:] == codes[:-1]
    if ((codes[1:] < codes[:-1]) | (same & (number[1:] <= number[:-1]))).any():
        order = np.lexsort((number, codes))
        codes, starts, ends = codes[order], starts[order], ends[order]
        same = codes[1:] == codes[:-1]
    edges = [0, *(np.flatnonzero(~same) + 1).tolist(), len(codes)]
    starts_list, ends_list = starts.tolist(), ends.tolist()
    firsts = codes[edges[:-1]].tolist()
    return {names[code]: (starts_list[lo:hi], ends_list[lo:hi])
            for code, lo, hi in zip(firsts, edges, edges[1:]) if code >= 0}


def tag(articles: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """The positions table for a chunk of articles (pure: no I/O, no globals)."""
    rules: PositionRules = vocab.positions
    offsets = _offsets(sentences)
    records: list[dict[str, Any]] = []
    dates = pd.to_datetime(articles["published"]).dt.strftime("%Y-%m-%d").fillna("").tolist()
    for aid, text, published in zip(articles["article_id"].tolist(), articles["text"].tolist(), dates):
        starts, ends = offsets.get(aid, ([], []))
        if text and starts:
            records += positions_in(text, published, aid, starts, ends, rules, vocab.gazetteer)
    return findings.finalise(records, "positions", sentences, articles)
