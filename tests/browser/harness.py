"""Start the dashboard on a free loopback port and look at it in Debian's Chromium (tests and screenshots share this)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Where each running server writes its log, by base URL: journeys end by checking it holds no traceback.
SERVER_LOGS: dict[str, Path] = {}


@contextlib.contextmanager
def running_server(extra_env: dict[str, str] | None = None, extra_args: tuple[str, ...] = (), port: int | None = None):
    """`streamlit run dashboard.py` on a free loopback port; yields its base URL once it answers.

    `extra_env` is added to the environment (e.g. USASCP_STORE_DIR), with "{url}" in a value standing for the
    server's own base URL (USASCP_PUBLIC_URL="{url}": the slides' codes open this server); `extra_args` to the
    command line (e.g. "--secrets.files", a path). The server's output goes to a log file (server_log reads it).
    `port` is chosen free unless given (single sign-on needs it before the start, for the redirect address in the
    secrets).
    """
    import tempfile

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    extra_env = {name: value.replace("{url}", url) for name, value in (extra_env or {}).items()}
    log = Path(tempfile.mkdtemp(prefix="usascp-server-")) / "server.log"
    with open(log, "wb") as output:
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
                *extra_args,
            ],
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
            # Uploads a test explores are kept beside the log, never in the repository's kept-uploads/.
            env={**os.environ, "USASCP_UPLOADS_DIR": str(log.parent / "kept-uploads"), **extra_env},
        )
    SERVER_LOGS[url] = log
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


def server_log(url: str) -> str:
    """What the server at `url` has written so far."""
    return SERVER_LOGS[url].read_text(errors="replace")


# kaleido's Chromium channel (choreographer) reports a message it could not parse and goes on without it:
# "JSONError decoding message. Ignoring", with the traceback of its own parser. Seen once in a loaded `make test`
# while a map picture was drawn (the picture came out whole). Only such a block, every frame of it in choreographer
# or simplejson, is left out; any other traceback counts.
_IGNORED_MESSAGE = re.compile(
    r"JSONError decoding message\. Ignoring\nTraceback \(most recent call last\):\n(?P<body>(?:.*\n)*?)"
    r"choreographer\.channels\._errors\.JSONError\n"
)


def server_tracebacks(text: str) -> list[str]:
    """The tracebacks in a server log `text`, each as the lines that follow its "Traceback" line."""

    def ours(found: re.Match) -> bool:
        files = re.findall(r'File "([^"]+)"', found.group("body"))
        return not files or any("/choreographer/" not in path and "/simplejson/" not in path for path in files)

    kept = _IGNORED_MESSAGE.sub(lambda found: found.group(0) if ours(found) else "", text)
    return kept.split("Traceback (most recent call last):")[1:]


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
        # Grey placeholders stand in for elements still being drawn after the script has finished.
        self.page.wait_for_function("() => !document.querySelector('[data-testid^=\"stSkeleton\"]')", timeout=30_000)
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

    def wait_for_address(self, fragment: str, timeout_s: float = 30) -> None:
        """Wait until the address bar contains `fragment`.

        Streamlit changes the address with history.pushState; Playwright's page.url can trail that by one
        change, so this reads location.href in the page itself.
        """
        deadline = time.monotonic() + timeout_s
        while fragment not in (address := self.page.evaluate("() => location.href")):
            if time.monotonic() > deadline:
                raise AssertionError(f"the address never contained {fragment!r}; it is {address}")
            time.sleep(0.2)

    def external_requests(self) -> list[str]:
        local = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")
        return [url for url in self.requests if not url.startswith(local)]
