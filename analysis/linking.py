"""Links sanctions findings to the weapon system whose purchase provokes them (``trigger_system``).

A threat "over the S-400 purchase" names its trigger in the same sentence; as
often the system is named in the sentence before or after ("Turkey took
delivery of the S-400. Washington warned of sanctions."), so the neighbouring
sentences are searched too, nearest first.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

NEIGHBOURS = (0, -1, 1)  # same sentence first, then the one before, then the one after


def link_trigger_systems(sanctions: pd.DataFrame, sentences: pd.DataFrame, vocab: Any) -> pd.DataFrame:
    """Fill ``trigger_system`` where it is empty and a catalogued system is named nearby.

    Only designated systems count (not generic words), and an existing value is
    never overwritten: the sanctions tagger may know better.
    """
    if sanctions.empty or "trigger_system" not in sanctions.columns:
        return sanctions
    need = sanctions["trigger_system"].isna().to_numpy()
    if not need.any():
        return sanctions
    # plain lists, not cell-by-cell iteration: iterating Arrow-backed columns boxes every cell slowly
    aids, numbers = sanctions["article_id"].tolist(), sanctions["sentence"].tolist()
    current = sanctions["trigger_system"].tolist()
    wanted: dict[str, set[int]] = {}
    for aid, sentence, missing in zip(aids, numbers, need.tolist()):
        if missing:
            wanted.setdefault(aid, set()).update(int(sentence) + offset for offset in NEIGHBOURS)
    # only the sentences a lookup can ask for become Python strings, not every sentence of the articles
    in_wanted = sentences["article_id"].isin(list(wanted)).to_numpy()
    texts = {(a, n): t for a, n, t in zip(sentences["article_id"][in_wanted].tolist(),
                                          [int(n) for n in sentences["sentence"].to_numpy()[in_wanted].tolist()],
                                          sentences["text"].to_numpy()[in_wanted].tolist()) if n in wanted[a]}
    cache: dict[tuple[str, int], str | None] = {}

    def system_in(key: tuple[str, int]) -> str | None:
        if key not in cache:
            text = texts.get(key)
            mentions = vocab.catalogue.find(text) if text else []
            cache[key] = mentions[0].system if mentions else None
        return cache[key]

    filled = []
    for article_id, sentence, value, missing in zip(aids, numbers, current, need.tolist()):
        if not missing:
            filled.append(value)
            continue
        found = None
        for offset in NEIGHBOURS:
            found = system_in((article_id, int(sentence) + offset))
            if found:
                break
        filled.append(found)
    out = sanctions.copy()
    out["trigger_system"] = pd.array(filled, dtype="string")
    return out
