"""Uploaded tables: CSV files, a zip of CSV files or an Excel workbook, read into text tables and validated.

Files are read in memory, never written to disk, so a name inside a zip cannot reach another folder;
a name that tries to is still refused, and said so. Each file or sheet is named after its table
(grants.csv, or a sheet called "grants"), as in the template.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import pandas as pd

from usascp.importers.iati import IatiImport, read_iati
from usascp.load import Dataset, RawTable, build_dataset, read_csv_bytes
from usascp.schema import SCHEMAS, TABLE_FILES, Problem

MAX_FILE_BYTES = 200 * 1024 * 1024  # Streamlit's own upload limit; a zip's contents count in full
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
    problems: list[Problem] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    fingerprint: str = ""
    iati: list[IatiImport] = field(default_factory=list)
    # Tables whose file or sheet was given but could not be read: not "left out", so nothing is checked against them.
    unreadable: set[str] = field(default_factory=set)


def read_upload(files: list[UploadedFile], cities: pd.DataFrame | None = None, relationship: str = "usascp_project") -> Upload:
    """Read every file into text tables; any file that cannot be read becomes a problem, never an exception.

    IATI activity files are placed on the member `cities` (the shipped ones when none are given), and
    their activities take `relationship` to the partnership.
    """
    upload = Upload(file_names=[file.name for file in files])
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + hashlib.sha256(file.data).digest())
        if len(file.data) > MAX_FILE_BYTES:
            _not_read(upload, file.name, Problem(file.name, None, None, None, f"larger than {MAX_FILE_BYTES // 2**20} MB"))
            continue
        suffix = PurePosixPath(file.name.lower()).suffix
        if suffix == ".csv" or suffix == ".txt":
            _add_csv(upload, file.name, file.data, file.name)
        elif suffix == ".zip":
            _add_zip(upload, file)
        elif suffix in (".xlsx", ".xlsm"):
            _add_workbook(upload, file)
        elif suffix == ".xml":
            if cities is None:
                from usascp.load import load_dataset

                cities = load_dataset().cities
            _add_iati(upload, read_iati(file.name, file.data, cities, relationship))
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
    upload.fingerprint = digest.hexdigest()[:16]
    return upload


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


def _add(upload: Upload, table: str | None, frame: pd.DataFrame, label: str) -> None:
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
    for table, raw in imported.tables.items():
        earlier = upload.tables.get(table)
        if earlier is not None and "from IATI" in earlier.label:
            names = earlier.label.split(" (", 1)[0] + ", " + imported.file_name
            frame = pd.concat([earlier.frame, raw.frame], ignore_index=True)
            upload.tables[table] = RawTable(frame, f"{names} ({table} from IATI)")
        else:
            _add(upload, table, raw.frame, raw.label)


def _add_csv(upload: Upload, name: str, data: bytes, label: str) -> None:
    table = table_for(name)
    expected = list(SCHEMAS[table].columns) if table else None
    frame, problem = read_csv_bytes(data, label, expected)
    if problem:
        _not_read(upload, name, problem)
    else:
        _add(upload, table, frame, label)


def _unsafe(member: str) -> bool:
    path = PurePosixPath(member.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", member) is not None


def _add_zip(upload: Upload, file: UploadedFile) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        upload.problems.append(Problem(file.name, None, None, None, f"cannot be opened as a zip file ({error})"))
        return
    total = 0
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
            total += member.file_size
            if member.file_size > MAX_FILE_BYTES or total > MAX_FILE_BYTES:
                _not_read(upload, name.name, Problem(label, None, None, None, f"unpacks to more than {MAX_FILE_BYTES // 2**20} MB"))
                return
            try:
                with archive.open(member) as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)  # the size in the header can lie; the read cannot
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
                _not_read(upload, name.name, Problem(label, None, None, None, f"cannot be unpacked ({error})"))
                continue
            if len(data) > MAX_FILE_BYTES:
                _not_read(upload, name.name, Problem(label, None, None, None, f"unpacks to more than {MAX_FILE_BYTES // 2**20} MB"))
                return
            _add_csv(upload, name.name, data, label)


def _add_workbook(upload: Upload, file: UploadedFile) -> None:
    from openpyxl import load_workbook

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
            rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
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
