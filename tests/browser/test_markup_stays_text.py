"""In Chromium: markup in every text cell and every query parameter is drawn as text on every page and slide.

The AppTest in test_pages.py reads the markdown Streamlit is handed; this reads what Streamlit drew from
it, and every request the browser made: nothing may link to, load from or post to the payload host.
"""

from __future__ import annotations

import shutil
import urllib.parse

import pandas as pd
import pytest
from harness import running_server
from hostile_markup import EVIL, MARKUP, with_markup

from usascp.formatting import WORD_JOINER
from usascp.load import DEFAULT_DATA_DIR
from usascp.presentation import SLIDE_KEYS
from usascp.schema import TABLE_FILES

# The shared filters (Phnom Penh, a real city, puts a name from the data in the "Showing: …" line), then
# each page's own parameters; the project and city are real so their details are drawn.
QUERY = [("city", "phnom_penh")] + [
    (key, MARKUP) for key in ("from", "to", "country", "city", "sector", "agency", "status", "related", "focus", "slide")
]
PAGES = ["", "map", "city?profile=phnom_penh", "funding", "impact", "projects?project=khm_hospital_digitization", "events"]
PAGES += ["present", "data", "about"]
# A comparison and a search whose hits carry the payload (every name starts "[Sign in to continue]…"), an event and a source.
PAGES += ["compare?place=KHM&place=phnom_penh", "search?q=sign+in", "events?event=ascn_annual_2022", "about?source=globalties_wise"]

# What would show that markup went live, in the page Streamlit drew.
LIVE_MARKUP = """(evil) => {
  const found = [];
  const count = (selector, what) => {
    const n = document.querySelectorAll(selector).length;
    if (n) found.push(`${what} (${n})`);
  };
  count(`[*|href*="${evil}"]`, "a link to the payload host");
  count(`[src*="${evil}"], [srcset*="${evil}"], [action*="${evil}"]`, "a picture or form from the payload host");
  count('input[name="password"]', "the payload's password field");
  count(".katex", "maths");
  count('img[alt="Streamlit logo"]', "the Streamlit logo");
  const each = (selector, test, what) => {
    for (const element of document.querySelectorAll(selector)) if (test(element)) found.push(`${what}: ${element.outerHTML.slice(0, 120)}`);
  };
  const text = (element) => element.textContent.trim();
  each("style", (e) => e.textContent.includes(evil), "a style sheet from the data");
  each("script", (e) => e.textContent.includes("alert(1)"), "a script from the data");
  each("strong, b, [style*='color']", (e) => text(e) === "RED ALERT", "bold or coloured text from the data");
  each("h1, h2, h3, h4, h5, h6", (e) => /^(Fake|Payload heading)/.test(text(e)), "a heading from the data");
  each("li", (e) => text(e).startsWith("payload item"), "a list from the data");
  each('[data-testid="stIconMaterial"]', (e) => text(e) === "skull", "an icon from the data");
  return found;
}"""


@pytest.fixture(scope="module")
def markup_server(tmp_path_factory):
    """A server whose data folder has MARKUP in every free-text cell (its addresses are real: the schema refuses others)."""
    folder = tmp_path_factory.mktemp("markup-data")
    shutil.copytree(DEFAULT_DATA_DIR, folder, dirs_exist_ok=True)
    tables = {table: pd.read_csv(DEFAULT_DATA_DIR / name, dtype=str, keep_default_na=False) for table, name in TABLE_FILES.items()}
    for table, frame in with_markup(tables).items():
        frame.to_csv(folder / TABLE_FILES[table], index=False)
    with running_server({"USASCP_DATA_DIR": str(folder)}) as url:
        yield url


def address(server_url: str, path: str) -> str:
    page, _, own = path.partition("?")
    return f"{server_url}/{page}?" + urllib.parse.urlencode(urllib.parse.parse_qsl(own) + QUERY)


def assert_drawn_as_text(visit, where: str) -> None:
    assert visit.page.locator('[data-testid="stException"]').count() == 0, where
    assert visit.page.evaluate(LIVE_MARKUP, EVIL) == [], where
    assert not [url for url in visit.requests if EVIL in (urllib.parse.urlsplit(url).hostname or "")], where


@pytest.mark.parametrize("path", PAGES)
def test_markup_in_the_data_and_the_address_is_drawn_as_text(markup_server, visit, path):
    dialogs = []
    visit.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    visit.open(address(markup_server, path))
    assert_drawn_as_text(visit, path)
    shown = visit.page.locator("body").inner_text().replace(WORD_JOINER, "")
    assert f"Ignored city '{MARKUP.splitlines()[0]}" in shown  # the sidebar quotes the address as it was typed
    if path.startswith("city"):
        assert "[Sign in to continue](https://evil.example/login)" in shown  # the population area, as text
    if path == "present":
        for slide in SLIDE_KEYS[1:]:
            visit.page.keyboard.press("ArrowRight")
            visit.wait_for_address(f"slide={slide}")
            visit.settle()
            assert_drawn_as_text(visit, f"present, {slide}")
    assert dialogs == []
