"""Untrusted text (article titles, sources, evidence, file names) made inert for each place it is shown.

Three sinks, three helpers: ``plain`` for widgets that show text as-is (select
options, dataframes), ``md`` for anything Streamlit renders as Markdown
(captions, messages, link labels: links, images, ``:colour[...]`` directives
and HTML would otherwise be live), ``html_text`` for our own ``st.html``
fragments and plotly labels. All three first replace control characters and
bidirectional overrides (which can reorder what a reader sees, "Trojan
Source") with U+FFFD and cut very long values.
"""

from __future__ import annotations

import html
import re

# C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates and marks,
# the Arabic letter mark, line/paragraph separators, and interlinear annotation characters.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                    "\ufff9-\ufffb]")
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=\"'^])")
REPLACEMENT = "\ufffd"
TITLE_CHARS = 300

# Long unbroken strings wrap instead of widening the page; untrusted blocks are bidi-isolated.
# The grid's own "Download as CSV" is hidden: exports go through analysis.exports (formula-safe).
PAGE_CSS = """<style>
.sra-article, .sra-title, .sra-evidence { overflow-wrap: anywhere; word-break: break-word; unicode-bidi: isolate; }
[data-testid="stElementToolbar"] button[aria-label="Download as CSV"] { display: none !important; }
</style>"""


def plain(value: object, limit: int | None = None) -> str:
    """Text with control and bidi-override characters replaced and at most ``limit`` characters."""
    text = UNSAFE.sub(REPLACEMENT, "" if value is None else str(value)).replace("\r", " ")
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    return text


def md(value: object, limit: int | None = None) -> str:
    """Text for a Markdown sink: every Markdown/HTML-significant character backslash-escaped, one line."""
    return MD_SPECIAL.sub(r"\\\1", plain(value, limit).replace("\n", " ").replace("\t", " "))


def html_text(value: object, limit: int | None = None) -> str:
    """Text for an HTML sink (our st.html fragments, plotly labels): cleaned, then entity-escaped."""
    return html.escape(plain(value, limit), quote=True)
