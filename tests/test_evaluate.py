"""The scorer on hand-made gold/prediction pairs with known P/R/F1."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import evaluate

GOLD = [
    {"article_id": "a", "exposed": True,
     "sanctions": [{"sender": "USA", "target": "IND", "action": "threat", "regime": "CAATSA"},
                   {"sender": "USA", "target": "RUS", "action": "imposed", "regime": "OFAC"}],
     "procurement": [{"buyer": "IND", "supplier": "RUS", "system": "S-400", "stage": "contract"}],
     "positions": []},
    {"article_id": "b", "exposed": False, "sanctions": [], "procurement": [], "positions": []},
    {"article_id": "gone", "exposed": True, "sanctions": [], "procurement": [], "positions": []},
]


def frames() -> dict[str, pd.DataFrame]:
    sanctions = pd.DataFrame([
        {"article_id": "a", "sender": "USA", "target": "IND", "action": "threat", "regime": "OFAC", "rule": "r1", "evidence": "e"},
        {"article_id": "a", "sender": "USA", "target": "IND", "action": "threat", "regime": "OFAC", "rule": "r1", "evidence": "e"},
        {"article_id": "b", "sender": "EU", "target": "RUS", "action": "imposed", "regime": "EU", "rule": "r2", "evidence": "e2"},
        {"article_id": "b", "sender": None, "target": "RUS", "action": "imposed", "regime": "EU", "rule": "r3", "evidence": "e3"},
    ])
    procurement = pd.DataFrame([
        {"article_id": "a", "buyer": "IND", "supplier": "RUS", "system": "S 400", "stage": "contract", "rule": "p", "evidence": "x"},
    ])
    return {"sanctions": sanctions, "procurement": procurement, "positions": pd.DataFrame()}


def resolve(name: str) -> str:
    return name.replace(" ", "-").lower()


def test_scores_match_hand_computed_counts() -> None:
    report = evaluate.score(GOLD, frames(), {"a": True, "b": True}, resolve, present={"a", "b"})
    s = report.scores["sanctions"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 1)  # duplicate collapses; null sender is not a tuple
    assert s.precision == pytest.approx(0.5) and s.recall == pytest.approx(0.5) and s.f1 == pytest.approx(0.5)
    with_regime = report.scores["sanctions+regime"]
    assert (with_regime.tp, with_regime.fp, with_regime.fn) == (0, 2, 2)
    p = report.scores["procurement"]
    assert (p.tp, p.fp, p.fn) == (1, 0, 0)  # "S 400" resolves to "S-400"
    assert report.scores["positions"].f1 == 0.0
    assert report.articles == 2 and report.missing == ["gone"]
    assert report.as_dict()["exposed_accuracy"] == 0.5


def test_errors_list_false_positives_with_evidence() -> None:
    report = evaluate.score(GOLD, frames(), {}, resolve, present={"a", "b"})
    fps = [e for e in report.errors if e["kind"] == "FP" and e["table"] == "sanctions"]
    assert [(e["article_id"], e["tuple"]) for e in fps] == [("b", ("EU", "RUS", "imposed"))]
    assert fps[0]["evidence"] == "[r2] e2"
    fns = {(e["article_id"], e["tuple"]) for e in report.errors if e["kind"] == "FN"}
    assert ("a", ("USA", "RUS", "imposed")) in fns


def test_format_report_prints_every_table() -> None:
    text = evaluate.format_report(evaluate.score(GOLD, frames(), {}, resolve, present={"a", "b"}), errors=True)
    for name in ("sanctions", "sanctions+regime", "procurement", "positions", "exposed accuracy", "FP sanctions"):
        assert name in text
