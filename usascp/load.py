"""Read a dataset folder into validated tables, or explain every problem with it at once."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from usascp.characters import MISREAD_CONTROLS, REMOVED_CONTROLS, misread_as, removal_note, texts_with_controls, without_controls
from usascp.dates import latest_day
from usascp.formatting import plural
from usascp.readings import Refusal, read_date, read_number
from usascp.references import country_code, country_name, lookup_for, read_references
from usascp.schema import (
    ASEAN_COUNTRIES,
    DATE_COLUMNS,
    SCHEMAS,
    OPTIONAL_TABLES,
    TABLE_FILES,
    Problem,
    ProblemList,
    _valid_partial_dates,
    consistency_problems,
    file_rows,
    foreign_key_problems,
    future_date_problems,
    identifier_columns,
    spreadsheet_row,
)
from usascp.shortcuts import link_rows, split_shortcuts

# Arrow allocates what reading a CSV takes, and pyarrow 26's default allocator (mimalloc) keeps much of it
# once freed. With the C library's allocator a 10,000x dataset peaks at 510-525 MB while loading instead of
# 610-640, holds 350-360 MB after instead of 430-440, and loads as quickly (three loads each); at 100,000x
# the peak is 3.6 GB instead of 4.0. Set once for the whole process: pandas and Streamlit use Arrow too.
pyarrow.set_memory_pool(pyarrow.system_memory_pool())

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


class DatasetError(ValueError):
    """Raised with every problem found, so a person can fix a file in one pass."""

    def __init__(self, problems: list[Problem], notes: list[Problem] = ()):
        # At most a budget's worth of each is listed; `total` counts every one found (schema.ProblemList).
        self.problems = problems if isinstance(problems, ProblemList) else ProblemList(problems)
        self.notes = notes if isinstance(notes, ProblemList) else ProblemList(notes)  # how values were read
        count = self.problems.total
        lines = [f"The dataset has {plural(count, 'problem')}:"]
        lines += [f"- {problem}" for problem in self.problems]
        if more := self.problems.more_line():
            lines.append(more)
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class RawTable:
    """One table as text cells (NA where empty), and the name a person knows its rows by.

    `label` is "grants.csv" for a file, "portfolio.xlsx, sheet grants" for a workbook sheet; the header
    is row 1 and the first data row is row 2, as a spreadsheet numbers them.
    """

    frame: pd.DataFrame
    label: str


@dataclass(frozen=True)
class Dataset:
    """All tables of one validated dataset. Treat the frames as read-only: they are shared between viewers."""

    sources: pd.DataFrame
    cities: pd.DataFrame
    projects: pd.DataFrame
    project_cities: pd.DataFrame
    project_countries: pd.DataFrame
    project_sources: pd.DataFrame
    city_pairs: pd.DataFrame
    grants: pd.DataFrame
    transactions: pd.DataFrame
    metrics: pd.DataFrame
    events: pd.DataFrame
    folder: str = ""
    version: str = ""
    row_counts: dict[str, int] = field(default_factory=dict)
    # How values written loosely were read ("$1,250,000" as 1250000), for the upload preview.
    notes: tuple[Problem, ...] = ()
    unlisted_notes: int = 0  # notes past the budget's limit, counted but not kept
    # Tables computed from the others, once per dataset (aggregate.derived): the dataset never changes,
    # so every rerun of every viewer can share them. Not an argument: a copy made with dataclasses.replace
    # (a table swapped) starts with none, so it is never answered from the original's tables.
    derived: dict = field(default_factory=dict, compare=False, repr=False, init=False)

    @property
    def data_as_of(self) -> str:
        """The most recent date any source was read: the dataset is no newer than this."""
        return max(self.sources["date_accessed"], key=latest_day)


def dataset_version(folder: str | Path) -> str:
    """A short fingerprint of the table files (names, sizes, modification times): changes when any file does."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for name in TABLE_FILES.values():
        path = folder / name
        if path.exists():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        else:
            digest.update(f"{name}:missing;".encode())
    return digest.hexdigest()[:16]


# The rows of each table of the folders loaded in this process, by folder and file version (dataset_version): the
# change log reads a version's rows from here instead of counting them in its files again (1 s at 10,000x, 10 s
# at 100,000x, on the first view of the About page after a server starts). A handful of folders per process.
_ROWS_LOADED: dict[tuple[str, str], dict[str, int]] = {}
ROWS_LOADED_KEPT = 8


def rows_loaded(folder: str | Path) -> dict[str, int] | None:
    """The rows of each table as loaded from `folder`'s files as they are now, if this process loaded them; else None."""
    return _ROWS_LOADED.get((str(Path(folder).resolve()), dataset_version(folder)))


def _remember_rows(folder: Path, version: str, row_counts: dict[str, int]) -> None:
    if len(_ROWS_LOADED) >= ROWS_LOADED_KEPT:
        _ROWS_LOADED.pop(next(iter(_ROWS_LOADED)), None)
    _ROWS_LOADED[(str(folder.resolve()), version)] = dict(row_counts)


