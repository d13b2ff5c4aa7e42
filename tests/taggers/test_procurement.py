"""Procurement tagger: hand-written sentence cases, rule-table examples, and the seed article end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import catalogue, gazetteer
from analysis.sentences import load_splitter, split_sentences
from analysis.taggers import procurement
from analysis.vocab import DATA_DIR, read_csv_rows

CASES = Path(__file__).resolve().parent.parent / "cases" / "procurement_cases.jsonl"
SHARED = Path(__file__).resolve().parents[3] / "shared"  # ../shared beside the project


@pytest.fixture(scope="module")
def vocab() -> SimpleNamespace:
    return SimpleNamespace(gazetteer=gazetteer.load(DATA_DIR), catalogue=catalogue.load(DATA_DIR),
                           procurement=procurement.load(DATA_DIR))


@pytest.fixture(scope="module")
def splitter():
    return load_splitter(DATA_DIR)


def _articles(texts: dict[str, str], published: str = "2021-06-01") -> pd.DataFrame:
    return pd.DataFrame({"article_id": list(texts), "text": list(texts.values()),
                         "published": pd.to_datetime([published] * len(texts)), "source": "test"})


def _tag(texts: dict[str, str], vocab, splitter, published: str = "2021-06-01") -> pd.DataFrame:
    articles = _articles(texts, published)
    return procurement.tag(articles, split_sentences(articles, splitter), vocab)


def _cases() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_there_are_enough_cases():
    assert len(_cases()) >= 80


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["id"])
def test_sentence_case(case, vocab, splitter):
    found = _tag({case["id"]: case["text"]}, vocab, splitter)
    got = {(r.buyer, r.supplier, r.system, r.stage) for r in found.itertuples()}
    assert got == {tuple(t) for t in case["expect"]}
    if "quantity" in case:
        assert case["quantity"] in set(found["quantity"].dropna())
    if "value_min" in case:
        values = found["value_usd"].dropna()
        assert len(values) and case["value_min"] <= values.iloc[0] <= case["value_max"]
    if "companies" in case:
        assert set(case["companies"]) <= {c for row in found["companies"] for c in row}


def test_findings_point_at_their_sentence(vocab, splitter):
    text = "Nothing here. Turkey bought the S-400 from Russia. More text."
    found = _tag({"a": text}, vocab, splitter)
    assert len(found) == 1
    row = found.iloc[0]
    assert text[row.char_start:row.char_end] == row.evidence
    assert "S-400" in row.evidence and row.rule.startswith("procurement.")


def test_rule_examples_run():
    """Every stage, veto, clause, anaphor, modifier and value rule matches its positive example and not its negative one."""
    for name in ("procurement_rules.csv", "procurement_values.csv"):
        for row in read_csv_rows(DATA_DIR / "rules" / name, ["rule_id", "pattern", "rationale",
                                                             "example_positive", "example_negative"]):
            if row.get("kind") not in (None, "stage", "veto", "clause", "anaphor", "modifier", "reference", "unreal",
                                     "platform_before", "platform_after", "halted", "conditional", "not_object",
                                     "sell_verb"):
                continue
            pattern = re.compile(row["pattern"], re.IGNORECASE)
            assert row["rationale"], row["rule_id"]
            assert pattern.search(row["example_positive"]), row["rule_id"]
            assert not pattern.search(row["example_negative"]), row["rule_id"]


def test_word_list_examples_run(vocab):
    """Each owner-hint and deal-noun row of procurement_words.csv matches its positive example, not its negative."""
    rules = vocab.procurement
    for row in read_csv_rows(DATA_DIR / "rules" / "procurement_words.csv", ["rule_id", "kind", "words", "rationale",
                                                                          "example_positive", "example_negative"]):
        own = re.compile(r"\b(" + row["words"] + r")\b", re.IGNORECASE)  # this row's words alone
        assert own.search(row["example_positive"]) and not own.search(row["example_negative"]), row["rule_id"]
        if row["kind"] == "owner_hint":
            assert rules.owner_hint.search(row["example_positive"]), row["rule_id"]
            assert not rules.owner_hint.search(row["example_negative"]), row["rule_id"]
        else:
            assert all(rules.deal_noun.fullmatch(w) for w in row["words"].split("|")), row["rule_id"]
            assert not rules.deal_noun.fullmatch("talks"), row["rule_id"]


def test_word_list_is_validated(tmp_path):
    """A broken word list names its file and row: unknown kind, capitals, or a kind left without words."""
    from analysis.taggers.procurement_rules import load_words
    from analysis.vocab import VocabError
    (tmp_path / "rules").mkdir()
    header = "rule_id,kind,words,weight,rationale,example_positive,example_negative\n"
    good = "a.b,deal_noun,sale,1.0,why,the sale,the talks\n"
    for bad, problem in [("a.c,owner,navy,1.0,why,x,y\n", "kind"), ("a.c,owner_hint,Navy,1.0,why,x,y\n", "lower-case"),
                         ("", "no words")]:
        (tmp_path / "rules" / "procurement_words.csv").write_text(header + good + bad, encoding="utf-8")
        with pytest.raises(VocabError, match=problem):
            load_words(tmp_path)


def test_a_service_named_before_a_system_places_a_later_buyerless_sentence(vocab, splitter):
    """An owner hint ('the Indian Navy's') before a system lets a later sentence without a buyer fall back on it."""
    text = ("The Indian Navy MiG-29K fleet has grown. "
            "Russia signed a contract to deliver 12 more MiG-29K jets.")
    found = _tag({"a": text}, vocab, splitter)
    assert {(r.buyer, r.supplier, r.system) for r in found.itertuples()} == {("IND", "RUS", "MiG-29")}


def test_seed_article_end_to_end(vocab, splitter):
    folder = SHARED / "seed"
    if not folder.exists():
        pytest.skip(f"the seed article in {SHARED / 'seed'} is not available on this machine")
    path = next(folder.glob("*.txt"))
    lines = path.read_text(encoding="utf-8").strip().split(" ", 2)
    published, text = lines[1], lines[2]
    found = _tag({path.stem: text}, vocab, splitter, published)
    got = {(r.buyer, r.supplier, r.system, r.stage) for r in found.itertuples()}
    assert got == {
        ("IND", "RUS", "S-400", "delivery"), ("IND", "RUS", "S-400", "training"),
        ("IND", "RUS", "S-400", "contract"), ("IND", "RUS", "Kilo-class submarine", "support"),
        ("IND", "RUS", "Project 1135.6 frigate", "support"),
    }


def test_headline_buyer_places_an_opening_sentence(vocab, splitter):
    """A headline that marks the buyer lets the first sentence, which names none, give a tuple."""
    text = "The first batch of 5,000 AK-203 rifles has left the plant. Officials gave no date."
    articles = _articles({"h": text})
    with_title = articles.assign(title="Rifles cleared for delivery to the Indian Army")
    found = procurement.tag(with_title, split_sentences(with_title, splitter), vocab)
    assert {(r.buyer, r.supplier, r.system, r.stage) for r in found.itertuples()} == {
        ("IND", "RUS", "AK-203", "delivery")}
    bare = procurement.tag(articles, split_sentences(articles, splitter), vocab)
    assert bare.empty
