"""The upload template: an Excel workbook (one sheet per table, lists to pick from) and the same as a CSV zip.

Both are built from the schemas, so they can never disagree with what the validation accepts. With a
dataset they carry its rows, so the shipped data can be edited and uploaded back.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from usascp.characters import without_controls
from usascp.export import csv_bytes, neutralise_formulas
from usascp.load import Dataset
from usascp.schema import ASEAN_COUNTRIES, FOREIGN_KEYS, REFERENCE_WORDS, SCHEMAS, TABLE_FILES
from usascp.shortcuts import SHORTCUT_COLUMNS

DATA_README = Path(__file__).resolve().parents[2] / "data" / "README.md"
ROWS_WITH_LISTS = 5000  # rows of each sheet that offer the drop-down lists
GUIDANCE = [
    "How to fill this in",
    "",
    "Each sheet is one table. Keep the header row as it is; add one row per item below it. Sheets you do not need can stay empty or be deleted.",
    "Identifiers (project_id, city_id, source_id ...) are lower-case letters, digits and _. Rows point at each other by them: a grant's project_id must be a project_id in the projects sheet (or in the shipped data).",
    "Where you know a name, write the name: a member city's name (Ho Chi Minh City, or Ho Chi Minh City, Vietnam) where a city_id goes, a country's name (Vietnam) where an ISO code goes, a source's web address where a source_id goes. Each is read as the identifier it names when it names exactly one, and the report says how it read it.",
    "Adding projects needs one sheet: in the projects sheet, name each project's member cities (or countries) and sources in its last three columns (cities, countries, sources), and the rows of project_cities, project_countries and project_sources are made for you.",
    "Every figure cites a source: a page the shipped data does not list needs a row in the sources sheet (its title, publisher and the day you read it); then cite it by its web address or source_id.",
    "Dates: as precisely as the source gives them, written 2021, 2021-03 or 2021-03-15.",
    "Amounts: US dollars as plain numbers (1250000). Leave a grant out when no amount is published: the dashboard shows such projects as 'amount not disclosed', never as zero.",
    "Money over time goes in the transactions sheet: each commitment, obligation, disbursement or expenditure with its date (or only its U.S. fiscal year), its amount in its own currency (USD, EUR ...) and its source. A de-obligation or a reversal is a negative amount. The grants sheet says what a project is worth; the transactions sheet says when money was promised and paid.",
    "Columns with a fixed set of values offer a drop-down list; the lists sheet holds them.",
    "Upload the workbook on the dashboard's Data page, or check it first: python -m usascp validate this-file.xlsx",
    "",
    "The columns of every table, and what goes in them:",
]


def column_meanings(readme: Path = DATA_README) -> dict[tuple[str, str], str]:
    """(table, column) -> meaning, from the data dictionary tables in data/README.md."""
    meanings: dict[tuple[str, str], str] = {}
    table = None
    for line in readme.read_text(encoding="utf-8").splitlines() if readme.exists() else []:
        if heading := re.match(r"^## (\w+)\.csv", line):
            table = heading.group(1)
        elif table and (row := re.match(r"^\| (`[^|]+`) \| (.+) \|$", line)):
            for column in re.findall(r"`(\w+)`", row.group(1)):
                meanings[(table, column)] = row.group(2).replace("`", "")
    return meanings


def allowed_values(column: pa.Column) -> list[str] | None:
    """The fixed list a column takes, read from its isin check, or None."""
    for check in column.checks:
        if check.name == "isin":
            return [str(value) for value in check.statistics["allowed_values"]]
    return None


# What a reference column takes, and how names and addresses written in it are read (usascp.references).
_READ_AS_ID = {
    "cities": "a name that fits one member city is read as its city_id",
    "sources": "a web address that one source has is read as its source_id",
}
_PLACE_WORDS = {
    ("cities", "iso3"): "or the country's name (Vietnam), read as its code",
    ("project_countries", "iso3"): "or the country's name (Vietnam), read as its code",
    ("events", "iso3"): "or an ASEAN member's name (Vietnam), read as its code",
    ("cities", "country"): "or another name of it (Viet Nam), read as the name above",
}
_REFERENCES = {(key.table, key.column): key.target_table for key in FOREIGN_KEYS}


def rule_words(column: pa.Column, table: str | None = None, name: str | None = None) -> str:
    """What goes in a column, from its schema checks; for a reference, what it must name and what is read as one."""
    if (target := _REFERENCES.get((table, name))) is not None:
        words = REFERENCE_WORDS[target]
        if target in _READ_AS_ID:
            words += f" ({_READ_AS_ID[target]})"
        return words
    dtype = str(column.dtype)
    words = [check.error for check in column.checks if check.error and check.name != "isin"]
    kind = {"Float64": "a number", "Int64": "a whole number", "boolean": "true or false"}.get(dtype)
    if kind and not any(word.startswith(kind) for word in words):  # "a whole number above 0", not "a whole number; a whole number above 0"
        words.insert(0, kind)
    if (values := allowed_values(column)) is not None:
        words.append("one of: " + ", ".join(values))
    if (table, name) in _PLACE_WORDS:
        words.append(_PLACE_WORDS[(table, name)])
    return "; ".join(words) or "text"


def sheet_columns(table: str) -> list[str]:
    """The columns of a table's sheet: the schema's, and for projects the shortcut columns after them."""
    return list(SCHEMAS[table].columns) + (list(SHORTCUT_COLUMNS) if table == "projects" else [])


# Columns whose list is offered but not enforced: a name typed there is read as what the list holds.
_LISTS_OFFERED_ONLY = set(_PLACE_WORDS)
# Columns that name a member city, where the member cities' names are offered (usascp.references reads them).
_CITY_COLUMNS = [(table, name) for (table, name), target in _REFERENCES.items() if target == "cities"] + [("projects", "cities")]


def template_workbook(dataset: Dataset | None = None, cities: pd.DataFrame | None = None) -> bytes:
    """The Excel template; with `dataset`, its rows filled in under the headers.

    The member cities' names are offered as a list in every column that names a city: `cities`, or the
    dataset's, when given.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    guide = workbook.active
    guide.title = "How to fill this in"
    for line in GUIDANCE:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    guide.append(["table", "column", "required", "what goes in it", "meaning"])
    header_row = guide.max_row
    for table, name, required, rule, meaning in column_guide():
        guide.append([table, name, required, rule, meaning])
    for cell in guide[header_row]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (22, 26, 10, 70, 90)):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    lists = workbook.create_sheet("lists")
    list_ranges: dict[tuple[str, str], str] = {}
    list_columns = [
        (f"{table}.{name}", [(table, name)], values)
        for table, schema in SCHEMAS.items()
        for name, column in schema.columns.items()
        if (values := allowed_values(column)) is not None
    ]
    list_columns.append(("cities.country", [("cities", "country")], list(ASEAN_COUNTRIES.values())))
    cities = dataset.cities if dataset is not None else cities
    if cities is not None and len(cities):
        list_columns.append(("member cities", _CITY_COLUMNS, sorted(cities["city"].dropna().unique())))
    for position, (title, columns, values) in enumerate(list_columns, start=1):
        letter = lists.cell(row=1, column=position).column_letter
        lists.cell(row=1, column=position, value=title).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=position, value=value)
        lists.column_dimensions[letter].width = max(14, min(40, max(len(v) for v in values) + 2))
        for column in columns:
            list_ranges[column] = f"lists!${letter}$2:${letter}${len(values) + 1}"

    header_fill = PatternFill("solid", fgColor="DDE7F0")
    shortcut_fill = PatternFill("solid", fgColor="E8F0DC")  # the columns that stand for rows of other sheets
    for table, schema in SCHEMAS.items():
        sheet = workbook.create_sheet(table, index=len(workbook.sheetnames) - 1)
        names = sheet_columns(table)
        sheet.append(names)
        if dataset is not None:
            rows = neutralise_formulas(getattr(dataset, table)[list(schema.columns)])
            for values in rows.astype(object).where(rows.notna(), None).itertuples(index=False):
                sheet.append([_plain(value) for value in values])
        for position, name in enumerate(names, start=1):
            cell = sheet.cell(row=1, column=position)
            cell.font = Font(bold=True)
            cell.fill = header_fill if name in schema.columns else shortcut_fill
            sheet.column_dimensions[cell.column_letter].width = max(12, min(40, len(name) + 4))
            if (table, name) in list_ranges:
                enforced = (table, name) not in _LISTS_OFFERED_ONLY and (table, name) not in _CITY_COLUMNS
                choice = DataValidation(
                    type="list",
                    formula1=f"={list_ranges[(table, name)]}",
                    allow_blank=name not in schema.columns or schema.columns[name].nullable,
                    showErrorMessage=enforced,
                )
                choice.error = f"Pick one of the values in the list ({list_ranges[(table, name)].split('!')[0]} sheet)."
                choice.errorTitle = f"Not an allowed {name}"
                choice.add(f"{cell.column_letter}2:{cell.column_letter}{ROWS_WITH_LISTS}")
                sheet.add_data_validation(choice)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_guide() -> list[tuple[str, str, str, str, str]]:
    """(table, column, required or optional, what goes in it, what it means) for every column of every sheet."""
    meanings = column_meanings()
    rows = []
    for table, schema in SCHEMAS.items():
        for name, column in schema.columns.items():
            required = "required" if not column.nullable else "optional"
            rows.append((table, name, required, rule_words(column, table, name), meanings.get((table, name), "")))
        if table == "projects":
            for name, rule in SHORTCUT_COLUMNS.items():
                rows.append((table, name, "optional", rule, meanings.get((table, name), "")))
    return rows