def view_version(own_version: str, base: Dataset, beside_base: bool) -> str:
    """The version of tables shown with a base: theirs, how they are shown, and the base's version.

    Caches shared between viewers are keyed by `Dataset.version`, so it must name everything the dataset
    is built from: the same files shown instead of the shipped projects and beside them are two datasets,
    and so are the same files beside the shipped data before and after an editor saves new data.
    """
    placement = "beside" if beside_base else "instead of"
    return hashlib.sha256(f"{own_version};{placement};{base.version}".encode()).hexdigest()[:16]


def load_dataset(folder: str | Path = DEFAULT_DATA_DIR, today: dt.date | None = None) -> Dataset:
    """Load and validate every table in `folder`; raise DatasetError listing all problems if any.

    `today` is the day no source can have been read after (the machine's date unless a test gives one).
    """
    folder = Path(folder)
    checked: dict[str, CheckedTable] = {}
    problems: list[Problem] = []
    for table, file_name in TABLE_FILES.items():
        path = folder / file_name
        if not path.exists() and table in OPTIONAL_TABLES:
            checked[table] = check_table(table, empty_table(table, file_name), today)
            continue
        if not path.exists():
            problems.append(Problem(file_name, None, None, None, f"file is missing from {path.parent}"))
            continue
        frame, problem = read_csv_bytes(path.read_bytes(), file_name)
        if problem:
            problems.append(problem)
        else:
            # Checked as soon as read, so each file's text is let go before the next is read: at 100,000x the text
            # tables held together beside the typed ones took the load past 5 GB.
            checked[table] = check_table(table, RawTable(frame, file_name), today)
            del frame
            _return_freed_memory()
    checked = {table: checked.get(table) or check_table(table, stand_in, today) for table, stand_in in _with_stand_ins(checked).items()}
    version = dataset_version(folder)
    dataset = _dataset_from(checked, folder=str(folder), version=version, problems=problems)
    _remember_rows(folder, version, dataset.row_counts)
    return dataset


@dataclass(frozen=True)
class CheckedTable:
    """One table validated (validate_table), with the name and row count of what was read; the text itself is let go.

    `frame` is None when a column is missing; `shortcuts` are a projects sheet's cities, countries and sources columns.
    """

    label: str
    rows: int
    frame: pd.DataFrame | None
    shortcuts: pd.DataFrame | None
    problems: ProblemList
    notes: ProblemList


def check_table(table: str, given: RawTable, today: dt.date | None = None) -> CheckedTable:
    """Validate one table as read (validate_table), a projects sheet's shortcut columns taken apart first."""
    frame, shortcuts = split_shortcuts(given.frame) if table == "projects" else (given.frame, None)
    frame, problems, notes = validate_table(frame, table, given.label, today)
    return CheckedTable(given.label, len(given.frame), frame, shortcuts, problems, notes)


def _with_stand_ins(tables: dict, unreadable: frozenset[str] = frozenset()) -> dict:
    """`tables` (by name) in the tables' order, with an empty stand-in for each optional table not there.

    A complete dataset of an earlier release has no optional tables: they are empty, not missing. A table whose
    file could not be read (`unreadable`) gets none.
    """
    missing = {table: empty_table(table, TABLE_FILES[table]) for table in OPTIONAL_TABLES if table not in unreadable}
    return {table: tables.get(table) or missing[table] for table in TABLE_FILES if table in tables or table in missing}


def empty_table(table: str, label: str) -> RawTable:
    """A table with its columns and no rows: what a folder or upload of an earlier release has for an optional table."""
    return RawTable(pd.DataFrame(columns=list(SCHEMAS[table].columns), dtype=object), label)


# Tables every dataset shares with the shipped one when given a base: the member cities, and the sources
# they cite. An upload that replaces the projects still stands on the same map.
REFERENCE_TABLES = ("sources", "cities")


def build_dataset(
    raw: dict[str, RawTable],
    *,
    folder: str,
    version: str,
    base: Dataset | None = None,
    beside_base: bool = False,
    problems: list[Problem] | None = None,
    unreadable: frozenset[str] = frozenset(),
    today: dt.date | None = None,
) -> Dataset:
    """Validate text tables and make them a Dataset, or raise DatasetError with every problem at once.

    Without a `base`, every table must be there. With one (the shipped data), an upload may bring any
    tables: the member cities and sources are always added to the base's; the other tables are added
    to the base's when `beside_base`, and otherwise replace them (empty when the upload leaves them out).
    An uploaded row with the identifier of a base row replaces that row (an edited copy of the shipped
    data replaces it, row for row). Problems name the upload's own files and rows; the base is valid.
    `unreadable` names tables whose file was given but could not be read (already reported in `problems`):
    they are not taken as left out, so no reference is checked against an empty stand-in.
    `version` names the tables in `raw`; with a base, the dataset's version names the view (view_version).
    `today` is the day no source can have been read after (the machine's date unless given).
    """
    if base is None:
        raw = _with_stand_ins(raw, unreadable)
    checked = {table: check_table(table, given, today) for table, given in raw.items()}
    return _dataset_from(
        checked, folder=folder, version=version, base=base, beside_base=beside_base, problems=problems, unreadable=unreadable
    )


