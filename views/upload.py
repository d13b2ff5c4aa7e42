"""Data: switch datasets, see the last run and its rejects, upload files and run the pipeline on them."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analysis.store import StoreLocked
from views import data, state, theme


def render() -> None:
    st.title("Data")
    out_dir = _switch()
    _as_of()
    _last_run(out_dir)
    _upload()


def _switch() -> Path:
    known = data.list_datasets()
    current = state.dataset()
    names = list(known)
    name = st.selectbox("Dataset", names, index=names.index(current.name) if current.name in names else 0,
                        key="w_dataset")
    if known[name] != current:
        st.session_state[theme.S_DATASET] = name
        state.set_url(theme.P_DATASET, name)
        st.rerun()
    return known[name]


def _as_of() -> None:
    dates = data.list_as_of()
    if dates:
        st.caption("Sanctions lists as of: " + " · ".join(f"{k} {v}" for k, v in sorted(dates.items())))
    else:
        st.caption("No sanctions lists imported (listed-entity screening is off). "
                   "Import them with `python -m analysis lists import`.")


def _last_run(out_dir: Path) -> None:
    run = data.read_run(out_dir)
    if run is None:
        st.info("This dataset has not been processed yet: upload files below.")
        return
    cols = st.columns(4)
    cols[0].metric("Rows read", f"{run.get('rows_in', 0):,}")
    cols[1].metric("Accepted", f"{run.get('accepted', 0):,}")
    cols[2].metric("Rejected", f"{run.get('rejected', 0):,}")
    cols[3].metric("Run time (s)", f"{run.get('elapsed_s', 0)}")
    st.caption(f"Inputs: {', '.join(map(str, run.get('inputs', [])))} · finished {run.get('finished', '?')}")
    reasons = data.ask(out_dir, "reject_reasons")
    if reasons.empty:
        st.caption("No rows were rejected.")
        return
    st.subheader("Rejected rows")
    st.dataframe(reasons, hide_index=True)
    _, rows = data.ask(out_dir, "explore", "rejects", state.Filters(), theme.EXPLORE_ROWS)
    st.dataframe(rows, hide_index=True)


def _upload() -> None:
    st.subheader("Process new articles")
    files = st.file_uploader(f"CSV, JSONL or Parquet files (up to {theme.UPLOAD_CAP_MB} MB each)",
                             type=list(theme.UPLOAD_SUFFIXES), accept_multiple_files=True, key="w_upload")
    name = st.text_input("Dataset name", value="upload", key="w_upload_name")
    if not st.button("Run the pipeline", disabled=not files, key="w_upload_run"):
        return
    too_big = [f.name for f in files if f.size > theme.UPLOAD_CAP_MB * 1024 * 1024]
    if too_big:
        st.error(f"Over the {theme.UPLOAD_CAP_MB} MB cap: {', '.join(too_big)}. Use the CLI for large corpora.")
        return
    in_dir, out_dir = data.upload_dir(name)
    in_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for item in files:
        path = in_dir / Path(item.name).name  # never trust a client path
        path.write_bytes(item.getbuffer())
        saved.append(path)
    _run(saved, out_dir)


def _run(inputs: list[Path], out_dir: Path) -> None:
    total = max(data.count_rows(inputs), 1)
    bar = st.progress(0.0, text="Starting…")
    seen = [0]

    def on_progress(rows: int, rejected: int) -> None:
        seen[0] += rows
        bar.progress(min(seen[0] / total, 1.0), text=f"{seen[0]:,} rows read")

    try:
        report = data.run_pipeline(inputs, out_dir, on_progress)
    except StoreLocked as exc:
        st.error(str(exc))
        return
    except Exception as exc:  # an unreadable upload must explain itself, not crash the page
        st.error(f"The pipeline stopped: {exc}")
        return
    bar.progress(1.0, text="Done")
    st.success(f"Processed {report['accepted']:,} articles ({report['rejected']:,} rejected).")
    name = str(out_dir.relative_to(data.datasets_root()))
    st.session_state[theme.S_DATASET] = name
    state.set_url(theme.P_DATASET, name)
    st.button("Open the new dataset")
