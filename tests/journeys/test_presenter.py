"""Presenter: /present on a projector with the sidebar collapsed, driven by mouse and keys, then the deck and
a chart picture taken away.

What a presenter met before: the slide controls under Streamlit's header (only their bottom pixels took a
click), the Sources line of the Map and Funding slides below the fold at 1280x720, and Tab walking ~13
hidden sidebar controls, with no visible focus, before reaching a slide control.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation

from usascp.filters import Filters
from usascp.load import load_dataset
from usascp.deck import QR_PICTURE_NAME
from usascp.presentation import SLIDE_KEYS, SLIDE_NAMES, build_slides

# What a slide shows, each of which must lie in the window without scrolling.
SLIDE_PARTS = (
    "h1.slide-title, .slide-subtitle, .slide-stat, ul.slide-lines, .slide-table, .slide-sources, "
    '.st-key-slide_map, [data-testid="stPlotlyChart"]'
)
# The box of each visible part, and whether the page has been scrolled.
MEASURE_SLIDE = """(selector) => ({
  parts: Array.from(document.querySelectorAll(selector)).map(e => {
    const box = e.getBoundingClientRect();
    return {what: (e.className || e.getAttribute('data-testid') || e.tagName).toString().slice(0, 40), text: e.innerText.slice(0, 40),
            left: box.left, top: box.top, right: box.right, bottom: box.bottom};
  }),
  width: innerWidth, height: innerHeight,
  scrolled: document.querySelector('[data-testid="stMain"]').scrollTop + scrollY,
})"""
# A control's visible centre, and whether a click there reaches it (not the header or anything over it);
# also whether its top edge does: a control half under the header is clipped, even if its centre is free.
HIT_TEST = """(control) => {
  const box = control.getBoundingClientRect(), x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
  const at = (px, py) => { const hit = document.elementFromPoint(px, py);
    return {reaches: !!hit && (hit === control || control.contains(hit)), hit: hit ? (hit.getAttribute('data-testid') || hit.tagName) : null}; };
  const centre = at(x, y), top = at(x, box.top + 2);
  return {x, y, reaches: centre.reaches, hit: centre.hit, whole: top.reaches, over_top: top.hit};
}"""
FOCUSED = """() => {
  const e = document.activeElement, box = e.getBoundingClientRect(), style = getComputedStyle(e);
  return {text: (e.innerText || e.getAttribute('aria-label') || '').trim(), testid: e.getAttribute('data-testid'), tag: e.tagName,
          visible: style.visibility === 'visible' && box.width > 0 && box.height > 0
                   && box.right > 0 && box.bottom > 0 && box.left < innerWidth && box.top < innerHeight,
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


@pytest.fixture(scope="module")
def titles():
    """Each slide's title as the data gives it today (the last slide says "Coming up" or "Recent events")."""
    return {slide.key: slide.title for slide in build_slides(load_dataset(), Filters(), dt.date.today())}


def collapse_sidebar(person) -> None:
    person.page.evaluate("() => document.querySelector('[data-testid=\"stSidebarCollapseButton\"] button').click()")
    person.page.wait_for_selector('[data-testid="stSidebar"][data-collapsed="true"]', state="attached")
    time.sleep(0.6)  # the slide-out, after which the sidebar is hidden


def controls(person) -> dict[str, object]:
    """Previous, the slide names and Next, as a person sees them above the slide."""
    main = person.page.locator('[data-testid="stMain"]')
    found = {"Previous": main.get_by_role("button", name="Previous")}
    for key in SLIDE_KEYS:
        found[SLIDE_NAMES[key]] = main.locator('[data-testid="stButtonGroup"] button', has_text=SLIDE_NAMES[key])
    found["Next"] = main.get_by_role("button", name="Next")
    return found


def click_at_centre(person, name: str, control) -> None:
    """Click where a person aims: the middle of what they see, after checking that the middle takes the click."""
    hit = control.evaluate(HIT_TEST)
    assert hit["reaches"], f"{person.size}: the centre of {name!r} belongs to {hit['hit']}, not the control"
    assert hit["whole"], f"{person.size}: the top of {name!r} is under {hit['over_top']}"
    person.page.mouse.click(hit["x"], hit["y"])


def shown_slide(person, key: str, title: str, drawn: bool = False) -> None:
    """Wait for the slide `key`; with `drawn`, also for its map or chart to be drawn.

    The map and chart keep their size while they are drawn, so a slide can be measured before; drawing the
    map in Chromium's software WebGL takes from 1 to over 15 s on a busy two-core machine.
    """
    if key == SLIDE_KEYS[0]:  # the first slide is the page's default, which a link leaves out
        person.page.wait_for_function("() => !location.search.includes('slide=')", timeout=90_000)
    else:
        person.wait_for_address(f"slide={key}", timeout_s=90)
    person.page.wait_for_function(
        "(title) => document.querySelector('h1.slide-title')?.innerText === title", arg=title, timeout=90_000
    )
    person.settle(extra_seconds=0.5)
    if drawn and key == "map":
        person.wait_for('[data-testid="stDeckGlJsonChart"] canvas', timeout_ms=120_000)
    if drawn and key == "funding":
        person.wait_for('[data-testid="stPlotlyChart"] .main-svg', timeout_ms=60_000)


def assert_slide_fits(person, key: str) -> None:
    measured = person.page.evaluate(MEASURE_SLIDE, SLIDE_PARTS)
    assert measured["scrolled"] == 0, f"{person.size} {key}: the page was scrolled"
    kinds = {part["what"] for part in measured["parts"]}
    assert any("slide-title" in kind for kind in kinds) and any("slide-sources" in kind for kind in kinds), (key, kinds)
    outside = [
        f"{part['what']} ({part['text']!r}) spans {part['top']:.0f}-{part['bottom']:.0f} px of {measured['height']}"
        for part in measured["parts"]
        if part["top"] < 0 or part["left"] < 0 or part["bottom"] > measured["height"] or part["right"] > measured["width"]
    ]
    assert outside == [], f"{person.size} {key}: not in the window without scrolling: {outside}"
    # The journey server has a public address: the slide's QR code and link lie in the window, over none of it.
    (code,) = person.page.evaluate(MEASURE_SLIDE, "a.slide-qr")["parts"]
    assert code["top"] >= 0 and code["left"] >= 0 and code["bottom"] <= measured["height"] and code["right"] <= measured["width"]
    covered = [
        part["what"]
        for part in measured["parts"]
        if part["left"] < code["right"]
        and code["left"] < part["right"]
        and part["top"] < code["bottom"]
        and code["top"] < part["bottom"]
    ]
    assert covered == [], f"{person.size} {key}: the QR code and link lie over {covered}"


def test_a_presenter_runs_the_slides_by_mouse_and_keys(person, titles):
    person.open(f"{person.server}/present")
    collapse_sidebar(person)

    # Every control takes a click at its visible centre, and the slide it asks for fits the window.
    for key in SLIDE_KEYS[1:] + SLIDE_KEYS[:1]:  # from the second, so that each click changes the slide
        click_at_centre(person, SLIDE_NAMES[key], controls(person)[SLIDE_NAMES[key]])
        shown_slide(person, key, titles[key], drawn=True)
        assert_slide_fits(person, key)
        person.shot(f"present-collapsed-{key}")
    # Next twice, then Previous three times: round the corner from the first slide to the last (every slide
    # was reached by its own name above, and fitted the window).
    position = 0  # the first slide, clicked last above
    for step, button, presses in ((+1, "Next", 2), (-1, "Previous", 3)):
        for _ in range(presses):
            click_at_centre(person, button, controls(person)[button])
            position = (position + step) % len(SLIDE_KEYS)
            shown_slide(person, SLIDE_KEYS[position], titles[SLIDE_KEYS[position]])

    # The keys, from where Previous left the show (the last slide): → round the corner and on, ← back.
    person.page.locator("h1.slide-title").click()  # the page has the keyboard, not a widget
    for _ in range(2):
        person.page.keyboard.press("ArrowRight")
        position = (position + 1) % len(SLIDE_KEYS)
        shown_slide(person, SLIDE_KEYS[position], titles[SLIDE_KEYS[position]])
        assert_slide_fits(person, SLIDE_KEYS[position])
    person.page.keyboard.press("ArrowLeft")
    position = (position - 1) % len(SLIDE_KEYS)
    shown_slide(person, SLIDE_KEYS[position], titles[SLIDE_KEYS[position]])


def test_tab_reaches_the_slide_controls_first_with_a_visible_ring(person):
    person.open(f"{person.server}/present")
    collapse_sidebar(person)
    person.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    before = []
    for _ in range(8):
        person.page.keyboard.press("Tab")
        focused = person.page.evaluate(FOCUSED)
        if focused["tag"] == "BUTTON" and "Previous" in focused["text"]:
            break
        before.append(focused)
    else:
        pytest.fail(f"{person.size}: eight presses of Tab never reached Previous: {[f['text'] for f in before]}")
    # Before the slide controls, only what a person sees: the page's "Skip to main content" link, the
    # button that opens the sidebar, and the main area itself. Nothing of the hidden sidebar.
    assert {f["testid"] for f in before} <= {"stSkipToContent", "stExpandSidebarButton", "stMain"}, before
    assert all(f["visible"] for f in before), before
    # Then the slide names (one stop: the arrow keys move within them) and Next, each ringed as it is reached.
    reached = [focused]
    for _ in range(2):
        person.page.keyboard.press("Tab")
        reached.append(person.page.evaluate(FOCUSED))
    assert [f["tag"] for f in reached] == ["BUTTON"] * 3, reached
    assert reached[1]["text"] == "Headline" and "Next" in reached[2]["text"], reached
    assert all(f["visible"] and f["ring"] for f in reached), f"{person.size}: focus not visible on {reached}"


def test_the_deck_and_a_chart_picture_download_and_open(person, titles):
    person.open(f"{person.server}/present")
    with person.page.expect_download(timeout=120_000) as download:
        person.page.get_by_role("button", name="Download these slides (PowerPoint)").click()
    assert download.value.suggested_filename == "usascp-slides.pptx"
    deck = Presentation(download.value.path())
    assert [slide.shapes.title.text for slide in deck.slides] == [titles[key] for key in SLIDE_KEYS]
    # The map, drawn offline by kaleido (beside the slide's QR code, also a picture).
    assert any(shape.shape_type == 13 and shape.name != QR_PICTURE_NAME for shape in deck.slides[1].shapes)

    person.open(f"{person.server}/funding")
    person.wait_for('[data-testid="stPlotlyChart"] .main-svg')
    with person.page.expect_download(timeout=120_000) as download:
        person.page.get_by_role("button", name="Download PNG for slides").first.click()
    assert download.value.suggested_filename == "usascp-funding-by-sector.png"
    picture = Image.open(io.BytesIO(Path(download.value.path()).read_bytes()))
    picture.load()  # the whole image decodes, not only its header
    assert (picture.format, picture.size) == ("PNG", (1600, 900))
