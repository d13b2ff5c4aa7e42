"""The sanctions prefilter: which articles hold a strong sanctions cue, and which of their sentences.

Split from ``sanctions`` because the exposure flag reads the same candidates
(``candidate_sentences``) and because this is the part that touches every article of a
chunk, so it is written for speed (one Aho-Corasick scan, vectorised sentence lookup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.taggers.sanctions_rules import SanctionsRules

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
