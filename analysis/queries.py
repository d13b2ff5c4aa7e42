"""The dashboard's questions, answered with DuckDB over a committed output folder.

Views never compute numbers themselves: every count, score or join the
dashboard shows comes from one function here, so it can be tested without
Streamlit and runs in the database rather than over frames loaded whole.
Each function takes anything with ``query(sql, params) -> DataFrame`` (an
``analysis.store.Store``) and a ``Filters`` value.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Protocol

import pandas as pd

from analysis import schemas


class Queryable(Protocol):
    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame: ...


# Which columns of each finding table a filter applies to; a table without the column is not filtered by it.
COUNTRY_COLUMNS = {"sanctions": ("sender", "target"), "procurement": ("buyer", "supplier"),
                   "positions": ("speaker_country", "about_country"), "entities": ("country",)}
VALUE_FILTERS = {"regimes": ("sanctions", "regime"), "actions": ("sanctions", "action"),
                 "stages": ("procurement", "stage"), "systems": ("procurement", "system")}
# How a finding shows on the pair timeline: the column naming its kind of event.
EVENT_KIND = {"sanctions": "action", "procurement": "stage", "positions": "'statement'", "entities": "'listed entity'"}


@dataclass(frozen=True)
class Filters:
    """What the analyst narrowed the data to; hashable so results can be cached per selection."""

    start: date | None = None
    end: date | None = None  # inclusive
    countries: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    search: str = ""

    def period_only(self) -> "Filters":
        return Filters(start=self.start, end=self.end)


@dataclass
class Where:
    """A SQL condition and its parameters, built up clause by clause."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "TRUE"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join('?' * len(values))})"


def period_where(f: Filters, column: str = "published", where: Where | None = None) -> Where:
    where = where or Where()
    if f.start and column == "period":  # a monthly period counts when any of its days is in the range
        where.add("period >= date_trunc('month', CAST(? AS TIMESTAMP))", f.start.isoformat())
    elif f.start:
        where.add(f"{column} >= CAST(? AS TIMESTAMP)", f.start.isoformat())
    if f.end:
        where.add(f"{column} < CAST(? AS TIMESTAMP)", (f.end + timedelta(days=1)).isoformat())
    return where


def finding_where(table: str, f: Filters) -> Where:
    """Every filter that applies to ``table``, as one condition."""
    where = period_where(f)
    if f.countries:
        cols = COUNTRY_COLUMNS[table]
        where.add("(" + " OR ".join(_in(c, f.countries) for c in cols) + ")", *(f.countries * len(cols)))
    for name, (owner, column) in VALUE_FILTERS.items():
        values = getattr(f, name)
        if values and owner == table:
            where.add(_in(column, values), *values)
    if f.sources:
        where.add(f"article_id IN (SELECT article_id FROM articles WHERE {_in('source', f.sources)})", *f.sources)
    if f.search.strip():
        where.add("contains(lower(evidence), lower(?))", f.search.strip())
    return where


def date_bounds(db: Queryable) -> tuple[date | None, date | None]:
    row = db.query("SELECT min(published) AS lo, max(published) AS hi FROM articles").iloc[0]
    return (None if pd.isna(row["lo"]) else row["lo"].date(), None if pd.isna(row["hi"]) else row["hi"].date())


def options(db: Queryable) -> dict[str, list[str]]:
    """Distinct values offered by each filter widget."""
    def distinct(sql: str) -> list[str]:
        return sorted(str(v) for v in db.query(sql).iloc[:, 0].dropna())
    countries = " UNION ".join(f"SELECT {c} AS v FROM {t}" for t, cols in COUNTRY_COLUMNS.items() for c in cols)
    return {
        "countries": distinct(f"SELECT DISTINCT v FROM ({countries}) UNION SELECT country FROM pair_risk "
                              "UNION SELECT counterpart FROM pair_risk"),
        "regimes": distinct("SELECT DISTINCT regime FROM sanctions"),
        "actions": distinct("SELECT DISTINCT action FROM sanctions"),
        "stages": distinct("SELECT DISTINCT stage FROM procurement"),
        "systems": distinct("SELECT DISTINCT system FROM procurement"),
        "sources": distinct("SELECT DISTINCT source FROM articles"),
        "pairs": [f"{a}|{b}" for a, b in db.query(
            "SELECT DISTINCT country, counterpart FROM pair_risk ORDER BY 1, 2").itertuples(index=False)],
    }


