"""`make screenshots`: PNGs of every page at projector sizes (1920x1080 and 1280x720) in screenshots/.

`python tests/browser/screenshots.py present map` captures only the pages whose names start so.
Each page is also captured whole (a tall window), so nothing below the fold goes unseen. The run fails
if a page shows a Streamlit exception or asks the internet for anything.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import CHROMIUM, CHROMIUM_ARGS, REPO, Visit, running_server
from playwright.sync_api import sync_playwright

PAGES = {
    "overview": "",
    "map": "map",
    "map-cambodia": "map?focus=KHM",
    "city-phnom-penh": "city?profile=phnom_penh",
    "compare": "compare?place=KHM&place=VNM&place=phnom_penh&place=ho_chi_minh_city",
    "funding": "funding",
    "funding-cambodia": "funding?country=KHM",
    "impact": "impact",
    "projects-hospital": "projects?project=khm_hospital_digitization",
    "events": "events",
    "data": "data",
    "about": "about",
    "search-phnom": "search?q=phnom",
    "present-headline": "present",
    "present-map": "present?slide=map",
    "present-funding": "present?slide=funding",
    "present-impact-cambodia": "present?slide=impact&country=KHM",
    "present-events": "present?slide=events",
}
SIZES = {"1920x1080": (1920, 1080), "1280x720": (1280, 720), "full": (1440, 2600)}


def main(only: list[str], out: Path = REPO / "screenshots") -> int:
    """Capture every page, or only those whose names start with one of `only` (e.g. "present")."""
    out.mkdir(exist_ok=True)
    pages = {name: path for name, path in PAGES.items() if not only or name.startswith(tuple(only))}
    problems = []
    # With a public address (the server itself), as a deployment for a hall has: the slides carry their QR codes.
    with running_server({"USASCP_PUBLIC_URL": "{url}"}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, path in pages.items():
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                visit = Visit(context.new_page()).open(f"{url}/{path}")
                if visit.page.locator('[data-testid="stDeckGlJsonChart"]').count():
                    visit.wait_for('[data-testid="stDeckGlJsonChart"] canvas')
                visit.settle(extra_seconds=2)
                target = out / f"{name}-{size}.png"
                visit.page.screenshot(path=str(target))
                if visit.page.locator('[data-testid="stException"]').count():
                    problems.append(f"{target.name}: the page shows an exception")
                if visit.external_requests():
                    problems.append(f"{target.name}: asked the internet for {visit.external_requests()}")
                context.close()
                print(target.relative_to(REPO))
        browser.close()
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
