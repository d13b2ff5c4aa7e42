"""Which pairs each finding is filed under (analysis.events' module docstring), as DuckDB SQL.

Only the narrow keys (pair, date, row number) of every finding go through these joins and
the sort; the wide payload is gathered by row number afterwards (analysis.events), which is
what keeps the step from holding every finding's evidence sorted in memory.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import risk, schemas
from analysis.events_payload import StagedFindings, _keys, _payload

def _filed(tables: set[str]) -> list[str]:
    """SQL of every way a finding is filed under a pair (module docstring); none files one twice under a pair.

    Each selects (country, counterpart, via, names_both, rid) from the keys view ``k`` of one table.
    """
    def one(table: str, country: str, counterpart: str, via: str, both: str, source: str, where: str = "TRUE") -> str:
        return (f"SELECT {country} AS country, {counterpart} AS counterpart, k.published, '{via}' AS via, "
                f"{both} AS names_both, k.rid FROM {source} WHERE {country} IS NOT NULL AND "
                f"{counterpart} IS NOT NULL AND {country} <> {counterpart} AND {where}")
    out = []
    if "sanctions" in tables:
        out.append(one("sanctions", "k.target", "k.sender", "score", "TRUE", "k_sanctions k"))
    if "procurement" in tables:
        out += [one("procurement", "k.buyer", "r.sender", "score", "FALSE",
                    "k_procurement k JOIN regimes r ON k.supplier = r.supplier",
                    "k.published BETWEEN r.start_date AND r.end_date"),
                one("procurement", "k.buyer", "k.supplier", "direct", "TRUE", "k_procurement k")]
    if "entities" in tables:
        out.append(one("entities", "k.country", "l.sender", "score", "FALSE",
                       "k_entities k JOIN lists l ON k.list_source = l.list_source"))
    if "positions" in tables:
        out.append(one("positions", "k.speaker_country", "k.about_country", "direct", "TRUE", "k_positions k"))
        for own, other in (("country", "counterpart"), ("counterpart", "country")):
            out.append(one("positions", "c.country", "c.counterpart", "score", "FALSE",
                           "k_positions k JOIN (SELECT DISTINCT article_id, country, counterpart FROM context) c "
                           f"ON k.article_id = c.article_id AND k.speaker_country = c.{own}",
                           f"k.about_country IS DISTINCT FROM c.{other}"))
    if "entities" in tables and "sanctions" in tables:
        out.append(one("entities", "c.country", "c.counterpart", "article", "FALSE",
                       "k_entities k JOIN context c ON k.article_id = c.article_id AND c.source_table = 'sanctions'",
                       "k.country IS DISTINCT FROM c.country AND k.country IS DISTINCT FROM c.counterpart"))
    return out


def _context(tables: set[str]) -> str:
    """(article, pair) that sanctions, procurement or entities establish: what links statements and entities."""
    parts = []
    if "sanctions" in tables:
        parts.append("SELECT article_id, target AS country, sender AS counterpart, 'sanctions' AS source_table "
                     "FROM k_sanctions WHERE target IS NOT NULL AND sender IS NOT NULL AND target <> sender")
    if "procurement" in tables:
        parts.append("SELECT k.article_id, k.buyer, r.sender, 'procurement' FROM k_procurement k JOIN regimes r "
                     "ON k.supplier = r.supplier WHERE k.published BETWEEN r.start_date AND r.end_date "
                     "AND k.buyer IS NOT NULL AND k.buyer <> r.sender")
    if "entities" in tables:
        parts.append("SELECT k.article_id, k.country, l.sender, 'entities' FROM k_entities k JOIN lists l "
                     "ON k.list_source = l.list_source WHERE k.country IS NOT NULL AND k.country <> l.sender")
    return " UNION ".join(parts) or ("SELECT NULL::VARCHAR AS article_id, NULL::VARCHAR AS country, "
                                     "NULL::VARCHAR AS counterpart, NULL::VARCHAR AS source_table WHERE FALSE")


def _references(keys: dict[str, pa.Table], weights: risk.RiskWeights) -> dict[str, pa.Table]:
    """The regimes (supplier -> sender, in force from/to) and the list senders, as small tables to join."""
    regimes = [r for r in weights.regimes if r.kind == "supplier"]
    ts = pa.timestamp("ns")
    sources = keys["entities"].column("list_source").unique().drop_null().to_pylist() if "entities" in keys else []
    senders = {s: risk.list_sender(s, weights) for s in sources}
    return {
        "regimes": pa.table({"supplier": pa.array([r.supplier for r in regimes], pa.string()),
                             "sender": pa.array([r.sender for r in regimes], pa.string()),
                             "start_date": pa.array([r.start for r in regimes], ts),
                             "end_date": pa.array([r.end for r in regimes], ts)}),
        "lists": pa.table({"list_source": pa.array([s for s, v in senders.items() if v], pa.string()),
                           "sender": pa.array([v for v in senders.values() if v], pa.string())}),
    }


def _filed_rows(findings: Mapping[str, pd.DataFrame | pa.Table] | StagedFindings, articles: pd.DataFrame,
                weights: risk.RiskWeights | None) -> tuple[pa.Table, list[pa.Table]] | None:
    """(filed, payloads): narrow keys of every filing, sorted by (country, counterpart, published, rid),
    and the wide columns of every finding (row ``rid`` of the tables laid end to end); None without findings.

    Only narrow keys (pair, date, row number) go through DuckDB's joins and sort; the wide columns
    (evidence, label...) are gathered by row number afterwards. Sorting them inside the query
    took minutes and ~10 GB at 5 M findings.
    """
    weights = weights or risk.load_weights()
    dates = articles.drop_duplicates("article_id").set_index("article_id")["published"]
    payloads, keys, offset = [], {}, 0
    for table in schemas.FINDING_TABLES:
        frame = findings.get(table)
        if frame is None or not len(frame):
            continue
        frame = frame if isinstance(frame, pa.Table) else frame.reset_index(drop=True)
        if not isinstance(findings, StagedFindings):  # staged tables build theirs slice by slice
            payloads.append(_payload(table, frame))
        keys[table] = _keys(frame, dates).append_column("rid", pa.array(np.arange(offset, offset + len(frame), dtype=np.int64)))
        offset += len(frame)
    del frame
    if not keys:
        return None
    con = duckdb.connect(":memory:")
    try:
        for name, data in {**{f"k_{t}": k for t, k in keys.items()}, **_references(keys, weights)}.items():
            con.register(name, data)
        con.execute(f"CREATE TEMP TABLE context AS {_context(set(keys))}")
        filed = con.sql(f"SELECT * FROM ({' UNION ALL '.join(_filed(set(keys)))}) "
                        f"ORDER BY country, counterpart, published NULLS LAST, rid").to_arrow_table()
    finally:
        con.close()
    return filed, payloads
