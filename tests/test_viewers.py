"""The many-viewers load test (`make load-test`) still speaks Streamlit's protocol: two sessions, end to end."""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import viewers  # noqa: E402


def test_two_viewers_open_the_overview_and_change_the_country():
    port = viewers.free_port()
    server = viewers.start_server(port)
    # A thread of its own: earlier tests in this process (Playwright's sync API) may leave an event loop running here.
    try:
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, viewers.warm_up(port)).result()
            result = thread.submit(asyncio.run, asyncio.wait_for(viewers.crowd_of(2, port, server.pid), 120)).result()
    finally:
        server.terminate()
        server.wait(timeout=30)
    # A session that never saw its country reach the filters raises inside crowd_of; here, both did.
    assert result["sessions"] == 2
    assert 0 < result["first_page_median_s"] <= result["first_page_p95_s"] < 60
    assert 0 < result["filter_change_median_s"] <= result["filter_change_p95_s"] < 60
    assert result["server_mb_with_sessions"] > 50
