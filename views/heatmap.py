"""Heatmap: every country x counterpart's highest risk in the period; click a cell to open the pair."""

from __future__ import annotations

import streamlit as st

from analysis import queries
from views import charts, data, nav, state


def render() -> None:
    st.title("Heatmap")
    out_dir = state.dataset()
    if not data.has_tables(out_dir):
        nav.empty_tables()
        return
    f = state.common_filters(out_dir)
    long = data.ask(out_dir, "heatmap", f)
    if long.empty:
        st.info("No pair risk in this period. Widen the period or clear the country filter in the sidebar.")
        return
    matrix = queries.heatmap_matrix(long)
    names = {c: data.country_name(c) for c in set(matrix.index) | set(matrix.columns)}
    st.caption("Rows: the exposed country; columns: the sender. Cell: highest monthly score in the period.")
    event = st.plotly_chart(charts.heatmap(matrix, "Risk by pair", names), on_select="rerun",
                            selection_mode="points", key="heatmap_chart", config=charts.CONFIG)
    points = event.selection.points if event else []
    picked = next((p["customdata"] for p in points if p.get("customdata")), None)
    if picked:
        _open(picked[0], picked[1])
    labels = [f"{names[r.country]} – {names[r.counterpart]} ({r.score:.0f})" for r in long.itertuples()]
    choice = st.selectbox("Open a pair", range(len(labels)), format_func=lambda i: labels[i], key="heatmap_pick")
    if st.button("Open pair", key="heatmap_open"):
        row = long.iloc[choice]
        _open(row["country"], row["counterpart"])


def _open(country: str, counterpart: str) -> None:
    state.select_pair(country, counterpart)
    st.switch_page(nav.page("pair"), query_params=state.pair_link_params(country, counterpart))
