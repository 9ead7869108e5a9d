"""What people type into spreadsheets, read the way they meant it, or refused with the reason it is ambiguous.

Each reader takes the text of one cell that the strict form (1234.5, 2021-03-15) did not accept and
returns either the value in the strict form or a `Refusal` saying what is wrong. A reading is only
accepted when a person could mean one thing by it: "$1,250,000" is 1250000, but "1,5" could be one
and a half or fifteen hundred, and "03/04/2021" could be 3 April or 4 March, so both are refused.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from dataclasses import dataclass

from usascp.dates import is_partial_date


@dataclass(frozen=True)
class Refusal:
    reason: str


_US_DOLLAR_MARKS = re.compile(r"^(?:US\s?\$|USD\s?|\$)\s*|\s*(?:USD|US\$)$", re.IGNORECASE)
_OTHER_CURRENCY = re.compile(r"[€£¥₫฿₱₹₩]|\b(?:EUR|GBP|JPY|VND|THB|PHP|IDR|MYR|SGD|KHR|LAK|MMK|BND|AUD|RM|Rp)\b", re.IGNORECASE)
_COMMA_GROUPS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_SPACE_GROUPS = re.compile(r"^-?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:\.\d+)?$")
_DOT_GROUPS = re.compile(r"^-?\d{1,3}(?:\.\d{3}){2,}$")  # 1.000.000: two dots cannot be a decimal point
_PLAIN = re.compile(r"^-?\d+(?:\.\d+)?$")
_AMBIGUOUS_SEPARATOR = re.compile(r"^-?\d+[.,]\d+$|^-?\d{1,3}(?:\.\d{3})+,\d+$")
# What a program writes for a missing or infinite number (pandas, Excel exports, JavaScript).
_NOT_A_VALUE = re.compile(r"^[+-]?(?:nan|inf|infinity|#num!|#div/0!)$", re.IGNORECASE)
NOT_A_VALUE_RULE = "a finite number, written in digits (nan and inf are not values)"
_WORD_AMOUNT = re.compile(r"^\d+(?:\.\d+)?\s*(?:k|m|mn|bn|thousand|million|billion)$", re.IGNORECASE)


def read_number(text: str) -> float | Refusal:
    """A number as a person wrote it: "$1,250,000", "1 250 000", "USD 98750" are accepted; never an infinite one."""
    cleaned = _US_DOLLAR_MARKS.sub("", text.strip()).strip()
    if _NOT_A_VALUE.match(cleaned):
        return Refusal(NOT_A_VALUE_RULE)
    number = _read_number(cleaned)
    # 400 digits are a float too large to hold: infinity, which no total may take in.
    return number if isinstance(number, Refusal) or math.isfinite(number) else Refusal(NOT_A_VALUE_RULE)


def _read_number(cleaned: str) -> float | Refusal:
    if _OTHER_CURRENCY.search(cleaned):
        return Refusal("an amount in US dollars (this looks like another currency: convert it first and say so in the note)")
    for pattern, separator in ((_COMMA_GROUPS, ","), (_SPACE_GROUPS, None), (_DOT_GROUPS, ".")):
        if pattern.match(cleaned):
            digits = re.sub(r"[ \u00a0\u202f]", "", cleaned) if separator is None else cleaned.replace(separator, "")
            return float(digits)
    if _PLAIN.match(cleaned):
        return float(cleaned)
    if _AMBIGUOUS_SEPARATOR.match(cleaned):
        return Refusal(
            "a number written one way only: the comma or dot here could separate thousands or decimals "
            "(write 1500 or 1.5, without thousands separators)"
        )
    if _WORD_AMOUNT.match(cleaned):
        return Refusal("the full number (write 1200000, not 1.2M or 1.2 million)")
    if re.fullmatch(r"[\d,. ]*[oO][\d,.oO ]*", cleaned):
        return Refusal("a number (is there a letter O where a zero should be?)")
    return Refusal("a number (write 1234.5, without currency signs or thousands separators)")


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})(?:[/.](\d{1,2}))?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_MONTH_NAME_YEAR = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")
_DAY_MONTH_NAME_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_NAME_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_DATE_FORM = "a date written YYYY, YYYY-MM or YYYY-MM-DD"


def _iso(year: int, month: int | None, day: int | None) -> str | Refusal:
    try:
        if day is not None:
            return dt.date(year, month, day).isoformat()
        if month is not None:
            return dt.date(year, month, 1).isoformat()[:7]
    except ValueError:
        return Refusal(f"a real calendar date ({_DATE_FORM})")
    return f"{year:04d}"


def read_date(text: str) -> str | Refusal:
    """A date as a person wrote it, as YYYY, YYYY-MM or YYYY-MM-DD: "2021/03/15", "15/03/2021", "March 2021"."""
    text = text.strip()
    if is_partial_date(text):
        return text
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", text):
        return _iso(int(text[:4]), int(text[5:7]), int(text[8:10]))  # a spreadsheet's date and time
    if match := _YEAR_FIRST.match(text):
        year, month, day = match.groups()
        return _iso(int(year), int(month), int(day) if day else None)
    if match := _DAY_MONTH_YEAR.match(text):
        first, second, year = (int(part) for part in match.groups())
        if first > 12 and second <= 12:
            return _iso(year, second, first)  # 15/03/2021: day first
        if second > 12 and first <= 12:
            return _iso(year, first, second)  # 03/15/2021: month first
        if first == second:
            return _iso(year, first, second)
        return Refusal(
            f"a date that can be read only one way ({first} {calendar.month_name[second]} or "
            f"{calendar.month_name[first]} {second}? write {year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d})"
        )
    for pattern, order in ((_MONTH_NAME_YEAR, "my"), (_DAY_MONTH_NAME_YEAR, "dmy"), (_MONTH_NAME_DAY_YEAR, "mdy")):
        if match := pattern.match(text):
            parts = dict(zip(order, match.groups()))
            month = _MONTHS.get(parts["m"].lower())
            if month is None:
                break
            return _iso(int(parts["y"]), month, int(parts["d"]) if "d" in parts else None)
    return Refusal(_DATE_FORM)
