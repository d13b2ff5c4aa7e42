"""Files -> the article table and the rejects table (DESIGN §2).

Every input row ends in exactly one of the two: rows in = accepted + rejected.
Readers stream in chunks so memory stays bounded whatever the corpus size, and
a bad row becomes a reject with a reason instead of stopping the run.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from analysis import schemas
from analysis.vocab import DATA_DIR, read_csv_rows

FIELDS = ("article_id", "published", "title", "text", "source", "url")
DATA_SUFFIXES = (".csv", ".tsv", ".jsonl", ".jsonl.gz", ".ndjson", ".json", ".json.gz", ".parquet", ".txt")
# Files in a folder that hold labels or documentation, not articles.
NOT_ARTICLES = re.compile(r"^(gold.*\.jsonl|readme.*|.*\.md)$", re.IGNORECASE)
SEED_HEADER = re.compile(r"\A\s*date\s+(\S+)\s*", re.IGNORECASE)
PREVIEW_CHARS = 120
# Characters str.split() treats as whitespace besides " \t\n\r\v\f" (tests check the set is complete);
# the first four are the only ASCII ones. Checked one by one with `in`: twice as fast as a regex class.
UNICODE_SPACES = "\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
    "\u2028\u2029\u202f\u205f\u3000"
# For the content hash (normalised_utf8): ASCII bytes other than the four separators, deleted
# before looking for a separator bytes.split() does not know (what is left is short, and still
# UTF-8); and the ASCII whitespace that becomes a space.
_SEPARATORS_KEPT = bytes(b for b in range(128) if chr(b) not in UNICODE_SPACES)
_SEPARATOR = re.compile("[" + re.escape(UNICODE_SPACES) + "]")
_TO_SPACE = bytes.maketrans(b"\t\n\r\x0b\x0c", b"     ")
csv.field_size_limit(2**31 - 1)


class InputError(ValueError):
    """A user-facing problem with an input path or format (printed as one line, no traceback)."""


@dataclass
class IngestState:
    """What has been accepted so far in this run, to reject exact duplicates across chunks and files."""

    max_chars: int = 500_000
    min_year: int = 1900
    ids_by_hash: dict[str, str] = field(default_factory=dict)
    hash_by_id: dict[str, str] = field(default_factory=dict)
    skipped_files: list[str] = field(default_factory=list)


def load_column_aliases(data_dir: Path = DATA_DIR) -> dict[str, list[str]]:
    """Input column aliases per article field, from data/rules/input_columns.csv."""
    aliases: dict[str, list[str]] = {name: [] for name in FIELDS}
    for row in read_csv_rows(data_dir / "rules" / "input_columns.csv", ["column", "alias"]):
        aliases[row["column"]].append(row["alias"].lower())
    return aliases


def expand_inputs(paths: list[str | Path], state: IngestState | None = None) -> list[Path]:
    """Input files in a stable order; folders are walked recursively. Raises InputError."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"input not found: {path}")
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if NOT_ARTICLES.match(child.name) or not _supported(child):
                    if state is not None:
                        state.skipped_files.append(str(child))
                    continue
                files.append(child)
        elif _supported(path):
            files.append(path)
        else:
            raise InputError(f"unsupported input format: {path} (expected one of {', '.join(DATA_SUFFIXES)})")
    return files


def _supported(path: Path) -> bool:
    return path.name.lower().endswith(DATA_SUFFIXES)


def iter_raw(path: Path, chunk_size: int, aliases: dict[str, list[str]]) -> Iterator[pd.DataFrame]:
    """Raw rows of one file as frames with FIELDS (as given, unparsed) plus ``row`` and ``error``.

    ``error`` is set when the row could not even be read (bad JSON, bad encoding,
    malformed CSV); normalisation turns it into a reject.
    """
    name = path.name.lower()
    if name.endswith(".parquet"):
        yield from _iter_parquet(path, chunk_size, aliases)
        return
    if name.endswith(".txt"):
        yield _frame([_read_txt(path)], start=0)
        return
    if name.endswith((".csv", ".tsv")):
        rows = _iter_csv(path, aliases, "\t" if name.endswith(".tsv") else ",")
    else:
        rows = _iter_json_lines(path, aliases)
    yield from _chunked(rows, chunk_size)


