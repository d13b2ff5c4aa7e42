"""Concurrent analysts against a locally served dashboard: errors, page-update times, server memory.

Serves ``dashboard.py`` on 127.0.0.1 and a free port (never another address),
opens ``--sessions`` browser pages at once in Debian's Chromium (Playwright),
and in each makes ``--rounds`` changes: switch the pair's exposed country,
then add a country to the sidebar filter. Reports errors (timeouts, exception boxes), p50/p95 update time and the
streamlit process's RSS (peak, sampled every 0.25 s). Bounded: at most 50
sessions and ``--deadline`` seconds overall. A pair switch is timed from the
click on the country box to the new heading shown with no rerun running; a
filter change from the click on the country filter to its value in the URL
with no rerun running (both include the browser's own work).

    python bench/load_dashboard.py --out out/sample --sessions 20 --rounds 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.local_server import free_port, serve, stop  # noqa: E402
CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).exists()), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
MAX_SESSIONS = 50
RUNNING = '[data-testid="stStatusWidget"]'


class RssSampler(threading.Thread):
    """Peak resident memory of one process, from /proc."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self.samples, self.stop = pid, 0.0, [], threading.Event()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                value = self.rss_mb()
            except OSError:
                return
            self.samples.append(value)
            self.peak_mb = max(self.peak_mb, value)
            time.sleep(0.25)


async def pick(page, index: int, text: str) -> None:
    box = page.get_by_test_id("stSelectbox").nth(index)
    await box.click()
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")


async def session(browser, url: str, n: int, rounds: int, pairs: list[tuple[str, str]], filters: list[str],
                  times: list[float], errors: list[str], timeout_ms: int) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)  # clicks wait as long as updates: a busy browser is not a server error
    try:
        started = time.perf_counter()
        country, counterpart = pairs[n % len(pairs)]
        await page.goto(f"{url}/pair?country={country[0]}&counterpart={counterpart[0]}", timeout=timeout_ms)
        await page.get_by_role("heading", name=f"{country[1]} – {counterpart[1]}").wait_for(timeout=timeout_ms)
        times.append(("load", time.perf_counter() - started))
        for r in range(rounds):
            country, counterpart = pairs[(n + r + 1) % len(pairs)]
            started = time.perf_counter()
            await pick(page, 0, country[1])  # every listed pair has the United States as counterpart
            await page.get_by_role("heading", name=f"{country[1]} – {counterpart[1]}").wait_for(timeout=timeout_ms)
            await page.wait_for_selector(RUNNING, state="detached", timeout=timeout_ms)
            times.append(("pair", time.perf_counter() - started))
            name, code = filters[(n + r) % len(filters)]
            started = time.perf_counter()
            await page.get_by_test_id("stMultiSelect").first.click()
            await page.keyboard.type(name)
            await page.keyboard.press("Enter")
            await page.wait_for_url(lambda u, code=code: "countries=" in u and code in u, timeout=timeout_ms)
            await page.keyboard.press("Escape")
            await page.wait_for_selector(RUNNING, state="detached", timeout=timeout_ms)
            times.append(("filter", time.perf_counter() - started))
            if await page.get_by_test_id("stException").count():
                errors.append(f"session {n}: exception box after round {r}")
    except Exception as exc:  # counted, never fatal: the point is to count failures
        errors.append(f"session {n}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await context.close()


def pctl(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def drive(url: str, args: argparse.Namespace, pairs, filters) -> tuple[list, list]:
    from playwright.async_api import async_playwright

    times: list = []
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tasks = [session(browser, url, n, args.rounds, pairs, filters, times, errors, args.timeout * 1000)
                 for n in range(args.sessions)]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.deadline)
        except asyncio.TimeoutError:
            errors.append(f"deadline of {args.deadline} s reached")
        await browser.close()
    return times, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "sample", help="processed dataset folder")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--timeout", type=int, default=120, help="seconds allowed per page update")
    parser.add_argument("--deadline", type=int, default=900, help="seconds allowed for the whole run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if CHROMIUM is None:
        print("no Chromium found (apt-get install -y chromium)", file=sys.stderr)
        return 2
    if not (args.out / "run.json").exists():
        print(f"{args.out} holds no processed tables: python -m analysis run data/sample --out {args.out}",
              file=sys.stderr)
        return 2
    args.sessions = min(args.sessions, MAX_SESSIONS)
    pairs = [(("IND", "India"), ("USA", "United States")), (("TUR", "Turkey"), ("USA", "United States")),
             (("RUS", "Russia"), ("USA", "United States")), (("CHN", "China"), ("USA", "United States"))]
    filters = [("Russia", "RUS"), ("United States", "USA"), ("India", "IND"), ("China", "CHN")]
    env = {**os.environ, "SRA_OUTPUT_DIR": str(args.out), "SRA_AUTH": "local"}
    port = free_port()
    proc = serve(port, env)
    sampler = RssSampler(proc.pid)
    sampler.start()
    idle_mb = sampler.rss_mb()
    started = time.perf_counter()
    try:
        times, errors = asyncio.run(drive(f"http://127.0.0.1:{port}", args, pairs, filters))
    finally:
        sampler.stop.set()
        stop(proc)
    report = {"sessions": args.sessions, "rounds": args.rounds, "wall_s": round(time.perf_counter() - started, 1),
              "errors": len(errors), "error_samples": errors[:10], "idle_rss_mb": round(idle_mb),
              "peak_rss_mb": round(sampler.peak_mb), "cpus": os.cpu_count()}
    for kind in ("load", "pair", "filter"):
        values = [t for k, t in times if k == kind]
        report[kind] = {"n": len(values), "p50_s": round(pctl(values, 0.5), 2), "p95_s": round(pctl(values, 0.95), 2),
                        "mean_s": round(statistics.fmean(values), 2) if values else None}
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
