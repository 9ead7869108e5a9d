"""Numbers and labels written for people: "$4.4M", "108,750", "100,000+", "Oct 2020"."""

from __future__ import annotations

import html
import math
import re
import urllib.parse

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
    if amount < 0:  # a de-obligation, or de-obligations outweighing obligations: "-$2,500", never "$-2,500"
        return "-" + format_usd(-amount)
    if amount >= 1e9:
        return f"${amount / 1e9:.1f}B"
    if amount >= 1e6:
        return f"${amount / 1e6:.1f}M"
    return f"${amount:,.0f}"


def format_usd_short(amount) -> str:
    """A bar's label, where two bars share little room: "$99k" below a million (the k of plotly's axis ticks), as
    format_usd above (the hover says it exactly)."""
    if amount is None or pd.isna(amount) or not math.isfinite(float(amount)):
        return format_usd(amount)
    amount = float(amount)
    if amount < 0:
        return "-" + format_usd_short(-amount)
    return f"${amount / 1e3:,.0f}k" if 10_000 <= amount < 1e6 else format_usd(amount)


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


def format_counts(values, lower_bounds, approximates) -> list[str]:
    """[format_count(v, lb, ap) for v, lb, ap in zip(...)], each distinct figure worded once: a table of 2,000 figures
    repeats most of them, and wording each took 3 ms of the Impact page. A zero is worded every time (-0.0 equals
    0.0 as a key, and reads "-0")."""
    worded: dict = {}
    texts = []
    as_list = lambda column: column.tolist() if hasattr(column, "tolist") else list(column)  # noqa: E731  (quicker to walk)
    for value, lower, approximate in zip(as_list(values), as_list(lower_bounds), as_list(approximates)):
        if isinstance(value, float) and value == 0.0:
            texts.append(format_count(value, lower, approximate))
            continue
        key = (value, lower, approximate)
        text = worded.get(key)
        if text is None:
            text = worded[key] = format_count(value, lower, approximate)
        texts.append(text)
    return texts


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """ "1 project", "2 projects"."""
    return f"{count:,} {word if count == 1 else plural_word or word + 's'}"


# Characters Streamlit's markdown gives a meaning to (links, images, emphasis, headings, icons, maths).
_MARKDOWN_ENTITIES = {char: f"&#{ord(char)};" for char in "\\`*_{}[]()#!|~:$"}
# "- item", "+ item" and "1. item" start lists; a line of "=" under a line makes it a heading.
_LIST_START = re.compile(r"^(\s*)([-+=]|\d+(?=\.))", re.MULTILINE)

# Streamlit turns some plain text into links and pictures *after* decoding character references, so no
# escape stops it: "https://host", "www.host" and "name@host" become links, ":streamlit:" and
# ":material_home:" pictures, ":smile:" an emoji. An invisible word joiner (U+2060) inside each keeps the
# text as a person reads it and breaks the pattern. Checked in Chromium against Streamlit 1.67.
WORD_JOINER = "\u2060"
_TEXT_TURNED_INTO_LINKS = re.compile(
    r"(?i:https?:)(?=//)"  # a web address: "https:" + joiner + "//host"
    r"|(?i:www)(?=\.)"  # "www" + joiner + ".host"
    r"|@"  # an e-mail address: "name@" + joiner + "host"
    r"|:(?=[\w+-]+:)"  # a short code such as ":streamlit:" or ":smile:": ":" + joiner + "streamlit:"
)


def markdown_text(text) -> str:
    """Text from the data, shown as itself in Streamlit markdown: no links, images, emphasis, icons or HTML.

    Written as character references, which markdown shows as the characters and never reads as syntax;
    safe inside markdown that allows HTML too. The one way data, query values and user input enter any
    st.markdown, caption, alert, label or help text; links go through markdown_link.
    """
    joined = _TEXT_TURNED_INTO_LINKS.sub(lambda match: match.group(0) + WORD_JOINER, str(text))
    escaped = "".join(_MARKDOWN_ENTITIES.get(char, char) for char in html.escape(joined, quote=False))
    escaped = escaped.replace(WORD_JOINER, f"&#{ord(WORD_JOINER)};")  # visible in the source, invisible on the page
    return _LIST_START.sub(lambda match: match.group(1) + "".join(f"&#{ord(char)};" for char in match.group(2)), escaped)


# A web address the dashboard will link to: http or https, a host name (or an IPv6 address in brackets),
# an optional port, then a path, query or fragment with none of the characters that can end a markdown
# link or an HTML attribute, or hide in plain sight: whitespace, quotes, brackets ( ) < >, backslashes,
# control and invisible formatting characters. No "user@" before the host: "https://trusted.example@evil.example"
# goes to evil.example. The one definition: usascp.schema checks every url column with it.
WEB_ADDRESS = re.compile(
    r"\Ahttps?://"
    r"(?:[\w-]+(?:\.[\w-]+)*\.?|\[[0-9A-Fa-f:.]+\])"  # host
    r"(?::\d{1,5})?"  # port
    r"(?:[/?#][^\s\"'`<>()\\\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]*)?"
    r"\Z"
)
WEB_ADDRESS_RULE = (
    "a web address: http:// or https://, then a host name, with no spaces, quotes, brackets ( ) < >, "
    "backslashes or control characters (write a space as %20, ( as %28 and ) as %29)"
)
# Characters left as they are in a checked address; others (non-ASCII letters, { } | ^ [ ] after the host)
# are percent-encoded, as a browser would send them.
_URL_SAFE = "/?#@!$&*+,;=:~%"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def safe_url(url) -> str | None:
    """`url` ready to link to, percent-encoded, if it passes WEB_ADDRESS; None for anything else.

    None for javascript:, data:, relative and scheme-less addresses, and for any address that could
    break out of a markdown link or an HTML attribute.
    """
    if not isinstance(url, str) or not WEB_ADDRESS.match(url):
        return None
    scheme, rest = url.split("://", 1)
    host_end = min((rest.find(char) for char in "/?#" if char in rest), default=len(rest))
    host = urllib.parse.quote(rest[:host_end], safe="[]:")
    tail = urllib.parse.quote(_LONE_PERCENT.sub("%25", rest[host_end:]), safe=_URL_SAFE)
    return f"{scheme}://{host}{tail}"


def markdown_link(text, url) -> str:
    """A markdown link showing `text` as itself; just the text when `url` is not a safe web address."""
    address = safe_url(url)
    if address is None:
        return markdown_text(text)
    label = " ".join(str(text).split())  # a blank line in the text would end the paragraph, and the link with it
    # Markdown decodes character references in a link's address too ("&copy=1" would become "©=1").
    return f"[{markdown_text(label)}]({address.replace('&', '&amp;')})"


def plotly_text(text) -> str:
    """Text from the data for a plotly title, label or hover text, shown as itself.

    Plotly reads a few HTML tags in any text it draws (<a href>, <b>, <br>, <span style>), and decodes
    character references, so escaping <, > and & leaves only the text.
    """
    return html.escape(str(text), quote=False)
