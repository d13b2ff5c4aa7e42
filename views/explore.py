"""Explore: every table under all filters, with full-text search, CSV/Parquet download and a PNG-exportable chart."""

from __future__ import annotations

import streamlit as st

from views import charts, data, nav, state, theme

TABLES = ("sanctions", "procurement", "positions", "entities", "articles", "pair_risk", "deals", "alerts", "rejects")
CHART_COLUMN = {"sanctions": "action", "procurement": "stage", "positions": "stance", "entities": "list_source"}


def render() -> None:
    st.title("Explore")
    out_dir = state.dataset()
    if not data.has_tables(out_dir):
        nav.empty_tables()
        return
    f = state.explore_filters(out_dir, state.common_filters(out_dir))
    wanted = st.query_params.get(theme.P_TABLE, TABLES[0])
    if state.K_TABLE not in st.session_state:
        st.session_state[state.K_TABLE] = wanted if wanted in TABLES else TABLES[0]
    table = st.selectbox("Table", TABLES, key=state.K_TABLE)
    state.set_url(theme.P_TABLE, table)
    total, rows = data.ask(out_dir, "explore", table, f, theme.EXPLORE_ROWS)
    st.metric("Rows matching", f"{total:,}")
    if not total:
        st.info("Nothing matches these filters: clear some in the sidebar.")
        return
    if table in CHART_COLUMN:
        frame = data.ask(out_dir, "timeline", table, CHART_COLUMN[table], f)
        if not frame.empty:
            st.plotly_chart(charts.stacked_counts(frame, f"{table} by {CHART_COLUMN[table]}", {}),
                            config=charts.CONFIG, key="explore_chart")
    st.dataframe(rows, hide_index=True)
    if total > len(rows):
        st.caption(f"Showing the first {len(rows):,} rows; downloads hold all {total:,}.")
    left, right = st.columns(2)
    left.download_button("Download CSV", lambda: data.export(out_dir, table, f, "csv"), file_name=f"{table}.csv",
                         mime="text/csv", key="dl_csv")
    right.download_button("Download Parquet", lambda: data.export(out_dir, table, f, "parquet"),
                          file_name=f"{table}.parquet", mime="application/octet-stream", key="dl_parquet")
