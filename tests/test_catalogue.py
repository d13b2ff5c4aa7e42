"""Weapon-system catalogue: validation at load, alias resolution and word-boundary-safe matching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analysis import catalogue
from analysis.vocab import DATA_DIR, VocabError

SHARED = Path(__file__).resolve().parents[2] / "shared"  # ../shared beside the project
GOLD = [SHARED / "eval" / "dev.jsonl", SHARED / "eval" / "seed.jsonl"]


@pytest.fixture(scope="module")
def cat() -> catalogue.Catalogue:
    return catalogue.load(DATA_DIR)


def _broken(tmp_path: Path, row: str) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(DATA_DIR / "catalogue", folder)
    with (folder / "weapon_systems.csv").open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")
    return tmp_path


def test_catalogue_is_large_enough(cat):
    assert len(cat) >= 250


@pytest.mark.parametrize("row, problem", [
    ("Fake system,S 400,air_defence,RUS,Nobody", "already an alias"),
    ("Fake system,,space_laser,RUS,Nobody", "category"),
    ("Fake system,,missile,XXX,Nobody", "ISO 3166"),
])
def test_broken_catalogue_raises(tmp_path, row, problem):
    with pytest.raises(VocabError, match=problem):
        catalogue.load(_broken(tmp_path, row))


@pytest.mark.parametrize("name, canonical", [
    ("S-400", "S-400"), ("S 400", "S-400"), ("S400", "S-400"), ("S-400 Triumf", "S-400"), ("SA-21 Growler", "S-400"),
    ("Kilo class", "Kilo-class submarine"), ("Project 877EKM", "Kilo-class submarine"), ("Project 636", "Kilo-class submarine"),
    ("P 1135.6", "Project 1135.6 frigate"), ("Project 11356", "Project 1135.6 frigate"),
    ("Talwar-class", "Project 1135.6 frigate"), ("Admiral Grigorovich-class", "Project 1135.6 frigate"),
    ("arms", "arms"), ("helicopters", "helicopter"), ("gas turbine engine", "gas turbine engine"),
    ("Nonexistent X-9999", None),
])
def test_canonical(cat, name, canonical):
    assert cat.canonical(name) == canonical


def test_every_gold_system_resolves(cat):
    if not all(p.exists() for p in GOLD):
        pytest.skip(f"gold files in {SHARED / 'eval'} are not available on this machine")
    names = {p["system"] for path in GOLD for line in path.read_text().splitlines() if line.strip()
             for p in json.loads(line)["procurement"]}
    assert [n for n in names if cat.canonical(n) is None] == []


@pytest.mark.parametrize("text, systems", [
    ("the F-35 and the F-35A", ["F-35", "F-35"]),
    ("a Ferrari F355 and an F-355", []),
    ("the KF-21 prototype", ["KF-21"]),
    ("Su-30MKI fleet", ["Su-30"]),
    ("the Patriot Act", []),
    ("a patriot", []),
    ("a Patriot battery", ["Patriot"]),
    ("Kilo class submarines", ["Kilo-class submarine"]),
])
def test_find_is_word_boundary_safe(cat, text, systems):
    assert [m.system for m in cat.find(text)] == systems


def test_mention_offsets_reproduce_surface(cat):
    text = "Ankara took the S 400 and India the Talwar-class frigates."
    for m in cat.find(text):
        assert text[m.start:m.end] == m.surface
