"""One column contract per table of DESIGN.md, declared once and checked at stage boundaries.

Columns are referred to by name from here so a rename is a one-line change and
an empty table still has the right types when written to Parquet. Turning a tagger's
records into such a table (``finalise``, ``finding_id``, ``finding_ids``) lives in
:mod:`analysis.findings`; those names stay reachable here, see :func:`__getattr__`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

# Columns every finding row carries (DESIGN §3), in this order.
FINDING_COLUMNS: dict[str, pa.DataType] = {
    "finding_id": pa.string(),
    "article_id": pa.string(),
    "published": pa.timestamp("ns"),
    "sentence": pa.int32(),
    "char_start": pa.int32(),
    "char_end": pa.int32(),
    "evidence": pa.string(),
    "confidence": pa.float64(),
    "rule": pa.string(),
}

ARTICLES: dict[str, pa.DataType] = {
    "article_id": pa.string(),
    "published": pa.timestamp("ns"),
    "title": pa.string(),
    "text": pa.string(),
    "source": pa.string(),
    "url": pa.string(),
    "content_hash": pa.string(),
    "input_file": pa.string(),
    "exposed": pa.bool_(),
    "exposed_reason": pa.string(),
}

REJECTS: dict[str, pa.DataType] = {
    "input_file": pa.string(),
    "row": pa.int64(),  # 0-based row (or line) number within the input file
    "article_id": pa.string(),
    "reason": pa.string(),  # a code, optionally ``code:detail`` (``duplicate_of:<id>``)
    "preview": pa.string(),  # first characters of the raw row, for the analyst
}

SANCTIONS: dict[str, pa.DataType] = {
    **FINDING_COLUMNS,
    "sender": pa.string(),
    "target": pa.string(),
    "target_entity": pa.string(),
    "action": pa.string(),
    "regime": pa.string(),
    "trigger_system": pa.string(),
    "modality": pa.string(),
}

PROCUREMENT: dict[str, pa.DataType] = {
    **FINDING_COLUMNS,
    "buyer": pa.string(),
    "supplier": pa.string(),
    "system": pa.string(),
    "category": pa.string(),
    "stage": pa.string(),
    "quantity": pa.int64(),
    "value_usd": pa.float64(),
    "companies": pa.list_(pa.string()),
}

POSITIONS: dict[str, pa.DataType] = {
    **FINDING_COLUMNS,
    "speaker": pa.string(),
    "speaker_role": pa.string(),
    "speaker_country": pa.string(),
    "about_country": pa.string(),
    "topic": pa.string(),
    "stance": pa.string(),
    "quote": pa.string(),
}

ENTITIES: dict[str, pa.DataType] = {
    **FINDING_COLUMNS,
    "name": pa.string(),
    "list_id": pa.string(),
    "list_name": pa.string(),
    "programs": pa.list_(pa.string()),
    "score": pa.float64(),
    # extensions (DESIGN allows adding): which list, its date, and why it matched
    "list_source": pa.string(),
    "list_as_of": pa.string(),
    "country": pa.string(),
    "explanation": pa.string(),
}

PAIR_RISK: dict[str, pa.DataType] = {
    "country": pa.string(),
    "counterpart": pa.string(),
    "period": pa.timestamp("ns"),
    "freq": pa.string(),  # D, W or M
    "score": pa.float64(),
    "threats": pa.float64(),
    "imposed": pa.float64(),
    "relief": pa.float64(),  # waivers and lifts, a negative contribution
    "procurement": pa.float64(),
    "hostile_statements": pa.float64(),
    "defiant_statements": pa.float64(),
    "listed_entities": pa.float64(),
    "finding_ids": pa.list_(pa.string()),
}

DEALS: dict[str, pa.DataType] = {
    # one row per (buyer, supplier, system, stage): the deal lifecycle across articles
    "deal_id": pa.string(),
    "buyer": pa.string(),
    "supplier": pa.string(),
    "system": pa.string(),
    "category": pa.string(),
    "stage": pa.string(),
    "first_seen": pa.timestamp("ns"),
    "last_seen": pa.timestamp("ns"),
    "n_articles": pa.int64(),
    "n_sources": pa.int64(),
    "current_stage": pa.string(),
    "finding_ids": pa.list_(pa.string()),
}

ALERTS: dict[str, pa.DataType] = {
    "alert_id": pa.string(),
    "kind": pa.string(),  # score_jump, deal_stage, stance_shift, listed_entity
    "country": pa.string(),
    "counterpart": pa.string(),
    "date": pa.timestamp("ns"),
    "message": pa.string(),
    "severity": pa.float64(),
    "finding_ids": pa.list_(pa.string()),
}

# One row per (country, counterpart, finding): what the pair page shows, denormalised so a pair
# switch reads only the pair's row groups (written sorted by country, counterpart, published).
PAIR_EVENTS: dict[str, pa.DataType] = {
    "country": pa.string(),  # the exposed country
    "counterpart": pa.string(),  # the sender
    "published": pa.timestamp("ns"),
    "source_table": pa.string(),  # sanctions, procurement, positions or entities
    "kind": pa.string(),  # the action, the stage, "statement" or "listed entity"
    "via": pa.string(),  # score (feeds the pair's risk), direct (names both countries), article (same article)
    "names_both": pa.bool_(),  # names both countries, so the reverse pair shows it too (filed once, in its own order)
    "label": pa.string(),  # one readable line describing the finding
    "evidence": pa.string(),
    "article_id": pa.string(),
    "finding_id": pa.string(),
    "char_start": pa.int32(),
    "char_end": pa.int32(),
    "confidence": pa.float64(),
    "rule": pa.string(),
    "name": pa.string(),  # entities only: the listed entity and its list
    "list_name": pa.string(),
    "list_source": pa.string(),
    "list_as_of": pa.string(),
}

TABLES: dict[str, dict[str, pa.DataType]] = {
    "articles": ARTICLES,
    "rejects": REJECTS,
    "sanctions": SANCTIONS,
    "procurement": PROCUREMENT,
    "positions": POSITIONS,
    "entities": ENTITIES,
    "pair_risk": PAIR_RISK,
    "deals": DEALS,
    "alerts": ALERTS,
    "pair_events": PAIR_EVENTS,
}

FINDING_TABLES = ("sanctions", "procurement", "positions", "entities")

# Closed vocabularies of DESIGN §3 (extend by adding, never renaming).
ENUMS: dict[str, dict[str, frozenset[str]]] = {
    "sanctions": {
        "action": frozenset({"threat", "imposed", "waiver", "lifted"}),
        "regime": frozenset({"CAATSA", "OFAC", "EU", "UN", "UK", "EXPORT_CONTROL", "OTHER"}),
        "modality": frozenset({"asserted", "hypothetical", "negated"}),
    },
    "procurement": {
        "category": frozenset({
            "air_defence", "combat_aircraft", "transport_aircraft", "helicopter", "submarine",
            "surface_ship", "armour", "artillery", "missile", "small_arms", "engine", "sensor",
            "uav", "other",
        }),
        "stage": frozenset({
            "negotiation", "contract", "delivery", "training", "support", "production",
            "cancellation",
        }),
    },
    "positions": {
        "topic": frozenset({"sanctions", "deal", "partnership"}),
        "stance": frozenset({"support", "oppose", "neutral"}),
    },
}


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema a table is written with."""
    return pa.schema([pa.field(name, typ) for name, typ in TABLES[table].items()])


