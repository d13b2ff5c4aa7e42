"""Finding finalisation: a tagger's records -> a conforming findings table with stable ids.

Every tagger hands its records to :func:`finalise`, which joins ``published`` and ``evidence``
and gives each row a :func:`finding_id` that analyst reviews are keyed by. It lives apart from
the column contracts in :mod:`analysis.schemas` because it is work done on rows, not a
declaration; it imports schemas, never the reverse.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import take
from pandas.core.dtypes.cast import maybe_box_native

from analysis.schemas import FINDING_COLUMNS, TABLES, conform, empty

__all__ = ["finalise", "finding_id", "finding_ids"]


def finding_id(table: str, article_id: str, char_start: int, char_end: int, key: Iterable[Any]) -> str:
    """A stable id for a finding: same article, span and values give the same id on every run.

    Analyst reviews are keyed by it, so it must not depend on row order or run time.
    """
    raw = "\x1f".join([table, article_id, str(char_start), str(char_end), *(_key_text(k) for k in key)])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def _key_text(value: Any) -> str:
    """One spelling per value, whatever column dtype the value travelled in.

    A chunk where a column is all null holds ``None``; a chunk with numbers
    holds ``nan`` and turns ``24`` into ``24.0``. The id must not depend on
    which articles happened to share a chunk, so every missing value is ``""``
    and a whole float is written as an integer.
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return "|".join(_key_text(v) for v in value)
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value)


def finalise(records: Iterable[Mapping[str, Any]], table: str, sentences: pd.DataFrame,
             articles: pd.DataFrame) -> pd.DataFrame:
    """Turn a tagger's records into a conforming table.

    Adds ``published`` (from the article), ``evidence`` (the sentence text) and
    ``finding_id``, and drops exact repeats of the same finding. Works column by column
    (one array lookup per joined column, one list of id keys): a row-wise pass through
    ``to_dict`` cost about as much as a tagger's cheaper rules.
    """
    frame = pd.DataFrame(list(records))
    if frame.empty:
        return empty(table)
    frame = frame.drop(columns=[c for c in ("evidence", "published") if c in frame.columns])
    rows = _joined_rows(frame, sentences, articles)
    if rows is None:  # keys the array lookup does not handle (missing ids, fractional sentences)
        frame = _merged(frame, sentences, articles)
    else:
        sentence_row, article_row = rows
        frame["evidence"] = take(sentences["text"].array, sentence_row, allow_fill=True)
        frame["published"] = take(articles["published"].array, article_row, allow_fill=True)
    ids = finding_ids(table, frame)
    frame["finding_id"] = ids
    if len(set(ids)) < len(ids):
        frame = frame.drop_duplicates("finding_id")
    return conform(frame, table)


def finding_ids(table: str, frame: pd.DataFrame) -> list[str]:
    """:func:`finding_id` of every row of ``frame``, from its columns (a missing value column counts as null)."""
    own = [c for c in TABLES[table] if c not in FINDING_COLUMNS]
    parts = [[table] * len(frame), _texts(frame["article_id"], _same), _texts(frame["char_start"], str),
             _texts(frame["char_end"], str)]
    parts += [_texts(frame[c], _key_text) if c in frame.columns else [""] * len(frame) for c in own]
    parts.append(_texts(frame["rule"], _key_text))
    sha1 = hashlib.sha1
    return [sha1("\x1f".join(row).encode("utf-8")).hexdigest()[:16] for row in zip(*parts)]


def _texts(column: pd.Series, spell: Any) -> list[str]:
    """``spell`` of each value as a row-wise ``to_dict`` would hand it over (numpy scalars boxed to Python)."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        if spell is _key_text:
            return column.to_numpy(dtype=object, na_value="").tolist()  # every value a str or missing
        return [spell(v) for v in column.to_numpy(dtype=object)]
    if isinstance(dtype, np.dtype) and dtype.kind in "iubf":
        return [spell(v) for v in column.tolist()]  # Python ints, bools and floats already
    return [spell(maybe_box_native(v)) for v in column]


def _same(value: Any) -> Any:
    """The article id as it is: a non-string id fails the join, as it always did."""
    return value


def _joined_rows(frame: pd.DataFrame, sentences: pd.DataFrame,
                 articles: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Row numbers of each finding's sentence and article (-1 when absent, the first when repeated).

    What a left merge on the keys gives, without the merge; None when a key is missing or not a
    whole number (the merge handles those).
    """
    codes, uniques = pd.factorize(frame["article_id"])
    left, right = frame["sentence"].dtype, sentences["sentence"].dtype
    if (codes < 0).any() or not (isinstance(left, np.dtype) and left.kind in "iu"
                                 and isinstance(right, np.dtype) and right.kind in "iu"):
        return None
    sent_article = _positions(sentences["article_id"], uniques)
    candidates = np.flatnonzero(sent_article >= 0)
    numbers = sentences["sentence"].to_numpy()[candidates].astype(np.int64)
    wanted = frame["sentence"].to_numpy().astype(np.int64)
    low = min(int(numbers.min(initial=0)), int(wanted.min()))
    width = max(int(numbers.max(initial=0)), int(wanted.max())) - low + 1
    sentence_row = _first_match(sent_article[candidates] * width + (numbers - low),
                                codes * width + (wanted - low), candidates)
    article_of = _positions(articles["article_id"], uniques)
    present = np.flatnonzero(article_of >= 0)
    article_row = _first_match(article_of[present].astype(np.int64), codes.astype(np.int64), present)
    return sentence_row, article_row


def _positions(values: pd.Series, uniques: Any) -> np.ndarray:
    """Where each value stands in ``uniques`` (-1 when absent); Arrow's hash lookup when both are Arrow strings."""
    if all(isinstance(getattr(v, "dtype", None), pd.StringDtype) and v.dtype.storage == "pyarrow"
           for v in (values, uniques)):
        found = pc.index_in(pa.array(values), value_set=pa.array(uniques))
        return pc.fill_null(found, -1).to_numpy().astype(np.intp)
    return pd.Index(uniques).get_indexer(values)


def _first_match(keys: np.ndarray, wanted: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each wanted key, ``rows`` at its first position in ``keys`` (-1 when it is not there)."""
    unique, first = np.unique(keys, return_index=True)
    at = np.minimum(np.searchsorted(unique, wanted), max(len(unique) - 1, 0))
    found = unique[at] == wanted if len(unique) else np.zeros(len(wanted), dtype=bool)
    return np.where(found, rows[first[at]] if len(unique) else -1, -1)


def _merged(frame: pd.DataFrame, sentences: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """``evidence`` and ``published`` by merges: the general path for keys the lookup cannot encode."""
    sent = sentences.loc[sentences["article_id"].isin(frame["article_id"].unique()),
                         ["article_id", "sentence", "text"]].rename(columns={"text": "evidence"})
    frame = frame.merge(sent, on=["article_id", "sentence"], how="left")
    return frame.merge(articles[["article_id", "published"]], on="article_id", how="left")
