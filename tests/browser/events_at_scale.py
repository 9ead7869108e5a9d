"""The Events page on a big synthetic folder, in Chromium: a check too slow for `make test`, kept as a script.

    python tests/browser/events_at_scale.py bench/data/10000x /tmp/events-shots

Opens the page for all events (counted per year) and for Cambodia in 2024-2025 (per month) at 1280x720 and
1920x1080, hovers the largest timeline marker and the map's largest dot, opens the event chooser, and saves a
screenshot of each in the folder given. Prints what each hover said; fails on a Streamlit exception, a request
to the internet or a traceback in the server's log. Loading 10,000x takes the server about ten seconds.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from harness import CHROMIUM, CHROMIUM_ARGS, REPO, Visit, running_server, server_log
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(REPO))
from test_events_at_scale import hover_largest_marker, hover_text
from usascp import aggregate, maps, placement
from usascp.filters import Filters, select_events
from usascp.load import load_dataset

VIEWS = {
    "all": ("events", Filters()),
    "cambodia-2024-2025": ("events?country=KHM&from=2024&to=2025", Filters(countries=("KHM",), year_from=2024, year_to=2025)),
}
SIZES = ((1280, 720), (1920, 1080))


def _largest_dot(dataset, filters) -> tuple[dict, dict]:
    """The map's first view and its largest dot (the deck the page draws, built the same way)."""
    deck = json.loads(maps.event_counts_map(aggregate.events_by_place(dataset, select_events(dataset, filters))).to_json())
    return deck["initialViewState"], next(layer for layer in deck["layers"] if layer["id"] == "events")["data"][0]


def main(folder: str, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(folder)
    problems = []
    with running_server(extra_env={"USASCP_DATA_DIR": folder}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (path, filters) in VIEWS.items():
            view, dot = _largest_dot(dataset, filters)
            for width, height in SIZES:
                size = f"{width}x{height}"
                page = browser.new_page(viewport={"width": width, "height": height})
                visit = Visit(page)
                page.goto(f"{url}/{path}", wait_until="load")
                page.wait_for_selector('[data-testid="stMain"] h1', timeout=300_000)
                visit.settle(2)
                page.screenshot(path=str(out / f"events-{name}-top-{size}.png"))

                visit.wait_for('[data-testid="stPlotlyChart"]').scroll_into_view_if_needed()
                hover = hover_largest_marker(page)
                page.screenshot(path=str(out / f"events-{name}-timeline-hover-{size}.png"))

                visit.wait_for('[data-testid="stDeckGlJsonChart"] canvas').scroll_into_view_if_needed()
                time.sleep(3)  # outlines are fetched and drawn after the canvas appears
                box = page.locator('[data-testid="stDeckGlJsonChart"]').first.bounding_box()
                centre = placement.web_mercator_px(view["longitude"], view["latitude"], view["zoom"])
                x, y = placement.web_mercator_px(dot["lon"], dot["lat"], view["zoom"])
                tooltip = hover_text(
                    page,
                    box["x"] + box["width"] / 2 + x - centre[0] + dot["dot_offset"][0],
                    box["y"] + box["height"] / 2 + y - centre[1] + dot["dot_offset"][1],
                    "() => { const t = document.querySelector('.deck-tooltip');"
                    " return t && t.style.display !== 'none' ? t.innerText.trim() : null; }",
                )
                page.screenshot(path=str(out / f"events-{name}-map-hover-{size}.png"))

                page.locator('[data-testid="stSelectbox"]').first.click()
                time.sleep(1)
                page.screenshot(path=str(out / f"events-{name}-chooser-{size}.png"))
                page.keyboard.press("Escape")
                markers = page.locator('[data-testid="stPlotlyChart"] .scatterlayer .point').count()
                print(f"{name} {size}: {markers} markers; timeline hover {hover!r}; map tooltip {tooltip!r}", flush=True)
                if page.locator('[data-testid="stException"]').count():
                    problems.append(f"{name} {size}: an exception on the page")
                if visit.external_requests():
                    problems.append(f"{name} {size}: asked the internet for {visit.external_requests()}")
                page.close()
        browser.close()
        if "Traceback" in server_log(url):
            problems.append("a traceback in the server's log")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")))
