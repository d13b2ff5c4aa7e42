"""Synthetic news-like corpus for throughput benchmarks (JSON Lines, optionally gzipped).

Why synthetic: the benchmark needs millions of articles with a controlled,
realistic density of the things the taggers look for, and the real corpus must
not be copied into the project. Every sentence is assembled from sentence
shapes written here and slot values drawn from the project's own vocabularies
(data/gazetteer, data/catalogue, data/rules), so the taggers see the surfaces
they will meet in production. A fixed seed makes a corpus reproducible.

Usage: python bench/synth.py --n 100000 --out /tmp/synth_100k.jsonl.gz [--seed 7] [--start 0]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.vocab import read_csv_rows  # noqa: E402

TARGET_CHARS = 4000  # realistic news length; the shared corpus averages ~6 KB, wire copy ~3 KB
# Share of articles that touch the product's subject at all (the rest are general news that
# still names countries and officials). In ../shared/corpus/news.jsonl.gz about a third of the
# articles contain "sanction"; the synthetic set is a little denser, so it is the harder case.
ON_TOPIC = 0.45

# Sentence shapes. Slots: {C} country name, {D} demonym, {K} capital, {S} weapon system,
# {W} sanctions word, {P} official's name, {T} title, {V} speech verb (past), {Q} company, {N} number.
FILLER = (
    "Officials met on {day} to review the budget for the coming year.",
    "The talks lasted several hours and ended without a joint statement.",
    "Local media reported heavy traffic around the venue throughout the afternoon.",
    "Analysts expect the figures to be revised when the full data are released next month.",
    "The committee will publish its findings after the summer recess.",
    "Several delegations arrived late because of delayed flights.",
    "Turnout was lower than in the previous round, according to early estimates.",
    "The central bank left interest rates unchanged for a third consecutive meeting.",
    "Prices of staple foods rose modestly over the quarter.",
    "A spokesperson declined to comment on the timing of the next meeting.",
    "The document runs to more than {N} pages and covers trade, energy and transport.",
    "Engineers are still assessing damage to the bridge after the storm.",
    "Opposition parties called for a debate in parliament before the vote.",
    "The agreement must still be ratified by the national assemblies.",
    "Markets closed slightly higher on {day} after a volatile session.",
)
COUNTRY = (
    "The delegation from {C} arrived in {K} on {day} for two days of meetings.",
    "{D} officials said the visit would focus on trade and investment.",
    "Relations between {C} and {C2} have improved over the past year.",
    "Exports from {C} to {C2} grew by {N} percent last year.",
    "The leaders of {C} and {C2} spoke by telephone on {day}.",
    "Diplomats in {K} described the mood as cautious but constructive.",
)
SYSTEM = (
    "{C} signed a contract with {C2} for the purchase of {N} {S} units worth ${N} million.",
    "The first batch of {S} systems was delivered to {C} in {month}.",
    "{C} is in talks with {C2} about buying the {S}, officials said.",
    "{D} forces displayed the {S} at a parade in {K}.",
    "{Q} is expected to complete deliveries of the {S} to {C} by next year.",
    "The {S} entered service with the {D} military after years of trials.",
)
SANCTIONS = (
    "{C} imposed new {W} on {C2} over its weapons purchases.",
    "{C} threatened {C2} with {W} if the deal goes ahead.",
    "The {W} on {C2} remain in place despite calls to ease them.",
    "{C} granted {C2} a waiver from {W} for energy imports.",
    "Lawmakers in {C} urged the government to widen the {W} against {C2}.",
)
QUOTE = (
    "“We will not accept pressure from anyone,” {P} {V}.",
    "“The agreement serves the interests of both {C} and {C2},” the {T} {V}.",
    "“Our economy grew faster than expected this year,” {P} {V} on {day}.",
)
TOPIC_QUOTE = (
    "{T} {P} {V} that the {W} would hurt ordinary people in {C}.",
    "{P} {V} reporters in {K} that {C} supports further {W} on {C2}.",
    "“This purchase is our sovereign decision,” {P} {V} on {day}.",
)
# General-news sentences are assembled from short parts (at most four words each), so every
# word 5-shingle spans at least two random choices: unrelated articles share few shingles, as
# real news does (a few stock phrases, no shared paragraphs). Built from a fixed set of whole
# sentences, the first version gave any two synthetic articles an estimated Jaccard of about
# 0.3, so MinHash LSH proposed candidate pairs in proportion to the corpus size.
SUBJECTS = (
    "Officials", "The ministry", "Local media", "Analysts", "The committee", "Several delegations",
    "Opposition parties", "Engineers", "Economists", "The central bank", "Residents", "Trade unions",
    "Farmers' groups", "Police", "Hospital staff", "Teachers", "Investors", "City officials",
    "Regional authorities", "Aid agencies", "Business leaders", "Shipping firms", "Airline executives",
    "Students", "Researchers", "Election monitors", "Bankers", "Retailers", "Doctors", "Volunteers",
)
ACTIONS = (
    "reviewed", "examined", "studied", "postponed", "debated", "looked into", "focused on", "worked on",
    "prepared", "checked", "measured", "compared", "tracked", "counted", "published", "revised",
    "updated", "mapped", "planned", "organised", "questioned", "criticised", "praised", "funded",
)
OBJECTS = (
    "the budget", "next year's budget", "traffic around the venue", "the quarterly figures", "fuel prices",
    "the railway project", "staple food prices", "interest rates", "flood damage", "the school calendar",
    "hospital waiting times", "the bridge repairs", "water supplies", "rental costs", "the harvest forecast",
    "local bus routes", "the tourism season", "power cuts", "the housing plan", "pension payments",
    "port congestion", "the census results", "road safety rules", "air quality data", "the museum reopening",
    "wage talks", "the tax reform", "exam results", "waste collection", "the festival programme",
    "{N} new classrooms", "a {N}-page report", "the {N} job cuts", "{N} building permits",
)
TAILS = (
    "on {day}", "last {day}", "this month", "in early {month}", "since {month}", "for {N} days",
    "after {N} hours", "before the weekend", "during the morning", "in the capital", "across the region",
    "without a vote", "behind closed doors", "at short notice", "for the third time", "ahead of {month}",
    "with mixed results", "over the summer", "until late evening", "in {N} districts",
)
STOCK_SHARE = 0.1  # share of general-news sentences that are whole stock sentences (FILLER)
BLOCK = 1000  # articles per random stream: any range of the corpus can be generated on its own

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


@dataclass(frozen=True)
class Vocabulary:
    """Slot values, all read from the project's data files."""

    countries: tuple[tuple[str, str, str], ...]  # (name, demonym, capital)
    systems: tuple[str, ...]
    sanctions_words: tuple[str, ...]
    officials: tuple[str, ...]
    titles: tuple[str, ...]
    speech_verbs: tuple[str, ...]
    companies: tuple[str, ...]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def load_vocabulary(data_dir: Path = ROOT / "data") -> Vocabulary:
    countries = []
    for row in read_csv_rows(data_dir / "gazetteer" / "countries.csv", ["name", "demonyms", "capitals"]):
        demonyms, capitals = _split(row["demonyms"]), _split(row["capitals"])
        if demonyms and capitals:
            countries.append((row["name"], demonyms[0], capitals[0]))
    systems = []
    for row in read_csv_rows(data_dir / "catalogue" / "weapon_systems.csv", ["system", "aliases"]):
        systems.append(row["system"])
        systems.extend(_split(row["aliases"])[:1])
    words = []
    for row in read_csv_rows(data_dir / "rules" / "positions_topics.csv", ["topic", "cues"]):
        if row["topic"] == "sanctions":
            words.extend(c.rstrip("*") + ("s" if c.endswith("*") and c[:-1].isalpha() else "")
                         for c in _split(row["cues"]) if len(c) > 5 and c.rstrip("*").isascii())
    officials = [r["name"] for r in read_csv_rows(data_dir / "rules" / "positions_officials.csv", ["name"])]
    titles = [r["title"] for r in read_csv_rows(data_dir / "rules" / "titles.csv", ["title", "kind"])
              if r["kind"] == "official"]
    verbs = [_split(r["forms"])[-2] if len(_split(r["forms"])) > 2 else _split(r["forms"])[0]
             for r in read_csv_rows(data_dir / "rules" / "speech_verbs.csv", ["forms", "kind"]) if r["kind"] == "report"]
    companies = [r["company"] for r in read_csv_rows(data_dir / "rules" / "procurement_companies.csv", ["company"])]
    return Vocabulary(tuple(countries), tuple(dict.fromkeys(systems)), tuple(dict.fromkeys(words)),
                      tuple(officials), tuple(titles), tuple(dict.fromkeys(verbs)), tuple(companies))


