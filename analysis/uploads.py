"""Checks on files uploaded through the dashboard before the pipeline reads them.

An upload is untrusted: its name may hold ``../`` or control characters, its
declared type may lie, and a small compressed file may expand without bound
(a "zip bomb"). ``accept`` turns an upload into a safe file inside the upload
folder or raises ``UploadRejected`` with a reason an analyst can act on.
Pure: no Streamlit, so every rule has a direct test.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from analysis.ingest import DATA_SUFFIXES

TEXT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".txt")
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
SNIFF_BYTES = 64 * 1024
READ_CHUNK = 1024 * 1024
RATIO_FLOOR_BYTES = 8 * 1024 * 1024  # small files may compress very well (repeated rows); no ratio test below this
NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


class UploadRejected(ValueError):
    """An upload the pipeline must not read; the message says why."""


@dataclass(frozen=True)
class Limits:
    """Caps for one upload: raw size, unpacked size and compression ratio."""

    max_bytes: int = 200 * 1024 * 1024
    max_unpacked_bytes: int = 2 * 1024**3
    max_ratio: float = 100.0


def safe_name(name: str) -> str:
    """A file name safe to create: no folders, no control or shell characters, no leading dot, bounded length.

    Raises UploadRejected when nothing usable remains or the type is not one the pipeline reads.
    """
    base = re.split(r"[\\/]", str(name))[-1]
    base = NAME_CHARS.sub("_", base).lstrip("._-")[-120:]
    suffix = next((s for s in sorted(DATA_SUFFIXES, key=len, reverse=True) if base.lower().endswith(s)), None)
    if suffix is None:
        raise UploadRejected(f"unsupported file type: {base or name!r} (use one of {', '.join(DATA_SUFFIXES)})")
    if len(base) <= len(suffix):
        base = "upload" + base[-len(suffix):]
    return base


def safe_join(root: Path, name: str) -> Path:
    """``root / name`` resolved, refusing anything that lands outside ``root`` (``..``, absolute paths, links)."""
    base = Path(root).resolve()
    target = (base / name).resolve()
    if target == base or not target.is_relative_to(base):
        raise UploadRejected(f"path escapes the upload folder: {name!r}")
    return target


def check_header(name: str, head: bytes) -> None:
    """The first bytes must match the declared type (Parquet magic, gzip magic, or text without NULs)."""
    lower = name.lower()
    if lower.endswith(".parquet"):
        if not head.startswith(PARQUET_MAGIC):
            raise UploadRejected(f"{name}: not a Parquet file (missing PAR1 header)")
    elif lower.endswith(".gz"):
        if not head.startswith(GZIP_MAGIC):
            raise UploadRejected(f"{name}: not a gzip file")
    elif lower.endswith(TEXT_SUFFIXES):
        if b"\x00" in head[:SNIFF_BYTES]:
            raise UploadRejected(f"{name}: binary content in a text file")
        try:
            head[:SNIFF_BYTES].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < min(len(head), SNIFF_BYTES) - 4:  # a character cut at the sniff boundary is fine
                raise UploadRejected(f"{name}: not UTF-8 text (byte {exc.start})") from exc


def check_gzip(path: Path, limits: Limits) -> int:
    """Stream-decompress ``path`` without keeping it; the unpacked size, or UploadRejected past the caps."""
    packed = max(Path(path).stat().st_size, 1)
    total = 0
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(READ_CHUNK):
                total += len(chunk)
                if total > limits.max_unpacked_bytes:
                    raise UploadRejected(f"{Path(path).name}: unpacks to more than "
                                         f"{limits.max_unpacked_bytes // 2**20} MB")
                if total > RATIO_FLOOR_BYTES and total / packed > limits.max_ratio:
                    raise UploadRejected(f"{Path(path).name}: compression ratio over {limits.max_ratio:.0f}:1 "
                                         "(looks like a compressed bomb)")
                if b"\x00" in chunk:
                    raise UploadRejected(f"{Path(path).name}: binary content inside the gzip")
    except (OSError, EOFError, zlib.error) as exc:
        raise UploadRejected(f"{Path(path).name}: corrupt gzip ({exc})") from exc
    return total


def check_parquet(path: Path, limits: Limits) -> int:
    """Parquet footer sanity: readable, and its declared unpacked size within the cap; that size."""
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # pyarrow raises several types for a corrupt footer
        raise UploadRejected(f"{Path(path).name}: not a readable Parquet file ({exc})") from exc
    total = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if total > limits.max_unpacked_bytes:
        raise UploadRejected(f"{Path(path).name}: unpacks to more than {limits.max_unpacked_bytes // 2**20} MB")
    return total


def accept(name: str, payload: bytes | memoryview, folder: Path, limits: Limits = Limits()) -> Path:
    """Write one upload into ``folder`` under a safe name after every check; the file's path.

    Nothing is left behind when a check fails.
    """
    size = len(payload)
    if size == 0:
        raise UploadRejected(f"{name}: empty file")
    if size > limits.max_bytes:
        raise UploadRejected(f"{name}: {size / 2**20:.0f} MB is over the {limits.max_bytes // 2**20} MB cap")
    clean = safe_name(name)
    check_header(clean, bytes(payload[:SNIFF_BYTES]))
    folder.mkdir(parents=True, exist_ok=True)
    target = safe_join(folder, clean)
    target.write_bytes(payload)
    try:
        if clean.lower().endswith(".gz"):
            check_gzip(target, limits)
        elif clean.lower().endswith(".parquet"):
            check_parquet(target, limits)
    except UploadRejected:
        target.unlink(missing_ok=True)
        raise
    return target
