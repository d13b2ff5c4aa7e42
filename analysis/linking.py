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
    need = sanctions["trigger_system"].isna()
    if not need.any():
        return sanctions
    wanted = set(sanctions.loc[need, "article_id"])
    sub = sentences[sentences["article_id"].isin(wanted)]
    texts = {(a, int(s)): t for a, s, t in zip(sub["article_id"], sub["sentence"], sub["text"])}
    cache: dict[tuple[str, int], str | None] = {}

    def system_in(key: tuple[str, int]) -> str | None:
        if key not in cache:
            text = texts.get(key)
            mentions = vocab.catalogue.find(text) if text else []
            cache[key] = mentions[0].system if mentions else None
        return cache[key]

    out = sanctions.copy()
    filled = []
    for article_id, sentence, current in zip(out["article_id"], out["sentence"], out["trigger_system"]):
        if not pd.isna(current):
            filled.append(current)
            continue
        found = None
        for offset in NEIGHBOURS:
            found = system_in((article_id, int(sentence) + offset))
            if found:
                break
        filled.append(found)
    out["trigger_system"] = pd.array(filled, dtype="string")
    return out
