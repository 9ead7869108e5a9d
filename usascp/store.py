"""Saved datasets: an editor's validated upload made the dashboard's data, atomically and reversibly.

Layout under the store folder (saved-data/ by default, never inside data/):

    versions/<time>-<fingerprint>/   one complete dataset per save, never changed once written
    current -> versions/<...>        a symbolic link: the dataset the dashboard shows

A save writes every table into a temporary folder, loads and validates that folder again, renames it
into versions/ and only then points `current` at it, with one atomic rename of a new link over the
old. A crash or kill at any moment leaves `current` pointing at the old dataset or at the new one,
complete, never at a mix. Without `current`, the shipped data/ is shown. Restoring points `current`
at an earlier version (or removes it, for the shipped data); nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from usascp.load import DEFAULT_DATA_DIR, Dataset, load_dataset
from usascp.schema import SCHEMAS, TABLE_FILES

DEFAULT_STORE_DIR = DEFAULT_DATA_DIR.parent / "saved-data"
SHIPPED = "shipped"


@dataclass(frozen=True)
class Version:
    name: str  # folder name under versions/, or SHIPPED
    folder: Path
    is_current: bool


class DatasetStore:
    def __init__(self, root: str | Path = DEFAULT_STORE_DIR, shipped: str | Path = DEFAULT_DATA_DIR):
        self.root = Path(root)
        self.shipped = Path(shipped)
        self.versions = self.root / "versions"
        self.current = self.root / "current"

    def active_folder(self) -> Path:
        """The folder the dashboard shows: the saved version `current` points at, else the shipped data."""
        if self.current.is_symlink():
            target = self.current.resolve()
            if target.is_dir():
                return target
        return self.shipped

    def history(self) -> list[Version]:
        """Every saved version, newest first, then the shipped data."""
        active = self.active_folder()
        saved = sorted(self.versions.iterdir(), reverse=True) if self.versions.is_dir() else []
        found = [Version(folder.name, folder, folder.resolve() == active) for folder in saved if folder.is_dir()]
        return found + [Version(SHIPPED, self.shipped, active == self.shipped)]

    def save(self, dataset: Dataset, before_switch=None) -> Version:
        """Make `dataset` the dashboard's data. Raises DatasetError (and changes nothing) if it does not load back.

        `before_switch` is called after the new version is complete and before `current` moves (tests
        use it to kill the process at the worst moment).
        """
        self.versions.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".staging-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            for table in TABLE_FILES:
                write_table(getattr(dataset, table), staging / TABLE_FILES[table], table)
            load_dataset(staging)  # validate again, from the files themselves
            name = f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%fZ}-{dataset.version[:8] or 'upload'}"
            final = self.versions / name
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if before_switch is not None:
            before_switch()
        self._point_current_at(final)
        return Version(name, final, True)

    def restore(self, name: str) -> None:
        """Show an earlier saved version again, or the shipped data (SHIPPED)."""
        if name == SHIPPED:
            if self.current.is_symlink():
                self.current.unlink()
            return
        folder = self.versions / name
        if not folder.is_dir() or folder.parent != self.versions:
            raise ValueError(f"no saved version {name!r}")
        self._point_current_at(folder)

    def _point_current_at(self, folder: Path) -> None:
        link = self.root / f".current-{uuid.uuid4().hex}"
        link.symlink_to(folder.relative_to(self.root))
        os.replace(link, self.current)  # one rename: readers see the old link or the new one


def write_table(frame: pd.DataFrame, path: Path, table: str) -> None:
    """A table as the CSV form the loader reads: booleans as true/false, whole numbers without ".0", NA empty."""
    columns = list(SCHEMAS[table].columns)
    out = frame[columns].copy()
    for name in columns:
        dtype = str(out[name].dtype)
        if dtype == "boolean":
            out[name] = out[name].map({True: "true", False: "false"}, na_action="ignore")
        elif dtype == "Float64":
            out[name] = out[name].map(
                lambda value: "" if pd.isna(value) else (str(int(value)) if float(value).is_integer() else repr(float(value)))
            )
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out.to_csv(handle, index=False)
        handle.flush()
        os.fsync(handle.fileno())
