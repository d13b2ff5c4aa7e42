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
from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import pandas as pd

from analysis.minhash import article_texts, signatures

_HOST_PREFIX = re.compile(r"^(https?://)?(www\.)?")
_BUCKET = 64  # an LSH bucket larger than this pairs each article with the next _BUCKET only (_candidates)
_VERIFY = 250_000  # candidate pairs verified per numpy step
_BATCH = 8_000_000  # candidate codes held at once (64 MB); more are verified batch by batch (_candidate_batches)


@lru_cache(maxsize=8)  # pure, and a quarter of a second to compute
def band_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """Bands and rows per band minimising false positives + false negatives, as datasketch's MinHashLSH
    picks them (equal weights); the integrals by the trapezoid rule (tests compare the choice)."""
    best, choice = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            low, high = np.linspace(0.0, threshold, 2001), np.linspace(threshold, 1.0, 2001)
            false_pos = np.trapezoid(1 - (1 - low ** rows) ** bands, low)
            false_neg = np.trapezoid((1 - high ** rows) ** bands, high)
            if false_pos + false_neg < best:
                best, choice = false_pos + false_neg, (bands, rows)
    return choice


def _band_codes(sigs: np.ndarray, band: int, rows: int, window: int, take: np.ndarray | None) -> np.ndarray:
    """Pairs of rows equal in one band as codes ``i * n + j`` (i < j), unsorted.

    A band value shared by more than ``window`` rows is nearly always text common to many
    unrelated articles (boilerplate, templates): there each row is paired with the ``window``
    rows after it only, which keeps syndicated copies (published close together) and bounds
    the pairs at ``window`` per row and band, however large the corpus.
    """
    n = len(sigs) if take is None else len(take)
    mix = np.uint64(0x9E3779B97F4A7C15)
    key = np.zeros(n, dtype=np.uint64)
    for col in range(band * rows, (band + 1) * rows):
        column = sigs[:, col] if take is None else sigs[take, col]
        key = key * mix + column.astype(np.uint64)  # wraps mod 2^64; rare clashes are verified away
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.concatenate([[True], sorted_key[1:] != sorted_key[:-1]]))
    sizes = np.diff(np.concatenate([starts, [n]]))
    two = starts[sizes == 2]  # most shared buckets: paired without a Python loop
    low, high = np.minimum(order[two], order[two + 1]), np.maximum(order[two], order[two + 1])
    codes = [low.astype(np.int64) * n + high]
    for start, size in zip(starts[sizes > 2].tolist(), sizes[sizes > 2].tolist()):
        members = np.sort(order[start:start + size]).astype(np.int64)
        if size <= window:
            i, j = np.triu_indices(size, k=1)
        else:
            i = np.repeat(np.arange(size), window)
            j = i + np.tile(np.arange(1, window + 1), size)
            i, j = i[j < size], j[j < size]
        codes.append(members[i] * n + members[j])
    return np.concatenate(codes)


def _sorted_unique(parts: list[np.ndarray]) -> np.ndarray:
    found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    parts.clear()
    found.sort()  # in place: np.unique would sort a second copy (the codes are the largest array at scale)
    return found[np.concatenate([[True], found[1:] != found[:-1]])] if len(found) else found.astype(np.int64)


def _candidate_batches(sigs: np.ndarray, bands: int, rows: int, window: int = _BUCKET,
                       take: np.ndarray | None = None, batch: int = _BATCH) -> Iterator[np.ndarray]:
    """LSH candidate codes (see ``_band_codes``) in sorted, duplicate-free batches of about ``batch``.

    Bands are collected until they hold ``batch`` codes, then handed out, so memory is bounded
    by one batch plus one band whatever the text (boilerplate-heavy corpora reach ``window`` x
    ``bands`` codes per row). A pair may come in two batches; joining it twice changes nothing.
    """
    parts: list[np.ndarray] = []
    held = 0
    for band in range(bands):
        parts.append(_band_codes(sigs, band, rows, window, take))
        held += len(parts[-1])
        if held >= batch:
            yield _sorted_unique(parts)
            held = 0
    if parts:
        yield _sorted_unique(parts)


def _candidates(sigs: np.ndarray, bands: int, rows: int, window: int = _BUCKET,
                take: np.ndarray | None = None) -> np.ndarray:
    """Pairs of rows equal in at least one band (LSH candidates) as codes ``i * n + j`` (i < j), sorted.

    ``take``: the rows of ``sigs`` to use, in this order (default all), so callers need not copy
    a reordered signature matrix. Rows are in time order. All codes in one array: for
    measurements and tests; clustering reads them in batches (``_candidate_batches``).
    """
    return _sorted_unique(list(_candidate_batches(sigs, bands, rows, window, take)))


def _row_hashes(sigs: np.ndarray) -> np.ndarray:
    """One 64-bit hash per signature row, a column at a time (no copy of the matrix)."""
    mix = np.uint64(0xC2B2AE3D27D4EB4F)
    out = np.zeros(len(sigs), dtype=np.uint64)
    for col in range(sigs.shape[1]):
        out = out * mix + sigs[:, col].astype(np.uint64)
    return out


