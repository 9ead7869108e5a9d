"""Saving an upload as the dashboard's data: atomic, reversible, editors only; a kill mid-save leaves old or new,
and what it left behind is removed at the next start unless a running save may own it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from usascp.changelog import RECORD_FILE, TableChange, changes_in_words, log_table, time_in_name
from usascp.editors import editor_signed_in, hash_password, password_matches
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.load import DEFAULT_DATA_DIR, load_dataset
from usascp.store import SHIPPED, DatasetStore

REPO = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"


@pytest.fixture(scope="module")
def with_iati(dataset):
    return dataset_from_upload(
        read_upload([UploadedFile(SAMPLE.name, SAMPLE.read_bytes())], dataset.cities), dataset, beside_base=True
    )


def test_a_save_becomes_what_everyone_sees_and_the_shipped_data_can_be_restored(tmp_path, dataset, with_iati):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    assert store.active_folder() == DEFAULT_DATA_DIR
    saved = store.save(with_iati)
    shown = load_dataset(store.active_folder())
    assert store.active_folder() == saved.folder.resolve()
    assert shown.row_counts == with_iati.row_counts and len(shown.projects) == len(dataset.projects) + 4
    assert [version.is_current for version in store.history()] == [True, False]
    store.restore(SHIPPED)
    assert store.active_folder() == DEFAULT_DATA_DIR
    store.restore(saved.name)
    assert store.active_folder() == saved.folder.resolve()
    assert load_dataset(DEFAULT_DATA_DIR).row_counts == dataset.row_counts  # data/ itself is never written


def test_saved_files_load_back_equal(tmp_path, with_iati):
    saved = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR).save(with_iati)
    loaded = load_dataset(saved.folder)
    for table in with_iati.row_counts:
        assert loaded.__getattribute__(table).equals(with_iati.__getattribute__(table)), table


def test_restoring_a_version_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(ValueError):
        DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR).restore("../../etc")


KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
    from usascp.load import load_dataset
    from usascp import store as store_module

    shipped = load_dataset()
    sample = Path({sample!r})
    dataset = dataset_from_upload(read_upload([UploadedFile(sample.name, sample.read_bytes())], shipped.cities), shipped, True)
    store = store_module.DatasetStore({root!r})
    moment = {moment!r}
    if moment == "while switching":
        real_replace = os.replace
        def die_at_the_switch(source, target):
            if Path(target).name == "current":
                os.kill(os.getpid(), signal.SIGKILL)
            real_replace(source, target)
        os.replace = die_at_the_switch
        store.save(dataset)
    elif moment == "while writing":
        written = []
        original = store_module.write_table
        def write_then_die(frame, path, table):
            original(frame, path, table)
            written.append(table)
            if len(written) == 4:
                os.kill(os.getpid(), signal.SIGKILL)
        store_module.write_table = write_then_die
        store.save(dataset)
    else:
        store.save(dataset, before_switch=lambda: os.kill(os.getpid(), signal.SIGKILL))
    """
)


def killed_save(store: DatasetStore, moment: str) -> None:
    """A save of the IATI sample in another process, killed with SIGKILL at `moment`."""
    script = KILLED_SAVE.format(repo=str(REPO), sample=str(SAMPLE), root=str(store.root), moment=moment)
    finished = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=120)
    assert finished.returncode == -signal.SIGKILL, finished.stderr.decode()


def names_in(store: DatasetStore) -> list[str]:
    return sorted(path.name.split("-")[0] for path in store.root.iterdir())


