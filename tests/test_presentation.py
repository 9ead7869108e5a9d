"""The presenter slides: the same numbers as the pages, for the current filters, each with its sources."""

import datetime as dt

import pytest

from usascp.filters import Filters
from usascp.presentation import SLIDE_KEYS, build_slides

TODAY = dt.date(2026, 11, 25)


def stats_of(slide) -> dict[str, str]:
    return {stat.label: stat.value for stat in slide.stats}


@pytest.fixture(scope="module")
def slides(dataset):
    return {slide.key: slide for slide in build_slides(dataset, Filters(), TODAY)}


@pytest.fixture(scope="module")
def cambodia(dataset):
    return {slide.key: slide for slide in build_slides(dataset, Filters(countries=("KHM",)), TODAY)}


def test_five_slides_in_order(dataset):
    assert [slide.key for slide in build_slides(dataset, Filters(), TODAY)] == list(SLIDE_KEYS)


def test_headline_numbers_match_the_data(slides):
    headline = slides["headline"]
    assert headline.title == "U.S.-ASEAN Smart Cities Partnership"
    assert headline.subtitle.startswith("All USASCP projects · data as of ")
    assert stats_of(headline) == {
        "Member cities": "31",
        "USASCP projects": "19",
        "Disclosed funding": "$4.4M",
        "Records digitized": "108,750",
        "Professionals trained": "867",
        "People served": "21 million+",  # 21,000,000+ on the pages; words fit a slide
    }
    assert headline.lines[0] == "15 of 19 projects publish no amount: counted as not disclosed, never as zero."
    assert "over $10.0M since 2018 (as of Dec 2023)" in headline.lines[1]
    urls = {source.url for source in headline.sources}
    assert "https://phnompenhpost.com/national/paper-out-digital-20-hospitals" in urls


def test_headline_follows_a_country_filter(cambodia):
    headline = cambodia["headline"]
    assert headline.subtitle.startswith("Cambodia · ")
    assert stats_of(headline) == {
        "Member cities": "4",
        "USASCP projects": "2",
        "Disclosed funding": "$98,750",
        "Records digitized": "108,750",
        "Professionals trained": "867",
    }
    assert headline.lines == ("1 of 2 projects publishes no amount: counted as not disclosed, never as zero.",)


def test_map_slide_lists_busiest_cities_and_the_projects_it_cannot_place(slides, cambodia):
    assert slides["map"].subtitle == "31 ASEAN Smart Cities Network member cities · projects in 11 of them"
    assert slides["map"].lines[0] == "Vientiane, Laos: 3 projects"
    assert slides["map"].lines[-1].startswith("15 projects name no single city")
    assert len(slides["map"].table) == 31
    assert set(cambodia["map"].table["city"]) == {"Phnom Penh", "Siem Reap", "Battambang", "Sihanoukville"}
    assert cambodia["map"].lines == (
        "Phnom Penh, Cambodia: 2 projects",
        "Battambang, Cambodia: 1 project",
        "Siem Reap, Cambodia: 1 project",
    )


def test_funding_slide_keeps_unknown_amounts_apart(slides, dataset):
    funding = slides["funding"]
    assert funding.subtitle == "$4.4M disclosed, published for 4 of 19 projects"
    assert stats_of(funding) == {"Disclosed funding": "$4.4M", "Amount not disclosed": "15 projects"}
    by_sector = funding.table.set_index("sector")
    assert by_sector.loc["Innovation funds", "disclosed_usd"] == 4_000_000
    assert by_sector.loc["Health", "disclosed_usd"] == 98_750
    assert by_sector["projects_not_disclosed"].sum() == 15


def test_funding_slide_when_nothing_is_published(dataset):
    funding = build_slides(dataset, Filters(countries=("SGP",)), TODAY)[2]
    assert funding.subtitle == "None of the 2 projects publishes an amount"
    assert stats_of(funding)["Disclosed funding"] == "not disclosed"


def test_results_slide_names_each_result_once_with_its_date(slides, cambodia):
    assert list(stats_of(slides["impact"])) == [
        "Records digitized",
        "Professionals trained",
        "Hospitals and clinics onboarded",
        "People served",
    ]
    # Two projects behind the numbers: each is named once, in full, in a line; under each number only its date.
    assert [stat.detail for stat in slides["impact"].stats] == ["as of Mar 2022"] * 3 + ["as of 17 Sep 2024"]
    assert slides["impact"].lines[:2] == (
        "Records digitized, professionals trained, hospitals and clinics onboarded: reported by "
        "Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare.",
        f"{slides['impact'].stats[3].label}: reported by Water Smart Engagements (WiSE).",
    )
    assert not any("…" in text for stat in slides["impact"].stats for text in (stat.label, stat.value, stat.detail))
    # One project behind every number: it is named once, in a line, not under each number.
    assert [stat.detail for stat in cambodia["impact"].stats] == ["as of Mar 2022"] * 3
    assert cambodia["impact"].lines[0] == (
        "All by: Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare."
    )


def test_events_slide_says_when_nothing_is_upcoming(slides, dataset):
    events = slides["events"]
    assert events.title == "Recent events"
    assert events.subtitle == "No upcoming events are published as of 25 Nov 2026; the most recent:"
    # The day is written as every other date is ("8 Sep 2025"), never "01 Dec 2026".
    first_of_december = {slide.key: slide for slide in build_slides(dataset, Filters(), dt.date(2026, 12, 1))}["events"]
    assert first_of_december.subtitle == "No upcoming events are published as of 1 Dec 2026; the most recent:"
    assert events.table["event"].tolist()[0] == "8th ASCN annual meeting (ASCN8)"
    assert len(events.table) == 4
    earlier = {slide.key: slide for slide in build_slides(dataset, Filters(), dt.date(2025, 1, 1))}["events"]
    assert earlier.title == "Coming up"
    assert "8th ASCN annual meeting (ASCN8)" in set(earlier.table["event"])


def test_every_slide_that_states_a_figure_names_a_source(slides):
    for key in ("headline", "funding", "impact", "events"):
        assert slides[key].sources, key
        assert all(source.url.startswith("http") for source in slides[key].sources)


def test_one_slide_can_be_built_alone(dataset, slides):
    (alone,) = build_slides(dataset, Filters(), TODAY, keys=("funding",))
    assert alone == slides["funding"]
