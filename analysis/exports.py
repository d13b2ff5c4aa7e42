"""Downloads of table rows that are safe to open in a spreadsheet.

Article text is untrusted: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is run as a formula by Excel and LibreOffice (CSV
injection). CSV exports therefore prefix such cells with an apostrophe, the
convention spreadsheets display as plain text. Parquet keeps values exact
(typed columns are not evaluated by spreadsheets), so it is the lossless export.
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Also the full-width forms some spreadsheets fold to their ASCII twins.
FORMULA_PREFIXES_WIDE = ("\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: object) -> object:
    """A cell value that a spreadsheet will not evaluate; non-strings pass through unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES + FORMULA_PREFIXES_WIDE):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised (numbers and dates keep their types).

    List cells (e.g. pair_risk.finding_ids) are joined with ``;`` first so the CSV
    holds plain text rather than a Python repr.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(lambda v: neutralise(_flatten(v)), na_action="ignore")
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    return out


def _flatten(value: object) -> object:
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist") and not isinstance(value, str):
        items = value.tolist() if hasattr(value, "tolist") else value
        if isinstance(items, list):
            return ";".join(str(v) for v in items)
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV of the neutralised frame: a BOM so spreadsheets pick the encoding, and CRLF row ends
    (RFC 4180) so a cell holding a bare CR or LF is quoted instead of splitting its row."""
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_parquet_bytes(table: pa.Table) -> bytes:
    """The exact rows as Parquet (zstd), for analysis tools rather than spreadsheets."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()
