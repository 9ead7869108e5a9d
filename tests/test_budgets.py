"""Every upload spends from one budget, checked before memory is spent; going over refuses the file with the limit named."""

from __future__ import annotations

import dataclasses
import time

import pytest

from amplifiers import (
    GRANTS_HEADER,
    iati_with_junk,
    shared_strings_workbook,
    wide_csv,
    wide_workbook,
    zip_of_many_members,
    zip_of_one_big_csv,
)
from usascp.budgets import Budget, default_budget
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.load import DatasetError
from usascp.schema import ProblemList


def problems_of(name: str, data: bytes, budget: Budget | None = None, cities=None) -> list[str]:
    return [str(problem) for problem in read_upload([UploadedFile(name, data)], cities, budget=budget).problems]


def test_a_workbook_declaring_16384_columns_is_read_by_its_real_cells_and_refused_when_they_run_over():
    data = wide_workbook(rows=2_000)
    assert len(data) < 40_000
    started = time.process_time()
    problems = problems_of("wide.xlsx", data, Budget(cells=1_000_000))
    assert problems == [
        "wide.xlsx, sheet grants: holds more than the 1,000,000 cells an upload may hold (cells up to its last value in each row)"
    ]
    assert time.process_time() - started < 10  # padded to the declared width it took 23 s at 20,000 rows


def test_a_workbook_with_a_value_in_its_last_column_still_reads_when_small(dataset):
    """The cells counted are those the rows hold: a short sheet with one far-out value is read (and its header checked)."""
    upload = read_upload([UploadedFile("wide.xlsx", wide_workbook(rows=3))], dataset.cities)
    assert upload.problems == [] and len(upload.tables["grants"].frame) == 3
    assert upload.cells == 10 + 3 * 16_384


def test_a_workbook_whose_shared_text_unpacks_past_the_limit_is_refused_before_openpyxl_reads_it():
    data = shared_strings_workbook(strings=5_000, length=1_000)  # 5 MB of text in a few kilobytes
    assert len(data) < 100_000
    assert problems_of("shared.xlsx", data, Budget(shared_text_bytes=2 * 2**20)) == [
        "shared.xlsx: its part xl/sharedStrings.xml unpacks to 5 MB, more than the 2 MB a workbook's shared text "
        "or styles may take; save large tables as CSV"
    ]


def test_a_zip_member_that_unpacks_past_the_limit_is_refused_by_its_declared_size():
    data = zip_of_one_big_csv(megabytes=3)
    assert problems_of("big.zip", data, Budget(unpacked_bytes=2 * 2**20)) == [
        "big.zip: grants.csv: unpacks to more than the 2 MB an upload may unpack to"
    ]


def test_a_zip_member_whose_declared_size_lies_is_stopped_by_the_read(monkeypatch):
    import zipfile

    data = zip_of_one_big_csv(megabytes=3)
    real_infolist = zipfile.ZipFile.infolist

    def lying(archive):
        members = real_infolist(archive)
        for member in members:
            member.file_size = 10  # claims to be tiny
        return members

    monkeypatch.setattr(zipfile.ZipFile, "infolist", lying)
    problems = problems_of("big.zip", data, Budget(unpacked_bytes=2 * 2**20))
    assert len(problems) == 1 and problems[0].startswith("big.zip: grants.csv: ")


def test_a_csv_with_more_lines_than_the_row_limit_is_refused_before_parsing():
    rows = "\n".join(f"G{n},wise,R,5,2021,,,grant,usascp_home," for n in range(1_200))
    assert problems_of("grants.csv", f"{GRANTS_HEADER}\n{rows}\n".encode(), Budget(rows=1_000)) == [
        "grants.csv: has 1,200 rows; an upload may have at most 1,000 rows per table"
    ]


def test_a_zip_of_10000_members_is_refused_by_counting_them():
    started = time.process_time()
    assert problems_of("many.zip", zip_of_many_members(10_000)) == [
        "many.zip: holds 10,000 files; a zip may hold at most 200 files (the tables as CSV, one file each)"
    ]
    assert time.process_time() - started < 5


def test_repeated_members_of_one_table_are_reported_without_being_parsed(monkeypatch):
    from usascp.importers import tables

    parsed = []
    real = tables.read_csv_bytes
    monkeypatch.setattr(tables, "read_csv_bytes", lambda *args: parsed.append(args[1]) or real(*args))
    problems = problems_of("same.zip", zip_of_many_members(150, same_name=True))
    assert len(parsed) == 1
    assert len(problems) == 149 and problems[0] == "same.zip: projects.csv: a second projects table (the first is same.zip: projects.csv)"


def test_a_csv_with_100000_columns_is_refused_by_its_header():
    data = wide_csv(100_000)
    assert len(data) < 1_000_000
    assert problems_of("grants.csv", data) == ["grants.csv row 1: has a header of 100,000 columns; a table has at most 100 columns"]


def test_an_iati_file_padded_with_junk_between_activities_is_refused_once_past_the_limit(dataset):
    problems = problems_of("junk.xml", iati_with_junk(junk_elements=30_000), cities=dataset.cities)
    assert problems == [
        "junk.xml: holds more than 10,000 elements outside its <iati-activity> elements; an IATI file holds little besides its activities"
    ]


def test_an_iati_file_with_a_little_junk_is_still_read(dataset):
    upload = read_upload([UploadedFile("junk.xml", iati_with_junk(junk_elements=100))], dataset.cities)
    assert upload.problems == [] and len(upload.tables["projects"].frame) == 2


def test_problems_past_the_limit_are_counted_not_listed(dataset):
    rows = "\n".join(f"G{n},wise,R,lots,2021,,,grant,usascp_home," for n in range(2_500))
    upload = read_upload([UploadedFile("grants.csv", f"{GRANTS_HEADER}\n{rows}\n".encode())])
    with pytest.raises(DatasetError) as caught:
        dataset_from_upload(upload, dataset, beside_base=True)
    problems = caught.value.problems
    assert len(problems) == 1_000 and problems.total == 2_500
    assert problems.more_line() == "… and 1,500 more problems, not listed: fix these and check again"
    assert str(caught.value).splitlines()[0] == "The dataset has 2,500 problems:"
    assert str(caught.value).splitlines()[-1] == problems.more_line()


def test_a_report_table_ends_with_how_many_were_not_listed():
    from usascp.schema import Problem, problems_table

    problems = ProblemList((Problem("grants.csv", n, "amount_usd", "x", "a number") for n in range(2, 8)), limit=4)
    report = problems_table(problems)
    assert len(report) == 5
    assert report.iloc[-1]["expected"] == "… and 2 more problems, not listed: fix these and check again"


def test_the_limits_can_be_raised_for_a_deployment(monkeypatch):
    monkeypatch.setenv("USASCP_UPLOAD_ROWS", "2000000")
    monkeypatch.setenv("USASCP_UPLOAD_SECONDS", "30.5")
    assert default_budget() == dataclasses.replace(Budget(), rows=2_000_000, seconds=30.5)


def test_a_zip_member_past_the_row_limit_is_given_up_on_while_unpacking():
    assert problems_of("big.zip", zip_of_one_big_csv(megabytes=3), Budget(rows=10_000)) == [
        "big.zip: grants.csv: has more than 10,000 rows; an upload may have at most that many per table"
    ]
