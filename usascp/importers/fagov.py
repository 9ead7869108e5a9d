"""ForeignAssistance.gov CSV downloads read into the dashboard's tables, streamed, in bounded memory.

ForeignAssistance.gov publishes one column layout (COLUMNS) for every download, from a country extract to
the complete file (us_foreign_aid_complete.csv, about 3 GB). A file is known by its header, not its name.

Streaming: the file is read SPAN_BYTES at a time. Each span is cut at the last row that ends in it (a newline
outside quotes, found with numpy over the bytes: quoted text may hold commas and line breaks), and those
whole rows are parsed by pyarrow's CSV reader as raw bytes, so no row is decoded unless it is kept. Only the
rows of the chosen countries (ASEAN unless told) reach Python; they are added up as they come, per activity,
transaction type, fiscal year and date. Memory is one span, plus what is kept, whatever the file's size.

Bad input is reported, never fatal to the rest of the file:
- a row longer than LONGEST_ROW (a 100 MB description) is never held whole: its first and last
  KEPT_OF_LONG_ROW bytes are kept, which hold every other cell, and its long cell is cut short;
- a row with too few or too many cells (a file cut short mid-row) is set aside with its row number;
- cells that are not UTF-8 are read as Windows-1252 / Latin-1, and the report says how many rows were;
- a misspelt header name is read as the column it most likely is, and said so; a missing column is named,
  with what is lost without it (the file is refused only without the columns nothing can be read without);
- an amount that is not a number, a transaction type other than obligations and disbursements, and a row
  with no activity id or no fiscal year are set aside, counted by reason, with their rows listed.

Mapping: each activity becomes a project (its FA.gov activity id as record_id), obligations and disbursements
become transactions rows in US dollars by fiscal year (and date where given; negative amounts are
de-obligations, kept and netted), and an activity whose obligations net above zero gets one grants row of
that net sum, so headline totals count it once. Sectors come from fagov_sectors.csv, a table a person can
read and edit. Rows for "World" or a region name no country, so they are set aside and counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from usascp.budgets import Budget, default_budget
from usascp.dates import fiscal_year_of
from usascp.formatting import plural
from usascp.importers.iati import LEAD_AGENCY_NAMES, slug
from usascp.load import RawTable
from usascp.schema import ASEAN_COUNTRIES, FISCAL_YEARS, LARGEST_AMOUNT, SCHEMAS, SECTORS, Problem, ProblemList

# The published layout (ForeignAssistance.gov's complete file, 2025), in its order. Older country downloads
# add Income Group columns, spell "Funding Acount ID" and have no Transaction Date: all are read.
COLUMNS = (
    "Country ID", "Country Code", "Country Name", "Region ID", "Region Name",
    "Income Group ID", "Income Group Name", "Income Group Acronym",
    "Managing Agency ID", "Managing Agency Acronym", "Managing Agency Name",
    "Managing Sub-agency or Bureau ID", "Managing Sub-agency or Bureau Acronym", "Managing Sub-agency or Bureau Name",
    "Implementing Partner Category ID", "Implementing Partner Category Name",
    "Implementing Partner Sub-category ID", "Implementing Partner Sub-category Name",
    "Implementing Partner ID", "Implementing Partner Name",
    "International Category ID", "International Category Name", "International Sector Code", "International Sector Name",
    "International Purpose Code", "International Purpose Name",
    "US Category ID", "US Category Name", "US Sector ID", "US Sector Name",
    "Funding Account ID", "Funding Account Name", "Funding Agency ID", "Funding Agency Name", "Funding Agency Acronym",
    "Foreign Assistance Objective ID", "Foreign Assistance Objective Name",
    "Aid Type Group ID", "Aid Type Group Name",
    "Activity ID", "Submission ID", "Activity Name", "Activity Description", "Activity Project Number",
    "Activity Start Date", "Activity End Date",
    "Transaction Type ID", "Transaction Type Name", "Fiscal Year", "Transaction Date",
    "Current Dollar Amount", "Constant Dollar Amount",
)  # fmt: skip
# Spellings the published files themselves use for a column (not typing slips): read without a word.
OWN_SPELLINGS = {"funding acount id": "Funding Account ID"}
# What the dashboard reads, and what is lost without each. Without a country, an activity, an amount, a
# transaction type or a time, no row can be read: the file is refused whole.
USED = {
    "Country Code": None,
    "Country Name": "countries are named by their code only",
    "Region Name": "no regional rows can be kept",
    "Activity ID": None,
    "Current Dollar Amount": None,
    "Transaction Type Name": "transaction types are read from Transaction Type ID",
    "Transaction Type ID": "transaction types are read from Transaction Type Name",
    "Fiscal Year": "fiscal years are worked out from Transaction Date",
    "Transaction Date": "money is dated by fiscal year only",
    "Activity Name": "projects are titled by their activity id",
    "Activity Description": "projects have no summary",
    "Activity Start Date": "projects have no start date, so no status from dates",
    "Activity End Date": "projects have no end date, so no status from dates",
    "Managing Agency Name": "lead agencies are read from the acronym alone",
    "Managing Agency Acronym": "lead agencies are read from the name alone",
    "Managing Sub-agency or Bureau Name": "projects have no lead office",
    "Implementing Partner Name": "projects name no implementing partners",
    "US Sector Name": "sectors come from the international sector alone",
    "International Sector Name": "sectors come from the US sector alone",
}
# Pairs of which one is enough.
EITHER = (("Transaction Type Name", "Transaction Type ID"), ("Fiscal Year", "Transaction Date"))
MISSING_COUNTRY = "Country Code"

SPAN_BYTES = 8 * 2**20  # read and parsed at a time: memory is a few of these, whatever the file's size
LONGEST_ROW = 4 * 2**20  # a real row is a few KB; one longer is never held whole
KEPT_OF_LONG_ROW = 64 * 1024  # of such a row, this much of its start and of its end is kept
SECTOR_TABLE = Path(__file__).with_name("fagov_sectors.csv")
DATA_PAGE = "https://foreignassistance.gov/data"
PUBLISHER = "U.S. Department of State and USAID (ForeignAssistance.gov)"
OBLIGATION, DISBURSEMENT = "obligation", "disbursement"
# Transaction Type ID in the published files: 2 obligations, 3 disbursements.
TYPE_IDS = {"2": OBLIGATION, "3": DISBURSEMENT}
TYPE_NAMES = {"obligation": OBLIGATION, "obligations": OBLIGATION, "disbursement": DISBURSEMENT, "disbursements": DISBURSEMENT}
SUMMARY_CHARACTERS = 400

# Why rows were set aside. The first three are the file's other places, not defects of the file.
OUTSIDE = "in a country not chosen"
WORLD = 'for "World" (no country)'
REGIONAL = "for a region (no country)"
NOT_DEFECTS = (OUTSIDE, WORLD, REGIONAL)
CUT_SHORT = "cut short at the end of the file"


@dataclass(frozen=True)
class FagovChoice:
    """Which rows of a download to keep: those of `countries` (ISO3 codes), and the regional rows (no country named)
    of `regions` (Region Name, such as "East Asia and Oceania", where regional programs for ASEAN are filed)."""

    countries: tuple[str, ...] = tuple(sorted(ASEAN_COUNTRIES))
    regions: tuple[str, ...] = ()


@dataclass
class FagovImport:
    """What one ForeignAssistance.gov file gave: text tables for validation, and the report of the read."""

    file_name: str
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: ProblemList = field(default_factory=ProblemList)  # the file could not be read (whole or to its end)
    set_aside_rows: ProblemList = field(default_factory=ProblemList)  # rows with a defect, each named
    notes: list[str] = field(default_factory=list)  # how things were read (encoding, header names, long cells)
    missing_columns: list[str] = field(default_factory=list)  # columns the dashboard reads, and what is lost without each
    rows_read: int = 0
    rows_kept: int = 0
    set_aside: Counter = field(default_factory=Counter)  # reason -> rows
    places_set_aside: Counter = field(default_factory=Counter)  # country or region name -> rows
    activities: int = 0
    transactions: int = 0
    fiscal_years: dict[int, dict[str, float]] = field(default_factory=dict)
    unmapped_sectors: Counter = field(default_factory=Counter)  # FA.gov sector -> activities placed in "Other"
    bytes_read: int = 0
    total_bytes: int | None = None
    seconds: float = 0.0

    @property
    def defects(self) -> int:
        """Rows set aside for something wrong with them (not for lying outside the chosen countries)."""
        return sum(count for reason, count in self.set_aside.items() if reason not in NOT_DEFECTS)

    @property
    def clean(self) -> bool:
        """Read whole, every column there, no row set aside for a defect: the command line's exit 0."""
        return not (self.problems.total or self.defects or self.missing_columns)

    @property
    def summary(self) -> str:
        places = ", ".join(self.countries) + "".join(f"; regional rows of {region}" for region in self.regions)
        kept = f"{self.rows_kept:,} kept ({places})"
        return (
            f"{self.file_name}: {plural(self.rows_read, 'row')} read, {kept}, {self.rows_read - self.rows_kept:,} set aside; "
            f"{plural(self.activities, 'activity', 'activities')}, {plural(self.transactions, 'transaction')}"
        )

    def set_aside_lines(self) -> list[str]:
        return [f"{plural(count, 'row')} {reason}" for reason, count in self.set_aside.most_common()]

    def fiscal_year_table(self) -> pd.DataFrame:
        """Obligations and disbursements kept, by U.S. fiscal year, in US dollars (negative amounts netted)."""
        rows = [
            {
                "fiscal year": year,
                "obligations (USD)": totals.get(OBLIGATION, 0.0),
                "disbursements (USD)": totals.get(DISBURSEMENT, 0.0),
            }
            for year, totals in sorted(self.fiscal_years.items())
        ]
        return pd.DataFrame(rows, columns=["fiscal year", "obligations (USD)", "disbursements (USD)"])

    def report_lines(self) -> list[str]:
        """The report as lines of text, for the command line (the Data page lays out the same facts)."""
        lines = [f"ForeignAssistance.gov {self.summary}."]
        lines += [f"- {missing}" for missing in self.missing_columns]
        lines += [f"- {note}" for note in self.notes]
        if self.set_aside:
            lines.append("Rows set aside:")
            lines += [f"- {line}" for line in self.set_aside_lines()]
        if self.places_set_aside:
            places = ", ".join(f"{name} ({count:,})" for name, count in self.places_set_aside.most_common(8))
            more = len(self.places_set_aside) - 8
            lines.append(f"- the most rows set aside by place: {places}" + (f", and {more:,} more places" if more > 0 else ""))
        for problem in self.set_aside_rows:
            lines.append(f"- {problem}")
        if more := self.set_aside_rows.more_line("rows set aside"):
            lines.append(f"- {more}")
        if self.unmapped_sectors:
            names = ", ".join(f"{name} ({count:,})" for name, count in self.unmapped_sectors.most_common(6))
            lines.append(f"- sectors with no sector of ours, shown as Other (activities): {names}")
        if self.fiscal_years:
            lines.append("Kept, by U.S. fiscal year (US dollars, de-obligations netted):")
            for year, totals in sorted(self.fiscal_years.items()):
                lines.append(
                    f"- FY{year}: obligations {totals.get(OBLIGATION, 0.0):,.2f}, disbursements {totals.get(DISBURSEMENT, 0.0):,.2f}"
                )
        return lines


