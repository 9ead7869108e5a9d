import datetime as dt

import pytest

from usascp.dates import earliest_day, format_day, format_partial_date, is_partial_date, latest_day, parse_partial_date, year_of


@pytest.mark.parametrize(
    "text, parts", [("2020", (2020, None, None)), ("2020-10", (2020, 10, None)), ("2024-02-29", (2024, 2, 29))]
)
def test_parse_partial_date_keeps_only_the_parts_given(text, parts):
    assert parse_partial_date(text) == parts


@pytest.mark.parametrize("text", ["2020-13", "2023-02-29", "20-10-2020", "Oct 2020", "2020/10", "", "2020-1", None, 2020])
def test_malformed_or_impossible_dates_are_not_dates(text):
    assert not is_partial_date(text)


def test_bounds_cover_the_whole_period_the_text_can_mean():
    assert earliest_day("2020") == dt.date(2020, 1, 1)
    assert latest_day("2020") == dt.date(2020, 12, 31)
    assert latest_day("2024-02") == dt.date(2024, 2, 29)
    assert earliest_day("2022-10-03") == latest_day("2022-10-03") == dt.date(2022, 10, 3)


def test_dates_are_formatted_for_people_at_their_own_precision():
    assert format_partial_date("2020") == "2020"
    assert format_partial_date("2020-10") == "Oct 2020"
    assert format_partial_date("2024-10-28") == "28 Oct 2024"
    assert format_partial_date(None) == "date not published"
    assert format_partial_date(None, missing="") == ""
    assert format_day(dt.date(2026, 12, 1)) == "1 Dec 2026"  # a calendar day the same way: no leading zero


def test_year_of_reads_the_year_or_gives_none():
    assert year_of("2022-12") == 2022
    assert year_of(None) is None
    assert year_of("soon") is None