def _dataset_from(
    checked: dict[str, CheckedTable],
    *,
    folder: str,
    version: str,
    base: Dataset | None = None,
    beside_base: bool = False,
    problems: list[Problem] | None = None,
    unreadable: frozenset[str] = frozenset(),
) -> Dataset:
    """build_dataset's work once each table is validated: references, links, the base, the rules across tables."""
    problems = ProblemList(problems or [])
    notes = ProblemList()
    typed: dict[str, pd.DataFrame] = {}
    shortcuts = None
    for table, one in checked.items():
        problems += one.problems
        notes += one.notes
        if table == "projects":
            shortcuts = one.shortcuts
        if one.frame is not None:
            typed[table] = one.frame
    # Names and addresses where identifiers belong are read against every city and source the dataset will
    # have (the upload's and the base's), before rows are matched with the base's by identifier.
    references = {table: _with_base_rows(typed.get(table), base, table) for table in ("cities", "sources")}
    notes += read_references(typed, references, {table: one.label for table, one in checked.items()})
    made_rows: dict[str, dict[int, tuple[str, int]]] = {}
    shortcut_problems: set[tuple[str, int, str]] = set()  # (sheet, row, column) of each problem in a shortcut column
    if shortcuts is not None and "projects" in typed:
        given_links = {
            table: _with_base_rows(typed.get(table), base if beside_base else None, table) for table in LINK_TABLES
        }
        cities, sources = (lookup_for(table, references[table]) for table in ("cities", "sources"))
        links = link_rows(shortcuts, typed["projects"], checked["projects"].label, cities, sources, given_links)
        problems += links.problems
        notes += links.notes
        shortcut_problems = {(problem.file, problem.row, problem.column) for problem in links.problems}
        for table, made in links.tables.items():
            start = len(typed[table]) if table in typed else 0
            made = made[list(SCHEMAS[table].columns)].set_axis(pd.RangeIndex(start, start + len(made)))
            typed[table] = pd.concat([typed[table], made]) if table in typed else made
            made_rows[table] = {start + offset: (checked["projects"].label, row) for offset, row in enumerate(links.origins[table])}
    tables = typed
    if base is not None:
        tables = {}
        for table in TABLE_FILES:
            keep_base = beside_base or table in REFERENCE_TABLES
            if table in typed and keep_base:
                kept = _rows_not_replaced(getattr(base, table), typed[table], table)
                if replaced := len(getattr(base, table)) - len(kept):
                    label = checked[table].label if table in checked else checked["projects"].label
                    notes.append(
                        Problem(label, None, None, None, f"replaces {plural(replaced, 'row')} of the shipped {table} table", True)
                    )
                tables[table] = pd.concat([typed[table], _renumbered(kept, len(typed[table]))])
            elif table in typed:
                tables[table] = typed[table]
            elif keep_base:
                tables[table] = _renumbered(getattr(base, table), 0)
            elif table not in checked and table not in unreadable:
                tables[table] = validate_table(pd.DataFrame(columns=list(SCHEMAS[table].columns)), table, table)[0]
    locate = _upload_rows(checked, made_rows) if base is not None else _file_or_made_rows(made_rows)
    # A table the upload left out, shown instead of the base's, is empty: a reference into it says how to supply it.
    left_out = (
        frozenset(table for table in TABLE_FILES if table not in typed and table not in checked and table not in REFERENCE_TABLES)
        if base is not None and not beside_base
        else frozenset()
    )
    # References are checked among the tables that could be read, so one file missing a column does not hide
    # another file's dangling ids; the rules across tables need them all (a missing one would look empty).
    problems += foreign_key_problems(tables, locate, left_out)
    if len(tables) == len(TABLE_FILES):
        problems += _not_explained(consistency_problems(tables, locate), shortcut_problems)
    # Notes by file and row (a stable sort keeps each row's in column order), whichever step made them.
    notes.sort(key=lambda note: (note.file, note.row or 0))
    if problems.total:
        problems.sort(key=lambda problem: (problem.file, problem.row or 0, problem.column or ""))
        raise DatasetError(problems, notes)
    tables = {table: frame.reset_index(drop=True) for table, frame in tables.items()}
    return Dataset(
        **tables,
        folder=folder,
        version=version if base is None else view_version(version, base, beside_base),
        row_counts={table: len(frame) for table, frame in tables.items()},
        notes=tuple(notes),
        unlisted_notes=notes.unlisted,
    )


LINK_TABLES = ("project_sources", "project_cities", "project_countries")
# A rule across tables that a problem in a project's shortcut column already explains: (rule's column, shortcut column).
_CONSEQUENCES = {("geographic_scope", "cities"), ("geographic_scope", "countries"), ("project_id", "sources")}


def _not_explained(problems: ProblemList, shortcut_problems: set[tuple[str, int, str]]) -> ProblemList:
    """The problems not merely the consequence of one already reported on the same row: a misspelt city in a
    project's cities column leaves it no site row, and saying so again ("'city' needs a member city") is noise."""
    columns_by_row: dict[tuple[str, int], set[str]] = {}
    for file, row, column in shortcut_problems:
        columns_by_row.setdefault((file, row), set()).add(column)
    kept = ProblemList(
        problem
        for problem in problems
        if not any((problem.column, column) in _CONSEQUENCES for column in columns_by_row.get((problem.file, problem.row), ()))
    )
    kept.unlisted += problems.unlisted
    return kept