def headline(db: Queryable, f: Filters) -> dict[str, int]:
    """Counts for the overview cards: articles, exposed articles, findings per table, alerts."""
    art = period_where(f)
    out = db.query(f"SELECT count(*) AS articles, count(*) FILTER (WHERE exposed) AS exposed "
                   f"FROM articles WHERE {art.sql}", art.params).iloc[0].to_dict()
    for table in schemas.FINDING_TABLES:
        where = finding_where(table, f)
        out[table] = db.query(f"SELECT count(*) AS n FROM {table} WHERE {where.sql}", where.params)["n"].iloc[0]
    alerts = _alerts_where(f)
    out["alerts"] = db.query(f"SELECT count(*) AS n FROM alerts WHERE {alerts.sql}", alerts.params)["n"].iloc[0]
    return {k: int(v) for k, v in out.items()}


def timeline(db: Queryable, table: str, column: str, f: Filters, freq: str = "month") -> pd.DataFrame:
    """Findings per period and value of ``column`` (sanctions by action, procurement by stage...)."""
    if table not in schemas.FINDING_TABLES or column not in schemas.TABLES[table]:
        raise ValueError(f"unknown table/column {table}.{column}")
    where = finding_where(table, f)
    # counted per day first, then per period: truncating a million timestamps costs more than the count
    return db.query(f"SELECT CAST(date_trunc(?, day) AS TIMESTAMP) AS period, value, sum(n)::BIGINT AS n FROM ("
                    f"SELECT CAST(published AS DATE) AS day, coalesce(CAST({column} AS VARCHAR), 'unknown') AS value, "
                    f"count(*) AS n FROM {table} WHERE {where.sql} AND published IS NOT NULL GROUP BY ALL) "
                    f"GROUP BY ALL ORDER BY period, value", [freq, *where.params])


def _pair_where(f: Filters, freq: str = "M") -> Where:
    where = period_where(f, "period", Where(["freq = ?"], [freq]))
    if f.countries:
        where.add(f"({_in('country', f.countries)} OR {_in('counterpart', f.countries)})", *f.countries, *f.countries)
    return where


def _alerts_where(f: Filters) -> Where:
    where = period_where(f, "date")
    if f.countries:
        where.add(f"({_in('country', f.countries)} OR {_in('counterpart', f.countries)})", *f.countries, *f.countries)
    return where


def top_pairs(db: Queryable, f: Filters, limit: int = 10) -> pd.DataFrame:
    """Pairs ranked by their latest score in the period, with the change since the period before."""
    where = _pair_where(f)
    return db.query(
        f"SELECT country, counterpart, period, score, score - coalesce(prev, 0) AS change FROM ("
        f" SELECT country, counterpart, period, score,"
        f"  lag(score) OVER (PARTITION BY country, counterpart ORDER BY period) AS prev,"
        f"  row_number() OVER (PARTITION BY country, counterpart ORDER BY period DESC) AS rn"
        f" FROM pair_risk WHERE {where.sql}) WHERE rn = 1 ORDER BY score DESC, country, counterpart LIMIT ?",
        [*where.params, limit])


def latest_alerts(db: Queryable, f: Filters, limit: int = 20) -> pd.DataFrame:
    where = _alerts_where(f)
    return db.query(f"SELECT date, kind, country, counterpart, severity, message, alert_id FROM alerts "
                    f"WHERE {where.sql} ORDER BY date DESC, severity DESC LIMIT ?", [*where.params, limit])


def pair_series(db: Queryable, country: str, counterpart: str, f: Filters, freq: str = "M") -> pd.DataFrame:
    """The pair's score per period with its components (they add up to the score)."""
    where = period_where(f, "period", Where(["country = ?", "counterpart = ?", "freq = ?"],
                                            [country, counterpart, freq]))
    cols = "period, score, threats, imposed, relief, procurement, hostile_statements, defiant_statements, listed_entities"
    return db.query(f"SELECT {cols}, len(finding_ids) AS n_findings FROM pair_risk WHERE {where.sql} ORDER BY period",
                    where.params)


def _pair_ids_sql(country: str, counterpart: str, f: Filters) -> tuple[str, list[Any]]:
    """SQL listing the finding ids behind the pair's score in the period, and its parameters."""
    where = period_where(f, "period", Where(["country = ?", "counterpart = ?"], [country, counterpart]))
    return f"SELECT DISTINCT unnest(finding_ids) FROM pair_risk WHERE {where.sql}", where.params


