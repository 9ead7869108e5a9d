"""Tables out: CSV and Excel files that are safe to open, with the filters and sources written beside the data."""

from __future__ import annotations

import io

import pandas as pd

from usascp.characters import frame_without_controls, without_controls

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as formulas get a leading apostrophe, making them inert text.

    Numbers are left alone: a negative amount is a number, not a formula.
    """
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(
                lambda value: "'" + value if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value
            )
    return safe


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens accents and "Đà Nẵng" correctly."""
    return neutralise_formulas(table).to_csv(index=False).encode("utf-8-sig")


def excel_bytes(sheets: dict[str, pd.DataFrame], notes: list[str] | None = None) -> bytes:
    """An .xlsx workbook with one sheet per table and, first, a "About this file" sheet of notes.

    Control characters are left out of every cell (characters.frame_without_controls): openpyxl refuses a
    cell with one, and the whole download would fail.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if notes:
            notes = [without_controls(str(note)) for note in notes]
            pd.DataFrame({"About this file": notes}).to_excel(writer, sheet_name="About this file", index=False)
        for name, table in sheets.items():
            frame_without_controls(neutralise_formulas(table)).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for column_cells in sheet.columns:
                width = max(len(str(cell.value or "")) for cell in column_cells[:200])
                sheet.column_dimensions[column_cells[0].column_letter].width = min(max(width + 2, 10), 60)
            sheet.freeze_panes = "A2"
        if notes:
            writer.sheets["About this file"].column_dimensions["A"].width = 110
    return buffer.getvalue()
