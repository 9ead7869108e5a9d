"""Journeys: what each kind of user came for, done the way a person does it, in Chromium at two screen sizes.

Every journey runs at 1280x720 (a hall projector) and 1920x1080 (a desk), against one real server whose
log is read at the end of each journey: normal use must leave no traceback there. Skipped, loudly, with
the browser tests when Chromium or Playwright is missing (tests/browser/conftest.py says so).

`make test` runs the journeys at both sizes (two of them at 1280x720 alone: ONE_SIZE_IN_MAKE_TEST) within its
20-minute budget on two cores (each map redrawn in Chromium's software WebGL costs seconds of CPU): a journey
that repeats one step over many options walks a sample, different options at each size
(journey_options.sample), while AppTest (tests/test_pages.py) sends every option of every page control round the address; journeys marked `extended` repeat what a shorter
one proves (the officers' links on the map, Projects, City and Present pages; hover and click on the two
small maps) and run in `make journeys`, which also walks every option (`JOURNEYS=all`) at both sizes.

Set JOURNEY_SCREENSHOTS to a folder to keep what the journeys saw there (`visit.shot(name)`: one PNG per
name and size), for a person to look at.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"
sys.path.insert(0, str(BROWSER_TESTS))
sys.path.insert(0, str(BROWSER_TESTS.parent))

from harness import CHROMIUM, Visit, running_server, server_log, server_tracebacks  # noqa: E402

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

MISSING = (
    "Playwright is not installed"
    if sync_playwright is None
    else None
    if Path(CHROMIUM).exists()
    else f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)"
)
VIEWPORTS = {"1280x720": {"width": 1280, "height": 720}, "1920x1080": {"width": 1920, "height": 1080}}


# Journeys whose second size repeats a flow the screen does not change (an upload kept across reloads; the links a
# funding breakdown keeps): `make test` walks them at 1280x720, the projector's size, and `make journeys` at both.
# At 1920x1080 they took 112 s and 37 s of a loaded `make test` (20 minutes in all, the budget).
ONE_SIZE_IN_MAKE_TEST = {
    "test_an_uploader_fills_the_template_fixes_a_mistake_explores_and_keeps_it_across_reloads",
    "test_every_funding_breakdown_is_kept_in_a_copied_link",
}


@pytest.hookimpl(tryfirst=True)  # before `-m "not extended"` deselects
def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/journeys" not in str(item.fspath):
            continue
        if MISSING:
            item.add_marker(pytest.mark.skip(reason=f"journey tests skipped: {MISSING}"))
        elif getattr(item, "originalname", None) in ONE_SIZE_IN_MAKE_TEST and "1920x1080" in item.name:
            item.add_marker(pytest.mark.extended)


@pytest.fixture(scope="session")
def journey_server():
    """The dashboard as deployed for a hall: with a public address, so each slide carries its QR code and link."""
    with running_server({"USASCP_PUBLIC_URL": "{url}"}) as url:
        yield url


@pytest.fixture(scope="session")
def journey_browser(shared_chromium):
    return shared_chromium  # one Chromium with tests/browser (tests/conftest.py says why)


@pytest.fixture(params=list(VIEWPORTS))
def person(request, journey_browser, journey_server):
    """A fresh browser window at one of the two sizes, on the journey server; the log is checked after."""
    context = journey_browser.new_context(viewport=VIEWPORTS[request.param], accept_downloads=True)
    visit = _visit(context, request.param, journey_server)
    others = []  # every window a journey opens is closed with it: a page left open keeps drawing its maps

    def new_window() -> Visit:
        other = _new_window(journey_browser, request.param, journey_server)
        others.append(other.page.context)
        return other

    visit.new_window = new_window
    log_before = len(server_log(journey_server))
    yield visit
    for other in others:
        other.close()
    context.close()
    written = server_log(journey_server)[log_before:]
    assert not server_tracebacks(written), f"the server logged a traceback during this journey:\n{written[-4000:]}"


def _new_window(browser, size: str, server: str) -> Visit:
    """Another browser context (no shared cookies or storage): a colleague opening a pasted link."""
    context = browser.new_context(viewport=VIEWPORTS[size], accept_downloads=True)
    return _visit(context, size, server)


def _visit(context, size: str, server: str) -> Visit:
    visit = Visit(context.new_page())
    visit.size, visit.server = size, server
    visit.shot = lambda name: _screenshot(visit, name)
    return visit


def _screenshot(visit: Visit, name: str) -> None:
    folder = os.environ.get("JOURNEY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(Path(folder) / f"{name}-{visit.size}.png"))
