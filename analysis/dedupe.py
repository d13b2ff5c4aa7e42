"""Near-duplicate articles and independent sources, so repeats of one story count once.

Event coders are criticised for inflating counts with syndicated copies and
updated versions of the same report. Here two articles whose word 5-shingles
overlap (estimated Jaccard >= ``threshold``, MinHash with LSH candidates) share a
``cluster_id``; the *independent source* of an article is the publisher of the
earliest article of its cluster (a wire story reprinted by ten sites is one
source: the first to run it), or the cluster id when no publisher is known.
``collapse_events`` then keeps one unit per (pair, component, event, period,
independent source), however many articles repeat it.
"""

from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+", re.UNICODE)
_HOST_PREFIX = re.compile(r"^(https?://)?(www\.)?")
_MAX_HASH = (1 << 32) - 1  # shingle hashes are 32-bit, the width of datasketch's affine32 scheme


def _shingle_hashes(text: str, size: int) -> np.ndarray:
    """32-bit hashes of the word ``size``-shingles of ``text``, stable across runs and machines.

    Words hash with crc32 and shingles combine them polynomially in numpy: the
    per-shingle SHA-1 of datasketch's default is ten times slower on long articles.
    """
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(1, dtype=np.uint64)
    vocab, index = np.unique(np.asarray(words, dtype=object), return_inverse=True)
    codes = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in vocab), dtype=np.uint64, count=len(vocab))[index]
    width = min(size, len(codes))
    hashes = np.zeros(len(codes) - width + 1, dtype=np.uint64)
    for k in range(width):
        hashes = (hashes * np.uint64(1_000_003) + codes[k:len(codes) - width + 1 + k]) & np.uint64(_MAX_HASH)
    return np.unique(hashes)


def _minhash(hashes: np.ndarray, template: MinHash) -> MinHash:
    """datasketch's MinHash (affine32 scheme) of already-hashed 32-bit shingles."""
    sketch = MinHash(num_perm=len(template.hashvalues),
                     seed=template.seed, hashfunc=int, permutations=template.permutations, scheme="affine32")
    sketch.update_batch(hashes.tolist())
    return sketch


def _find(parent: dict[str, str], item: str) -> str:
    root = item
    while parent[root] != root:
        root = parent[root]
    while parent[item] != root:  # path compression
        parent[item], item = root, parent[item]
    return root


def cluster_articles(articles: pd.DataFrame, threshold: float = 0.5, num_perm: int = 128,
                     shingle_size: int = 5) -> pd.DataFrame:
    """``article_id -> cluster_id`` where near-duplicates share the cluster of their earliest member.

    LSH only proposes candidates; a pair joins only when its estimated Jaccard
    reaches ``threshold`` (0.5 keeps an update that adds as much text again).
    The cluster id is the article id of the earliest member (ties by id), so it
    is stable across runs and readable.
    """
    if articles.empty:
        return pd.DataFrame({"article_id": pd.Series(dtype="string"), "cluster_id": pd.Series(dtype="string")})
    frame = articles[["article_id", "published"]].copy()
    text = articles.get("title", pd.Series("", index=articles.index)).fillna("").astype(str) + " " + \
        articles["text"].fillna("").astype(str)
    frame["_text"] = text.to_numpy()
    frame = frame.sort_values(["published", "article_id"], kind="stable")
    ids = frame["article_id"].astype(str).tolist()
    template = MinHash(num_perm=num_perm, seed=1, scheme="affine32")  # permutations drawn once
    hashes = [_minhash(_shingle_hashes(t, shingle_size), template) for t in frame["_text"]]
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    parent = {a: a for a in ids}
    order = {a: i for i, a in enumerate(ids)}
    seen: dict[str, MinHash] = {}
    for article_id, mh in zip(ids, hashes):
        for other in lsh.query(mh):
            if mh.jaccard(seen[other]) >= threshold:
                a, b = _find(parent, article_id), _find(parent, other)
                if a != b:  # the earlier article stays the root, so it names the cluster
                    early, late = sorted((a, b), key=order.__getitem__)
                    parent[late] = early
        seen[article_id] = mh
        lsh.insert(article_id, mh)
    roots = [_find(parent, a) for a in ids]
    return pd.DataFrame({"article_id": pd.array(ids, dtype="string"),
                         "cluster_id": pd.array(roots, dtype="string")})


