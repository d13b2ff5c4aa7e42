"""Data: switch datasets, see the last run and its rejects, upload files and run the pipeline on them."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from analysis.store import StoreLocked
from analysis.uploads import UploadRejected, accept
from views import data, progress, safe, state, theme


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
        st.caption("Sanctions lists as of: " + " · ".join(f"{safe.md(k, 60)} {safe.md(v, 30)}"
                                                          for k, v in sorted(dates.items())))
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
    inputs = ", ".join(safe.md(p, 200) for p in run.get("inputs", []))
    st.caption(f"Inputs: {inputs} · finished {safe.md(run.get('finished', '?'), 40)}")
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
    saved = save_uploads([(f.name, f.getbuffer()) for f in files], name)
    if saved:
        _run(saved, data.upload_dir(name)[1])


def save_uploads(files: list[tuple[str, bytes | memoryview]], name: str) -> list[Path]:
    """Each upload checked (type, size, bomb, path) and saved; any refusal is shown and nothing runs."""
    in_dir, _ = data.upload_dir(name)
    saved: list[Path] = []
    try:
        for file_name, payload in files:
            saved.append(accept(file_name, payload, in_dir, data.upload_limits()))
    except UploadRejected as exc:
        for path in saved:
            path.unlink(missing_ok=True)
        st.error(f"Upload refused: {safe.md(exc, 300)}. Use the CLI for large corpora.")
        return []
    return saved


def _run(inputs: list[Path], out_dir: Path) -> None:
    bar, on_progress = progress.pipeline_bar(inputs, "Starting…", "{rows:,} rows read")

    try:
        report = data.run_pipeline(inputs, out_dir, on_progress)
    except StoreLocked as exc:
        st.error(safe.md(exc, 300))
        return
    except Exception as exc:  # an unreadable upload must explain itself, not crash the page
        st.error(f"The pipeline stopped: {safe.md(exc, 500)}")
        return
    bar.progress(1.0, text="Done")
    st.success(f"Processed {report['accepted']:,} articles ({report['rejected']:,} rejected).")
    name = str(out_dir.relative_to(data.datasets_root()))
    st.session_state[theme.S_DATASET] = name
    state.set_url(theme.P_DATASET, name)
    st.button("Open the new dataset")
