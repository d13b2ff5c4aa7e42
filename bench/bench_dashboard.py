"""Dashboard timings: cold start and per-interaction (pair switch, filter change) with AppTest.

    python bench/bench_dashboard.py --synthetic 1000000 5000000          # synthetic tables, written once
    python bench/bench_dashboard.py --synthetic 1000000 5000000 --scan   # the same without pair_events
    python bench/bench_dashboard.py --out out/sample                     # an existing output folder

Synthetic tables conform to analysis.schemas (written with pyarrow, no
taggers): articles, the four finding tables sharing the findings, pair_risk
with finding ids, deals and alerts; ``pair_events`` is then built from the
synthetic findings by the real builder (analysis.events) and written in its
row groups. ``--scan`` measures a sibling folder linking every table but
pair_events, i.e. the dashboard before that table (scanning the finding
tables). Timings are AppTest runs (server-side compute; no browser), medians
of --repeat runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import events, schemas  # noqa: E402

COUNTRIES = ["IND", "USA", "TUR", "RUS", "CHN", "IRN", "PAK", "EGY", "IDN", "VNM", "SAU", "ARE", "BRA", "ZAF",
             "DZA", "MYS", "THA", "PHL", "KOR", "JPN", "DEU", "FRA", "GBR", "ISR", "UKR", "BLR", "SRB", "MMR",
             "ETH", "NGA"]
SHARES = {"sanctions": 0.4, "procurement": 0.3, "positions": 0.2, "entities": 0.1}
MONTHS = 60


def _strings(prefix: str, n: int) -> pa.Array:
    return pa.array([f"{prefix}{i:08d}" for i in range(n)], type=pa.string())


def _pick(rng: np.random.Generator, values: list[str], n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(rng.integers(0, len(values), n).astype(np.int32),
                                          pa.array(values)).cast(pa.string())


def _table(name: str, columns: dict[str, pa.Array], n: int) -> pa.Table:
    schema = schemas.arrow_schema(name)
    arrays = [columns[f.name] if f.name in columns else pa.nulls(n, f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def synthesise(out: Path, n_articles: int, n_findings: int, seed: int = 7) -> None:
    """Write conforming synthetic tables into ``out`` (skipped when already there with run.json)."""
    if (out / "run.json").exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    start = np.datetime64("2020-01-01", "ns")
    days = rng.integers(0, MONTHS * 30, n_articles).astype("timedelta64[D]")
    published = pa.array(start + days.astype("timedelta64[ns]"), type=pa.timestamp("ns"))
    ids = _strings("a", n_articles)
    sentences = [f"Synthetic evidence sentence number {i} about a deal and possible sanctions." for i in range(500)]
    pq.write_table(_table("articles", {
        "article_id": ids, "published": published, "title": _pick(rng, [f"Title {i}" for i in range(1000)], n_articles),
        "text": _pick(rng, [" ".join(sentences[i:i + 3]) for i in range(200)], n_articles),
        "source": _pick(rng, [f"source{i}" for i in range(50)], n_articles),
        "exposed": pa.array(rng.random(n_articles) < 0.3)}, n_articles), out / "articles.parquet")
    for table, share in SHARES.items():
        n = int(n_findings * share)
        rows = rng.integers(0, n_articles, n)
        cols = {"finding_id": _strings(table[:2], n), "article_id": ids.take(pa.array(rows)),
                "published": published.take(pa.array(rows)), "sentence": pa.array(np.zeros(n, np.int32)),
                "char_start": pa.array(np.zeros(n, np.int32)), "char_end": pa.array(np.full(n, 40, np.int32)),
                "evidence": _pick(rng, sentences, n), "confidence": pa.array(rng.random(n)),
                "rule": _pick(rng, [f"{table}.rule.{i}" for i in range(20)], n)}
        if table == "sanctions":
            cols |= {"sender": _pick(rng, COUNTRIES[:6], n), "target": _pick(rng, COUNTRIES, n),
                     "action": _pick(rng, sorted(schemas.ENUMS["sanctions"]["action"]), n),
                     "regime": _pick(rng, sorted(schemas.ENUMS["sanctions"]["regime"]), n)}
        elif table == "procurement":
            cols |= {"buyer": _pick(rng, COUNTRIES, n), "supplier": _pick(rng, COUNTRIES[:6], n),
                     "system": _pick(rng, [f"System-{i}" for i in range(80)], n),
                     "stage": _pick(rng, sorted(schemas.ENUMS["procurement"]["stage"]), n)}
        elif table == "positions":
            cols |= {"speaker_country": _pick(rng, COUNTRIES, n), "about_country": _pick(rng, COUNTRIES, n),
                     "topic": _pick(rng, sorted(schemas.ENUMS["positions"]["topic"]), n),
                     "stance": _pick(rng, sorted(schemas.ENUMS["positions"]["stance"]), n)}
        else:
            cols |= {"name": _pick(rng, [f"Entity {i}" for i in range(300)], n), "country": _pick(rng, COUNTRIES, n),
                     "list_source": _pick(rng, ["OFAC SDN", "EU", "UN"], n)}
        pq.write_table(_table(table, cols, n), out / f"{table}.parquet", row_group_size=500_000)
    pairs = [(c, s) for c in COUNTRIES for s in COUNTRIES[:6] if c != s]
    periods = np.array([np.datetime64(f"{2020 + m // 12}-{m % 12 + 1:02d}-01", "ns") for m in range(MONTHS)])
    n = len(pairs) * MONTHS
    comp = {c: pa.array(rng.random(n) * 15) for c in ("threats", "imposed", "procurement", "hostile_statements",
                                                        "defiant_statements", "listed_entities")}
    fids = [[f"sa{int(x):08d}" for x in rng.integers(0, int(n_findings * SHARES["sanctions"]), 20)] for _ in range(n)]
    pq.write_table(_table("pair_risk", {
        "country": pa.array([p[0] for p in pairs for _ in range(MONTHS)]),
        "counterpart": pa.array([p[1] for p in pairs for _ in range(MONTHS)]),
        "period": pa.array(np.tile(periods, len(pairs)), type=pa.timestamp("ns")), "freq": pa.array(["M"] * n),
        "score": pa.array(rng.random(n) * 100), "relief": pa.array(-rng.random(n) * 5), **comp,
        "finding_ids": pa.array(fids, type=pa.list_(pa.string()))}, n), out / "pair_risk.parquet")
    for name in ("rejects", "deals", "alerts"):
        pq.write_table(_table(name, {}, 0), out / f"{name}.parquet")
    write_pair_events(out)
    (out / "run.json").write_text(json.dumps({"synthetic": True, "articles": n_articles, "findings": n_findings}))


def write_pair_events(out: Path) -> None:
    """Build pair_events from the folder's finding tables with the pipeline's builder, one row group per slice."""
    tick = time.perf_counter()
    findings = {t: pq.read_table(out / f"{t}.parquet").to_pandas() for t in schemas.FINDING_TABLES}
    articles = pq.read_table(out / "articles.parquet", columns=["article_id", "published"]).to_pandas()
    table = events.pair_events_table(findings, articles)
    with pq.ParquetWriter(out / "pair_events.parquet", schemas.arrow_schema("pair_events"),
                          compression="zstd") as writer:
        for part in events.row_groups(table):
            writer.write_table(part)
    print(f"pair_events: {table.num_rows:,} rows built and written in {time.perf_counter() - tick:.1f} s",
          file=sys.stderr)


def without_pair_events(out: Path) -> Path:
    """A sibling folder linking every table of ``out`` except pair_events (the dashboard falls back to scans)."""
    scan = out.with_name(out.name + "_scan")
    scan.mkdir(exist_ok=True)
    for path in out.iterdir():
        link = scan / path.name
        if path.name != "pair_events.parquet" and not link.exists():
            link.symlink_to(path)
    return scan


def _timed(action) -> tuple[float, float]:
    """Wall and CPU milliseconds of one action (CPU of every thread of this process: DuckDB's too),
    so figures taken on a shared, loaded machine can still be compared."""
    tick, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - tick) * 1000, (time.process_time() - cpu) * 1000


def cache_parquet_metadata() -> None:
    """What ``--metadata-cache`` measures: every Store connection keeps parsed Parquet footers
    (DuckDB's parquet_metadata_cache), so a query no longer re-reads a 200 KB footer per scan."""
    from analysis import store
    opened = store.Store.__init__

    def init(self, out_dir: Path) -> None:
        opened(self, out_dir)
        self.con.execute("SET parquet_metadata_cache = true")
    store.Store.__init__ = init


def measure(out: Path, repeat: int) -> dict[str, dict[str, float]]:
    """Cold start, pair switch and filter change on the pair page; first run and a period change on the
    overview, heatmap and explore pages; an action filter on explore."""
    os.environ["SRA_OUTPUT_DIR"] = str(out)
    os.chdir(ROOT)
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    def app(name: str) -> AppTest:
        return AppTest.from_string(f"from views import {name}\n{name}.render()", default_timeout=600)

    results: dict[str, list[tuple[float, float]]] = {}

    def timed(name: str, action) -> None:
        results.setdefault(name, []).append(_timed(action))

    for r in range(repeat):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = app("pair")
        at.query_params.update({"country": "IND", "counterpart": "USA"})
        timed("cold_start_pair", at.run)
        timed("pair_switch", lambda: at.selectbox(key="w_country").select_index(1 + r).run())
        lo, hi = at.date_input(key="w_period").value
        mid = date(lo.year + 1, 1 + r, 1) if hi.year > lo.year else lo
        timed("filter_change_pair", lambda: at.date_input(key="w_period").set_value((mid, hi)).run())
        assert not at.exception, at.exception
        for page in ("overview", "heatmap", "explore"):
            view = app(page)
            timed(f"{page}_first", view.run)
            timed(f"filter_change_{page}", lambda: view.date_input(key="w_period").set_value((mid, hi)).run())
            assert not view.exception, view.exception
        timed("explore_action_filter", lambda: view.multiselect(key="w_actions").select("threat").run())
        assert not view.exception, view.exception
    return {"wall_ms": {k: round(statistics.median(w for w, _ in v), 1) for k, v in results.items()},
            "cpu_ms": {k: round(statistics.median(c for _, c in v), 1) for k, v in results.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="an existing output folder to measure")
    parser.add_argument("--synthetic", nargs=2, type=int, metavar=("ARTICLES", "FINDINGS"))
    parser.add_argument("--dir", type=Path, default=Path("/tmp/sra-bench-dashboard"), help="where synthetic tables go")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scan", action="store_true", help="measure without pair_events (finding-table scans)")
    parser.add_argument("--metadata-cache", action="store_true", help="DuckDB keeps Parquet footers between queries")
    args = parser.parse_args()
    out = args.out
    if args.synthetic:
        out = args.dir / f"{args.synthetic[0]}_{args.synthetic[1]}"
        tick = time.perf_counter()
        synthesise(out, *args.synthetic)
        print(f"synthetic tables ready in {time.perf_counter() - tick:.1f} s: {out}", file=sys.stderr)
    if out is None:
        parser.error("give --out or --synthetic")
    if args.synthetic and not (out / "pair_events.parquet").exists():
        write_pair_events(out)  # folders synthesised before the table existed
    if args.scan:
        out = without_pair_events(out)
    if args.metadata_cache:
        cache_parquet_metadata()
    load = os.getloadavg()[0]
    figures = measure(out, args.repeat)
    print(json.dumps({"dataset": str(out), "load_before": round(load, 1), "load_after": round(os.getloadavg()[0], 1),
                      **figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
