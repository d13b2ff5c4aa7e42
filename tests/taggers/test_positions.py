"""Positions tagger: hand-written golden cases, rule examples, the seed end to end, loader errors."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import gazetteer, sentences
from analysis.taggers import positions
from analysis.vocab import DATA_DIR, VocabError

CASES = Path(__file__).resolve().parent.parent / "cases" / "positions_cases.jsonl"
SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED_ID = "000_8aed4a6b8f8527c2"


@pytest.fixture(scope="module")
def vocab() -> SimpleNamespace:
    return SimpleNamespace(gazetteer=gazetteer.load(DATA_DIR), positions=positions.load(DATA_DIR))


@pytest.fixture(scope="module")
def splitter() -> sentences.Splitter:
    return sentences.load_splitter(DATA_DIR)


def run(text: str, vocab: SimpleNamespace, splitter: sentences.Splitter, date: str = "2020-06-01") -> pd.DataFrame:
    articles = pd.DataFrame([{"article_id": "case", "published": pd.Timestamp(date), "text": text, "title": None}])
    return positions.tag(articles, sentences.split_sentences(articles, splitter), vocab)


def _cases() -> list[dict]:
    return [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_enough_cases() -> None:
    cases = _cases()
    assert len(cases) >= 80
    assert len({c["id"] for c in cases}) == len(cases)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["id"])
def test_golden_case(case: dict, vocab, splitter) -> None:
    found = run(case["text"], vocab, splitter, case.get("date", "2020-06-01"))
    got = sorted(set(zip(found["speaker_country"], found["topic"], found["stance"])))
    assert got == sorted(tuple(e) for e in case["expect"])
    if "speaker" in case:
        assert case["speaker"] in set(found["speaker"].replace({pd.NA: None}))
    if "role" in case:
        assert case["role"] in set(found["speaker_role"].dropna())
    if "about" in case:
        assert set(found["about_country"].dropna()) == {case["about"]}


def test_spans_reproduce_the_quote_and_sentence(vocab, splitter) -> None:
    text = "Intro line.\n“No sanctions will disrupt our partnership,” the Russian ambassador said. He left."
    found = run(text, vocab, splitter)
    assert len(found)
    for row in found.itertuples():
        assert text[row.char_start:row.char_end] == row.quote
        assert row.quote.startswith("No sanctions")
        assert row.sentence == 1 and row.evidence.startswith("“No sanctions")
        assert 0 < row.confidence <= 1
        assert row.rule.startswith("positions.attr.quote_then_speaker")


def _rule_rows(data_dir: Path) -> list[dict]:
    return list(positions.load(data_dir).rule_rows)


@pytest.mark.parametrize("row", _rule_rows(DATA_DIR), ids=lambda r: r["rule_id"])
def test_rule_row_is_documented(row: dict) -> None:
    assert row["rationale"] and row["example_positive"] and row["example_negative"]
    assert row["example_positive"] != row["example_negative"]


STANCE_RULES = [r for r in _rule_rows(DATA_DIR) if r["file"] == "stance_cues.csv"]


@pytest.mark.parametrize("row", STANCE_RULES, ids=lambda r: r["rule_id"])
def test_stance_rule_examples(row: dict, vocab, splitter) -> None:
    """Each stance rule's positive example, said by an official, gets the rule's stance from it; the negative does not."""
    def fired(sentence: str) -> set[tuple[str, str]]:
        # a bare cue reads a clause that names no topic of its own, so its examples are whole sentences
        text = sentence if row["applies"] == "bare" else f"The British foreign minister said: “{sentence}”"
        found = run(text, vocab, splitter)
        return {(r.split("+", 1)[1], s) for r, s in zip(found["rule"], found["stance"])}
    stance = row["stance"] if row["stance"] != "none" else row["negated"]
    assert (row["rule_id"], stance) in fired(row["example_positive"])
    assert (row["rule_id"], stance) not in fired(row["example_negative"])


VERB_RULES = [r for r in _rule_rows(DATA_DIR) if r["file"] == "speech_verbs.csv"]


@pytest.mark.parametrize("row", VERB_RULES, ids=lambda r: r["rule_id"])
def test_speech_verb_examples(row: dict, vocab) -> None:
    forms = next(r for r in vocab.positions.rule_rows if r["rule_id"] == row["rule_id"])["forms"].split("|")
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, forms)) + r")\b", re.IGNORECASE)
    assert pattern.search(row["example_positive"])
    assert not pattern.search(row["example_negative"])


def test_seed_article_end_to_end(vocab, splitter) -> None:
    seed = SHARED / "seed" / f"{SEED_ID}.txt"
    gold_path = SHARED / "eval" / "seed.jsonl"
    if not seed.exists() or not gold_path.exists():
        pytest.skip("the shared seed article (../shared/seed) is not available on this machine")
    raw = seed.read_text(encoding="utf-8")
    header = re.match(r"\s*date\s+(\d{4}-\d\d-\d\d)\s*", raw)
    found = run(raw[header.end():], vocab, splitter, header.group(1))
    gold = json.loads(gold_path.read_text(encoding="utf-8").splitlines()[0])
    expected = {(p["speaker_country"], p["topic"], p["stance"]) for p in gold["positions"]}
    assert set(zip(found["speaker_country"], found["topic"], found["stance"])) == expected
    assert len(expected) == 6
    babushkin = found[found["speaker"] == "Roman Babushkin"]
    assert "deputy chief of mission" in set(babushkin["speaker_role"])


def test_empty_input_gives_empty_table(vocab, splitter) -> None:
    found = run("Nothing relevant here at all.", vocab, splitter)
    assert found.empty and "speaker_country" in found.columns


def test_broken_weight_names_file_and_rule(tmp_path: Path) -> None:
    shutil.copytree(DATA_DIR / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "stance_cues.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",0.7,", ",heavy,", 1), encoding="utf-8")
    with pytest.raises(VocabError, match=r"stance_cues.csv.*weight"):
        positions.load(tmp_path)


def test_unknown_topic_is_rejected(tmp_path: Path) -> None:
    shutil.copytree(DATA_DIR / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "positions_topics.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",partnership,partnership", ",friendship,partnership"),
                    encoding="utf-8")
    with pytest.raises(VocabError, match="unknown topic"):
        positions.load(tmp_path)
