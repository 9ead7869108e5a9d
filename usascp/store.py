"""Saved datasets: an editor's validated upload made the dashboard's data, atomically and reversibly.

Layout under the store folder (saved-data/ by default, never inside data/):

    versions/<time>-<fingerprint>/   one complete dataset per save, never changed once written, with its
                                     change-log record (saved.json: when, who, which files, what changed)
    current -> versions/<...>        a symbolic link: the dataset the dashboard shows

A save writes every table into a temporary folder, loads and validates that folder again, renames it
into versions/ and only then points `current` at it, with one atomic rename of a new link over the
old. A crash or kill at any moment leaves `current` pointing at the old dataset or at the new one,
complete, never at a mix. Without `current`, the shipped data/ is shown. Restoring points `current`
at an earlier version (or removes it, for the shipped data); no version is ever deleted.

A kill midway leaves a `.staging-*` folder or a `.current-*` link behind, never shown. They are removed
when the store is next opened by the dashboard and before every save (remove_leftovers), but only when
no save can still be writing them: two editors (or two server processes) may save at the same time.
Each leftover's name says which process made it (pid and host); it is removed when that process, on
this host, has ended, or when it is over an hour old (no save takes that long; this covers another
host's process, which cannot be asked, and a pid that was reused).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from usascp import changelog
from usascp.load import DEFAULT_DATA_DIR, Dataset, DatasetError, load_dataset
from usascp.schema import SCHEMAS, TABLE_FILES

DEFAULT_STORE_DIR = DEFAULT_DATA_DIR.parent / "saved-data"
SHIPPED = "shipped"
LEFTOVER_PREFIXES = (".staging-", ".current-")
LEFTOVER_AFTER = 3600.0  # seconds: older than this, a staging folder or link is no live save's


class StoreUnavailable(RuntimeError):
    """The saved data cannot be reached (a database that is down or misconfigured): the message says why, in words,
    naming the setting to check and never a password. Raised by saves, restores and history; never by active_folder,
    which keeps serving the last dataset it had (status says so)."""


@dataclass(frozen=True)
class StoreStatus:
    """What a store can say to viewers: whether the saved data can be reached, and which version is shown."""

    problem: str | None = None  # why the saved data cannot be reached (or the current version is not served); None: fine
    shown: str = SHIPPED  # the version shown: a version's name, or SHIPPED
    shown_saved_at: dt.datetime | None = None  # when it was saved (None for the shipped data)


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

    def status(self) -> StoreStatus:
        """A folder on this server's disk is always reachable."""
        shown = self._name_of(self.active_folder())
        return StoreStatus(None, shown, None if shown == SHIPPED else changelog.time_in_name(shown))

    def change_log_key(self) -> tuple:
        """A small value that changes whenever the change log does (a save, a restore): a cache key."""
        versions = tuple(sorted(path.name for path in self.versions.iterdir())) if self.versions.is_dir() else ()
        return (str(self.root), str(self.shipped), versions, str(self.active_folder()))

    def incomplete_versions(self) -> list[str]:
        """Saved versions that are never shown because part of them is missing: none here (a folder is renamed into
        versions/ only when whole); the PostgreSQL store can have some (pg_store)."""
        return []

    def history(self) -> list[Version]:
        """Every saved version, newest first, then the shipped data."""
        active = self.active_folder()
        saved = sorted(self.versions.iterdir(), reverse=True) if self.versions.is_dir() else []
        found = [Version(folder.name, folder, folder.resolve() == active) for folder in saved if folder.is_dir()]
        return found + [Version(SHIPPED, self.shipped, active == self.shipped)]

    def save(self, dataset: Dataset, before_switch=None, editor: str | None = None, files=()) -> Version:
        """Make `dataset` the dashboard's data. Raises DatasetError (and changes nothing) if it does not load back.

        The version's change-log record (usascp.changelog) goes into the folder with its tables: when, which
        `editor`, the `files` uploaded, its rows, and what it changes in the data shown until now.
        `before_switch` is called after the new version is complete and before `current` moves (tests
        use it to kill the process at the worst moment).
        """
        self.versions.mkdir(parents=True, exist_ok=True)
        self.remove_leftovers()
        shown_before = self.active_folder()
        staging = self.root / leftover_name(".staging-")
        staging.mkdir()
        try:
            for table in TABLE_FILES:
                write_table(getattr(dataset, table), staging / TABLE_FILES[table], table)
            saved = load_dataset(staging)  # validate again, from the files themselves
            saved_at = dt.datetime.now(dt.timezone.utc)
            changelog.write_record(
                staging,
                saved_at,
                editor,
                files,
                saved.row_counts,
                dataset.version,
                self._name_of(shown_before),
                self._changes(shown_before, staging),
            )
            name = f"{saved_at:{changelog.NAME_TIME}}-{dataset.version[:8] or 'upload'}"
            final = self.versions / name
            os.replace(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if before_switch is not None:
            before_switch()
        self._point_current_at(final)
        return Version(name, final, True)

    def change_log(self) -> list[changelog.LogEntry]:
        """Every version as the change log shows it: newest first, then the shipped data; the current one marked."""
        return [
            changelog.log_entry(version.name, version.folder, version.is_current, shipped=version.name == SHIPPED)
            for version in self.history()
        ]

    def _name_of(self, folder: Path) -> str:
        return SHIPPED if folder == self.shipped else folder.name

    def _changes(self, shown_before: Path, staging: Path) -> dict[str, changelog.TableChange] | None:
        return changes_since(shown_before, self.shipped, staging)

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

    def remove_leftovers(self) -> list[str]:
        """Remove the staging folders and links of saves that were killed; returns their names.

        A leftover of a save that may still be running is kept (see the module's docstring).
        """
        return remove_leftovers_in(self.root)

    def _point_current_at(self, folder: Path) -> None:
        link = self.root / leftover_name(".current-")
        link.symlink_to(folder.relative_to(self.root))
        os.replace(link, self.current)  # one rename: readers see the old link or the new one


def changes_since(shown_before: Path, shipped: Path, staging: Path) -> dict[str, changelog.TableChange] | None:
    """What the new version (in `staging`) changes in the data shown before it; None when that data cannot be read at all.

    The data shown before may be broken (a rule added since it was saved): that is when an editor saves a
    fix, so it never stops the save. A saved version's files are the store's text already; the shipped
    files, written by hand, are read and written the store's way (numbers, booleans) first, and read as
    they are when they do not load.
    """
    try:
        if shown_before == shipped:
            try:
                before = changelog.dataset_text(load_dataset(shipped))
            except DatasetError:
                before = changelog.folder_text(shipped)
        else:
            before = changelog.folder_text(shown_before)
        return changelog.table_changes(before, changelog.folder_text(staging))
    except (OSError, ValueError):  # files that cannot be read as tables (pandas' ParserError is a ValueError)
        return None


def remove_leftovers_in(folder: Path) -> list[str]:
    """Remove from `folder` the staging folders and links of killed saves that no running save can own; their names."""
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.iterdir():
        if not path.name.startswith(LEFTOVER_PREFIXES) or may_belong_to_a_running_save(path):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)  # another process cleaning at once may get there first
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def leftover_name(prefix: str) -> str:
    # The pid comes first and the random part last (hex, no dashes), so a host name with dashes still parses.
    return f"{prefix}{os.getpid()}-{socket.gethostname()}-{uuid.uuid4().hex}"


def may_belong_to_a_running_save(path: Path) -> bool:
    try:
        age = time.time() - path.lstat().st_mtime
    except FileNotFoundError:
        return True  # already gone: nothing to do
    if age > LEFTOVER_AFTER:
        return False
    owner = path.name.removeprefix(LEFTOVER_PREFIXES[0]).removeprefix(LEFTOVER_PREFIXES[1])
    pid, _, rest = owner.partition("-")
    host, _, _ = rest.rpartition("-")
    if not pid.isdigit() or host != socket.gethostname():
        return True  # another host's save, or a name from before owners were recorded: only its age can tell
    return _process_is_running(int(pid))


def _process_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent; only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True


def write_table(frame: pd.DataFrame, path: Path, table: str) -> None:
    """A table as the CSV form the loader reads (table_csv), written and flushed to disk."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(table_csv(frame, table))
        handle.flush()
        os.fsync(handle.fileno())


def table_csv(frame: pd.DataFrame, table: str) -> str:
    """A table as the CSV text the loader reads: booleans as true/false, whole numbers without ".0", NA empty."""
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
    return out.to_csv(index=False, lineterminator="\n")
