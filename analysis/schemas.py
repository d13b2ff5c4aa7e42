"""One column contract per table of DESIGN.md, declared once and checked at stage boundaries.

Columns are referred to by name from here so a rename is a one-line change and
an empty table still has the right types when written to Parquet.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import take
from pandas.core.dtypes.cast import maybe_box_native

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


def finding_id(table: str, article_id: str, char_start: int, char_end: int, key: Iterable[Any]) -> str:
    """A stable id for a finding: same article, span and values give the same id on every run.

    Analyst reviews are keyed by it, so it must not depend on row order or run time.
    """
    raw = "\x1f".join([table, article_id, str(char_start), str(char_end), *(_key_text(k) for k in key)])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def _key_text(value: Any) -> str:
    """One spelling per value, whatever column dtype the value travelled in.

    A chunk where a column is all null holds ``None``; a chunk with numbers
    holds ``nan`` and turns ``24`` into ``24.0``. The id must not depend on
    which articles happened to share a chunk, so every missing value is ``""``
    and a whole float is written as an integer.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "|".join(_key_text(v) for v in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value)


def finalise(records: Iterable[Mapping[str, Any]], table: str, sentences: pd.DataFrame,
             articles: pd.DataFrame) -> pd.DataFrame:
    """Turn a tagger's records into a conforming table.

    Adds ``published`` (from the article), ``evidence`` (the sentence text) and
    ``finding_id``, and drops exact repeats of the same finding. Works column by column
    (one array lookup per joined column, one list of id keys): a row-wise pass through
    ``to_dict`` cost about as much as a tagger's cheaper rules.
    """
    frame = pd.DataFrame(list(records))
    if frame.empty:
        return empty(table)
    frame = frame.drop(columns=[c for c in ("evidence", "published") if c in frame.columns])
    rows = _joined_rows(frame, sentences, articles)
    if rows is None:  # keys the array lookup does not handle (missing ids, fractional sentences)
        frame = _merged(frame, sentences, articles)
    else:
        sentence_row, article_row = rows
        frame["evidence"] = take(sentences["text"].array, sentence_row, allow_fill=True)
        frame["published"] = take(articles["published"].array, article_row, allow_fill=True)
    ids = finding_ids(table, frame)
    frame["finding_id"] = ids
    if len(set(ids)) < len(ids):
        frame = frame.drop_duplicates("finding_id")
    return conform(frame, table)


def finding_ids(table: str, frame: pd.DataFrame) -> list[str]:
    """:func:`finding_id` of every row of ``frame``, from its columns (a missing value column counts as null)."""
    own = [c for c in TABLES[table] if c not in FINDING_COLUMNS]
    parts = [[table] * len(frame), _texts(frame["article_id"], _same), _texts(frame["char_start"], str),
             _texts(frame["char_end"], str)]
    parts += [_texts(frame[c], _key_text) if c in frame.columns else [""] * len(frame) for c in own]
    parts.append(_texts(frame["rule"], _key_text))
    sha1 = hashlib.sha1
    return [sha1("\x1f".join(row).encode("utf-8")).hexdigest()[:16] for row in zip(*parts)]


def _texts(column: pd.Series, spell: Any) -> list[str]:
    """``spell`` of each value as a row-wise ``to_dict`` would hand it over (numpy scalars boxed to Python)."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        if spell is _key_text:
            return column.to_numpy(dtype=object, na_value="").tolist()  # every value a str or missing
        return [spell(v) for v in column.to_numpy(dtype=object)]
    if isinstance(dtype, np.dtype) and dtype.kind in "iubf":
        return [spell(v) for v in column.tolist()]  # Python ints, bools and floats already
    return [spell(maybe_box_native(v)) for v in column]


def _same(value: Any) -> Any:
    """The article id as it is: a non-string id fails the join, as it always did."""
    return value


def _joined_rows(frame: pd.DataFrame, sentences: pd.DataFrame,
                 articles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Row numbers of each finding's sentence and article (-1 when absent, the first when repeated).

    What a left merge on the keys gives, without the merge; None when a key is missing or not a
    whole number (the merge handles those).
    """
    codes, uniques = pd.factorize(frame["article_id"])
    left, right = frame["sentence"].dtype, sentences["sentence"].dtype
    if (codes < 0).any() or not (isinstance(left, np.dtype) and left.kind in "iu"
                                 and isinstance(right, np.dtype) and right.kind in "iu"):
        return None
    sent_article = _positions(sentences["article_id"], uniques)
    candidates = np.flatnonzero(sent_article >= 0)
    numbers = sentences["sentence"].to_numpy()[candidates].astype(np.int64)
    wanted = frame["sentence"].to_numpy().astype(np.int64)
    low = min(int(numbers.min(initial=0)), int(wanted.min()))
    width = max(int(numbers.max(initial=0)), int(wanted.max())) - low + 1
    sentence_row = _first_match(sent_article[candidates] * width + (numbers - low),
                                codes * width + (wanted - low), candidates)
    article_of = _positions(articles["article_id"], uniques)
    present = np.flatnonzero(article_of >= 0)
    article_row = _first_match(article_of[present].astype(np.int64), codes.astype(np.int64), present)
    return sentence_row, article_row


def _positions(values: pd.Series, uniques: Any) -> np.ndarray:
    """Where each value stands in ``uniques`` (-1 when absent); Arrow's hash lookup when both are Arrow strings."""
    if all(isinstance(getattr(v, "dtype", None), pd.StringDtype) and v.dtype.storage == "pyarrow"
           for v in (values, uniques)):
        found = pc.index_in(pa.array(values), value_set=pa.array(uniques))
        return pc.fill_null(found, -1).to_numpy().astype(np.intp)
    return pd.Index(uniques).get_indexer(values)


def _first_match(keys: np.ndarray, wanted: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each wanted key, ``rows`` at its first position in ``keys`` (-1 when it is not there)."""
    unique, first = np.unique(keys, return_index=True)
    at = np.minimum(np.searchsorted(unique, wanted), max(len(unique) - 1, 0))
    found = unique[at] == wanted if len(unique) else np.zeros(len(wanted), dtype=bool)
    return np.where(found, rows[first[at]] if len(unique) else -1, -1)


def _merged(frame: pd.DataFrame, sentences: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """``evidence`` and ``published`` by merges: the general path for keys the lookup cannot encode."""
    sent = sentences.loc[sentences["article_id"].isin(frame["article_id"].unique()),
                         ["article_id", "sentence", "text"]].rename(columns={"text": "evidence"})
    frame = frame.merge(sent, on=["article_id", "sentence"], how="left")
    return frame.merge(articles[["article_id", "published"]], on="article_id", how="left")
