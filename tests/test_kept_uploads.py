"""Kept uploads: an explored upload stays for its browser for a day, under an id no one can guess, and then goes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat

import pytest

from usascp.budgets import Budget
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.kept_uploads import ID_PATTERN, KEEP_FOR, NotKept, UploadKeeper, folder_name, until_words
from usascp.schema import SCHEMAS, TABLE_FILES

START = dt.datetime(2026, 9, 8, 12, 0, tzinfo=dt.timezone.utc)


class Clock:
    def __init__(self):
        self.time = START

    def __call__(self):
        return self.time


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def keeper(tmp_path, clock):
    return UploadKeeper(tmp_path / "kept", now=clock)


@pytest.fixture(scope="module")
def upload(dataset):
    """One grant added beside the shipped data, as the Data page checks it."""
    grants = ",".join(SCHEMAS["grants"].columns) + '\nU1,wise,City of Someplace,"$1,250,000",2021-03,,,grant,usascp_home,\n'
    return dataset_from_upload(read_upload([UploadedFile("grants.csv", grants.encode())]), dataset, beside_base=True)


def test_a_kept_upload_comes_back_whole_and_validated_by_its_id(keeper, upload, dataset):
    upload_id, until = keeper.keep(upload, ["grants.csv"], beside_shipped=True, base_version=dataset.version)
    assert until == START + KEEP_FOR == START + dt.timedelta(hours=24)
    kept = keeper.load(upload_id)
    assert (kept.file_names, kept.beside_shipped, kept.kept_until, kept.base_version) == (
        ("grants.csv",),
        True,
        until,
        dataset.version,
    )
    for table in TABLE_FILES:
        assert getattr(kept.dataset, table).equals(getattr(upload, table)), table
    assert kept.dataset.grants["amount_usd"].sum() == dataset.grants["amount_usd"].sum() + 1_250_000
    assert kept.dataset.version != dataset.version  # a version of its own: shared caches never mix the two


def test_ids_are_unguessable_and_never_written_to_disk(keeper, upload, dataset):
    ids = {keeper.keep(upload, ["grants.csv"], True, dataset.version)[0] for _ in range(5)}
    assert len(ids) == 5 and all(ID_PATTERN.match(upload_id) for upload_id in ids)  # 43 characters, 256 random bits
    listed = {path.name for path in keeper.root.iterdir()}
    assert listed == {folder_name(upload_id) for upload_id in ids}
    assert not any(upload_id in name for upload_id in ids for name in listed)
    assert stat.S_IMODE(keeper.root.stat().st_mode) == 0o700
    folder = keeper.root / folder_name(next(iter(ids)))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(file.stat().st_mode) for file in folder.iterdir()} == {0o600}


def test_another_id_reads_nothing_and_a_forged_one_never_becomes_a_path(keeper, upload, dataset):
    upload_id, _ = keeper.keep(upload, ["grants.csv"], True, dataset.version)
    other_id = upload_id[:-1] + ("A" if upload_id[-1] != "A" else "B")
    assert keeper.load(other_id) is None
    for forged in ("../../data", folder_name(upload_id), "", None, upload_id + "x", "a" * 42 + "/"):
        assert keeper.load(forged) is None
        assert keeper.forget(forged) is False
    assert keeper.load(upload_id) is not None  # still there for its own id


def test_an_upload_expires_after_24_hours_and_expired_ones_are_cleaned(keeper, upload, dataset, clock):
    first, _ = keeper.keep(upload, ["grants.csv"], True, dataset.version)
    clock.time = START + dt.timedelta(hours=23, minutes=59)
    assert keeper.load(first) is not None
    second, _ = keeper.keep(upload, ["grants.csv"], True, dataset.version)
    clock.time = START + dt.timedelta(hours=24)
    assert keeper.load(first) is None  # expired: refused, and deleted
    assert not (keeper.root / folder_name(first)).exists()
    clock.time = START + dt.timedelta(hours=48)
    assert keeper.remove_expired() == [folder_name(second)]
    assert list(keeper.root.iterdir()) == []


def test_forget_deletes_it_now(keeper, upload, dataset):
    upload_id, _ = keeper.keep(upload, ["grants.csv"], True, dataset.version)
    assert keeper.forget(upload_id) is True
    assert keeper.load(upload_id) is None and list(keeper.root.iterdir()) == []
    assert keeper.forget(upload_id) is False


def test_an_upload_larger_than_the_cap_or_the_room_left_is_not_kept(tmp_path, upload, dataset, clock):
    size = 64_000  # the shipped data and one grant, as CSV: about 63 KB (a megabyte is 1,048,576 bytes)
    small = UploadKeeper(tmp_path / "small", budget=Budget(kept_bytes=size // 2), now=clock)
    with pytest.raises(NotKept, match=r"it is 0.1 MB as tables, more than the 0 MB an upload kept on the server may be"):
        small.keep(upload, ["grants.csv"], True, dataset.version)
    assert not (tmp_path / "small").exists() or list((tmp_path / "small").iterdir()) == []
    room_for_one = UploadKeeper(tmp_path / "room", budget=Budget(all_kept_bytes=int(size * 1.5)), now=clock)
    room_for_one.keep(upload, ["grants.csv"], True, dataset.version)
    with pytest.raises(NotKept, match=r"the server's room for kept uploads \(0 MB\) is full"):
        room_for_one.keep(upload, ["grants.csv"], True, dataset.version)
    clock.time = START + KEEP_FOR  # the first expires: its room is free again
    room_for_one.keep(upload, ["grants.csv"], True, dataset.version)


def test_an_upload_that_no_longer_passes_is_refused_with_the_count_and_deleted(keeper, upload, dataset):
    upload_id, _ = keeper.keep(upload, ["grants.csv"], True, dataset.version)
    grants = keeper.root / folder_name(upload_id) / "grants.csv"
    grants.write_text(grants.read_text(encoding="utf-8").replace("1250000", "-5"), encoding="utf-8")
    with pytest.raises(NotKept, match=r"no longer passes the dashboard's checks \(1 problem\)"):
        keeper.load(upload_id)
    assert keeper.load(upload_id) is None


def test_a_leftover_staging_folder_goes_once_no_keep_can_be_writing_it(keeper, upload, dataset):
    keeper.keep(upload, ["grants.csv"], True, dataset.version)
    fresh, stale = keeper.root / ".staging-fresh", keeper.root / ".staging-stale"
    fresh.mkdir()
    stale.mkdir()
    os.utime(stale, (0, 0))
    (keeper.root / "someone-elses-file").write_text("left alone")
    assert keeper.remove_expired() == [".staging-stale"]
    assert fresh.exists() and (keeper.root / "someone-elses-file").exists()


def test_a_kept_upload_is_said_in_the_viewers_time():
    when = dt.datetime(2026, 9, 9, 12, 0, tzinfo=dt.timezone.utc)
    assert until_words(when, "Asia/Bangkok") == "9 Sep 2026, 19:00 (Asia/Bangkok)"
    assert until_words(when, None) == until_words(when, "Not/AZone") == "9 Sep 2026, 12:00 (UTC)"


def test_a_dataset_without_base_version_round_trips_every_table_exactly(keeper, dataset):
    upload_id, _ = keeper.keep(dataset, ["usascp-data.xlsx"], False, dataset.version)
    kept = keeper.load(upload_id).dataset
    for table in TABLE_FILES:
        assert getattr(kept, table).equals(getattr(dataset, table)), table
    assert dataclasses.replace(kept, version=dataset.version).row_counts == dataset.row_counts


def test_an_upload_is_never_kept_inside_the_data_folder(tmp_path, upload, dataset, clock):
    data = tmp_path / "data"
    inside = UploadKeeper(data / "kept", now=clock, data_folders=(data,))
    with pytest.raises(NotKept, match="inside a folder of the dashboard's data"):
        inside.keep(upload, ["grants.csv"], True, dataset.version)
    assert not (data / "kept").exists()
    beside = UploadKeeper(tmp_path / "kept-uploads", now=clock, data_folders=(data,))
    assert beside.load(beside.keep(upload, ["grants.csv"], True, dataset.version)[0]) is not None
