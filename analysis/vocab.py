"""Loads and validates every vocabulary under ``data/`` once, into one frozen ``Vocab``.

Vocabularies are data, not literals in code; a broken file fails loudly at
start (``VocabError`` naming file, row and problem) instead of silently
producing fewer findings.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class VocabError(ValueError):
    """A data file under data/ is missing, malformed or inconsistent."""


def read_csv_rows(path: Path, required: list[str]) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV vocabulary as dicts, with every required column present and stripped.

    Lines starting with ``#`` are comments (provenance notes).
    """
    if not path.exists():
        raise VocabError(f"{path}: file not found")
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise VocabError(f"{path}: missing columns {missing}")
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise VocabError(f"{path}: row {number} has more fields than the header")
        rows.append({k: (v or "").strip() for k, v in row.items()})
    return rows


@dataclass(frozen=True)
class Vocab:
    """Everything the taggers read, loaded once per process and passed in (never a global)."""

    gazetteer: Any
    catalogue: Any
    sanctions: Any
    procurement: Any
    positions: Any
    entities: Any
    data_dir: Path = DATA_DIR


def load_vocab(data_dir: Path | None = None) -> Vocab:
    """Load and validate all vocabularies; raises VocabError on the first broken file."""
    from analysis import catalogue, gazetteer
    from analysis.taggers import entities, positions, procurement, sanctions

    root = Path(data_dir) if data_dir else DATA_DIR
    return Vocab(
        gazetteer=gazetteer.load(root),
        catalogue=catalogue.load(root),
        sanctions=sanctions.load(root),
        procurement=procurement.load(root),
        positions=positions.load(root),
        entities=entities.load(root),
        data_dir=root,
    )