# --- recognising the layout -------------------------------------------------------------------------------


def _key(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


_KNOWN = {_key(name): name for name in COLUMNS}


def header_of(data: bytes) -> list[str] | None:
    """The column names of a CSV file's first row (from its first bytes), or None when there is no header row."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # known, so that read_fagov can say to save it as UTF-8
        text = data[: len(data) // 2 * 2].decode("utf-16", errors="replace").split("\n", 1)[0]
        data = text.encode("utf-8")
    data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    end = data.find(b"\n")
    line = data if end < 0 else data[:end]
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("cp1252", errors="replace")
    try:
        return [name.strip() for name in next(csv.reader([text.rstrip("\r")]))]
    except (StopIteration, csv.Error):
        return None


def is_fagov_header(names: list[str] | None) -> bool:
    """Whether a header is ForeignAssistance.gov's layout: most of its names are published column names.

    Close misspellings count, so a file with a typing slip in its header is still read (and told about it).
    """
    if not names:
        return False
    exact = sum(_key(name) in _KNOWN or _key(name) in OWN_SPELLINGS for name in names)
    close = sum(bool(_likely_column(name, _KNOWN.values())) for name in names if _key(name) not in _KNOWN)
    return exact >= 6 and exact + close >= 0.6 * len(names)


def is_fagov_csv(data: bytes) -> bool:
    return is_fagov_header(header_of(data[: 2**16]))


def _likely_column(name: str, candidates) -> str | None:
    match = difflib.get_close_matches(_key(name), [_key(c) for c in candidates], n=1, cutoff=0.85)
    return _KNOWN[match[0]] if match else None


def _read_header(names: list[str], file_name: str, result: FagovImport) -> list[str] | None:
    """The name each column is read by; problems for a missing column, notes for a misspelt one. None: refused."""
    read_as, taken = [], set()
    for position, name in enumerate(names, start=1):
        column = _KNOWN.get(_key(name)) or OWN_SPELLINGS.get(_key(name))
        if column is None:
            column = _likely_column(name, [c for c in COLUMNS if c not in taken])
            if column is not None and column not in names:
                result.notes.append(f"column {position}, '{name}', is not a published column name: read as '{column}', the one it most likely is")
            else:
                column = None
        if column is None or column in taken:
            read_as.append(f"unused column {position}")
            if name and _key(name) not in {"aid type id", "aid type name", "activity budget amount", "submission activity id"}:
                result.notes.append(f"column {position}, '{name}', is not a ForeignAssistance.gov column; it was not read")
            continue
        taken.add(column)
        read_as.append(column)
    missing = [column for column in USED if column not in taken]
    cannot = [column for column in missing if USED[column] is None]
    for first, second in EITHER:
        if first in missing and second in missing:
            cannot.append(f"{first} or {second}")
    if cannot:
        result.problems.append(
            Problem(
                file_name,
                1,
                None,
                None,
                "a ForeignAssistance.gov header with the column" + ("s " if len(cannot) > 1 else " ") + ", ".join(cannot)
                + "; without " + ("them" if len(cannot) > 1 else "it") + " no row can be read",
            )
        )
        return None
    # Columns the dashboard does not read may be missing without a word; one it reads is named, with what is lost.
    for column in missing:
        result.missing_columns.append(f"no column {column}: {USED[column]}")
    return read_as


# --- cutting the file into whole rows ---------------------------------------------------------------------


@dataclass
class _Span:
    """Whole rows of the file: `data` holds `count` rows, the first of them spreadsheet row `first_row`."""

    data: bytes | memoryview
    first_row: int
    count: int
    blank: np.ndarray  # offsets (within the span) of empty lines, which the CSV reader skips


@dataclass
class _LongRow:
    row: int
    head: bytes
    tail: bytes
    length: int


@dataclass
class _CutRow:
    row: int
    text: bytes
    open_quote: bool


def _row_ends(buffer: bytes, parity_before: int = 0) -> tuple[np.ndarray, int]:
    """Offsets of the newlines that end rows (outside quotes), and the quote parity at the buffer's end."""
    # Only the positions of quotes and newlines are kept (a few per row), never a per-byte array beyond the
    # comparison itself: a newline ends a row when an even number of quotes comes before it.
    data = np.frombuffer(buffer, dtype=np.uint8)
    quotes = np.flatnonzero(data == 34)
    newlines = np.flatnonzero(data == 10)
    before = np.searchsorted(quotes, newlines) + parity_before
    return newlines[(before & 1) == 0], (len(quotes) + parity_before) & 1


def _pieces(stream: BinaryIO, on_bytes: Callable[[int], None], span_bytes: int, longest: int) -> Iterator:
    """The file as: its header bytes, then _Span, _LongRow and (at the end) _CutRow pieces, in order."""
    carry, parity, long_row = b"", 0, None
    row = 1  # the spreadsheet row of the next row to start (the header is row 1)
    header_done = False
    while True:
        chunk = stream.read(span_bytes)
        if not chunk:
            break
        on_bytes(len(chunk))
        if long_row is not None:
            ends, parity = _row_ends(chunk, parity)
            if not ends.size:
                long_row.length += len(chunk)
                long_row.tail = (long_row.tail + chunk)[-KEPT_OF_LONG_ROW:]
                continue
            end = int(ends[0]) + 1
            long_row.length += end
            long_row.tail = (long_row.tail + chunk[:end])[-KEPT_OF_LONG_ROW:]
            yield long_row
            long_row, chunk, parity, row = None, chunk[end:], 0, row + 1
        buffer = carry + chunk if carry else chunk
        ends, parity = _row_ends(buffer)
        start = 0
        if ends.size and not header_done:
            header_done = True
            start = int(ends[0]) + 1
            yield buffer[:start]
            ends = ends[1:]
            row = 2
        if ends.size:
            yield from _spans(buffer, start, ends, row, longest)
            row += ends.size
            carry = buffer[int(ends[-1]) + 1 :]
        else:
            carry = buffer[start:]
        if len(carry) > longest:
            if not header_done:
                yield carry[:KEPT_OF_LONG_ROW]  # a header that never ends: refused by its names
                return
            long_row = _LongRow(row, carry[:KEPT_OF_LONG_ROW], carry[-KEPT_OF_LONG_ROW:], len(carry))
            carry = b""
    if long_row is not None:
        yield _CutRow(long_row.row, long_row.head, open_quote=bool(parity))
    elif carry.strip():
        if not header_done:
            yield carry
        elif parity:
            yield _CutRow(row, carry[:KEPT_OF_LONG_ROW], open_quote=True)
        else:
            yield _Span(carry + b"\n", row, 1, np.empty(0, dtype=np.int64))


def _spans(buffer: bytes, start: int, ends: np.ndarray, row: int, longest: int) -> Iterator:
    starts = np.concatenate(([start], ends[:-1] + 1))
    lengths = ends - starts + 1
    blank = np.flatnonzero((lengths == 1) | ((lengths == 2) & (np.frombuffer(buffer, np.uint8)[starts] == 13)))
    long_rows = np.flatnonzero(lengths > longest)
    first = 0
    for index in list(long_rows) + [len(ends)]:
        if index > first:
            piece_blank = blank[(blank >= first) & (blank < index)] - first
            piece = memoryview(buffer)[int(starts[first]) : int(ends[index - 1]) + 1]  # no copy of the rows
            yield _Span(piece, row + first, int(index - first), piece_blank)
        if index < len(ends):
            record = buffer[int(starts[index]) : int(ends[index]) + 1]
            yield _LongRow(row + int(index), record[:KEPT_OF_LONG_ROW], record[-KEPT_OF_LONG_ROW:], len(record))
        first = index + 1


def _shortened_row(long_row: _LongRow, columns: int) -> tuple[bytes, int] | None:
    """A long row rebuilt from its first and last bytes, its long cell cut short; and which cell that was.

    The start holds the cells before the long one and the long one's beginning; the end holds the long one's
    end and the cells after it. The quotes counted in the end say whether it starts inside quoted text (the
    whole row has an even number). None when the pieces do not make a row of `columns` cells.
    """
    head, tail = long_row.head, long_row.tail
    while head and head[-1] >= 0x80:  # no half of a UTF-8 character at the cut
        head = head[:-1]
    while tail and 0x80 <= tail[0] < 0xC0:
        tail = tail[1:]
    head_text, tail_text = head.decode("latin-1"), tail.decode("latin-1")
    if head_text.count('"') % 2:
        head_text += '"'
    if tail_text.count('"') % 2:
        tail_text = '"' + tail_text
    try:
        first = next(csv.reader(io.StringIO(head_text, newline="")))
        last = next(csv.reader(io.StringIO(tail_text, newline="")))
    except (StopIteration, csv.Error):
        return None
    cells = first + last[1:]
    if len(cells) != columns:
        return None
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\n").writerow(cells)
    return text.getvalue().encode("latin-1"), len(first) - 1


# --- reading rows -----------------------------------------------------------------------------------------


def _text(raw: bytes | None, latin: list[bool] | None = None) -> str | None:
    """A cell as text: None for an empty or NULL cell; bytes that are not UTF-8 read as Windows-1252 / Latin-1."""
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if latin is not None:
            latin[0] = True
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    text = " ".join(text.split())
    return None if not text or text.upper() == "NULL" else text


def _iso_date(text: str | None) -> str | None:
    """A date as YYYY-MM-DD from FA.gov's forms (2021-03-04, 2021-03-04 00:00:00, 3/4/2021), or None."""
    if not text:
        return None
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        match = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})", text)
        if match:
            return dt.date(int(match[3]), int(match[1]), int(match[2])).isoformat()
    except ValueError:
        return None
    return None