def _plain(value):
    """Cells as plain Python values: pandas' NA and numpy numbers are not openpyxl's.

    Text loses any control character: loading removes them, but a workbook with one cannot be written at
    all (openpyxl's IllegalCharacterError), and this one is everyone's download of the shipped data.
    """
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return without_controls(value)
    return value


def template_zip(dataset: Dataset | None = None) -> bytes:
    """The same tables as CSV files (UTF-8), with the guidance as a text file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        guidance = [
            line.replace("Sheets", "Files").replace("sheets", "files").replace(" sheet", " file").replace("workbook", "zip")
            for line in GUIDANCE
            if line != "Columns with a fixed set of values offer a drop-down list; the lists sheet holds them."
        ]
        lines = [line.replace("this-file.xlsx", "this-file.zip") for line in guidance] + [""]
        for table, name, required, rule, meaning in column_guide():
            if name == next(iter(sheet_columns(table))):
                lines.append(f"{TABLE_FILES[table]}:")
            lines.append(f"  {name} ({required}): {meaning}. {rule[0].upper()}{rule[1:]}." if meaning else f"  {name} ({required}): {rule}")
        archive.writestr("HOW-TO-FILL-THIS-IN.txt", "\n".join(lines) + "\n")
        for table, schema in SCHEMAS.items():
            frame = (
                getattr(dataset, table)[list(schema.columns)]
                if dataset is not None
                else pd.DataFrame(columns=list(schema.columns))
            )
            if table == "projects":
                frame = frame.assign(**dict.fromkeys(SHORTCUT_COLUMNS, pd.NA))
            archive.writestr(TABLE_FILES[table], csv_bytes(frame))
    return buffer.getvalue()
