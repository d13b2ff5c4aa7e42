"""Colours, URL parameter names, session keys and limits of the dashboard, named in one place."""

from __future__ import annotations

# Finding tables: highlight colour in the article view and legend label.
TABLE_COLOURS = {"sanctions": "#f4a6a6", "procurement": "#a6c8f4", "positions": "#c9b3f0", "entities": "#f7d08a"}
TABLE_LABELS = {"sanctions": "Sanctions signal", "procurement": "Procurement", "positions": "Position",
                "entities": "Listed entity"}

# Event markers on the pair timeline: (colour, plotly marker symbol).
EVENT_STYLE = {
    "threat": ("#d62728", "triangle-up"), "imposed": ("#8b0000", "x"), "waiver": ("#2ca02c", "triangle-down"),
    "lifted": ("#006400", "star"), "negotiation": ("#9ecae1", "circle-open"), "contract": ("#1f77b4", "square"),
    "delivery": ("#08306b", "diamond"), "training": ("#6baed6", "circle"), "support": ("#6baed6", "circle"),
    "production": ("#3182bd", "circle"), "cancellation": ("#7f7f7f", "circle-x"),
    "statement": ("#9467bd", "circle"), "listed entity": ("#ff7f0e", "hexagon"),
}
DEFAULT_EVENT_STYLE = ("#7f7f7f", "circle")

# Risk components, stacked in this order; relief is negative.
COMPONENT_COLOURS = {
    "threats": "#d62728", "imposed": "#8b0000", "procurement": "#1f77b4", "hostile_statements": "#9467bd",
    "defiant_statements": "#c5b0d5", "listed_entities": "#ff7f0e", "relief": "#2ca02c",
}
STANCE_COLOURS = {"support": "#2ca02c", "oppose": "#d62728", "neutral": "#7f7f7f"}
STAGE_COLOURS = {k: v[0] for k, v in EVENT_STYLE.items()}
HEATMAP_SCALE = "Reds"

# URL query parameters (shareable links) — documented in docs/DASHBOARD.md.
P_DATASET = "ds"
P_FROM, P_TO = "from", "to"
P_COUNTRIES = "countries"
P_COUNTRY, P_COUNTERPART = "country", "counterpart"
P_ARTICLE = "article"
P_TABLE = "table"
P_SEARCH = "q"
P_EXPLORE = {"regimes": "regime", "actions": "action", "stages": "stage", "systems": "system", "sources": "source"}

# Session state keys (kept across pages when the URL is left behind).
S_FILTERS = "sra_filters"
S_PAIR = "sra_pair"
S_DATASET = "sra_dataset"

DEFAULT_PAIR = ("IND", "USA")
UPLOAD_SUFFIXES = ("csv", "tsv", "jsonl", "ndjson", "json", "gz", "parquet")
UPLOAD_CAP_MB = 200  # also server.maxUploadSize in .streamlit/config.toml
EXPLORE_ROWS = 1000
TOP_PAIRS = 10
LATEST_ALERTS = 20
ACCURACY_FILE = "docs/accuracy.json"
ACCURACY_REFRESH = ("python -m analysis evaluate --gold ../shared/eval/dev.jsonl "
                    "--corpus ../shared/corpus/news.jsonl.gz ../shared/corpus/procurement.jsonl.gz "
                    "--json > docs/accuracy.json")