def _with_base_rows(own: pd.DataFrame | None, base: Dataset | None, table: str) -> pd.DataFrame:
    """A table's rows from the upload, then the base's (when there is a base): what a reference may name."""
    frames = [frame for frame in (own, getattr(base, table) if base is not None else None) if frame is not None]
    if not frames:
        return pd.DataFrame(columns=list(SCHEMAS[table].columns), dtype=object)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def _file_or_made_rows(made_rows: dict[str, dict[int, tuple[str, int]]]):
    """Name a row of a dataset read without a base by its file and row, or by the projects row that made it."""

    def locate(table: str, index) -> tuple[str, int] | None:
        return made_rows.get(table, {}).get(index) or file_rows(table, index)

    return locate


def _renumbered(frame: pd.DataFrame, start: int) -> pd.DataFrame:
    """The base's rows numbered after the upload's, so a row number tells which side a row came from."""
    return frame.set_axis(pd.RangeIndex(start, start + len(frame)))


def _upload_rows(checked: dict[str, CheckedTable], made_rows: dict[str, dict[int, tuple[str, int]]]):
    """Name a row by the upload's label and spreadsheet row; a row made from a project's shortcut columns by that
    project's row; rows of the base are not the uploader's to fix."""

    def locate(table: str, index) -> tuple[str, int] | None:
        if index in made_rows.get(table, {}):
            return made_rows[table][index]
        if table in checked and index < checked[table].rows:
            return checked[table].label, spreadsheet_row(index)
        return None

    return locate


def _rows_not_replaced(base: pd.DataFrame, upload: pd.DataFrame, table: str) -> pd.DataFrame:
    """The base rows whose identifier (or unique combination) the upload does not also have."""
    columns = identifier_columns(table)
    if not columns or not set(columns) <= set(upload):
        return base
    uploaded = pd.MultiIndex.from_frame(upload[columns].astype(str))
    return base[~pd.MultiIndex.from_frame(base[columns].astype(str)).isin(uploaded)]


def csv_over_budget(data: bytes, label: str, budget, cells_left: int) -> Problem | None:
    """Whether a CSV file is too large to parse, judged from its bytes alone (no decoding, no parsing).

    Counts lines and the header's separators, an upper bound on rows and columns (a quoted line break
    or comma counts too, which only errs on the side of refusing a file already at the limit).
    """
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    end = data.find(b"\n")
    header = data[: end if end >= 0 else len(data)]
    columns = max(header.count(separator) for separator in (b",", b";", b"\t")) + 1
    if lines - 1 > budget.rows:
        return Problem(label, None, None, None, f"has {lines - 1:,} rows; an upload may have at most {budget.describe('rows')} per table")
    if columns > budget.columns:
        return Problem(
            label, 1, None, None, f"has a header of {columns:,} columns; a table has at most {budget.describe('columns')}"
        )
    if lines * columns > cells_left:
        return Problem(
            label,
            None,
            None,
            None,
            f"holds about {lines * columns:,} cells, more than the {cells_left:,} left of the "
            f"{budget.describe('cells')} an upload may hold",
        )
    return None


def read_csv_bytes(data: bytes, label: str, expected_columns=None) -> tuple[pd.DataFrame | None, Problem | None]:
    """Read CSV bytes into text cells. UTF-8 (with or without a byte-order mark), or UTF-16 or UTF-32 with its mark.

    With `expected_columns`, a file whose header splits into those columns on ";" or a tab (as a
    spreadsheet set to another locale writes it) is read with that separator instead of ",".
    Uploads are checked against their budget first (csv_over_budget); the shipped folder is trusted.
    """
    text, problem = _decode(data, label)
    if problem:
        return None, problem
    separator = _separator(text, expected_columns)
    raw = None
    if separator == ",":
        # UTF-8 bytes go to the parser as they are (decoding them above checked them), and the text is let go
        # first: a 600 MB file is not held three times over (bytes, text, parsed table).
        form = byte_order_mark(data)
        utf8 = data[len(codecs.BOM_UTF8) :] if form == "UTF-8" else data if form is None else text.encode("utf-8")
        del text
        raw = _read_csv_fast(utf8)
        del utf8
        text = None if raw is not None else _decode(data, label)[0]
    if raw is None:
        try:
            raw = pd.read_csv(
                io.StringIO(text), sep=separator, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=False
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as error:
            reason = "is empty" if isinstance(error, pd.errors.EmptyDataError) else f"cannot be read as CSV ({error})"
            return None, Problem(label, None, None, None, reason)
    raw.columns = [str(name).strip() for name in raw.columns]
    for position in range(raw.shape[1]):  # column by column, so each is held once and once trimmed, not twice over
        raw.isetitem(position, _trimmed(raw.iloc[:, position]))
    _return_freed_memory()
    return raw, None


def _trimmed(cells: pd.Series) -> pd.Series:
    """Text cells without white space around them, and NA where none is left (a cell of spaces is empty)."""
    if not _may_need_trimming(cells):
        return cells  # nothing to take off: no copy of a column of 5 million cells (130 ms per 3 million)
    trimmed = cells.str.strip()
    blank = trimmed == ""
    return trimmed.mask(blank) if blank.any() else trimmed


def _may_need_trimming(cells: pd.Series) -> bool:
    """Whether any cell may start or end with white space, or be empty; False only when none can.

    Read from the first and last byte of each cell of the Arrow array, without making a string: every white space
    character (an ASCII one, or any in Unicode) starts and ends with a byte up to 0x20 or from 0x7F, and so do the
    other non-ASCII characters, which are left to the trimming itself to judge.
    """
    strings = _arrow_strings(cells)
    if strings is None:
        return True
    for chunk in strings.chunks:
        width = {pyarrow.string(): np.int32, pyarrow.large_string(): np.int64}.get(chunk.type)
        if width is None or chunk.buffers()[2] is None:
            return True
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset : chunk.offset + len(chunk) + 1]
        text = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
        present = pc.is_valid(chunk).to_numpy(zero_copy_only=False)
        starts, ends = offsets[:-1][present], offsets[1:][present]
        if (ends <= starts).any():
            return True  # an empty text: trimming makes it NA
        first, last = text[starts], text[ends - 1]
        if ((first <= 0x20) | (first >= 0x7F) | (last <= 0x20) | (last >= 0x7F)).any():
            return True
    return False


