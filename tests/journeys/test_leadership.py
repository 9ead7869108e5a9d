"""Leadership: the maps and the map pictures, used as a leader uses them before a briefing.

A leader hovers a city to learn what it is (the tooltip is the only place some names are), clicks it to
read its profile, and downloads a country's map for a slide. Each map is found where the page draws it:
the test builds the same deck from the same data, so it knows where deck.gl puts each city's dot (Web
Mercator at the deck's first view, plus the pixels the dot was moved to clear its neighbours).

Set JOURNEY_SCREENSHOTS to a folder to keep a picture of each hovered tooltip, each map, and the
downloaded map pictures.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from usascp import aggregate, maps, placement
from usascp.filters import Filters, select_grants, select_projects
from usascp.load import load_dataset

DATASET = load_dataset()
SHOTS = Path(os.environ["JOURNEY_SCREENSHOTS"]) if os.environ.get("JOURNEY_SCREENSHOTS") else None


def _cities():
    projects = select_projects(DATASET, Filters())
    return aggregate.city_summary(DATASET, projects, select_grants(DATASET, Filters(), projects))


def _pilot_deck():
    projects = select_projects(DATASET, Filters())
    cities, measures = aggregate.city_measures(DATASET, projects, select_grants(DATASET, Filters(), projects))
    return maps.network_map(maps.network_points(cities, "projects", measures["projects"]))


# Each map a leader uses: the page, the deck it draws (built here the same way), and a city on it.
MAPS = {
    "overview": ("", lambda: maps.city_map(_cities()), "johor_bahru"),  # was hidden under Singapore
    "pilot-cities": ("map", _pilot_deck, "siem_reap"),  # was drawn over Battambang and Phnom Penh
    "city-profile": (
        "city?profile=phnom_penh",
        lambda: maps.places_map(DATASET.cities[DATASET.cities["city_id"] == "phnom_penh"], note=""),
        "phnom_penh",
    ),
    "project-detail": (
        "projects?project=khm_hospital_digitization",
        lambda: maps.places_map(aggregate.project_detail(DATASET, "khm_hospital_digitization").cities),
        "battambang",
    ),
}
CITY_NAMES = dict(zip(DATASET.cities["city_id"], DATASET.cities["city"] + ", " + DATASET.cities["country"]))


def _shot(person, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        person.page.screenshot(path=str(SHOTS / f"leadership-{name}-{person.size}.png"))


def _open_map(person, path: str):
    """Open a page, bring its map into view, and wait until deck.gl has drawn it; the map's box."""
    person.open(f"{person.server}/{path}")
    chart = person.wait_for('[data-testid="stDeckGlJsonChart"] canvas')
    chart.scroll_into_view_if_needed()
    time.sleep(2.5)  # outlines are fetched and drawn after the canvas appears
    return person.page.locator('[data-testid="stDeckGlJsonChart"]').first.bounding_box()


def _where(box, deck, layer_id: str, match) -> tuple[float, float]:
    """Where deck.gl draws the row of `layer_id` that `match` picks, in the page's pixels."""
    import json

    spec = json.loads(deck.to_json())
    view = spec["initialViewState"]
    layer = next(layer for layer in spec["layers"] if layer["id"] == layer_id)
    row = next(row for row in layer["data"] if match(row))
    centre = placement.web_mercator_px(view["longitude"], view["latitude"], view["zoom"])
    x, y = placement.web_mercator_px(row["lon"], row["lat"], view["zoom"])
    dx, dy = row.get("dot_offset", [0, 0])
    return box["x"] + box["width"] / 2 + x - centre[0] + dx, box["y"] + box["height"] / 2 + y - centre[1] + dy


def _tooltip(person, x: float, y: float) -> tuple[str, str]:
    """Hover (x, y) as a mouse does and read the tooltip: its text as shown, and its HTML."""
    person.page.mouse.move(x - 30, y - 30)
    person.page.mouse.move(x, y, steps=5)
    tooltip = person.page.locator(".deck-tooltip")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        shown = person.page.evaluate(
            "() => { const t = document.querySelector('.deck-tooltip');"
            " return t && t.style.display !== 'none' && t.innerText.trim() ? [t.innerText, t.innerHTML] : null; }"
        )
        if shown:
            return shown[0], shown[1]
        time.sleep(0.2)
    raise AssertionError(f"no tooltip at ({x:.0f}, {y:.0f}); {tooltip.count()} tooltip elements")


