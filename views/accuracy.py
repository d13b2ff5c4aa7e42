"""Accuracy: the latest evaluation on the gold dev set, so analysts know how far to trust each table."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import settings
from views import data, theme


def accuracy_path() -> Path:
    return settings.ROOT / theme.ACCURACY_FILE


def render() -> None:
    st.title("Accuracy")
    path = accuracy_path()
    report = data.accuracy(path)
    if report is None:
        st.info(f"No evaluation results yet ({theme.ACCURACY_FILE} is missing or unreadable). "
                "Write them with the command below, then reload this page.")
    else:
        tables = report.get("tables", {})
        frame = pd.DataFrame([{"table": name, **scores} for name, scores in tables.items()])
        when = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        st.caption(f"Dev set: {report.get('articles', 0)} articles · results written {when}")
        st.metric("Exposed flag accuracy", f"{float(report.get('exposed_accuracy', 0.0)):.0%}")
        if frame.empty:
            st.info("The results file holds no per-table scores.")
        else:
            st.dataframe(frame, hide_index=True, column_config={
                c: st.column_config.ProgressColumn(c, min_value=0.0, max_value=1.0, format="%.2f")
                for c in ("precision", "recall", "f1")})
        st.caption("Precision: share of findings that are right. Recall: share of gold facts found. "
                   "Tuples are compared per article, as in DESIGN §5.")
    st.markdown("**Refresh** (from the project folder):")
    st.code(theme.ACCURACY_REFRESH, language="bash")
