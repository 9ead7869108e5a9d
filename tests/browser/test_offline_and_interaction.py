"""In Chromium: every page renders with no request leaving the machine, maps draw, filters and downloads work."""

import csv
import io

import pytest

from usascp import aggregate
from usascp.load import DEFAULT_DATA_DIR, load_dataset

PAGES = ["", "map", "city?profile=phnom_penh", "funding", "impact", "projects?project=wise", "events", "present", "about"]
PAGES += ["compare?place=KHM&place=VNM&place=phnom_penh", "search?q=phnom"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_without_errors(server_url, visit, path):
    visit.open(f"{server_url}/{path}")
    assert visit.page.locator('[data-testid="stException"]').count() == 0
    assert visit.external_requests() == [], "the page asked the internet for something"


def test_charts_are_drawn(server_url, visit):
    visit.open(f"{server_url}/funding")
    visit.wait_for('[data-testid="stPlotlyChart"] .main-svg')
    charts = visit.page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() == 3  # the breakdown, money over time, the treemap
    assert "Disclosed funding by sector" in charts.first.inner_text()
    assert "Committed against disbursed, by calendar year" in charts.nth(1).inner_text()


def test_choosing_a_country_in_the_sidebar_changes_the_numbers_and_the_address(server_url, visit):
    visit.open(f"{server_url}/")
    assert visit.metrics()["Disclosed funding"] == "$4.4M"
    visit.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    visit.page.get_by_role("option", name="Cambodia (2)").click()
    visit.page.keyboard.press("Escape")
    visit.wait_for_address("country=KHM")
    visit.settle()
    assert visit.metrics()["Disclosed funding"] == "$98,750"
    assert visit.metrics()["Records digitized"] == "108,750"


def test_a_shared_address_restores_the_view(server_url, visit):
    visit.open(f"{server_url}/funding?country=KHM&sector=Health")
    assert visit.metrics()["Projects with a published amount"] == "1 of 1"
    chips = visit.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').all_inner_texts()
    assert any("Cambodia" in chip for chip in chips) and any("Health" in chip for chip in chips)


def test_csv_download_holds_exactly_the_filtered_rows(server_url, visit):
    visit.open(f"{server_url}/funding?country=KHM")
    with visit.page.expect_download() as download:
        visit.page.get_by_role("button", name="Download these rows (CSV)").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    # Headers in words (usascp.labels), ids kept for officers who join the file to their own.
    assert {row["project id"] for row in rows} == {"khm_hospital_digitization", "bif1_ag4f"}
    assert sorted(row["amount (USD)"] for row in rows) == ["", "98750.0"]


def _table_cells(visit, index: int) -> list[str]:
    """The headers and cells of the page's `index`-th browser table, as its grid tells assistive technology."""
    visit.page.locator('[data-testid="stDataFrame"] [role="gridcell"]').first.wait_for(state="attached")  # drawn on a canvas
    return visit.page.evaluate(
        """(index) => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]')[index]
            .querySelectorAll('[role="columnheader"], [role="gridcell"]')).map(cell => cell.innerText)""",
        index,
    )


def _column_cells(visit, index: int, header: str) -> list[str]:
    """The cells the `index`-th browser table shows under `header`, top to bottom (the rows drawn so far)."""
    visit.page.locator('[data-testid="stDataFrame"] [role="gridcell"]').first.wait_for(state="attached")
    return visit.page.evaluate(
        """([index, header]) => {
            const grid = document.querySelectorAll('[data-testid="stDataFrame"]')[index];
            const column = Array.from(grid.querySelectorAll('[role="columnheader"]')).find(cell => cell.innerText.trim() === header);
            const at = column.getAttribute('aria-colindex');
            return Array.from(grid.querySelectorAll(`[role="gridcell"][aria-colindex="${at}"]`)).map(cell => cell.innerText);
        }""",
        [index, header],
    )


def test_browser_tables_read_their_words_numbers_and_links(server_url, visit):
    # Tables go to the browser as Arrow made column by column (labels.shown_arrow), with no pandas index.
    visit.open(f"{server_url}/funding?country=KHM")
    rows = _table_cells(visit, 0)  # the rows behind the charts: the tables under the charts are made when opened
    assert rows[:4] == ["project", "amount", "lead agency", "sector"]  # the columns in view, then their rows
    assert rows[6:10] == ["Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare", "$98,750", "State", "Health"]
    assert rows[12:14] == ["BIF award: Agroecology Garden for the Future (AG4F) school gardens", "not disclosed"]
    # A column that repeats its words goes as Arrow's dictionary of them (labels._each_value_once): the same cells.
    visit.open(f"{server_url}/funding")
    agencies = _column_cells(visit, 0, "lead agency")
    expected = aggregate.funding_rows(load_dataset(DEFAULT_DATA_DIR), limit=len(agencies))["lead_agency"].tolist()
    assert agencies == expected and agencies[:3] == ["State", "State", "State"] and "Commerce" in agencies
    visit.open(f"{server_url}/about")
    licences = _table_cells(visit, 0)
    assert licences[:4] == ["kind of source", "licence", "sources", "terms"]
    assert licences[4:8] == ["U.S. government pages", "Public domain (a U.S. government work)", "6", "https://www.copyright.gov/title17/92chap1.html#105"]


def _open_city_from_map(visit, click_on_map: bool):
    import math
    import time

    if click_on_map:
        # Where Vientiane sits in the default ASEAN view (MapLibre zoom 3.3 on 512-pixel tiles, centre 6.5 N 109 E).
        visit.wait_for('[data-testid="stDeckGlJsonChart"] canvas')
        time.sleep(2)
        box = visit.page.locator('[data-testid="stDeckGlJsonChart"]').first.bounding_box()
        world = 512 * 2**3.3
        mercator = lambda lat: math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))  # noqa: E731
        x = box["x"] + box["width"] / 2 + (102.6 - 109.0) / 360 * world
        y = box["y"] + box["height"] / 2 - (mercator(17.96667) - mercator(6.5)) * world / (2 * math.pi)
        visit.page.mouse.move(x, y)
        visit.page.mouse.click(x, y)
    else:
        # As a person does in a long list: open it, type the first letters, click the city.
        chooser = visit.page.locator('[data-testid="stMain"]').get_by_role("combobox", name="Open a city profile", exact=True)
        chooser.click()
        chooser.fill("Vient")
        visit.page.get_by_role("option", name="Vientiane, Laos", exact=True).click()
    visit.wait_for_address("/city?", timeout_s=45)
    visit.wait_for_address("profile=vientiane", timeout_s=15)
    visit.settle()


