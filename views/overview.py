"""Overview: headline figures, timelines by action / stage / stance, top pairs and latest alerts."""

from __future__ import annotations

import streamlit as st

from views import charts, data, nav, state, theme


def render() -> None:
    st.title("Overview")
    out_dir = state.dataset()
    if not data.has_tables(out_dir):
        nav.empty_tables()
        return
    f = state.common_filters(out_dir)
    figures = data.ask(out_dir, "headline", f)
    cards = [("Articles", "articles"), ("Exposed", "exposed"), ("Sanctions signals", "sanctions"),
             ("Procurement", "procurement"), ("Positions", "positions"), ("Listed entities", "entities"),
             ("Alerts", "alerts")]
    for column, (label, key) in zip(st.columns(len(cards)), cards):
        column.metric(label, f"{figures[key]:,}")
    if not figures["articles"]:
        st.info("No articles in this period. Widen the period in the sidebar.")
        return
    left, middle, right = st.columns(3)
    for column, (table, field, title, colours) in zip((left, middle, right), (
            ("sanctions", "action", "Sanctions signals by action", {k: v[0] for k, v in theme.EVENT_STYLE.items()}),
            ("procurement", "stage", "Procurement by stage", theme.STAGE_COLOURS),
            ("positions", "stance", "Positions by stance", theme.STANCE_COLOURS))):
        frame = data.ask(out_dir, "timeline", table, field, f)
        with column:
            if frame.empty:
                st.caption(f"{title}: no findings in this period.")
            else:
                st.plotly_chart(charts.stacked_counts(frame, title, colours), config=charts.CONFIG)
    _top_pairs(out_dir, f)
    st.subheader("Latest alerts")
    alerts = data.ask(out_dir, "latest_alerts", f, theme.LATEST_ALERTS)
    if alerts.empty:
        st.caption("No alerts in this period.")
    else:
        st.dataframe(alerts.drop(columns=["alert_id"]), hide_index=True)


def _top_pairs(out_dir, f) -> None:
    st.subheader("Top pairs by risk")
    pairs = data.ask(out_dir, "top_pairs", f, theme.TOP_PAIRS)
    if pairs.empty:
        st.caption("No pair risk in this period: widen the period or clear the country filter.")
        return
    shown = pairs.assign(country=pairs["country"].map(data.country_name),
                         counterpart=pairs["counterpart"].map(data.country_name))
    event = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row", key="top_pairs",
                         column_config={"score": st.column_config.NumberColumn(format="%.1f"),
                                        "change": st.column_config.NumberColumn(format="%+.1f")})
    rows = event.selection.rows if event else []
    if rows:
        chosen = pairs.iloc[rows[0]]
        state.select_pair(chosen["country"], chosen["counterpart"])
        st.switch_page(nav.page("pair"), query_params=state.pair_link_params(chosen["country"], chosen["counterpart"]))
    st.caption("Select a row to open the pair.")
