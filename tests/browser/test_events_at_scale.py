"""The Events page past a few hundred events, in Chromium: counted markers and dots say their counts on hover.

A copy of data/ with 615 made-up events (tests/many_events.py) is served; the page draws counts per type and
year on the timeline and per place and type on the map (usascp.aggregate.EVENTS_DRAWN_ONE_BY_ONE). The same
check at 10,000x takes minutes to load, so it is a script, not a test; this folder loads in seconds.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from harness import Visit, running_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from many_events import add_to_folder

from usascp import aggregate, maps, placement
from usascp.filters import Filters, select_events
from usascp.load import DEFAULT_DATA_DIR, load_dataset


TIMELINE_HOVER = "() => document.querySelector('[data-testid=\"stPlotlyChart\"] .hoverlayer .hovertext')?.textContent"


def hover_largest_marker(page) -> str:
    """Hover the timeline's largest marker as a person does: the text its hover box shows."""
    markers = page.locator('[data-testid="stPlotlyChart"] .scatterlayer .point')
    boxes = [markers.nth(i).bounding_box() for i in range(markers.count())]
    largest = max(boxes, key=lambda box: box["width"])
    return hover_text(page, largest["x"] + largest["width"] / 2, largest["y"] + largest["height"] / 2, TIMELINE_HOVER)


def hover_text(page, x: float, y: float, script: str) -> str:
    """Move the mouse to (x, y) as a person does and wait for `script` (run in the page) to give text."""
    page.mouse.move(x - 25, y - 25)
    page.mouse.move(x, y, steps=5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = page.evaluate(script)
        if text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"nothing shown on hover at ({x:.0f}, {y:.0f})")


def test_counted_events_say_their_counts_on_hover(browser, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    add_to_folder(folder, load_dataset(DEFAULT_DATA_DIR).events)
    dataset = load_dataset(folder)
    deck = json.loads(maps.event_counts_map(aggregate.events_by_place(dataset, select_events(dataset, Filters()))).to_json())
    view = deck["initialViewState"]
    dots = next(layer for layer in deck["layers"] if layer["id"] == "events")["data"]
    jakarta = next(row for row in dots if "Jakarta" in row["tooltip_title"])

    with running_server(extra_env={"USASCP_DATA_DIR": str(folder)}) as url:
        # At 1280x720, the smaller projector size; both sizes are looked at by a script at 10,000x.
        for width, height in ((1280, 720),):
            context = browser.new_context(viewport={"width": width, "height": height})
            visit = Visit(context.new_page())
            page = visit.open(f"{url}/events").page
            assert visit.metrics()["Events"] == "646"

            chart = visit.wait_for('[data-testid="stPlotlyChart"]')
            chart.scroll_into_view_if_needed()
            hover = hover_largest_marker(page)
            assert hover == "551 workshops in 2024"

            canvas = visit.wait_for('[data-testid="stDeckGlJsonChart"] canvas')
            canvas.scroll_into_view_if_needed()
            time.sleep(2.5)  # outlines are fetched and drawn after the canvas appears
            box = page.locator('[data-testid="stDeckGlJsonChart"]').first.bounding_box()
            centre = placement.web_mercator_px(view["longitude"], view["latitude"], view["zoom"])
            x, y = placement.web_mercator_px(jakarta["lon"], jakarta["lat"], view["zoom"])
            dx, dy = jakarta["dot_offset"]
            tooltip = hover_text(
                page,
                box["x"] + box["width"] / 2 + x - centre[0] + dx,
                box["y"] + box["height"] / 2 + y - centre[1] + dy,
                "() => { const t = document.querySelector('.deck-tooltip');"
                " return t && t.style.display !== 'none' ? t.innerText.trim() : null; }",
            )
            assert tooltip.split("\n") == ["551 workshops in Jakarta, Indonesia", "5 Sep 2023 – 20 Apr 2024"]
            assert page.locator('[data-testid="stException"]').count() == 0
            assert visit.external_requests() == []
            context.close()