_DIRECT = {  # findings that name both countries of a pair themselves (country, counterpart order)
    "sanctions": "((target = ? AND sender = ?) OR (target = ? AND sender = ?))",
    "procurement": "((buyer = ? AND supplier = ?) OR (buyer = ? AND supplier = ?))",
    "positions": "((speaker_country = ? AND about_country = ?) OR (speaker_country = ? AND about_country = ?))",
    "entities": "FALSE",
}


def has_pair_events(db: Queryable) -> bool:
    """True when the dataset carries the ``pair_events`` table (analysis.events); older output folders
    and runs without it fall back to scanning the finding tables (right, but seconds at a million articles)."""
    return bool(db.query("SELECT count(*) > 0 AS ok FROM pair_events")["ok"].iloc[0])


def _events_where(country: str, counterpart: str, f: Filters, reverse: bool = False) -> Where:
    """Rows of ``pair_events`` filed under (country, counterpart), or under the reverse order when
    ``reverse`` (then only findings naming both countries), within the period, search and sources."""
    pair = [counterpart, country] if reverse else [country, counterpart]
    where = period_where(f, "published", Where(["country = ?", "counterpart = ?"], pair))
    if reverse:
        where.add("names_both")
    if f.search.strip():
        where.add("contains(lower(evidence), lower(?))", f.search.strip())
    if f.sources:
        where.add(f"article_id IN (SELECT article_id FROM articles WHERE {_in('source', f.sources)})", *f.sources)
    return where


def _value_filtered(f: Filters) -> bool:
    return any(getattr(f, name) for name in VALUE_FILTERS)


def pair_events(db: Queryable, country: str, counterpart: str, f: Filters, limit: int = 5000) -> pd.DataFrame:
    """The findings behind the pair's score, or naming both countries, as one dated list (latest ``limit``).

    Read from ``pair_events`` (sorted by pair, so DuckDB reads only the two orders' row groups); entities
    filed there only for sharing an article with the pair's sanctions are listed under entities, not here.
    Whether the table exists is only asked when nothing was found, to keep it off the common path.
    """
    if _value_filtered(f):
        return _pair_events_scan(db, country, counterpart, f, limit)
    sql, params = _pair_events_sql(country, counterpart, f, "source_table, kind, finding_id, article_id, published, "
                                   "evidence, rule, confidence")
    found = db.query(f"{sql} ORDER BY published DESC, source_table, finding_id LIMIT ?", [*params, limit])
    if found.empty and not has_pair_events(db):
        return _pair_events_scan(db, country, counterpart, f, limit)
    return found.sort_values(["published", "source_table"], kind="stable").reset_index(drop=True)


def _pair_events_sql(country: str, counterpart: str, f: Filters, columns: str) -> tuple[str, list[Any]]:
    own, reverse = _events_where(country, counterpart, f), _events_where(country, counterpart, f, reverse=True)
    return (f"SELECT {columns} FROM pair_events WHERE {own.sql} AND via <> 'article' UNION ALL "
            f"SELECT {columns} FROM pair_events WHERE {reverse.sql}", [*own.params, *reverse.params])


def _pair_events_scan(db: Queryable, country: str, counterpart: str, f: Filters, limit: int = 5000) -> pd.DataFrame:
    """pair_events by scanning every finding table (datasets without the ``pair_events`` table).

    Id matches and direct matches are separate branches (UNION, not OR) so DuckDB can push the
    direct conditions into the Parquet scan instead of testing every row against both.
    """
    ids_sql, ids_params = _pair_ids_sql(country, counterpart, f)
    parts, params = [], []
    for table in schemas.FINDING_TABLES:
        where = finding_where(table, replace(f, countries=()))
        head = (f"SELECT '{table}' AS source_table, {EVENT_KIND[table]} AS kind, finding_id, article_id, "
                f"published, evidence, rule, confidence FROM {table} WHERE {where.sql}")
        parts.append(f"{head} AND finding_id IN ({ids_sql})")
        params += [*where.params, *ids_params]
        if _DIRECT[table] != "FALSE":
            parts.append(f"{head} AND {_DIRECT[table]}")
            params += [*where.params, country, counterpart, counterpart, country]
    return db.query(f"SELECT * FROM ({' UNION '.join(parts)}) ORDER BY published DESC, source_table LIMIT ?",
                    [*params, limit]).sort_values(["published", "source_table"], kind="stable").reset_index(drop=True)


