"""Gold JSONL vs the pipeline's findings: P/R/F1 per table and exposed accuracy (DESIGN §5).

Tuples are compared as sets per article (duplicates collapse) and counts are
micro-averaged over articles. System names on both sides go through the
catalogue's aliases so "S 400" and "S-400" are the same system.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import ingest
from analysis.normalise import normalise

KEYS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # score name -> (gold/finding table, description, tuple fields)
    "sanctions": ("sanctions", "sender, target, action", ("sender", "target", "action")),
    "sanctions+regime": ("sanctions", "sender, target, action, regime", ("sender", "target", "action", "regime")),
    "procurement": ("procurement", "buyer, supplier, system, stage", ("buyer", "supplier", "system", "stage")),
    "positions": ("positions", "speaker_country, topic, stance", ("speaker_country", "topic", "stance")),
}

Resolver = Callable[[str], str]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Report:
    scores: dict[str, Score] = field(default_factory=lambda: {k: Score() for k in KEYS})
    exposed_correct: int = 0
    articles: int = 0
    missing: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "missing_from_corpus": self.missing,
            "exposed_accuracy": round(self.exposed_correct / self.articles, 4) if self.articles else 0.0,
            "tables": {k: s.as_dict() for k, s in self.scores.items()},
        }


def load_gold(path: Path) -> list[dict[str, Any]]:
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ingest.InputError(f"{path}: line {number} is not JSON ({exc.msg})") from exc
    return rows


def _tuples(rows: Iterable[dict[str, Any]], fields: tuple[str, ...], resolve: Resolver) -> set[tuple[str, ...]]:
    out = set()
    for row in rows:
        values = [row.get(f) for f in fields]
        if any(v is None or (isinstance(v, float) and pd.isna(v)) or v == "" for v in values):
            continue
        out.add(tuple(resolve(str(v)) if f == "system" else str(v) for f, v in zip(fields, values)))
    return out


def score(gold: list[dict[str, Any]], findings: dict[str, pd.DataFrame], exposed: dict[str, bool],
          resolve: Resolver = str.lower, present: set[str] | None = None) -> Report:
    """Score findings against gold rows; articles absent from the corpus are listed, not scored."""
    report = Report()
    by_article = {t: {k: g for k, g in f.groupby("article_id")} for t, f in findings.items() if len(f)}
    for row in gold:
        article_id = row["article_id"]
        if present is not None and article_id not in present:
            report.missing.append(article_id)
            continue
        report.articles += 1
        report.exposed_correct += int(bool(row.get("exposed")) == bool(exposed.get(article_id, False)))
        for name, (table, _, fields) in KEYS.items():
            predicted_rows = by_article.get(table, {}).get(article_id)
            predicted_records = [] if predicted_rows is None else predicted_rows.to_dict("records")
            want = _tuples(row.get(table, []), fields, resolve)
            got = _tuples(predicted_records, fields, resolve)
            result = report.scores[name]
            result.tp += len(want & got)
            result.fp += len(got - want)
            result.fn += len(want - got)
            if name == "sanctions+regime":
                continue
            for kind, tuples in (("FP", got - want), ("FN", want - got)):
                for tup in sorted(tuples):
                    report.errors.append({"kind": kind, "table": name, "article_id": article_id, "tuple": tup,
                                          "evidence": _evidence(predicted_records, fields, tup, resolve)})
    return report


def _evidence(records: list[dict[str, Any]], fields: tuple[str, ...], tup: tuple[str, ...],
              resolve: Resolver) -> str | None:
    for record in records:
        if _tuples([record], fields, resolve) == {tup}:
            return f"[{record.get('rule')}] {record.get('evidence')}"
    return None


def load_corpus(paths: list[str | Path], wanted: set[str]) -> pd.DataFrame:
    """The accepted articles among ``wanted`` ids from the corpus files (others are not tagged)."""
    state = ingest.IngestState()
    aliases = ingest.load_column_aliases()
    frames = []
    for path in ingest.expand_inputs(paths, state):
        for raw in ingest.iter_raw(path, 5000, aliases):
            articles, _ = normalise(raw, str(path), state)
            frames.append(articles[articles["article_id"].isin(wanted)])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def evaluate(gold_path: Path, corpus: list[str | Path], resources: Any = None) -> Report:
    """Run the pipeline in memory over the gold articles of ``corpus`` and score it."""
    from analysis.pipeline import Resources, tag_chunk

    gold = load_gold(gold_path)
    articles = load_corpus(corpus, {row["article_id"] for row in gold})
    resources = resources or Resources.load()
    tables = tag_chunk(articles, resources) if len(articles) else {}
    findings = {t: tables[t] for t in ("sanctions", "procurement", "positions") if t in tables}
    exposed = dict(zip(tables["articles"]["article_id"], tables["articles"]["exposed"])) if tables else {}
    catalogue = resources.vocab.catalogue

    def resolve(name: str) -> str:
        return (catalogue.canonical(name) or name).lower()

    return score(gold, findings, exposed, resolve, present=set(articles.get("article_id", [])))


def format_report(report: Report, errors: bool = False) -> str:
    lines = [f"articles scored: {report.articles}" + (f" ({len(report.missing)} gold ids not in corpus)"
                                                      if report.missing else "")]
    lines.append(f"{'table':<18}{'P':>8}{'R':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}  tuple")
    for name, result in report.scores.items():
        lines.append(f"{name:<18}{result.precision:>8.3f}{result.recall:>8.3f}{result.f1:>8.3f}"
                     f"{result.tp:>6}{result.fp:>6}{result.fn:>6}  ({KEYS[name][1]})")
    accuracy = report.exposed_correct / report.articles if report.articles else 0.0
    lines.append(f"exposed accuracy: {accuracy:.3f} ({report.exposed_correct}/{report.articles})")
    if errors:
        lines.append("")
        for error in report.errors:
            lines.append(f"{error['kind']} {error['table']:<12} {error['article_id']} {error['tuple']}"
                         + (f"\n    {error['evidence']}" if error["evidence"] else ""))
    return "\n".join(lines)
