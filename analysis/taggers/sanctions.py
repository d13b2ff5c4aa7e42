"""Sanctions signals: (sender, target, action, regime, modality) per sentence, with the article as context.

A cheap Aho-Corasick prefilter keeps only sentences with a sanctions cue (most
articles have none). Each remaining sentence is read by the rule table
``data/rules/sanctions_rules.csv`` (compiled in ``sanctions_rules``): negative rules drop
non-political senses, each trigger takes the action of the nearest action cue, and
``sanctions_resolve`` finds the sender and targets the sentence names. A sender or target
the sentence leaves out is carried over from earlier sanctions sentences (or the headline),
which is how "the sanctions were later eased" in paragraph five still gets its countries.

This module only runs the stages in order: ``sanctions_prefilter`` (candidate sentences),
``sanctions_items`` (one sentence), ``sanctions_article`` (the article's context and records).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis import findings
from analysis.taggers.sanctions_article import _article_records, _spell_out_recipients, _usual_sender
from analysis.taggers.sanctions_items import _sentence_items
from analysis.taggers.sanctions_prefilter import Candidates, _scan, candidate_sentences
from analysis.taggers.sanctions_resolve import SENDER_FIRST, Actor
from analysis.taggers.sanctions_rules import SanctionsRules, fold, load
from analysis.taggers.sanctions_shapes import Shapes

__all__ = ["Candidates", "SanctionsRules", "candidate_sentences", "fold", "load", "tag", "tag_with_candidates"]


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
        return findings.finalise(records, "sanctions", sentences, articles), candidates
    # finalise joins the evidence sentences: hand it only the articles that have findings
    ids = list({r["article_id"] for r in records})
    names = {aid: k for k, aid in enumerate(texts)}
    return findings.finalise(records, "sanctions", sentences[np.isin(scan.codes, [names[a] for a in ids])],
                            articles[articles["article_id"].isin(ids)]), candidates
