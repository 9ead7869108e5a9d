"""In Chromium at 1280x720: the slide's QR code, as the screen shows it, reads back as the live link, lies clear of
the slide, and the link opens the same slide with the same filters in a fresh browser."""

from __future__ import annotations

import io
import os
import time
import urllib.parse
from pathlib import Path

import zxingcpp
from PIL import Image

from usascp.filters import Filters
from usascp.presentation import live_link

# The parts of a slide a person reads or looks at (tests/journeys/test_presenter.py measures the same).
SLIDE_PARTS = (
    "h1.slide-title, .slide-subtitle, .slide-stat, ul.slide-lines, .slide-table, .slide-sources, "
    '.st-key-slide_map, [data-testid="stPlotlyChart"]'
)
BOXES = """(selector) => Array.from(document.querySelectorAll(selector)).map(e => {
  const box = e.getBoundingClientRect();
  return {what: [e.className, e.getAttribute('data-testid') || ''].join(' '),
          left: box.left, top: box.top, right: box.right, bottom: box.bottom};
})"""


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_the_code_on_screen_opens_the_same_slide_with_the_same_filters(server_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server_url}/present?country=LAO&sector=Training+%26+exchange&slide=funding", wait_until="load")
    page.wait_for_selector("a.slide-qr img", timeout=60_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    page.evaluate("() => document.querySelector('[data-testid=\"stSidebarCollapseButton\"] button').click()")
    page.wait_for_selector('[data-testid="stSidebar"][data-collapsed="true"]', state="attached")
    time.sleep(1)

    expected = live_link(server_url, Filters(countries=("LAO",), sectors=("Training & exchange",)), "funding")
    code = page.locator("a.slide-qr")
    assert code.get_attribute("href") == expected
    assert code.get_attribute("target") == "_blank" and "noopener" in code.get_attribute("rel")
    shown = code.inner_text().replace("\n", "")
    assert shown == urllib.parse.urlsplit(expected).netloc + "/present?country=LAO…"
    # The code as the screen draws it (Chromium's own pixels, 3 px a module at this size) reads back whole.
    picture = Image.open(io.BytesIO(page.locator("a.slide-qr img").screenshot()))
    assert [found.text for found in zxingcpp.read_barcodes(picture)] == [expected]
    box = page.locator("a.slide-qr img").bounding_box()
    assert 90 <= box["width"] <= 130 and abs(box["width"] - box["height"]) < 1, box

    # Clear of the slide: inside the window, over no title, number, chart or source line.
    qr = page.evaluate(BOXES, "a.slide-qr")[0]
    assert qr["left"] >= 0 and qr["top"] >= 0 and qr["right"] <= 1280 and qr["bottom"] <= 720, qr
    parts = page.evaluate(BOXES, SLIDE_PARTS)
    for kind in ("slide-title", "slide-subtitle", "stPlotlyChart"):
        assert any(kind in part["what"] for part in parts), (kind, parts)
    assert [part for part in parts if overlaps(part, qr)] == []
    if os.environ.get("JOURNEY_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["JOURNEY_SCREENSHOTS"]) / "present-live-link-1280x720.png"))

    subtitle = page.locator(".slide-subtitle").inner_text()
    assert "1 project" in subtitle or "of 1" in subtitle, subtitle
    # A colleague's phone: a fresh browser, no cookies, the link and nothing else.
    other = browser.new_context(viewport={"width": 1280, "height": 720})
    phone = other.new_page()
    phone.goto(code.get_attribute("href"), wait_until="load")
    phone.wait_for_function("() => document.querySelector('h1.slide-title')?.innerText === 'Funding by sector'", timeout=60_000)
    assert phone.locator(".slide-subtitle").inner_text() == subtitle
    assert phone.locator('[data-testid="stMain"] button[aria-checked="true"]').inner_text().strip() == "Funding"
    sidebar = phone.locator('[data-testid="stSidebar"]').inner_text()
    assert "Laos" in sidebar and "Training & exchange" in sidebar
    phone.wait_for_selector("a.slide-qr img", timeout=30_000)
    assert phone.locator("a.slide-qr").get_attribute("href") == expected  # the same view makes the same link
    other.close()
    context.close()