def _chunked(rows: Iterator[dict[str, Any]], chunk_size: int) -> Iterator[pd.DataFrame]:
    batch: list[dict[str, Any]] = []
    start = 0
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk_size:
            yield _frame(batch, start)
            start += len(batch)
            batch = []
    if batch:
        yield _frame(batch, start)


def _frame(rows: list[dict[str, Any]], start: int) -> pd.DataFrame:
    # object dtype: cells may hold lone surrogates (bad bytes read with surrogateescape, "\\ud800" JSON
    # escapes) that Arrow-backed strings refuse; normalise rejects those rows as bad_encoding.
    frame = pd.DataFrame(rows, columns=[*FIELDS, "error", "raw"], dtype=object)
    frame.insert(0, "row", range(start, start + len(rows)))
    return frame


def _map_record(record: dict[str, Any], aliases: dict[str, list[str]]) -> dict[str, Any]:
    lowered = {str(k).lower(): v for k, v in record.items()}
    out: dict[str, Any] = {}
    for name, names in aliases.items():
        out[name] = next((lowered[a] for a in names if a in lowered and _present(lowered[a])), None)
    return out


def _present(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    return not (isinstance(value, float) and value != value)  # NaN from Parquet/CSV nulls


def _open_text_lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            yield from handle
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc


def _iter_json_lines(path: Path, aliases: dict[str, list[str]]) -> Iterator[dict[str, Any]]:
    lines = _open_text_lines(path)
    first = next(lines, None)
    if first is None:
        return
    if first.lstrip().startswith(b"["):  # a JSON array file: small by nature, read whole
        payload = first + b"".join(lines)
        try:
            records = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: not valid JSON ({exc})") from exc
        for record in records:
            yield _json_row(record, aliases, "")
        return
    for line in _prepend(first, lines):
        if not line or line.isspace():  # same test as "not line.strip()" without copying the line
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            yield {"error": "bad_encoding", "raw": line[:PREVIEW_CHARS].decode("utf-8", "replace")}
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield {"error": f"bad_json:{exc.msg}", "raw": text[:PREVIEW_CHARS]}
            continue
        yield _json_row(record, aliases, text)


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _json_row(record: Any, aliases: dict[str, list[str]], raw: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        return {"error": "not_an_object", "raw": raw[:PREVIEW_CHARS]}
    row = _map_record(record, aliases)
    row["raw"] = raw[:PREVIEW_CHARS]
    return row


def _iter_csv(path: Path, aliases: dict[str, list[str]], delimiter: str) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    with handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                return
            names = [h.strip() for h in header]
            for record in reader:
                raw = delimiter.join(record)[:PREVIEW_CHARS]
                if not any(cell.strip() for cell in record):
                    yield {"error": "empty_row", "raw": raw}
                elif len(record) != len(names):
                    yield {"error": f"malformed_row:{len(record)}_fields_for_{len(names)}_columns", "raw": raw}
                else:
                    row = _map_record(dict(zip(names, record)), aliases)
                    row["raw"] = raw
                    yield row
        except csv.Error as exc:
            raise InputError(f"{path}: malformed CSV at line {reader.line_num}: {exc}") from exc


def _iter_parquet(path: Path, chunk_size: int, aliases: dict[str, list[str]]) -> Iterator[pd.DataFrame]:
    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    start = 0
    for batch in handle.iter_batches(batch_size=chunk_size):
        records = batch.to_pandas().to_dict("records")
        rows = [_map_record(r, aliases) | {"raw": ""} for r in records]
        yield _frame(rows, start)
        start += len(rows)


def _read_txt(path: Path) -> dict[str, Any]:
    """A seed-format file: ``date YYYY-MM-DD`` then the text; the id is the file name."""
    row: dict[str, Any] = {"article_id": path.stem}
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return row | {"error": "bad_encoding", "raw": ""}
    match = SEED_HEADER.match(content)
    if match:
        row["published"] = match.group(1)
        row["text"] = content[match.end():]
    else:
        row["text"] = content
    row["raw"] = content[:PREVIEW_CHARS]
    return row


def normalise_text(text: str) -> str:
    """The form an article is identified by: NFC, whitespace collapsed, trimmed."""
    return collapse_whitespace(unicodedata.normalize("NFC", text))


def collapse_whitespace(text: str) -> str:
    """``" ".join(text.split())`` without the list of words, which cost most of the content hash.

    When the only whitespace is ASCII (almost every article), mapping it to spaces and halving
    runs of spaces gives the same string; any other whitespace takes the split itself."""
    for char in UNICODE_SPACES[:4] if text.isascii() else UNICODE_SPACES:
        if char in text:
            return " ".join(text.split())
    for char in "\t\n\r\x0b\x0c":
        if char in text:
            text = text.replace(char, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip(" ")


def normalised_utf8(text: str, encoded: bytes | None = None) -> bytes:
    """``normalise_text(text).encode("utf-8")``, working on the bytes (``encoded``: the text's
    UTF-8 if the caller has it). Bytes make the whitespace collapse cheap: one translate, a few
    replaces, no word list; a text holding a separator bytes do not know takes split/join."""
    nfc = unicodedata.normalize("NFC", text)
    data = encoded if encoded is not None and nfc is text else nfc.encode("utf-8")
    if _has_separator(data):
        return " ".join(nfc.split()).encode("utf-8")
    data = data.translate(_TO_SPACE)
    while b"  " in data:
        data = data.replace(b"  ", b" ")
    return data.strip(b" ")


def _has_separator(data: bytes) -> bool:
    """Whether UTF-8 ``data`` holds whitespace that str.split() knows and bytes.split() does not."""
    return _SEPARATOR.search(data.translate(None, _SEPARATORS_KEPT).decode("utf-8")) is not None


def text_hash(text: str, encoded: bytes | None = None) -> str:
    """The content hash: SHA-1 of the normalised text (``normalise_text``), first 16 hex digits."""
    return hashlib.sha1(normalised_utf8(text, encoded)).hexdigest()[:16]


def text_hashes(texts: list[str], encoded: list[bytes]) -> list[str]:
    """``text_hash`` of every text (``encoded``: their UTF-8), the whitespace work done once on
    all texts joined: one translate, and numpy finds the few texts with a run of spaces or
    spaces at an end, which alone take the per-text collapse."""
    nfc = [unicodedata.normalize("NFC", text) for text in texts]
    data = [raw if same is text else same.encode("utf-8") for text, same, raw in zip(texts, nfc, encoded)]
    joined = b"\0".join(data)  # NUL is no whitespace: no run of spaces crosses a join
    if _has_separator(joined):
        return [text_hash(text, raw) for text, raw in zip(texts, encoded)]
    spaced = joined.translate(_TO_SPACE)
    space = np.frombuffer(spaced, dtype=np.uint8) == ord(" ")
    lengths = np.fromiter(map(len, data), np.int64, len(data))
    starts = np.cumsum(lengths + 1) - lengths - 1
    ends = starts + lengths
    untidy = np.zeros(len(data), dtype=bool)
    untidy[np.searchsorted(ends, np.flatnonzero(space[1:] & space[:-1]))] = True
    nonempty = lengths > 0
    untidy[nonempty] |= space[starts[nonempty]] | space[ends[nonempty] - 1]
    view = memoryview(spaced)
    return [text_hash(text, raw) if messy else hashlib.sha1(view[start:end]).hexdigest()[:16]
            for text, raw, messy, start, end in zip(texts, encoded, untidy.tolist(), starts.tolist(), ends.tolist())]
