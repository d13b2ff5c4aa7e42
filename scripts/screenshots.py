"""Screenshots of every dashboard page on the bundled sample, for docs/screenshots/.

Usage: python scripts/screenshots.py [OUT_DIR]  (needs Debian's chromium; see ../shared/BROWSER.md)
Serves the dashboard on 127.0.0.1 and a free port with a fresh output folder, so the
first start processes data/sample exactly as a new user sees it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from scripts.local_server import free_port, serve, stop  # noqa: E402
from tests.test_browser import CHROMIUM  # noqa: E402

PAGES = {
    "overview": "",
    "pair": "pair?country=IND&counterpart=USA",
    "heatmap": "heatmap",
    "article": "article?article=sample-a-005",
    "explore": "explore?table=sanctions",
    "data": "data",
    "accuracy": "accuracy",
}


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sra-shots-"))
    env = {**os.environ, "SRA_OUTPUT_DIR": str(work / "sample"), "SRA_REVIEW_DB": str(work / "reviews.sqlite")}
    port = free_port()
    proc = serve(port, env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                        "--disable-dev-shm-usage", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.goto(f"http://127.0.0.1:{port}/")
            for _ in range(600):  # the first session processes the sample; wait for its tables
                if (work / "sample" / "run.json").exists():
                    break
                page.wait_for_timeout(500)
            for name, path in PAGES.items():
                page.goto(f"http://127.0.0.1:{port}/{path}")
                page.get_by_test_id("stMain").wait_for(timeout=120_000)  # first start processes the sample
                page.wait_for_timeout(2000)
                for _ in range(120):  # until Streamlit has replaced every placeholder skeleton
                    if page.locator('[data-testid="stSkeleton"]').count() == 0:
                        break
                    page.wait_for_timeout(500)
                page.wait_for_timeout(1500)
                page.screenshot(path=str(target / f"{name}.png"))
                print(f"wrote {target / f'{name}.png'}")
            browser.close()
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
