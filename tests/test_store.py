"""Saving an upload as the dashboard's data: atomic, reversible, editors only; a kill mid-save leaves old or new."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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
    if moment == "while writing":
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


@pytest.mark.parametrize("moment", ["while writing", "before the switch"])
def test_a_save_killed_midway_leaves_the_old_dataset_whole(tmp_path, with_iati, moment):
    store = DatasetStore(tmp_path / "store", DEFAULT_DATA_DIR)
    first = store.save(with_iati)  # an earlier save, so "old" is a saved version, not data/
    script = KILLED_SAVE.format(repo=str(REPO), sample=str(SAMPLE), root=str(store.root), moment=moment)
    finished = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=120)
    assert finished.returncode == -signal.SIGKILL, finished.stderr.decode()
    assert store.active_folder() == first.folder.resolve()
    assert load_dataset(store.active_folder()).row_counts == with_iati.row_counts
    # A kill while writing leaves only a staging folder, which is never shown; a kill before the switch
    # leaves a complete new version that is simply not current.
    leftovers = sorted(path.name.split("-")[0] for path in store.root.iterdir())
    assert leftovers == ([".staging", "current", "versions"] if moment == "while writing" else ["current", "versions"])


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
