"""AppTest for every page on the hand-made fixture dataset: renders, filters move numbers, links select."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import review
from tests.views.fixture_tables import EVIDENCE_IND, MARKUP

PAGES = ("overview", "pair", "heatmap", "article", "explore", "upload", "accuracy")
ROOT = Path(__file__).resolve().parents[2]


def page(name: str, **params: str) -> AppTest:
    at = AppTest.from_string(f"from views import {name}\n{name}.render()", default_timeout=30)
    at.query_params.update(params)
    return at.run()


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def html_text(at: AppTest) -> str:
    return "\n".join(str(e.proto.body) for e in at.get("html"))


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(app_env: Path, name: str) -> None:
    at = page(name)
    assert not at.exception, at.exception
    assert at.title[0].value


def test_dashboard_opens_on_overview(app_env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert metric(at, "Articles") == "4"


def test_period_filter_changes_headline(app_env: Path) -> None:
    at = page("overview")
    assert metric(at, "Articles") == "4"
    at.date_input(key="w_period").set_value((date(2024, 3, 1), date(2024, 3, 20))).run()
    assert metric(at, "Articles") == "2"
    assert at.query_params["from"] == "2024-03-01"


def test_country_filter_from_url_changes_counts(app_env: Path) -> None:
    assert metric(page("overview"), "Sanctions signals") == "3"
    assert metric(page("overview", countries="TUR"), "Sanctions signals") == "1"


def test_deep_link_selects_pair(app_env: Path) -> None:
    at = page("pair", country="TUR", counterpart="USA")
    assert at.subheader[0].value == "Turkey – United States"
    assert metric(at, "Latest score") == "70"
    default = page("pair")
    assert default.subheader[0].value == "India – United States"
    assert EVIDENCE_IND in html_text(default)


def test_pair_page_period_filter(app_env: Path) -> None:
    at = page("pair", country="IND", counterpart="USA", to="2024-01-31")
    assert metric(at, "Latest score") == "30"


def test_unknown_url_values_are_ignored(app_env: Path) -> None:
    at = page("pair", country="<b>XXX</b>", counterpart="USA")
    assert not at.exception
    assert at.subheader[0].value == "India – United States"


def test_article_markup_shows_as_text(app_env: Path) -> None:
    at = page("article", article="a4")
    body = html_text(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in body
    assert MARKUP not in body
    assert "<mark" in body  # the findings are highlighted


def test_review_is_recorded(app_env: Path, tmp_path: Path) -> None:
    at = page("article", article="a1")
    at.radio[0].set_value("wrong")
    at.button[0].click().run()
    saved = review.load_reviews(tmp_path / "reviews.sqlite")
    assert list(saved["verdict"]) == ["wrong"]


def test_explore_filters_from_url_and_widgets(app_env: Path) -> None:
    assert metric(page("explore"), "Rows matching") == "3"
    at = page("explore", action="threat")
    assert metric(at, "Rows matching") == "1"
    at.text_input(key="w_search").set_value("waiver").run()
    assert metric(at, "Rows matching") == "0"
    assert at.query_params["q"] == "waiver"


def test_data_page_lists_rejects_with_reasons(app_env: Path) -> None:
    at = page("upload")
    assert metric(at, "Rejected") == "1"
    assert "missing_text" in at.dataframe[0].value["reason"].tolist()


def test_accuracy_reads_results(app_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from views import theme
    path = tmp_path / "accuracy.json"
    monkeypatch.setattr(theme, "ACCURACY_FILE", str(path))
    assert "No evaluation results" in page("accuracy").info[0].value
    path.write_text(json.dumps({"articles": 149, "exposed_accuracy": 0.9, "tables": {
        "sanctions": {"precision": 0.8, "recall": 0.7, "f1": 0.75, "tp": 7, "fp": 2, "fn": 3}}}))
    at = page("accuracy")
    assert at.dataframe[0].value["f1"].tolist() == [0.75]


def test_empty_dataset_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRA_OUTPUT_DIR", str(tmp_path / "nothing"))
    monkeypatch.chdir(ROOT)
    at = page("pair")
    assert "Data" in at.info[0].value
