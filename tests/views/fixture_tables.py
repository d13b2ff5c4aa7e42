"""A small hand-made dataset conforming to analysis.schemas, so view tests never depend on tagger output.

Two pairs (India–United States, Turkey–United States) over three months, one
article whose text is markup that must render as text, and one reject.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import findings, schemas, store

MARKUP = "<script>alert(1)</script><b>x</b>"
EVIDENCE_IND = "Washington warned New Delhi it could face CAATSA sanctions over the S-400."

_TEXTS = {
    "a1": EVIDENCE_IND + " India said the deal would go ahead.",
    "a2": "India took delivery of the first S-400 squadron. The United States said a waiver was possible.",
    "a3": "Turkey was sanctioned under CAATSA for buying the S-400 from Russia.",
    "a4": f"Markup test {MARKUP} in an article body. India signed a contract for Su-30 jets.",
}


def _finding(table: str, article_id: str, needle: str, published: str, rule: str, **values) -> dict:
    text = _TEXTS[article_id]
    start = text.index(needle)
    row = {"article_id": article_id, "sentence": 0, "char_start": start, "char_end": start + len(needle),
           "evidence": needle, "confidence": 0.9, "rule": rule, "published": pd.Timestamp(published), **values}
    row["finding_id"] = findings.finding_id(table, article_id, start, start + len(needle), [rule, *values.values()])
    return row


def tables() -> dict[str, pd.DataFrame]:
    dates = {"a1": "2024-01-10", "a2": "2024-02-15", "a3": "2024-03-05", "a4": "2024-03-20"}
    articles = pd.DataFrame([{
        "article_id": a, "published": pd.Timestamp(d), "title": f"Title {a}" if a != "a4" else f"Title {MARKUP}",
        "text": _TEXTS[a], "source": "wire" if a in ("a1", "a3") else "daily", "url": f"https://example.org/{a}",
        "content_hash": a, "input_file": "fixture.jsonl", "exposed": a != "a3", "exposed_reason": "test"}
        for a, d in dates.items()])
    sanctions = pd.DataFrame([
        _finding("sanctions", "a1", EVIDENCE_IND, "2024-01-10", "sanctions.threat.could_face", sender="USA",
                 target="IND", action="threat", regime="CAATSA", trigger_system="S-400", modality="hypothetical"),
        _finding("sanctions", "a2", "The United States said a waiver was possible.", "2024-02-15",
                 "sanctions.waiver.possible", sender="USA", target="IND", action="waiver", regime="CAATSA"),
        _finding("sanctions", "a3", "Turkey was sanctioned under CAATSA", "2024-03-05", "sanctions.imposed.passive",
                 sender="USA", target="TUR", action="imposed", regime="CAATSA", modality="asserted"),
    ])
    procurement = pd.DataFrame([
        _finding("procurement", "a2", "India took delivery of the first S-400 squadron.", "2024-02-15",
                 "procurement.delivery.took", buyer="IND", supplier="RUS", system="S-400", category="air_defence",
                 stage="delivery"),
        _finding("procurement", "a4", "India signed a contract for Su-30 jets.", "2024-03-20",
                 "procurement.contract.signed", buyer="IND", supplier="RUS", system="Su-30MKI",
                 category="combat_aircraft", stage="contract"),
    ])
    positions = pd.DataFrame([
        _finding("positions", "a1", "India said the deal would go ahead.", "2024-01-10", "positions.defiant.go_ahead",
                 speaker="spokesperson", speaker_country="IND", about_country="USA", topic="deal", stance="support"),
    ])
    entities = pd.DataFrame([
        _finding("entities", "a3", "Russia", "2024-03-05", "entities.match.exact", name="Rosoboronexport",
                 list_id="1", list_name="ROSOBORONEXPORT", list_source="OFAC SDN", list_as_of="2024-01-01",
                 country="RUS", score=1.0, explanation="exact"),
    ])
    ids = {t: list(f["finding_id"]) for t, f in (("s", sanctions), ("p", procurement))}
    pair_risk = pd.DataFrame([
        {"country": "IND", "counterpart": "USA", "period": pd.Timestamp("2024-01-01"), "freq": "M", "score": 30.0,
         "threats": 30.0, "imposed": 0.0, "relief": 0.0, "procurement": 0.0, "hostile_statements": 0.0,
         "defiant_statements": 0.0, "listed_entities": 0.0, "finding_ids": [ids["s"][0]]},
        {"country": "IND", "counterpart": "USA", "period": pd.Timestamp("2024-02-01"), "freq": "M", "score": 45.0,
         "threats": 25.0, "imposed": 0.0, "relief": -10.0, "procurement": 30.0, "hostile_statements": 0.0,
         "defiant_statements": 0.0, "listed_entities": 0.0, "finding_ids": [ids["s"][0], ids["s"][1], ids["p"][0]]},
        {"country": "IND", "counterpart": "USA", "period": pd.Timestamp("2024-03-01"), "freq": "M", "score": 50.0,
         "threats": 20.0, "imposed": 0.0, "relief": -5.0, "procurement": 35.0, "hostile_statements": 0.0,
         "defiant_statements": 0.0, "listed_entities": 0.0, "finding_ids": [ids["p"][0], ids["p"][1]]},
        {"country": "TUR", "counterpart": "USA", "period": pd.Timestamp("2024-03-01"), "freq": "M", "score": 70.0,
         "threats": 0.0, "imposed": 70.0, "relief": 0.0, "procurement": 0.0, "hostile_statements": 0.0,
         "defiant_statements": 0.0, "listed_entities": 0.0, "finding_ids": [ids["s"][2]]},
    ])
    deals = pd.DataFrame([
        {"deal_id": "d1", "buyer": "IND", "supplier": "RUS", "system": "S-400", "category": "air_defence",
         "stage": "delivery", "first_seen": pd.Timestamp("2024-02-15"), "last_seen": pd.Timestamp("2024-02-15"),
         "n_articles": 1, "n_sources": 1, "current_stage": "delivery", "finding_ids": [ids["p"][0]]},
    ])
    alerts = pd.DataFrame([
        {"alert_id": "al1", "kind": "score_jump", "country": "TUR", "counterpart": "USA",
         "date": pd.Timestamp("2024-03-05"), "message": "Turkey–United States rose 70 points", "severity": 0.9,
         "finding_ids": [ids["s"][2]]},
    ])
    rejects = pd.DataFrame([{"input_file": "fixture.jsonl", "row": 7, "article_id": None,
                             "reason": "missing_text", "preview": '{"title": "no body"}'}])
    return {"articles": articles, "rejects": rejects, "sanctions": sanctions, "procurement": procurement,
            "positions": positions, "entities": entities, "pair_risk": pair_risk, "deals": deals, "alerts": alerts}


def write_dataset(out_dir: Path) -> Path:
    """Write every table and a run.json into ``out_dir`` through the real store."""
    staged = store.StagedTables(Path(out_dir))
    for name, frame in tables().items():
        staged.write(name, frame)
    staged.commit(tuple(schemas.TABLES), {"inputs": ["fixture"], "rows_in": 5, "accepted": 4, "rejected": 1,
                                          "rejects_by_reason": {"missing_text": 1}})
    return Path(out_dir)
