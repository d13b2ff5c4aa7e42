"""The dashboard's pages, declared once so views can link to each other by name."""

from __future__ import annotations

import streamlit as st


def pages() -> dict[str, st.Page]:
    """Page name -> st.Page (cheap to build; the url_path is the page's identity)."""
    from views import accuracy, article, explore, heatmap, overview, pair, upload

    return {
        "overview": st.Page(overview.render, title="Overview", icon=":material/dashboard:", url_path="overview",
                            default=True),
        "pair": st.Page(pair.render, title="Country pair", icon=":material/compare_arrows:", url_path="pair"),
        "heatmap": st.Page(heatmap.render, title="Heatmap", icon=":material/grid_on:", url_path="heatmap"),
        "article": st.Page(article.render, title="Article", icon=":material/article:", url_path="article"),
        "explore": st.Page(explore.render, title="Explore", icon=":material/search:", url_path="explore"),
        "data": st.Page(upload.render, title="Data", icon=":material/upload_file:", url_path="data"),
        "accuracy": st.Page(accuracy.render, title="Accuracy", icon=":material/fact_check:", url_path="accuracy"),
    }


def page(name: str) -> st.Page:
    return pages()[name]


def empty_tables(what: str = "") -> None:
    """The empty state when a dataset has no processed tables yet: say what to do."""
    st.info((what + " " if what else "") + "No processed tables for this dataset yet. Open the **Data** page to "
            "upload articles and run the pipeline, or run `python -m analysis run data/sample --out out/sample`.")
    st.page_link(page("data"), label="Go to Data", icon=":material/upload_file:")
