"""Uploaded tables: CSV files, a zip of CSV files or an Excel workbook, read into text tables and validated.

Files are read in memory, never written to disk, so a name inside a zip cannot reach another folder;
a name that tries to is still refused, and said so. Each file or sheet is named after its table
(grants.csv, or a sheet called "grants"), as in the template.

Every reader spends from one Budget (usascp.budgets) and checks it before it allocates: the sizes a
zip declares before unpacking, a CSV's lines and header before parsing, the cells a sheet really
produces (not the size it declares) while streaming. Going over refuses that file with the limit named.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from usascp.budgets import Budget, OverBudget, default_budget
from usascp.importers.fagov import FagovChoice, FagovImport, is_fagov_csv, read_fagov
from usascp.importers.iati import IatiImport, read_iati
from usascp.load import Dataset, RawTable, build_dataset, csv_over_budget, read_csv_bytes
from usascp.schema import SCHEMAS, TABLE_FILES, Problem, ProblemList

# Sheets of the template that are not tables.
HELP_SHEETS = {"how to fill this in", "lists", "about this file"}
TABLE_NAMES = ", ".join(TABLE_FILES)


@dataclass(frozen=True)
class UploadedFile:
    name: str
    data: bytes


@dataclass
class Upload:
    """What the files held: text tables by table name, and what stopped any file from being read."""

    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: ProblemList = field(default_factory=ProblemList)
    file_names: list[str] = field(default_factory=list)
    fingerprint: str = ""
    iati: list[IatiImport] = field(default_factory=list)
    fagov: list[FagovImport] = field(default_factory=list)
    # Tables whose file or sheet was given but could not be read: not "left out", so nothing is checked against them.
    unreadable: set[str] = field(default_factory=set)
    budget: Budget = field(default_factory=default_budget)
    unpacked_bytes: int = 0  # spent so far from budget.unpacked_bytes
    cells: int = 0  # spent so far from budget.cells

    @property
    def cells_left(self) -> int:
        return self.budget.cells - self.cells


def read_upload(
    files: list[UploadedFile],
    cities: pd.DataFrame | None = None,
    relationship: str = "usascp_project",
    budget: Budget | None = None,
    fagov_choice: FagovChoice | None = None,
    progress=None,
) -> Upload:
    """Read every file into text tables; any file that cannot be read becomes a problem, never an exception.

    IATI activity files are placed on the member `cities` (the shipped ones when none are given), and
    their activities take `relationship` to the partnership. Everything read spends from `budget`.
    ForeignAssistance.gov downloads (known by their header) keep the rows `fagov_choice` names (the ASEAN
    countries when None), and call `progress(bytes read, total)` as they are read.
    """
    budget = budget or default_budget()
    upload = Upload(file_names=[file.name for file in files], budget=budget)
    # The fingerprint names what the tables were read from: the files, and the relationship IATI activities
    # were given (the same file read as related work is another dataset). The cities are the base's,
    # which the dataset's version names (load.view_version).
    digest = hashlib.sha256(relationship.encode() + b"\0")
    for file in files:
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.data).digest())
        if len(file.data) > budget.file_bytes:
            _not_read(
                upload,
                file.name,
                Problem(file.name, None, None, None, f"larger than the {budget.describe('file_bytes')} an uploaded file may be"),
            )
            continue
        suffix = PurePosixPath(file.name.lower()).suffix
        if suffix in (".csv", ".txt") and is_fagov_csv(file.data):
            _read_fagov_upload(upload, file, relationship, fagov_choice or FagovChoice(), progress)
        elif suffix == ".csv" or suffix == ".txt":
            _add_csv(upload, file.name, file.data, file.name)
        elif suffix == ".zip":
            _add_zip(upload, file)
        elif suffix in (".xlsx", ".xlsm"):
            _add_workbook(upload, file)
        elif suffix == ".xml":
            if cities is None:
                from usascp.load import load_dataset

                cities = load_dataset().cities
            imported = read_iati(file.name, file.data, cities, relationship, budget=budget)
            upload.cells += sum(raw.frame.size for raw in imported.tables.values())
            _add_iati(upload, imported)
        elif suffix == ".xls":
            _not_read(
                upload,
                file.name,
                Problem(file.name, None, None, None, "an old-style .xls workbook: save it as .xlsx and upload again"),
            )
        else:
            _not_read(
                upload,
                file.name,
                Problem(
                    file.name,
                    None,
                    None,
                    None,
                    "not a file the dashboard reads (CSV, a zip of CSV files, an Excel .xlsx workbook, an IATI .xml file)",
                ),
            )
    if upload.fagov:  # the same download read for other countries is another dataset
        digest.update(b"\0fagov:" + repr((upload.fagov[0].countries, upload.fagov[0].regions)).encode())
    upload.fingerprint = digest.hexdigest()[:16]
    return upload


def _read_fagov_upload(upload: Upload, file: UploadedFile, relationship: str, choice: FagovChoice, progress) -> None:
    """A ForeignAssistance.gov download, streamed from the uploaded bytes; stopped short of the check's time limit,
    so the person gets the report of what was read rather than a check that ran out of time."""
    budget = upload.budget
    imported = read_fagov(
        io.BytesIO(file.data),
        file.name,
        len(file.data),
        choice.countries,
        relationship,
        budget=budget,
        progress=progress,
        seconds=budget.seconds * 0.6,
        regions=choice.regions,
    )
    upload.cells += sum(raw.frame.size for raw in imported.tables.values())
    if upload.cells > budget.cells:
        imported.tables.clear()
        imported.problems.append(
            Problem(file.name, None, None, None, f"gives more than the {budget.describe('cells')} an upload may hold; choose fewer countries")
        )
    add_fagov(upload, imported)


def add_fagov(upload: Upload, imported: FagovImport) -> None:
    """A ForeignAssistance.gov file's tables (read from an upload, or streamed from disk by the command line).

    A second file's rows join the first's; an activity in both is reported by the validation as a repeated id.
    """
    upload.fagov.append(imported)
    upload.problems += imported.problems
    _add_imported(upload, imported.file_name, imported.tables)


# The label of a table an importer made: "a.xml (projects from IATI)", "b.csv, c.xml (projects from ForeignAssistance.gov and IATI)".
_IMPORTED_LABEL = re.compile(r" \((\w+) from ([^()]+)\)$")


def _add_imported(upload: Upload, file_name: str, tables: dict[str, RawTable]) -> None:
    """An importer's tables (IATI, ForeignAssistance.gov). Rows of a second imported file, of either kind, join the
    first's instead of clashing with them ("a second projects table"); a table a person wrote is never joined."""
    for table, raw in tables.items():
        earlier = upload.tables.get(table)
        had = _IMPORTED_LABEL.search(earlier.label) if earlier is not None else None
        new = _IMPORTED_LABEL.search(raw.label)
        if had and new:
            sources = had.group(2).split(" and ")
            sources += [] if new.group(2) in sources else [new.group(2)]
            frame = pd.concat([earlier.frame, raw.frame], ignore_index=True)
            label = f"{earlier.label[: had.start()]}, {file_name} ({table} from {' and '.join(sources)})"
            upload.tables[table] = RawTable(frame, label)
        else:
            _add(upload, table, raw.frame, raw.label)


