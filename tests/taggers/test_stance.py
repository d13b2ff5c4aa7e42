"""Topic and stance lexicons: every scope and topic rule changes the reading of its own positive example
and leaves its negative example alone (checked by removing the rule), plus the stance fixes of this round."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from analysis import gazetteer, sentences
from analysis.taggers import positions
from analysis.vocab import DATA_DIR, read_csv_rows

FRAME = "The British foreign minister said: “{}”"


@pytest.fixture(scope="module")
def places():
    return gazetteer.load(DATA_DIR)


@pytest.fixture(scope="module")
def splitter() -> sentences.Splitter:
    return sentences.load_splitter(DATA_DIR)


def readings(text: str, rules: positions.PositionRules, places, splitter) -> set[tuple[str, str, str]]:
    articles = pd.DataFrame([{"article_id": "case", "published": pd.Timestamp("2020-06-01"), "text": text,
                              "title": None}])
    found = positions.tag(articles, sentences.split_sentences(articles, splitter),
                          SimpleNamespace(gazetteer=places, positions=rules))
    return set(zip(found["speaker_country"], found["topic"], found["stance"]))


def _rows(name: str) -> list[dict[str, str]]:
    return read_csv_rows(DATA_DIR / "rules" / name, ["rule_id", "example_positive", "example_negative"])


def _without(tmp_path: Path, name: str, rule_id: str) -> positions.PositionRules:
    """The positions rules with one row of ``name`` removed (comments and other rows kept)."""
    shutil.copytree(DATA_DIR / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if line.lstrip().startswith("#")
            or next(csv.reader(io.StringIO(line)), [""])[0] != rule_id]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")
    return positions.load(tmp_path)


ABLATED = [("stance_scope.csv", r) for r in _rows("stance_scope.csv") if r["rule_id"] != "stance.scope.target"] + \
          [("positions_topics.csv", r) for r in _rows("positions_topics.csv")]


@pytest.mark.parametrize("name,row", ABLATED, ids=lambda v: v["rule_id"] if isinstance(v, dict) else v)
def test_rule_decides_its_positive_example_only(name: str, row: dict, tmp_path: Path, places, splitter) -> None:
    full = positions.load(DATA_DIR)
    ablated = _without(tmp_path, name, row["rule_id"])
    positive, negative = FRAME.format(row["example_positive"]), FRAME.format(row["example_negative"])
    assert readings(positive, full, places, splitter) != readings(positive, ablated, places, splitter)
    assert readings(negative, full, places, splitter) == readings(negative, ablated, places, splitter)


CASES = [
    # deteriorate is no deterrence
    ("We will send no arms now, and the situation may deteriorate.", set()),
    # refusing to extend sanctions opposes them
    ("Britain refused to agree to an extension of the embargo.", {("GBR", "sanctions", "oppose")}),
    # a cost argument against cancelling favours the deal
    ("We would only be hurting ourselves by cancelling the arms deal.", {("GBR", "deal", "support")}),
    # condemning a lifting supports the sanctions; opposing a new round rejects them
    ("We condemn the decision to lift the sanctions on the regime.", {("GBR", "sanctions", "support")}),
    ("We oppose lifting the sanctions.", {("GBR", "sanctions", "support")}),
    ("We oppose new sanctions.", {("GBR", "sanctions", "oppose")}),
    # relief offered on terms is a bargain (support); relief demanded on terms is a demand (oppose)
    ("Sanctions could be eased in return for verified steps on the missile programme.",
     {("GBR", "sanctions", "support")}),
    ("We want the sanctions to be lifted in exchange for a freeze.", {("GBR", "sanctions", "oppose")}),
    # breaking sanctions is not a verdict on them; sanctions breaking the law is
    ("The tanker was caught shipping fuel in violation of the sanctions, and that must stop.",
     {("GBR", "sanctions", "support")}),
    ("These sanctions are a breach of international law.", {("GBR", "sanctions", "oppose")}),
    # sanctions that hurt the target's economy are working, sanctions that hurt our farmers are rejected
    ("The sanctions are hurting the regime's economy.", {("GBR", "sanctions", "support")}),
    ("The sanctions are hurting our farmers.", {("GBR", "sanctions", "oppose")}),
    # a word listed for two topics goes to the nearer one
    ("Our fighter jets will keep flying, and military contacts with Ankara are suspended.",
     {("GBR", "partnership", "oppose")}),
    # a relationship praised and criticised in contrasting clauses gives both stances
    ("We are close friends, but the purchase has badly strained relations.",
     {("GBR", "partnership", "support"), ("GBR", "partnership", "oppose")}),
    # normalising ties with a former enemy praises them
    ("The step will help normalise relations with our former enemy.", {("GBR", "partnership", "support")}),
    # a verdict on a named act: rejecting an imposition opposes, rejecting a relief supports
    ("Imposing new sanctions now would be counterproductive.", {("GBR", "sanctions", "oppose")}),
    ("Their decision to impose sanctions on our leader is a declaration of war.", {("GBR", "sanctions", "oppose")}),
    ("Sanctions relief at this stage would be unacceptable.", {("GBR", "sanctions", "support")}),
    # an act verb takes the topic right after it: suspending ties is about the relationship
    ("We urge them to suspend their sanctions during the epidemic.", {("GBR", "sanctions", "oppose")}),
    ("All states must enforce the sanctions and suspend or downgrade diplomatic ties with the regime.",
     {("GBR", "sanctions", "support"), ("GBR", "partnership", "oppose")}),
    # weighing a waiver takes no side; sanctions that would stall our cooperation are rejected
    ("The government is weighing a waiver for the buyer.", {("GBR", "sanctions", "neutral")}),
    ("Sanctions would stall the momentum in our defence cooperation.", {("GBR", "sanctions", "oppose")}),
    # going ahead inside a condition: the condition of a threat, or nothing
    ("They could face sanctions if they go ahead with the purchase.",
     {("GBR", "sanctions", "support"), ("GBR", "deal", "oppose")}),
    ("We will decide on the purchase if the price is right and the deal goes ahead.", set()),
    # 'distrusts' is distrust
    ("Tehran still distrusts the United States and its allies.", {("GBR", "partnership", "oppose")}),
    # a phrase listed for its own sense inherits nothing from a prefix cue ("strongest terms" is no praise)
    ("We condemn the test in the strongest terms; it bears on the security relationship.", set()),
    # a bare "sale" is an arms deal near an arms word; an arms embargo is sanctions, not a deal
    ("Washington approved the sale of F-16 fighter jets to Ankara.", {("GBR", "deal", "support")}),
    ("The arms embargo must be renewed.", {("GBR", "sanctions", "support")}),
    # a crime: rejecting sanctions
    ("These sanctions are a crime against our people.", {("GBR", "sanctions", "oppose")}),
    # strategic forces are not a relationship
    ("We are ready to teach them a lesson with our strategic forces and we will never accept their terms.",
     set()),
    # partnerships in general, or partners with no country named, are no bilateral relationship
    ("We are proud of our strong partnerships in many regions of the world.", set()),
    ("We deeply regret the test and will work with partners to keep watch on the launch sites.", set()),
    # delivering a speech is not delivering weapons, so it does not make a bare "deal" an arms deal
    ("The premier delivers a speech at the summit tomorrow and hopes to pursue a deal.", set()),
    # a condition on how sanctions are applied takes no side
    ("Any punitive measures against the country must avoid bringing hardship to its ordinary people.",
     {("GBR", "sanctions", "neutral")}),
    # sanctions that failed to deter are a call for tougher ones; taking unilateral action is one's own act
    ("The current sanctions have failed to deter the regime from its tests.", {("GBR", "sanctions", "support")}),
    ("We may take unilateral action and sanction more of the firms that trade with the regime.",
     {("GBR", "sanctions", "support")}),
    # "whatever your sanctions are" brushes them aside
    ("Whatever your sanctions are, we will keep to our course.", {("GBR", "sanctions", "oppose")}),
    # weapons sold to deter threats are what the sale is for, not a case against it
    ("This arms sale will help the buyer deter threats from across the border.", {("GBR", "deal", "support")}),
    # someone's "full cooperation" in a task is no relationship; the sanctions word keeps its default
    ("The full cooperation of the neighbours is vital if this pressure campaign is to succeed.",
     {("GBR", "sanctions", "support")}),
    # a state deploying its own missile defence abroad is no arms transfer (GUIDELINES: not procurement)
    ("We call for a halt to the deployment of THAAD in the region.", set()),
    # being ready to consider supplying weapons favours the transfer
    ("We would consider delivering air defense systems to the government.", {("GBR", "deal", "support")}),
    # interest in a purchase is a wish for it (GUIDELINES: interest is a negotiation stage)
    ("Our air force is interested in buying the Su-35 fighter jets.", {("GBR", "deal", "support")}),
    # arms said to fuel a war are opposed; a transfer said to help its buyer is defended
    ("More arms deliveries will only fuel the conflict.", {("GBR", "deal", "oppose")}),
    ("The arms sale would help sustain the island's missile defences.", {("GBR", "deal", "support")}),
    # reassessing a purchase takes no side
    ("The buyer is reassessing the arms deal after the price rose.", {("GBR", "deal", "neutral")}),
    # being open to persuasion about a purchase favours it
    ("We might be persuaded to buy the Patriot missiles as well.", {("GBR", "deal", "support")}),
    # easing restrictions: on arms sales it favours them, on sanctions it is relief
    ("The new policy will ease restrictions on arms sales abroad.", {("GBR", "deal", "support")}),
    ("We will ease restrictions on the sanctioned banks.", {("GBR", "sanctions", "oppose")}),
    # more weapons said to make a war worse are opposed
    ("More weapons will only make the bloodbath worse.", {("GBR", "deal", "oppose")}),
    ("Sending more arms would only create more violence.", {("GBR", "deal", "oppose")}),
    # relations "with allies" in general name no bilateral relationship
    ("The long delay has strained relations with allies.", set()),
]


@pytest.mark.parametrize("sentence,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_stance_reading(sentence: str, expected: set, places, splitter) -> None:
    assert readings(FRAME.format(sentence), positions.load(DATA_DIR), places, splitter) == expected
