"""The positions tagger's rule tables: speech verbs, titles, officials, topic, stance and scope cues.

Loading and validating them is kept apart from reading articles (positions.py) so a broken data
file fails loudly, naming the file and row, before any article is read, and so the tagger modules
stay small. Every rule row with its examples is kept for the documentation and rule tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from analysis.taggers import attribution as attr
from analysis.taggers import positions_sender as sender
from analysis.taggers.stance import Lexicon, ScopeCue, StanceCue, StanceRules, TopicCue
from analysis.vocab import VocabError, read_csv_rows

RULE_COLUMNS = ["rule_id", "weight", "rationale", "example_positive", "example_negative"]
WEAK_TOPIC = 0.6          # topic cues below this weight count only where a strong cue names the topic


@dataclass(frozen=True)
class PositionRules:
    """Everything the positions tagger reads, loaded once from data/rules."""

    attribution: attr.AttributionRules
    stance: StanceRules
    rule_rows: tuple[dict[str, str], ...]    # every rule row with its examples (run as tests)
    target_words: tuple[str, ...]            # "sanctions on X": X is the target
    sender: sender.SenderRules               # who sends the sanctions a sentence names


def _weight(path: Path, row: dict[str, str]) -> float:
    try:
        value = float(row["weight"])
    except ValueError as exc:
        raise VocabError(f"{path}: rule {row.get('rule_id')}: weight {row['weight']!r} is not a number") from exc
    if not 0.0 <= value <= 1.0:
        raise VocabError(f"{path}: rule {row.get('rule_id')}: weight {value} outside 0-1")
    return value


def _check_rule(path: Path, row: dict[str, str]) -> None:
    for column in ("rule_id", "rationale", "example_positive", "example_negative"):
        if not row[column]:
            raise VocabError(f"{path}: rule {row.get('rule_id') or '?'} has no {column}")


def load(data_dir: Path) -> PositionRules:
    """Read and validate the positions data files; raises VocabError naming the file and row."""
    rules = Path(data_dir) / "rules"
    rows: list[dict[str, str]] = []

    path = rules / "speech_verbs.csv"
    verbs = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["forms", "kind", "stance"]):
        _check_rule(path, row)
        verb = attr.Verb(row["rule_id"], row["kind"], row["stance"], _weight(path, row))
        verbs += [(form, verb) for form in row["forms"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "titles.csv"
    titles = [attr.Title(r["title"], r["kind"], r["country"]) for r in read_csv_rows(path, ["title", "kind", "country"])]
    kinds = {"official", "institution", "lawmaker", "media", "nonofficial", "anaphor", "pair", "modifier"}
    for title in titles:
        if title.kind not in kinds:
            raise VocabError(f"{path}: title {title.surface!r} has unknown kind {title.kind!r}")
    title_words = frozenset(w for t in titles for w in t.surface.split())

    path = rules / "positions_officials.csv"
    officials: dict[str, list[attr.Official]] = {}
    for r in read_csv_rows(path, ["name", "aliases", "country", "role", "valid_from", "valid_to"]):
        person = attr.Official(r["name"], r["country"], r["role"], r["valid_from"], r["valid_to"])
        for key in [r["name"], *filter(None, r["aliases"].split("|"))]:
            officials.setdefault(key, []).append(person)

    path = rules / "positions_not_names.csv"
    not_names = {r["word"]: r["kind"] for r in read_csv_rows(path, ["word", "kind"])}
    if set(not_names.values()) - {"lead", "org", "junk"}:
        raise VocabError(f"{path}: unknown kind in {sorted(set(not_names.values()))}")

    path = rules / "positions_topics.csv"
    topic_cues = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["topic", "cues"]):
        _check_rule(path, row)
        if row["topic"] not in {"sanctions", "deal", "partnership", "none"}:
            raise VocabError(f"{path}: rule {row['rule_id']}: unknown topic {row['topic']!r}")
        cue = TopicCue(row["rule_id"], row["topic"], _weight(path, row))
        topic_cues += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "stance_cues.csv"
    stance_cues = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["topic", "applies", "cues", "stance", "negated"]):
        _check_rule(path, row)
        for column in ("stance", "negated"):
            if row[column] not in {"support", "oppose", "neutral", "none"}:
                raise VocabError(f"{path}: rule {row['rule_id']}: bad {column} {row[column]!r}")
        cue = StanceCue(row["rule_id"], row["topic"], row["applies"], row["stance"], row["negated"], _weight(path, row))
        stance_cues += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    path = rules / "stance_scope.csv"
    scope = []
    target_words: list[str] = []
    for row in read_csv_rows(path, RULE_COLUMNS + ["kind", "cues", "window"]):
        _check_rule(path, row)
        if row["kind"] == "target":
            target_words += row["cues"].split("|")
            rows.append({**row, "file": path.name})
            continue
        cue = ScopeCue(row["rule_id"], row["kind"], int(row["window"] or 0))
        scope += [(c, cue) for c in row["cues"].split("|")]
        rows.append({**row, "file": path.name})

    sender_rules, sender_rows = sender.load(rules / "positions_sender.csv")
    rows += sender_rows
    return PositionRules(
        attribution=attr.AttributionRules(attr.Matcher(verbs), attr.Matcher((t.surface, t) for t in titles),
                                          {k: tuple(v) for k, v in officials.items()}, title_words, not_names,
                                          sender_rules.proxy),
        stance=StanceRules(Lexicon(topic_cues, whole_text=True), Lexicon(stance_cues), Lexicon(scope), WEAK_TOPIC),
        rule_rows=tuple(rows),
        target_words=tuple(target_words),
        sender=sender_rules,
    )
