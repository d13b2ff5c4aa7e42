"""Article: the text with every finding's span highlighted by type, its findings, and analyst review."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.queries import Filters
from views import data, gate, highlight, nav, safe, state, theme


def render() -> None:
    st.title("Article")
    out_dir = state.dataset()
    if not data.has_tables(out_dir):
        nav.empty_tables()
        return
    f = state.common_filters(out_dir)
    article_id = _pick(out_dir, f)
    if not article_id:
        return
    item = data.ask(out_dir, "article", article_id)
    if item is None:
        st.warning("This article is not in the dataset (it may come from another dataset or an older run).")
        return
    st.html(f'<h3 class="sra-title">{safe.html_text(item["title"] or article_id, safe.TITLE_CHARS)}</h3>')
    published = item["published"].strftime("%Y-%m-%d") if pd.notna(item["published"]) else "undated"
    st.caption(f"{published} · {safe.md(item['source'] or 'unknown source', 120)} · id {safe.md(article_id, 120)}"
               + (" · exposed" if item["exposed"] else ""))
    if isinstance(item["url"], str) and item["url"].startswith(("http://", "https://")):
        st.link_button("Open original", item["url"])
    findings = data.ask(out_dir, "article_findings", article_id)
    st.html(" ".join(f'<mark style="background:{c}">{html.escape(theme.TABLE_LABELS[t])}</mark>'
                     for t, c in theme.TABLE_COLOURS.items()))
    spans = zip(findings["char_start"], findings["char_end"], findings["source_table"])
    st.html(highlight.to_html(highlight.segments(str(item["text"] or ""), spans), theme.TABLE_COLOURS))
    st.subheader("Findings")
    if findings.empty:
        st.caption("No findings in this article.")
        return
    reviews = data.reviews()
    shown = findings.merge(reviews[["finding_id", "verdict"]], on="finding_id", how="left")
    st.dataframe(shown.drop(columns=["evidence"]), hide_index=True)
    _review(findings)


def _pick(out_dir: Path, f: Filters) -> str | None:
    wanted = st.query_params.get(theme.P_ARTICLE, "")
    search = st.text_input("Find an article by title", key="w_article_search")
    listing = data.ask(out_dir, "article_list", Filters(start=f.start, end=f.end, search=search.strip()))
    ids = list(listing["article_id"])
    if wanted and wanted not in ids:
        ids = [wanted] + ids
    if not ids:
        st.info("No articles match: widen the period or change the search.")
        return None
    titles = dict(zip(listing["article_id"], listing["title"].fillna("")))
    index = ids.index(wanted) if wanted in ids else 0
    chosen = st.selectbox("Article", ids, index=index, key=f"w_article_{wanted}",
                          format_func=lambda a: f"{safe.plain(titles.get(a, ''), 90)} ({safe.plain(a, 60)})")
    state.set_url(theme.P_ARTICLE, chosen)
    return chosen


def _review(findings: pd.DataFrame) -> None:
    with st.form("review", clear_on_submit=True):
        st.markdown("**Review a finding**")
        labels = dict(zip(findings["finding_id"], findings["source_table"] + ": " + findings["finding"].fillna("")))
        finding = st.selectbox("Finding", list(labels), format_func=lambda i: safe.plain(labels[i], 120))
        verdict = st.radio("Verdict", ["wrong", "correct"], horizontal=True)
        comment = st.text_input("Comment", max_chars=2000)
        analyst = st.text_input("Analyst", value=gate.current_user() or "analyst", max_chars=120)
        if st.form_submit_button("Save review"):
            data.record_review(finding, verdict, comment, analyst)
            st.success(f"Saved: marked {verdict}. Risk scores drop findings marked wrong on the next pipeline run.")