def _publisher(frame: pd.DataFrame) -> pd.Series:
    """Lower-case host of ``source`` (else ``url``), without scheme, ``www.`` or path; null when unknown."""
    raw = pd.Series(pd.NA, index=frame.index, dtype="string")
    for column in ("url", "source"):  # source wins: filled last
        if column in frame.columns:
            value = frame[column].astype("string").str.strip()
            raw = value.where(value.str.len() > 0, raw).fillna(raw)
    host = raw.str.lower().str.replace(_HOST_PREFIX, "", regex=True).str.split("/").str[0]
    return host.where(host.str.len() > 0)


def source_keys(articles: pd.DataFrame, clusters: pd.DataFrame | None = None) -> pd.DataFrame:
    """``article_id -> cluster_id, source_key``: the independent source each article stands for.

    Without ``clusters`` every article is its own cluster (no near-duplicate
    detection), which keeps callers that have already deduplicated cheap.
    """
    cols = ["article_id", "published"] + [c for c in ("source", "url") if c in articles.columns]
    frame = articles[cols].copy()
    if clusters is None:
        frame["cluster_id"] = frame["article_id"].astype("string")
    else:
        frame = frame.merge(clusters[["article_id", "cluster_id"]], on="article_id", how="left")
        frame["cluster_id"] = frame["cluster_id"].fillna(frame["article_id"]).astype("string")
    frame["_publisher"] = _publisher(frame)
    first = frame.sort_values(["published", "article_id"]).drop_duplicates("cluster_id")
    origin = first.set_index("cluster_id")["_publisher"]
    frame["source_key"] = frame["cluster_id"].map(origin).astype(object)  # all-null maps come back untyped
    missing = frame["source_key"].isna()
    frame.loc[missing, "source_key"] = "cluster:" + frame.loc[missing, "cluster_id"].astype(str)
    return frame[["article_id", "cluster_id", "source_key"]].astype("string").reset_index(drop=True)


def collapse_events(contributions: pd.DataFrame, sources: pd.DataFrame, freq: str) -> pd.DataFrame:
    """One unit per (country, counterpart, component, event, period, independent source).

    ``contributions`` has one row per (finding, pair, component) with columns
    ``finding_id, article_id, published, country, counterpart, component, event,
    weight``. A unit keeps the largest weight among its findings (the clearest
    report), the earliest publication date (when the source first reported it)
    and every finding id behind it, so duplicates add evidence but never score.
    """
    frame = contributions.merge(sources[["article_id", "source_key"]], on="article_id", how="left")
    frame["source_key"] = frame["source_key"].fillna("article:" + frame["article_id"].astype(str))
    frame["period"] = pd.PeriodIndex(frame["published"].dt.to_period(freq)).asi8
    keys = ["country", "counterpart", "component", "event", "period", "source_key"]
    grouped = frame.groupby(keys, sort=False, observed=True)
    units = grouped.agg(weight=("weight", "max"), published=("published", "min")).reset_index()
    # finding ids per unit without a Python-level groupby: sort by group, split at boundaries
    code = grouped.ngroup().to_numpy()
    order = np.argsort(code, kind="stable")
    ids = frame["finding_id"].astype(str).to_numpy(dtype=object)[order]
    parts = np.split(ids, np.flatnonzero(np.diff(code[order])) + 1)
    column = np.empty(len(parts), dtype=object)
    for i, part in enumerate(parts):  # element-wise so equal-length parts never become a 2-D array
        column[i] = part
    units["finding_ids"] = column
    units["period"] = units["period"].astype(np.int64)
    return units
