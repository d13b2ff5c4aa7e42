"""Time ``score_pairs`` on synthetic findings (default 1 M) and on the sample run, against a same-run floor.

The floor is a bare ``groupby(pair, month).size()`` of the same findings: the
least any per-pair, per-period table must cost. Usage:

    python bench/bench_risk.py [--findings 1000000] [--freq M] [--sample-out DIR]

``--sample-out`` is a pipeline output folder (``python -m analysis run data/sample --out DIR``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import dedupe, risk, schemas  # noqa: E402

COUNTRIES = ["IND", "TUR", "CHN", "EGY", "IDN", "VNM", "DZA", "SAU", "ARE", "PAK", "IRN", "BRA", "MYS", "IRQ",
             "SRB", "KAZ", "BLR", "ARM", "AZE", "UGA", "NGA", "ETH", "PHL", "THA", "MMR", "LAO", "KHM", "PER",
             "VEN", "CUB"]
SENDERS = ["USA", "EU", "GBR", "UN"]
COLOURS = {"threats": "tab:orange", "imposed": "tab:red", "procurement": "tab:blue", "hostile_statements": "tab:purple",
           "defiant_statements": "tab:brown", "listed_entities": "tab:pink", "relief": "tab:green"}


def synthetic(n: int, seed: int = 7) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """``n`` findings over ~n/5 articles from 400 publishers, 2015-2024, split across the four tables."""
    rng = np.random.default_rng(seed)
    n_articles = max(n // 5, 1)
    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, n_articles), unit="D")
    art = pd.DataFrame({"article_id": [f"a{i}" for i in range(n_articles)], "published": days,
                        "source": [f"pub{i}.com" for i in rng.integers(0, 400, n_articles)]})

    def base(k: int, prefix: str) -> pd.DataFrame:
        idx = rng.integers(0, n_articles, k)
        return pd.DataFrame({"finding_id": [f"{prefix}{i}" for i in range(k)], "article_id": art["article_id"].to_numpy()[idx],
                             "published": art["published"].to_numpy()[idx], "sentence": 0, "char_start": 0,
                             "char_end": 1, "confidence": rng.uniform(0.5, 1.0, k), "rule": "synthetic"})

    pick = lambda values, k: np.asarray(values, dtype=object)[rng.integers(0, len(values), k)]  # noqa: E731
    k = {"sanctions": n * 3 // 10, "procurement": n * 3 // 10, "positions": n * 3 // 10}
    k["entities"] = n - sum(k.values())
    found = {
        "sanctions": base(k["sanctions"], "s").assign(
            sender=pick(SENDERS, k["sanctions"]), target=pick(COUNTRIES, k["sanctions"]),
            action=pick(["threat", "threat", "imposed", "waiver", "lifted"], k["sanctions"]),
            regime=pick(["CAATSA", "OFAC", "EU"], k["sanctions"]),
            modality=pick(["asserted", "asserted", "hypothetical", "negated"], k["sanctions"])),
        "procurement": base(k["procurement"], "p").assign(
            buyer=pick(COUNTRIES, k["procurement"]), supplier=pick(["RUS", "RUS", "FRA", "USA", "PRK"], k["procurement"]),
            system=pick(["S-400", "Su-35", "Kilo-class submarine", "Mi-17", "T-90"], k["procurement"]),
            stage=pick(sorted(schemas.ENUMS["procurement"]["stage"]), k["procurement"])),
        "positions": base(k["positions"], "q").assign(
            speaker_country=pick(COUNTRIES + SENDERS, k["positions"]),
            about_country=pick([None, None, "USA", "IND", "TUR"], k["positions"]),
            topic=pick(["sanctions", "deal", "partnership"], k["positions"]),
            stance=pick(["support", "oppose", "neutral"], k["positions"])),
        "entities": base(k["entities"], "e").assign(
            name="X", list_id=pick([f"L{i}" for i in range(500)], k["entities"]), list_source="ofac",
            country=pick(COUNTRIES, k["entities"]), score=rng.uniform(0.8, 1.0, k["entities"])),
    }
    return art, found


def floor(found: dict[str, pd.DataFrame], freq: str) -> float:
    """Seconds for a bare count of the same findings per (country, counterpart, period)."""
    start = time.perf_counter()
    frames = [found["sanctions"][["target", "sender", "published"]].set_axis(["c", "k", "published"], axis=1),
              found["procurement"][["buyer", "supplier", "published"]].set_axis(["c", "k", "published"], axis=1)]
    both = pd.concat(frames, ignore_index=True)
    both.groupby(["c", "k", both["published"].dt.to_period(freq)]).size()
    return time.perf_counter() - start


def timed(label: str, articles: pd.DataFrame, found: dict[str, pd.DataFrame], freq: str, **kw: object) -> pd.DataFrame:
    start = time.perf_counter()
    out = risk.score_pairs(articles, found, freq=freq, **kw)
    seconds = time.perf_counter() - start
    n = sum(len(f) for f in found.values())
    print(f"{label}: {n:,} findings -> {len(out):,} pair_risk rows in {seconds:.2f} s "
          f"(floor {floor(found, freq):.2f} s)")
    return out


def plot(pair_risk: pd.DataFrame, path: Path, pairs: tuple[tuple[str, str], ...] = (("IND", "USA"), ("TUR", "USA"))) -> None:
    """Score line over stacked driver points (relief below zero), one panel per pair."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(pairs), 1, figsize=(11, 3.6 * len(pairs)), sharex=True)
    for ax, (country, counterpart) in zip(np.atleast_1d(axes), pairs):
        rows = pair_risk[(pair_risk["country"] == country) & (pair_risk["counterpart"] == counterpart)]
        rows = rows.set_index("period").sort_index()
        positive = [c for c in risk.PRESSURE if rows[c].abs().sum() > 0]
        if positive:
            ax.stackplot(rows.index, *(rows[c] for c in positive), labels=positive, alpha=0.6, step="post",
                         colors=[COLOURS[c] for c in positive])
        ax.fill_between(rows.index, rows["relief"], 0, step="post", color=COLOURS["relief"], alpha=0.6,
                        label="relief (waivers, lifts)")
        ax.step(rows.index, rows["score"], where="post", color="black", linewidth=1.4, label="score")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_ylabel("points (0-100)")
        ax.set_title(f"{country}-{counterpart} monthly risk on the sample corpus "
                     "(drivers stack to the gross score; relief below zero takes it down to the line)")
        ax.legend(loc="upper left", fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--freq", default="M", choices=["D", "W", "M"])
    parser.add_argument("--sample-out", type=Path, default=None)
    parser.add_argument("--plot", type=Path, default=None, help="write the India-US / Turkey-US figure here")
    args = parser.parse_args()
    if args.sample_out:
        articles = pd.read_parquet(args.sample_out / "articles.parquet")
        found = {t: pd.read_parquet(args.sample_out / f"{t}.parquet") for t in schemas.FINDING_TABLES}
        start = time.perf_counter()
        clusters = dedupe.cluster_articles(articles)
        print(f"sample: near-duplicate clustering of {len(articles):,} articles in {time.perf_counter() - start:.2f} s "
              f"({len(articles) - clusters['cluster_id'].nunique()} duplicates)")
        sample = timed("sample", articles, found, args.freq, clusters=clusters)
        if args.plot:
            plot(sample, args.plot)
    articles, found = synthetic(args.findings)
    # clusters given (one per article) so the timing is the scoring, not MinHash over synthetic text
    timed("synthetic", articles, found, args.freq, clusters=articles[["article_id"]].assign(cluster_id=articles["article_id"]))


if __name__ == "__main__":
    main()
