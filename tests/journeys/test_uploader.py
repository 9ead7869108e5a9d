"""The uploader's journey: a program officer adds three projects of their own and explores them, the way a person does.

They download the empty template, fill it in Excel (here openpyxl) with the names they know (a city's
name, a country's name, the web address of the page they read, an amount written "$250,000"), misspell a
city, upload, read the report from its CSV download (tables are drawn on a canvas), fix the cell and
upload again. Then they explore: move between pages by the navigation and by a link pasted into the same
window, reload, and find their upload still there, until they press "Forget this upload now". A colleague
opening the same link in another browser never sees it. No traceback may reach the server log (conftest).

Set JOURNEY_SCREENSHOTS to a folder to keep screenshots of the report and of the explored upload.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from pathlib import Path

import openpyxl
from harness import SERVER_LOGS

NEW_SOURCE = "https://example.org/news/hcmc-water-meters"
PROJECTS = [
    {
        "project_id": "hcmc_water_meters",
        "title": "Smart water meters for Ho Chi Minh City",
        "relationship": "usascp_project",
        "lead_agency": "State",
        "sector": "Water",
        "geographic_scope": "city",
        "status": "ongoing",
        "start_date": dt.date(2025, 3, 1),  # typed as a date: Excel stores a date
        "summary": "Meters that report leaks in the city's water network.",
        "cities": "Ho Chi Mihn City",  # the honest mistake: a misspelt city
        "sources": NEW_SOURCE,
    },
    {
        "project_id": "danang_flood_sensors",
        "title": "Flood sensors in Da Nang",
        "relationship": "usascp_project",
        "lead_agency": "State",
        "sector": "Climate & resilience",
        "geographic_scope": "city",
        "status": "planned",
        "summary": "River level sensors and warnings.",
        "cities": "Da Nang",
        "sources": NEW_SOURCE,
    },
    {
        "project_id": "vn_bus_planning_course",
        "title": "Bus planning course for Vietnamese cities",
        "relationship": "usascp_project",
        "lead_agency": "USDOT",
        "sector": "Training & exchange",
        "geographic_scope": "country",
        "status": "completed",
        "summary": "A week of bus network planning with U.S. transit agencies.",
        "countries": "Vietnam",
        "sources": NEW_SOURCE,
    },
]
SOURCE = {
    "source_id": "hcmc_meters_news",
    "title": "Ho Chi Minh City pilots smart water meters",
    "publisher": "Example News",
    "url": NEW_SOURCE,
    "date_accessed": dt.date(2025, 6, 1),
}
GRANT = {
    "grant_id": "G_HCMC_1",
    "project_id": "hcmc_water_meters",
    "recipient": "Saigon Water Corporation",
    "amount_usd": "$250,000",  # as a person types it
    "award_date": dt.date(2025, 3, 15),
    "amount_kind": "grant",
    "source_id": NEW_SOURCE,  # the address, not an id: read as hcmc_meters_news
}
SHIPPED = {"USASCP projects": "19", "Disclosed funding": "$4.4M"}
OURS = {"USASCP projects": "3", "Disclosed funding": "$250,000"}


def test_an_uploader_fills_the_template_fixes_a_mistake_explores_and_keeps_it_across_reloads(person, tmp_path):
    server, page = person.server, person.page
    kept_folder = SERVER_LOGS[server].parent / "kept-uploads"
    kept_before = set(os.listdir(kept_folder)) if kept_folder.exists() else set()

    # 1. The template, downloaded as a person does.
    person.open(f"{server}/data")
    with page.expect_download() as download:
        page.get_by_role("button", name="Excel template (empty)").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name == "usascp-template.xlsx"

    # 2. Filled with names where a person knows names, and one misspelt city.
    workbook = openpyxl.load_workbook(template)
    guide = [row for row in workbook["How to fill this in"].iter_rows(values_only=True) if row[0] == "projects"]
    assert ("projects", "cities", "optional") == guide[-3][:3]  # the sheet explains the column the person fills
    fill(workbook["sources"], [SOURCE])
    fill(workbook["projects"], PROJECTS)
    fill(workbook["grants"], [GRANT])
    mistaken = tmp_path / "our-projects.xlsx"
    workbook.save(mistaken)

    # 3. Uploaded; the report read from its CSV download.
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(mistaken))
    error = person.wait_for('[data-testid="stAlertContentError"]', timeout_ms=90_000)
    person.settle()
    assert alert_text(error).startswith("1 problem to fix before this upload can be explored.")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this report (CSV)").click()
    report = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert report == [
        {
            "file or sheet": "our-projects.xlsx, sheet projects",
            "row": "2",
            "column": "cities",
            "value": "Ho Chi Mihn City",
            "expected": "the name or city_id of a member city; did you mean `ho_chi_minh_city` — Ho Chi Minh City, Vietnam?",
        }
    ]
    assert not page.get_by_role("button", name="Explore this data on every page").count()
    error.scroll_into_view_if_needed()
    shot(person, "report-mistaken-sheet")

    # 4. Fixed in the sheet, the old file removed and the new one uploaded.
    header = [cell.value for cell in workbook["projects"][1]]
    workbook["projects"].cell(row=2, column=header.index("cities") + 1, value="Ho Chi Minh City")
    fixed = tmp_path / "our-projects-fixed.xlsx"
    workbook.save(fixed)
    page.get_by_role("button", name="Remove our-projects.xlsx").click()
    person.settle()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(fixed))
    success = person.wait_for('[data-testid="stAlertContentSuccess"]', timeout_ms=90_000)
    person.settle()
    assert alert_text(success) == "The upload is valid. It holds 1 source, 3 projects and 1 grant."
    main_text = page.locator('[data-testid="stMain"]').inner_text()
    # The cities, countries and sources of the three projects, the grant's address and its "$250,000".
    assert "Read 8 values written loosely or by name" in main_text
    assert "Exploring keeps the upload on this server for 24 hours, for this browser only" in main_text

    # 5. Explored: the Overview counts their three projects and their one grant.
    page.get_by_role("button", name="Explore this data on every page").click()
    person.wait_for_address(f"{server}/")
    person.settle(2)
    assert pick(person.metrics(), OURS) == OURS
    banner = exploring_banner(person)
    assert "You are exploring your upload (our-projects-fixed.xlsx), instead of the shipped data." in banner
    assert "Kept on the server for this browser only, until" in banner and "(24 hours after you chose to explore it)" in banner
    (kept,) = set(os.listdir(kept_folder)) - kept_before  # one upload kept on the server, under a hashed name
    cookie = browser_cookie(person)
    assert cookie is not None and len(cookie["value"]) == 43 and cookie["sameSite"] == "Strict"
    assert cookie["value"] not in kept and cookie["value"] not in page.evaluate("() => location.href")

    # 6. By the navigation: the Funding page, still theirs.
    page.locator('[data-testid="stSidebarNav"] a', has_text="Funding").click()
    person.wait_for_address("/funding")
    person.settle(2)
    assert "You are exploring your upload" in exploring_banner(person)

    # 7. By a link pasted into the same window: a new session, brought back by this browser's cookie.
    link = f"{server}/projects?project=hcmc_water_meters"
    person.open(link)
    assert "Smart water meters for Ho Chi Minh City" in page.locator('[data-testid="stMain"]').inner_text()
    assert "You are exploring your upload" in exploring_banner(person)

    # 8. Reloaded: still there.
    page.goto(server, wait_until="load")
    person.settle(2)
    page.reload(wait_until="load")
    person.settle(2)
    assert pick(person.metrics(), OURS) == OURS
    assert "You are exploring your upload (our-projects-fixed.xlsx)" in exploring_banner(person)
    shot(person, "explored-after-reload")

    # 9. A colleague opening the same link in another browser sees the shipped data, never the upload.
    colleague = person.new_window()
    try:
        colleague.open(link)
        text = colleague.page.locator('[data-testid="stMain"]').inner_text()
        assert "There is no project 'hcmc_water_meters' in this data" in text
        assert "You are exploring" not in colleague.page.inner_text("body")
        colleague.open(server)
        assert pick(colleague.metrics(), SHIPPED) == SHIPPED
        assert browser_cookie(colleague) is None
    finally:
        colleague.page.context.close()

    # 10. Forgotten: gone from the page, the server and the browser, and a reload does not bring it back.
    page.get_by_role("button", name="Forget this upload now").first.click()
    person.settle(2)
    assert pick(person.metrics(), SHIPPED) == SHIPPED
    assert "You are exploring" not in page.inner_text("body")
    assert kept not in os.listdir(kept_folder)
    deadline = time.monotonic() + 10
    while browser_cookie(person) is not None and time.monotonic() < deadline:
        time.sleep(0.3)
    assert browser_cookie(person) is None
    page.reload(wait_until="load")
    person.settle(2)
    assert pick(person.metrics(), SHIPPED) == SHIPPED
    assert "You are exploring" not in page.inner_text("body")


def fill(sheet, rows: list[dict]) -> None:
    """Rows typed under the sheet's header, each value in the column of its name."""
    header = [cell.value for cell in sheet[1]]
    for row in rows:
        sheet.append([row.get(name) for name in header])


def alert_text(alert) -> str:
    """An alert's words, without its icon's name."""
    return alert.locator('[data-testid="stMarkdownContainer"]').inner_text().strip()


def pick(metrics: dict[str, str], wanted: dict[str, str]) -> dict[str, str]:
    return {label: metrics.get(label) for label in wanted}


def exploring_banner(visit) -> str:
    banner = visit.wait_for('[data-testid="stMain"] [data-testid="stMarkdownContainer"]:has-text("You are exploring")')
    return banner.inner_text()


def browser_cookie(visit) -> dict | None:
    """This browser's key to its kept upload, if it holds one."""
    found = [cookie for cookie in visit.page.context.cookies() if cookie["name"].startswith("usascp_upload_")]
    return found[0] if found else None


def shot(visit, name: str) -> None:
    folder = os.environ.get("JOURNEY_SCREENSHOTS")  # as tests/journeys/conftest.py says
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(Path(folder) / f"uploader-{name}-{visit.size}.png"))
