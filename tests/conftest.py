"""Shared fixtures: the shipped dataset, and a scratch copy of data/ that a test may break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from usascp.load import DEFAULT_DATA_DIR, DatasetError, load_dataset

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def no_saved_versions(tmp_path_factory):
    """Tests see the shipped data/, never a version an editor saved on this machine (saved-data/), and keep uploads aside."""
    import os

    os.environ["USASCP_STORE_DIR"] = str(tmp_path_factory.mktemp("no-saved-versions"))
    os.environ["USASCP_UPLOADS_DIR"] = str(tmp_path_factory.mktemp("kept-uploads"))  # never kept-uploads/ in the repo


@pytest.fixture(scope="session")
def dataset():
    return load_dataset(DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def raw_tables():
    """The CSV files as plain text tables, read independently of usascp, to check its answers against."""
    return {path.stem: pd.read_csv(path, dtype=str, keep_default_na=False) for path in sorted(DEFAULT_DATA_DIR.glob("*.csv"))}


class DataCopy:
    """A copy of data/ in a temporary folder, with helpers to edit one CSV file as text."""

    def __init__(self, folder: Path):
        self.folder = folder

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.csv"

    def text(self, table: str) -> str:
        return self.path(table).read_text(encoding="utf-8")

    def replace(self, table: str, old: str, new: str, count: int = 1) -> None:
        text = self.text(table)
        assert old in text, f"{old!r} not found in {table}.csv"
        self.path(table).write_text(text.replace(old, new, count), encoding="utf-8")

    def append_line(self, table: str, line: str) -> None:
        with self.path(table).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def problems(self) -> list[str]:
        """The problems load_dataset reports for this copy, as the sentences a person reads."""
        with pytest.raises(DatasetError) as caught:
            load_dataset(self.folder)
        return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def data_copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    return DataCopy(folder)


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the deck was not rendered (no LibreOffice here), the PostgreSQL store not tested (no PostgreSQL), or
    the cluster not run (no nginx or PostgreSQL): a skip is easy to miss in a long run."""
    for marker, what in (
        ("DECK NOT RENDERED", "DECK RENDERING"),
        ("POSTGRESQL NOT FOUND", "POSTGRESQL STORE"),
        ("CLUSTER NOT STARTED", "CLUSTER (NGINX AND REPLICAS)"),
    ):
        skipped = [report for report in terminalreporter.stats.get("skipped", []) if marker in str(report.longrepr)]
        if skipped:
            reason = str(skipped[0].longrepr[-1]) if isinstance(skipped[0].longrepr, tuple) else str(skipped[0].longrepr)
            terminalreporter.write_sep("!", f"{len(skipped)} {what} TESTS SKIPPED: {reason}", red=True, bold=True)


@pytest.fixture(scope="session")
def cluster():
    """A throwaway PostgreSQL cluster for this test process (tests/pg_cluster.py); skipped, loudly, without PostgreSQL."""
    import pg_cluster

    why = pg_cluster.missing()
    if why:
        pytest.skip(f"POSTGRESQL NOT FOUND: {why}")
    started = pg_cluster.Cluster()
    yield started
    started.remove()


@pytest.fixture(scope="session")
def shared_chromium():
    """One Chromium for the whole run, for tests/browser and tests/journeys alike.

    Playwright's sync API cannot be started twice at once in one process: with a browser fixture of its own
    in each folder, whichever started second failed ("using Playwright Sync API inside the asyncio loop")
    as soon as `make test` ran both. The folders' conftests skip their tests when Playwright or Chromium is missing.
    """
    import sys

    sys.path.insert(0, str(REPO / "tests" / "browser"))
    from harness import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()