def _fill(shape: str, vocab: Vocabulary, rng: random.Random) -> str:
    (c, d, k), (c2, _, _) = rng.sample(vocab.countries, 2)
    title = rng.choice(vocab.titles)
    values = {
        "C": c, "C2": c2, "D": d, "K": k, "S": rng.choice(vocab.systems), "W": rng.choice(vocab.sanctions_words),
        "P": rng.choice(vocab.officials), "T": title[0].upper() + title[1:] if shape.startswith("{T}") else title,
        "V": rng.choice(vocab.speech_verbs), "Q": rng.choice(vocab.companies), "N": str(rng.randint(2, 480)),
        "day": rng.choice(DAYS), "month": rng.choice(MONTHS),
    }
    return shape.format(**values)


def _general(vocab: Vocabulary, rng: random.Random) -> str:
    """One general-news sentence: usually assembled from parts, sometimes a stock sentence."""
    if rng.random() < STOCK_SHARE:
        return _fill(rng.choice(FILLER), vocab, rng)
    parts = [rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(OBJECTS), rng.choice(TAILS)]
    if rng.random() < 0.4:
        subject = rng.choice(SUBJECTS)
        parts[-1] += ", while " + (subject if subject.isupper() else subject[0].lower() + subject[1:])
        parts += [rng.choice(ACTIONS), rng.choice(OBJECTS)]
    return _fill(" ".join(parts) + ".", vocab, rng)


