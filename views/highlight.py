"""Article text with finding spans highlighted, built safely from untrusted text.

The text is cut on the findings' character offsets and every piece is escaped
(``views.safe.html_text``: control and bidi-override characters replaced, then
``html.escape``) before being wrapped in our own fixed ``<mark>`` tags, so
markup inside an article shows as text and never runs, and no piece can
reorder the text around it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from views import safe


def segments(text: str, spans: Iterable[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """Non-overlapping (piece, kind) pieces covering ``text`` in order; kind is None outside spans.

    Spans are clipped to the text; where spans overlap the earlier-starting one
    wins and the later one keeps only its part beyond it.
    """
    pieces: list[tuple[str, str | None]] = []
    cursor = 0
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        start, end = max(int(start), cursor, 0), min(int(end), len(text))
        if start >= end:
            continue
        if start > cursor:
            pieces.append((text[cursor:start], None))
        pieces.append((text[start:end], kind))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces


def to_html(pieces: list[tuple[str, str | None]], colours: dict[str, str]) -> str:
    """Escaped text with each span in a ``<mark>`` coloured by its kind; line breaks kept."""
    out = []
    for piece, kind in pieces:
        text = safe.html_text(piece).replace("\n", "<br>")
        if kind is None:
            out.append(text)
        else:
            colour = colours.get(kind, "#dddddd")
            out.append(f'<mark style="background:{colour}" title="{html.escape(kind)}">{text}</mark>')
    return '<div class="sra-article" style="white-space:normal;line-height:1.6">' + "".join(out) + "</div>"