def _pandas_dtype(typ: pa.DataType) -> Any:
    if pa.types.is_timestamp(typ):
        return "datetime64[ns]"
    if pa.types.is_integer(typ):
        return "Int64" if typ == pa.int64() else "Int32"
    if pa.types.is_floating(typ):
        return "float64"
    if pa.types.is_boolean(typ):
        return "boolean"
    if pa.types.is_string(typ):
        return "string"
    return "object"


def empty(table: str) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes (so empty tables still round-trip)."""
    return conform(pd.DataFrame(columns=list(TABLES[table])), table)


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Order, add (as null) and type the table's columns; extra columns are an error.

    Raises ValueError listing every problem at once, so a tagger bug surfaces at
    the stage boundary rather than as a corrupt Parquet file.
    """
    spec = TABLES[table]
    extra = [c for c in frame.columns if c not in spec]
    if extra:
        raise ValueError(f"{table}: unexpected columns {extra}")
    out = frame.copy()
    for name in spec:
        if name not in out.columns:
            out[name] = None
    out = out[list(spec)]
    for name, typ in spec.items():
        dtype = _pandas_dtype(typ)
        if dtype == "object":
            out[name] = out[name].astype(object)
        elif dtype == "datetime64[ns]":
            out[name] = pd.to_datetime(out[name]).astype("datetime64[ns]")
        else:
            out[name] = out[name].astype(dtype)
    problems = validate(out, table)
    if problems:
        raise ValueError(f"{table}: " + "; ".join(problems[:20]))
    return out.reset_index(drop=True)


def validate(frame: pd.DataFrame, table: str) -> list[str]:
    """Every enum violation in ``frame``, as readable messages (empty list when valid)."""
    problems: list[str] = []
    for column, allowed in ENUMS.get(table, {}).items():
        values = frame[column].dropna()
        bad = sorted(set(values[~values.isin(allowed)].astype(str)))
        if bad:
            problems.append(f"{column} has values outside {sorted(allowed)}: {bad}")
    if table in FINDING_TABLES and len(frame):
        if frame["rule"].isna().any():
            problems.append("rule missing on some findings")
        if (frame["char_start"] >= frame["char_end"]).any():
            problems.append("empty or inverted span on some findings")
    return problems
