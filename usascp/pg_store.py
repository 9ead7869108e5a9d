"""Saved datasets in PostgreSQL: the folder store's promises (store.py) kept by a database every replica shares.

Used when a database is configured (ui.data: USASCP_DATABASE_URL, or [connections.usascp] in secrets.toml);
the folder store stays the default. Same interface as store.DatasetStore, so the pages and ui/ use either.

Three tables (made when first needed, under an advisory lock so two replicas starting at once do not race):

    usascp_versions        one row per save: name (<UTC time>-<fingerprint>, as the folder store names folders),
                           saved_at, editor, files, the change-log record (changelog.make_record) and how many
                           tables the version has
    usascp_version_tables  one row per (version, table): the table's CSV text exactly as store.write_table
                           writes it, and its SHA-256
    usascp_current         one row: the version every viewer sees (NULL: the shipped data/)

A save writes the tables into a local staging folder and loads them back (validation, as the folder store
does), then in ONE transaction inserts the version, its tables and moves `current`. A kill of the saving
process, or PostgreSQL stopping, at any moment before the commit leaves nothing of the new version; after it,
the new version whole. Restoring moves `current` (NULL for the shipped data); no version is ever deleted.

A version is served only when complete: all its tables are there (table_count) and each matches its digest.
A half-written one (written by hand, or by something other than this module) is never served, listed by
incomplete_versions, and named in status().

Each replica serves a version from a local cache folder, one per version name under cache_root, written
into a `.staging-*` folder and renamed into place, so a kill never leaves a half-written folder that is read;
then loading, the change log and provenance work from a folder exactly as with the folder store. The cache
keeps a `current` link to the version last served, so a replica restarted while PostgreSQL is down still
serves it. The replica asks for the current pointer at most every POLL_SECONDS (one small query), so a save
through any replica is served by every other within that time, with no restart. PostgreSQL down, refusing,
restarting, or misconfigured: active_folder keeps the version last served and status() says why; saves,
restores and the history raise StoreUnavailable with a message naming the setting (never the password).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from usascp import changelog
from usascp.load import DEFAULT_DATA_DIR, Dataset, load_dataset
from usascp.store import (
    SHIPPED,
    StoreStatus,
    StoreUnavailable,
    Version,
    changes_since,
    leftover_name,
    remove_leftovers_in,
    write_table,
)
from usascp.schema import TABLE_FILES

POLL_SECONDS = 2.0  # how stale a replica's idea of the current version may be; the promise is 5 s
CONNECT_SECONDS = 3  # a database that does not answer within this is reported as down (libpq's connect_timeout)
QUERY_SECONDS = 5  # a poll, a restore, the history
SAVE_SECONDS = 300  # the save's transaction: every table of a large dataset
LONGEST_ADDRESS = 2_000  # characters: a longer setting is refused unread
NAME_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]{0,99}")  # a version name is a folder name in the cache

SCHEMA = """
select pg_advisory_xact_lock(hashtext('usascp saved datasets'));
create table if not exists usascp_versions (
    name text primary key,
    saved_at timestamptz not null,
    editor text,
    files jsonb not null default '[]',
    record jsonb not null,
    fingerprint text not null,
    table_count integer not null
);
create table if not exists usascp_version_tables (
    version text not null references usascp_versions (name),
    table_name text not null,
    csv text not null,
    sha256 text not null,
    primary key (version, table_name)
);
create table if not exists usascp_current (
    only_row boolean primary key default true check (only_row),
    version text references usascp_versions (name),
    changed_at timestamptz not null default now()
);
-- Not `on conflict do nothing`: that waits for a save holding the row; this reads it as it was.
insert into usascp_current (only_row, version) select true, null where not exists (select 1 from usascp_current);
"""

# The current pointer with what a replica needs to decide: is it complete, and has the log changed.
POINTER = """
select c.version, v.table_count, (select count(*) from usascp_version_tables t where t.version = c.version),
       v.saved_at, (select count(*) from usascp_versions), (select max(name) from usascp_versions)