@pytest.mark.parametrize("moment", ["while writing", "before the switch", "while switching"])
def test_a_save_killed_midway_leaves_the_old_dataset_whole(tmp_path, with_iati, moment):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    first = store.save(with_iati)  # an earlier save, so "old" is a saved version, not data/
    killed_save(store, moment)
    assert store.active_folder() == first.folder.resolve()
    assert load_dataset(store.active_folder()).row_counts == with_iati.row_counts
    # A kill while writing leaves only a staging folder, and one while switching only a new link, neither
    # ever shown; a kill before the switch leaves a complete new version that is simply not current.
    left_behind = {"while writing": [".staging"], "before the switch": [], "while switching": [".current"]}[moment]
    assert names_in(store) == sorted(left_behind + ["current", "versions"])
    # The change-log record is written inside the staging folder: no version is ever in place without it.
    assert all((folder / RECORD_FILE).is_file() for folder in store.versions.iterdir())
    # The next start (the dashboard opening the store) removes them: the process that made them is gone.
    assert len(DatasetStore(store.root, DEFAULT_DATA_DIR).remove_leftovers()) == len(left_behind)
    assert names_in(store) == ["current", "versions"]
    assert store.active_folder() == first.folder.resolve()


def test_the_next_save_removes_what_a_killed_one_left(tmp_path, with_iati):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    killed_save(store, "while writing")
    assert ".staging" in names_in(store)
    saved = store.save(with_iati)
    assert names_in(store) == ["current", "versions"]
    assert store.active_folder() == saved.folder.resolve()


def test_the_dashboard_removes_leftovers_when_it_opens_the_store(tmp_path, monkeypatch):
    from ui.data import STORE_DIR_VARIABLE, dataset_store

    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    killed_save(store, "while writing")
    monkeypatch.setenv(STORE_DIR_VARIABLE, str(store.root))
    assert dataset_store().root == store.root
    assert names_in(store) == ["versions"]  # the killed save was the first: no `current` yet


def test_two_saves_at_once_do_not_remove_each_others_work(tmp_path, with_iati, monkeypatch):
    from usascp import store as store_module

    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    real_write = store_module.write_table
    other_saves = []

    def write_while_another_editor_saves(frame, path, table):
        real_write(frame, path, table)
        if table == "grants" and not other_saves:  # halfway through this save, another one starts and ends
            other_saves.append(None)
            other_saves[0] = DatasetStore(store.root, DEFAULT_DATA_DIR).save(with_iati)

    monkeypatch.setattr(store_module, "write_table", write_while_another_editor_saves)
    first = store.save(with_iati)
    assert first.folder.is_dir() and other_saves[0].folder.is_dir()
    assert load_dataset(first.folder).row_counts == with_iati.row_counts
    assert names_in(store) == ["current", "versions"]


def leftover(store: DatasetStore, name: str, hours_old: float) -> Path:
    folder = store.root / name
    folder.mkdir(parents=True)
    (folder / "grants.csv").write_text("half a file")
    then = time.time() - hours_old * 3600
    os.utime(folder, (then, then))
    return folder


def ended_process() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


OWNERS = {
    "this process": lambda: f"{os.getpid()}-{socket.gethostname()}",  # a save may be running in it
    "an ended process": lambda: f"{ended_process()}-{socket.gethostname()}",
    "another host": lambda: "4242-another-host.example",  # cannot be asked whether its save still runs
    "no owner": lambda: "",  # named before owners were recorded
}


@pytest.mark.parametrize(
    "owner, hours_old, removed",
    [
        ("this process", 0, False),
        ("this process", 2, True),  # no save takes two hours
        ("an ended process", 0, True),
        ("another host", 0, False),
        ("another host", 2, True),
        ("no owner", 0, False),
        ("no owner", 2, True),
    ],
)
def test_only_leftovers_no_running_save_can_own_are_removed(tmp_path, owner, hours_old, removed):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    name = ".staging-" + "-".join(part for part in (OWNERS[owner](), uuid.uuid4().hex) if part)
    folder = leftover(store, name, hours_old)
    assert store.remove_leftovers() == ([name] if removed else [])
    assert folder.exists() is not removed


def test_the_link_switch_is_one_rename(tmp_path, with_iati, monkeypatch):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    renames = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda source, target: (renames.append(Path(target).name), real_replace(source, target)))
    store.save(with_iati)
    assert renames[-1] == "current" and len(renames) == 2  # staging -> versions/<name>, then the link