@pytest.mark.parametrize("click_on_map", [False, True], ids=["select-box", "map-click"])
def test_picking_a_city_opens_its_profile_and_keeps_the_filters(server_url, visit, click_on_map):
    visit.open(f"{server_url}/map?country=LAO&from=2021&sector=Water")
    _open_city_from_map(visit, click_on_map)
    assert visit.page.locator('[data-testid="stMain"] h1').first.inner_text() == "Vientiane, Laos"
    assert "country=LAO" in visit.page.url and "sector=Water" in visit.page.url and "from=2021" in visit.page.url
    assert visit.page.get_by_text("Showing: 2021–2025 · Laos · Water").count() == 1
    assert visit.page.locator('[data-testid="stException"]').count() == 0


def test_a_deep_link_works_as_the_first_visit_to_a_fresh_server(fresh_server_url, visit):
    # With a pages/ folder, Streamlit first runs a deep link's page file alone; ui.page.start() reruns it properly.
    visit.open(f"{fresh_server_url}/funding?country=KHM")
    assert visit.page.locator('[data-testid="stMain"] h1').first.inner_text() == "Funding"
    assert visit.metrics()["Disclosed funding"] == "$98,750"
    assert visit.page.get_by_role("heading", name="Filters").count() == 1
    assert visit.page.get_by_role("link", name="Pilot cities map").count() == 1  # our navigation, not the file list
