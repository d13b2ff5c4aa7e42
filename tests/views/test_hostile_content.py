"""Hostile article content (markup, Markdown, bidi overrides, control characters, huge lines) stays inert
on every page, in chart hover text and in exports."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import schemas, store
from analysis.queries import Filters
from tests.views import fixture_tables

BIDI = "\u202e"  # right-to-left override: would make "exe.txt" read as "txt.exe"
TITLE = f"=HYPERLINK(\"http://evil.example\") <img src=x onerror=alert(1)> **bold** {BIDI}gnp.exe\x07"
SOURCE = "[click me](javascript:alert(1)) ![pixel](http://evil.example/p.png) :red[alarm] $x^2$ <b>b</b>"
EVIDENCE = f"<script>alert(2)</script> {BIDI}reversed\x1b[31m [link](http://evil.example)"
LONG = "A" * 120_000


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    patched = dict(fixture_tables._TEXTS)
    patched["a1"] = patched["a1"] + f" {EVIDENCE} {LONG}"
    original, fixture_tables._TEXTS = fixture_tables._TEXTS, patched
    try:
        tables = fixture_tables.tables()
    finally:
        fixture_tables._TEXTS = original
    articles = tables["articles"]
    articles.loc[articles["article_id"] == "a1", ["title", "source"]] = [TITLE, SOURCE]
    sanctions = tables["sanctions"]
    sanctions.loc[sanctions["article_id"] == "a1", "evidence"] = EVIDENCE
    out = tmp_path_factory.mktemp("hostile") / "ds"
    staged = store.StagedTables(out)
    for name, frame in tables.items():
        staged.write(name, frame)
    staged.commit(tuple(schemas.TABLES), {"inputs": ["[x](javascript:alert(3)).csv"], "rows_in": 5})
    return out


@pytest.fixture
def env(hostile_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SRA_OUTPUT_DIR", str(hostile_dir))
    monkeypatch.setenv("SRA_REVIEW_DB", str(tmp_path / "reviews.sqlite"))
    monkeypatch.setenv("SRA_AUTH", "local")
    monkeypatch.chdir(fixture_tables.Path(__file__).resolve().parents[2])
    return hostile_dir


def page(name: str, **params: str) -> AppTest:
    at = AppTest.from_string(f"from views import {name}\n{name}.render()", default_timeout=60)
    at.query_params.update(params)
    return at.run()


def markdown_sources(at: AppTest) -> list[str]:
    """Every string Streamlit would render as Markdown on the page."""
    kinds = ("caption", "markdown", "error", "info", "warning", "success", "subheader", "title")
    return [str(e.value) for kind in kinds for e in at.get(kind)]


def unescaped(text: str, chars: str) -> bool:
    return re.search(rf"(?<!\\)[{re.escape(chars)}]", text) is not None


def test_article_page_is_inert(env: Path) -> None:
    at = page("article", article="a1")
    assert not at.exception
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "<script" not in html and "<img" not in html and "onerror=alert(1)>" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert BIDI not in html and "\x07" not in html and "\x1b" not in html
    caption = next(c.value for c in at.caption if "click me" in c.value)
    assert not unescaped(caption, "[]()!:$<>")  # no live link, image, colour directive, maths or tag
    for text in markdown_sources(at):
        assert BIDI not in text and "\x07" not in text
    # the very long line is kept (as text) and the page CSS lets it wrap
    assert LONG[:1000] in html


def test_title_in_article_picker_is_clean(env: Path) -> None:
    at = page("article", article="a1")
    labels = at.selectbox(key="w_article_a1").options
    assert all(BIDI not in o and "\x07" not in o for o in labels)


def test_pair_page_evidence_and_hover_are_inert(env: Path) -> None:
    at = page("pair", country="IND", counterpart="USA")
    assert not at.exception
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "<script>alert(2)" not in html and "&lt;script&gt;" in html
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    hover = json.dumps([t.get("hovertext") for s in specs for t in s["data"]], ensure_ascii=False)
    assert "<script" not in hover and "&lt;script&gt;" in hover and BIDI not in hover


def test_data_page_run_inputs_are_escaped(env: Path) -> None:
    at = page("upload")
    caption = next(c.value for c in at.caption if c.value.startswith("Inputs:"))
    assert "javascript" in caption and not unescaped(caption, "[]()")


def test_csv_export_neutralises_formulas(env: Path) -> None:
    from views import data
    raw = data.export(env, "articles", Filters(), "csv").decode("utf-8-sig")
    rows = {r["article_id"]: r for r in csv.DictReader(io.StringIO(raw, newline=""))}
    assert rows["a1"]["title"].startswith("'=HYPERLINK")
    assert rows["a1"]["text"].endswith(LONG)  # exports keep the full text
    parquet = data.export(env, "articles", Filters(), "parquet")
    import pyarrow.parquet as pq
    titles = pq.read_table(io.BytesIO(parquet)).column("title").to_pylist()
    assert TITLE in titles  # Parquet is exact


def test_pair_page_evidence_has_no_bidi_override(env: Path) -> None:
    html = "\n".join(str(h.proto.body) for h in page("pair", country="IND", counterpart="USA").get("html"))
    assert BIDI not in html
