"""The gazetteer resolves countries and the actors that stand for them, and ignores look-alikes."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest

from analysis import gazetteer
from analysis.vocab import VocabError

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def gaz() -> gazetteer.Gazetteer:
    return gazetteer.load(DATA)


def codes(gaz: gazetteer.Gazetteer, text: str) -> list[tuple[str, str]]:
    return [(m.surface, m.code) for m in gaz.find(text)]


def test_every_un_member_state_with_a_valid_iso3(gaz):
    states = [c for c in gaz.names if c not in ("EU", "UN", "TWN", "PSE", "VAT")]
    assert len(states) == 193
    assert all(pycountry.countries.get(alpha_3=c) for c in gaz.names if c not in ("EU", "UN"))
    assert gaz.name("USA") == "United States" and gaz.is_code("EU") and not gaz.is_code("XXX")


@pytest.mark.parametrize("text,expected", [
    ("The US imposed sanctions on Turkey's SSB.", [("US", "USA"), ("Turkey", "TUR")]),
    ("U.S. lawmakers and the USA and America", [("U.S.", "USA"), ("USA", "USA"), ("America", "USA")]),
    ("Indian officials met American and Russian diplomats.",
     [("Indian", "IND"), ("American", "USA"), ("Russian", "RUS")]),
    ("Türkiye and the Turkish Defence Minister", [("Türkiye", "TUR"), ("Turkish", "TUR")]),
    ("The White House, the Pentagon, Treasury and Capitol Hill",
     [("White House", "USA"), ("Pentagon", "USA"), ("Treasury", "USA"), ("Capitol Hill", "USA")]),
    ("Moscow and the Kremlin answered New Delhi and Ankara.",
     [("Moscow", "RUS"), ("Kremlin", "RUS"), ("New Delhi", "IND"), ("Ankara", "TUR")]),
    ("Brussels and the European Commission; the Security Council voted.",
     [("Brussels", "EU"), ("European Commission", "EU"), ("Security Council", "UN")]),
    ("Tehran, Pyongyang, Seoul, Tokyo, Riyadh, Kyiv, Kiev, Caracas and Havana",
     [("Tehran", "IRN"), ("Pyongyang", "PRK"), ("Seoul", "KOR"), ("Tokyo", "JPN"), ("Riyadh", "SAU"),
      ("Kyiv", "UKR"), ("Kiev", "UKR"), ("Caracas", "VEN"), ("Havana", "CUB")]),
    ("Firms in Hong Kong and Macau; Gibraltar; Taiwan", [("Hong Kong", "CHN"), ("Macau", "CHN"),
                                                         ("Gibraltar", "GBR"), ("Taiwan", "TWN")]),
    ("North Korea and South Korea", [("North Korea", "PRK"), ("South Korea", "KOR")]),
    ("INDIA BUYS FROM RUSSIA", [("INDIA", "IND"), ("RUSSIA", "RUS")]),
])
def test_names_demonyms_and_metonyms(gaz, text, expected):
    assert codes(gaz, text) == expected


@pytest.mark.parametrize("text,expected", [
    ("Let us eat turkey.", []),  # lower-case pronoun and bird
    ("She lives in Atlanta, Georgia, and studied at Georgia Tech.", []),
    ("Georgia's president visited Tbilisi.", [("Georgia", "GEO"), ("Tbilisi", "GEO")]),
    ("The Washington Post said Washington state voters agreed.", []),
    ("The Washington Post said Washington would respond.", [("Washington", "USA")]),
    ("Fans of Michael Jordan cheered.", []),
    ("Jordan Peterson spoke; Jordan signed the deal.", [("Jordan", "JOR")]),
    ("Coach Chad Smith arrived.", []),
    ("Troops from Chad arrived.", [("Chad", "TCD")]),
    ("Ships crossed the Indian Ocean.", []),
    ("Niger and Nigeria and Nigerien forces", [("Niger", "NER"), ("Nigeria", "NGA"), ("Nigerien", "NER")]),
    ("American Airlines and Bank of America flights", []),
    ("The actor, Denzel Washington, smiled.", []),
    ("Latin America and the Indian National Congress", []),
    ("The National Security Council met.", []),
])
def test_ambiguous_uses_are_filtered(gaz, text, expected):
    assert codes(gaz, text) == expected


def test_offsets_reproduce_the_surface(gaz):
    text = "After talks in New Delhi, the U.S. State Department warned India."
    for m in gaz.find(text):
        assert text[m.start:m.end] == m.surface


def test_broken_file_names_the_problem(tmp_path):
    (tmp_path / "gazetteer").mkdir()
    for name in ("countries.csv", "institutions.csv", "territories.csv", "negatives.csv", "guards.csv"):
        (tmp_path / "gazetteer" / name).write_text((DATA / "gazetteer" / name).read_text(encoding="utf-8"),
                                                   encoding="utf-8")
    with (tmp_path / "gazetteer" / "institutions.csv").open("a", encoding="utf-8") as f:
        f.write("Atlantis Palace,ATL,metonym\n")
    with pytest.raises(VocabError, match="institutions.csv"):
        gazetteer.load(tmp_path)


@pytest.mark.parametrize("text,expected", [
    ("Officials said the Netherlands promised more jets.", [("Netherlands", "NLD")]),
    ("Talks with the Philippines and the Gambia resumed.", [("Philippines", "PHL"), ("Gambia", "GMB")]),
    ("The Bahamas voted in favour.", [("Bahamas", "BHS")]),
    ("the gambia is lower case here", []),
])
def test_a_lower_case_article_before_a_country_that_takes_the(gaz, text, expected):
    assert codes(gaz, text) == expected


def test_a_mention_is_read_by_field_name_and_cannot_be_changed(gaz):
    """Callers cache and share the found mentions, so one caller must not be able to edit another's."""
    text = "Officials in Ankara and the Pentagon disagreed."
    first, second = gaz.find(text)
    assert (first.start, first.end, first.code, first.kind, first.surface) == (13, 19, "TUR", "capital", "Ankara")
    assert (second.code, second.kind, second.surface) == ("USA", "metonym", "Pentagon")
    with pytest.raises(AttributeError):
        first.code = "USA"  # type: ignore[misc]
    assert gaz.find(text) == [first, second] and len({first, second, gaz.find(text)[0]}) == 2


def test_text_without_any_place_gives_an_empty_list(gaz):
    assert gaz.find("") == [] and gaz.find("nothing to see here") == []
