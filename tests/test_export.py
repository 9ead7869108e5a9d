"""Downloads: CSV and Excel that are safe to open, with the filters and caveats written in."""

import io

import openpyxl
import pandas as pd
import pytest

from usascp.export import csv_bytes, excel_bytes, neutralise_formulas


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"])
def test_formula_like_text_is_made_inert(evil):
    table = pd.DataFrame({"title": [evil, "Water Smart Engagements"], "amount_usd": [-5.0, 98750.0]})
    safe = neutralise_formulas(table)
    assert safe.at[0, "title"] == "'" + evil
    assert safe.at[1, "title"] == "Water Smart Engagements"
    assert safe.at[0, "amount_usd"] == -5.0  # numbers are not formulas


def test_csv_has_a_byte_order_mark_and_inert_cells():
    data = csv_bytes(pd.DataFrame({"title": ["=1+1", "Đà Nẵng"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=1+1" in text and "Đà Nẵng" in text


def test_excel_workbook_opens_with_notes_and_inert_cells():
    table = pd.DataFrame({"project": ["=cmd|' /C calc'!A0", "Hospital digitization"], "amount_usd": [None, 98750.0]})
    workbook = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Funding rows": table}, ["Filters: Cambodia"])))
    assert workbook.sheetnames == ["About this file", "Funding rows"]
    assert workbook["About this file"]["A2"].value == "Filters: Cambodia"
    rows = workbook["Funding rows"]
    assert rows["A2"].value == "'=cmd|' /C calc'!A0" and rows["A2"].data_type == "s"
    assert rows["B3"].value == 98750
    assert rows.freeze_panes == "A2"