def pair_deals(db: Queryable, country: str, counterpart: str, f: Filters) -> pd.DataFrame:
    """Deals between the two countries or behind the pair's score, one row per deal and stage."""
    ids_sql, ids_params = _pair_ids_sql(country, counterpart, f)
    where = period_where(f, "last_seen")
    return db.query(
        f"SELECT deal_id, buyer, supplier, system, stage, first_seen, last_seen, n_articles, n_sources, "
        f"current_stage FROM deals WHERE {where.sql} AND ((buyer = ? AND supplier = ?) OR (buyer = ? AND supplier = ?) "
        f"OR list_has_any(finding_ids, (SELECT coalesce(list(x), []) FROM ({ids_sql}) AS t(x)))) "
        f"ORDER BY system, first_seen",
        [*where.params, country, counterpart, counterpart, country, *ids_params])


def pair_positions(db: Queryable, country: str, counterpart: str, f: Filters, freq: str = "month") -> pd.DataFrame:
    """Statements by either country's speakers per period and stance."""
    where = finding_where("positions", replace(f, countries=(country, counterpart)))
    return db.query(f"SELECT date_trunc(?, published) AS period, speaker_country, stance, count(*) AS n "
                    f"FROM positions WHERE {where.sql} AND {_in('speaker_country', (country, counterpart))} "
                    f"GROUP BY ALL ORDER BY period", [freq, *where.params, country, counterpart])


def pair_entities(db: Queryable, country: str, counterpart: str, f: Filters) -> pd.DataFrame:
    """Listed entities of either country, behind the pair's score, or named in its sanctions articles."""
    if not has_pair_events(db):
        return _pair_entities_scan(db, country, counterpart, f)
    filed = _events_where(country, counterpart, f.period_only())
    own = finding_where("entities", f.period_only())
    cols = "name, list_name, list_source, list_as_of, published"
    # disjoint branches (third-country entities of the pair's articles; each country's own), so no dedupe
    return db.query(
        f"SELECT name, list_name, list_source, list_as_of, count(*) AS mentions, max(published) AS last_seen FROM ("
        f"SELECT {cols} FROM pair_events WHERE {filed.sql} AND source_table = 'entities' AND via = 'article' "
        f"UNION ALL SELECT {cols} FROM entities WHERE {own.sql} AND country IN (?, ?)) "
        f"GROUP BY ALL ORDER BY mentions DESC, last_seen DESC, name LIMIT 500",
        [*filed.params, *own.params, country, counterpart])


def _pair_entities_scan(db: Queryable, country: str, counterpart: str, f: Filters) -> pd.DataFrame:
    """pair_entities by scanning the finding tables (datasets without ``pair_events``)."""
    ids_sql, ids_params = _pair_ids_sql(country, counterpart, f)
    where = finding_where("entities", f.period_only())
    return db.query(
        f"SELECT name, list_name, list_source, list_as_of, count(*) AS mentions, max(published) AS last_seen "
        f"FROM entities WHERE {where.sql} AND (country IN (?, ?) OR finding_id IN ({ids_sql}) OR article_id IN "
        f"(SELECT article_id FROM sanctions WHERE finding_id IN ({ids_sql}))) GROUP BY ALL "
        f"ORDER BY mentions DESC, last_seen DESC, name LIMIT 500",
        [*where.params, country, counterpart, *ids_params, *ids_params])


def articles_for(db: Queryable, article_ids: list[str]) -> pd.DataFrame:
    if not article_ids:
        return db.query("SELECT article_id, published, title, source, url FROM articles WHERE FALSE")
    return db.query(f"SELECT article_id, published, title, source, url FROM articles "
                    f"WHERE {_in('article_id', tuple(article_ids))} ORDER BY published", list(article_ids))


def heatmap(db: Queryable, f: Filters) -> pd.DataFrame:
    """Each pair's highest monthly score within the period (long form: country, counterpart, score)."""
    where = _pair_where(f)
    return db.query(f"SELECT country, counterpart, max(score) AS score, arg_max(period, score) AS period "
                    f"FROM pair_risk WHERE {where.sql} GROUP BY ALL ORDER BY score DESC", where.params)


def heatmap_matrix(long: pd.DataFrame) -> pd.DataFrame:
    """countries (rows) x counterparts (columns) of scores, rows ordered by their highest score."""
    if long.empty:
        return pd.DataFrame()
    matrix = long.pivot_table(index="country", columns="counterpart", values="score", aggfunc="max")
    order = matrix.max(axis=1).sort_values(ascending=False).index
    return matrix.loc[order, matrix.max(axis=0).sort_values(ascending=False).index]


