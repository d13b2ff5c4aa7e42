"""Trigger-system links: the system a sanctions finding is about, read from its sentence or the neighbours."""

from __future__ import annotations

import types
from pathlib import Path

import pandas as pd

from analysis import catalogue, linking, sentences

DATA = Path(__file__).resolve().parent.parent / "data"


def test_system_is_found_in_the_sentence_then_the_one_before_and_a_known_value_is_kept():
    vocab = types.SimpleNamespace(catalogue=catalogue.load(DATA))
    texts = ["Washington threatened sanctions over the S-400 purchase.",
             "Turkey took delivery of the S-400 in July. Washington then warned of sanctions.",
             "Washington warned of sanctions. Nobody named a weapon.",
             "Ankara bought the S-400. Sanctions followed."]
    arts = pd.DataFrame({"article_id": ["a", "b", "c", "d"], "text": texts})
    sents = sentences.split_sentences(arts, sentences.load_splitter(DATA))
    found = pd.DataFrame({"article_id": ["a", "b", "c", "d"], "sentence": pd.array([0, 1, 0, 1], dtype="Int32"),
                          "trigger_system": pd.array([None, None, None, "F-35"], dtype="string")})
    out = linking.link_trigger_systems(found, sents, vocab)
    assert out["trigger_system"].tolist()[:3] == ["S-400", "S-400", pd.NA]
    assert out["trigger_system"].iloc[3] == "F-35"  # the tagger's own value is never overwritten
    assert found["trigger_system"].isna().sum() == 3  # the input frame is left as it was
