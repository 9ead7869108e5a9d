"""Saved datasets in PostgreSQL: the folder store's promises with a database every replica shares.

A save is one transaction (a kill of the saving process, or PostgreSQL stopped, at any moment leaves the old
dataset or the new one, never a mix); every version can be restored; every replica serves a new version
within 5 seconds; with PostgreSQL down viewers keep what they had with a notice, editors get a clear message.
One throwaway cluster per test process (tests/pg_cluster.py), one database per test.
"""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pg_cluster
import pytest

from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.load import DEFAULT_DATA_DIR, load_dataset
from usascp.pg_store import PostgresStore, database_address
from usascp.store import SHIPPED, DatasetStore, StoreUnavailable

REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
SETTING = "USASCP_DATABASE_URL"


@pytest.fixture
def url(cluster):
    """A fresh database's address; the cluster is running again after the test, whatever the test did to it."""
    yield cluster.url(cluster.new_database())
    if not cluster.running:
        cluster.start()


@pytest.fixture(scope="module")
def with_iati(dataset):
    return dataset_from_upload(
        read_upload([UploadedFile(SAMPLE.name, SAMPLE.read_bytes())], dataset.cities), dataset, beside_base=True
    )


def replica(url: str, tmp_path: Path, name: str = "a", **options) -> PostgresStore:
    """One server's store: its own cache folder, the shared database."""
    return PostgresStore(database_address(url, SETTING), tmp_path / f"cache-{name}", DEFAULT_DATA_DIR, **options)


def query(url: str, sql: str, values=()):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(sql, values)
        return cursor.fetchall() if cursor.description else None


def served_rows(store: PostgresStore) -> dict[str, int]:
    return load_dataset(store.active_folder()).row_counts


# The same promises as the folder store


def test_a_save_becomes_what_everyone_sees_and_every_version_can_be_restored(url, tmp_path, dataset, with_iati):
    store = replica(url, tmp_path)
    assert store.active_folder() == DEFAULT_DATA_DIR and store.status().problem is None
    first = store.save(with_iati, editor="maria", files=[SAMPLE.name])
    assert store.active_folder() == first.folder and served_rows(store) == with_iati.row_counts
    second = store.save(dataset, editor="ana")
    assert [(version.name, version.is_current) for version in store.history()] == [
        (second.name, True),
        (first.name, False),
        (SHIPPED, False),
    ]
    store.restore(first.name)
    assert store.active_folder() == first.folder and served_rows(store) == with_iati.row_counts
    store.restore(SHIPPED)
    assert store.active_folder() == DEFAULT_DATA_DIR
    assert query(url, "select version from usascp_current") == [(None,)]
    with pytest.raises(ValueError, match="no saved version"):
        store.restore("../../etc")
    assert load_dataset(DEFAULT_DATA_DIR).row_counts == dataset.row_counts  # data/ itself is never written


def test_a_version_is_the_folder_stores_files_byte_for_byte_and_loads_back_equal(url, tmp_path, with_iati):
    in_database = replica(url, tmp_path).save(with_iati)
    in_folder = DatasetStore(tmp_path / "folder-store", DEFAULT_DATA_DIR).save(with_iati)
    for path in sorted(in_folder.folder.glob("*.csv")):
        assert (in_database.folder / path.name).read_bytes() == path.read_bytes(), path.name
    loaded = load_dataset(in_database.folder)
    for table in with_iati.row_counts:
        assert getattr(loaded, table).equals(getattr(with_iati, table)), table