from usascp_current c left join usascp_versions v on v.name = c.version
"""

# Every version with whether all its tables are there (digests are checked when a version is read).
VERSIONS = """
select v.name, v.record, v.table_count, (select count(*) from usascp_version_tables t where t.version = v.name)
from usascp_versions v order by v.name desc
"""


class _Told(StoreUnavailable):
    """A save's failure already told in full (the commit's): not to be called "nothing saved"."""


class IncompleteVersion(ValueError):
    """A saved version that cannot be served whole (tables missing, or not as they were written)."""


@dataclass(frozen=True)
class DatabaseAddress:
    """Where the database is, as psycopg.connect's keywords, read from a setting; `problem` when it cannot be used.

    `setting` names where the address came from ("USASCP_DATABASE_URL", "[connections.usascp] in
    .streamlit/secrets.toml"), so every message says what to fix. `described` is the address without its
    password: user@host:port/database.
    """

    setting: str
    params: Mapping[str, str] = field(repr=False)  # holds the password
    described: str
    problem: str | None = None

    @property
    def identity(self) -> str:
        """Which database this is (not who connects): replicas of one database share names, others never do."""
        where = "|".join(str(self.params.get(key, "")) for key in ("host", "hostaddr", "port", "dbname"))
        return hashlib.sha256(where.encode()).hexdigest()[:16]


# Keywords accepted in [connections.usascp], with the names Streamlit's own SQL connection uses as synonyms.
SECRET_KEYWORDS = {
    "host": "host",
    "hostaddr": "hostaddr",
    "port": "port",
    "dbname": "dbname",
    "database": "dbname",
    "user": "user",
    "username": "user",
    "password": "password",
    "sslmode": "sslmode",
    "sslrootcert": "sslrootcert",
}
IGNORED_SECRET_KEYWORDS = {"dialect", "driver", "type"}  # st.connection's own; a dialect other than PostgreSQL is refused


def database_address(value, setting: str) -> DatabaseAddress:
    """The address in a setting: a URL (postgresql://user:password@host:5432/database) or, from secrets.toml, a
    table with `url` or libpq's keywords (host, port, dbname or database, user or username, password, sslmode).

    Every configured value is hostile: anything not plainly a PostgreSQL address gives a DatabaseAddress whose
    `problem` says what is wrong, in words that never include the password.
    """
    try:
        params = _params(value, setting)
    except ValueError as error:
        return DatabaseAddress(setting, {}, "(not read)", f"{setting} {error}")
    user = params.get("user", "")
    host = params.get("host") or params.get("hostaddr") or "localhost"
    described = f"{user + '@' if user else ''}{host}:{params.get('port', '5432')}/{params.get('dbname', '')}"
    return DatabaseAddress(setting, params, described)


def _params(value, setting: str) -> dict[str, str]:
    if isinstance(value, str):
        return _url_params(value)
    if not isinstance(value, Mapping):
        raise ValueError("must be a PostgreSQL address or a table of its parts")
    if "url" in value:
        extra = sorted(set(value) - {"url"} - IGNORED_SECRET_KEYWORDS)
        if extra:
            raise ValueError(f"gives a url and also {', '.join(extra)}: give one or the other")
        return _url_params(value["url"])
    dialect = str(value.get("dialect", "postgresql"))
    if dialect not in ("postgresql", "postgres"):
        raise ValueError(f"names the dialect {dialect[:40]!r}; only postgresql is supported")
    unknown = sorted(key for key in value if key not in SECRET_KEYWORDS and key not in IGNORED_SECRET_KEYWORDS)
    if unknown:
        raise ValueError(f"has keys that are not read: {', '.join(str(key)[:40] for key in unknown)} (use {', '.join(SECRET_KEYWORDS)})")
    params = {}
    for key, given in value.items():
        if key in IGNORED_SECRET_KEYWORDS:
            continue
        if not isinstance(given, (str, int)) or isinstance(given, bool) or len(str(given)) > LONGEST_ADDRESS:
            raise ValueError(f"has a {key} that is not a short text or number")
        params[SECRET_KEYWORDS[key]] = str(given)
    return _checked(params)


def _url_params(url) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    if not isinstance(url, str) or not url.strip():
        raise ValueError("is empty")
    url = url.strip()
    if len(url) > LONGEST_ADDRESS:
        raise ValueError(f"is {len(url):,} characters long; an address is under {LONGEST_ADDRESS:,}")
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(
            "must be a PostgreSQL address such as postgresql://user:password@host:5432/database"
            + (f" (it starts with {scheme[:20]!r})" if scheme else "")
        )
    try:
        params = conninfo_to_dict(url)
    except Exception:  # psycopg's message may quote the address, password included: say it in our words
        raise ValueError("cannot be read as a PostgreSQL address (postgresql://user:password@host:5432/database)") from None
    return _checked({key: str(given) for key, given in params.items() if given is not None})


def _checked(params: dict[str, str]) -> dict[str, str]:
    if not params.get("dbname"):
        raise ValueError("names no database (postgresql://user:password@host:5432/database)")
    port = params.get("port")
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"has the port {port[:20]!r}; a port is a number from 1 to 65535")
    return params


def in_words(error: Exception, address: DatabaseAddress) -> str:
    """What went wrong with the database, for a person: what happened and which setting to check; never a password."""
    text = str(error)
    password = address.params.get("password")
    if password:
        text = text.replace(password, "***")
    where = f"PostgreSQL at {address.described} (set in {address.setting})"
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"{where} refused the user name or password"
    if "does not exist" in lowered and "database" in lowered:
        return f"{where}: there is no database named {address.params.get('dbname', '')!r}"
    if "connection refused" in lowered or "no such file or directory" in lowered:
        return f"{where} refused the connection (is it running, and is the address right?)"
    if "statement timeout" in lowered or "lock timeout" in lowered:
        return f"{where} did not finish a query in time (it may be overloaded, or a table locked)"
    if "timeout" in lowered or "timed out" in lowered:
        return f"{where} did not answer within {CONNECT_SECONDS} seconds"
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return f"{where}: the host name is not known"
    if any(words in lowered for words in ("starting up", "shutting down", "in recovery", "terminating connection")):
        return f"{where} is restarting"
    if "server closed the connection" in lowered or "connection is lost" in lowered or "consuming input failed" in lowered:
        return f"{where} closed the connection (it may be restarting)"
    if "permission denied" in lowered:
        return f"{where}: the user may not use the saved-data tables ({text.splitlines()[0][:200]})"
    return f"{where} could not be used: {text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__}"


@dataclass(frozen=True)
class _Pointer:
    name: str | None  # None: the shipped data
    complete: bool
    saved_at: dt.datetime | None
    log_key: tuple


class PostgresStore:
    """Saved datasets in PostgreSQL, served by this replica from its cache folder (see the module's docstring)."""

    def __init__(
        self,
        address: DatabaseAddress,
        cache_root: str | Path,
        shipped: str | Path = DEFAULT_DATA_DIR,
        poll_seconds: float | None = None,
        clock=time.monotonic,
    ):
        self.address = address
        self.shipped = Path(shipped)
        self.cache_root = Path(cache_root) / address.identity
        self.root = self.cache_root  # what the folder store calls its folder
        self.poll_seconds = POLL_SECONDS if poll_seconds is None else poll_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._schema_ready = False
        self._checked_at: float | None = None
        self._problem: str | None = None
        self._log_key: tuple = ()
        # Until the database answers: the version this replica served last (its cache's `current`), else data/.
        self._shown_name, self._shown_folder, self._shown_saved_at = SHIPPED, self.shipped, None
        last = self.cache_root / "current"
        if last.is_symlink() and last.resolve().is_dir() and NAME_PATTERN.fullmatch(last.resolve().name):
            self._shown_name, self._shown_folder = last.resolve().name, last.resolve()
            self._shown_saved_at = changelog.time_in_name(self._shown_name)

    @property
    def identity(self) -> str:
        return f"postgresql:{self.address.identity}"

    # What viewers see

    def active_folder(self) -> Path:
        """The folder of the version every viewer sees, checked against the database at most every poll_seconds.

        Never raises: when the database cannot be reached, or its current version cannot be served whole, this
        replica keeps the version it served last (status says why).
        """
        self._refresh()
        return self._shown_folder

    def status(self) -> StoreStatus:
        self._refresh()
        return StoreStatus(self._problem, self._shown_name, self._shown_saved_at)

    def change_log_key(self) -> tuple:
        """Changes when a version is saved or restored (from the last poll: no query of its own)."""
        self._refresh()
        return (self.identity, str(self.shipped), self._log_key, self._shown_name)

    def _refresh(self, force: bool = False) -> None:
        first = self._checked_at is None
        if not force and not first and self._clock() - self._checked_at < self.poll_seconds:
            return
        # One check at a time: while one rerun asks the database, the others serve what is known (except the very first).
        if not self._lock.acquire(blocking=force or first):
            return
        try:
            if not force and self._checked_at is not None and self._clock() - self._checked_at < self.poll_seconds:
                return
            try:
                with self._connection(QUERY_SECONDS) as connection:
                    pointer = self._pointer(connection)
                    self._log_key = pointer.log_key
                    if pointer.name is None:
                        self._show(SHIPPED, self.shipped, None)
                        self._problem = None
                    elif not pointer.complete:
                        raise IncompleteVersion(f"the current saved version {pointer.name} is incomplete (tables missing)")
                    else:
                        folder = self._cached(connection, pointer.name)
                        self._show(pointer.name, folder, pointer.saved_at)
                        self._problem = None
            except StoreUnavailable as error:
                self._problem = str(error)
            except IncompleteVersion as error:
                self._problem = f"{error}, so it is not shown"
        finally:
            self._checked_at = self._clock()
            self._lock.release()

    def _show(self, name: str, folder: Path, saved_at: dt.datetime | None) -> None:
        if name == self._shown_name and folder == self._shown_folder:
            return
        self._shown_name, self._shown_folder, self._shown_saved_at = name, folder, saved_at
        # Remember it on disk, so a restart while the database is down serves it again: one rename, as store.py does.
        self.cache_root.mkdir(parents=True, exist_ok=True)
        if name == SHIPPED:
            (self.cache_root / "current").unlink(missing_ok=True)
        else:
            link = self.cache_root / leftover_name(".current-")
            link.symlink_to(name)
            os.replace(link, self.cache_root / "current")

    # The history, saving and restoring

    def history(self) -> list[Version]:
        """Every complete saved version, newest first, then the shipped data. A version's folder is its place in the
        cache, made when the version is first served."""
        rows, current = self._versions()
        saved = [Version(name, self.cache_root / name, name == current) for name, _record, complete in rows if complete]
        return saved + [Version(SHIPPED, self.shipped, current is None)]

    def change_log(self) -> list[changelog.LogEntry]:
        """Every complete version as the change log shows it: newest first, then the shipped data; the current one marked."""
        rows, current = self._versions()
        entries = [changelog.entry_from_record(name, record, name == current) for name, record, complete in rows if complete]
        return entries + [changelog.log_entry(SHIPPED, self.shipped, current is None, shipped=True)]

    def incomplete_versions(self) -> list[str]:
        """The names of saved versions that are never shown: tables missing, or a record that cannot be read."""
        rows, _current = self._versions()
        return [name for name, _record, complete in rows if not complete]

    def _versions(self) -> tuple[list[tuple[str, dict | None, bool]], str | None]:
        with self._connection(QUERY_SECONDS) as connection:
            found = connection.execute(VERSIONS).fetchall()
            current = connection.execute("select version from usascp_current").fetchone()
        rows = []
        for name, record, table_count, tables in found:
            record = changelog.checked_record(record)
            rows.append((name, record, record is not None and tables == table_count and bool(NAME_PATTERN.fullmatch(name))))
        return rows, current[0] if current else None

    def save(
        self,
        dataset: Dataset,
        before_switch=None,
        editor: str | None = None,
        files=(),
        before_commit=None,
    ) -> Version:
        """Make `dataset` the dashboard's data in one transaction. Raises DatasetError (changing nothing) if it does not
        load back, StoreUnavailable when the database cannot be reached or stops answering.

        `before_switch` is called once the version and its tables are inserted, before `current` moves, and
        `before_commit` after it moves, before the commit (tests kill the process or stop PostgreSQL there).
        """
        import psycopg

        self.remove_leftovers()
        self.cache_root.mkdir(parents=True, exist_ok=True)
        staging = self.cache_root / leftover_name(".staging-")
        try:
            with self._connection(SAVE_SECONDS) as connection:
                shown_before = self._pointer(connection)
                if shown_before.name is None:
                    before_folder, before_name = self.shipped, SHIPPED
                else:
                    try:
                        before_folder, before_name = self._cached(connection, shown_before.name), shown_before.name
                    except IncompleteVersion:  # the changes are then not known; the save goes on (it may be the fix)
                        before_folder, before_name = None, shown_before.name
                staging.mkdir()
                for table in TABLE_FILES:
                    write_table(getattr(dataset, table), staging / TABLE_FILES[table], table)
                saved = load_dataset(staging)  # validate again, from the files themselves
                saved_at = dt.datetime.now(dt.timezone.utc)
                changes = None if before_folder is None else changes_since(before_folder, self.shipped, staging)
                record = changelog.make_record(saved_at, editor, files, saved.row_counts, dataset.version, before_name, changes)
                changelog.write_record(staging, record=record)
                name = f"{saved_at:{changelog.NAME_TIME}}-{dataset.version[:8] or 'upload'}"
                texts = {table: (staging / file_name).read_bytes().decode("utf-8") for table, file_name in TABLE_FILES.items()}
                committing = False
                try:
                    with connection.transaction():
                        connection.execute(
                            "insert into usascp_versions (name, saved_at, editor, files, record, fingerprint, table_count)"
                            " values (%s, %s, %s, %s, %s, %s, %s)",
                            (name, saved_at, editor, json.dumps(list(files)), json.dumps(record), dataset.version, len(texts)),
                        )
                        for table, text in texts.items():
                            insert_table(connection, name, table, text)
                        if before_switch is not None:
                            before_switch()
                        connection.execute("update usascp_current set version = %s, changed_at = now()", (name,))
                        if before_commit is not None:
                            before_commit()
                        committing = True
                except psycopg.Error as error:
                    if not committing:
                        raise
                    raise _Told(
                        f"{in_words(error, self.address)}. It stopped answering while the save was being committed: the save "
                        "was made whole or not at all; the list of versions says which once the database answers again"
                    ) from None
            final = self.cache_root / name
            os.replace(staging, final)
        except StoreUnavailable as error:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, _Told):
                raise StoreUnavailable(str(error)) from None
            raise StoreUnavailable(f"{error}. Nothing was saved") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        with self._lock:
            self._show(name, final, saved_at)
            self._problem = None
        self._refresh(force=True)
        return Version(name, final, True)

    def restore(self, name: str) -> None:
        """Show an earlier saved version again, or the shipped data (SHIPPED). ValueError for a version that does not
        exist or is incomplete; StoreUnavailable when the database cannot be reached."""
        with self._connection(QUERY_SECONDS) as connection:
            if name != SHIPPED:
                found = connection.execute(
                    "select v.table_count, (select count(*) from usascp_version_tables t where t.version = v.name)"
                    " from usascp_versions v where v.name = %s",
                    (name,),
                ).fetchone()
                if found is None or not NAME_PATTERN.fullmatch(name):
                    raise ValueError(f"no saved version {name!r}")
                if found[0] != found[1]:
                    raise ValueError(f"the saved version {name} is incomplete (tables missing) and cannot be shown")
                self._cached(connection, name)  # read whole before it is made current: a damaged table is refused here
            connection.execute(
                "update usascp_current set version = %s, changed_at = now()", (None if name == SHIPPED else name,)
            )
        self._refresh(force=True)

    def remove_leftovers(self) -> list[str]:
        """Remove the cache's staging folders and links that killed processes left (store.remove_leftovers_in's rules).

        The database itself never holds a leftover: a save's rows are committed together or not at all.
        """
        return remove_leftovers_in(self.cache_root)

    # The database

    @contextlib.contextmanager
    def _connection(self, statement_seconds: float):
        """A connection for one piece of work, closed after it; every database error becomes StoreUnavailable in words."""
        import psycopg

        if self.address.problem:
            raise StoreUnavailable(self.address.problem)
        try:
            connection = psycopg.connect(
                **self.address.params, connect_timeout=CONNECT_SECONDS, autocommit=True, application_name="usascp-dashboard"
            )
        except psycopg.Error as error:
            raise StoreUnavailable(in_words(error, self.address)) from None
        try:
            connection.execute(f"set statement_timeout = {int(statement_seconds * 1000)}")
            if not self._schema_ready:
                made = connection.execute("select to_regclass('usascp_current') is not null").fetchone()[0]
                if not made or not connection.execute("select 1 from usascp_current").fetchone():
                    with connection.transaction():
                        connection.execute(SCHEMA)
                self._schema_ready = True
            yield connection
        except psycopg.Error as error:
            if isinstance(error, psycopg.errors.UndefinedTable):
                self._schema_ready = False  # a database made anew: the tables are made again at the next connection
            raise StoreUnavailable(in_words(error, self.address)) from None
        finally:
            with contextlib.suppress(Exception):
                connection.close()

    def _pointer(self, connection) -> _Pointer:
        row = connection.execute(POINTER).fetchone()
        if row is None or row[0] is None:
            return _Pointer(None, True, None, (row[4], row[5]) if row else (0, None))
        name, table_count, tables, saved_at, count, newest = row
        complete = table_count is not None and table_count == tables and bool(NAME_PATTERN.fullmatch(name))
        return _Pointer(name, complete, saved_at, (count, newest))

    def _cached(self, connection, name: str) -> Path:
        """The version's folder in this replica's cache, read from the database the first time, whole or not at all."""
        folder = self.cache_root / name
        if folder.is_dir():
            return folder
        if not NAME_PATTERN.fullmatch(name):
            raise IncompleteVersion(f"the saved version {name[:100]!r} has a name this store did not make")
        found = connection.execute("select record, table_count from usascp_versions where name = %s", (name,)).fetchone()
        tables = connection.execute(
            "select table_name, csv, sha256 from usascp_version_tables where version = %s", (name,)
        ).fetchall()
        if found is None:
            raise IncompleteVersion(f"there is no saved version {name}")
        record, table_count = found
        known = {table: (text, digest) for table, text, digest in tables if table in TABLE_FILES}
        damaged = sorted(table for table, (text, digest) in known.items() if _digest(text) != digest)
        if len(tables) != table_count or len(known) != len(tables) or damaged or changelog.checked_record(record) is None:
            why = f"tables not as written: {', '.join(damaged)}" if damaged else "tables missing or a record that cannot be read"
            raise IncompleteVersion(f"the saved version {name} is incomplete ({why})")
        self.cache_root.mkdir(parents=True, exist_ok=True)
        staging = self.cache_root / leftover_name(".staging-")
        staging.mkdir()
        try:
            for table, (text, _digest_written) in known.items():
                with open(staging / TABLE_FILES[table], "w", encoding="utf-8", newline="") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
            changelog.write_record(staging, record=record)
            try:
                os.rename(staging, folder)  # not replace: another process may have cached it first, and that copy stays
            except OSError:
                if not folder.is_dir():
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return folder


def insert_table(connection, version: str, table: str, text: str) -> None:
    """One table of a version, inside the save's transaction (a function of its own so tests can stop a save here)."""
    connection.execute(
        "insert into usascp_version_tables (version, table_name, csv, sha256) values (%s, %s, %s, %s)",
        (version, table, text, _digest(text)),
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
