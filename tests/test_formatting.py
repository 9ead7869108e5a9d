import pandas as pd
import pytest

from usascp.formatting import NOT_DISCLOSED, format_count, format_usd


@pytest.mark.parametrize(
    "amount, text",
    [(98750, "$98,750"), (300000, "$300,000"), (1_000_000, "$1.0M"), (4_398_750, "$4.4M"), (2_500_000_000, "$2.5B"), (0, "$0")],
)
def test_usd_is_written_for_people(amount, text):
    assert format_usd(amount) == text


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_unknown_amount_reads_not_disclosed_never_zero(missing):
    assert format_usd(missing) == NOT_DISCLOSED == "not disclosed"


def test_counts_keep_lower_bounds_and_approximations_visible():
    assert format_count(108750) == "108,750"
    assert format_count(100000, is_lower_bound=True) == "100,000+"
    assert format_count(30, is_approximate=True) == "~30"
    assert format_count(3.3, is_approximate=True) == "~3.3"
    assert format_count(320, is_lower_bound=True, is_approximate=True) == "320+"
    assert format_count(None) == NOT_DISCLOSED


@pytest.mark.parametrize("number", [float("inf"), float("-inf"), 1e309])
def test_a_number_that_is_not_finite_is_said_so_never_an_error(number):
    """A second line of defence: validation refuses such numbers, but a page must never crash on one."""
    assert format_usd(number) == "not a finite amount"
    assert format_count(number) == format_count(number, is_lower_bound=True) == "not a finite number"


def test_plural():
    from usascp.formatting import plural

    assert plural(1, "project") == "1 project"
    assert plural(15, "project") == "15 projects"
    assert plural(2, "city", "cities") == "2 cities"


def test_text_from_the_data_cannot_become_markdown_or_html():
    from usascp.formatting import markdown_text

    hostile = "- <img src=x onerror=alert(1)> ![t](http://evil.example/t.png) **b** :material/home: $x$"
    shown = markdown_text(hostile)
    for syntax in ("<img", "![", "](", "**", ":material/", "$x$"):
        assert syntax not in shown
    assert not shown.startswith("- ")
    assert as_read(shown) == hostile  # and a person reads exactly the original text
    assert markdown_text("Water Smart Engagements (WiSE), 2019-2024") == "Water Smart Engagements &#40;WiSE&#41;, 2019-2024"


# --- Text and links from the data, in markdown and HTML ------------------------------------------

# What a hostile cell, query value or file name tries: each would restyle the page, draw a form,
# load a picture or link away if it reached Streamlit's markdown as syntax.
MARKUP_PAYLOADS = [
    "[Sign in to continue](https://evil.example/login)",
    "![x](http://evil.example/b.png)",
    ":red[**RED ALERT**]",
    "$$\\frac{1}{2}$$",
    "<style>body{background:url(http://evil.example/x)}</style>",
    "<form action=https://evil.example><input name=password><button>Sign in</button></form>",
    '"><script>alert(1)</script>',
    "- list item\n1. numbered\n# heading\nunderlined\n===",
]
# Streamlit links and draws these after decoding character references (checked in Chromium).
TEXT_STREAMLIT_TURNS_INTO_LINKS = ["https://evil.example/login", "www.evil.example", "bob@evil.example", ":streamlit:"]


def as_read(shown: str) -> str:
    """What a person reads: character references decoded, the invisible word joiners left out."""
    import html

    from usascp.formatting import WORD_JOINER

    return html.unescape(shown).replace(WORD_JOINER, "")


@pytest.mark.parametrize("payload", MARKUP_PAYLOADS + TEXT_STREAMLIT_TURNS_INTO_LINKS)
def test_markup_in_the_data_is_shown_as_text(payload):
    from usascp.formatting import markdown_text

    shown = markdown_text(payload)
    for syntax in ("](", "![", ":red[", "**", "$$", "\\frac", "<style", "<form", "<input", "<button", "<script", '">'):
        assert syntax not in shown, (payload, shown)
    assert not any(line.startswith(("- ", "1.", "# ", "===")) for line in shown.splitlines())
    assert as_read(shown) == payload


