"""MinHash signatures of article texts: word 5-shingles, 128 affine permutations (datasketch's affine32).

Split from ``dedupe`` because it runs on every article (in the tagging workers) and is
written for speed: words are split and hashed in Arrow, so Python touches each distinct
token once, and the permutations run as numpy array operations over blocks of shingles.
The signatures equal datasketch's for the same shingle hashes (tests compare them).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_HASH = (1 << 32) - 1  # shingle hashes are 32-bit, the width of datasketch's affine32 scheme
_BLOCK = 6_000  # shingles per vectorised min-hash step (x num_perm x 4 bytes: ~3 MB, cache-sized)
_GROUP = 4_000  # texts whose words are split and hashed together (a pipeline chunk is 2,000)


def _word_codes(words: list[str], cache: dict[str, int]) -> np.ndarray:
    """crc32 of each word, memoised in ``cache`` (most words repeat across a batch)."""
    codes = list(map(cache.get, words))
    if None in codes:  # new words: hash each once
        for word in set(words).difference(cache):
            cache[word] = zlib.crc32(word.encode("utf-8"))
        codes = list(map(cache.get, words))
    return np.array(codes, dtype=np.uint64)


def _shingle_hashes(text: str, size: int, cache: dict[str, int] | None = None) -> np.ndarray:
    """32-bit hashes of the word ``size``-shingles of ``text``, stable across runs and machines.

    Words hash with crc32 (memoised in ``cache`` across the articles of a batch,
    since most words repeat) and shingles combine them polynomially in numpy.
    Repeated shingles are kept: they do not change a minimum.
    """
    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(1, dtype=np.uint64)
    codes = _word_codes(words, {} if cache is None else cache)
    width = min(size, len(codes))
    hashes = np.zeros(len(codes) - width + 1, dtype=np.uint64)
    for k in range(width):
        hashes = (hashes * np.uint64(1_000_003) + codes[k:len(codes) - width + 1 + k]) & np.uint64(_MAX_HASH)
    return hashes


# ASCII bytes that are not word characters (``\w``) become spaces; bytes >= 0x80 are kept and
# the few tokens holding them are split by ``_WORD`` itself, so the words equal ``_WORD.findall``.
_ASCII_SPLIT = bytes(b if b >= 0x80 or chr(b).isalnum() or b == 0x5F else 0x20 for b in range(256))


def _text_word_codes(texts: list[str], cache: dict[bytes, tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    r"""crc32 of every ``\w+`` word of every lower-cased text, laid end to end, and the word count per text.

    Equal to ``[crc32(w.encode()) for w in _WORD.findall(text.lower())]`` text after text, but the
    splitting and the distinct-token lookup run in Arrow: Python touches each *distinct* token once
    (``cache`` keeps their codes across calls), not every word. The regex pass over every article
    cost more than the min-hashing itself.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    raw = [t.lower().encode("utf-8", "surrogatepass").translate(_ASCII_SPLIT) for t in texts]
    tokens = pc.ascii_split_whitespace(pa.array(raw, pa.large_binary()).view(pa.large_string()))
    per_text = pc.list_value_length(tokens).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    encoded = pc.list_flatten(tokens).dictionary_encode()
    distinct = encoded.dictionary.view(pa.large_binary()).to_pylist()
    index = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    lengths = np.empty(len(distinct), dtype=np.int64)
    flat: list[int] = []
    for i, token in enumerate(distinct):
        codes = cache.get(token)
        if codes is None:
            if token.isascii():
                codes = (zlib.crc32(token),) if token else ()
            else:  # a non-ASCII token may hold non-word characters (quotes, dashes): split it as the regex does
                codes = tuple(zlib.crc32(w.encode("utf-8"))
                              for w in _WORD.findall(token.decode("utf-8", "surrogatepass")))
            cache[token] = codes
        lengths[i] = len(codes)
        flat.extend(codes)
    table = np.array(flat, dtype=np.uint64)
    occurrences = lengths[index]  # words per token occurrence (almost always 1)
    first = np.repeat((np.cumsum(lengths) - lengths)[index], occurrences)
    within = np.arange(int(occurrences.sum())) - np.repeat(np.cumsum(occurrences) - occurrences, occurrences)
    counts = np.bincount(np.repeat(np.arange(len(texts)), per_text), weights=occurrences,
                         minlength=len(texts)).astype(np.int64)
    return table[first + within], counts


