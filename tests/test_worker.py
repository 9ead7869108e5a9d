"""An upload is checked in a process of its own, within the budget's memory and time, and its memory goes with it."""

from __future__ import annotations

import resource

from amplifiers import GRANTS_HEADER, wide_workbook
from usascp.budgets import MB, Budget
from usascp.importers.tables import UploadedFile, check_upload
from usascp.importers.worker import check_upload_isolated

ONE_GRANT = UploadedFile("grants.csv", f"{GRANTS_HEADER}\nU1,wise,A,\"$1,250,000\",15/03/2021,,,grant,usascp_home,\n".encode())


def test_a_check_in_the_worker_finds_what_a_check_in_process_finds(dataset):
    isolated = check_upload_isolated([ONE_GRANT], dataset, beside_base=True)
    here = check_upload([ONE_GRANT], dataset, beside_base=True)
    assert isolated.problems == here.problems == []
    assert [str(note) for note in isolated.notes] == [str(note) for note in here.notes] == [
        "grants.csv row 2, column amount_usd: read '$1,250,000' as 1250000",
        "grants.csv row 2, column award_date: read '15/03/2021' as 2021-03-15",
    ]
    shipped = dataset.grants["amount_usd"].sum()
    assert isolated.dataset.grants["amount_usd"].sum() == here.dataset.grants["amount_usd"].sum() == shipped + 1_250_000
    assert isolated.row_counts == {"grants": 1}


def test_problems_past_the_limit_keep_their_count_across_the_process_boundary(dataset):
    rows = "\n".join(f"G{n},wise,R,lots,2021,,,grant,usascp_home," for n in range(1_200))
    result = check_upload_isolated([UploadedFile("grants.csv", f"{GRANTS_HEADER}\n{rows}\n".encode())], dataset, True)
    assert len(result.problems) == 1_000 and result.problems.total == 1_200


def test_a_file_that_needs_more_memory_than_allowed_fails_alone_with_a_message(dataset):
    result = check_upload_isolated([UploadedFile("wide.xlsx", wide_workbook(2_000))], dataset, True, budget=Budget(memory_bytes=40 * MB))
    assert [str(problem) for problem in result.problems] == [
        "wide.xlsx: needed more than the 40 MB of memory an upload may use to be read and checked; "
        "split it into smaller files, or save large tables as CSV"
    ]
    assert result.dataset is None


def test_a_check_that_takes_too_long_is_stopped(dataset):
    result = check_upload_isolated([UploadedFile("wide.xlsx", wide_workbook(20_000))], dataset, True, budget=Budget(seconds=0.2))
    assert [str(problem) for problem in result.problems] == [
        "wide.xlsx: took longer than the 0.2 seconds an upload may take to be read and checked; split it into smaller files"
    ]


def test_the_memory_a_check_spends_is_not_kept_by_the_server(dataset):
    """The 20,000-row wide workbook costs its reader hundreds of megabytes; the server's own peak does not move."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = check_upload_isolated([UploadedFile("wide.xlsx", wide_workbook(20_000))], dataset, True)
    assert result.problems.total == 1
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 50  # read in this process, the same file took the peak up by over 100 MB