def test_passwords_are_kept_as_salted_hashes():
    stored = hash_password("correct horse", iterations=1_000)
    assert stored.startswith("pbkdf2_sha256$1000$") and "correct horse" not in stored
    assert password_matches("correct horse", stored) and not password_matches("wrong", stored)
    assert hash_password("correct horse", iterations=1_000) != stored  # a new salt each time
    assert not password_matches("x", "not a hash")
    assert editor_signed_in({"maria": stored}, " maria ", "correct horse")
    assert not editor_signed_in({"maria": stored}, "pedro", "correct horse")


# The change log: what each save records, and what the log shows of versions saved before records existed.

IATI_SAMPLE_ADDS = {
    "sources": TableChange(4, 0, 0),
    "projects": TableChange(4, 0, 0),
    "project_sources": TableChange(4, 0, 0),
    "project_cities": TableChange(2, 0, 0),
    "project_countries": TableChange(1, 0, 0),
    "grants": TableChange(4, 0, 0),
    "transactions": TableChange(5, 0, 0),  # its commitments and disbursements, kept as money
    "metrics": TableChange(2, 0, 0),  # its two result values
}


def test_a_save_records_when_who_which_files_its_rows_and_what_it_added(tmp_path, with_iati, dataset):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    before = dt.datetime.now(dt.timezone.utc)
    saved = store.save(with_iati, editor="maria", files=["iati-activities-test.xml"])
    record = json.loads((saved.folder / RECORD_FILE).read_text(encoding="utf-8"))
    assert record["editor"] == "maria" and record["files"] == ["iati-activities-test.xml"]
    assert record["rows"] == with_iati.row_counts and record["rows"]["projects"] == len(dataset.projects) + 4
    assert before <= dt.datetime.fromisoformat(record["saved_at"]) <= dt.datetime.now(dt.timezone.utc)
    assert time_in_name(saved.name) == dt.datetime.fromisoformat(record["saved_at"])  # one time, in the name and the record
    assert record["compared_with"] == SHIPPED
    # The IATI sample beside the shipped data adds its rows and changes none: the shipped files, written by hand,
    # compare as the store writes them (no row reads as changed for "3000000" against "3000000.0").
    changed = {table: TableChange(**change) for table, change in record["changes"].items() if any(change.values())}
    assert changed == IATI_SAMPLE_ADDS


def test_the_next_save_counts_removed_and_changed_rows_by_identifier_from_the_data_shown_before(tmp_path, with_iati, dataset):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    first = store.save(with_iati, editor="maria", files=["iati-activities-test.xml"])
    projects = dataset.projects.copy()
    projects.loc[projects["project_id"] == "wise", "status"] = "ongoing"  # one value of one row
    edited = dataclasses.replace(dataset, projects=projects)
    second = store.save(edited, editor="ana", files=["projects.csv"])
    [newest, older, shipped] = store.change_log()
    assert (newest.name, older.name, shipped.name) == (second.name, first.name, SHIPPED)
    assert (newest.is_current, older.is_current, shipped.is_current) == (True, False, False)
    assert newest.compared_with == first.name and newest.editor == "ana" and newest.files == ("projects.csv",)
    assert newest.changes["projects"] == TableChange(added=0, removed=4, changed=1)
    assert newest.changes["sources"] == TableChange(added=0, removed=4, changed=0)
    assert newest.changes["cities"] == TableChange(0, 0, 0)
    assert changes_in_words(newest.changes) == (
        "4 sources, 4 projects, 4 project–source links, 2 project–city links, 1 project–country link, 4 grants, 5 transactions "
        "and 2 figures removed; 1 project changed"
    )
    # Restoring the shipped data and saving again counts from the shipped data, not from the newest version.
    store.restore(SHIPPED)
    third = store.save(with_iati, editor="maria")
    assert store.change_log()[0].compared_with == SHIPPED and store.change_log()[0].name == third.name


