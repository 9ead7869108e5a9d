"""A real Streamlit server and Debian's Chromium, driven by Playwright. Skipped, loudly, when either is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import CHROMIUM, Visit, running_server

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
_skipped: list[str] = []


def pytest_collection_modifyitems(items):
    if MISSING:
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {MISSING}"))
                _skipped.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.write_sep("!", f"{len(_skipped)} BROWSER TESTS SKIPPED: {MISSING}", red=True, bold=True)


@pytest.fixture(scope="session")
def server_url():
    """The dashboard, with itself as its public address: each slide carries a QR code and link back to it."""
    with running_server({"USASCP_PUBLIC_URL": "{url}"}) as url:
        yield url


@pytest.fixture
def fresh_server_url():
    """A server no session has visited yet: what the first visitor after a restart gets."""
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser(shared_chromium):
    return shared_chromium  # one Chromium with the journeys (tests/conftest.py says why)


@pytest.fixture
def visit(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    yield Visit(page)
    context.close()
