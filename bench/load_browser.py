"""One analyst's session in a real headless Chromium (Playwright), for load runs that check what is shown.

A browser session costs a whole renderer's CPU, so on a small machine twenty of
them measure the browsers more than the server (docs/RELIABILITY.md); the load
script uses a few of these beside protocol sessions (``bench/load_protocol.py``)
to check that pages really render under load. A pair switch is timed from the
click on the country box to the new heading shown with no rerun running; a filter
change from the click on the country filter to its value in the URL with no rerun
running (both include the browser's own work). Before a filter change the
previous filter is cleared with its own, untimed rerun: removing and adding in
one go loses typed text to the first rerun's re-render.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(p).exists()), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
RUNNING = '[data-testid="stStatusWidget"]'


async def launch(playwright):
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)


async def _pick(page, index: int, text: str) -> None:
    box = page.get_by_test_id("stSelectbox").nth(index)
    await box.click()
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")


def _countries(url: str) -> str:
    return ",".join(parse_qs(urlparse(url).query).get("countries", []))


async def _clear_filter(page, timeout_ms: float) -> None:
    """Remove the selected filter countries (not timed: its own rerun is over before the change starts)."""
    clear = page.get_by_test_id("stMultiSelect").first.get_by_role("button", name="Clear all")
    if await clear.count():
        await clear.click()
        await page.wait_for_url(lambda u: not _countries(u), timeout=timeout_ms)
        await page.wait_for_selector(RUNNING, state="detached", timeout=timeout_ms)


async def browser_session(browser, url: str, n: int, plan, record, timeout_s: float, think_s: float) -> None:
    """Load the pair page, then per round switch the exposed country and change the country filter.

    ``plan`` is the load script's :class:`Plan`; ``record(kind, seconds)`` and
    ``record.error(kind, text)`` collect figures. A failure ends the session and
    is counted (a timeout as a timeout, an exception box as an error).
    """
    import asyncio

    timeout_ms = timeout_s * 1000
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(timeout_ms)  # clicks wait as long as updates: a busy browser is not a server error
    try:
        (code, name), (c_code, c_name) = plan.start(n)
        started = time.perf_counter()
        await page.goto(f"{url}/pair?country={code}&counterpart={c_code}", timeout=timeout_ms)
        await page.get_by_role("heading", name=f"{name} – {c_name}").wait_for(timeout=timeout_ms)
        record("load", time.perf_counter() - started)
        for r in range(plan.rounds):
            (code, name), (c_code, c_name) = plan.pair(n, r)
            await asyncio.sleep(think_s)
            started = time.perf_counter()
            await _pick(page, 0, name)
            await page.get_by_role("heading", name=f"{name} – {c_name}").wait_for(timeout=timeout_ms)
            await page.wait_for_selector(RUNNING, state="detached", timeout=timeout_ms)
            record("pair", time.perf_counter() - started)
            f_code, f_name = plan.filter(n, r)
            await asyncio.sleep(think_s)
            await _clear_filter(page, timeout_ms)  # one country at a time, as the protocol sessions do
            started = time.perf_counter()
            await page.get_by_role("combobox", name="Countries").click()
            await page.keyboard.type(f_name)
            await page.get_by_role("option", name=f_name, exact=True).click()
            await page.wait_for_url(lambda u, c=f_code: _countries(u) == c, timeout=timeout_ms)
            await page.keyboard.press("Escape")
            await page.wait_for_selector(RUNNING, state="detached", timeout=timeout_ms)
            record("filter", time.perf_counter() - started)
            if await page.get_by_test_id("stException").count():
                record.error("exception", f"browser {n}: exception box after round {r}")
    except Exception as exc:  # counted, never fatal: the point is to count failures
        kind = "timeout" if "Timeout" in type(exc).__name__ else "client"
        record.error(kind, f"browser {n}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await context.close()
