"""The articles a tagger equivalence check runs on, and the form rows are compared in.

Shared by bench/sanctions_equivalence.py and bench/positions_equivalence.py so that
both check the same texts: the two shared corpora (when present) and the bundled sample.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import ingest
from analysis.normalise import normalise

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
INPUTS = [SHARED / "news.jsonl.gz", SHARED / "procurement.jsonl.gz", ROOT / "data" / "sample"]


def load_articles() -> pd.DataFrame:
    """Every readable input, normalised as the pipeline would (rejects are left out)."""
    state = ingest.IngestState()
    aliases = ingest.load_column_aliases()
    frames = []
    for path in ingest.expand_inputs([p for p in INPUTS if p.exists()], state):
        for raw in ingest.iter_raw(path, 5000, aliases):
            frames.append(normalise(raw, str(path), state)[0])
    return pd.concat(frames, ignore_index=True)


def rows(frame: pd.DataFrame, *, sort: bool) -> pd.DataFrame:
    """Finding rows as strings without the evidence column, optionally in a canonical order."""
    cols = [c for c in frame.columns if c != "evidence"]
    out = frame[cols].astype(str)
    return (out.sort_values(cols) if sort else out).reset_index(drop=True)


def report(before: pd.DataFrame, after: pd.DataFrame, label: str, show: list[str]) -> bool:
    """Print whether two row sets are identical and, if not, the rows only one side has."""
    same = before.shape == after.shape and before.equals(after)
    print(f"{label}: {len(before)}, working tree: {len(after)}; {'identical' if same else 'DIFFERENT'}")
    if not same:
        merged = before.merge(after, how="outer", indicator=True)
        diff = merged[merged["_merge"] != "both"]
        if diff.empty:
            print("same rows in another order")
        print(diff[["_merge", *show]].head(60).to_string())
    return same
