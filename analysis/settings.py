"""Every tunable in one place: name, default, environment variable and help.

A documentation test checks each setting is described in the README, so a
new knob cannot ship undocumented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    env: str
    help: str

    def value(self) -> str:
        return os.environ.get(self.env, self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("chunk_size", "2000", "SRA_CHUNK_SIZE",
            "Articles read, tagged and written per chunk; bounds memory whatever the corpus size."),
    Setting("max_text_chars", "500000", "SRA_MAX_TEXT_CHARS",
            "Articles longer than this are rejected as too_long (protects the taggers from pathological input)."),
    Setting("min_year", "1900", "SRA_MIN_YEAR",
            "Dates before this year are rejected as implausible_date."),
    Setting("data_dir", str(ROOT / "data"), "SRA_DATA_DIR",
            "Folder holding the vocabularies (catalogue, gazetteer, rules, lists)."),
    Setting("output_dir", str(ROOT / "out" / "sample"), "SRA_OUTPUT_DIR",
            "Folder of the processed tables the dashboard opens by default."),
    Setting("review_db", str(ROOT / "out" / "reviews.sqlite"), "SRA_REVIEW_DB",
            "SQLite file holding analyst reviews of findings; survives re-runs."),
    Setting("workers", "1", "SRA_WORKERS",
            "Processes used to tag chunks in parallel (pandas engine)."),
    Setting("auth", "auto", "SRA_AUTH",
            "Dashboard login: auto (open only when bound to 127.0.0.1/localhost with no login configured), "
            "local (always open: your own machine) or required (OIDC or password from secrets.toml, else refuse)."),
    Setting("upload_max_unpacked_mb", "2000", "SRA_UPLOAD_MAX_UNPACKED_MB",
            "Largest size a compressed upload (gzip, Parquet) may unpack to; larger ones are refused as bombs."),
    Setting("upload_max_ratio", "100", "SRA_UPLOAD_MAX_RATIO",
            "Highest compression ratio accepted for a gzip upload over 8 MB unpacked; higher is refused as a bomb."),
)


def get(name: str) -> str:
    """The current value of a setting (environment variable over default)."""
    for setting in SETTINGS:
        if setting.name == name:
            return setting.value()
    raise KeyError(f"unknown setting {name!r}")


def get_int(name: str) -> int:
    return int(get(name))


def get_path(name: str) -> Path:
    return Path(get(name))