def _return_freed_memory() -> None:
    """Give back to the system the memory Arrow's allocator kept from tables already let go.

    mimalloc keeps freed pages for the next allocation: after reading a 60 MB file it held 280 MB that nothing used.
    """
    pyarrow.default_memory_pool().release_unused()


def _separator(text: str, expected_columns) -> str:
    end = text.find("\n")
    header = text if end < 0 else text[:end]  # not split(): that copies the whole rest of a 600 MB file
    if expected_columns is None or "," in header:
        return ","
    for separator in (";", "\t"):
        names = {name.strip().strip('"') for name in header.split(separator)}
        if len(names & set(expected_columns)) >= 2:
            return separator
    return ","


def _read_csv_fast(utf8: bytes) -> pd.DataFrame | None:
    """Read a well-formed CSV (UTF-8 bytes, no byte-order mark) with pyarrow's parser (five times quicker on 500,000 rows), or None.

    Anything it does not take cleanly (ragged rows, repeated column names, an empty file) goes to pandas'
    own parser instead, whose messages say what is wrong.
    """
    try:
        raw = pd.read_csv(io.BytesIO(utf8), engine="pyarrow", dtype=str, keep_default_na=False, na_values=[""])
    except Exception:  # noqa: BLE001 - any refusal means "let the careful parser explain"
        return None
    return raw if len(set(raw.columns)) == len(raw.columns) else None


def validate_table(
    raw: pd.DataFrame, table: str, file_name: str, today: dt.date | None = None
) -> tuple[pd.DataFrame | None, ProblemList, ProblemList]:
    """Convert text columns to their types and check the schema; every problem names file, row and column.

    Returns the typed table (None when a column is missing), its problems, and notes on how loosely
    written values were read; each list keeps a budget's worth and counts the rest. `today` is the day
    no source can have been read after (the machine's date unless given).
    """
    schema = SCHEMAS[table]
    frame = raw.copy(deep=False)  # every column is replaced below, never changed in place: raw stays as read
    # An optional column left out of the header is read as empty: a person leaving out "note" means no notes.
    for name, column in schema.columns.items():
        if column.nullable and name not in frame:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype=object)
    problems, notes = ProblemList(), ProblemList()
    unparsed: set[tuple[str, int]] = set()
    # Text columns as categoricals (codes into their distinct texts) for the checks: pandera then tests each distinct
    # text once and finds empty cells from the codes. A column changed after it was read is checked as it is.
    distinct: dict[str, pd.Series] = {}
    for column_name, column in schema.columns.items():
        if column_name not in frame:
            continue
        dtype = str(column.dtype)
        rule = _rule(column)
        if dtype in _TYPE_WORDS:
            converted, bad_rows = _convert(frame[column_name], dtype, rule)
        else:
            converted, bad_rows, cleaned, categories = _read_texts(frame[column_name])
            if categories is not None:
                distinct[column_name] = categories
            notes += (Problem(file_name, spreadsheet_row(i), column_name, raw.at[i, column_name], v, True) for i, v in cleaned)
        if bad_rows and dtype in ("Float64", "Int64"):
            converted, bad_rows, readings = _read_loosely(frame[column_name], converted, bad_rows, read_number, dtype, rule)
            notes += (
                Problem(file_name, spreadsheet_row(i), column_name, raw.at[i, column_name], _plain_number(v), True)
                for i, v in readings
            )
        frame[column_name] = converted
        for index, reason in bad_rows:
            unparsed.add((column_name, index))
            problems.append(
                Problem(
                    file_name, spreadsheet_row(index), column_name, str(raw.at[index, column_name]), reason or _TYPE_WORDS[dtype]
                )
            )
    for column_name, (reader, taken) in _PLACE_COLUMNS.get(table, {}).items():
        if column_name in frame:
            frame[column_name], readings = _read_places(frame[column_name], reader, taken)
            if readings:
                distinct.pop(column_name, None)
            notes += (Problem(file_name, spreadsheet_row(i), column_name, raw.at[i, column_name], v, True) for i, v in readings)
    for column_name in DATE_COLUMNS[table]:
        if column_name not in frame:
            continue
        values = frame[column_name]
        cells = distinct.get(column_name, values)
        failed = values.index[~(_valid_partial_dates(cells) | cells.isna()).to_numpy()]
        if not len(failed):
            continue
        fixed, bad_rows, readings = _read_loosely(values, values.copy(), [(i, None) for i in failed], read_date, None)
        frame[column_name] = fixed
        distinct.pop(column_name, None)
        notes += (Problem(file_name, spreadsheet_row(i), column_name, raw.at[i, column_name], v, True) for i, v in readings)
        for index, reason in bad_rows:
            unparsed.add((column_name, index))
            problems.append(Problem(file_name, spreadsheet_row(index), column_name, str(raw.at[index, column_name]), reason))
    problems += future_date_problems(frame, table, file_name, today or dt.date.today(), frozenset(unparsed))
    try:
        # In place: nothing is coerced, so pandera's copy of a 500,000-row table would be thrown away unchanged.
        schema.validate(frame.assign(**distinct), lazy=True, inplace=True)
    except pa.errors.SchemaErrors as errors:
        problems += _describe_failures(errors.failure_cases, file_name, unparsed, raw)
    has_all_columns = all(name in frame for name in schema.columns)
    return (frame if has_all_columns else None), problems, notes


