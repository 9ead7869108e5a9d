"""In Chromium: a server whose saved data is in PostgreSQL serves another replica's save within 5 seconds, keeps
serving it with a notice while PostgreSQL is down, tells a signed-in editor why, and drops the notice once it is back.

Marked extended: `make store-test` runs it with tests/test_pg_store.py (PG_SCREENSHOTS=folder keeps what it saw)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from harness import Visit, running_server, server_log

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pg_cluster  # noqa: E402

from usascp.editors import hash_password  # noqa: E402
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload  # noqa: E402
from usascp.load import load_dataset  # noqa: E402
from usascp.pg_store import POLL_SECONDS, PostgresStore, database_address  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "iati-activities-test.xml"
NOTICE = '[data-testid="stAlert"]:has-text("The saved data cannot be reached just now")'


def screenshot(page, name: str) -> None:
    """Kept where PG_SCREENSHOTS (or JOURNEY_SCREENSHOTS) points, for a person to look at."""
    folder = os.environ.get("PG_SCREENSHOTS") or os.environ.get("JOURNEY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"pg-{name}.png"))


@pytest.mark.extended  # about 40-80 s here; make test keeps tests/test_pg_store.py's AppTests of the same notice
def test_a_replica_serves_a_save_made_elsewhere_and_keeps_it_with_a_notice_while_postgresql_is_down(cluster, browser, tmp_path):
    url = cluster.url(cluster.new_database())
    shipped = load_dataset()
    with_iati = dataset_from_upload(read_upload([UploadedFile(SAMPLE.name, SAMPLE.read_bytes())], shipped.cities), shipped, True)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[editors]\nmaria = "{hash_password("summit-2026", iterations=1_000)}"\n')
    environment = {"USASCP_DATABASE_URL": url, "USASCP_STORE_DIR": str(tmp_path / "store")}
    with running_server(environment, ("--secrets.files", str(secrets))) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        visit = Visit(context.new_page())
        visit.open(server)
        assert visit.metrics()["Disclosed funding"] == "$4.4M"

        # An editor saves through another replica (a store of its own, the same database).
        PostgresStore(database_address(url, "USASCP_DATABASE_URL"), tmp_path / "other-replica").save(with_iati, editor="maria")
        time.sleep(POLL_SECONDS + 0.5)  # the promise is 5 s
        visit.open(server)
        assert visit.metrics()["Disclosed funding"] == "$6.0M"

        cluster.stop("fast")
        try:
            time.sleep(POLL_SECONDS + 0.5)
            for width, height in ((1280, 720), (1920, 1080)):
                visit.page.set_viewport_size({"width": width, "height": height})
                visit.open(server)
                notice = visit.wait_for(NOTICE)
                assert "You are seeing the version saved " in notice.inner_text()
                assert visit.metrics()["Disclosed funding"] == "$6.0M"
                screenshot(visit.page, f"down-overview-{width}x{height}")
            visit.open(f"{server}/data")
            visit.page.get_by_label("Editor name").fill("maria")
            visit.page.get_by_role("textbox", name="Password").fill("summit-2026")
            visit.page.get_by_role("button", name="Sign in").click()
            reason = visit.wait_for('[data-testid="stAlert"]:has-text("The versions cannot be listed")', timeout_ms=30_000)
            assert "refused the connection" in reason.inner_text() and pg_cluster.PASSWORD not in reason.inner_text()
            reason.scroll_into_view_if_needed()
            screenshot(visit.page, "down-data-editor-1920x1080")
        finally:
            cluster.start()
        time.sleep(POLL_SECONDS + 0.5)
        visit.open(server)
        assert visit.metrics()["Disclosed funding"] == "$6.0M"
        assert visit.page.locator(NOTICE).count() == 0
        context.close()
        assert "Traceback" not in server_log(server)
