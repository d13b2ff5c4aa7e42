"""What the risk score depends on: the rule and regime tables of data/rules, loaded and looked up.

Every weight, half-life and sanctions regime is data (risk_weights.csv, risk_regimes.csv);
this module turns those rows into frozen records, fails loudly on a broken row, and answers
"which sender punishes purchases from this supplier / owns this list?" for scoring, alerts
and pair events alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.risk_formula import COMPONENTS
from analysis.vocab import DATA_DIR, VocabError, read_csv_rows


_SIDES = {"sanctions": {"target"}, "procurement": {"buyer"}, "positions": {"counterpart", "country"},
          "entities": {"country"}}


@dataclass(frozen=True)
class RiskRule:
    """One weighted way a finding feeds a component (a row of risk_weights.csv)."""

    rule_id: str
    component: str
    table: str
    side: str
    when: tuple[tuple[str, str], ...]
    weight: float

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """Which rows of a finding frame meet every condition ("*" = any non-empty value)."""
        out = pd.Series(True, index=frame.index)
        for column, value in self.when:
            col = frame[column] if column in frame.columns else pd.Series(None, index=frame.index, dtype=object)
            have = col.notna() & (col.astype("string").str.len() > 0).fillna(False)
            out &= have if value == "*" else (col.astype("string") == value).fillna(False)
        return out.astype(bool)


@dataclass(frozen=True)
class Regime:
    """A sender that can punish purchases from ``supplier`` (kind=supplier) or owns a list (kind=list)."""

    regime_id: str
    kind: str
    sender: str
    supplier: str
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class RiskWeights:
    """Everything the score depends on, loaded from data/rules (never hard-coded)."""

    rules: tuple[RiskRule, ...]
    modality: Mapping[str, float]
    regimes: tuple[Regime, ...]
    half_life_days: float = 60.0
    window_half_lives: float = 4.0
    scale: float = 6.0
    alert_jump_points: float = 15.0
    sources: tuple[str, ...] = field(default=())


def parse_when(text: str) -> tuple[tuple[str, str], ...]:
    """``"topic=deal;stance=oppose"`` -> (("topic", "deal"), ("stance", "oppose"))."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    return tuple((k.strip(), v.strip()) for k, v in (p.split("=", 1) for p in parts))


def load_weights(data_dir: Path | None = None) -> RiskWeights:
    """Read risk_weights.csv and risk_regimes.csv; raises VocabError naming the bad row."""
    root = Path(data_dir) if data_dir else DATA_DIR
    path = root / "rules" / "risk_weights.csv"
    rules, modality, params = [], {}, {}
    for row in read_csv_rows(path, ["rule_id", "component", "table", "side", "when", "weight"]):
        try:
            weight = float(row["weight"])
        except ValueError as exc:
            raise VocabError(f"{path}: {row['rule_id']}: weight {row['weight']!r} is not a number") from exc
        if weight < 0:
            raise VocabError(f"{path}: {row['rule_id']}: weights are >= 0 (relief is subtracted by the formula)")
        if row["component"] == "param":
            params[row["when"]] = weight
        elif row["component"] == "modality":
            modality[dict(parse_when(row["when"]))["modality"]] = weight
        elif row["component"] in COMPONENTS and row["side"] in _SIDES.get(row["table"], ()):
            rules.append(RiskRule(row["rule_id"], row["component"], row["table"], row["side"],
                                  parse_when(row["when"]), weight))
        else:
            raise VocabError(f"{path}: {row['rule_id']}: unknown component/table/side combination")
    regimes_path = root / "rules" / "risk_regimes.csv"
    regimes = tuple(
        Regime(r["regime_id"], r["kind"], r["sender"], r["supplier"],
               pd.Timestamp(r["start"] or "1900-01-01"), pd.Timestamp(r["end"] or "2262-01-01"))
        for r in read_csv_rows(regimes_path, ["regime_id", "kind", "sender", "supplier", "start", "end"]))
    return RiskWeights(tuple(rules), modality, regimes, **params, sources=(str(path), str(regimes_path)))


def regime_senders(supplier: str, when: pd.Timestamp, weights: RiskWeights) -> list[str]:
    """Senders whose regime covers purchases from ``supplier`` on ``when``."""
    return sorted({r.sender for r in weights.regimes
                   if r.kind == "supplier" and r.supplier == supplier and r.start <= when <= r.end})


def list_sender(list_source: object, weights: RiskWeights) -> str | None:
    """The sender behind a screening list: exact list key, else the longest key it starts with."""
    if not isinstance(list_source, str) or not list_source:
        return None
    key = list_source.strip().lower()
    lists = {r.supplier.lower(): r.sender for r in weights.regimes if r.kind == "list"}
    hits = [k for k in lists if key == k or key.startswith(k)]
    return lists[max(hits, key=len)] if hits else None