# Columns where a person may write a country's name for what the table holds: table -> column -> (reader, the
# values that stand as written). None: any three-letter code stands (an event may be held outside ASEAN).
_PLACE_COLUMNS = {
    "cities": {"iso3": (country_code, set(ASEAN_COUNTRIES)), "country": (country_name, set(ASEAN_COUNTRIES.values()))},
    "project_countries": {"iso3": (country_code, set(ASEAN_COUNTRIES))},
    "events": {"iso3": (country_code, None)},
}


def _read_places(values: pd.Series, reader, taken: set[str] | None) -> tuple[pd.Series, list[tuple[int, str]]]:
    """Read the cells that name an ASEAN country another way ("Viet Nam", "vnm") as the table writes it; each reading noted."""
    readings = {}
    for text in values.dropna().unique():
        stands = text in taken if taken is not None else re.fullmatch(r"[A-Z]{3}", text) is not None
        if not stands and (read := reader(text)) is not None:
            readings[text] = read
    if not readings:
        return values, []
    read = values.isin(list(readings))
    notes = [(index, readings[value]) for index, value in values[read].items()]
    return values.where(~read, values.map(readings)), notes


_TYPE_WORDS = {
    "Float64": "a number (write 1234.5, without currency signs or thousands separators)",
    "Int64": "a whole number",
    "boolean": "true or false",
}


# The largest whole number a float holds exactly; a count beyond it cannot be an Int64 cell (the cast fails).
_LARGEST_EXACT_WHOLE = 2**53


def _rule(column: pa.Column) -> str:
    """What a column's checks ask for, in words ("a latitude between -90 and 90"): said of a number out of reach."""
    return "; ".join(check.error for check in column.checks if check.error) or "a finite number"


def _reach(dtype: str) -> float:
    """The largest size a number of `dtype` may have before any check sees it: beyond, it is infinite or inexact."""
    return _LARGEST_EXACT_WHOLE if dtype == "Int64" else float(np.finfo(np.float64).max)


def _out_of_reach(numbers: pd.Series, dtype: str) -> pd.Series:
    """Numbers no check should ever see: infinite, or (in a whole-number column) too large to hold exactly."""
    return numbers.notna() & ~(numbers.abs() <= _reach(dtype))


def _plain_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _read_loosely(text: pd.Series, converted: pd.Series, bad_rows, reader, dtype, rule: str | None = None):
    """Read the cells the strict form refused with `reader` (readings.read_number or read_date).

    Returns the column with the cells it could read filled in, the (index, reason) of those it could
    not, and the (index, value) of each reading, which become notes. A cell refused with a reason (a
    number out of reach) is not read again: the reason stands.
    """
    fixed = converted.astype(object) if dtype else converted
    still_bad, readings = [], []
    for index, reason in bad_rows:
        if reason is not None:
            still_bad.append((index, reason))
            continue
        value = reader(str(text.loc[index]))
        if isinstance(value, Refusal):
            still_bad.append((index, value.reason))
        elif dtype and not abs(value) <= _reach(dtype):
            still_bad.append((index, rule))  # "99,999,999,999,999,999,999" people: read, then refused by the column's rule
        elif dtype == "Int64" and value % 1:
            still_bad.append((index, None))
        else:
            fixed.loc[index] = value
            readings.append((index, value))
    return (fixed.astype(dtype) if dtype else fixed), still_bad, readings


