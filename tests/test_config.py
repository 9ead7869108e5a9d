"""Settings that keep the app private and offline: no telemetry, no look-ups on the internet at start-up."""

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())


def test_no_usage_statistics_are_sent():
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_start_up_does_not_look_up_the_external_ip():
    # Streamlit asks checkip.amazonaws.com for the machine's address unless an address is configured.
    assert CONFIG["browser"]["serverAddress"] == "localhost"


def test_static_files_are_served_for_the_offline_map_style():
    assert CONFIG["server"]["enableStaticServing"] is True
    assert CONFIG["server"]["headless"] is True
    assert CONFIG["server"]["port"] == 8501


def test_viewers_never_see_tracebacks_or_exception_messages():
    # Tracebacks name server paths. "none" is the strictest of Streamlit 1.67's full, stacktrace, type, none.
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_streamlit_refuses_the_same_upload_size_the_readers_do():
    from usascp.budgets import MB, Budget

    assert CONFIG["server"]["maxUploadSize"] * MB == Budget().file_bytes
