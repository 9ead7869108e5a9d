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
    import html

    from usascp.formatting import markdown_text

    hostile = "- <img src=x onerror=alert(1)> ![t](http://evil.example/t.png) **b** :material/home: $x$"
    shown = markdown_text(hostile)
    for syntax in ("<img", "![", "](", "**", ":material/", "$x$"):
        assert syntax not in shown
    assert not shown.startswith("- ")
    assert html.unescape(shown) == hostile  # and a person reads exactly the original text
    assert markdown_text("Water Smart Engagements (WiSE), 2019-2024") == "Water Smart Engagements &#40;WiSE&#41;, 2019-2024"
