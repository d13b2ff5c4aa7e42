"""Quantities and money amounts of procurement events, and their conversion to US dollars.

Kept apart from the tagger because amounts have their own small grammar
(crore and lakh, "bn", number words) and their own data (yearly rates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from analysis.vocab import VocabError, read_csv_rows

SCALES = {"trillion": 1e12, "billion": 1e9, "bn": 1e9, "million": 1e6, "mn": 1e6, "m": 1e6,
          "crore": 1e7, "crores": 1e7, "cr": 1e7, "lakh": 1e5, "lakhs": 1e5}
_UNIT_NOUNS = r"(?:squadrons?|regiments?|units?|batteries|battery|systems?|jets?|aircraft|planes?|helicopters?|choppers|" \
              r"submarines?|frigates?|ships?|vessels?|tanks?|missiles?|rifles?|guns?|howitzers?|launchers?|drones?|engines?|radars?)"


@dataclass(frozen=True)
class ValueRule:
    rule_id: str
    currency: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Amounts:
    """Value patterns, yearly USD rates and number words, loaded from data files."""

    values: tuple[ValueRule, ...]
    rates: dict[str, dict[int, float]]
    numbers: dict[str, int]
    before: re.Pattern[str]
    counted: re.Pattern[str]

    def to_usd(self, amount: float, currency: str, year: int) -> float | None:
        """Convert with the rate of the article's year (nearest year in the table)."""
        table = self.rates.get(currency)
        if not table:
            return None
        nearest = min(table, key=lambda y: abs(y - year))
        return amount * table[nearest]

    def value_usd(self, text: str, year: int) -> float | None:
        """The first money amount in ``text``, in US dollars."""
        best: tuple[int, float] | None = None
        for rule in self.values:
            m = rule.pattern.search(text)
            if not m:
                continue
            number = float(m.group("num").replace(",", ""))
            scale = (m.groupdict().get("scale") or "").lower()
            usd = self.to_usd(number * SCALES.get(scale, 1.0), rule.currency, year)
            if usd is not None and usd >= 1e5 and (best is None or m.start() < best[0]):
                best = (m.start(), usd)
        return best[1] if best else None

    def quantity(self, text: str, mention_start: int) -> int | None:
        """A count written just before the system ("24 Rafale jets") or with a unit noun ("five squadrons")."""
        m = self.before.search(text[max(0, mention_start - 40):mention_start])
        if not m:
            m = self.counted.search(text)
        if not m:
            return None
        return self._number(m.group("n"))

    def _number(self, raw: str) -> int | None:
        raw = raw.lower().replace(",", "")
        if raw.isdigit():
            value = int(raw)
            return value if 0 < value < 10000 and not 1900 <= value <= 2100 else None
        return self.numbers.get(raw)


def load(data_dir: Path) -> Amounts:
    """Read the value patterns, number words and yearly rates; VocabError on a broken row."""
    rules_path = Path(data_dir) / "rules" / "procurement_values.csv"
    values = []
    for row in read_csv_rows(rules_path, ["rule_id", "currency", "pattern", "example_positive", "example_negative"]):
        try:
            values.append(ValueRule(row["rule_id"], row["currency"], re.compile(row["pattern"], re.IGNORECASE)))
        except re.error as exc:
            raise VocabError(f"{rules_path}: rule {row['rule_id']}: bad pattern ({exc})") from exc
    rates: dict[str, dict[int, float]] = {}
    rates_path = Path(data_dir) / "rates" / "usd_rates.csv"
    for row in read_csv_rows(rates_path, ["currency", "year", "usd_per_unit"]):
        try:
            rates.setdefault(row["currency"], {})[int(row["year"])] = float(row["usd_per_unit"])
        except ValueError as exc:
            raise VocabError(f"{rates_path}: bad row {row}") from exc
    numbers_path = Path(data_dir) / "rules" / "procurement_numbers.csv"
    numbers = {r["word"].lower(): int(r["value"]) for r in read_csv_rows(numbers_path, ["word", "value"])}
    words = "|".join(sorted((re.escape(w) for w in numbers if w not in ("a", "an")), key=len, reverse=True))
    number = rf"(?P<n>\d{{1,4}}(?:,\d{{3}})?|{words})"
    before = re.compile(rf"\b{number}\s+(?:(?:more|additional|new|further|used|second-hand|advanced|units of|of the|"
                        rf"squadrons of|regiments of|batteries of)\s+)*(?:[A-Z][\w-]*\s+)?$", re.IGNORECASE)
    counted = re.compile(rf"\b{number}\s+(?:more\s+|additional\s+)?{_UNIT_NOUNS}\b", re.IGNORECASE)
    return Amounts(tuple(values), rates, numbers, before, counted)
