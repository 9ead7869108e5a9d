"""A real Streamlit server and Debian's Chromium, driven by Playwright. Skipped, loudly, when either is missing."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without these flags Chromium phones home at start-up, which would pollute the request log.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server():
    """`streamlit run dashboard.py` on a free loopback port; yields its base URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start within 60 s") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def server_url():
    with running_server() as url:
        yield url


@pytest.fixture
def fresh_server_url():
    """A server no session has visited yet: what the first visitor after a restart gets."""
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Visit:
    """One open page and every request it made."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        self.settle()
        return self

    def settle(self, extra_seconds: float = 1.0):
        """Wait until Streamlit has finished running the script and drawing."""
        self.page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
        self.page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
            timeout=60_000,
        )
        time.sleep(extra_seconds)

    def wait_for(self, selector: str, timeout_ms: int = 30_000):
        """The first element matching `selector`, once it is attached and visible."""
        element = self.page.locator(selector).first
        element.wait_for(state="visible", timeout=timeout_ms)
        return element

    def metrics(self) -> dict[str, str]:
        """Label -> value of every metric card, read once the cards stop changing (reruns redraw them)."""
        self.wait_for('[data-testid="stMetric"]')
        script = """() => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).map(m => [
            m.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
            m.querySelector('[data-testid="stMetricValue"]').innerText.trim()])"""
        previous, deadline = None, time.monotonic() + 15
        while time.monotonic() < deadline:
            current = self.page.evaluate(script)
            if current == previous:
                return dict(current)
            previous = current
            time.sleep(0.7)
        return dict(previous)

    def external_requests(self) -> list[str]:
        local = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
        return [url for url in self.requests if not url.startswith(local)]


@pytest.fixture
def visit(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    yield Visit(page)
    context.close()
