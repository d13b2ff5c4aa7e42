"""The served dashboard in Debian's headless Chromium (../shared/BROWSER.md).

Starts ``streamlit run dashboard.py`` on 127.0.0.1 and a free port against the
hand-made fixture dataset, opens the India–United States pair page and an
article whose text is markup, and saves screenshots under test-artifacts/
(git-ignored). Skipped with the reason when no Chromium is installed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.local_server import served
from tests.views.fixture_tables import EVIDENCE_IND, MARKUP, write_dataset

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium", shutil.which("chromium") or "")
                 if p and Path(p).exists()), None)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found (apt-get install -y chromium; "
                                                          "see ../shared/BROWSER.md)")]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = write_dataset(tmp_path_factory.mktemp("browser") / "fixture")
    env = {**os.environ, "SRA_OUTPUT_DIR": str(out), "SRA_REVIEW_DB": str(out.parent / "reviews.sqlite")}
    with served(env) as (url, _):
        yield url


def test_pair_page_shows_chart_and_evidence(server: str, page) -> None:
    page.set_viewport_size({"width": 1400, "height": 2600})
    page.goto(f"{server}/pair?country=IND&counterpart=USA")
    expect(page.get_by_role("heading", name="India – United States")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=30_000)
    expect(page.locator(".sra-evidence", has_text=EVIDENCE_IND).first).to_be_visible()
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pair.png"))


def test_article_markup_is_shown_as_text(server: str, page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{server}/article?article=a4")
    body = page.locator(".sra-article")
    expect(body).to_be_visible(timeout=30_000)
    expect(body).to_contain_text(MARKUP)
    assert body.locator("script, b").count() == 0
    expect(page.locator(".sra-title")).to_contain_text(MARKUP)
    assert dialogs == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "article.png"))


PAGES = {"": "Overview", "pair": "Country pair", "heatmap": "Heatmap", "article": "Article",
         "explore": "Explore", "data": "Data", "accuracy": "Accuracy"}


def test_every_page_in_the_browser(server: str, page) -> None:
    """Each page shows its heading with no exception box; a screenshot of each goes to test-artifacts/pages/
    (copied to docs/screenshots/ for the documentation)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    for path, title in PAGES.items():
        page.goto(f"{server}/{path}?country=IND&counterpart=USA&article=a1")
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)  # let charts draw before the screenshot
        assert page.get_by_test_id("stException").count() == 0, path
        page.screenshot(path=str(folder / f"{path or 'overview'}.png"))


def test_first_start_processes_the_bundled_sample(tmp_path: Path, page) -> None:
    """A new user's first start: no tables yet, the dashboard processes data/sample and the
    India–United States pair shows its risk chart and S-400 evidence from the sample."""
    env = {**os.environ, "SRA_OUTPUT_DIR": str(tmp_path / "sample"), "SRA_REVIEW_DB": str(tmp_path / "r.sqlite")}
    with served(env) as (url, _):
        page.set_viewport_size({"width": 1400, "height": 2600})
        page.goto(f"{url}/pair?country=IND&counterpart=USA")
        expect(page.get_by_role("heading", name="India – United States")).to_be_visible(timeout=240_000)
        expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=60_000)
        expect(page.locator(".sra-evidence", has_text="S-400").first).to_be_visible(timeout=60_000)
        assert (tmp_path / "sample" / "run.json").exists()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "first_start_pair.png"))
