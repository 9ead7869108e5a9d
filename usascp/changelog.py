"""The change log of saved data versions: when each was saved, by whom, from which files, and what it changed.

Every save (store.DatasetStore.save) writes a small record, RECORD_FILE, into its version folder while the
folder is still being staged (pg_store keeps the same record in its version's row, and in the folder it serves from), so a version in versions/ always has its record or (saved before there were
records) none at all, never half of one. The record holds what only the moment of saving knows: the time,
the editor, the files uploaded, and the change from the data shown until then (rows added, removed and
changed per table, rows matched by each table's identifier, schema.identifier_columns). Row counts are
recorded too, so reading the log never opens a version's tables.

A version saved before records existed has no file: its time comes from its folder name (the store names
folders <UTC time>-<fingerprint>) and its rows are counted from its files; who saved it, from what, and
what changed are not known, and the log says so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from usascp.load import rows_loaded
from usascp.schema import SCHEMAS, TABLE_FILES, TABLE_ROWS, identifier_columns

RECORD_FILE = "saved.json"
NAME_TIME = "%Y%m%dT%H%M%S%fZ"  # how the store writes a version's time at the start of its folder name


@dataclass(frozen=True)
class TableChange:
    added: int
    removed: int
    changed: int

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class LogEntry:
    name: str  # the version's folder name, or store.SHIPPED
    saved_at: dt.datetime | None  # UTC; None for the shipped data
    editor: str | None  # who saved it, when recorded
    files: tuple[str, ...]  # the files uploaded, when recorded
    rows: dict[str, int]  # rows per table
    changes: dict[str, TableChange] | None  # from the data shown before it was saved; None when not recorded
    compared_with: str | None  # the version those changes are counted from (a folder name, or store.SHIPPED)
    is_current: bool
    recorded: bool  # False: saved before the change log, or the shipped data


def time_in_name(name: str) -> dt.datetime | None:
    """The UTC time a version's folder name starts with; None for a name the store did not make."""
    try:
        return dt.datetime.strptime(name.split("-", 1)[0], NAME_TIME).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def dataset_text(tables) -> dict[str, pd.DataFrame]:
    """A dataset's tables (a Dataset) as the text its saved files hold (store.table_csv), so rows compare as written."""
    from usascp.store import table_csv  # the store imports this module

    return {
        table: pd.read_csv(io.StringIO(table_csv(getattr(tables, table), table)), dtype=str, keep_default_na=False)
        for table in TABLE_FILES
    }


def folder_text(folder: Path) -> dict[str, pd.DataFrame]:
    """The tables of a folder the store wrote, as text in the schema's columns (a column added since reads as empty)."""
    tables = {}
    for table, file_name in TABLE_FILES.items():
        columns = list(SCHEMAS[table].columns)
        path = folder / file_name
        frame = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else pd.DataFrame(columns=columns)
        tables[table] = frame.reindex(columns=columns, fill_value="").fillna("")
    return tables


