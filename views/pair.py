"""Country pair: risk over time by component, events with their evidence, deals, positions, listed entities."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.queries import Filters
from views import charts, data, nav, safe, state, theme

EVIDENCE_SHOWN = 8
# Latest events drawn and listed: enough to read a pair's story, few enough that the chart and table
# build and ship fast at a million articles (5,000 cost ~150 ms more per rerun; docs/DASHBOARD.md).
EVENTS_SHOWN = 1000


def render() -> None:
    st.title("Country pair")
    out_dir = state.dataset()
    if not data.has_tables(out_dir):
        nav.empty_tables()
        return
    f = state.common_filters(out_dir)
    chosen = state.pair(out_dir)
    if chosen is None:
        st.info("No countries in this dataset yet: process articles on the Data page.")
        return
    country, counterpart = chosen
    names = {c: data.country_name(c) for c in chosen}
    st.subheader(f"{names[country]} – {names[counterpart]}")
    if country == counterpart:
        st.info("Pick two different countries.")
        return
    series = data.ask(out_dir, "pair_series", country, counterpart, f)
    if series.empty:
        st.info(f"No risk scored for {names[country]} exposed to {names[counterpart]} in this period. "
                "Widen the period, or swap the two countries (the first is the exposed one).")
    else:
        latest = series.iloc[-1]
        st.metric("Latest score", f"{latest['score']:.0f}",
                  delta=f"{latest['score'] - series.iloc[-2]['score']:+.0f}" if len(series) > 1 else None)
        st.plotly_chart(charts.risk_components(series, "Risk score and its drivers"), config=charts.CONFIG,
                        key="pair_risk_chart")
    _events(out_dir, country, counterpart, f)
    _deals(out_dir, country, counterpart, f)
    _positions(out_dir, country, counterpart, f, names)
    entities = data.ask(out_dir, "pair_entities", country, counterpart, f)
    st.subheader("Listed entities named")
    if entities.empty:
        st.caption("No listed entities named in this pair's articles in this period.")
    else:
        st.dataframe(entities, hide_index=True)


def _events(out_dir: Path, country: str, counterpart: str, f: Filters) -> None:
    events = data.ask(out_dir, "pair_events", country, counterpart, f, EVENTS_SHOWN)
    st.subheader("Events")
    if events.empty:
        st.info("No findings for this pair in this period.")
        return
    if len(events) >= EVENTS_SHOWN:  # no total: counting them would cost a second read of the pair's rows
        st.caption(f"Showing the latest {EVENTS_SHOWN:,} events: narrow the period to see earlier ones.")
    chart = st.plotly_chart(charts.event_timeline(events, "Threats, waivers, contracts, deliveries and statements"),
                            on_select="rerun", selection_mode="points", key="pair_events_chart",
                            config=charts.CONFIG)
    picked = {p["customdata"][0] for p in (chart.selection.points if chart else []) if p.get("customdata")}
    st.markdown("**Evidence** (latest first)")
    for row in events.sort_values("published", ascending=False).head(EVIDENCE_SHOWN).itertuples():
        day = row.published.strftime("%Y-%m-%d") if pd.notna(row.published) else "undated"
        st.html(f'<p class="sra-evidence"><b>{day} · {safe.html_text(row.kind)}</b> — '
                f"{safe.html_text(row.evidence or '')}</p>")
    table = st.dataframe(events[["published", "kind", "evidence", "rule", "confidence", "article_id"]],
                         hide_index=True, on_select="rerun", selection_mode="multi-row", key="pair_events_table")
    picked |= set(events.iloc[table.selection.rows]["article_id"]) if table else set()
    _articles_behind(out_dir, sorted(picked))


def _articles_behind(out_dir: Path, article_ids: list[str]) -> None:
    if not article_ids:
        st.caption("Click a point or select rows to see the articles behind them.")
        return
    articles = data.ask(out_dir, "articles_for", article_ids)
    st.markdown("**Articles behind the selection**")
    for row in articles.itertuples():
        st.page_link(nav.page("article"), label=f"{row.published:%Y-%m-%d} · {safe.md(row.title or row.article_id, 120)}",
                     query_params={theme.P_ARTICLE: row.article_id}, icon=":material/article:")


def _deals(out_dir: Path, country: str, counterpart: str, f: Filters) -> None:
    deals = data.ask(out_dir, "pair_deals", country, counterpart, f)
    st.subheader("Deals")
    if deals.empty:
        st.caption("No deals between these countries or behind this pair's score in this period.")
        return
    st.plotly_chart(charts.deal_lifecycle(deals, "Deal lifecycle (stages over time)"), config=charts.CONFIG,
                    key="pair_deals_chart")


def _positions(out_dir: Path, country: str, counterpart: str, f: Filters, names: dict[str, str]) -> None:
    positions = data.ask(out_dir, "pair_positions", country, counterpart, f)
    st.subheader("Positions")
    if positions.empty:
        st.caption("No statements by either country's officials in this period.")
        return
    st.plotly_chart(charts.positions_over_time(positions, "Statements by speaker country", names),
                    config=charts.CONFIG, key="pair_positions_chart")
