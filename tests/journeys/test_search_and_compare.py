"""Journeys: a person searches from the sidebar and lands where each hit lives; a person compares places and shares the link.

Every step is what a person does: type in the search box and press Enter, click a result, read the
page it opens; choose places in the chooser, read the table, copy the address, open it in another
browser. Values are the shipped data's (data/).
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from journey_options import EVERY_OPTION

SEARCH_BOX = '[data-testid="stSidebar"] input[aria-label="Search"]'


def search_for(person, words: str) -> None:
    """Type `words` in the sidebar's search box, press Enter, and wait for the Search page's results."""
    box = person.wait_for(SEARCH_BOX)
    box.click()
    box.fill(words)
    box.press("Enter")
    person.wait_for_address(f"/search?q={words.replace(' ', '+')}")
    person.settle(0.5)
    person.page.wait_for_function(
        "words => document.querySelector('[data-testid=\"stMain\"]').innerText.includes('matches for “' + words + '”')"
        " || document.querySelector('[data-testid=\"stMain\"]').innerText.includes('1 match for “' + words + '”')",
        arg=words,
        timeout=30_000,
    )


def click_result(person, name: str):
    """Click the search result called `name` at its visible centre, as a mouse would."""
    link = person.page.locator('[data-testid="stMain"] [data-testid="stPageLink"] a').filter(has_text=name).first
    link.scroll_into_view_if_needed()
    box = link.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    hit = person.page.evaluate(
        "([x, y, name]) => { const e = document.elementFromPoint(x, y); return !!e && !!e.closest('a') "
        "&& e.closest('a').innerText.includes(name); }",
        [x, y, name],
    )
    assert hit, f"the result {name!r} is covered at its centre"
    person.page.mouse.click(x, y)


def main_text(person) -> str:
    return person.page.locator('[data-testid="stMain"]').inner_text()


def wait_for_text(person, text: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in main_text(person):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared; the page reads:\n{main_text(person)[:2000]}")
        time.sleep(0.3)


# (words typed, the result clicked, the address it opens, what the page then shows, the chooser showing the choice)
HITS_OF_EACH_KIND = [
    ("phnom", "Phnom Penh", "/city?profile=phnom_penh", "Phnom Penh, Cambodia", ("City", "Phnom Penh, Cambodia")),
    ("cambodia", "Cambodia", "/map?focus=KHM", "Pilot cities map", ("Zoom to", "Cambodia")),
    (
        "wise",
        "Water Smart Engagements (WiSE)",
        "/projects?project=wise",
        "Components: WiSE pair:",
        ("Project", "Water Smart Engagements (WiSE)"),
    ),
    (
        "dc water",
        "DC Water",
        "/projects?partner=DC+Water&project=wise_johor_dcwater",
        "Projects naming DC Water: 1 project shown.",
        ("Project", "WiSE pair: Permodalan Darul Ta'zim (PDT) and DC Water"),
    ),
    (
        "ascn8",
        "8th ASCN annual meeting (ASCN8)",
        "/events?event=ascn_annual_2025",
        "When: 8 Sep 2025 – 12 Sep 2025",
        ("Event", "8th ASCN annual meeting (ASCN8)"),
    ),
    (
        "geonames phnom",
        "GeoNames gazetteer: Phnom Penh",
        "/about?source=geonames_1821306",
        "1 member city cites it",
        ("Look up a source", "GeoNames gazetteer: Phnom Penh — GeoNames"),
    ),
]


def test_a_person_searches_from_the_sidebar_and_lands_on_each_kind_of_hit(person):
    """Six kinds of hit: three at each size in `make test` (between them, all six), all six at both with JOURNEYS=all."""
    person.open(f"{person.server}/funding")
    hits = HITS_OF_EACH_KIND if EVERY_OPTION else HITS_OF_EACH_KIND[0 if person.size == "1280x720" else 1 :: 2]
    for words, result, address, shown, (chooser, chosen) in hits:
        search_for(person, words)
        assert person.page.locator(SEARCH_BOX).input_value() == words  # the box shows what was searched
        click_result(person, result)
        person.wait_for_address(address)
        person.settle(0.5)
        wait_for_text(person, shown)
        main = person.page.locator('[data-testid="stMain"]')
        assert main.get_by_role("combobox", name=chooser, exact=True).input_value() == chosen
        # Off the Search page the box starts empty again: Enter on old words would do nothing.
        assert person.page.locator(SEARCH_BOX).input_value() == ""


def test_a_search_link_can_be_shared_and_a_hidden_project_still_opens(person):
    # A colleague's link to a search, with the sidebar narrowed to Cambodia.
    person.open(f"{person.server}/search?q=rit&country=KHM")
    assert person.page.locator(SEARCH_BOX).input_value() == "rit"
    wait_for_text(person, "4 matches for “rit”")
    click_result(person, "RIT Circular Entrepreneurship Program")
    person.wait_for_address("project=rit_circular_entrepreneurship")
    person.settle(0.5)
    # RIT's program is a sister program outside Cambodia: opened all the same, saying which filters hide it.
    wait_for_text(person, "To list it, change: Country, Include sister, private and related programs (off).")
    assert "country=KHM" in person.page.evaluate("() => location.href")
    wait_for_text(person, "RIT Circular Entrepreneurship Program")


def comparison(person) -> list[list[str]]:
    """The side-by-side table as a person reads it, row by row (header first)."""
    person.wait_for('[data-testid="stTable"] table')
    return person.page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-testid="stTable"] tr')).map(
            row => Array.from(row.querySelectorAll('th, td')).map(cell => cell.innerText.trim()))"""
    )


