"""Concurrent analysts against a locally served dashboard: errors, page-update times, server memory.

Serves ``dashboard.py`` on 127.0.0.1 and a free port (never another address) with
the processed dataset ``--out``, opens ``--sessions`` sessions at once on the
Country pair page (a deep link with the pair in the URL), and in each makes
``--rounds`` rounds of two changes: switch the exposed country, then set the
sidebar country filter to another country. Sessions are

* ``protocol`` (default): Streamlit's own websocket protocol, no browser
  (``bench/load_protocol.py``); the server does a browser's work, the client
  parses protobufs, so the figures are the server's;
* ``browser``: real headless Chromium pages (``bench/load_browser.py``);
* ``mixed``: ``--browsers`` Chromium pages checking what is rendered, the rest protocol.

Reports errors by kind (timeouts, exception elements or boxes, error boxes, a
page showing another pair or filter than asked for, client failures; goal 0),
p50/p95 update time per interaction and client kind, the streamlit process's
RSS (idle before the first session, peak and end, sampled every 0.25 s, plus a
timeline) and CPU seconds of the server and of the clients. Bounded: at most
50 sessions, ``--timeout`` per update and ``--deadline`` for the whole run.

    nice -n 10 python bench/load_dashboard.py --sessions 20 --rounds 10
    nice -n 10 python bench/load_dashboard.py --mode mixed --browsers 2 --sessions 20 --rounds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_procfs import ProcessSampler, tree_cpu_s  # noqa: E402
from scripts.local_server import free_port, serve, stop  # noqa: E402

MAX_SESSIONS = 50
COUNTERPART = ("USA", "United States")  # every listed pair in the sample has it as counterpart
COUNTRIES = [("IND", "India"), ("TUR", "Turkey"), ("RUS", "Russia"), ("CHN", "China")]
FILTERS = [("RUS", "Russia"), ("USA", "United States"), ("IND", "India"), ("CHN", "China")]


@dataclass
class Plan:
    """Which pair and filter session ``n`` asks for in round ``r`` (spread so sessions differ)."""

    rounds: int

    def start(self, n: int):
        return COUNTRIES[n % len(COUNTRIES)], COUNTERPART

    def pair(self, n: int, r: int):
        return COUNTRIES[(n + r + 1) % len(COUNTRIES)], COUNTERPART

    def filter(self, n: int, r: int):
        return FILTERS[(n + r) % len(FILTERS)]


@dataclass
class Recorder:
    """Update times per (client kind, interaction) and errors per kind; one per client kind."""

    client: str
    times: list[tuple[str, str, float]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, interaction: str, seconds: float) -> None:
        self.times.append((self.client, interaction, seconds))

    def error(self, kind: str, text: str) -> None:
        self.errors.append((kind, text))


async def protocol_session(url: str, n: int, plan: Plan, record: Recorder, timeout_s: float, think_s: float) -> None:
    """The browser session's steps over the websocket; each update is checked against what was asked."""
    from bench.load_protocol import ProtocolSession

    (code, name), (c_code, c_name) = plan.start(n)
    session = ProtocolSession(url, "pair", f"country={code}&counterpart={c_code}", timeout_s)

    def check(interaction: str, update, heading: str, in_url: str) -> None:
        record(interaction, update.seconds)
        for problem in update.problems():
            record.error(problem.split(":")[0], f"protocol {n} {interaction}: {problem}")
        if heading not in update.headings or in_url not in update.query_string.split("&"):
            record.error("wrong page", f"protocol {n} {interaction}: wanted {heading!r} and {in_url!r}, "
                                       f"got {update.headings[:3]} {update.query_string!r}")

    try:
        check("load", await session.open(), f"{name} – {c_name}", f"country={code}")
        for r in range(plan.rounds):
            (code, name), (c_code, c_name) = plan.pair(n, r)
            await asyncio.sleep(think_s)
            check("pair", await session.rerun({"w_country": name}), f"{name} – {c_name}", f"country={code}")
            f_code, f_name = plan.filter(n, r)
            await asyncio.sleep(think_s)
            check("filter", await session.rerun({"w_countries": [f_name]}), f"{name} – {c_name}",
                  f"countries={f_code}")
    except asyncio.TimeoutError:
        record.error("timeout", f"protocol {n}: no script_finished within {timeout_s} s")
    except Exception as exc:  # counted, never fatal: the point is to count failures
        record.error("client", f"protocol {n}: {type(exc).__name__}: {str(exc)[:160]}")
    finally:
        await session.close()