def dataset_from_upload(upload: Upload, base: Dataset | None, beside_base: bool, today: dt.date | None = None) -> Dataset:
    """Validate the upload (with the shipped data as `base`) into a Dataset, or raise DatasetError.

    `today` is the day no source can have been read after (the machine's date unless given).
    """
    problems = list(upload.problems)
    if not upload.tables and not problems:
        problems.append(
            Problem(", ".join(upload.file_names) or "upload", None, None, None, f"holds none of the tables ({TABLE_NAMES})")
        )
    label = "upload: " + ", ".join(upload.file_names)
    return build_dataset(
        upload.tables,
        folder=label,
        version=upload.fingerprint,
        base=base,
        beside_base=beside_base,
        problems=problems,
        unreadable=frozenset(upload.unreadable),
        today=today,
    )


def table_for(name: str) -> str | None:
    """The table a file or sheet name stands for: "Grants (1).csv" and "grants" are both grants."""
    stem = PurePosixPath(name).name.rsplit(".", 1)[0] if "." in PurePosixPath(name).name else PurePosixPath(name).name
    stem = re.sub(r"\s*\(\d+\)$", "", stem.strip()).lower().replace(" ", "_").replace("-", "_")
    return stem if stem in TABLE_FILES else None


def _add(upload: Upload, table: str | None, frame: pd.DataFrame | None, label: str) -> None:
    if table is None:
        upload.problems.append(
            Problem(
                label,
                None,
                None,
                None,
                f"not named after one of the tables ({TABLE_NAMES}); name it after its table, e.g. grants.csv",
            )
        )
    elif table in upload.tables:
        upload.problems.append(
            Problem(label, None, None, None, f"a second {table} table (the first is {upload.tables[table].label})")
        )
    else:
        upload.tables[table] = RawTable(frame, label)


