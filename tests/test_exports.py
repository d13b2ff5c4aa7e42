"""CSV exports open safely in a spreadsheet; Parquet keeps values exact (analysis.exports)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, strategies as st

from analysis import exports

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\tTAB=1", "\r=1", "\uff1d1+1"]


def read_back(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_formula_cells_are_prefixed() -> None:
    frame = pd.DataFrame({"evidence": HOSTILE + ["Plain text", "a=b"], "n": range(len(HOSTILE) + 2)})
    rows = read_back(exports.to_csv_bytes(frame))
    assert [r["evidence"] for r in rows[:len(HOSTILE)]] == ["'" + h for h in HOSTILE]
    assert rows[-2]["evidence"] == "Plain text" and rows[-1]["evidence"] == "a=b"  # only a leading sign matters
    assert [r["n"] for r in rows] == [str(i) for i in range(len(HOSTILE) + 2)]  # numbers untouched


def test_negative_numbers_stay_numbers_and_strings_do_not() -> None:
    frame = pd.DataFrame({"relief": [-5.0], "text": pd.array(["-5"], dtype="string")})
    row = read_back(exports.to_csv_bytes(frame))[0]
    assert row["relief"] == "-5.0" and row["text"] == "'-5"


def test_hostile_header_and_list_cells() -> None:
    frame = pd.DataFrame({"=cmd": ["x"], "ids": [["=a", "b"]]})
    data = exports.to_csv_bytes(frame).decode("utf-8-sig")
    assert data.splitlines()[0] == "'=cmd,ids"
    assert "'=a;b" in data


def test_markup_stays_text_and_nulls_stay_empty() -> None:
    frame = pd.DataFrame({"title": ["<script>alert(1)</script>", None]})
    rows = read_back(exports.to_csv_bytes(frame))
    assert rows[0]["title"] == "<script>alert(1)</script>" and rows[1]["title"] == ""


def test_parquet_is_exact() -> None:
    table = pa.table({"evidence": HOSTILE})
    assert pq.read_table(io.BytesIO(exports.to_parquet_bytes(table))).column("evidence").to_pylist() == HOSTILE


@given(st.lists(st.text(), min_size=1, max_size=20))
def test_no_exported_cell_starts_a_formula(values: list[str]) -> None:
    frame = pd.DataFrame({"text": values})
    for row in read_back(exports.to_csv_bytes(frame)):
        assert not row["text"].startswith(exports.FORMULA_PREFIXES + exports.FORMULA_PREFIXES_WIDE)


def test_line_breaks_inside_cells_keep_rows_whole() -> None:
    frame = pd.DataFrame({"text": ["one\rtwo", "three\nfour", "five"]})
    assert [r["text"] for r in read_back(exports.to_csv_bytes(frame))] == ["one\rtwo", "three\nfour", "five"]
