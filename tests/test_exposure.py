"""The exposed flag names its evidence and follows the GUIDELINES rule."""

from __future__ import annotations

import types
from pathlib import Path

import pandas as pd

from analysis import exposure, gazetteer, sentences
from analysis.taggers import sanctions

DATA = Path(__file__).resolve().parent.parent / "data"


def test_exposed_from_signals_procurement_and_entities():
    vocab = types.SimpleNamespace(gazetteer=gazetteer.load(DATA), sanctions=sanctions.load(DATA))
    texts = ["Sanctions on Iran's oil hurt exports.", "The NCAA imposed sanctions on the team.",
             "India signed for the S-400.", "Acme Corp opened an office.", "The weather was fine."]
    arts = pd.DataFrame({"article_id": list("abcde"), "published": pd.Timestamp("2019-01-01"),
                         "title": "", "text": texts})
    sents = sentences.split_sentences(arts, sentences.load_splitter(DATA))
    proc = pd.DataFrame([{"article_id": "c", "published": pd.Timestamp("2019-01-01"), "buyer": "IND",
                          "supplier": "RUS", "system": "S-400", "stage": "contract"}])
    ents = pd.DataFrame([{"article_id": "d", "name": "Acme Corp", "list_name": "ACME CORPORATION"}])
    out = exposure.flag_exposure(arts, sents, {"sanctions": sanctions.tag(arts, sents, vocab),
                                               "procurement": proc, "entities": ents}, vocab)
    flags = dict(zip(out["article_id"], out["exposed"]))
    assert flags == {"a": True, "b": False, "c": True, "d": True, "e": False}
    reasons = dict(zip(out["article_id"], out["exposed_reason"]))
    assert "Iran" in reasons["a"] and "S-400" in reasons["c"] and "Acme Corp" in reasons["d"]


def test_russian_supplier_before_caatsa_is_not_exposed():
    proc = pd.DataFrame([{"article_id": "x", "published": pd.Timestamp("2016-01-01"), "buyer": "IND",
                          "supplier": "RUS", "system": "Su-30MKI", "stage": "contract"}])
    assert exposure._from_procurement(proc) == {}


def test_arms_sale_restrictions_on_a_country_expose_it_without_a_sender():
    """'Restrictions on arms exports to X' is a sanctions signal on X even when no sender is named."""
    vocab = types.SimpleNamespace(gazetteer=gazetteer.load(DATA), sanctions=sanctions.load(DATA))
    texts = ["Western restrictions on arms exports to Myanmar keep its air force grounded.",
             "Arms exports to Myanmar rose last year."]
    arts = pd.DataFrame({"article_id": ["x", "y"], "published": pd.Timestamp("2019-01-01"), "title": "",
                         "text": texts})
    sents = sentences.split_sentences(arts, sentences.load_splitter(DATA))
    out = exposure.flag_exposure(arts, sents, {"sanctions": sanctions.tag(arts, sents, vocab)}, vocab)
    assert dict(zip(out["article_id"], out["exposed"])) == {"x": True, "y": False}


def test_handed_prefilter_candidates_give_the_same_flags_and_are_used():
    """The sanctions tagger's prefilter sentences, when the caller hands them over, replace the re-scan:
    the same flags come out, and a chunk whose candidates are empty gets no signal."""
    vocab = types.SimpleNamespace(gazetteer=gazetteer.load(DATA), sanctions=sanctions.load(DATA))
    texts = ["Officials said new sanctions on Iran would follow.", "The weather was fine."]
    arts = pd.DataFrame({"article_id": ["x", "y"], "published": pd.Timestamp("2019-01-01"), "title": "",
                         "text": texts})
    sents = sentences.split_sentences(arts, sentences.load_splitter(DATA))
    found = {"sanctions": sanctions.tag(arts, sents, vocab).iloc[0:0]}  # no finding: only the signal can expose
    handed = sanctions.candidate_sentences(arts, sents, vocab.sanctions)
    rescanned = exposure.flag_exposure(arts, sents, found, vocab)
    pd.testing.assert_frame_equal(exposure.flag_exposure(arts, sents, found, vocab, handed), rescanned)
    assert dict(zip(rescanned["article_id"], rescanned["exposed"])) == {"x": True, "y": False}
    none = exposure.flag_exposure(arts, sents, found, vocab, {})
    assert not none["exposed"].any()