def _add_iati(upload: Upload, imported: IatiImport) -> None:
    """An IATI file's tables; a second IATI file's rows join the first's instead of clashing with them."""
    upload.iati.append(imported)
    upload.problems += imported.problems
    _add_imported(upload, imported.file_name, imported.tables)


def _add_csv(upload: Upload, name: str, data: bytes, label: str) -> None:
    table = table_for(name)
    if table in upload.tables:  # said before parsing: a zip of 200 copies of projects.csv costs one read
        _add(upload, table, None, label)
        return
    problem = csv_over_budget(data, label, upload.budget, upload.cells_left)
    if problem is None:
        expected = list(SCHEMAS[table].columns) if table else None
        frame, problem = read_csv_bytes(data, label, expected)
    if problem:
        _not_read(upload, name, problem)
    else:
        upload.cells += frame.size
        _add(upload, table, frame, label)


def _unsafe(member: str) -> bool:
    path = PurePosixPath(member.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", member) is not None


def _add_zip(upload: Upload, file: UploadedFile) -> None:
    budget = upload.budget
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        upload.problems.append(Problem(file.name, None, None, None, f"cannot be opened as a zip file ({error})"))
        return
    if len(members) > budget.zip_members:
        upload.problems.append(
            Problem(
                file.name,
                None,
                None,
                None,
                f"holds {len(members):,} files; a zip may hold at most {budget.describe('zip_members')} "
                "(the tables as CSV, one file each)",
            )
        )
        return
    with archive:
        for member in members:
            label = f"{file.name}: {member.filename}"
            name = PurePosixPath(member.filename.replace("\\", "/"))
            if member.is_dir() or name.name.startswith(".") or "__MACOSX" in name.parts:
                continue
            if _unsafe(member.filename):
                _not_read(
                    upload, name.name, Problem(label, None, None, None, "a name that points outside the zip; this file was not read")
                )
                continue
            if name.suffix.lower() in (".txt", ".md", ".pdf"):
                continue  # notes that travel with the tables, such as the template's guidance
            if name.suffix.lower() != ".csv":
                _not_read(upload, name.name, Problem(label, None, None, None, "not a CSV file; a zip may hold only the tables as CSV"))
                continue
            left = budget.unpacked_bytes - upload.unpacked_bytes
            too_large = Problem(
                label, None, None, None, f"unpacks to more than the {budget.describe('unpacked_bytes')} an upload may unpack to"
            )
            if member.file_size > left:  # the size the zip declares, checked before a byte is unpacked
                _not_read(upload, name.name, too_large)
                return
            try:
                data, refusal = _unpack(archive, member, left, budget)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as error:
                _not_read(upload, name.name, Problem(label, None, None, None, f"cannot be unpacked ({error})"))
                continue
            if refusal == "bytes":
                _not_read(upload, name.name, too_large)
                return
            if refusal == "rows":
                _not_read(
                    upload,
                    name.name,
                    Problem(label, None, None, None, f"has more than {budget.describe('rows')}; an upload may have at most that many per table"),
                )
                continue
            upload.unpacked_bytes += len(data)
            _add_csv(upload, name.name, data, label)


def _unpack(archive: zipfile.ZipFile, member: zipfile.ZipInfo, left: int, budget: Budget) -> tuple[bytes, str | None]:
    """A member's bytes, read a megabyte at a time and given up on as soon as it passes `left` bytes or the row limit.

    The declared size can lie, and a member far past the row limit need not be held whole to know it.
    Returns the bytes, and "bytes" or "rows" when it was given up on.
    """
    chunks, size, lines = [], 0, 0
    with archive.open(member) as handle:
        while chunk := handle.read(2**20):
            size += len(chunk)
            lines += chunk.count(b"\n")
            if size > left:
                return b"", "bytes"
            if lines > budget.rows + 1:
                return b"", "rows"
            chunks.append(chunk)
    return b"".join(chunks), None


def _add_workbook(upload: Upload, file: UploadedFile) -> None:
    from openpyxl import load_workbook

    if problem := _workbook_over_budget(file, upload):
        upload.problems.append(problem)
        return
    try:
        workbook = load_workbook(io.BytesIO(file.data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file; all mean "cannot open"
        upload.problems.append(
            Problem(file.name, None, None, None, f"cannot be opened as an Excel workbook ({type(error).__name__})")
        )
        return
    try:
        for sheet in workbook.worksheets:
            if sheet.title.strip().lower() in HELP_SHEETS:
                continue
            label = f"{file.name}, sheet {sheet.title}"
            if table_for(sheet.title) in upload.tables:
                _add(upload, table_for(sheet.title), None, label)
                continue
            try:
                rows = _sheet_rows(sheet, label, upload)
            except OverBudget as error:
                _not_read(upload, sheet.title, Problem(label, None, None, None, str(error)))
                continue
            while rows and all(value is None for value in rows[-1]):
                rows.pop()
            if not rows:
                _not_read(upload, sheet.title, Problem(label, None, None, None, "is empty"))
                continue
            header = [str(name).strip() if name is not None else "" for name in rows[0]]
            while header and header[-1] == "":
                header.pop()
            if len(set(header)) != len(header) or "" in header:
                _not_read(
                    upload, sheet.title, Problem(label, 1, None, None, "a header row with one name per column, none repeated or blank")
                )
                continue
            frame = pd.DataFrame(
                [row[: len(header)] + [None] * (len(header) - len(row)) for row in rows[1:]], columns=header, dtype=object
            )
            frame = frame.astype(object).where(frame.notna(), pd.NA)
            _add(upload, table_for(sheet.title), frame, label)
    finally:
        workbook.close()


def _workbook_over_budget(file: UploadedFile, upload: Upload) -> Problem | None:
    """Check a workbook's parts by the sizes its zip declares, before openpyxl reads any of them.

    openpyxl reads every part but the worksheets whole (shared strings, styles): a 2 MB file can hold a
    gigabyte of shared text. Worksheets are streamed, and their cells counted as they come (_sheet_rows).
    """
    budget = upload.budget
    try:
        with zipfile.ZipFile(io.BytesIO(file.data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # not a zip at all: openpyxl says it cannot open it
    sheets = [part for part in parts if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml")]
    if len(sheets) > budget.sheets:
        return Problem(file.name, None, None, None, f"has {len(sheets):,} sheets; a workbook may have at most {budget.describe('sheets')}")
    whole = [part for part in parts if part not in sheets and part.file_size > budget.shared_text_bytes]
    if whole:
        return Problem(
            file.name,
            None,
            None,
            None,
            f"its part {whole[0].filename} unpacks to {whole[0].file_size / 2**20:,.0f} MB, more than the "
            f"{budget.describe('shared_text_bytes')} a workbook's shared text or styles may take; save large tables as CSV",
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > budget.unpacked_bytes - upload.unpacked_bytes:
        return Problem(
            file.name,
            None,
            None,
            None,
            f"unpacks to {unpacked / 2**20:,.0f} MB, more than the {budget.describe('unpacked_bytes')} an upload may "
            "unpack to; save large tables as CSV",
        )
    upload.unpacked_bytes += unpacked
    return None


def _sheet_rows(sheet, label: str, upload: Upload) -> list[list[str | None]]:
    """A sheet's rows as text, counting the cells they really hold against the budget.

    The size a sheet declares (its "dimension") is ignored: openpyxl pads every row to it, and a 108 KB
    file can declare 16,384 columns by 20,000 rows. Rows are then as long as their last cell.
    """
    budget = upload.budget
    sheet.reset_dimensions()
    rows = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        upload.cells += len(row)
        if number == 1 and sum(value is not None for value in row) > budget.columns:
            raise OverBudget(f"has a header of more than {budget.describe('columns')}; a table has at most that many")
        if number - 1 > budget.rows:
            raise OverBudget(f"has more than {budget.describe('rows')}; an upload may have at most that many per table")
        if upload.cells > budget.cells:
            raise OverBudget(f"holds more than the {budget.describe('cells')} an upload may hold (cells up to its last value in each row)")
        rows.append([_cell_text(value) for value in row])
    return rows


def _not_read(upload: Upload, name: str, problem: Problem) -> None:
    """Report a file, zip member or sheet that could not be read. The table it is named after is then not
    taken as left out of the upload: nothing is checked against an empty stand-in for it."""
    upload.problems.append(problem)
    if table := table_for(name):
        upload.unreadable.add(table)


def _cell_text(value) -> str | None:
    """A workbook cell as the text a CSV file would hold: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class UploadCheck:
    """What checking an upload found, all a page needs to show it: small enough to send between processes.

    `dataset` is the validated data to explore (None when there are problems); `previews` the first rows
    of each table as uploaded; `iati` what each IATI file gave (without its tables).
    """

    file_names: tuple[str, ...]
    fingerprint: str
    dataset: Dataset | None
    problems: ProblemList
    notes: ProblemList
    row_counts: dict[str, int]
    previews: dict[str, pd.DataFrame]
    iati: tuple[IatiImport, ...] = ()
    oddities: tuple[str, ...] = ()
    fagov: tuple[FagovImport, ...] = ()


PREVIEW_ROWS = 200


def check_upload(
    files: list[UploadedFile],
    base: Dataset | None,
    beside_base: bool,
    relationship: str = "usascp_project",
    budget: Budget | None = None,
    fagov_choice: FagovChoice | None = None,
    progress=None,
) -> UploadCheck:
    """Read and validate an upload against `base` (the shipped data), within `budget`: the whole check in one call."""
    from usascp.load import DatasetError
    from usascp.oddities import oddities

    upload = read_upload(files, base.cities if base is not None else None, relationship, budget, fagov_choice, progress)
    try:
        dataset = dataset_from_upload(upload, base, beside_base)
        problems, notes = ProblemList(), ProblemList(dataset.notes)
        notes.unlisted += dataset.unlisted_notes
    except DatasetError as error:
        dataset, problems, notes = None, error.problems, error.notes
    return UploadCheck(
        file_names=tuple(upload.file_names),
        fingerprint=upload.fingerprint,
        dataset=dataset,
        problems=problems,
        notes=notes,
        row_counts={table: len(raw.frame) for table, raw in upload.tables.items()},
        previews={table: raw.frame.head(PREVIEW_ROWS) for table, raw in upload.tables.items()},
        iati=tuple(dataclasses.replace(imported, tables={}) for imported in upload.iati),
        oddities=tuple(oddities(dataset)) if dataset is not None else (),
        fagov=tuple(dataclasses.replace(imported, tables={}) for imported in upload.fagov),
    )
