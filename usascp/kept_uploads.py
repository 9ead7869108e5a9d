"""Uploads kept across reloads: an explored upload's validated tables in a private folder, reachable by its own id only, for a day.

A person who explores an upload expects it to survive a reload, or a dashboard link opened in the same
browser; a Streamlit session does not (each reload starts a new one). So exploring writes the validated
tables here, under an id of 256 random bits (secrets.token_urlsafe(32)) given only to that browser, in a
cookie (ui.data). A link never carries it: a link shared with a colleague shows them the shipped data.

Layout under the folder (kept-uploads/ beside saved-data/ by default, never inside data/; USASCP_UPLOADS_DIR):

    <SHA-256 of the id>/     one kept upload: every table as CSV, and about.json (file names, placement, times)
    .staging-<random>/       a keep being written; renamed into place when complete

A folder is named after the id's SHA-256, never the id: a listing of the folder (a backup, a log) hands
no one a key. An id becomes part of a path only once it is shown to be one this module could have made.
Folders are made 0700 and files 0600.

What a reader may rely on:
- On return an upload is loaded with the same validation as the shipped data (load.load_dataset); one
  that no longer passes (the rules changed since) is deleted and refused with the count of problems,
  never shown half-checked.
- After KEEP_FOR (24 hours from exploring; use does not extend it) it is gone: loading refuses an expired
  upload and deletes it, and each keep (and each start of the dashboard) deletes every expired one.
- One kept upload is at most budget.kept_bytes of CSV, and all together at most budget.all_kept_bytes;
  past either, the upload is not kept (NotKept says why) and is explored for that session only.
- A keep is written into a staging folder and renamed into place: a crash never leaves half an upload
  that could load.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import time
import uuid
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from usascp.budgets import Budget, default_budget
from usascp.formatting import plural
from usascp.load import DEFAULT_DATA_DIR, Dataset, DatasetError, load_dataset
from usascp.schema import OPTIONAL_TABLES, TABLE_FILES
from usascp.store import table_csv

DEFAULT_UPLOADS_DIR = DEFAULT_DATA_DIR.parent / "kept-uploads"
KEEP_FOR = dt.timedelta(hours=24)
# What secrets.token_urlsafe(32) makes: 43 characters of the URL-safe base64 alphabet.
ID_PATTERN = re.compile(r"\A[A-Za-z0-9_-]{43}\Z")
_FOLDER_PATTERN = re.compile(r"\A[0-9a-f]{64}\Z")
STAGING_PREFIX = ".staging-"
STAGING_LEFT_AFTER = 3600.0  # seconds: a staging folder older than this is no live keep's
ABOUT = "about.json"


class NotKept(Exception):
    """Why an upload is not kept (too large, no room left) or no longer loads; the message is for the person."""


@dataclass(frozen=True)
class KeptUpload:
    dataset: Dataset
    file_names: tuple[str, ...]
    beside_shipped: bool
    kept_until: dt.datetime  # in UTC
    base_version: str  # the version of the shipped data it was explored with


def folder_name(upload_id: str) -> str:
    return hashlib.sha256(upload_id.encode("ascii")).hexdigest()


class UploadKeeper:
    """The kept uploads under `root`. `now` gives the time (UTC), so that tests can move it on."""

    def __init__(
        self,
        root: str | Path = DEFAULT_UPLOADS_DIR,
        keep_for: dt.timedelta = KEEP_FOR,
        budget: Budget | None = None,
        now=lambda: dt.datetime.now(dt.timezone.utc),
        data_folders=(DEFAULT_DATA_DIR,),
    ):
        self.root = Path(root)
        # A dataset folder is what every viewer sees: an upload is never written into one.
        self.inside_data = any(_within(self.root, Path(folder)) for folder in data_folders)
        self.keep_for = keep_for
        self._budget = budget
        self.now = now

    @property
    def budget(self) -> Budget:
        # Read at each use unless given: the dashboard opens one keeper per server process (st.cache_resource).
        return self._budget or default_budget()

    def keep(self, dataset: Dataset, file_names, beside_shipped: bool, base_version: str) -> tuple[str, dt.datetime]:
        """Write `dataset`'s tables under a new id; returns the id and when the upload will be deleted.

        Raises NotKept, writing nothing, when the tables are larger than one kept upload may be or the
        room for all of them is used up.
        """
        if self.inside_data:
            raise NotKept("the server is set to keep uploads inside a folder of the dashboard's data, which it never does")
        self.remove_expired()
        texts = {table: table_csv(getattr(dataset, table), table).encode("utf-8") for table in TABLE_FILES}
        size = sum(map(len, texts.values()))
        if size > self.budget.kept_bytes:
            raise NotKept(
                f"it is {size / 2**20:,.1f} MB as tables, more than the {self.budget.describe('kept_bytes')} "
                "an upload kept on the server may be"
            )
        if self.kept_bytes() + size > self.budget.all_kept_bytes:
            raise NotKept(f"the server's room for kept uploads ({self.budget.describe('all_kept_bytes')}) is full")
        upload_id = secrets.token_urlsafe(32)
        kept_until = self.now() + self.keep_for
        about = {
            "file_names": list(file_names),
            "beside_shipped": bool(beside_shipped),
            "kept_at": self.now().isoformat(),
            "kept_until": kept_until.isoformat(),
            "base_version": base_version,
        }
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = self.root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        staging.mkdir(mode=0o700)
        try:
            for table, text in texts.items():
                _write_private(staging / TABLE_FILES[table], text)
            _write_private(staging / ABOUT, json.dumps(about, indent=1).encode("utf-8"))
            os.replace(staging, self.root / folder_name(upload_id))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return upload_id, kept_until

    def load(self, upload_id) -> KeptUpload | None:
        """The upload kept under `upload_id`, validated again; None for an id that names none (or has expired).

        Raises NotKept when it no longer passes validation (it is deleted).
        """
        folder = self._folder(upload_id)
        if folder is None or not folder.is_dir():
            return None
        about = _about(folder)
        if about is None or self._expired(about):
            shutil.rmtree(folder, ignore_errors=True)
            return None
        try:
            dataset = load_dataset(folder)
        except DatasetError as error:
            shutil.rmtree(folder, ignore_errors=True)
            raise NotKept(
                f"it no longer passes the dashboard's checks ({plural(error.problems.total, 'problem')}); "
                "upload it again to see them"
            ) from None
        # The version names the contents (caches shared between viewers are keyed by it), not the folder's file times.
        digest = hashlib.sha256(b"kept upload;")
        for table in TABLE_FILES:
            path = folder / TABLE_FILES[table]
            if path.exists() or table not in OPTIONAL_TABLES:  # kept by an earlier release, before the table existed
                digest.update(path.read_bytes())
        names = tuple(about["file_names"])
        dataset = dataclasses.replace(dataset, folder="upload: " + ", ".join(names), version=digest.hexdigest()[:16])
        return KeptUpload(
            dataset, names, about["beside_shipped"], dt.datetime.fromisoformat(about["kept_until"]), about["base_version"]
        )

    def forget(self, upload_id) -> bool:
        """Delete the upload kept under `upload_id` now; whether there was one."""
        folder = self._folder(upload_id)
        if folder is None or not folder.is_dir():
            return False
        shutil.rmtree(folder, ignore_errors=True)
        return True

    def remove_expired(self) -> list[str]:
        """Delete every expired (or unreadable) kept upload, and staging folders no keep is still writing; their names."""
        if not self.root.is_dir():
            return []
        removed = []
        for path in self.root.iterdir():
            if path.name.startswith(STAGING_PREFIX):
                stale = time.time() - path.stat().st_mtime > STAGING_LEFT_AFTER
            elif _FOLDER_PATTERN.match(path.name) and path.is_dir():
                about = _about(path)
                stale = about is None or self._expired(about)
            else:
                continue  # not this module's: left alone
            if stale:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return removed

    def kept_bytes(self) -> int:
        """The size of every upload kept now, in bytes."""
        if not self.root.is_dir():
            return 0
        return sum(file.stat().st_size for folder in self.root.iterdir() if folder.is_dir() for file in folder.iterdir())

    def _folder(self, upload_id) -> Path | None:
        if not isinstance(upload_id, str) or not ID_PATTERN.match(upload_id):
            return None
        return self.root / folder_name(upload_id)

    def _expired(self, about: dict) -> bool:
        try:
            return dt.datetime.fromisoformat(about["kept_until"]) <= self.now()
        except (KeyError, TypeError, ValueError):
            return True


def _within(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _about(folder: Path) -> dict | None:
    try:
        about = json.loads((folder / ABOUT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return about if isinstance(about, dict) else None


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def until_words(when: dt.datetime, timezone_name: str | None = None) -> str:
    """When a kept upload goes, in the viewer's time zone when it is known: "10 Sep 2026, 14:05 (Asia/Bangkok)"."""
    try:
        zone = zoneinfo.ZoneInfo(timezone_name) if timezone_name else dt.timezone.utc
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone, timezone_name = dt.timezone.utc, None
    local = when.astimezone(zone)
    return f"{local.day} {local:%b %Y, %H:%M} ({timezone_name or 'UTC'})"
