"""A Streamlit progress bar fed by the pipeline's per-chunk progress callback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from views import data


def pipeline_bar(inputs: list[Path], start_text: str, label: str) -> tuple[Any, Callable[[int, int], None]]:
    """The bar and a callback for ``pipeline.run(progress=...)`` that advances it over the rows in ``inputs``.

    ``label`` is formatted with the rows read so far (``"{rows:,} rows read"``).
    """
    total = max(data.count_rows(inputs), 1)
    bar = st.progress(0.0, text=start_text)
    seen = [0]

    def on_progress(rows: int, rejected: int) -> None:
        seen[0] += rows
        bar.progress(min(seen[0] / total, 1.0), text=label.format(rows=seen[0]))

    return bar, on_progress
