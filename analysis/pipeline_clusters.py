"""Near-duplicate clusters for the cross-article step, from the MinHash signatures made while tagging.

Split from ``pipeline``: no stage clock runs here, and ``post_process`` (in ``pipeline``) looks
``_clusters`` up there, so bench/bench_crossarticle.py can still hand it clusters made earlier.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from analysis import store

Signed = tuple[pd.DataFrame, np.ndarray]  # (article_id, published) and their MinHash signatures


def _clusters(staged: store.StagedTables, workers: int, signed: list[Signed] | None = None) -> pd.DataFrame:
    """Near-duplicate clusters from the signatures made while tagging, or else from the staged articles.

    Signatures made while tagging are used when they cover every staged article
    (not after a partial re-run). Otherwise the staged articles are signed one row
    group (chunk) at a time, in parallel with several workers. Only the signatures
    (512 bytes per article) are kept, never every text.
    """
    from analysis import dedupe, minhash

    staged.close("articles")
    if signed and sum(len(keys) for keys, _ in signed) == staged.counts.get("articles", 0):
        keys = pd.concat([k for k, _ in signed], ignore_index=True)
        return dedupe.cluster_signatures(keys, _stacked(signed))
    path = staged.path("articles")
    groups = pq.ParquetFile(path).num_row_groups if path.exists() else 0
    if workers > 1 and groups > 1:
        with ProcessPoolExecutor(min(workers, groups)) as pool:
            parts = list(pool.map(minhash.file_signatures, [path] * groups, range(groups)))
    else:
        parts = [minhash.file_signatures(path, g) for g in range(groups)]
    if not parts:
        return dedupe.cluster_signatures(pd.DataFrame(columns=["article_id", "published"]), None)
    keys = pd.concat([k for k, _ in parts], ignore_index=True)
    return dedupe.cluster_signatures(keys, np.concatenate([s for _, s in parts]))


def _stacked(signed: list[Signed]) -> np.ndarray:
    """Every chunk's signatures in one array, emptying ``signed`` as it goes: the parts are freed
    while they are copied, so the peak is one copy (0.5 GB at 1 M articles), not two."""
    total = sum(len(sigs) for _, sigs in signed)
    out = np.empty((total, signed[0][1].shape[1]), dtype=signed[0][1].dtype)
    row = 0
    while signed:
        _, sigs = signed.pop(0)
        out[row:row + len(sigs)] = sigs
        row += len(sigs)
    return out