_LABEL = {  # one readable line per finding, for the article's findings table
    "sanctions": "concat_ws(' ', sender, '→', target, action, regime, trigger_system, modality)",
    "procurement": "concat_ws(' ', buyer, '←', supplier, system, stage)",
    "positions": "concat_ws(' ', speaker, speaker_country, stance, 'on', topic, about_country)",
    "entities": "concat_ws(' ', name, '·', list_name, list_source, list_as_of)",
}


def article(db: Queryable, article_id: str) -> dict[str, Any] | None:
    rows = db.query("SELECT article_id, published, title, text, source, url, exposed, exposed_reason "
                    "FROM articles WHERE article_id = ?", [article_id])
    return None if rows.empty else rows.iloc[0].to_dict()


def article_findings(db: Queryable, article_id: str) -> pd.DataFrame:
    """Every finding of one article in text order: table, span, readable label, rule and confidence."""
    sql = " UNION ALL ".join(
        f"SELECT '{t}' AS source_table, finding_id, char_start, char_end, {_LABEL[t]} AS finding, rule, "
        f"confidence, evidence FROM {t} WHERE article_id = ?" for t in schemas.FINDING_TABLES)
    return db.query(sql + " ORDER BY char_start, source_table", [article_id] * len(schemas.FINDING_TABLES))


def article_list(db: Queryable, f: Filters, limit: int = 200) -> pd.DataFrame:
    """Articles in the period (search on the title), newest first, with how many findings each has."""
    where = period_where(f)
    if f.search.strip():
        where.add("contains(lower(title), lower(?))", f.search.strip())
    if f.sources:
        where.add(_in("source", f.sources), *f.sources)
    return db.query(f"SELECT article_id, published, title, source, exposed FROM articles WHERE {where.sql} "
                    f"ORDER BY published DESC NULLS LAST, article_id LIMIT ?", [*where.params, limit])


_ORDER = {"pair_risk": "period", "alerts": "date", "deals": "first_seen", "rejects": "input_file, row"}


def _explore_where(table: str, f: Filters) -> Where:
    if table in schemas.FINDING_TABLES:
        return finding_where(table, f)
    if table == "articles":
        where = period_where(f)
        if f.search.strip():
            where.add("(contains(lower(title), lower(?)) OR contains(lower(text), lower(?)))",
                      f.search.strip(), f.search.strip())
        if f.sources:
            where.add(_in("source", f.sources), *f.sources)
        return where
    if table in ("pair_risk", "alerts", "deals"):
        return {"pair_risk": _pair_where, "alerts": _alerts_where}.get(table, lambda x: period_where(x, "last_seen"))(f)
    if table == "rejects":
        return Where()
    raise ValueError(f"unknown table {table!r}")


def explore_sql(table: str, f: Filters) -> tuple[str, list[Any]]:
    """The filtered rows of one table as SQL (also used for exports, so they match the screen)."""
    where = _explore_where(table, f)
    return f"SELECT * FROM {table} WHERE {where.sql} ORDER BY {_ORDER.get(table, 'published')}", where.params


def explore(db: Queryable, table: str, f: Filters, limit: int = 1000) -> tuple[int, pd.DataFrame]:
    """The row count of the filtered table and its first ``limit`` rows.

    The first rows are found on the order column alone, then only rows up to that value are read
    whole: sorting every column of a million matching rows to keep a thousand took ~170 ms.
    """
    where = _explore_where(table, f)
    total = int(db.query(f"SELECT count(*) AS n FROM {table} WHERE {where.sql}", where.params)["n"].iloc[0])
    order = _ORDER.get(table, "published")
    sql, params = explore_sql(table, f)
    if total > limit and "," not in order:
        bound = db.query(f"SELECT max(o) AS b FROM (SELECT {order} AS o FROM {table} WHERE {where.sql} "
                         f"ORDER BY o LIMIT ?)", [*where.params, limit])["b"].iloc[0]
        if pd.notna(bound):
            where.add(f"{order} <= ?", bound)
            sql, params = f"SELECT * FROM {table} WHERE {where.sql} ORDER BY {order}", where.params
    return total, db.query(f"{sql} LIMIT ?", [*params, limit])


def reject_reasons(db: Queryable) -> pd.DataFrame:
    """Rejected rows per reason code (the part before ``:``)."""
    return db.query("SELECT split_part(reason, ':', 1) AS reason, count(*) AS rows FROM rejects "
                    "GROUP BY ALL ORDER BY rows DESC, reason")
