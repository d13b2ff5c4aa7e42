"""Filters, the selected pair and the dataset, kept in the URL so a view can be shared as a link.

A value comes from the widget's session state when the analyst has one (it
survives page switches), else from the URL (a shared link), else a default;
whatever is shown is written back to ``st.query_params``. URL values are
checked against the dataset's own options, so a link cannot select anything
that does not exist.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from analysis.queries import Filters
from views import data, theme

K_PERIOD, K_COUNTRIES = "w_period", "w_countries"
K_COUNTRY, K_COUNTERPART = "w_country", "w_counterpart"
K_SEARCH, K_TABLE = "w_search", "w_table"


def _url(name: str) -> str:
    value = st.query_params.get(name, "")
    return value if isinstance(value, str) else ""


def _url_list(name: str, allowed: list[str]) -> list[str]:
    return [v for v in _url(name).split(",") if v in allowed]


def _url_date(name: str) -> date | None:
    try:
        return date.fromisoformat(_url(name))
    except ValueError:
        return None


def set_url(name: str, value: str | list[str] | None) -> None:
    """Write one parameter (a list is comma-joined); an empty value removes it."""
    text = ",".join(value) if isinstance(value, list) else (value or "")
    if text and st.query_params.get(name) != text:
        st.query_params[name] = text
    elif not text and name in st.query_params:
        del st.query_params[name]


def _seed(key: str, value: object) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def dataset() -> Path:
    """The selected dataset's output folder (URL ``ds``, else session, else the default)."""
    known = data.list_datasets()
    name = _url(theme.P_DATASET) or st.session_state.get(theme.S_DATASET, "")
    if name not in known:
        name = data.default_dataset().name
    st.session_state[theme.S_DATASET] = name
    set_url(theme.P_DATASET, name if name != data.default_dataset().name else None)
    return known.get(name, data.default_dataset())


def common_filters(out_dir: Path) -> Filters:
    """Period and countries, in the sidebar of every page."""
    lo, hi = data.ask(out_dir, "date_bounds")
    opts = data.ask(out_dir, "options")
    if lo is None:
        return Filters()
    start = max(_url_date(theme.P_FROM) or lo, lo)
    end = min(_url_date(theme.P_TO) or hi, hi)
    _seed(K_PERIOD, (start, max(start, end)))
    _seed(K_COUNTRIES, _url_list(theme.P_COUNTRIES, opts["countries"]))
    with st.sidebar:
        period = st.date_input("Period", min_value=lo, max_value=hi, key=K_PERIOD)
        countries = st.multiselect("Countries", opts["countries"], key=K_COUNTRIES, format_func=data.country_name,
                                   help="Keep findings that name any of these countries.")
    start, end = (tuple(period) + (None, None))[:2] if isinstance(period, (tuple, list)) else (period, period)
    end = end or hi
    set_url(theme.P_FROM, start.isoformat() if start and start != lo else None)
    set_url(theme.P_TO, end.isoformat() if end and end != hi else None)
    set_url(theme.P_COUNTRIES, list(countries))
    return Filters(start=start, end=end, countries=tuple(countries))


def explore_filters(out_dir: Path, base: Filters) -> Filters:
    """The Explore page's extra filters (regime, action, stage, system, source, full-text search)."""
    opts = data.ask(out_dir, "options")
    chosen: dict[str, tuple[str, ...]] = {}
    with st.sidebar:
        for field, param in theme.P_EXPLORE.items():
            key = f"w_{field}"
            _seed(key, _url_list(param, opts[field]))
            chosen[field] = tuple(st.multiselect(field.capitalize(), opts[field], key=key))
            set_url(param, list(chosen[field]))
        _seed(K_SEARCH, _url(theme.P_SEARCH))
        search = st.text_input("Search evidence text", key=K_SEARCH, help="Case-insensitive substring.")
    set_url(theme.P_SEARCH, search.strip())
    return Filters(start=base.start, end=base.end, countries=base.countries, search=search.strip(), **chosen)


def pair(out_dir: Path) -> tuple[str, str] | None:
    """The selected (country, counterpart): widgets seeded from the URL, else the default pair."""
    opts = data.ask(out_dir, "options")
    countries = opts["countries"]
    if not countries:
        return None
    pairs = [tuple(p.split("|")) for p in opts["pairs"]]
    fallback = theme.DEFAULT_PAIR if theme.DEFAULT_PAIR in pairs or not pairs else pairs[0]
    saved = st.session_state.get(theme.S_PAIR, ("", ""))
    wanted = (_url(theme.P_COUNTRY) or saved[0], _url(theme.P_COUNTERPART) or saved[1])
    chosen = [w if w in countries else (f if f in countries else countries[0]) for w, f in zip(wanted, fallback)]
    _seed(K_COUNTRY, chosen[0])
    _seed(K_COUNTERPART, chosen[1])
    left, right = st.columns(2)
    country = left.selectbox("Country (exposed)", countries, key=K_COUNTRY, format_func=data.country_name)
    counterpart = right.selectbox("Counterpart (sender)", countries, key=K_COUNTERPART,
                                  format_func=data.country_name)
    st.session_state[theme.S_PAIR] = (country, counterpart)
    set_url(theme.P_COUNTRY, country)
    set_url(theme.P_COUNTERPART, counterpart)
    return country, counterpart


def select_pair(country: str, counterpart: str) -> None:
    """Make a pair the selection (e.g. after a heatmap click) before switching to the pair page."""
    st.session_state[K_COUNTRY] = country
    st.session_state[K_COUNTERPART] = counterpart
    st.session_state[theme.S_PAIR] = (country, counterpart)


def pair_link_params(country: str, counterpart: str) -> dict[str, str]:
    return {theme.P_COUNTRY: country, theme.P_COUNTERPART: counterpart}