def _convert(values: pd.Series, dtype: str, rule: str = "a finite number") -> tuple[pd.Series, list[tuple[int, str | None]]]:
    """Convert a text column to `dtype`; return the converted column and the (index, reason) of cells it could not read.

    The reason is None for text that is not a number (it may still be read loosely); a number out of
    reach ("inf", "1e309", or a count too large for a whole-number column) is refused with the column's `rule`.
    """
    present = values.notna()
    if dtype in ("Float64", "Int64"):
        plain = _plain_numbers(values)
        numbers = pd.Series(plain, index=values.index) if plain is not None else pd.to_numeric(values, errors="coerce")
        out_of_reach = _out_of_reach(numbers, dtype)
        numbers = numbers.where(~out_of_reach)
        bad = present & numbers.isna() & ~out_of_reach
        if dtype == "Int64":
            fractional = numbers.notna() & (numbers % 1 != 0)
            bad |= fractional
            numbers = numbers.where(~fractional)
        refused = [(index, None) for index in values.index[bad]] + [(index, rule) for index in values.index[out_of_reach]]
        return numbers.astype(dtype), sorted(refused, key=lambda pair: pair[0])
    if dtype == "boolean":
        # Two whole-column lookups, not a dictionary lookup per cell (`map` calls Python for each of 500,000 cells).
        lowered = values.str.lower()
        true, false = lowered.isin(_TRUE).to_numpy(), lowered.isin(_FALSE).to_numpy()
        parsed = pd.Series(pd.arrays.BooleanArray(true, ~(true | false)), index=values.index)  # others: NA, reported below
        bad = present & parsed.isna()
        return parsed, [(index, None) for index in values.index[bad]]
    raise ValueError(f"no conversion to {dtype}; text columns are read by _read_texts")


# A number any correct reader reads to the same double: digits, at most one decimal point, a sign only before a
# non-zero digit somewhere, and at most 15 characters in all. Its digits then make an integer a double holds exactly
# (below 2**53, where pandas' whole-number reading and a double agree), which one division by an exact power of ten
# rounds correctly; Arrow's reader rounds every number correctly, and so does pandas' (checked on 600,000 numbers of
# 15 to 22 digits, and by tests/test_load.py on every run).
_PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_NEGATIVE_ZERO = r"^-[0.]*$"  # pandas reads "-0" as 0 in a column of whole numbers, Arrow as -0.0
_PLAIN_NUMBER_LENGTH = 15


def _plain_numbers(values: pd.Series) -> np.ndarray | None:
    """A column read from a CSV file as doubles (NaN where empty) when every cell is a plain number; else None.

    Arrow's cast reads 500,000 cells in 8 ms where pd.to_numeric takes 200 ms. It is used only where the two give
    the same value for every cell (_PLAIN_NUMBER): anything else ("1e5", "1,000", "$5", "inf", a 20-digit count) goes
    to pandas and the loose reading as before.
    """
    strings = _arrow_strings(values)
    if strings is None or strings.null_count == len(strings):
        return None
    longest = pc.max(pc.utf8_length(strings)).as_py()
    if longest > _PLAIN_NUMBER_LENGTH or not pc.all(pc.match_substring_regex(strings, _PLAIN_NUMBER)).as_py():
        return None
    if pc.any(pc.match_substring_regex(strings, _NEGATIVE_ZERO)).as_py():
        return None
    return pc.cast(strings, pyarrow.float64()).to_numpy(zero_copy_only=False)


def _read_texts(values: pd.Series) -> tuple[pd.Series, list[tuple[int, str]], list[tuple[int, str]], pd.Series | None]:
    """Text as an object column (None where empty) in which equal texts are one Python string, without control characters.

    Converting each cell separately gives every cell its own string object: at 10,000x that was most of
    the memory the loaded tables held, for columns that repeat a few dozen values (sources, units, dates).
    Each distinct text is checked once for control characters (characters.py): the ones nobody means are
    taken out, each cleaned cell giving an (index, note); the ones a wrong encoding leaves are refused,
    each giving an (index, reason), since removing them would change the text.
    The fourth value is the same column as a categorical, for the checks (None when a text was cleaned, since
    two texts may then have become one).
    """
    codes, uniques = pd.factorize(values)  # empty cells get code -1
    texts = np.append(np.asarray(uniques, dtype=object), None)
    refused, cleaned = [], []
    # Text read from a CSV file is searched in Arrow; other text as the Python strings just made, never by
    # iterating `uniques` (pandas makes a Python object per cell of an Arrow array: 1.4 s at 10,000x).
    strings = _arrow_strings(uniques)
    if texts_with_controls(strings if strings is not None else map(str, texts[:-1])):
        readings: dict[int, str] = {}
        reasons: dict[int, str] = {}
        for code, text in enumerate(texts[:-1]):
            if not isinstance(text, str):
                continue
            if MISREAD_CONTROLS.search(text):
                reasons[code] = _misread_reason(text)
            elif REMOVED_CONTROLS.search(text):
                clean = without_controls(text)
                readings[code] = f"{clean!r} ({removal_note(text)})"
                texts[code] = clean
        for index, code in zip(values.index, codes):
            if code in reasons:
                refused.append((index, reasons[code]))
            elif code in readings:
                cleaned.append((index, readings[code]))
    categories = None
    if not refused and not cleaned:
        # Over `uniques` as factorize gave them: Arrow strings, whose distinctness Arrow has already established.
        distinct = pd.Categorical.from_codes(codes, dtype=_distinct_texts_dtype(uniques), validate=False)
        categories = pd.Series(distinct, index=values.index)
    return pd.Series(texts[codes], index=values.index, dtype=object), refused, cleaned, categories


def _distinct_texts_dtype(uniques) -> pd.CategoricalDtype:
    """A categorical dtype over texts factorize has already found distinct, without checking them again.

    The public constructor checks that the categories are distinct through an index over them, which turns
    every Arrow string into a Python one and keeps them: 340 MB for the 5 million metric ids at 100,000x, held
    while the table is checked (the load's peak). pandas' own fast path skips that check; where a later pandas
    lacks it, the public constructor is used.
    """
    fast_path = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fast_path(uniques, False) if fast_path is not None else pd.CategoricalDtype(uniques)