def table_changes(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> dict[str, TableChange]:
    """Rows added, removed and changed in each table, going from `before` to `after` (text tables by name, in the
    schema's columns: dataset_text, folder_text).

    Rows are matched by their identifier (schema.identifier_columns): a row whose identifier is in both and
    whose values differ is changed. A table with no identifier counts whole rows as added or removed.
    """
    changes = {}
    for table in TABLE_FILES:
        old, new = before[table], after[table]
        key = identifier_columns(table) or list(new.columns)

        def fingerprints(frame: pd.DataFrame) -> pd.Series:
            return pd.Series(
                pd.util.hash_pandas_object(frame, index=False).to_numpy(), index=pd.MultiIndex.from_frame(frame[key].astype(str))
            )

        old_rows, new_rows = fingerprints(old), fingerprints(new)
        # Identifiers are unique in a valid table; should a folder hold repeats, each identifier counts once.
        old_rows, new_rows = old_rows[~old_rows.index.duplicated()], new_rows[~new_rows.index.duplicated()]
        common = new_rows.index.intersection(old_rows.index)
        changed = int((new_rows.loc[common].to_numpy() != old_rows.loc[common].to_numpy()).sum()) if len(common) else 0
        changes[table] = TableChange(
            added=int((~new_rows.index.isin(old_rows.index)).sum()),
            removed=int((~old_rows.index.isin(new_rows.index)).sum()),
            changed=changed,
        )
    return changes


def make_record(
    saved_at: dt.datetime,
    editor: str | None,
    files,
    rows: dict[str, int],
    fingerprint: str,
    compared_with: str | None,
    changes: dict[str, TableChange] | None,
) -> dict:
    """A version's record as JSON-ready values: what write_record writes, and what the PostgreSQL store keeps in its row."""
    return {
        "saved_at": saved_at.astimezone(dt.timezone.utc).isoformat(),
        "editor": editor,
        "files": list(files),
        "rows": rows,
        "fingerprint": fingerprint,
        "compared_with": compared_with,
        "changes": None if changes is None else {table: vars(change) for table, change in changes.items()},
    }


def write_record(folder: Path, *values, record: dict | None = None) -> None:
    """Write a version's record (make_record's values, or a record made already) into its (staging) folder, flushed
    to disk before the folder is renamed into place."""
    record = record if record is not None else make_record(*values)
    with open(folder / RECORD_FILE, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())


def read_record(folder: Path) -> dict | None:
    """A version's record, or None when it has none (or one that cannot be read: then the log says what the files do)."""
    try:
        return checked_record(json.loads((folder / RECORD_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def checked_record(record) -> dict | None:
    """`record` when it has what the log reads (a time, rows per table), else None."""
    try:
        dt.datetime.fromisoformat(record["saved_at"])
        return record if isinstance(record.get("rows"), dict) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def count_rows(folder: Path) -> dict[str, int]:
    """Rows per table, counted from a version's files (a quoted line break stays inside its row); a missing file counts 0.

    A version this process has loaded (the one the pages show) is not counted again: its rows are what it loaded.
    """
    if (loaded := rows_loaded(folder)) is not None:
        return loaded
    counts = {}
    for table, file_name in TABLE_FILES.items():
        path = folder / file_name
        if not path.exists():
            counts[table] = 0
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            counts[table] = max(0, sum(1 for _ in csv.reader(handle)) - 1)
    return counts


def log_entry(name: str, folder: Path, is_current: bool, shipped: bool = False) -> LogEntry:
    """One version's line in the change log: its record, or what its name and files tell."""
    record = None if shipped else read_record(folder)
    if record is None:
        return LogEntry(
            name=name,
            saved_at=None if shipped else time_in_name(name),
            editor=None,
            files=(),
            rows=count_rows(folder),
            changes=None,
            compared_with=None,
            is_current=is_current,
            recorded=False,
        )
    return entry_from_record(name, record, is_current)


def entry_from_record(name: str, record: dict, is_current: bool) -> LogEntry:
    """One version's line in the change log from its record (checked_record's), wherever the record is kept."""
    changes = record.get("changes")
    return LogEntry(
        name=name,
        saved_at=dt.datetime.fromisoformat(record["saved_at"]),
        editor=record.get("editor") or None,
        files=tuple(str(file) for file in record.get("files") or ()),
        rows={table: int(count) for table, count in record["rows"].items() if table in SCHEMAS},
        changes=None
        if not isinstance(changes, dict)
        else {table: TableChange(**change) for table, change in changes.items() if table in SCHEMAS},
        compared_with=record.get("compared_with"),
        is_current=is_current,
        recorded=True,
    )


def when_in_words(moment: dt.datetime | None) -> str:
    """ "2 Dec 2026, 05:40:12 UTC" (to the second: two saves a minute apart must read apart); "time not known" without one."""
    if moment is None:
        return "time not known"
    moment = moment.astimezone(dt.timezone.utc)
    return f"{moment.day} {moment:%b %Y, %H:%M:%S} UTC"


def changes_in_words(changes: dict[str, TableChange] | None) -> str:
    """ "4 projects and 4 sources added; 1 grant changed", "no row changed", or "not recorded"."""
    from usascp.formatting import plural

    if changes is None:
        return "not recorded (saved before the change log)"
    parts = []
    for what in ("added", "removed", "changed"):
        counts = [plural(getattr(change, what), *TABLE_ROWS[table]) for table, change in changes.items() if getattr(change, what)]
        if counts:
            listed = counts[0] if len(counts) == 1 else ", ".join(counts[:-1]) + " and " + counts[-1]
            parts.append(f"{listed} {what}")
    return "; ".join(parts) or "no row changed"


def log_table(entries: list[LogEntry], shipped_name: str) -> pd.DataFrame:
    """The change log as rows (a download, and what log_lines says): version, saved_at (in words), is_current,
    editor, files, changes (from which version), row_counts. The shipped data has no editor, files or changes."""
    from usascp.schema import rows_in_words

    names = {entry.name: entry for entry in entries}

    def compared(entry: LogEntry) -> str:
        if entry.name == shipped_name:
            return ""
        if entry.changes is None:
            return changes_in_words(None) if not entry.recorded else "not known: the data shown before it could not be read"
        if entry.compared_with == shipped_name:
            base = "the shipped data"
        elif entry.compared_with in names:
            base = f"the version of {when_in_words(names[entry.compared_with].saved_at)}"
        else:
            base = "a version no longer in the store"
        return f"{changes_in_words(entry.changes)} (from {base})"

    def recorded(entry: LogEntry, value: str) -> str:
        return "" if entry.name == shipped_name else value or "not recorded"

    return pd.DataFrame(
        {
            "version": [entry.name for entry in entries],
            "saved_at": [
                "shipped with the dashboard" if entry.name == shipped_name else when_in_words(entry.saved_at) for entry in entries
            ],
            "is_current": [entry.is_current for entry in entries],
            "editor": pd.Series([recorded(entry, entry.editor or "") for entry in entries], dtype=object),
            "files": pd.Series([recorded(entry, ", ".join(entry.files)) for entry in entries], dtype=object),
            "changes": pd.Series([compared(entry) for entry in entries], dtype=object),
            "row_counts": [rows_in_words(entry.rows) for entry in entries],
        }
    )


def log_lines(entries: list[LogEntry], shipped_name: str) -> list[tuple[str, str, str]]:
    """The change log in sentences, one (headline, what it changed, its rows) per version, in log order (plain text).

    ("2 Dec 2026, 05:14:09 UTC, saved by ana from iati.xml", "4 projects added (from the shipped data).", "Rows: 35 projects, …")
    """
    lines = []
    for entry, row in zip(entries, log_table(entries, shipped_name).itertuples(), strict=True):
        rows = f"Rows: {row.row_counts}."
        if entry.name == shipped_name:
            lines.append(("The data the dashboard was shipped with", "", rows))
        elif entry.recorded:
            by = f", saved by {entry.editor}" if entry.editor else ""
            files = f" from {', '.join(entry.files)}" if entry.files else ""
            lines.append((f"{row.saved_at}{by}{files}", f"{row.changes[0].upper()}{row.changes[1:]}.", rows))
        else:
            unknown = "Saved before the change log: who saved it, from which files, and what it changed were not recorded."
            lines.append((row.saved_at, unknown, rows))
    return lines