def _group_shingle_hashes(texts: list[str], size: int, cache: dict[bytes, tuple[int, ...]]) -> list[np.ndarray]:
    """``_shingle_hashes`` of many texts at once: one rolling hash over their words laid end to end,
    cut back into per-text views (windows across two texts dropped). Texts shorter than ``size``
    words have one shingle of all their words (or a single zero when they have none)."""
    codes, counts = _text_word_codes(texts, cache)
    windows = max(len(codes) - size + 1, 0)
    hashes = np.zeros(windows, dtype=np.uint64)
    for k in range(size if windows else 0):
        hashes = (hashes * np.uint64(1_000_003) + codes[k:windows + k]) & np.uint64(_MAX_HASH)
    starts = np.cumsum(counts) - counts
    out = []
    for start, count in zip(starts.tolist(), counts.tolist()):
        if count >= size:
            out.append(hashes[start:start + count - size + 1])
            continue
        short = np.zeros(1, dtype=np.uint64)
        for code in codes[start:start + count]:
            short = (short * np.uint64(1_000_003) + code) & np.uint64(_MAX_HASH)
        out.append(short)
    return out


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, which datasketch's affine32 scheme applies before permuting."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The affine maps ``h -> a h + b mod 2^32`` (odd ``a``) that datasketch's affine32 MinHash draws for ``seed``.

    Drawn the same way (tests compare them) so signatures stay comparable with
    datasketch's, without importing it (about a second per process).
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def signatures(texts: Iterable[str], num_perm: int = 128, shingle_size: int = 5, seed: int = 1) -> np.ndarray:
    """MinHash signatures (n x ``num_perm`` uint32), equal to datasketch's affine32 MinHash of the shingles.

    Vectorised over many articles at once: shingles of a block of articles are
    permuted in one numpy step and reduced per article with ``minimum.reduceat``.
    """
    a, b = permutations(num_perm, seed)
    cache: dict[bytes, tuple[int, ...]] = {}
    rows: list[np.ndarray] = []
    block: list[np.ndarray] = []

    def flush() -> None:
        if block:
            lengths = np.fromiter((len(h) for h in block), dtype=np.int64, count=len(block))
            hv = _fmix32(np.concatenate(block).astype(np.uint32))
            permuted = np.multiply(a[:, None], hv[None, :])  # one contiguous row per permutation
            np.add(permuted, b[:, None], out=permuted)
            rows.append(np.minimum.reduceat(permuted, np.concatenate([[0], np.cumsum(lengths)[:-1]]), axis=1).T)
            block.clear()

    pending = 0
    texts = list(texts)
    for first in range(0, len(texts), _GROUP):
        for hashes in _group_shingle_hashes(texts[first:first + _GROUP], shingle_size, cache):
            block.append(hashes)
            pending += len(hashes)
            if pending >= _BLOCK:
                flush()
                pending = 0
    flush()
    return np.concatenate(rows) if rows else np.zeros((0, num_perm), dtype=np.uint32)


def article_texts(articles: pd.DataFrame) -> list[str]:
    """What is shingled: the title and the text, joined by a space."""
    title = articles["title"] if "title" in articles.columns else pd.Series("", index=articles.index)
    return (title.fillna("").astype(str) + " " + articles["text"].fillna("").astype(str)).tolist()


def file_signatures(path: Path, row_group: int, num_perm: int = 128,
                    shingle_size: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """``article_id, published`` and the signatures of one row group of a staged articles Parquet file.

    Lets the pipeline sign a corpus in slices (and in parallel) without ever
    holding every article's text.
    """
    part = pq.ParquetFile(path).read_row_group(row_group, columns=["article_id", "published", "title", "text"])
    frame = part.to_pandas()
    return frame[["article_id", "published"]], signatures(article_texts(frame), num_perm, shingle_size)