def _arrow_strings(values) -> pyarrow.ChunkedArray | None:
    """The Arrow array behind an Arrow-backed string Series or Index (read_csv_bytes makes them), without a copy; else None."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pyarrow.chunked_array(values.array.__arrow_array__())
    return None


def _misread_reason(text: str) -> str:
    """Why text holding a C1 control is refused, naming the character it most likely stood for."""
    char = MISREAD_CONTROLS.search(text).group(0)
    if meant := misread_as(char):
        likely = f"a {meant} that a program read in the wrong encoding: type {meant} in its place"
    else:
        likely = "a character that a program read in the wrong encoding: retype it"
    return f"text free of control characters (U+{ord(char):04X} here is likely {likely})"


def _describe_failures(failures: pd.DataFrame, file_name: str, unparsed, raw: pd.DataFrame) -> ProblemList:
    """pandera's failure cases as problems; a failing value is quoted as the file wrote it ("-5", not "-5.0")."""
    problems = ProblemList()
    for failure in failures.itertuples(index=False):
        check, column, index = str(failure.check), failure.column, failure.index
        if check == "column_in_dataframe":
            problems.append(
                Problem(file_name, 1, str(failure.failure_case), None, "a required column that is missing from the header")
            )
        elif check == "column_in_schema":
            problems.append(
                Problem(
                    file_name,
                    1,
                    str(failure.failure_case),
                    None,
                    "not a column of this table (check the spelling against the template)",
                )
            )
        elif pd.isna(index):
            problems.append(Problem(file_name, None, column, None, check))
        elif column is not None and (column, int(index)) in unparsed:
            continue  # already reported as a value of the wrong type
        elif check == "not_nullable":
            problems.append(Problem(file_name, spreadsheet_row(index), column, None, "empty, but this column is required"))
        elif check in ("field_uniqueness", "multiple_fields_uniqueness"):
            columns = column if column else ""
            problems.append(
                Problem(
                    file_name,
                    spreadsheet_row(index),
                    columns,
                    str(failure.failure_case),
                    "a unique value (it appears more than once)",
                )
            )
        elif check.startswith("dtype("):
            continue  # the type conversion above already explained it
        else:
            written = raw.at[index, column] if column in raw and index in raw.index else None
            value = str(written) if written is not None and not pd.isna(written) else str(failure.failure_case)
            problems.append(Problem(file_name, spreadsheet_row(index), column, value, check))
    problems.sort(key=lambda problem: (problem.row or 0, problem.column or ""))
    return problems


# Byte-order marks, UTF-32's first: its little-endian mark starts with UTF-16's (FF FE), so a UTF-32 file
# read as UTF-16 gives names split by NUL characters.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def byte_order_mark(data: bytes) -> str | None:
    """The Unicode form ("UTF-8", "UTF-16" or "UTF-32") a byte-order mark at the start of `data` names, or None."""
    return next((form for mark, form in _BYTE_ORDER_MARKS if data.startswith(mark)), None)


def wide_text_without_mark(data: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when `data` has no byte-order mark but reads like one of them, else None.

    Without the mark the byte order is a guess, and NUL bytes are valid UTF-8, so such a file would be read
    as names split by NUL characters. It is told by its empty bytes: text in the Latin script (a CSV header
    always is) has a NUL in every second byte in UTF-16, and in two fixed places of every four in UTF-32.
    """
    if byte_order_mark(data):
        return None
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) >= 8:
        for empty_places in ((2, 3), (0, 1)):  # little-endian, big-endian
            if all(not any(sample[place::4]) for place in empty_places):
                return "UTF-32"
    if sample and sample.count(0) >= len(sample) * 0.3:
        return "UTF-16"
    return None


def _decode(data: bytes, file_name: str) -> tuple[str, Problem | None]:
    """Decode UTF-8 (with or without a byte-order mark), or UTF-16 or UTF-32 with their mark; say on which row other bytes sit.

    Other encodings (Latin-1, Windows-1252, Vietnamese Windows-1258) share byte values and cannot be
    told apart for certain, so guessing could quietly turn "Đà Nẵng" into something else: they are
    refused with the row of the first byte that is not UTF-8. UTF-16 and UTF-32 without a mark are
    refused as such (wide_text_without_mark).
    """
    form = byte_order_mark(data)
    if form in ("UTF-16", "UTF-32"):
        try:
            return data.decode(form.lower()), None  # the codec reads the mark for the byte order, and drops it
        except UnicodeDecodeError as error:
            return "", Problem(file_name, None, None, None, f"starts as {form} but is not ({error.reason}); save it as CSV UTF-8")
    if wide := wide_text_without_mark(data):
        return "", Problem(
            file_name,
            None,
            None,
            None,
            f"looks like {wide} without a byte-order mark (many of its bytes are empty); save it as CSV UTF-8",
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        bad = data[error.start : error.start + 4]
        return "", Problem(
            file_name,
            row,
            None,
            None,
            f"contains bytes that are not UTF-8 ({bad!r} at byte {error.start}; perhaps Latin-1 or Windows-1252); "
            "save the file as CSV UTF-8",
        )
