"""Organisation mentions and their screening against the bundled lists (table ``entities``)."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import screening
from analysis.taggers import entities

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SEED = ROOT.parent / "shared" / "seed"
PAIRS = ROOT / "tests" / "cases" / "name_pairs.csv"


@pytest.fixture(scope="module")
def rules() -> entities.EntityRules:
    return entities.load(DATA)


def _frames(texts: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One sentence per article: the tagger's offsets must still point into the article text."""
    articles = pd.DataFrame({"article_id": list(texts), "published": pd.Timestamp("2020-12-23"),
                             "text": list(texts.values())})
    sentences = pd.DataFrame({"article_id": list(texts), "sentence": 0, "char_start": 0,
                              "char_end": [len(t) for t in texts.values()], "text": list(texts.values())})
    return articles, sentences


def _tag(rules, texts: dict[str, str]) -> pd.DataFrame:
    articles, sentences = _frames(texts)
    return entities.tag(articles, sentences, SimpleNamespace(entities=rules))


def _matches(mention: str, list_name: str, r: screening.Rules) -> bool:
    result = screening.compare(screening.normalise(mention, r), screening.normalise(list_name, r), r)
    return result is not None and result[0] >= r.threshold


def test_name_pairs_recall_and_no_lookalike(rules):
    rows = [r for r in csv.DictReader(line for line in PAIRS.open(encoding="utf-8") if not line.startswith("#"))]
    assert len(rows) >= 40
    true = [r for r in rows if r["expected"] == "match"]
    false = [r for r in rows if r["expected"] == "no_match"]
    recalled = [r for r in true if _matches(r["mention"], r["list_name"], rules.rules)]
    assert len(recalled) / len(true) >= 0.95, [r["mention"] for r in true if r not in recalled]
    assert [r["mention"] for r in false if _matches(r["mention"], r["list_name"], rules.rules)] == []


def test_every_rule_example_runs(rules):
    for row in rules.rules.rows:
        for column, wanted in (("example_positive", True), ("example_negative", False)):
            example = row[column]
            if "=>" in example:
                mention, list_name = (part.strip() for part in example.split("=>"))
                assert _matches(mention, list_name, rules.rules) is wanted, (row["rule_id"], example)
            elif example and row["kind"] == "org_word":
                found = [m for m in entities.find_mentions(example, rules) if m.finder == "org_word"]
                assert bool(found) is wanted, (row["rule_id"], example)


def test_generic_words_never_match_on_their_own(rules):
    for word in ("Department", "Corporation", "Ministry of Defence", "Bank", "State Corporation"):
        assert rules.screener.screen(word) == []


def test_mentions_have_exact_spans_and_acronyms_use_their_expansion(rules):
    text = ("A pact was signed with Russia's Equipment Export Bureau on Monday. The Internet Research Agency (IRA) "
            "was named; later the IRA denied it.")
    found = entities.find_mentions(text, rules)
    for mention in found:
        assert text[mention.start:mention.end] == mention.surface
    surfaces = {(m.surface, m.finder) for m in found}
    assert ("Equipment Export Bureau", "org_word") in surfaces
    later = [m for m in found if m.surface == "IRA" and m.start > text.index("(IRA)") + 2]
    assert later and later[0].names == ("Internet Research Agency",)


def test_listed_entity_found_with_programmes_and_explanation(rules):
    text = "Officials met executives of Rosoboroneksport and of the Almaz-Antey Concern in Moscow."
    found = _tag(rules, {"a1": text})
    sdn = found[found["list_source"] == "OFAC SDN"]
    assert set(sdn["list_id"]) == {"18782", "16865"}
    row = sdn[sdn["list_id"] == "18782"].iloc[0]
    assert text[row["char_start"]:row["char_end"]] == row["name"] == "Rosoboroneksport"
    assert "RUSSIA-EO14024" in list(row["programs"]) and row["list_as_of"] == "2024-05-03"
    assert "ROSOBORONEKSPORT OAO" in row["explanation"] and "oao" in row["explanation"]
    assert (found["score"] >= rules.rules.threshold).all()


def test_generic_name_needs_its_country_in_the_article(rules):
    name = "National Aerospace Development Administration"
    with_country = _tag(rules, {"a": f"North Korea's {name} launched a satellite."})
    without = _tag(rules, {"b": f"The {name} of a small republic opened a space museum."})
    assert list(with_country["list_id"]) == ["19530"] and without.empty


def test_seed_article_finds_united_shipbuilding_corporation(rules):
    files = sorted(SEED.glob("*.txt")) if SEED.exists() else []
    if not files or not (ROOT.parent / "shared" / "lists").exists():
        pytest.skip("../shared/seed or ../shared/lists not present")
    text = re.sub(r"^\s*date \d{4}-\d{2}-\d{2}\s*", "", files[0].read_text(encoding="utf-8")).strip()
    found = _tag(rules, {"seed": text})
    sdn = found[(found["list_source"] == "OFAC SDN") & (found["name"] == "United Shipbuilding Corporation")]
    assert len(sdn) == 1
    assert sorted(sdn.iloc[0]["programs"]) == ["RUSSIA-EO14024", "UKRAINE-EO13661"]
    assert "Ukraine-related, EO 13661" in sdn.iloc[0]["explanation"]
    assert not found["name"].str.contains("OSK India").any()


def test_maker_name_inside_a_model_number_is_a_weapon_not_the_firm(rules):
    weapon = _tag(rules, {"w": "The air force flies forty Sukhoi-30MKI fighters bought years ago."})
    firm = _tag(rules, {"f": "Engineers from Sukhoi visited the plant to discuss spare parts."})
    assert weapon.empty
    assert "Sukhoi" in set(firm["name"])
