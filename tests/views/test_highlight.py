"""Highlighting cuts on offsets and escapes every piece: text round-trips, markup never survives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from views.highlight import segments, to_html

spans = st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60), st.sampled_from(["sanctions", "entities"])))


@given(st.text(max_size=50), spans)
def test_segments_cover_the_text_exactly(text: str, found: list) -> None:
    pieces = segments(text, found)
    assert "".join(p for p, _ in pieces) == text
    assert all(p for p, _ in pieces)


@given(st.text(alphabet="<>&\"'ab /", max_size=40), spans)
def test_no_raw_markup_from_the_text(text: str, found: list) -> None:
    out = to_html(segments(text, found), {"sanctions": "#f00"})
    stripped = out.replace('<mark style="background:#f00" title="sanctions">', "").replace(
        '<mark style="background:#dddddd" title="entities">', "").replace("</mark>", "").replace("<br>", "")
    inner = stripped.split(">", 1)[1].rsplit("<", 1)[0]
    assert "<" not in inner and ">" not in inner


def test_overlapping_spans_keep_the_first() -> None:
    assert segments("abcdef", [(1, 4, "a"), (2, 6, "b")]) == [("a", None), ("bcd", "a"), ("ef", "b")]


def test_script_is_escaped() -> None:
    out = to_html(segments("<script>alert(1)</script>", [(8, 16, "sanctions")]), {})
    assert "<script>" not in out and "&lt;script&gt;" in out
