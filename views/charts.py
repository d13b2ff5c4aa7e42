"""Plotly figures built with graph_objects (several times faster to build than plotly.express).

Each function draws a frame that analysis.queries already computed; none of
them aggregates. Hover text that comes from articles is escaped first.
"""

from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

from views import safe, theme

# Modebar "download as PNG" for every chart (the export the issue asks for).
CONFIG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}


def _layout(fig: go.Figure, title: str, height: int = 320, dates: bool = True, **extra: object) -> go.Figure:
    if dates:  # day-level ticks, so a single-point series does not zoom to milliseconds
        fig.update_xaxes(type="date", tickformat="%Y-%m-%d")
    fig.update_layout(title=title, height=height, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, **extra)
    return fig


def safe_hover(text: object, width: int = 80) -> str:
    """Untrusted text for a hover label: escaped, then wrapped with <br> (plotly's only markup we add)."""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(safe.plain(text), width)[:6])


def label(value: object) -> str:
    """A trace name or category label from data: plotly renders a subset of HTML in them, so escape."""
    return safe.html_text(value, 80)


def stacked_counts(frame: pd.DataFrame, title: str, colours: dict[str, str]) -> go.Figure:
    """Bars per period stacked by value (frame: period, value, n)."""
    fig = go.Figure()
    for value, part in frame.groupby("value", sort=True):
        fig.add_bar(x=part["period"], y=part["n"], name=label(value), marker_color=colours.get(str(value)))
    return _layout(fig, title, barmode="stack", yaxis_title="findings")


def risk_components(series: pd.DataFrame, title: str) -> go.Figure:
    """The pair's score as a line over its components as stacked bars (relief below zero)."""
    fig = go.Figure()
    for component, colour in theme.COMPONENT_COLOURS.items():
        if component in series and series[component].abs().sum() > 0:
            fig.add_bar(x=series["period"], y=series[component], name=component.replace("_", " "),
                        marker_color=colour)
    fig.add_scatter(x=series["period"], y=series["score"], name="score", mode="lines+markers",
                    line={"color": "black", "width": 2})
    return _layout(fig, title, barmode="relative", yaxis_title="risk points (0–100)")


def event_timeline(events: pd.DataFrame, title: str) -> go.Figure:
    """One marker per finding, a row per kind; hover shows the evidence sentence; customdata = article id."""
    fig = go.Figure()
    for kind, part in events.groupby("kind", sort=True):
        colour, symbol = theme.EVENT_STYLE.get(str(kind), theme.DEFAULT_EVENT_STYLE)
        fig.add_scatter(
            x=part["published"], y=[label(kind)] * len(part), mode="markers", name=label(kind),
            marker={"color": colour, "symbol": symbol, "size": 12},
            customdata=part[["article_id", "finding_id"]].to_numpy(),
            hovertext=[safe_hover(e) for e in part["evidence"]], hovertemplate="%{x|%Y-%m-%d}<br>%{hovertext}<extra></extra>")
    return _layout(fig, title, clickmode="event+select", yaxis_title=None)


def deal_lifecycle(deals: pd.DataFrame, title: str) -> go.Figure:
    """Each deal stage as a segment from first to last report, one row per system and parties."""
    fig = go.Figure()
    deals = deals.assign(row=[label(f"{s} ({b} ← {p})") for s, b, p in
                              zip(deals["system"], deals["buyer"], deals["supplier"])])
    for stage, part in deals.groupby("stage", sort=False):
        colour = theme.STAGE_COLOURS.get(str(stage), "#7f7f7f")
        xs, ys = [], []
        for row in part.itertuples(index=False):
            xs += [row.first_seen, row.last_seen, None]
            ys += [row.row, row.row, None]
        fig.add_scatter(x=xs, y=ys, mode="lines+markers", name=label(stage),
                        line={"color": colour, "width": 10}, marker={"size": 12, "color": colour})
    return _layout(fig, title, height=max(220, 60 + 40 * deals["row"].nunique()))


def positions_over_time(frame: pd.DataFrame, title: str, names: dict[str, str]) -> go.Figure:
    """Statements per period by speaker country (bar groups) and stance (colour)."""
    fig = go.Figure()
    for (speaker, stance), part in frame.groupby(["speaker_country", "stance"], sort=True):
        fig.add_bar(x=part["period"], y=part["n"], name=label(f"{names.get(speaker, speaker)} · {stance}"),
                    marker_color=theme.STANCE_COLOURS.get(str(stance)), offsetgroup=str(speaker))
    return _layout(fig, title, barmode="stack", yaxis_title="statements")


def heatmap(matrix: pd.DataFrame, title: str, names: dict[str, str]) -> go.Figure:
    """Scores of countries (rows) x counterparts (columns); invisible markers make cells clickable."""
    rows = [label(names.get(c, c)) for c in matrix.index]
    cols = [label(names.get(c, c)) for c in matrix.columns]
    fig = go.Figure(go.Heatmap(z=matrix.to_numpy(), x=cols, y=rows, colorscale=theme.HEATMAP_SCALE, zmin=0,
                               zmax=100, hovertemplate="%{y} – %{x}: %{z:.0f}<extra></extra>"))
    cells = [(r, c, code_r, code_c) for r, code_r in zip(rows, matrix.index) for c, code_c in zip(cols, matrix.columns)
             if pd.notna(matrix.loc[code_r, code_c])]
    if cells:
        fig.add_scatter(x=[c[1] for c in cells], y=[c[0] for c in cells], mode="markers", showlegend=False,
                        marker={"size": 18, "opacity": 0.01, "color": "black"},
                        customdata=[[c[2], c[3]] for c in cells], hoverinfo="skip")
    return _layout(fig, title, height=max(300, 120 + 28 * len(rows)), dates=False, clickmode="event+select",
                   yaxis={"autorange": "reversed"})
