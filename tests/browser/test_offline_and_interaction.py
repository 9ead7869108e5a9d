"""In Chromium: every page renders with no request leaving the machine, maps draw, filters and downloads work."""

import csv
import io

import pytest

PAGES = ["", "map", "city?profile=phnom_penh", "funding", "impact", "projects?project=wise", "events", "about"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline_without_errors(server_url, visit, path):
    visit.open(f"{server_url}/{path}")
    assert visit.page.locator('[data-testid="stException"]').count() == 0
    assert visit.external_requests() == [], "the page asked the internet for something"


@pytest.mark.parametrize("path", ["", "map", "events"])
def test_maps_are_drawn(server_url, visit, path):
    visit.open(f"{server_url}/{path}")
    canvas = visit.wait_for('[data-testid="stDeckGlJsonChart"] canvas')
    box = canvas.bounding_box()
    assert box["width"] > 300 and box["height"] > 200


def test_charts_are_drawn(server_url, visit):
    visit.open(f"{server_url}/funding")
    visit.wait_for('[data-testid="stPlotlyChart"] .main-svg')
    assert visit.page.locator('[data-testid="stPlotlyChart"]').count() == 2
    assert "Disclosed funding by sector" in visit.page.locator('[data-testid="stPlotlyChart"]').first.inner_text()


def test_choosing_a_country_in_the_sidebar_changes_the_numbers_and_the_address(server_url, visit):
    visit.open(f"{server_url}/")
    assert visit.metrics()["Disclosed funding"] == "$4.4M"
    visit.page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.click()
    visit.page.get_by_role("option", name="Cambodia (2)").click()
    visit.page.keyboard.press("Escape")
    visit.page.wait_for_url("**country=KHM**", timeout=20_000)
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
    assert {row["project_id"] for row in rows} == {"khm_hospital_digitization", "bif1_ag4f"}
    assert [row["amount_usd"] for row in rows] == ["98750.0", ""]
