"""In Chromium: presenter mode by keyboard and timer, pictures and slides downloaded, and axe-core on every page."""

import io
import time

import pytest
import zxingcpp
from PIL import Image
from pptx import Presentation

from usascp.deck import QR_PICTURE_NAME
from usascp.filters import Filters
from usascp.presentation import SLIDE_KEYS, live_link

PAGES = ["", "map", "city?profile=phnom_penh", "funding", "impact", "projects?project=wise", "events", "present", "data", "about"]
PAGES += ["compare?place=KHM&place=VNM&place=phnom_penh", "search?q=phnom", "events?event=ascn_annual_2025", "about?source=globalties_wise"]


def slide_title(visit) -> str:
    return visit.page.locator("h1.slide-title").first.inner_text()


def test_arrow_keys_change_slides_and_the_address(server_url, visit):
    visit.open(f"{server_url}/present?country=KHM")
    assert slide_title(visit) == "U.S.-ASEAN Smart Cities Partnership"
    assert "$98,750" in visit.page.locator(".slide-stats").inner_text()
    visit.page.locator("h1.slide-title").click()  # focus the page, not a widget
    time.sleep(0.5)
    visit.page.keyboard.press("ArrowRight")
    visit.wait_for_address("slide=map")
    visit.wait_for('[data-testid="stDeckGlJsonChart"] canvas')
    assert slide_title(visit) == "Where the partnership works"
    visit.settle(0.3)
    visit.page.keyboard.press("ArrowRight")
    visit.wait_for_address("slide=funding")
    # A presenter presses again once the slide is up: the address changes while the script is still drawing it,
    # and a key pressed in that moment was once taken from the slide before (a fresh-clone make test went back
    # two slides). The quick double press is noted in issue 16's closing note, not fixed yet.
    visit.settle(0.3)
    assert slide_title(visit) == "Funding by sector"
    visit.page.keyboard.press("ArrowLeft")
    visit.wait_for_address("slide=map")
    assert "country=KHM" in visit.page.evaluate("() => location.href")
    assert visit.external_requests() == []


def test_auto_advance_moves_on_by_itself(server_url, visit):
    visit.open(f"{server_url}/present?slide=impact")
    visit.page.locator('[data-testid="stSelectbox"]').filter(has_text="Auto-advance").click()
    visit.page.get_by_role("option", name="Every 10 s").click()
    visit.wait_for_address("slide=events")
    # And round again, to the first slide, which a link leaves out (a plain /present opens on it).
    deadline = time.monotonic() + 40
    while "slide=" in visit.page.evaluate("() => location.href") or slide_title(visit) != "U.S.-ASEAN Smart Cities Partnership":
        assert time.monotonic() < deadline, "auto-advance never came back to the first slide"
        time.sleep(0.2)


def test_the_deck_downloads_with_the_filtered_numbers(server_url, visit):
    visit.open(f"{server_url}/present?country=KHM")
    with visit.page.expect_download(timeout=90_000) as download:
        visit.page.get_by_role("button", name="Download these slides (PowerPoint)").click()
    assert download.value.suggested_filename == "usascp-slides.pptx"
    deck = Presentation(download.value.path())
    assert [slide.shapes.title.text for slide in deck.slides][:3] == [
        "U.S.-ASEAN Smart Cities Partnership",
        "Where the partnership works",
        "Funding by sector",
    ]
    headline = "\n".join(shape.text_frame.text for shape in deck.slides[0].shapes if shape.has_text_frame)
    assert "$98,750" in headline and "Cambodia" in headline
    # The map, drawn offline by kaleido (beside the slide's QR code, also a picture).
    assert any(shape.shape_type == 13 and shape.name != QR_PICTURE_NAME for shape in deck.slides[1].shapes)
    # The server has a public address (itself): each slide's code reads back as that slide's live link.
    for key, slide in zip(SLIDE_KEYS, deck.slides):
        code = next(shape for shape in slide.shapes if shape.name == QR_PICTURE_NAME)
        read = [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(code.image.blob)))]
        assert read == [live_link(server_url, Filters(countries=("KHM",)), key)]
    assert visit.external_requests() == []


@pytest.mark.parametrize("path", PAGES)
def test_no_critical_or_serious_accessibility_violations(server_url, visit, path):
    from axe_playwright_python.sync_playwright import Axe

    visit.open(f"{server_url}/{path}")
    if visit.page.locator('[data-testid="stDeckGlJsonChart"]').count():
        visit.wait_for('[data-testid="stDeckGlJsonChart"] canvas')
        time.sleep(1)
    results = Axe().run(visit.page)
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {[node['target'] for node in violation['nodes'][:3]]}"
        for violation in results.response["violations"]
        if violation["impact"] in ("critical", "serious")
    ]
    assert serious == []


def test_every_control_on_the_present_page_is_reachable_by_keyboard(server_url, visit):
    visit.open(f"{server_url}/present")
    reached = set()
    for _ in range(80):
        visit.page.keyboard.press("Tab")
        reached.add(
            visit.page.evaluate(
                "() => (document.activeElement.innerText || document.activeElement.getAttribute('aria-label') || '').trim()"
            )
        )
    for control in ("Previous", "Next", "Download these slides (PowerPoint)"):
        assert any(control in text for text in reached), (control, reached)