def article(number: int, vocab: Vocabulary, rng: random.Random, start: date = date(2014, 1, 1)) -> dict[str, str]:
    """One article of about TARGET_CHARS characters, paragraphs of 2-4 sentences."""
    on_topic = rng.random() < ON_TOPIC
    # (shapes, weight) per sentence kind; off-topic articles keep countries and quotes only.
    kinds = [(FILLER, 0.62), (COUNTRY, 0.2), (QUOTE, 0.08)]
    if on_topic:
        kinds += [(SYSTEM, 0.06), (SANCTIONS, 0.04), (TOPIC_QUOTE, 0.04)]
    shapes, weights = zip(*kinds)
    paragraphs: list[str] = []
    size = 0
    target = int(TARGET_CHARS * rng.uniform(0.6, 1.4))
    while size < target:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            kind = rng.choices(shapes, weights)[0]
            sentences.append(_general(vocab, rng) if kind is FILLER else _fill(rng.choice(kind), vocab, rng))
        para = " ".join(sentences)
        paragraphs.append(para)
        size += len(para) + 2
    (c, _, _), (c2, _, _) = rng.sample(vocab.countries, 2)
    published = start + timedelta(days=rng.randrange(4000))
    return {"article_id": f"syn{number:08d}", "published": published.isoformat(),
            "title": f"{c} and {c2} discuss {'arms and sanctions' if on_topic else 'trade'}",
            "text": "\n\n".join(paragraphs), "source": "synthetic", "url": f"https://example.org/syn/{number}"}


def generate(n: int, seed: int = 7, data_dir: Path = ROOT / "data", start: int = 0) -> Iterator[dict[str, str]]:
    """Articles ``start .. start + n - 1`` of the stream of ``seed``, identical for the same vocabulary.

    Each block of BLOCK articles has its own random stream, so a range gives the same articles
    as the whole corpus does there, and a large corpus can be written in parallel pieces.
    """
    vocab = load_vocabulary(data_dir)
    rng = random.Random()
    for number in range(start - start % BLOCK, start + n):
        if number % BLOCK == 0 or number == start - start % BLOCK:
            rng.seed(seed * 1_000_003 + number // BLOCK)
        record = article(number, vocab, rng)
        if number >= start:
            yield record


def write(n: int, out: Path, seed: int = 7, start: int = 0) -> Path:
    opener = gzip.open if out.name.endswith(".gz") else open
    kwargs = {"compresslevel": 1} if out.name.endswith(".gz") else {}  # speed over size
    with opener(out, "wt", encoding="utf-8", **kwargs) as handle:  # type: ignore[operator]
        for record in generate(n, seed, start=start):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of articles")
    parser.add_argument("--out", type=Path, required=True, help="output .jsonl or .jsonl.gz")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=int, default=0, help="number of the first article (pieces of one corpus)")
    args = parser.parse_args()
    write(args.n, args.out, args.seed, args.start)
    print(f"wrote {args.n} articles to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
