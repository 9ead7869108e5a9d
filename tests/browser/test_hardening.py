"""In Chromium: what an attacker or a careless editor leaves behind never takes the dashboard away from anyone.

- a saved version that cannot be shown: an editor signs in on the page a viewer lands on and restores;
- a small file that asks for gigabytes is refused with its limit named, and the page stays usable;
- every journey ends with a server log free of tracebacks.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from harness import Visit, running_server, server_log

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from amplifiers import wide_csv, wide_workbook  # noqa: E402

from usascp.editors import hash_password  # noqa: E402
from usascp.load import DEFAULT_DATA_DIR, load_dataset  # noqa: E402
from usascp.store import DatasetStore  # noqa: E402


@pytest.fixture
def broken_store_server(tmp_path):
    """A server whose current saved version no longer loads, with one editor (maria) set up."""
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    store.save(load_dataset(DEFAULT_DATA_DIR))
    saved = store.active_folder()
    broken = saved.parent / "20990101T000000000000Z-broken"
    shutil.copytree(saved, broken)
    (broken / "grants.csv").write_text((broken / "grants.csv").read_text().replace(",98750,", ",-98750,"))
    store.restore(broken.name)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[editors]\nmaria = "{hash_password("summit-2026", iterations=1_000)}"\n')
    with running_server({"USASCP_STORE_DIR": str(tmp_path / "store")}, ("--secrets.files", str(secrets))) as url:
        yield url


def test_an_editor_restores_from_a_shared_link_when_the_saved_data_cannot_be_shown(broken_store_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    visit = Visit(page)
    page.goto(f"{broken_store_server}/funding?country=KHM", wait_until="load")
    visit.wait_for('[data-testid="stAlertContentError"]', timeout_ms=60_000)
    main = page.locator('[data-testid="stMain"]')
    assert "The dashboard's data cannot be shown until 1 problem in it is fixed." in main.inner_text()
    assert "grants.csv row 2, column amount_usd: '-98750' is not a finite amount of 0 or more" in main.inner_text()
    page.get_by_label("Editor name").fill("maria")
    page.get_by_role("textbox", name="Password").fill("summit-2026")
    page.get_by_role("button", name="Sign in").click()
    visit.wait_for('button:has-text("Restore")', timeout_ms=30_000)
    restore = page.locator('[class*="st-key-restore_shipped"] button')
    restore.click()
    visit.settle(2)
    assert visit.metrics()["Projects with a published amount"] == "1 of 2"  # Funding for Cambodia, from the link
    assert "Traceback" not in server_log(broken_store_server)
    context.close()


@pytest.mark.parametrize(
    "name, build, limit",
    [
        ("wide.xlsx", lambda: wide_workbook(20_000), "holds more than the 15,000,000 cells an upload may hold"),
        ("grants.csv", lambda: wide_csv(100_000), "has a header of 100,000 columns; a table has at most 100 columns"),
    ],
)
def test_a_small_file_that_asks_for_gigabytes_is_refused_with_its_limit(server_url, visit, tmp_path, name, build, limit):
    path = tmp_path / name
    path.write_bytes(build())
    visit.open(f"{server_url}/data")
    visit.page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
    visit.wait_for('[data-testid="stAlertContentError"]', timeout_ms=60_000)
    visit.settle()
    shown = visit.page.locator('[data-testid="stMain"]').inner_text()
    assert "1 problem to fix" in shown
    assert limit in shown  # up to ten problems are written out as sentences
    # The report's download holds the same problem.
    with visit.page.expect_download() as download:
        visit.page.get_by_role("button", name="Download this report (CSV)").click()
    assert limit in Path(download.value.path()).read_text(encoding="utf-8-sig")
    visit.page.get_by_role("link", name="Overview").click()  # the dashboard is still there for this viewer
    visit.settle()
    assert visit.metrics()["USASCP projects"] == "19"
    log = server_log(server_url)
    assert "Traceback" not in log
    # A check run by multiprocessing re-ran the dashboard script in its child (bare Streamlit calls say so).
    assert "missing ScriptRunContext" not in log