def test_a_version_saved_before_the_change_log_shows_its_time_and_rows_from_its_files(tmp_path, with_iati, dataset):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    saved = store.save(with_iati, editor="maria", files=["iati-activities-test.xml"])
    earlier = store.versions / "20261101T093000123456Z-0123abcd"  # as the store named versions before records
    shutil.copytree(saved.folder, earlier)
    (earlier / RECORD_FILE).unlink()
    store.restore(earlier.name)
    log = store.change_log()
    assert [entry.name for entry in log] == [saved.name, earlier.name, SHIPPED]
    old = log[1]
    assert old.is_current and not old.recorded and old.editor is None and old.files == () and old.changes is None
    assert old.saved_at == dt.datetime(2026, 11, 1, 9, 30, 0, 123456, tzinfo=dt.timezone.utc)
    assert old.rows == with_iati.row_counts  # counted from its files; a summary with a line break stays one row
    assert log[2].rows == dataset.row_counts and log[2].saved_at is None
    table = log_table(log, SHIPPED)
    assert table["saved_at"].tolist() == [
        f"{int(saved.name[6:8])} {dt.datetime.strptime(saved.name[:8], '%Y%m%d'):%b %Y}, "
        f"{saved.name[9:11]}:{saved.name[11:13]}:{saved.name[13:15]} UTC",
        "1 Nov 2026, 09:30:00 UTC",
        "shipped with the dashboard",
    ]
    assert table["is_current"].tolist() == [False, True, False]
    assert table["editor"].tolist() == ["maria", "not recorded", ""]
    assert table["changes"][1] == "not recorded (saved before the change log)"
    assert table["changes"][0].startswith("4 sources, 4 projects") and table["changes"][0].endswith("added (from the shipped data)")


def test_a_record_that_cannot_be_read_leaves_what_the_files_tell(tmp_path, with_iati):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    saved = store.save(with_iati, editor="maria")
    (saved.folder / RECORD_FILE).write_text('{"saved_at": "not a time"', encoding="utf-8")
    entry = store.change_log()[0]
    assert not entry.recorded and entry.rows == with_iati.row_counts and entry.saved_at == time_in_name(saved.name)


def test_a_save_that_fixes_broken_shipped_data_is_made_and_counts_its_change_from_the_files(data_copy, dataset):
    """When the data shown cannot be loaded, an editor saves a fix: the change log must not stand in the way."""
    data_copy.replace("grants", ",98750,", ",-98750,")  # a refused amount: the shipped copy no longer loads
    store = DatasetStore(data_copy.folder.parent / "store", data_copy.folder)
    saved = store.save(dataset, editor="maria", files=["grants.csv"])
    [entry, shipped] = store.change_log()
    assert entry.name == saved.name and entry.is_current and entry.compared_with == SHIPPED
    assert {table: change for table, change in entry.changes.items() if change.any} == {"grants": TableChange(0, 0, 1)}


def test_a_save_whose_earlier_data_cannot_be_read_says_its_changes_are_not_known(tmp_path, with_iati):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    first = store.save(with_iati)
    (first.folder / "projects.csv").write_bytes(b'project_id,title\n"unclosed,quote\n')
    store.save(with_iati, editor="maria")
    entry = store.change_log()[0]
    assert entry.recorded and entry.changes is None
    assert log_table(store.change_log(), SHIPPED)["changes"][0] == "not known: the data shown before it could not be read"


def test_the_change_log_takes_a_loaded_versions_rows_from_its_load_and_counts_a_changed_file_again(data_copy, monkeypatch):
    """The first view of the About page after a start counted every shipped file again: 1 s at 10,000x."""
    from usascp import changelog

    loaded = load_dataset(data_copy.folder)
    store = DatasetStore(data_copy.folder.parent / "store", data_copy.folder)

    def counted_again(*args, **kwargs):
        raise AssertionError("a loaded version's files were read again")

    with monkeypatch.context() as patched:
        patched.setattr(changelog.csv, "reader", counted_again)
        [shipped] = store.change_log()
    assert shipped.rows == loaded.row_counts and shipped.rows["grants"] == 6

    # A file changed since the load is counted from the files as they are now.
    text = (data_copy.folder / "grants.csv").read_text(encoding="utf-8")
    (data_copy.folder / "grants.csv").write_text(text + text.splitlines()[-1] + "\n", encoding="utf-8")
    [shipped] = store.change_log()
    assert shipped.rows["grants"] == 7 and shipped.rows["projects"] == loaded.row_counts["projects"]