# The Overview and Pilot cities maps in make test; the two small maps (the same layer and click) in make journeys.
EXTENDED_MAPS = {"city-profile", "project-detail"}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.extended) if name in EXTENDED_MAPS else name for name in MAPS]
)
def test_a_city_on_every_map_is_named_on_hover_and_opens_its_profile_on_click(person, name):
    path, build, city_id = MAPS[name]
    box = _open_map(person, path)
    _shot(person, f"{name}-map")
    x, y = _where(box, build(), maps.CITY_LAYER, lambda row: row["city_id"] == city_id)
    text, markup = _tooltip(person, x, y)
    _shot(person, f"{name}-tooltip")
    lines = text.strip().split("\n")
    assert lines[0] == CITY_NAMES[city_id]
    assert "<" not in text and "&lt;" not in text and "&gt;" not in text, text  # no tags printed as text
    assert "&lt;" not in markup and "<script" not in markup
    if name in ("overview", "pilot-cities"):
        # What the partnership does there, with money that is shared said to be shared.
        assert any(line.startswith("Projects: ") for line in lines), lines
        assert any(line.startswith("Disclosed funding for this city alone:") for line in lines), lines

    # The same dot, clicked, opens the city's profile: the same on every city map.
    time.sleep(0.5)
    person.page.mouse.click(x, y)
    person.wait_for_address("/city?", timeout_s=45)
    person.wait_for_address(f"profile={city_id}", timeout_s=15)
    person.settle()
    assert person.page.locator('[data-testid="stMain"] h1').first.inner_text() == CITY_NAMES[city_id]
    assert person.page.locator('[data-testid="stException"]').count() == 0


def test_hovering_an_event_names_its_city(person):
    box = _open_map(person, "events")
    x, y = _where(box, maps.events_map(DATASET.events), "events", lambda row: row["tooltip_title"] == "9th AfriCities Summit")
    text, _ = _tooltip(person, x, y)
    _shot(person, "events-tooltip")
    assert text.strip().split("\n") == ["9th AfriCities Summit", "Kisumu, Kenya · 17 May 2022"]


def test_a_country_map_picture_downloads_for_a_slide(person):
    """The picture is 16:9, 1600x900, centred on the country: its middle is the country's land (white),
    with the sea and the neighbours' grey land around it.

    The server draws the same picture whatever the window's size, so each size downloads one country:
    Cambodia (compact, 1:10m outlines) at 1280x720, the Philippines (an archipelago, 1:50m) at 1920x1080.
    """
    from PIL import Image

    iso3 = "KHM" if person.size == "1280x720" else "PHL"

    person.open(f"{person.server}/map?focus={iso3}")
    button = person.page.get_by_role("button", name="Download the map as a PNG for slides")
    with person.page.expect_download(timeout=90_000) as download:
        button.click()
    path = download.value.path()
    assert download.value.suggested_filename == f"usascp-member-cities-map-{iso3}.png"
    picture = Image.open(path).convert("RGB")
    assert picture.size == (1600, 900)
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        picture.save(SHOTS / f"leadership-picture-{iso3}-{person.size}.png")
    colours = picture.getcolors(maxcolors=1 << 20)
    share = {colour: count / (1600 * 900) for count, colour in colours}
    assert share.get((0xD9, 0xE6, 0xEF), 0) > 0.1  # sea
    assert share.get((0xF2, 0xEF, 0xE8), 0) > 0.05  # the neighbours' land
    assert share.get((0xFF, 0xFF, 0xFF), 0) > 0.1  # the country itself, white, and the margins
    if iso3 == "KHM":  # Cambodia is compact: the middle of the map is Cambodia
        middle = picture.crop((700, 380, 900, 520)).getcolors(maxcolors=1 << 16)
        assert max(middle)[1] == (255, 255, 255)