async def drive(url: str, args: argparse.Namespace, plan: Plan) -> list[Recorder]:
    browsers = {"protocol": 0, "browser": args.sessions, "mixed": min(args.browsers, args.sessions)}[args.mode]
    proto, real = Recorder("protocol"), Recorder("browser")
    tasks = [protocol_session(url, n, plan, proto, args.timeout, args.think) for n in range(browsers, args.sessions)]
    playwright = browser = None
    if browsers:
        from playwright.async_api import async_playwright

        from bench.load_browser import browser_session, launch

        playwright = await async_playwright().start()
        browser = await launch(playwright)
        tasks += [browser_session(browser, url, n, plan, real, args.timeout, args.think) for n in range(browsers)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.deadline)
    except asyncio.TimeoutError:
        proto.error("deadline", f"deadline of {args.deadline} s reached")
    finally:
        if browser is not None:
            await browser.close()
            await playwright.stop()
    return [proto, real]


def pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def summarise(recorders: list[Recorder], args: argparse.Namespace) -> dict:
    times = [t for r in recorders for t in r.times]
    errors = [e for r in recorders for e in r.errors]
    report = {"mode": args.mode, "sessions": args.sessions, "rounds": args.rounds, "think_s": args.think,
              "updates": len(times), "planned_updates": args.sessions * (1 + 2 * args.rounds),
              "errors": len(errors), "errors_by_kind": dict(Counter(k for k, _ in errors)),
              "error_samples": [t for _, t in errors[:10]], "times": {}}
    for client in sorted({c for c, _, _ in times}):
        for interaction in ("load", "pair", "filter"):
            values = [s for c, i, s in times if c == client and i == interaction]
            if values:
                report["times"][f"{client} {interaction}"] = {
                    "n": len(values), "p50_s": round(pctl(values, 0.5), 2), "p95_s": round(pctl(values, 0.95), 2),
                    "max_s": round(max(values), 2)}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "sample", help="processed dataset folder")
    parser.add_argument("--mode", choices=("protocol", "browser", "mixed"), default="protocol")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--browsers", type=int, default=2, help="Chromium sessions among --sessions in mixed mode")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of (pair switch, filter change) per session")
    parser.add_argument("--think", type=float, default=0.0, help="seconds an analyst pauses before each change")
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed per page update")
    parser.add_argument("--deadline", type=float, default=900, help="seconds allowed for the whole run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.mode != "protocol":
        from bench.load_browser import CHROMIUM

        if CHROMIUM is None:
            print("no Chromium found (apt-get install -y chromium)", file=sys.stderr)
            return 2
    if not (args.out / "run.json").exists():
        print(f"{args.out} holds no processed tables: python -m analysis run data/sample --out {args.out}",
              file=sys.stderr)
        return 2
    args.sessions = max(1, min(args.sessions, MAX_SESSIONS))
    env = {**os.environ, "SRA_OUTPUT_DIR": str(args.out), "SRA_AUTH": "local"}
    port = free_port()
    proc = serve(port, env)
    url = f"http://127.0.0.1:{port}"
    sampler = ProcessSampler(proc.pid)
    sampler.start()
    idle_mb, server_cpu0 = sampler.rss_mb(), sampler.cpu_s()
    started, client_cpu0 = time.perf_counter(), tree_cpu_s(os.getpid(), exclude=proc.pid)
    try:
        recorders = asyncio.run(drive(url, args, Plan(args.rounds)))
    finally:
        wall = time.perf_counter() - started
        server_cpu, client_cpu = sampler.cpu_s() - server_cpu0, tree_cpu_s(os.getpid(), exclude=proc.pid) - client_cpu0
        sampler.stop.set()
        sampler.join()
        stop(proc)
    report = summarise(recorders, args)
    report.update({"wall_s": round(wall, 1), "cpus": os.cpu_count(), "load_avg_before": sampler.load_before,
                   "server_cpu_s": round(server_cpu, 1), "client_cpu_s": round(client_cpu, 1),
                   "server_cpu_s_per_update": round(server_cpu / max(report["updates"], 1), 3),
                   "rss_mb": {"idle": round(idle_mb), "peak": round(sampler.peak_mb), "end": round(sampler.last_mb),
                              "timeline_5s": sampler.timeline(5.0)}})
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if not report["errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
