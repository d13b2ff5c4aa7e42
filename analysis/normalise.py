"""Raw rows -> the article table and the rejects table, one reason per rejected row.

Order of checks (the first failure is the reason): unreadable row, missing or
empty text, bad encoding, too long, missing date, unparseable date,
implausible date, duplicate id, exact duplicate text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import schemas
from analysis.dates import parse_dates
from analysis.ingest import IngestState, text_hashes


def _encodable(value: object) -> bool:
    if not isinstance(value, str) or value.isascii():  # isascii is a flag lookup; only non-ASCII text can hold surrogates
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from bad JSON escapes or bad CSV bytes
        return False
    return True


def _utf8(texts: list[str | None], rows: np.ndarray) -> list[bytes | None]:
    """Each text's UTF-8 at ``rows`` (None elsewhere, and for text with lone surrogates). Encoded
    once here for the encoding check, the content hash and the Arrow text column alike."""
    out: list[bytes | None] = [None] * len(texts)
    for i in rows.tolist():
        try:
            out[i] = texts[i].encode("utf-8")  # type: ignore[union-attr]  # rows hold text
        except UnicodeEncodeError:  # lone surrogates from bad JSON escapes or bad CSV bytes
            pass
    return out


def _arrow_text(utf8: list[bytes], index: pd.Index) -> pd.Series:
    """The text column as Arrow strings built from bytes already encoded (``conform`` keeps it)."""
    array = pa.array(utf8, type=pa.large_binary()).cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([array])), index=index)


def _clean(value: object) -> str:
    """Any cell as valid UTF-8 text for a reject preview (lone surrogates become '?')."""
    text = _as_text(value) or ""
    return text.encode("utf-8", "replace").decode("utf-8")


def _as_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (dict, list)):
        return None
    return str(value)


def normalise(raw: pd.DataFrame, input_file: str, state: IngestState) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split one raw chunk into accepted articles and rejects; updates ``state`` for duplicates."""
    reasons = pd.Series(raw["error"].astype(object), index=raw.index)
    texts = pd.Series([_as_text(v) for v in raw["text"]], index=raw.index, dtype=object)
    titles = pd.Series([_as_text(v) for v in raw["title"]], index=raw.index, dtype=object)
    blank = pd.Series([t is None or not t or t.isspace() for t in texts.tolist()], index=raw.index)  # = strip() == ""
    reasons = reasons.where(reasons.notna(), blank.map({True: "empty_text", False: None}))
    todo = reasons.isna().to_numpy()
    text_list, title_list = texts.tolist(), titles.tolist()  # plain lists: per-row Series indexing cost more than the checks
    others = [raw[c].tolist() for c in ("article_id", "published", "source", "url")]  # any field can carry bad bytes
    utf8 = _utf8(text_list, np.flatnonzero(todo))
    unencodable = [raw.index[i] for i in np.flatnonzero(todo)
                   if not (utf8[i] is not None and _encodable(title_list[i])
                           and all(_encodable(column[i]) for column in others))]
    reasons[unencodable] = "bad_encoding"
    too_long = pd.Series([t is not None and len(t) > state.max_chars for t in text_list], index=raw.index)
    reasons[reasons.isna() & too_long] = "too_long"

    published, implausible = parse_dates(raw["published"], state.min_year)
    missing = raw["published"].isna() | (raw["published"].astype("string").str.strip() == "").fillna(True)
    reasons[reasons.isna() & missing] = "missing_date"
    implausible = reasons.isna() & implausible
    reasons[implausible] = "implausible_date:" + raw.loc[implausible, "published"].astype(str).str.slice(0, 40)
    bad_date = reasons.isna() & published.isna()
    reasons[bad_date] = "unparseable_date:" + raw.loc[bad_date, "published"].astype(str).str.slice(0, 40)

    stripped = raw["article_id"].map(_as_text).str.strip()
    id_list, reason_list = stripped.tolist(), reasons.tolist()
    hash_list: list[str | None] = [None] * len(raw)
    hashed = np.flatnonzero(reasons.isna().to_numpy()).tolist()
    for i, digest in zip(hashed, text_hashes([text_list[i] for i in hashed], [utf8[i] for i in hashed])):
        hash_list[i] = digest
        article_id = id_list[i] if isinstance(id_list[i], str) and id_list[i] else f"h{digest}"
        id_list[i] = article_id
        if article_id in state.hash_by_id:
            same = state.hash_by_id[article_id] == digest
            reason_list[i] = f"duplicate_of:{article_id}" if same else f"duplicate_id:{article_id}"
        elif digest in state.ids_by_hash:
            reason_list[i] = f"duplicate_of:{state.ids_by_hash[digest]}"
        else:
            state.ids_by_hash[digest] = article_id
            state.hash_by_id[article_id] = digest
    ids = pd.Series(id_list, index=raw.index, dtype=stripped.dtype)
    hashes = pd.Series(hash_list, index=raw.index, dtype=object)
    reasons = pd.Series(reason_list, index=raw.index, dtype=object)

    ok = reasons.isna()
    articles = pd.DataFrame({
        "article_id": ids[ok],
        "published": published[ok],
        "title": titles[ok],
        "text": _arrow_text([utf8[i] for i in np.flatnonzero(ok.to_numpy())], raw.index[ok]),
        "source": raw.loc[ok, "source"].map(_as_text),
        "url": raw.loc[ok, "url"].map(_as_text),
        "content_hash": hashes[ok],
        "input_file": input_file,
    })
    bad = ~ok
    # Plain str cells, never Arrow strings: the raw text may hold lone surrogates until cleaned below.
    preview = pd.Series([_clean(v) for v in raw.loc[bad, "raw"]], index=raw.index[bad], dtype=object)
    fallback = pd.Series([_clean(v)[:120] for v in texts[bad]], index=preview.index, dtype=object)
    preview = preview.where(preview != "", fallback)
    rejects = pd.DataFrame({
        "input_file": input_file,
        "row": raw.loc[bad, "row"],
        "article_id": ids[bad],
        "reason": reasons[bad],
        "preview": preview,
    })
    return schemas.conform(articles, "articles"), schemas.conform(rejects, "rejects")
