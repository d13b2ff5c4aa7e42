"""The sentence shapes and cue words the sanctions tagger reads around a trigger, as data.

``data/rules/sanctions_shapes.csv`` holds one row per role (clause ends, the modal after a
trigger, reported decisions, generic waiver recipients ...): a regex or a list of words, with a
rationale and examples that run as tests. The roles are fixed by the code that reads them, so
a missing, unknown or mistyped row is a VocabError. ``data/rules/sanctions_prefilter.csv`` holds
the cheap cue words that pick the candidate sentences.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from analysis.vocab import VocabError, read_csv_rows

SHAPES_FILE = "rules/sanctions_shapes.csv"
PREFILTER_FILE = "rules/sanctions_prefilter.csv"
COLUMNS = ["name", "kind", "value", "rationale", "example_positive", "example_negative"]
EDGE = "§"  # in an example: where the trigger stands (removed before matching; keeps white space at the edges)


@dataclass(frozen=True)
class Shapes:
    """One compiled regex or word set per role (see the rationale of each row in the CSV)."""

    clause_end: re.Pattern[str]
    infinitive: re.Pattern[str]
    speculative: frozenset[str]
    conditional: frozenset[str]
    waived_from: re.Pattern[str]
    waived_words: frozenset[str]
    undecided: re.Pattern[str]
    hold_off: re.Pattern[str]
    condition_before: re.Pattern[str]
    modal_after: re.Pattern[str]
    modals_after: frozenset[str]
    object_before: re.Pattern[str]
    generic_recipients: re.Pattern[str]
    generic_before: re.Pattern[str]
    place_before: re.Pattern[str]
    list_join: re.Pattern[str]
    head_target: re.Pattern[str]
    decided: frozenset[str]
    condition_after: re.Pattern[str]
    reported: re.Pattern[str]
    imposed_before: re.Pattern[str]
    imposed_after: re.Pattern[str]
    in_place_after: re.Pattern[str]
    response: re.Pattern[str]
    responding_words: frozenset[str]
    tariff_words: frozenset[str]
    sanction_words: frozenset[str]


def example_matches(row: dict[str, str], example: str) -> bool:
    """Whether a row's regex matches (or one of its words is in) the lower-cased example, EDGE removed."""
    text = example.replace(EDGE, "").lower()
    if row["kind"] == "regex":
        return re.search(row["value"], text) is not None
    return any(w in text for w in row["value"].split("|") if w)


def load_shapes(data_dir: Path) -> Shapes:
    """Read and compile the shapes table; raises VocabError naming the file and row."""
    path = Path(data_dir) / SHAPES_FILE
    kinds = {f.name: "words" if "frozenset" in str(f.type) else "regex" for f in dataclasses.fields(Shapes)}
    values: dict[str, object] = {}
    for number, row in enumerate(read_csv_rows(path, COLUMNS), start=2):
        name, kind = row["name"], row["kind"]
        if name not in kinds or name in values:
            raise VocabError(f"{path}: row {number} has an unknown or repeated name {name!r}")
        if kind != kinds[name]:
            raise VocabError(f"{path}: row {number} ({name}) must be of kind {kinds[name]!r}, not {kind!r}")
        if not row["rationale"] or not row["example_positive"] or not row["example_negative"]:
            raise VocabError(f"{path}: row {number} ({name}) needs a rationale and both examples")
        if kind == "regex":
            try:
                values[name] = re.compile(row["value"])
            except re.error as exc:
                raise VocabError(f"{path}: row {number} ({name}): {exc}") from exc
        else:
            words = frozenset(w for w in row["value"].split("|") if w)
            if not words or any(w != w.lower() for w in words):
                raise VocabError(f"{path}: row {number} ({name}) needs lower-case words (they are read on the folded sentence)")
            values[name] = words
    missing = sorted(set(kinds) - set(values))
    if missing:
        raise VocabError(f"{path}: missing rows {missing}")
    return Shapes(**values)  # type: ignore[arg-type]


def load_prefilter(data_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(strong cues, weak cues) in file order: lower-case words a candidate sentence must hold."""
    path = Path(data_dir) / PREFILTER_FILE
    strong: list[str] = []
    weak: list[str] = []
    for number, row in enumerate(read_csv_rows(path, ["cue", "strength"]), start=2):
        cue, strength = row["cue"], row["strength"]
        if not cue or cue != cue.lower() or strength not in ("strong", "weak"):
            raise VocabError(f"{path}: row {number} needs a lower-case cue and strength strong or weak")
        (strong if strength == "strong" else weak).append(cue)
    if not strong:
        raise VocabError(f"{path}: no strong cue")
    return tuple(strong), tuple(weak)
