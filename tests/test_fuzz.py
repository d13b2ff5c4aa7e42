"""Property tests: every reader and the taggers survive arbitrary input.

For each input format (CSV, TSV, JSONL, JSON array, JSONL.gz, Parquet, txt) Hypothesis
writes generated records (odd Unicode, lone surrogates, control characters, markup,
huge and empty values, wrong types, odd dates) and also raw random bytes. Through
``analysis.ingest`` and ``analysis.normalise``: no exception escapes (a whole-file
``InputError`` is allowed only for random bytes), and rows in = accepted + rejected.
``analysis.pipeline.tag_chunk`` on arbitrary text: no exception, every finding span
lies inside its article text. The ``slow`` variants run 10,000 generated files per
reader, 2,000 random-byte files per reader and 1,000 tagger chunks
(``python -m pytest tests/test_fuzz.py -m slow``, stops at the first failure);
``scripts/fuzz_long.py`` runs the same strategies and checks on two worker processes and
reports examples, failures and time per reader (figures in docs/RELIABILITY.md).
"""

from __future__ import annotations

import csv
import functools
import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from analysis import ingest, schemas
from analysis.normalise import normalise
from analysis.pipeline import TAGGERS, Resources, tag_chunk

FORMATS = ("csv", "tsv", "jsonl", "json", "jsonl.gz", "parquet", "txt")
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=10_000, deadline=None, database=None, suppress_health_check=list(HealthCheck))
WORK = Path(tempfile.mkdtemp(prefix="sra-fuzz-"))

# Words that make the taggers fire (generic vocabulary, not corpus text), mixed with noise.
WORDS = ["India", "United States", "Washington", "Turkey", "Russia", "China", "sanctions", "CAATSA", "S-400",
         "Su-30MKI", "waiver", "threatened", "imposed", "lifted", "contract", "delivered", "signed", "said",
         "Rosoboronexport", "ministry", "spokesperson", "$1.5 billion", "U.S.", "Mr.", "«", "»", "“", "”", ".",
         ",", "!", "?", "\n", "\n\n", " ", "  ", "(", ")", "<b>", "=", "\u202e", "\x00", "\ufeff", "भारत", "中国"]

texts = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join),
                  st.just(""), st.just("   "), st.text(alphabet="\ud800\udfff\x00\r\n\t\u202e", max_size=5))
dates = st.one_of(st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()),
                  st.sampled_from(["", "May", "yesterday", "2024-13-45", "0001-01-01", "9999-12-31", "1700-01-01",
                                   "2024-02-30", "1e308", "NaN", "31/12/24", "Tue, 05 Mar 2024 10:00:00 +0100"]),
                  st.text(max_size=20))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts)
ids = st.one_of(st.none(), st.text(max_size=12), st.integers(), st.sampled_from(["a1", "a1 ", "A1"]))
records = st.lists(st.fixed_dictionaries(
    {"id": ids, "date": st.one_of(dates, st.none(), st.integers()), "title": scalars, "text": st.one_of(texts, scalars)},
    optional={"source": scalars, "url": scalars, "extra": st.one_of(scalars, st.lists(scalars, max_size=2))}),
    max_size=12)


@functools.lru_cache(maxsize=1)
def aliases() -> dict[str, list[str]]:
    return ingest.load_column_aliases()


@functools.lru_cache(maxsize=1)
def resources() -> Resources:
    return Resources.load()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def write(fmt: str, rows: list[dict[str, Any]]) -> Path:
    """The records as a file of the given format (text cells stringified where the format needs it)."""
    path = WORK / f"in.{fmt}"
    columns = ["id", "date", "title", "text", "source", "url", "extra"]
    if fmt in ("csv", "tsv"):
        with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as handle:
            writer = csv.writer(handle, delimiter="," if fmt == "csv" else "\t")
            writer.writerow(columns)
            writer.writerows([[_cell(r.get(c)) for c in columns] for r in rows])
    elif fmt in ("jsonl", "jsonl.gz"):
        payload = "".join(json.dumps(r, default=str) + "\n" for r in rows).encode()
        path.write_bytes(gzip.compress(payload) if fmt.endswith("gz") else payload)
    elif fmt == "json":
        path.write_text(json.dumps(rows, default=str))
    elif fmt == "parquet":
        frame = pd.DataFrame({c: [None if r.get(c) is None else _cell(r.get(c)).encode("utf-8", "replace")
                                  .decode("utf-8") for r in rows] for c in columns}, dtype=object)
        frame.to_parquet(path)
    else:
        first = rows[0] if rows else {}
        path.write_text(f"date {_cell(first.get('date'))}\n{_cell(first.get('text'))}", encoding="utf-8",
                        errors="surrogatepass")
    return path


