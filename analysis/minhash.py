"""MinHash signatures of article texts: word 5-shingles, one-permutation hashing into 128 bins.

Signing runs on every article (in the tagging workers), so it is written for speed:

* words are found and hashed in numpy over the UTF-8 bytes of a batch of texts, 8 bytes at a
  time; Python touches only the few distinct tokens holding non-ASCII letters (to lower-case them);
* each shingle is hashed once to 64 bits and goes to one of ``num_perm`` bins by its high bits;
  a bin keeps the least low 32 bits (one-permutation hashing), and a bin left empty by a short
  text borrows from a non-empty bin chosen by a fixed random sequence ("optimal densification",
  Shrivastava 2017), so the share of equal bins still estimates the Jaccard similarity.

One hash per shingle instead of ``num_perm`` affine maps; signatures stay ``n x num_perm`` uint32,
so the LSH bands and the equal-share check in ``dedupe`` are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

_WORD = re.compile(r"\w+", re.UNICODE)
_U64 = np.uint64
_GROUP_BYTES = 1 << 20  # text bytes split and hashed together: the byte-wide arrays stay in cache
_HIGH_BITS = _U64(0x8080808080808080)  # a non-ASCII byte in an 8-byte word
_FOLD = _U64(0x2020202020202020)  # ORed into ASCII word bytes: upper case -> lower ('_' -> DEL, still unique)
_EMPTY = np.uint32(0xFFFFFFFF)  # an empty bin (bin values stop one below)
_WORD_MUL, _SHINGLE_MUL = _U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F)


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (every input bit moves every output bit), in place."""
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


def _word_bytes(raw: np.ndarray) -> np.ndarray:
    """Bytes that may belong to a ``\\w`` word: ASCII letters, digits, '_' and every non-ASCII byte."""
    word = (raw - np.uint8(48)) < 10
    letter = raw | np.uint8(0x20)  # A-Z -> a-z
    word |= (letter - np.uint8(97)) < 26
    word |= raw >= 0x80
    word |= raw == 0x5F
    return word


@lru_cache(maxsize=1)
def _bmp_word_chars() -> np.ndarray:
    """Whether each code point below U+10000 is a ``\\w`` character (made once per process, ~10 ms)."""
    return np.array([chr(c).isalnum() for c in range(0x10000)])


def _mark_non_word_chars(padded: np.ndarray, word: np.ndarray) -> np.ndarray:
    """Clear ``word`` over the bytes of non-ASCII characters that are not ``\\w`` (curly quotes, dashes,
    no-break spaces), so they split words as the regex does. Returns the code points seen."""
    raw = padded  # 8 spare zero bytes at the end: a character's next bytes can always be read
    high = np.flatnonzero(raw[:len(word)] >= 0x80)
    lead = high[raw[high] >= 0xC0]
    if not len(lead):
        return lead
    first = raw[lead].astype(np.int64)
    b1, b2 = raw[lead + 1].astype(np.int64) & 0x3F, raw[lead + 2].astype(np.int64) & 0x3F
    width = 2 + (first >= 0xE0) + (first >= 0xF0)
    code = np.where(width == 2, ((first & 0x1F) << 6) | b1, ((first & 0x0F) << 12) | (b1 << 6) | b2)
    four = np.flatnonzero(width == 4)
    code[four] = ((first[four] & 0x07) << 18) | (b1[four] << 12) | (b2[four] << 6) | (raw[lead[four] + 3] & 0x3F)
    is_word = _bmp_word_chars()[np.minimum(code, 0xFFFF)]
    is_word[four] = [chr(c).isalnum() for c in code[four].tolist()]
    gaps = np.flatnonzero(~is_word)
    word[np.repeat(lead[gaps], width[gaps]) + _within(width[gaps])] = False
    return code


def _tail_mask(lengths: np.ndarray) -> np.ndarray:
    """The low ``min(length, 8)`` bytes of a little-endian 64-bit word (lengths >= 1)."""
    return _U64(0xFFFFFFFFFFFFFFFF) >> (64 - 8 * np.minimum(lengths, 8)).astype(np.uint64)


