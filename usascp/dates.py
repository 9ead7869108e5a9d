"""Partial dates ("2020", "2020-10", "2020-10-05"): public sources often give only a year or a month."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# In English whatever the server's locale (calendar.month_abbr follows LC_TIME, and asks strftime on every lookup).
MONTH_ABBREVIATIONS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.lru_cache(maxsize=65_536)  # a big table repeats the same few thousand dates
def parse_partial_date(text: str) -> tuple[int, int | None, int | None] | None:
    """Return (year, month, day) with None for the parts the text leaves out, or None if it is not a date."""
    match = _PARTIAL_DATE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return year, month, day


def is_partial_date(text: str) -> bool:
    return parse_partial_date(text) is not None


def earliest_day(text: str) -> dt.date:
    """The first day the partial date can mean: "2020" -> 2020-01-01."""
    year, month, day = parse_partial_date(text)
    return dt.date(year, month or 1, day or 1)


def latest_day(text: str) -> dt.date:
    """The last day the partial date can mean: "2020-02" -> 2020-02-29."""
    year, month, day = parse_partial_date(text)
    month = month or 12
    return dt.date(year, month, day or calendar.monthrange(year, month)[1])


@functools.lru_cache(maxsize=65_536)  # tables word the same few thousand dates on every rerun
def format_partial_date(text: str | None, missing: str = "date not published") -> str:
    """People-friendly: "2020" -> "2020", "2020-10" -> "Oct 2020", "2020-10-05" -> "5 Oct 2020".

    `missing` is what to show for no date (tables use an empty cell).
    """
    parsed = parse_partial_date(text) if isinstance(text, str) else None
    if parsed is None:
        return missing
    year, month, day = parsed
    if month is None:
        return str(year)
    if day is None:
        return f"{MONTH_ABBREVIATIONS[month]} {year}"
    return f"{day} {MONTH_ABBREVIATIONS[month]} {year}"


def format_date_ranges(starts, ends) -> list[str]:
    """ "5 Oct 2020 – Nov 2020" for each pair of partial dates, the end left out when it is missing or the same as
    the start ("date not published" for no start)."""
    return [
        format_date_range(start if isinstance(start, str) else None, end if isinstance(end, str) else None)
        for start, end in zip(starts, ends)
    ]


@functools.lru_cache(maxsize=65_536)  # a table repeats its dates: 2,000 events' dates took 15 ms worded one by one
def format_date_range(start: str | None, end: str | None) -> str:
    """ "5 Oct 2020 – Nov 2020"; the start alone when there is no end, or the same one."""
    return format_partial_date(start) + ("" if end in (None, start) else f" – {format_partial_date(end)}")


def format_day(day: dt.date) -> str:
    """A calendar day written as every date in the dashboard is: 1 Dec 2026, never 01 Dec 2026."""
    return format_partial_date(day.isoformat())


def year_of(text: str | None) -> int | None:
    parsed = parse_partial_date(text) if isinstance(text, str) else None
    return parsed[0] if parsed else None


def latest_ordinals(texts):
    """latest_day(text).toordinal() for a column of partial dates (a pandas Series), -1 where empty.

    Each distinct text is parsed once: a big table repeats the same few thousand dates.
    """
    import pandas as pd  # here, so the date helpers stay importable without pandas

    texts = pd.Series(texts)
    days = {text: latest_day(text).toordinal() for text in texts.dropna().unique()}
    return texts.map(days).fillna(-1).astype("int64")


def fiscal_year_of(text: str | None) -> int | None:
    """The U.S. fiscal year a partial date falls in ("2023-10-05" -> 2024), or None when it cannot be told.

    Fiscal year N runs from 1 October of year N-1 to 30 September of year N, so a date with only its year
    ("2023") may fall in either of two fiscal years: it is not placed rather than guessed.
    """
    parsed = parse_partial_date(text) if isinstance(text, str) else None
    if parsed is None or parsed[1] is None:
        return None
    year, month, _ = parsed
    return year + 1 if month >= 10 else year


def fiscal_year_start(year: int) -> dt.date:
    """The first day of U.S. fiscal year `year`: FY2024 starts on 1 October 2023."""
    return dt.date(int(year) - 1, 10, 1)
