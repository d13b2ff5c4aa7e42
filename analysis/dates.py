"""Publication dates from the many ways feeds write them.

A date that cannot be read is a reject with the value shown, never today's
date: an analyst's timeline must not invent when something was reported.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pandas as pd

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A value must look like it carries a year before the lenient parser may read it,
# so words like "May" or "yesterday" are refused instead of becoming this year.
HAS_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$")


def parse_one(value: object) -> pd.Timestamp | None:
    """The calendar day a value names (local wall date for zoned timestamps), or None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        stamp = pd.Timestamp(value)
    elif isinstance(value, date):
        stamp = pd.Timestamp(value)
    else:
        text = str(value).strip()
        if not text or not HAS_YEAR.search(text):
            return None
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, OverflowError):
            try:
                stamp = pd.to_datetime(text, format="mixed")
            except (ValueError, OverflowError):
                return None
    if stamp is pd.NaT or pd.isna(stamp):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def parse_dates(values: pd.Series, min_year: int = 1900,
                today: date | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates -> (days, implausible).

    ``days`` is NaT where a value cannot be read or lies outside ``min_year`` ..
    tomorrow (feeds run ahead by a time zone); ``implausible`` marks the latter so
    the reject can say which. Plain ISO days are parsed vectorised, the rest one by one.
    """
    latest = pd.Timestamp(today or date.today()) + timedelta(days=1)
    text = values.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    implausible = pd.Series(False, index=values.index)
    iso = text.str.match(ISO_DAY.pattern).fillna(False).astype(bool)
    years = pd.to_numeric(text[iso].str.slice(0, 4), errors="coerce")
    implausible[years.index[(years < min_year) | (years > latest.year)]] = True
    iso &= ~implausible
    out[iso] = pd.to_datetime(text[iso], format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
    for idx in values.index[(~iso | out.isna()) & ~implausible]:
        stamp = parse_one(values[idx])
        if stamp is None:
            continue
        if stamp.year < min_year or stamp > latest:
            implausible[idx] = True
        else:
            out[idx] = stamp.as_unit("ns")
    late = out > latest
    early = out.dt.year < min_year
    implausible |= (late | early).fillna(False).astype(bool)
    out[late | early] = pd.NaT
    return out, implausible