def _hash_words(padded: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                fold: np.ndarray | np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hash of each word ``padded[start:start + length]`` and whether it holds a non-ASCII byte.

    Reads 8 bytes at a time (``padded`` has 8 spare bytes at the end); ``fold`` (per word, or one
    value) is ORed into the bytes: ``_FOLD`` lower-cases ASCII words, 0 keeps Python-lowered ones.
    """
    wide = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))
    fold = np.asarray(fold, dtype=np.uint64)
    mask = _tail_mask(lengths)
    chunk = wide[starts]
    chunk &= mask
    high = (chunk & _HIGH_BITS) != 0
    chunk |= fold & mask
    hashes = lengths.astype(np.uint64) * _WORD_MUL
    hashes ^= chunk
    hashes *= _WORD_MUL
    take = np.flatnonzero(lengths > 8)  # the longer words, 8 more bytes at a time
    offset = 8
    while len(take):
        mask = _tail_mask(lengths[take] - offset)
        chunk = wide[starts[take] + offset] & mask
        high[take] |= (chunk & _HIGH_BITS) != 0
        chunk |= (fold if fold.ndim == 0 else fold[take]) & mask
        hashes[take] = (hashes[take] ^ chunk) * _WORD_MUL
        offset += 8
        take = take[lengths[take] > offset]
    _fmix64(hashes)
    return hashes, high


def _arrow_texts(texts: Iterable[str] | pa.Array | pa.ChunkedArray | pd.Series) -> pa.LargeStringArray:
    """The texts as one Arrow large-string array (null -> empty); Arrow and Arrow-backed input is not copied."""
    if isinstance(texts, pd.Series):
        texts = pa.array(texts.array) if isinstance(texts.dtype, pd.StringDtype) else list(texts)
    if not isinstance(texts, (pa.Array, pa.ChunkedArray)):
        items = [t if isinstance(t, str) else "" for t in texts]  # None, NaN: no text
        try:
            texts = pa.array(items, pa.large_string())
        except (UnicodeEncodeError, pa.ArrowException):  # lone surrogates: kept as their bytes
            raw = [t.encode("utf-8", "surrogatepass") for t in items]
            texts = pa.array(raw, pa.large_binary()).view(pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks else pa.array([], pa.large_string())
    texts = texts.cast(pa.large_string())
    return texts.fill_null("") if texts.null_count else texts


def _split_non_ascii(padded: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Word hashes of tokens holding non-ASCII bytes: each distinct token is lower-cased and split
    by ``\\w+`` in Python (it may hold quotes or dashes). Returns the hashes laid end to end and
    the number of words of each token (0 for a token of punctuation only)."""
    keys, _ = _hash_words(padded, starts, lengths, _U64(0))
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    words: list[bytes] = []
    per_distinct = np.empty(len(first), dtype=np.int64)
    for i, at in enumerate(first.tolist()):
        start = int(starts[at])
        token = padded[start:start + int(lengths[at])].tobytes().decode("utf-8", "surrogatepass")
        found = [w.encode("utf-8", "surrogatepass") for w in _WORD.findall(token.lower())]
        per_distinct[i] = len(found)
        words.extend(found)
    side = np.frombuffer(b"".join(words) + bytes(8), dtype=np.uint8)
    side_lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    fold = np.array([_FOLD if w.isascii() else 0 for w in words], dtype=np.uint64)
    codes, _ = _hash_words(side, np.cumsum(side_lengths) - side_lengths, side_lengths, fold)
    counts = per_distinct[inverse.ravel()]
    begin = (np.cumsum(per_distinct) - per_distinct)[inverse.ravel()]
    return codes[np.repeat(begin, counts) + _within(counts)], counts


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, .., c - 1 for each count c, laid end to end."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _text_words(texts: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the ``\\w+`` words of every lower-cased text, laid end to end, and the word count per text.

    Words are found with array operations over all texts' UTF-8 bytes at once and ASCII words
    (nearly all) are hashed as they stand; the few holding non-ASCII letters are lower-cased in Python.
    """
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset:texts.offset + len(texts) + 1]
    base = int(offsets[0])
    size = int(offsets[-1]) - base
    padded = np.zeros(size + 8, dtype=np.uint8)
    if size:
        padded[:size] = np.frombuffer(texts.buffers()[2], dtype=np.uint8, count=size, offset=base)
    raw, bounds = padded[:size], offsets - base
    word = _word_bytes(raw)
    points = _mark_non_word_chars(padded, word)
    if np.any(points == 0x3A3):  # capital sigma lowers by context (final form): lower those texts whole
        sigma = np.unique(np.searchsorted(bounds, np.flatnonzero(raw == 0xCE), side="right") - 1)
        items = texts.view(pa.large_binary()).to_pylist()
        for i in sigma.tolist():
            items[i] = items[i].decode("utf-8", "surrogatepass").lower().encode("utf-8", "surrogatepass")
        return _text_words(pa.array(items, pa.large_binary()).view(pa.large_string()))
    starts = word.copy()  # a word starts after a non-word byte or at a text's start
    starts[1:] &= ~word[:-1]
    inner = bounds[:-1][bounds[:-1] < size]
    starts[inner] = word[inner]
    ends = word.copy()  # and ends before a non-word byte or at a text's end
    ends[:-1] &= ~word[1:]
    inner = bounds[1:][bounds[1:] > 0] - 1
    ends[inner] = word[inner]
    starts, ends = np.flatnonzero(starts), np.flatnonzero(ends) + 1
    lengths = ends - starts
    per_text = np.diff(np.searchsorted(starts, bounds))
    codes, high = _hash_words(padded, starts, lengths, _FOLD)
    odd = np.flatnonzero(high)
    if not len(odd):
        return codes, per_text
    side, words = _split_non_ascii(padded, starts[odd], lengths[odd])
    per_token = np.ones(len(codes), dtype=np.int64)
    per_token[odd] = words
    out = np.repeat(codes, per_token)
    out[np.repeat((np.cumsum(per_token) - per_token)[odd], words) + _within(words)] = side
    text_of_odd = np.searchsorted(bounds, starts[odd], side="right") - 1
    return out, per_text + np.bincount(text_of_odd, weights=words - 1, minlength=len(per_text)).astype(np.int64)


def _shingles(codes: np.ndarray, counts: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the word ``size``-shingles of each text and the text each belongs to.

    A text of fewer than ``size`` words has one shingle of all its words, and a text without
    words the shingle of no words, so every text has at least one (empty texts sign alike).
    """
    rows = np.repeat(np.arange(len(counts)), counts)
    windows = max(len(codes) - size + 1, 0)
    hashes = codes[:windows].copy()
    for k in range(1, size if windows else 0):
        hashes *= _SHINGLE_MUL
        hashes += codes[k:windows + k]
    keep = rows[:windows] == rows[size - 1:] if windows else np.zeros(0, dtype=bool)
    hashes, rows = hashes[keep], rows[:windows][keep]
    short = np.flatnonzero(counts < size)
    if len(short):  # the same recurrence over fewer words, started from 0
        starts, lengths = (np.cumsum(counts) - counts)[short], counts[short]
        extra = np.zeros(len(short), dtype=np.uint64)
        for k in range(int(lengths.max())):
            live = lengths > k
            extra[live] = extra[live] * _SHINGLE_MUL + codes[starts[live] + k]
        hashes, rows = np.concatenate([hashes, extra]), np.concatenate([rows, short])
    return hashes, rows


@lru_cache(maxsize=8)
def _borrow_order(num_perm: int, seed: int) -> np.ndarray:
    """For each bin, the fixed random order in which an empty bin looks for a non-empty one."""
    gen = np.random.RandomState(seed)
    return np.stack([gen.permutation(num_perm) for _ in range(num_perm)])


def _one_permutation(hashes: np.ndarray, rows: np.ndarray, n: int, num_perm: int, seed: int) -> np.ndarray:
    """``n x num_perm`` bins: bin ``high bits of h`` of row ``r`` keeps the least low 32 bits of its shingles' ``h``."""
    mixed = _fmix64(hashes ^ _U64((seed * 0x9E3779B97F4A7C15) & ((1 << 64) - 1)))
    bins = ((mixed >> _U64(32)) * _U64(num_perm)) >> _U64(32)
    values = np.minimum(mixed & _U64(0xFFFFFFFF), _U64(_EMPTY - 1)).astype(np.uint32)
    sigs = np.full(n * num_perm, _EMPTY, dtype=np.uint32)
    np.minimum.at(sigs, rows.astype(np.int64) * num_perm + bins.astype(np.int64), values)
    sigs = sigs.reshape(n, num_perm)
    row, col = np.nonzero(sigs == _EMPTY)
    if len(row):  # densify: an empty bin takes the first non-empty bin of its fixed order
        filled = sigs != _EMPTY
        order = _borrow_order(num_perm, seed)
        for step in range(num_perm):
            source = order[col, step]
            hit = filled[row, source]
            sigs[row[hit], col[hit]] = sigs[row[hit], source[hit]]
            row, col = row[~hit], col[~hit]
            if not len(row):
                break
    return sigs


def signatures(texts: Iterable[str] | pa.Array | pa.ChunkedArray | pd.Series, num_perm: int = 128,
               shingle_size: int = 5, seed: int = 1) -> np.ndarray:
    """MinHash signatures (n x ``num_perm`` uint32): the share of equal columns of two rows estimates
    the Jaccard similarity of the two texts' word ``shingle_size``-shingle sets.

    A text's signature depends on its text alone (not on the batch it is signed in).
    """
    texts = _arrow_texts(texts)
    parts = [np.zeros((0, num_perm), dtype=np.uint32)]
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset:texts.offset + len(texts) + 1]
    cuts = np.unique(np.searchsorted(offsets, np.arange(offsets[0], offsets[-1], _GROUP_BYTES), side="right"))
    cuts = np.unique(np.concatenate([[0], np.minimum(cuts, len(texts)), [len(texts)]]))
    for first, last in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        group = texts.slice(first, last - first)
        codes, counts = _text_words(group)
        hashes, rows = _shingles(codes, counts, shingle_size)
        parts.append(_one_permutation(hashes, rows, len(group), num_perm, seed))
    return np.concatenate(parts)


def article_texts(articles: pd.DataFrame) -> pd.Series:
    """What is shingled: the title and the text, joined by a space (Arrow-backed when the columns are)."""
    title = articles["title"] if "title" in articles.columns else pd.Series("", index=articles.index)
    return title.fillna("").astype("string") + " " + articles["text"].fillna("").astype("string")


def file_signatures(path: Path, row_group: int, num_perm: int = 128,
                    shingle_size: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """``article_id, published`` and the signatures of one row group of a staged articles Parquet file.

    Lets the pipeline sign a corpus in slices (and in parallel) without ever
    holding every article's text.
    """
    part = pq.ParquetFile(path).read_row_group(row_group, columns=["article_id", "published", "title", "text"])
    frame = part.to_pandas()
    return frame[["article_id", "published"]], signatures(article_texts(frame), num_perm, shingle_size)
