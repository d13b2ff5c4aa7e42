"""Uploads are type- and size-checked, compressed bombs refused, and names cannot escape the folder."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from analysis import uploads
from analysis.uploads import Limits, UploadRejected

ROW = json.dumps({"id": "a1", "date": "2024-01-01", "text": "India bought the S-400."}).encode() + b"\n"
SMALL = Limits(max_bytes=1 << 20, max_unpacked_bytes=32 << 20, max_ratio=50.0)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


def test_plain_jsonl_is_accepted(tmp_path: Path) -> None:
    path = uploads.accept("news.jsonl", ROW * 3, tmp_path / "in")
    assert path == (tmp_path / "in" / "news.jsonl").resolve() and path.read_bytes() == ROW * 3


@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "/etc/cron.d/x.csv", "..\\..\\win.csv",
                                  "a/../../b.jsonl", ".hidden.csv", "ok\x00.csv", "name with spaces; rm -rf.csv"])
def test_hostile_names_stay_inside(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "in"
    path = uploads.accept(name, b"id,date,text\n1,2024-01-01,x\n", folder)
    assert path.parent == folder.resolve()
    assert not path.name.startswith(".") and "/" not in path.name and "\x00" not in path.name
    assert path.suffix == Path(name.replace("\x00", "")).suffix


@pytest.mark.parametrize("name", ["evil.exe", "page.html", "x.csv.sh", "noext", "...", ""])
def test_unsupported_types_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UploadRejected, match="unsupported file type"):
        uploads.accept(name, b"data", tmp_path)
    assert not any(tmp_path.iterdir())


def test_declared_type_must_match_content(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected, match="not a Parquet file"):
        uploads.accept("x.parquet", b"id,text\n", tmp_path)
    with pytest.raises(UploadRejected, match="not a gzip file"):
        uploads.accept("x.jsonl.gz", ROW, tmp_path)
    with pytest.raises(UploadRejected, match="binary content"):
        uploads.accept("x.csv", b"\x7fELF\x00\x00\x01", tmp_path)
    with pytest.raises(UploadRejected, match="not UTF-8"):
        uploads.accept("x.csv", b"caf\xe9 au lait, and more text after it", tmp_path)
    assert not any(tmp_path.iterdir())


def test_size_caps(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected, match="over the 1 MB cap"):
        uploads.accept("big.jsonl", ROW * 30_000, tmp_path, SMALL)
    with pytest.raises(UploadRejected, match="empty"):
        uploads.accept("empty.csv", b"", tmp_path, SMALL)


def test_gzip_bomb_is_refused_and_removed(tmp_path: Path) -> None:
    bomb = gz(b"\n" * (64 << 20))  # 64 MB of newlines in ~64 KB: ratio ~1000:1
    assert len(bomb) < SMALL.max_bytes
    with pytest.raises(UploadRejected, match="compression ratio|unpacks to more"):
        uploads.accept("bomb.jsonl.gz", bomb, tmp_path, SMALL)
    assert not any(tmp_path.iterdir())


def test_gzip_over_unpacked_cap_is_refused(tmp_path: Path) -> None:
    limits = Limits(max_bytes=1 << 20, max_unpacked_bytes=4 << 20, max_ratio=1e9)
    with pytest.raises(UploadRejected, match="unpacks to more than 4 MB"):
        uploads.accept("many.jsonl.gz", gz(ROW * 200_000), tmp_path, limits)


def test_gzip_multi_member_and_corrupt(tmp_path: Path) -> None:
    good = uploads.accept("two.jsonl.gz", gz(ROW) + gz(ROW), tmp_path, SMALL)
    assert gzip.decompress(good.read_bytes()) == ROW * 2
    with pytest.raises(UploadRejected, match="corrupt gzip"):
        uploads.accept("cut.jsonl.gz", gz(ROW * 100)[:40], tmp_path, SMALL)


def test_ordinary_compressed_text_passes(tmp_path: Path) -> None:
    rows = b"".join(json.dumps({"id": f"a{i}", "date": "2024-01-01", "text": f"Article {i} about deal {i * 7}."}
                               ).encode() + b"\n" for i in range(50_000))
    assert uploads.check_gzip(uploads.accept("real.jsonl.gz", gz(rows), tmp_path, SMALL), SMALL) == len(rows)


def test_parquet_checked_by_footer(tmp_path: Path) -> None:
    sink = io.BytesIO()
    pd.DataFrame({"id": ["a1"], "text": ["x"]}).to_parquet(sink)
    assert uploads.accept("ok.parquet", sink.getvalue(), tmp_path).exists()
    with pytest.raises(UploadRejected, match="not a readable Parquet"):
        uploads.accept("broken.parquet", b"PAR1" + b"\0" * 100, tmp_path)
    big = io.BytesIO()
    pd.DataFrame({"text": [f"{i:08d}" * 125 for i in range(10_000)]}).to_parquet(big, compression="zstd")
    with pytest.raises(UploadRejected, match="unpacks to more"):
        uploads.accept("big.parquet", big.getvalue(), tmp_path, Limits(max_unpacked_bytes=1 << 20))


def test_safe_join_refuses_escapes(tmp_path: Path) -> None:
    for bad in ("..", "../x", "/etc/passwd", "a/../../x", ""):
        with pytest.raises(UploadRejected):
            uploads.safe_join(tmp_path, bad)
    (tmp_path / "link").symlink_to("/etc")
    with pytest.raises(UploadRejected):
        uploads.safe_join(tmp_path, "link/passwd")
    assert uploads.safe_join(tmp_path, "sub/file.csv") == (tmp_path / "sub" / "file.csv").resolve()


@given(st.text(max_size=200))
def test_any_name_is_safe_or_refused(name: str) -> None:
    try:
        clean = uploads.safe_name(name)
    except UploadRejected:
        return
    assert clean and "/" not in clean and "\\" not in clean and not clean.startswith(".")
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in clean)