@pytest.mark.parametrize("payload", TEXT_STREAMLIT_TURNS_INTO_LINKS)
def test_addresses_in_the_data_are_not_turned_into_links(payload):
    """Streamlit's own patterns for web addresses, e-mail addresses and its logo find nothing in what is written."""
    import html
    import re

    from usascp.formatting import markdown_text

    decoded = html.unescape(markdown_text(payload))  # Streamlit matches the decoded text
    assert not re.search(r"(?i)(https?://|www(?=\.))[-.\w]+", decoded)
    assert not re.search(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", decoded)
    assert not re.search(r":streamlit:|:material_\w+:|:[\w+-]+:", decoded)


HOSTILE_URLS = [
    "https://a.example/)<style>body{background:url(http://evil.example/x)}</style>",
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/x",
    "evil.example",
    "https://",
    "https://a.example/ spaced",
    'https://a.example/"onmouseover="alert(1)',
    "https://a.example/'x",
    "https://a.example/<b>",
    "https://a.example/\\evil",
    "https://a.example/\x00",
    "https://a.example/x\n",
    "https://a.example/\u202egnp.exe",
    "https://trusted.example@evil.example/",
    "https://a.example/x)](https://evil.example",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_addresses_are_not_safe_urls(url):
    from usascp.formatting import safe_url

    assert safe_url(url) is None


@pytest.mark.parametrize(
    "url, linked",
    [
        ("https://phnompenhpost.com/national/paper-out-digital-20-hospitals", None),
        ("http://moc.gov.vn/en/news/63469/asean-smart-cities-network-annual-meeting.aspx", None),
        ("https://d-portal.org/ctrack.html#view=act&aid=XM-TEST-1", None),
        ("https://example.org:8443/report?id=7", None),
        ("http://[2001:db8::1]/x", None),
        ("https://example.org/caf%C3%A9", None),
        ("https://example.org/café/{id}|x", "https://example.org/caf%C3%A9/%7Bid%7D%7Cx"),
        ("https://example.org/100%/a[1]", "https://example.org/100%25/a%5B1%5D"),
    ],
)
def test_ordinary_addresses_are_kept_and_percent_encoded(url, linked):
    from usascp.formatting import safe_url

    assert safe_url(url) == (linked or url)


def test_a_link_shows_its_text_as_text_and_points_where_its_address_says():
    from usascp.formatting import markdown_link

    assert markdown_link("The Phnom Penh Post", "https://phnompenhpost.com/national/x") == (
        "[The Phnom Penh Post](https://phnompenhpost.com/national/x)"
    )
    assert markdown_link("[x](http://evil.example) **b**", "https://example.org/a?b=1&copy=2") == (
        "[&#91;x&#93;&#40;http&#58;&#8288;//evil.example&#41; &#42;&#42;b&#42;&#42;](https://example.org/a?b=1&amp;copy=2)"
    )


def test_a_line_break_in_a_link_text_does_not_break_the_link():
    from usascp.formatting import markdown_link

    assert markdown_link("Phnom Penh\n\nPost", "https://phnompenhpost.com/") == "[Phnom Penh Post](https://phnompenhpost.com/)"


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_link_with_a_hostile_address_is_plain_text(url):
    from usascp.formatting import markdown_link

    shown = markdown_link("U.S. Embassy", url)
    assert shown == "U.S. Embassy"


def test_plotly_text_shows_tags_as_text():
    from usascp.formatting import plotly_text

    assert (
        plotly_text('<a href="https://evil.example">x</a> & <b>')
        == '&lt;a href="https://evil.example"&gt;x&lt;/a&gt; &amp; &lt;b&gt;'
    )


def test_counts_worded_together_read_as_each_worded_alone():
    import numpy as np

    from usascp.formatting import format_counts

    values = pd.array([108750, 0.0, -0.0, None, 2.5, 108750, float("nan"), 1e18, -3, 108750], dtype="Float64")
    lower = [False, True, False, False, True, True, False, False, False, False]
    about = np.array([True, False, False, True, False, False, True, False, True, True])
    expected = [format_count(v, lb, ap) for v, lb, ap in zip(values, lower, about)]
    assert format_counts(values, lower, about) == expected
    assert format_counts([-0.0, 0.0], [False, False], [False, False]) == [format_count(-0.0), format_count(0.0)]
    assert format_counts(pd.Series([1.0, 1.0]), pd.Series([True, False]), pd.Series([False, False])) == ["1+", "1"]
