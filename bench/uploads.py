"""What an upload costs the server and the other viewers, measured on a real server in Chromium.

1. A real portfolio: a 60 MB CSV of 740,000 grants is checked within the budgets (time to the report).
2. Another viewer's filter change while a hostile workbook (declares 16,384 x 20,000) is being checked.
3. The server's resident memory before and after five sessions each upload a wide workbook.

Writes bench/uploads.json. Run: .venv/bin/python bench/uploads.py
"""

from __future__ import annotations

import json
import statistics
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "tests" / "browser")]

from amplifiers import GRANTS_HEADER, wide_workbook  # noqa: E402
from harness import CHROMIUM, CHROMIUM_ARGS, Visit, running_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

FOLDER = REPO / "bench" / "data" / "uploads"


def server_rss_mb(port: int) -> float:
    import subprocess

    pid = subprocess.run(["pgrep", "-f", f"server.port {port}"], capture_output=True, text=True).stdout.split()[0]
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def upload(visit: Visit, url: str, path: Path, done: str) -> float:
    visit.open(f"{url}/data")
    visit.page.get_by_text("Beside the shipped data (added to it)").click()  # grants of the shipped projects
    visit.settle(0)
    started = time.monotonic()
    visit.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    visit.wait_for(done, timeout_ms=300_000)
    return time.monotonic() - started


def upload_in_own_browser(url: str, path: Path, done: str) -> None:
    """An upload by another person, in a thread of its own: Playwright's sync API keeps to the thread that started it."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        upload(Visit(browser.new_page(viewport={"width": 1440, "height": 1000})), url, path, done)
        browser.close()


def filter_change(visit: Visit, url: str, country: str) -> float:
    """Time from choosing a country in the sidebar to the page settling."""
    visit.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    started = time.monotonic()
    visit.page.get_by_role("option", name=country).first.click()
    visit.page.keyboard.press("Escape")
    visit.settle(0)
    return time.monotonic() - started


def main() -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    portfolio = FOLDER / "grants.csv"
    if not portfolio.exists():
        row = "U{},wise,A recipient with a long enough name to make the file big,5000,2021-03,award letter,State EAP/MLA,grant,usascp_home,"
        portfolio.write_text(GRANTS_HEADER + "\n" + "\n".join(row.format(n) for n in range(740_000)) + "\n")
    hostile = FOLDER / "wide.xlsx"
    hostile.write_bytes(wide_workbook(20_000))
    results = {"portfolio_mb": round(portfolio.stat().st_size / 2**20, 1)}
    with running_server() as url, sync_playwright() as playwright:
        port = int(url.rsplit(":", 1)[1])
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def new_visit() -> Visit:
            return Visit(browser.new_context(viewport={"width": 1440, "height": 1000}).new_page())

        results["rss_at_start_mb"] = round(server_rss_mb(port))
        officer = new_visit()
        results["portfolio_seconds"] = round(upload(officer, url, portfolio, '[data-testid="stAlertContentSuccess"]'), 1)

        viewer = new_visit()
        viewer.open(url)
        quiet = [filter_change(viewer, url, country) for country in ("Cambodia", "Vietnam", "Laos")]
        thread = threading.Thread(target=upload_in_own_browser, args=(url, hostile, '[data-testid="stAlertContentError"]'))
        viewer.open(url)
        thread.start()
        time.sleep(4.0)  # the other browser has opened the page and the check is under way
        busy = [filter_change(viewer, url, country) for country in ("Cambodia", "Vietnam", "Laos")]
        thread.join()
        results["filter_change_quiet_s"] = round(statistics.median(quiet), 2)
        results["filter_change_during_hostile_upload_s"] = round(statistics.median(busy), 2)

        results["rss_before_five_uploads_mb"] = round(server_rss_mb(port))
        for _ in range(5):
            visit = new_visit()
            upload(visit, url, hostile, '[data-testid="stAlertContentError"]')
            visit.page.context.close()
        time.sleep(3)
        results["rss_after_five_uploads_mb"] = round(server_rss_mb(port))
        browser.close()
    (REPO / "bench" / "uploads.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
