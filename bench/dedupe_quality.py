"""Near-duplicate detection of two code trees, side by side, against exact Jaccard.

A change of the MinHash signatures moves which articles cluster together, so it must be shown
not to detect worse. For each corpus this runs ``dedupe.cluster_articles`` of both trees (each in
its own interpreter) and compares the *pairs* judged near-duplicates (two articles in one
cluster): found by both, by one only, and the exact Jaccard of the word 5-shingle sets of every
pair either tree found or that truly reaches the threshold (found through an inverted index of
the shingles; shingles in more than ``--common`` articles are boilerplate and ignored there).

``--synthetic N`` adds a corpus of N ``bench/synth.py`` articles with planted near-duplicates
of known kinds (a wire copy, updates adding 30 %-150 % text, edits changing 2 %-10 % of words,
truncations, reordered paragraphs), from well above to well below the threshold.

Usage: python bench/dedupe_quality.py BASE_TREE NEW_TREE [--corpus FILE.jsonl.gz ...]
       [--synthetic 2000] [--threshold 0.5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
_WORD = re.compile(r"\w+")
_CHILD = """
import sys
sys.path.insert(0, {root!r})
import pandas as pd
from analysis import dedupe, schemas
import numpy as np
from analysis import minhash
frame = schemas.conform(pd.read_parquet({src!r}), "articles")
dedupe.cluster_articles(frame).to_parquet({out!r})
np.save({out!r} + ".npy", minhash.signatures(minhash.article_texts(frame)))
"""


def load(path: Path) -> pd.DataFrame:
    with gzip.open(path, "rt") as handle:
        rows = [json.loads(line) for line in handle]
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    keep = [c for c in ("article_id", "published", "title", "text", "source", "url") if c in frame.columns]
    frame = frame[keep].copy()
    frame["published"] = pd.to_datetime(frame["published"], errors="coerce", utc=True).dt.tz_localize(None)
    return frame


def planted(n: int, seed: int = 5) -> tuple[pd.DataFrame, list[tuple[str, str, str]]]:
    """``n`` synthetic articles plus one planted variant for each of the first n // 5: (original, variant, kind)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    base = list(synth.generate(n, seed=seed))
    rng = random.Random(seed)
    extra, pairs = [], []
    kinds = ["wire copy", "update +30%", "update +60%", "update +100%", "update +150%", "edit 2%",
             "edit 5%", "edit 10%", "truncated 80%", "truncated 60%", "truncated 45%", "paragraphs reordered"]
    for i, orig in enumerate(base[: n // 5]):
        kind = kinds[i % len(kinds)]
        text = orig["text"]
        words = text.split(" ")
        donor = base[(i * 7 + 11) % n]["text"].split(" ")
        if kind == "wire copy":
            text = "Reuters - " + text + " Copyright the wire. All rights reserved."
        elif kind.startswith("update"):
            share = int(kind.split("+")[1].rstrip("%")) / 100
            add = (donor * 3)[: int(len(words) * share)]
            text = text + " Updated: " + " ".join(add)
        elif kind.startswith("edit"):
            rate = int(kind.split()[1].rstrip("%")) / 100
            for k in rng.sample(range(len(words)), max(1, int(len(words) * rate))):
                words[k] = rng.choice(donor)
            text = " ".join(words)
        elif kind.startswith("truncated"):
            text = " ".join(words[: int(len(words) * int(kind.split()[1].rstrip("%")) / 100)])
        else:
            paragraphs = text.split("\n\n")
            rng.shuffle(paragraphs)
            text = "\n\n".join(paragraphs)
        copy = dict(orig, article_id=orig["article_id"] + "v", text=text)
        extra.append(copy)
        pairs.append((orig["article_id"], copy["article_id"], kind))
    return _frame(base + extra), pairs


def shingle_sets(frame: pd.DataFrame, size: int = 5) -> list[set[int]]:
    """Exact word ``size``-shingle sets of title + text (ids of the shingles), as dedupe defines them."""
    ids: dict[tuple[str, ...], int] = {}
    out = []
    for title, text in zip(frame["title"].fillna(""), frame["text"].fillna("")):
        words = _WORD.findall(f"{title} {text}".lower())
        grams = {tuple(words[k:k + size]) for k in range(max(len(words) - size + 1, 1))}
        out.append({ids.setdefault(g, len(ids)) for g in grams})
    return out


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / max(len(a | b), 1)


def true_pairs(sets: list[set[int]], threshold: float, common: int) -> set[tuple[int, int]]:
    """Pairs with exact Jaccard >= ``threshold``, found through shingles held by at most ``common`` articles."""
    holders: dict[int, list[int]] = defaultdict(list)
    for row, grams in enumerate(sets):
        for g in grams:
            holders[g].append(row)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for rows in holders.values():
        if 1 < len(rows) <= common:
            for x in range(len(rows)):
                for y in range(x + 1, len(rows)):
                    shared[rows[x], rows[y]] += 1
    return {p for p, count in shared.items()
            if count >= 0.1 * min(len(sets[p[0]]), len(sets[p[1]])) and jaccard(sets[p[0]], sets[p[1]]) >= threshold}


def run_tree(root: Path, frame: pd.DataFrame, work: Path) -> tuple[set[tuple[int, int]], np.ndarray]:
    """Row pairs that the tree at ``root`` puts in one near-duplicate cluster, and its signatures."""
    src, out = work / "articles.parquet", work / f"clusters_{abs(hash(str(root)))}.parquet"
    frame.to_parquet(src)
    subprocess.run([sys.executable, "-c", _CHILD.format(root=str(root), src=str(src), out=str(out))],
                   check=True, cwd=root)
    clusters = pd.read_parquet(out).set_index("article_id")["cluster_id"]
    label = frame["article_id"].map(clusters).to_numpy()
    groups: dict[str, list[int]] = defaultdict(list)
    for row, cid in enumerate(label):
        groups[cid].append(row)
    pairs = {(x, y) for rows in groups.values() for i, x in enumerate(rows) for y in rows[i + 1:]}
    return pairs, np.load(str(out) + ".npy")


def direct_pairs(sigs: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    """Row pairs joined directly: LSH candidates (dedupe's bands) whose estimated Jaccard reaches ``threshold``."""
    sys.path.insert(0, str(ROOT))
    from analysis import dedupe

    bands, rows = dedupe.band_params(threshold, sigs.shape[1])
    codes = dedupe._candidates(sigs, bands, rows)
    i, j = codes // len(sigs), codes % len(sigs)
    keep = (sigs[i] == sigs[j]).mean(axis=1) >= threshold
    return set(zip(i[keep].tolist(), j[keep].tolist()))


def estimate(sigs: np.ndarray, x: int, y: int) -> float:
    return float((sigs[x] == sigs[y]).mean())


def compare(name: str, frame: pd.DataFrame, base: Path, new: Path, threshold: float, common: int,
            plants: list[tuple[str, str, str]] | None = None) -> None:
    frame = frame.reset_index(drop=True)
    with tempfile.TemporaryDirectory() as tmp:
        (old_clustered, old_sigs), (new_clustered, new_sigs) = run_tree(base, frame, Path(tmp)), run_tree(new, frame, Path(tmp))
    sets = shingle_sets(frame)
    truth = true_pairs(sets, threshold, common)
    print(f"\n== {name}: {len(frame):,} articles, threshold {threshold}; {len(truth)} pairs reach it exactly")
    both, either = old_clustered & new_clustered, old_clustered | new_clustered
    print(f"pairs in one cluster: base {len(old_clustered)}, new {len(new_clustered)}, both {len(both)}, "
          f"either {len(either)}, agreement {len(both) / max(len(either), 1):.3f}")
    old_pairs, new_pairs = direct_pairs(old_sigs, threshold), direct_pairs(new_sigs, threshold)
    both, either = old_pairs & new_pairs, old_pairs | new_pairs
    print(f"pairs joined directly (LSH candidate, estimate >= threshold): base {len(old_pairs)}, new {len(new_pairs)}, "
          f"both {len(both)}, either {len(either)}, agreement {len(both) / max(len(either), 1):.3f}")
    for label, found in (("base", old_pairs), ("new", new_pairs)):
        hit = len(found & truth)
        below = sorted(jaccard(sets[x], sets[y]) for x, y in found - truth)
        print(f"  {label}: exact-Jaccard >= {threshold} pairs found {hit}/{len(truth)}; "
              f"joined below it {len(below)}" + (f" (exact J {below[0]:.2f}-{below[-1]:.2f})" if below else ""))
    ids = frame["article_id"].tolist()
    row = {a: i for i, a in enumerate(ids)}
    # the estimators' error over pairs chosen without them: the planted ones, else every exact near-duplicate
    looked = sorted((min(row[a], row[b]), max(row[a], row[b])) for a, b, _ in plants) if plants else sorted(truth)
    if looked:
        exact = np.array([jaccard(sets[x], sets[y]) for x, y in looked])
        for label, sigs in (("base", old_sigs), ("new", new_sigs)):
            err = np.array([estimate(sigs, x, y) for x, y in looked]) - exact
            print(f"  {label} estimate - exact Jaccard over {len(looked)} {'planted' if plants else 'exact'} pairs: mean {err.mean():+.3f}, "
                  f"RMS {np.sqrt((err ** 2).mean()):.3f}, largest |error| {np.abs(err).max():.3f}")
    for label, only in (("base only", old_pairs - new_pairs), ("new only", new_pairs - old_pairs),
                        ("missed by both", truth - either)):
        values = sorted(jaccard(sets[x], sets[y]) for x, y in only)
        span = f" (exact J {values[0]:.2f}-{values[-1]:.2f}, median {np.median(values):.2f})" if values else ""
        print(f"  {label}: {len(only)} pairs{span}: " + ", ".join(f"{v:.2f}" for v in values[:30]))
        for x, y in sorted(only)[:8]:
            print(f"    {ids[x]} ~ {ids[y]}: {jaccard(sets[x], sets[y]):.3f}")
    if plants:
        table = defaultdict(lambda: [0, 0, 0, []])
        for orig, copy, kind in plants:
            pair = (min(row[orig], row[copy]), max(row[orig], row[copy]))
            entry = table[kind]
            entry[0] += 1
            entry[1] += pair in old_clustered
            entry[2] += pair in new_clustered
            entry[3].append(jaccard(sets[pair[0]], sets[pair[1]]))
        print("  planted near-duplicates: kind, count, exact Jaccard (min-max), in the original's cluster: base, new")
        for kind, (count, old_hit, new_hit, values) in table.items():
            print(f"    {kind:22s} {count:4d}  J {min(values):.2f}-{max(values):.2f}  base {old_hit:4d}  new {new_hit:4d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--corpus", nargs="*", type=Path, default=[])
    parser.add_argument("--synthetic", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--common", type=int, default=50)
    args = parser.parse_args()
    for path in args.corpus:
        compare(path.name, load(path), args.base.resolve(), args.new.resolve(), args.threshold, args.common)
    if args.synthetic:
        frame, plants = planted(args.synthetic)
        compare(f"synthetic with {len(plants)} planted", frame, args.base.resolve(), args.new.resolve(),
                args.threshold, args.common, plants)


if __name__ == "__main__":
    main()
