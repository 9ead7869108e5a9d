"""In Chromium: a file chosen on the Data page is checked, explored on every page, and its markup stays text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from usascp.formatting import WORD_JOINER
from usascp.importers.template import template_workbook

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "iati-activities-test.xml"
HOSTILE = "Clinic records <img src=x onerror=alert(1)> <script>alert(2)</script> ![t](http://evil.example/t.png)"


def upload(visit, server_url, path: Path) -> None:
    visit.open(f"{server_url}/data")
    visit.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    visit.wait_for('[data-testid="stAlertContentSuccess"]', timeout_ms=60_000)
    visit.settle()


def test_an_iati_file_is_checked_explored_and_left_on_request(server_url, visit):
    upload(visit, server_url, SAMPLE)
    text = visit.page.locator('[data-testid="stMain"]').inner_text()
    assert "IATI: iati-activities-test.xml: 4 activities, 5 transactions, 2 result values." in text
    assert "1 location matches no member city" in text and "kept as it is" in text
    visit.page.get_by_role("button", name="Explore this data on every page").click()
    visit.wait_for_address("127.0.0.1")
    visit.settle(2)
    assert "You are exploring your upload (iati-activities-test.xml), instead of the shipped data." in visit.page.inner_text(
        "body"
    )
    assert visit.metrics()["USASCP projects"] == "4"
    assert visit.metrics()["Disclosed funding"] == "$1.6M"
    visit.page.get_by_role("button", name="Forget this upload now").first.click()
    visit.settle(2)
    assert visit.metrics()["Disclosed funding"] == "$4.4M"
    assert "You are exploring" not in visit.page.inner_text("body")
    assert visit.external_requests() == []


MIXED = Path(__file__).resolve().parents[1] / "fixtures" / "iati-dportal-mixed.xml"


def test_a_mixed_iati_export_gets_an_activity_report_whose_csv_holds_every_activity(server_url, visit):
    import csv
    import io

    upload(visit, server_url, MIXED)
    text = visit.page.locator('[data-testid="stMain"]').inner_text()
    assert "IATI: iati-dportal-mixed.xml: 7 activities (2 set aside), 7 transactions, 1 result value." in text
    assert "2 activities set aside and 2 parts of activities set aside: the report says why." in text
    with visit.page.expect_download() as download:
        visit.page.get_by_role("button", name="Download the activity report (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [(row["activity"], row["version read as"], row["outcome"]) for row in rows] == [
        ("XM-DP-103-WATER", "1.03", "read in part"),
        ("XM-DP-105-SKILLS", "1.05", "read"),
        ("XM-DP-201-PARENT", "2.01", "read"),
        ("XM-DP-203-CHILD", "2.03", "read in part"),
        ("XM-DP-300-FUTURE", "3.0", "set aside"),
        ("(no identifier)", "2.02", "set aside"),
        ("XM-DP-NOVERSION-REGIONAL", "2.0x (by its narratives)", "read"),
    ]
    assert rows[4]["set aside"] == "IATI version 3.0; this dashboard reads 1.01 to 1.05 and 2.01 to 2.03"
    assert visit.external_requests() == []


def test_markup_in_an_uploaded_title_is_shown_as_text_and_never_runs(server_url, visit, dataset, tmp_path):
    projects = dataset.projects.copy()
    projects.loc[projects["project_id"] == "khm_hospital_digitization", "title"] = HOSTILE
    workbook = tmp_path / "portfolio.xlsx"
    workbook.write_bytes(template_workbook(dataclasses.replace(dataset, projects=projects)))
    dialogs = []
    visit.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    upload(visit, server_url, workbook)
    visit.page.get_by_role("button", name="Explore this data on every page").click()  # on to the Overview
    visit.settle(2)
    main = visit.page.locator('[data-testid="stMain"]')
    # The recent-results card shows the title, as text: as a person reads it, with the invisible word joiner
    # that keeps "http://" from becoming a link (formatting.markdown_text) taken out.
    assert HOSTILE in main.inner_text().replace(WORD_JOINER, "")
    assert main.locator('img[src="x"], script:not([type])').count() == 0
    assert dialogs == [] and not [url for url in visit.requests if "evil.example" in url]


def test_a_foreignassistance_gov_download_is_read_with_a_progress_bar_and_its_report(server_url, visit, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fagov_files import write_fagov_file

    path = tmp_path / "us_foreign_aid_country.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        truth = write_fagov_file(out, target_bytes=60 * 2**20)
    visit.open(f"{server_url}/data")
    visit.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    visit.wait_for('[data-testid="stProgress"]', timeout_ms=60_000)  # shown while the worker reads
    visit.wait_for('[data-testid="stAlertContentSuccess"]', timeout_ms=120_000)
    visit.settle()
    text = visit.page.locator('[data-testid="stMain"]').inner_text()
    assert f"ForeignAssistance.gov: us_foreign_aid_country.csv: {truth.rows:,} rows read, {truth.kept:,} kept" in text
    assert not visit.page.locator('[data-testid="stProgress"]').count()  # gone once read
    assert visit.external_requests() == []
