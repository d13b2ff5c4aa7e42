"""The dashboard's front door: page setup, the login gate, first-start processing of the sample, navigation.

Run with ``streamlit run dashboard.py``. Every page lives in ``views/``.
"""

from __future__ import annotations

import streamlit as st

from views import data, gate, nav, progress, safe


def _first_start() -> None:
    """Process the bundled sample when its tables are missing or older than it, with a progress bar."""
    if not data.sample_is_stale(data.sample_dir(), data.default_dataset()):
        return
    files = [p for p in sorted(data.sample_dir().rglob("*")) if p.is_file()]
    bar, on_progress = progress.pipeline_bar(files, "First start: processing the bundled sample…",
                                        "Processing the bundled sample: {rows:,} rows")

    try:
        data.ensure_sample(on_progress)
    except Exception as exc:  # show why, and keep the other pages usable
        st.error(f"Could not process the bundled sample: {safe.md(exc, 500)}")
    bar.empty()


def main() -> None:
    st.set_page_config(page_title="Sanctions risk", page_icon=":material/policy:", layout="wide")
    st.html(safe.PAGE_CSS)
    if not gate.allowed():  # nothing below runs, on any page or deep link, before login
        return
    _first_start()
    st.navigation(list(nav.pages().values())).run()


main()
