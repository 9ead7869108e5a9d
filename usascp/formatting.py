"""Numbers and labels written for people: "$4.4M", "108,750", "100,000+", "Oct 2020"."""

from __future__ import annotations

import html
import math
import re

import pandas as pd

from usascp.dates import format_partial_date  # noqa: F401  (re-exported: pages format dates from here too)

NOT_DISCLOSED = "not disclosed"
# Validation refuses infinite numbers (schema.LARGEST_AMOUNT); should one reach a page all the same, it is
# named, not hidden and not allowed to stop the page ("$infB", or an OverflowError from round()).
NOT_FINITE_AMOUNT = "not a finite amount"
NOT_FINITE_NUMBER = "not a finite number"


def format_usd(amount) -> str:
    """Whole dollars below a million ("$98,750"), then one decimal in millions or billions ("$4.4M")."""
    if amount is None or pd.isna(amount):
        return NOT_DISCLOSED
    amount = float(amount)
    if not math.isfinite(amount):
        return NOT_FINITE_AMOUNT
    if abs(amount) >= 1e9:
        return f"${amount / 1e9:.1f}B"
    if abs(amount) >= 1e6:
        return f"${amount / 1e6:.1f}M"
    return f"${amount:,.0f}"


def format_disclosed(amount, projects: int) -> str:
    """A disclosed total for `projects` projects: "no projects" when there are none (nothing was withheld), else format_usd."""
    return "no projects" if projects == 0 else format_usd(amount)


def format_count(value, is_lower_bound: bool = False, is_approximate: bool = False) -> str:
    """A count with thousands separators; "+" for a lower bound ("over 800" -> "800+"), "~" for an approximation."""
    if value is None or pd.isna(value):
        return NOT_DISCLOSED
    value = float(value)
    if not math.isfinite(value):
        return NOT_FINITE_NUMBER
    text = f"{value:,.0f}" if math.isclose(value, round(value)) else f"{value:,.1f}"
    if is_approximate and not is_lower_bound:
        text = "~" + text
    if is_lower_bound:
        text += "+"
    return text


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """ "1 project", "2 projects"."""
    return f"{count:,} {word if count == 1 else plural_word or word + 's'}"


# Characters Streamlit's markdown gives a meaning to (links, images, emphasis, headings, icons, maths).
_MARKDOWN_ENTITIES = {char: f"&#{ord(char)};" for char in "\\`*_{}[]()#!|~:$"}
_LIST_START = re.compile(r"^(\s*)([-+]|\d+(?=\.))", re.MULTILINE)  # "- item" and "1. item" start lists


def markdown_text(text) -> str:
    """Text from the data, shown as itself in Streamlit markdown: no links, images, emphasis, icons or HTML.

    Written as character references, which markdown shows as the characters and never reads as syntax;
    safe inside markdown that allows HTML too.
    """
    escaped = "".join(_MARKDOWN_ENTITIES.get(char, char) for char in html.escape(str(text), quote=False))
    return _LIST_START.sub(lambda match: match.group(1) + "".join(f"&#{ord(char)};" for char in match.group(2)), escaped)