def _first_equal(sigs: np.ndarray, order: np.ndarray) -> np.ndarray:
    """For each position of ``order``, the earliest position whose signature row is equal.

    Rows are grouped by a 64-bit row hash, then every row is checked against its group's
    first one, in slices; a hash clash (different rows, same hash) falls back to exact
    row comparison. ``np.unique(axis=0)`` gave the same answer but copied the whole
    matrix three times (about 2 GB at 1 M articles).
    """
    hashes = _row_hashes(sigs)[order]
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    rep = first[inverse.ravel()]
    for lo in range(0, len(order), _VERIFY):
        part = slice(lo, lo + _VERIFY)
        if not np.array_equal(sigs[order[part]], sigs[order[rep[part]]]):
            _, first, inverse = np.unique(sigs[order], axis=0, return_index=True, return_inverse=True)
            return first[inverse.ravel()]
    return rep


def _find(parent: list[int], item: int) -> int:
    root = item
    while parent[root] != root:
        root = parent[root]
    while parent[item] != root:  # path compression
        parent[item], item = root, parent[item]
    return root


def cluster_signatures(keys: pd.DataFrame, sigs: np.ndarray, threshold: float = 0.5) -> pd.DataFrame:
    """``article_id -> cluster_id`` from ``article_id, published`` rows and their signatures (same order).

    LSH (datasketch's band layout) only proposes candidates; a pair joins only when
    its estimated Jaccard (share of equal signature values) reaches ``threshold``.
    Clusters are the connected components of the joined pairs, named after their
    earliest member (published, then id), so they do not depend on row order.
    """
    if keys.empty:
        return pd.DataFrame({"article_id": pd.Series(dtype="string"), "cluster_id": pd.Series(dtype="string")})
    frame = keys[["article_id", "published"]].reset_index(drop=True)
    order = frame.sort_values(["published", "article_id"], kind="stable").index.to_numpy()
    ids = frame["article_id"].astype(str).to_numpy(dtype=object)[order].tolist()
    # positions below are in time order; row ``p`` of that order is ``sigs[order[p]]`` (never copied)
    # identical signatures join at once (Jaccard 1); LSH runs on the distinct ones
    rep = _first_equal(sigs, order)  # the earliest position with the same signature
    parent = list(range(len(ids)))
    for row in np.flatnonzero(rep != np.arange(len(ids))):
        parent[row] = int(rep[row])
    first = np.flatnonzero(rep == np.arange(len(ids)))  # each distinct signature's earliest position
    # the root of a component is its earliest position whatever order pairs join in, so
    # verifying batch by batch gives the same clusters as verifying all candidates at once
    bands, rows = band_params(threshold, sigs.shape[1])
    for codes in _candidate_batches(sigs, bands, rows, take=order[first], batch=_BATCH):
        for lo in range(0, len(codes), _VERIFY):  # verified in slices: memory stays bounded
            part = codes[lo:lo + _VERIFY]
            i, j = first[part // len(first)], first[part % len(first)]
            joined = np.count_nonzero(sigs[order[i]] == sigs[order[j]], axis=1) >= threshold * sigs.shape[1]
            for a, b in zip(i[joined].tolist(), j[joined].tolist()):
                a, b = _find(parent, a), _find(parent, b)
                if a != b:  # the earlier row stays the root, so it names the cluster
                    parent[max(a, b)] = min(a, b)
    roots = [ids[_find(parent, i)] for i in range(len(ids))]
    return pd.DataFrame({"article_id": pd.array(ids, dtype="string"),
                         "cluster_id": pd.array(roots, dtype="string")})


def cluster_articles(articles: pd.DataFrame, threshold: float = 0.5, num_perm: int = 128,
                     shingle_size: int = 5) -> pd.DataFrame:
    """``article_id -> cluster_id`` where near-duplicates share the cluster of their earliest member.

    LSH only proposes candidates; a pair joins only when its estimated Jaccard
    reaches ``threshold`` (0.5 keeps an update that adds as much text again).
    The cluster id is the article id of the earliest member (ties by id), so it
    is stable across runs and readable.
    """
    sigs = signatures(article_texts(articles), num_perm, shingle_size)
    return cluster_signatures(articles[["article_id", "published"]], sigs, threshold)


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


def attach_sources(contributions: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Each contribution's ``source_key``; an article of unknown source stands for itself."""
    frame = contributions.merge(sources[["article_id", "source_key"]], on="article_id", how="left")
    frame["source_key"] = frame["source_key"].fillna("article:" + frame["article_id"].astype(str))
    return frame


def collapse_events(contributions: pd.DataFrame, sources: pd.DataFrame | None, freq: str) -> pd.DataFrame:
    """One unit per (country, counterpart, component, event, period, independent source).

    ``contributions`` has one row per (finding, pair, component) with columns
    ``finding_id, article_id, published, country, counterpart, component, event,
    weight``. A unit keeps the largest weight among its findings (the clearest
    report), the earliest publication date (when the source first reported it)
    and every finding id behind it, so duplicates add evidence but never score.
    ``sources`` None: ``contributions`` already carry ``source_key`` (attach_sources).
    """
    frame = contributions if sources is None else attach_sources(contributions, sources)
    frame = frame.assign(period=0)
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