def read_all(path: Path) -> tuple[int, int, int]:
    """Rows in, accepted, rejected for one file through ingest + normalise."""
    state = ingest.IngestState()
    rows_in = accepted = rejected = 0
    for raw in ingest.iter_raw(path, 8, aliases()):  # 8: records of up to 12 rows span two chunks
        articles, rejects = normalise(raw, str(path), state)
        rows_in, accepted, rejected = rows_in + len(raw), accepted + len(articles), rejected + len(rejects)
        assert articles["article_id"].is_unique
        assert all(str(t).strip() for t in articles["text"])
        assert schemas.conform(articles, "articles").shape[0] == len(articles)
    return rows_in, accepted, rejected


def check_records(fmt: str, rows: list[dict[str, Any]]) -> None:
    rows_in, accepted, rejected = read_all(write(fmt, rows))
    assert rows_in == accepted + rejected
    if fmt in ("jsonl", "jsonl.gz", "json", "parquet"):
        assert rows_in == len(rows)
    elif fmt == "txt":
        assert rows_in == 1


def check_bytes(fmt: str, blob: bytes) -> None:
    path = WORK / f"raw.{fmt}"
    path.write_bytes(gzip.compress(blob) if fmt.endswith("gz") and blob[:1] == b"z" else blob)
    try:
        rows_in, accepted, rejected = read_all(path)
    except ingest.InputError:
        return  # a whole file that cannot be read: one clear message, no traceback
    assert rows_in == accepted + rejected


def check_tagging(rows: list[tuple[str, str]]) -> None:
    raw = ingest._frame([{"article_id": f"t{i}", "published": "2024-03-01", "text": t, "title": title}
                         for i, (t, title) in enumerate(rows)], start=0)
    articles, _ = normalise(raw, "fuzz", ingest.IngestState())
    tables = tag_chunk(articles, resources())
    lengths = dict(zip(articles["article_id"], articles["text"].str.len()))
    assert len(tables["articles"]) == len(articles)
    for name in TAGGERS:
        frame = tables[name]
        for article_id, start, end in zip(frame["article_id"], frame["char_start"], frame["char_end"]):
            assert article_id in lengths, name
            assert 0 <= start < end <= lengths[article_id], (name, start, end)


tag_inputs = st.lists(st.tuples(texts, st.one_of(st.just(""), texts)), min_size=1, max_size=4)


@pytest.mark.parametrize("fmt", FORMATS)
@FAST
@given(rows=records)
def test_reader_records(fmt: str, rows: list[dict[str, Any]]) -> None:
    check_records(fmt, rows)


@pytest.mark.parametrize("fmt", FORMATS)
@FAST
@given(blob=st.binary(max_size=400))
def test_reader_random_bytes(fmt: str, blob: bytes) -> None:
    check_bytes(fmt, blob)


@FAST
@given(rows=tag_inputs)
def test_taggers_on_arbitrary_text(rows: list[tuple[str, str]]) -> None:
    check_tagging(rows)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@SLOW
@given(rows=records)
def test_reader_records_long(fmt: str, rows: list[dict[str, Any]]) -> None:
    check_records(fmt, rows)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=2_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(blob=st.binary(max_size=400))
def test_reader_random_bytes_long(fmt: str, blob: bytes) -> None:
    check_bytes(fmt, blob)


@pytest.mark.slow
@settings(max_examples=1_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=tag_inputs)
def test_taggers_long(rows: list[tuple[str, str]]) -> None:
    check_tagging(rows)