def download_csv(person, button: str) -> list[dict]:
    with person.page.expect_download() as download:
        person.page.get_by_role("button", name=button).click()
    return list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))


def choose_place(person, name: str) -> None:
    chooser = person.page.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').first
    chooser.click()
    person.page.keyboard.type(name)
    person.page.get_by_role("option", name=name, exact=True).click()
    person.page.keyboard.press("Escape")
    person.settle(0.5)


def test_a_person_compares_places_and_a_colleague_opens_the_same_comparison(person):
    person.open(f"{person.server}/compare")
    wait_for_text(person, "Choose at least two places")
    choose_place(person, "Cambodia (country)")
    choose_place(person, "Vietnam (country)")
    choose_place(person, "Phnom Penh, Cambodia")
    person.wait_for_address("place=KHM&place=VNM&place=phnom_penh")
    table = comparison(person)
    assert table[0] == ["", "Cambodia (country)", "Vietnam (country)", "Phnom Penh, Cambodia"]
    rows = {row[0]: row[1:] for row in table[1:]}
    assert rows["Projects"] == ["2", "3", "2"]
    assert rows["Disclosed funding"] == ["$98,750", "$300,000", "$98,750"]
    assert rows["Projects publishing no amount"] == ["1 of 2", "2 of 3", "1 of 2"]
    assert rows["Records digitized"] == ["108,750", "—", "108,750"]
    assert rows["Events held here"] == ["1", "3", "1"]
    person.shot("compare-places")

    # The comparison follows the sidebar: include sister and related programs (USTDA's work in Ho Chi Minh City).
    toggle = person.page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(has_text="Include sister")
    toggle.scroll_into_view_if_needed()
    toggle.locator("label").click()
    person.wait_for_address("related=1")
    person.settle(0.5)
    wait_for_text(person, "Showing: including sister, private and related programs")
    related = {row[0]: row[1:] for row in comparison(person)[1:]}
    assert related["Projects"] == ["2", "4", "2"]

    # The comparison and the rows behind it, downloaded, are the numbers on screen.
    values = download_csv(person, "This comparison (3 rows, CSV)")
    assert [(row["place"], row["projects"]) for row in values] == [("Cambodia", "2"), ("Vietnam", "4"), ("Phnom Penh", "2")]
    projects = download_csv(person, "Projects behind it (8 rows, CSV)")
    per_place = {place: sum(row["place"] == place for row in projects) for place in ("Cambodia", "Vietnam", "Phnom Penh")}
    assert per_place == {"Cambodia": 2, "Vietnam": 4, "Phnom Penh": 2}  # no program here has its components here too
    assert {row["project_id"] for row in projects if row["place"] == "Vietnam"} == {
        "wise_hcmc_sfpuc",
        "bif1_5rtech",
        "green_buildings_uncc",
        "ustda_hcmc_ioc",
    }

    # Copy the address, paste it in another browser: the same comparison.
    address = person.page.evaluate("() => location.href")
    assert "place=KHM" in address and "related=1" in address
    colleague = person.new_window()
    try:
        colleague.open(address)
        assert comparison(colleague) == comparison(person)
        chips = colleague.page.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').inner_text()
        assert all(name in chips for name in ("Cambodia (country)", "Vietnam (country)", "Phnom Penh, Cambodia"))
    finally:
        colleague.page.context.close()


@pytest.mark.parametrize("address", ["/compare?place=KHM&place=Atlantis", "/search?q=zzzqqq"])
def test_a_wrong_link_says_what_it_ignored(person, address):
    person.open(f"{person.server}{address}")
    text = main_text(person)
    assert "Ignored place 'Atlantis'" in text or "Nothing matches “zzzqqq”" in text