@dataclass(slots=True)
class _Activity:
    """What a project needs from an activity's rows: tens of thousands are held at once, so kept small."""

    activity_id: str
    first_row: int
    name: str | None = None
    description: str | None = None
    agency_name: str | None = None
    agency_acronym: str | None = None
    office: str | None = None
    start: str | None = None
    end: str | None = None
    partners: dict = field(default_factory=dict)
    us_sectors: dict = field(default_factory=dict)  # name -> rows
    international_sectors: dict = field(default_factory=dict)
    countries: dict = field(default_factory=dict)  # ISO3 -> name
    regions: dict = field(default_factory=dict)  # region names of its regional rows


class _Reader:
    """One file's read: the rows kept so far, added up, and the report."""

    def __init__(self, result: FagovImport, read_as: list[str], chosen: tuple[str, ...], regions: tuple[str, ...], budget: Budget):
        self.result = result
        self.chosen_codes = set(chosen)
        self.regions = pa.array([region.encode() for region in regions], type=pa.binary()) if regions else None
        self.read_as = read_as
        self.columns = len(read_as)
        self.used = [column for column in read_as if column in USED]
        self.chosen = pa.array([code.encode() for code in chosen], type=pa.binary())
        self.budget = budget
        self.activities: dict[str, _Activity] = {}
        self.money: dict[tuple, list] = {}  # (activity, type, fiscal year, date) -> [amount, rows]
        self.places: Counter = Counter()  # (code, name) of rows outside the chosen countries
        # Hashes of the activity ids with rows outside the chosen places: an activity kept for its ASEAN rows may
        # also work elsewhere, and only its chosen rows are counted. Eight bytes per id, not a set of strings:
        # the complete file has hundreds of thousands of activities outside ASEAN.
        self.outside_hashes: list[np.ndarray] = []
        self.latin_rows = 0
        self.fiscal_year_tq = 0
        self.unread_dates = 0

    def set_aside(self, reason: str, row: int | None = None, column: str | None = None, value=None, expected=None) -> None:
        self.result.set_aside[reason] += 1
        if expected is not None:
            self.result.set_aside_rows.append(Problem(self.result.file_name, row, column, value, expected))

    def span(self, span: _Span) -> None:
        invalid: list = []

        def skip(row) -> str:
            invalid.append(row)
            return "skip"

        try:
            table = pa_csv.read_csv(
                pa.BufferReader(pa.py_buffer(span.data)),
                read_options=pa_csv.ReadOptions(column_names=self.read_as, block_size=2 * LONGEST_ROW, use_threads=True),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip),
                convert_options=pa_csv.ConvertOptions(
                    column_types={column: pa.binary() for column in self.used},
                    include_columns=self.used,
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowException as error:
            count = span.count - len(span.blank)
            self.result.rows_read += count
            self.result.set_aside["that could not be read as CSV"] += count
            last = span.first_row + span.count - 1
            self.result.set_aside_rows.append(
                Problem(self.result.file_name, span.first_row, None, None, f"rows that can be read as CSV (rows {span.first_row:,} to {last:,} could not: {error}); they were set aside")
            )
            return
        misshapen = self._misshapen(span) if invalid else []
        rows = self._row_numbers(span, misshapen, table.num_rows)
        self.result.rows_read += table.num_rows + len(invalid)
        for row, cells in self._invalid_rows(span, invalid, misshapen):
            self.set_aside(
                "with too few or too many cells",
                row,
                None,
                None,
                f"a row of {self.columns} cells (it has {cells}; a file cut short, or a row broken in two); the row was set aside",
            )
        self._keep(table, rows)

    def _row_numbers(self, span: _Span, misshapen: list, parsed: int) -> np.ndarray:
        """The spreadsheet row of each parsed row: rows are numbered as the file's, skipping empty and misshapen ones."""
        skipped = {int(offset) for offset in span.blank} | {offset for offset, _ in misshapen}
        numbers = np.array([span.first_row + offset for offset in range(span.count) if offset not in skipped], dtype=np.int64)
        return numbers[:parsed] if len(numbers) >= parsed else np.arange(span.first_row, span.first_row + parsed)

    def _misshapen(self, span: _Span) -> list[tuple[int, int]]:
        """(offset, cells) of each row whose cell count is wrong: read again, slowly, only for spans that have any."""
        rows = csv.reader(io.StringIO(bytes(span.data).decode("latin-1"), newline=""))
        return [(offset, len(cells)) for offset, cells in enumerate(rows) if cells and len(cells) != self.columns]

    def _invalid_rows(self, span: _Span, invalid: list, misshapen: list) -> list[tuple[int | None, int]]:
        if not invalid:
            return []
        if len(misshapen) == len(invalid):
            return [(span.first_row + offset, cells) for offset, cells in misshapen]
        return [(None, row.actual_columns) for row in invalid]

    def _keep(self, table: pa.Table, rows: np.ndarray) -> None:
        codes = table.column(MISSING_COUNTRY)
        keep = pc.is_in(codes, value_set=self.chosen)
        if self.regions is not None and "Region Name" in table.column_names:
            keep = pc.or_(keep, self._regional_rows_kept(table))
        outside = table.filter(pc.invert(keep))
        if outside.num_rows:
            names = outside.column("Country Name") if "Country Name" in outside.column_names else outside.column(MISSING_COUNTRY)
            counted = pa.table({"code": outside.column(MISSING_COUNTRY), "name": names}).group_by(["code", "name"]).aggregate([([], "count_all")])
            for code, name, count in zip(*(counted.column(i).to_pylist() for i in range(3))):
                self.places[(code, name)] += count
            if "Activity ID" in outside.column_names:
                ids = pc.unique(outside.column("Activity ID")).to_pylist()
                self.outside_hashes.append(np.fromiter((hash(_text(raw)) for raw in ids if raw is not None), dtype=np.int64))
                if len(self.outside_hashes) >= 64:  # compacted now and then: the same ids recur block after block
                    self.outside_hashes = [np.unique(np.concatenate(self.outside_hashes))]
        kept = table.filter(keep)
        if not kept.num_rows:
            return
        numbers = rows[np.flatnonzero(keep.to_numpy(zero_copy_only=False))] if len(rows) == table.num_rows else np.zeros(kept.num_rows, dtype=np.int64)
        columns = {name: kept.column(name).to_pylist() for name in kept.column_names}
        for index in range(kept.num_rows):
            self._row({name: values[index] for name, values in columns.items()}, int(numbers[index]) or None)

    def _regional_rows_kept(self, table: pa.Table):
        """Rows that name no country (a region, not "World") in one of the chosen regions."""
        codes = table.column(MISSING_COUNTRY)
        names = table.column("Country Name") if "Country Name" in table.column_names else codes
        no_country = pc.or_(pc.invert(pc.match_substring_regex(codes, "^[A-Z]{3}$")), pc.match_substring_regex(names, "(?i)region"))
        world = pc.or_(pc.equal(codes, pa.scalar(b"WLD", pa.binary())), pc.match_substring_regex(names, "(?i)^world$"))
        return pc.and_(pc.and_(no_country, pc.invert(world)), pc.is_in(table.column("Region Name"), value_set=self.regions))

    def _row(self, raw: dict, row: int | None) -> None:
        latin = [False]

        def cell(name: str) -> str | None:
            return _text(raw.get(name), latin)

        def shared(name: str) -> str | None:
            # Names repeat over thousands of activities (agencies, sectors, countries, dates): one copy of each.
            text = _text(raw.get(name), latin)
            return sys.intern(text) if text else None

        activity_id = cell("Activity ID")
        if activity_id is None:
            self.set_aside("with no activity id", row, "Activity ID", None, "an activity id; the row was set aside")
            return
        kind_name, kind_id = cell("Transaction Type Name"), cell("Transaction Type ID")
        kind = TYPE_NAMES.get((kind_name or "").casefold()) or (TYPE_IDS.get(kind_id or "") if not kind_name else None)
        if kind is None:
            shown = kind_name or kind_id or "(none)"
            self.result.set_aside[f"of transaction type {shown} (only obligations and disbursements are read)"] += 1
            return
        amount_text = cell("Current Dollar Amount")
        if amount_text is None:
            self.set_aside("with no amount", row, "Current Dollar Amount", None, "an amount in US dollars; the row was set aside")
            return
        try:
            amount = float(amount_text.replace(",", "").replace("$", ""))
        except ValueError:
            self.set_aside("with an amount that is not a number", row, "Current Dollar Amount", amount_text, "an amount in US dollars (a number); the row was set aside")
            return
        if not math.isfinite(amount) or abs(amount) > LARGEST_AMOUNT:
            self.set_aside(
                "with an amount beyond any real amount", row, "Current Dollar Amount", amount_text, f"a finite amount of at most {LARGEST_AMOUNT:,}; the row was set aside"
            )
            return
        day_text = cell("Transaction Date")
        day = _iso_date(day_text)
        if day_text and day is None:
            self.unread_dates += 1
        year_text = cell("Fiscal Year")
        year = None
        if year_text:
            match = re.fullmatch(r"(\d{4})(tq)?", year_text.casefold())
            if match:
                year = int(match[1])
                self.fiscal_year_tq += bool(match[2])
        if year is None and day:
            year = fiscal_year_of(day)
        if year is None:
            self.set_aside(
                "with no fiscal year or transaction date", row, "Fiscal Year", year_text, "a fiscal year (or a transaction date); the row was set aside"
            )
            return
        if not FISCAL_YEARS[0] <= year <= FISCAL_YEARS[1]:
            self.set_aside("with a fiscal year out of range", row, "Fiscal Year", year_text, f"a U.S. fiscal year from {FISCAL_YEARS[0]} to {FISCAL_YEARS[1]}; the row was set aside")
            return
        activity = self.activities.get(activity_id)
        if activity is None:
            activity = self.activities[activity_id] = _Activity(activity_id, row or 0)
            activity.name = cell("Activity Name")
            activity.description = _summary(cell("Activity Description"))
            activity.agency_name, activity.agency_acronym = shared("Managing Agency Name"), shared("Managing Agency Acronym")
            activity.office = shared("Managing Sub-agency or Bureau Name")
            activity.start, activity.end = _iso_date(cell("Activity Start Date")), _iso_date(cell("Activity End Date"))
        code = shared(MISSING_COUNTRY)
        if code in self.chosen_codes:
            if code not in activity.countries:
                activity.countries[code] = shared("Country Name") or code
        else:  # a regional row kept for its region
            activity.regions[shared("Region Name") or "a region"] = True
        partner = shared("Implementing Partner Name")
        if partner and len(activity.partners) < 20:
            activity.partners[partner] = True
        for column, counter in (("US Sector Name", activity.us_sectors), ("International Sector Name", activity.international_sectors)):
            if name := shared(column):
                counter[name] = counter.get(name, 0) + 1
        self.result.rows_kept += 1
        key = (activity_id, kind, year, sys.intern(day) if day else None)
        total = self.money.get(key)
        if total is None:
            self.money[key] = [amount, 1]
        else:
            total[0] += amount
            total[1] += 1
        if latin[0]:
            self.latin_rows += 1

    def long_row(self, long_row: _LongRow) -> None:
        self.result.rows_read += 1
        rebuilt = _shortened_row(long_row, self.columns)
        size = f"{long_row.length / 2**20:,.0f} MB"
        if rebuilt is None:
            self.set_aside(
                "too long to read",
                long_row.row,
                None,
                None,
                f"a row of at most {LONGEST_ROW / 2**20:,.0f} MB (it is {size}, and its start and end do not make a whole row); the row was set aside",
            )
            return
        data, long_cell = rebuilt
        self.result.notes.append(
            f"row {long_row.row:,} is {size} long: its {self.read_as[long_cell]} cell was read from its first "
            f"{KEPT_OF_LONG_ROW // 1024} KB only (never held whole), and the rest of the row as it is"
        )
        self.result.rows_read -= 1  # counted again as the span is read
        self.span(_Span(data + b"\n", long_row.row, 1, np.empty(0, dtype=np.int64)))

    def cut_row(self, cut: _CutRow) -> None:
        self.result.rows_read += 1
        why = "opens a quoted value that never closes" if cut.open_quote else "ends before its last cell"
        self.set_aside(
            CUT_SHORT,
            cut.row,
            None,
            None,
            f"a whole last row (it {why}: the file was cut short); the row was set aside",
        )

    def finish(self, relationship: str, accessed: str, today: dt.date) -> None:
        result = self.result
        for (code, name), count in self.places.items():
            code_text, name_text = _text(code), _text(name)
            place = name_text or code_text or "(no country)"
            if (name_text or "").casefold() == "world" or code_text == "WLD":
                result.set_aside[WORLD] += count
            elif not code_text or not re.fullmatch(r"[A-Z]{3}", code_text) or re.search(r"region", place, re.IGNORECASE):
                result.set_aside[REGIONAL] += count
            else:
                result.set_aside[OUTSIDE] += count
            result.places_set_aside[place] += count
        if self.latin_rows:
            result.notes.append(
                f"{plural(self.latin_rows, 'kept row')} held text that is not UTF-8: read as Windows-1252 (Latin-1); "
                "check accented names read right, or save the file as UTF-8"
            )
        if self.fiscal_year_tq:
            result.notes.append(f"{plural(self.fiscal_year_tq, 'row')} of the 1976 transition quarter (\"1976tq\") counted in fiscal year 1976")
        if self.unread_dates:
            result.notes.append(f"{plural(self.unread_dates, 'transaction date')} could not be read as dates; those rows are dated by fiscal year only")
        _tables(self, relationship, accessed, today)


# --- the dashboard's tables -------------------------------------------------------------------------------


def sector_table() -> pd.DataFrame:
    """FA.gov sector -> ours, with a note: the mapping a person reads and edits (fagov_sectors.csv)."""
    return pd.read_csv(SECTOR_TABLE, dtype=str, keep_default_na=False)


def _sector_lookup() -> dict[tuple[str, str], str]:
    table = sector_table()
    unknown = sorted(set(table["sector"]) - set(SECTORS))
    if unknown:
        raise ValueError(f"{SECTOR_TABLE.name} names sectors that are not ours: {', '.join(unknown)}")
    return {(row.fagov_column, _sector_key(row.fagov_sector)): row.sector for row in table.itertuples()}


def _sector_key(name: str) -> str:
    return " ".join(name.replace("&", "and").split()).casefold()


def _sector_of(activity: _Activity, lookup: dict, unmapped: Counter) -> str:
    """The US sector's mapping; where that is Other or unknown, the international sector's; else Other."""
    us = max(activity.us_sectors, key=activity.us_sectors.get) if activity.us_sectors else None
    international = max(activity.international_sectors, key=activity.international_sectors.get) if activity.international_sectors else None
    ours = lookup.get(("US Sector Name", _sector_key(us))) if us else None
    if ours in (None, "Other") and international:
        ours = lookup.get(("International Sector Name", _sector_key(international))) or ours
    if ours is None:
        unmapped[us or international or "(no sector given)"] += 1
    return ours or "Other"


def _scope(activity: _Activity) -> str:
    """"country" where it names an ASEAN country (the project_countries rows say which); "regional" for a region's rows."""
    if any(code in ASEAN_COUNTRIES for code in activity.countries):
        return "country"
    return "regional" if activity.regions else "unspecified"


def _with_places(summary: str, activity: _Activity) -> str:
    """The summary, saying where the activity works when no ASEAN country row can say it (another country, a region)."""
    places = [name for code, name in activity.countries.items() if code not in ASEAN_COUNTRIES] + [
        f"{region} (regional)" for region in activity.regions
    ]
    if not places:
        return summary
    return f"{summary} Where, in the ForeignAssistance.gov file: {', '.join(places)}."


def _status(start: str | None, end: str | None, today: dt.date) -> str:
    day = today.isoformat()
    if end and end < day:
        return "completed"
    if start and start > day:
        return "planned"
    if start and start <= day and (end is None or end >= day):
        return "ongoing"
    return "unknown"


def _summary(description: str | None) -> str:
    """The description shortened to a few sentences (at a sentence or word end), or a line saying there is none."""
    if not description:
        return "No description in the ForeignAssistance.gov file."
    if len(description) <= SUMMARY_CHARACTERS:
        return description
    cut = description[:SUMMARY_CHARACTERS]
    sentence = max(cut.rfind(". "), cut.rfind("; "))
    if sentence > SUMMARY_CHARACTERS // 2:
        return cut[: sentence + 1]
    words = cut.rsplit(" ", 1)[0]
    return (words if len(words) > SUMMARY_CHARACTERS // 2 else cut).rstrip(",;:") + "…"


def _money_words(amount: float) -> str:
    return f"-${-amount:,.0f}" if amount < 0 else f"${amount:,.0f}"


def _tables(reader: _Reader, relationship: str, accessed: str, today: dt.date) -> None:
    result = reader.result
    rows = {table: _Rows(table) for table in ("projects", "sources", "project_sources", "project_countries", "grants", "transactions")}
    lookup = _sector_lookup()
    by_activity: dict[str, list[tuple]] = {}
    money_rows, reader.money = reader.money, {}  # handed over: each is dropped as it is placed
    for (activity_id, kind, year, day), (amount, count) in money_rows.items():
        by_activity.setdefault(activity_id, []).append((kind, year, day, amount, count))
        totals = result.fiscal_years.setdefault(year, {OBLIGATION: 0.0, DISBURSEMENT: 0.0})
        totals[kind] += amount
    del money_rows
    used_ids: set[str] = set()
    outside = np.unique(np.concatenate(reader.outside_hashes)) if reader.outside_hashes else np.empty(0, dtype=np.int64)
    reader.outside_hashes = []
    ids = list(reader.activities)
    also_elsewhere = set(np.array(ids, dtype=object)[np.isin(np.fromiter((hash(i) for i in ids), dtype=np.int64, count=len(ids)), outside)])
    for activity_id, activity in reader.activities.items():
        money = by_activity.pop(activity_id, [])
        project_id = "fagov_" + slug(activity_id)
        while project_id in used_ids:
            project_id += "_2"
        used_ids.add(project_id)
        source_id = project_id + "_record"
        agency_words = " ".join(filter(None, (activity.agency_name, activity.agency_acronym)))
        partners = list(activity.partners)
        obligations = [(year, day, amount) for kind, year, day, amount, _ in money if kind == OBLIGATION]
        net = sum(amount for _, _, amount in obligations)
        disbursed = sum(amount for kind, _, _, amount, _ in money if kind == DISBURSEMENT)
        amount_note = None
        if not obligations:
            amount_note = f"The ForeignAssistance.gov file gives no obligations for this activity (disbursements {_money_words(disbursed)}); no funding is counted."
        elif net <= 0:
            amount_note = (
                f"Its obligations in the ForeignAssistance.gov file net to {_money_words(net)} (de-obligations as large as "
                "the obligations, or larger); no funding is counted."
            )
        if activity_id in also_elsewhere:
            elsewhere = (
                "The ForeignAssistance.gov file also has rows of this activity for places not chosen here (other "
                "countries, \"World\" or a region): only the chosen places' money is counted."
            )
            amount_note = f"{amount_note} {elsewhere}" if amount_note else elsewhere
        rows["projects"].append(
            {
                "project_id": project_id,
                "title": activity.name or f"ForeignAssistance.gov activity {activity_id}",
                "relationship": relationship,
                "lead_agency": next((agency for pattern, agency in LEAD_AGENCY_NAMES if pattern.search(agency_words)), "Other"),
                "lead_office": activity.office or activity.agency_name or activity.agency_acronym,
                "implementing_partners": "; ".join(partners[:5]) + (f"; and {len(partners) - 5} more" if len(partners) > 5 else "") if partners else None,
                "sector": _sector_of(activity, lookup, result.unmapped_sectors),
                "geographic_scope": _scope(activity),
                "status": _status(activity.start, activity.end, today),
                "status_as_of": accessed,
                "start_date": activity.start,
                "end_date": activity.end,
                "summary": _with_places(activity.description, activity),
                "amount_note": amount_note,
                "record_id": activity_id,
            }
        )
        # ForeignAssistance.gov has a page per country (/cd/<country>/), but no address for one activity could be
        # confirmed: the record is the data page, where the downloads list each activity by its id.
        rows["sources"].append(
            {
                "source_id": source_id,
                "title": f"ForeignAssistance.gov activity {activity_id} (in the downloads on its data page; no page of its own confirmed)",
                "publisher": PUBLISHER,
                "url": DATA_PAGE,
                "date_published": None,
                "date_accessed": accessed,
            }
        )
        rows["project_sources"].append({"project_id": project_id, "source_id": source_id})
        for code in activity.countries:
            if code in ASEAN_COUNTRIES:
                rows["project_countries"].append({"project_id": project_id, "iso3": code, "source_id": source_id})
        if net > 0:
            positive = sorted((day or f"{year - 1}-10", year, day) for year, day, amount in obligations if amount > 0)
            first_day, first_year, first_date = positive[0] if positive else (None, None, None)
            rows["grants"].append(
                {
                    "grant_id": f"{project_id}_obligations",
                    "project_id": project_id,
                    "recipient": partners[0] if partners else "not named in the ForeignAssistance.gov file",
                    "amount_usd": repr(net),
                    "award_date": first_day,
                    "date_basis": "ForeignAssistance.gov: the earliest obligation"
                    + ("" if first_date else f" (fiscal year {first_year}, which starts in October {first_year - 1})"),
                    "funding_office": activity.office or activity.agency_name,
                    "amount_kind": "obligation",
                    "source_id": source_id,
                    "note": f"Obligations net of de-obligations, from {plural(len(obligations), 'transaction')} in the ForeignAssistance.gov file.",
                }
            )
        for kind, year, day, amount, count in sorted(money, key=lambda item: (item[1], item[2] or "", item[0])):
            rows["transactions"].append(
                {
                    "transaction_id": f"{project_id}_{kind}_{year}_{day or 'fy'}",
                    "project_id": project_id,
                    "transaction_type": kind,
                    "amount": repr(amount),
                    "currency": "USD",
                    "transaction_date": day,
                    "fiscal_year": str(year),
                    "recipient": None,
                    "source_id": source_id,
                    "note": f"The sum of {count:,} rows of the ForeignAssistance.gov file." if count > 1 else None,
                }
            )
    result.activities = len(reader.activities)
    result.transactions = len(rows["transactions"])
    for table, table_rows in rows.items():
        if len(table_rows) > reader.budget.rows:
            result.problems.append(
                Problem(result.file_name, None, None, None, f"gives more than {reader.budget.describe('rows')} of {table}; choose fewer countries")
            )
            return
    for table, table_rows in rows.items():
        if len(table_rows):
            frame = pd.DataFrame(table_rows.columns, dtype=object)
            table_rows.columns.clear()
            result.tables[table] = RawTable(frame, f"{result.file_name} ({table} from ForeignAssistance.gov)")


class _Rows:
    """A table built a column at a time: a dict per row would cost a kilobyte each, for 300,000 transactions."""

    def __init__(self, table: str):
        self.columns: dict[str, list] = {column: [] for column in SCHEMAS[table].columns}
        self.count = 0

    def append(self, row: dict) -> None:
        for column, values in self.columns.items():
            value = row.get(column)
            values.append(pd.NA if value is None else value)
        self.count += 1

    def __len__(self) -> int:
        return self.count


# --- the read ---------------------------------------------------------------------------------------------


def read_fagov(
    stream: BinaryIO,
    name: str,
    total_bytes: int | None = None,
    countries=None,
    relationship: str = "usascp_project",
    today: dt.date | None = None,
    budget: Budget | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    seconds: float | None = None,
    regions=(),
) -> FagovImport:
    """Read a ForeignAssistance.gov CSV download from `stream`, keeping the rows of `countries` (ISO3 codes; ASEAN by default)
    and the regional rows (no country named) of `regions` (Region Name).

    `progress(bytes read, total bytes)` is called after each span; the read stops (and says so) after `seconds`.
    """
    budget = budget or default_budget()
    today = today or dt.date.today()
    chosen = tuple(sorted(countries or ASEAN_COUNTRIES))
    regions = tuple(sorted(regions))
    result = FagovImport(name, chosen, regions, problems=ProblemList(limit=budget.problems), set_aside_rows=ProblemList(limit=budget.problems))
    result.total_bytes = total_bytes
    started = time.monotonic()
    limit = seconds if seconds is not None else budget.fagov_seconds

    def on_bytes(count: int) -> None:
        result.bytes_read += count
        if progress is not None:
            progress(result.bytes_read, total_bytes)

    first = stream.read(4)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        result.problems.append(Problem(name, None, None, None, "is UTF-16 (it starts with UTF-16's byte-order mark); save it as UTF-8"))
        return result
    if first.startswith(b"\xef\xbb\xbf"):
        on_bytes(3)
        first = first[3:]
    stream = _Prefixed(first, stream)
    reader = None
    for piece in _pieces(stream, lambda count: on_bytes(count), SPAN_BYTES, LONGEST_ROW):
        if reader is None:
            names = header_of(piece) if isinstance(piece, bytes) else None
            read_as = _read_header(names or [], name, result) if names and is_fagov_header(names) else None
            if read_as is None:
                if not result.problems:
                    result.problems.append(Problem(name, 1, None, None, "not a ForeignAssistance.gov download (its header is not that layout)"))
                return result
            try:
                piece.decode("utf-8")
            except UnicodeDecodeError:
                result.notes.append("the header is not UTF-8: read as Windows-1252 (Latin-1)")
            reader = _Reader(result, read_as, chosen, regions, budget)
            continue
        if isinstance(piece, _Span):
            reader.span(piece)
        elif isinstance(piece, _LongRow):
            reader.long_row(piece)
        elif isinstance(piece, _CutRow):
            reader.cut_row(piece)
        if time.monotonic() - started > limit:
            shown = f" of {total_bytes:,}" if total_bytes else ""
            result.problems.append(
                Problem(
                    name,
                    None,
                    None,
                    None,
                    f"took more than the {limit:,.0f} seconds a ForeignAssistance.gov file may take to read; it was read to byte "
                    f"{result.bytes_read:,}{shown}, and the rest was not read",
                )
            )
            break
    if reader is None:
        result.problems.append(Problem(name, None, None, None, "is empty"))
        return result
    reader.finish(relationship, today.isoformat(), today)
    result.seconds = time.monotonic() - started
    return result


class _Prefixed:
    """A stream with a few bytes already read put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO):
        self.prefix, self.stream = prefix, stream

    def read(self, size: int) -> bytes:
        if self.prefix:
            data, self.prefix = self.prefix + self.stream.read(max(size - len(self.prefix), 0)), b""
            return data
        return self.stream.read(size)