def test_the_change_log_reads_as_the_folder_stores(url, tmp_path, dataset, with_iati):
    projects = dataset.projects.copy()
    projects.loc[projects["project_id"] == "wise", "status"] = "ongoing"
    edited = dataclasses.replace(dataset, projects=projects)
    logs = []
    for store in (replica(url, tmp_path), DatasetStore(tmp_path / "folder-store", DEFAULT_DATA_DIR)):
        first = store.save(with_iati, editor="maria", files=[SAMPLE.name])
        store.save(edited, editor="ana", files=["projects.csv"])
        store.restore(first.name)
        names = {entry.name: position for position, entry in enumerate(store.change_log())}
        logs.append(
            [
                (entry.editor, entry.files, entry.rows, entry.changes, entry.is_current, entry.recorded, names.get(entry.compared_with))
                for entry in store.change_log()
            ]
        )
    assert logs[0] == logs[1]
    assert logs[0][0][3]["projects"].changed == 1 and logs[0][0][3]["projects"].removed == 4


# One transaction: a kill of the saving process, or PostgreSQL stopping, leaves the old dataset or the new one

KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from usascp import pg_store
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
    from usascp.load import load_dataset

    shipped = load_dataset()
    sample = Path({sample!r})
    dataset = dataset_from_upload(read_upload([UploadedFile(sample.name, sample.read_bytes())], shipped.cities), shipped, True)
    store = pg_store.PostgresStore(pg_store.database_address({url!r}, "test"), {cache!r})
    die = lambda *arguments: os.kill(os.getpid(), signal.SIGKILL)
    moment = {moment!r}
    if moment == "while inserting the tables":
        real_insert, inserted = pg_store.insert_table, []
        def insert_then_die(connection, version, table, text):
            real_insert(connection, version, table, text)
            inserted.append(table)
            if len(inserted) == 4:
                die()
        pg_store.insert_table = insert_then_die
        store.save(dataset)
    elif moment == "before the switch":
        store.save(dataset, before_switch=die)
    elif moment == "before the commit":
        store.save(dataset, before_commit=die)
    else:  # after the commit, while the new version is renamed into this replica's cache
        real_replace = os.replace
        def die_at_the_cache(source, target):
            if Path(source).name.startswith(".staging-"):
                die()
            real_replace(source, target)
        os.replace = die_at_the_cache
        store.save(dataset)
    """
)


@pytest.mark.parametrize(
    "moment, new_is_current",
    [
        ("while inserting the tables", False),
        ("before the switch", False),
        ("before the commit", False),
        ("after the commit", True),
    ],
)
def test_a_save_killed_at_any_moment_leaves_the_old_dataset_or_the_new_one_whole(url, tmp_path, dataset, with_iati, moment, new_is_current):
    store = replica(url, tmp_path)
    first = store.save(dataset)  # the old data: a saved version, told apart from the new by its rows
    script = KILLED_SAVE.format(repo=str(REPO), sample=str(SAMPLE), url=url, cache=str(tmp_path / "cache-a"), moment=moment)
    finished = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=120)
    assert finished.returncode == -signal.SIGKILL, finished.stderr.decode()
    versions = query(url, "select name from usascp_versions order by name")
    assert len(versions) == (2 if new_is_current else 1)  # nothing of a save killed before its commit stays
    assert query(url, "select count(*) from usascp_version_tables") == [(11 * len(versions),)]
    fresh = replica(url, tmp_path, "fresh")  # another replica, with nothing cached
    assert served_rows(fresh) == (with_iati if new_is_current else dataset).row_counts
    assert (fresh.status().shown == first.name) is not new_is_current
    # The killed process's staging folder in its cache is a leftover, never read; opening the store removes it.
    assert [name[:9] for name in replica(url, tmp_path).remove_leftovers()] == [".staging-"]
    assert not list(store.cache_root.glob(".*"))


@pytest.mark.parametrize("moment", ["while inserting the tables", "before the commit"])
def test_postgresql_stopping_mid_save_leaves_the_old_dataset_and_serves_again_once_restarted(
    url, cluster, tmp_path, dataset, with_iati, monkeypatch, moment
):
    from usascp import pg_store

    store = replica(url, tmp_path, poll_seconds=0)
    first = store.save(dataset)
    stop = lambda: cluster.stop("immediate")  # noqa: E731 - no shutdown checkpoint: recovery at the next start
    if moment == "while inserting the tables":
        real_insert, inserted = pg_store.insert_table, []

        def insert_then_stop(connection, version, table, text):
            real_insert(connection, version, table, text)
            inserted.append(table)
            if len(inserted) == 4:
                stop()

        monkeypatch.setattr(pg_store, "insert_table", insert_then_stop)
        hooks = {}
    else:
        hooks = {"before_commit": stop}
    with pytest.raises(StoreUnavailable) as refused:
        store.save(with_iati, editor="maria", **hooks)
    assert SETTING in str(refused.value) and pg_cluster.PASSWORD not in str(refused.value)
    expected = "Nothing was saved" if moment == "while inserting the tables" else "made whole or not at all"
    assert expected in str(refused.value)
    # Meanwhile this replica serves what it had, and says why.
    assert store.active_folder() == first.folder and "refused the connection" in store.status().problem
    assert not list(store.cache_root.glob(".staging-*"))  # the save's own staging folder went with it
    cluster.start()
    assert served_rows(replica(url, tmp_path, "after")) == dataset.row_counts  # the old data, whole
    assert [name for (name,) in query(url, "select name from usascp_versions")] == [first.name]
    assert store.status().problem is None
    saved = store.save(with_iati, editor="maria")  # and the next save works
    assert served_rows(replica(url, tmp_path, "later")) == with_iati.row_counts and saved.name in store.active_folder().name


# Replicas


def test_another_replica_serves_a_new_version_within_5_seconds_with_no_restart(url, tmp_path, with_iati):
    editor_side, other = replica(url, tmp_path, "a"), replica(url, tmp_path, "b")
    assert other.active_folder() == DEFAULT_DATA_DIR
    saved = editor_side.save(with_iati)
    start = time.monotonic()
    while other.active_folder().name != saved.name:
        assert time.monotonic() - start < 5, "the other replica did not notice the save within 5 seconds"
        time.sleep(0.1)
    assert served_rows(other) == with_iati.row_counts
    editor_side.restore(SHIPPED)
    start = time.monotonic()
    while other.active_folder() != DEFAULT_DATA_DIR:
        assert time.monotonic() - start < 5, "the other replica did not notice the restore within 5 seconds"
        time.sleep(0.1)


def test_a_replica_restarted_during_a_save_serves_the_old_version_then_the_new(url, tmp_path, dataset, with_iati):
    editor_side = replica(url, tmp_path, "a")
    first = editor_side.save(dataset)
    assert replica(url, tmp_path, "b").active_folder().name == first.name
    at_commit, go_on = threading.Event(), threading.Event()

    def hold_the_commit():
        at_commit.set()
        assert go_on.wait(30)

    saving = threading.Thread(target=lambda: editor_side.save(with_iati, before_commit=hold_the_commit))
    saving.start()
    assert at_commit.wait(60)
    restarted = replica(url, tmp_path, "b")  # the same cache folder: a new process of the same server
    start = time.monotonic()
    assert restarted.active_folder().name == first.name  # the save is not committed: the old data, whole
    assert restarted.status().problem is None and time.monotonic() - start < 2  # not held up by the save's lock
    go_on.set()
    saving.join(60)
    start = time.monotonic()
    while served_rows(restarted) != with_iati.row_counts:
        assert time.monotonic() - start < 5
        time.sleep(0.2)


# Faults: a half-written version, PostgreSQL down, a wrong address


def test_a_half_written_version_is_never_served_and_is_reported(url, tmp_path, dataset, with_iati):
    store = replica(url, tmp_path, poll_seconds=0)
    first = store.save(dataset)
    # A version row whose tables were never all written (by hand, or by a program that is not this store).
    query(url, "insert into usascp_versions select %s, saved_at, editor, files, record, fingerprint, table_count from "
          "usascp_versions where name = %s", ("20990101T000000000000Z-halfdone", first.name))  # fmt: skip
    query(url, "insert into usascp_version_tables select %s, table_name, csv, sha256 from usascp_version_tables "
          "where version = %s and table_name <> 'grants'", ("20990101T000000000000Z-halfdone", first.name))  # fmt: skip
    query(url, "update usascp_current set version = '20990101T000000000000Z-halfdone'")
    assert store.active_folder() == first.folder  # the last version served, never the half-written one
    assert "20990101T000000000000Z-halfdone is incomplete" in store.status().problem
    assert store.incomplete_versions() == ["20990101T000000000000Z-halfdone"]
    assert [version.name for version in store.history()] == [first.name, SHIPPED]
    assert replica(url, tmp_path, "new").active_folder() == DEFAULT_DATA_DIR  # a replica with nothing served yet
    with pytest.raises(ValueError, match="incomplete"):
        store.restore("20990101T000000000000Z-halfdone")
    # A table changed after it was written is refused by its digest, and the version is never made current.
    second = replica(url, tmp_path, "b").save(with_iati)
    query(url, "update usascp_version_tables set csv = csv || 'x' where version = %s and table_name = 'grants'", (second.name,))
    with pytest.raises(ValueError, match="not as written: grants"):
        replica(url, tmp_path, "c").restore(second.name)
    # b made it current (and cached it whole before it was changed); a replica reading it now refuses it.
    assert store.active_folder() == first.folder and "not as written: grants" in store.status().problem


def test_postgresql_down_keeps_the_last_version_even_across_a_restart_and_recovers(url, cluster, tmp_path, with_iati):
    store = replica(url, tmp_path, poll_seconds=0)
    saved = store.save(with_iati)
    cluster.stop("fast")
    assert store.active_folder() == saved.folder
    assert "refused the connection" in store.status().problem and store.status().shown == saved.name
    restarted = replica(url, tmp_path)  # the server restarted while the database is down: its cache remembers
    assert restarted.active_folder() == saved.folder and restarted.status().problem
    for action in (lambda: restarted.save(with_iati), lambda: restarted.restore(SHIPPED), restarted.history, restarted.change_log):
        with pytest.raises(StoreUnavailable, match=SETTING):
            action()
    cluster.start()
    start = time.monotonic()
    while restarted.status().problem is not None:  # the notice goes by itself
        assert time.monotonic() - start < 5
        time.sleep(0.1)
    assert restarted.active_folder() == saved.folder


def test_tables_dropped_behind_a_replicas_back_are_made_again_and_the_shipped_data_shown(url, tmp_path, with_iati):
    store = replica(url, tmp_path, poll_seconds=0)
    saved = store.save(with_iati)
    query(url, "drop table usascp_current, usascp_version_tables, usascp_versions")
    assert store.active_folder() == saved.folder  # the first check finds no tables: the version it had, meanwhile
    assert store.active_folder() == DEFAULT_DATA_DIR and store.status().problem is None  # made again: nothing saved


def test_a_restarting_postgresql_is_reported_in_words():
    from usascp.pg_store import in_words

    address = database_address("postgresql://maria:s3cret@db.example/usascp", SETTING)
    for message, words in [
        ("FATAL:  the database system is starting up", "is restarting"),
        ("FATAL:  terminating connection due to administrator command", "is restarting"),
        ("server closed the connection unexpectedly", "closed the connection"),
        ("connection timeout expired", "did not answer within"),
        ("canceling statement due to statement timeout", "did not finish a query in time"),
    ]:
        assert words in in_words(RuntimeError(message), address)


@pytest.mark.parametrize(
    "setting, words",
    [
        ("mysql://maria:s3cret@db.example/usascp", "must be a PostgreSQL address such as postgresql://"),
        ("not an address", "must be a PostgreSQL address"),
        ("postgresql://maria:s3cret@db.example:99999/usascp", "port"),
        ("postgresql://maria:s3cret@db.example/", "names no database"),
        ("postgresql://" + "x" * 3000, "characters long"),
    ],
)
def test_an_address_that_is_no_postgresql_address_is_refused_with_the_setting_named(tmp_path, setting, words):
    store = replica(setting, tmp_path)
    assert store.active_folder() == DEFAULT_DATA_DIR
    problem = store.status().problem
    assert problem.startswith(SETTING) and words in problem and "s3cret" not in problem
    with pytest.raises(StoreUnavailable, match=SETTING):
        store.save(None)


@pytest.mark.parametrize(
    "fault, words",
    [
        ("wrong password", "refused the user name or password"),
        ("unknown database", "there is no database named 'no_such_db'"),
        ("nothing listening", "refused the connection (is it running"),
    ],
)
def test_a_wrong_address_gets_a_clear_message_naming_the_setting_and_never_the_password(cluster, tmp_path, fault, words):
    address = {
        "wrong password": cluster.url("postgres", password="not-the-password"),
        "unknown database": cluster.url("no_such_db"),
        "nothing listening": cluster.url("postgres", port=pg_cluster.free_port()),
    }[fault]
    store = replica(address, tmp_path)
    assert store.active_folder() == DEFAULT_DATA_DIR
    problem = store.status().problem
    assert f"(set in {SETTING})" in problem and words in problem
    assert "not-the-password" not in problem and pg_cluster.PASSWORD not in problem


def test_a_secrets_section_is_read_as_libpq_keywords_or_a_url(cluster):
    from ui.connection import SECRETS_SETTING

    keywords = {"host": "127.0.0.1", "port": cluster.port, "database": "postgres", "username": "usascp", "password": "s3cret-pw"}
    address = database_address(keywords, SECRETS_SETTING)
    assert address.problem is None and address.described == f"usascp@127.0.0.1:{cluster.port}/postgres"
    assert "s3cret-pw" not in repr(address)
    assert database_address({"url": cluster.url("postgres")}, SECRETS_SETTING).params["dbname"] == "postgres"
    refused = database_address({"host": "h", "dbname": "d", "pasword": "typo"}, SECRETS_SETTING).problem
    assert refused.startswith(SECRETS_SETTING) and "pasword" in refused and "typo" not in refused
    assert "only postgresql" in database_address({"dialect": "mysql", "dbname": "d"}, SECRETS_SETTING).problem


# The pages, with the database configured


APP = str(REPO / "dashboard.py")


def as_read(text: str) -> str:
    """Text as a person reads it: markdown_text writes data with character references and word joiners."""
    import html

    from usascp.formatting import WORD_JOINER

    return html.unescape(text).replace(WORD_JOINER, "")


def page_words(app) -> str:
    elements = list(app.markdown) + list(app.caption) + list(app.warning) + list(app.error) + list(app.info) + list(app.success)
    return as_read(" ".join(str(element.value) for element in elements))


def opened(page: str | None = None, secrets: dict | None = None):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return app


def funding_shown(app) -> str:
    return {metric.label: metric.value for metric in app.metric}["Disclosed funding"]


def click(app, label: str) -> None:
    next(button for button in app.button if button.label == label).click().run()
    assert not app.exception, [exception.value for exception in app.exception]


def test_an_editor_saves_into_postgresql_and_viewers_keep_it_with_a_notice_while_it_is_down(url, cluster, monkeypatch):
    from usascp import pg_store
    from usascp.editors import hash_password

    monkeypatch.setenv(SETTING, url)
    monkeypatch.setattr(pg_store, "POLL_SECONDS", 0.5)  # this test's replica (the AppTests' process) asks often
    editor = opened("pages/data.py", {"editors": {"maria": hash_password("summit-2026", iterations=1_000)}})
    editor.text_input[0].input("maria")
    editor.text_input[1].input("summit-2026")
    click(editor, "Sign in")
    editor.file_uploader[0].set_value([(SAMPLE.name, SAMPLE.read_bytes(), "text/xml")])
    editor.radio[0].set_value("beside").run()
    editor.checkbox[0].check().run()

    cluster.stop("fast")
    time.sleep(0.6)
    click(editor, "Save as the dashboard's data")
    [refused] = [as_read(error.value) for error in editor.error if "Not saved" in error.value]
    assert f"(set in {SETTING})" in refused and "refused the connection" in refused and "Nothing was saved" in refused
    assert pg_cluster.PASSWORD not in page_words(editor)
    assert "The versions cannot be listed, saved or restored just now." in page_words(editor)

    cluster.start()
    time.sleep(0.6)
    click(editor, "Save as the dashboard's data")
    assert editor.success[-1].value.startswith("Saved as version ")
    assert " UTC, saved by maria from iati-activities-test.xml** (**shown now**)" in page_words(editor)
    assert funding_shown(opened()) == "$6.0M"  # another viewer: 4,398,750 + 1,600,000 from the IATI file

    cluster.stop("fast")
    time.sleep(0.6)
    viewer = opened()
    assert funding_shown(viewer) == "$6.0M"  # the last dataset this server had
    [notice] = [warning.value for warning in viewer.warning if "cannot be reached" in warning.value]
    assert "You are seeing the version saved " in notice and " UTC, the last this server had." in notice
    assert "127.0.0.1" not in page_words(viewer) and SETTING not in page_words(viewer)  # viewers are not told where it is
    about = opened("pages/about.py")
    assert "The change log cannot be read just now" in page_words(about)
    editor.run()
    assert not editor.exception and "The versions cannot be listed, saved or restored just now." in page_words(editor)

    cluster.start()
    time.sleep(0.6)
    viewer = opened()
    assert funding_shown(viewer) == "$6.0M" and "cannot be reached" not in page_words(viewer)
    editor.run()
    next(button for button in editor.button if button.label == "Restore" and "shipped" in button.key).click().run()
    assert funding_shown(opened()) == "$4.4M"

    # A version row written in part, outside the dashboard, made current: never shown; the editor is told which.
    half = "20990101T000000000000Z-halfdone"
    query(url, "insert into usascp_versions select %s, saved_at, editor, files, record, fingerprint, table_count "
          "from usascp_versions limit 1", (half,))  # fmt: skip
    query(url, "update usascp_current set version = %s", (half,))
    time.sleep(0.6)
    editor.run()
    words = page_words(editor)
    assert f"1 saved version in the database is incomplete (written in part, outside this dashboard) and never shown: {half}." in words
    assert f"This server cannot show the current version: The current saved version {half} is incomplete" in words
    assert funding_shown(opened()) == "$4.4M"


def test_a_database_in_secrets_is_used_through_st_connection_and_a_wrong_one_is_a_notice(url, cluster, tmp_path, with_iati):
    import os

    from ui.data import PG_CACHE_FOLDER, STORE_DIR_VARIABLE

    saved = PostgresStore(database_address(url, SETTING), tmp_path / "elsewhere").save(with_iati)  # through another replica
    app = opened("pages/about.py", {"connections": {"usascp": {"url": url}}})
    assert funding_shown(opened(secrets={"connections": {"usascp": {"url": url}}})) == "$6.0M"
    assert "Editors have saved 1 version of the data." in page_words(app)
    cache = Path(os.environ[STORE_DIR_VARIABLE]) / PG_CACHE_FOLDER
    assert list(cache.glob(f"*/{saved.name}"))  # served from this server's cache

    wrong = {"connections": {"usascp": {"url": cluster.url(url.rsplit("/", 1)[1], password="not-it")}}}
    viewer = opened(secrets=wrong)
    # The same database (its cache folder too) with a wrong password: the version this server had, with the notice.
    assert funding_shown(viewer) == "$6.0M" and "The saved data cannot be reached just now." in page_words(viewer)
