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
from usascp.schema import ASEAN_COUNTRIES, SCHEMAS, TABLE_FILES

DATA_README = Path(__file__).resolve().parents[2] / "data" / "README.md"
ROWS_WITH_LISTS = 5000  # rows of each sheet that offer the drop-down lists
GUIDANCE = [
    "How to fill this in",
    "",
    "Each sheet is one table. Keep the header row as it is; add one row per item below it. Sheets you do not need can stay empty or be deleted.",
    "Identifiers (project_id, city_id, source_id ...) are lower-case letters, digits and _. Rows point at each other by them: a grant's project_id must be a project_id in the projects sheet (or in the shipped data).",
    "Every figure cites a source: add the page to the sources sheet and put its source_id on the row.",
    "Dates: as precisely as the source gives them, written 2021, 2021-03 or 2021-03-15.",
    "Amounts: US dollars as plain numbers (1250000). Leave a grant out when no amount is published: the dashboard shows such projects as 'amount not disclosed', never as zero.",
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


def rule_words(column: pa.Column) -> str:
    dtype = str(column.dtype)
    words = [check.error for check in column.checks if check.error and check.name != "isin"]
    if dtype == "Float64":
        words.insert(0, "a number")
    elif dtype == "Int64":
        words.insert(0, "a whole number")
    elif dtype == "boolean":
        words.insert(0, "true or false")
    if (values := allowed_values(column)) is not None:
        words.append("one of: " + ", ".join(values))
    return "; ".join(words) or "text"


def template_workbook(dataset: Dataset | None = None) -> bytes:
    """The Excel template; with `dataset`, its rows filled in under the headers."""
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
    meanings = column_meanings()
    for table, schema in SCHEMAS.items():
        for name, column in schema.columns.items():
            required = "required" if not column.nullable else "optional"
            guide.append([table, name, required, rule_words(column), meanings.get((table, name), "")])
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
        (table, name, values)
        for table, schema in SCHEMAS.items()
        for name, column in schema.columns.items()
        if (values := allowed_values(column)) is not None
    ]
    list_columns.append(("cities", "country", list(ASEAN_COUNTRIES.values())))
    for position, (table, name, values) in enumerate(list_columns, start=1):
        letter = lists.cell(row=1, column=position).column_letter
        lists.cell(row=1, column=position, value=f"{table}.{name}").font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=position, value=value)
        lists.column_dimensions[letter].width = max(14, min(40, max(len(v) for v in values) + 2))
        list_ranges[(table, name)] = f"lists!${letter}$2:${letter}${len(values) + 1}"

    header_fill = PatternFill("solid", fgColor="DDE7F0")
    for table, schema in SCHEMAS.items():
        sheet = workbook.create_sheet(table, index=len(workbook.sheetnames) - 1)
        names = list(schema.columns)
        sheet.append(names)
        if dataset is not None:
            rows = neutralise_formulas(getattr(dataset, table)[names])
            for values in rows.astype(object).where(rows.notna(), None).itertuples(index=False):
                sheet.append([_plain(value) for value in values])
        for position, name in enumerate(names, start=1):
            cell = sheet.cell(row=1, column=position)
            cell.font = Font(bold=True)
            cell.fill = header_fill
            sheet.column_dimensions[cell.column_letter].width = max(12, min(40, len(name) + 4))
            if (table, name) in list_ranges:
                choice = DataValidation(
                    type="list", formula1=f"={list_ranges[(table, name)]}", allow_blank=schema.columns[name].nullable
                )
                choice.error = f"Pick one of the values in the list ({list_ranges[(table, name)].split('!')[0]} sheet)."
                choice.errorTitle = f"Not an allowed {name}"
                choice.add(f"{cell.column_letter}2:{cell.column_letter}{ROWS_WITH_LISTS}")
                sheet.add_data_validation(choice)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
            line
            for line in GUIDANCE
            if line != "Columns with a fixed set of values offer a drop-down list; the lists sheet holds them."
        ]
        lines = guidance + [""]
        for table, schema in SCHEMAS.items():
            lines.append(f"{TABLE_FILES[table]}:")
            lines += [
                f"  {name} ({'optional' if column.nullable else 'required'}): {rule_words(column)}"
                for name, column in schema.columns.items()
            ]
        archive.writestr(
            "HOW-TO-FILL-THIS-IN.txt",
            "\n".join(lines).replace("workbook", "zip").replace("this-file.xlsx", "this-file.zip") + "\n",
        )
        for table, schema in SCHEMAS.items():
            frame = (
                getattr(dataset, table)[list(schema.columns)]
                if dataset is not None
                else pd.DataFrame(columns=list(schema.columns))
            )
            archive.writestr(TABLE_FILES[table], csv_bytes(frame))
    return buffer.getvalue()
