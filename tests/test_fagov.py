"""ForeignAssistance.gov downloads: streamed, the chosen countries kept and added up to the cent, bad input reported row by row."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from tests.fagov_files import COLUMNS, HEADER, row_line, write_fagov_file
from usascp.importers import fagov
from usascp.importers.fagov import OUTSIDE, REGIONAL, WORLD, FagovChoice, read_fagov, sector_table
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.schema import SECTORS

TODAY = dt.date(2024, 6, 1)

# One activity in Vietnam and Cambodia, its values as the published files write them.
WATER = {
    "Country ID": "704",
    "Country Code": "VNM",
    "Country Name": "Vietnam",
    "Region Name": "East Asia and Oceania",
    "Managing Agency Acronym": "USAID",
    "Managing Agency Name": "U.S. Agency for International Development",
    "Managing Sub-agency or Bureau Name": "Bureau for Asia",
    "Implementing Partner Name": "Tetra Tech, Inc.",
    "US Sector Name": "Water Supply and Sanitation",
    "International Sector Name": "Water Supply and Sanitation",
    "Activity ID": "SC-001",
    "Activity Name": "Urban water, Da Nang",
    "Activity Description": 'Helps Da Nang\'s utility cut "non-revenue water", by metering,\nleak detection and training.',
    "Activity Start Date": "2019-10-01",
    "Activity End Date": "2024-09-30",
    "Transaction Type ID": "2",
    "Transaction Type Name": "Obligations",
    "Fiscal Year": "2021",
    "Transaction Date": "2020-11-05",
    "Current Dollar Amount": "1000000",
}
NETS_TO_ZERO = {**WATER, "Country Code": "PHL", "Country Name": "Philippines", "Activity ID": "NZ-0", "Activity Name": "Given back"}


def line(**changes) -> str:
    return row_line({**WATER, **{name.replace("_", " "): value for name, value in changes.items()}})


def hand_rows() -> list[str]:
    """Rows 2 to 11 of a small download (a row may span lines): every case the mapping has, with amounts a person can add up."""
    return [
        line(),  # 2: an obligation with its date
        line(Fiscal_Year="2022", Transaction_Date="NULL", Current_Dollar_Amount="-250000"),  # 3: a de-obligation, fiscal year only
        line(Transaction_Type_ID="3", Transaction_Type_Name="Disbursements", Fiscal_Year="2022", Transaction_Date="NULL", Current_Dollar_Amount="400000"),
        line(
            Country_Code="KHM",
            Country_Name="Cambodia",
            Transaction_Type_ID="3",
            Transaction_Type_Name="Disbursements",
            Fiscal_Year="2023",
            Transaction_Date="2022-12-01",
            Current_Dollar_Amount="100000",
        ),
        line(Country_Code="KEN", Country_Name="Kenya", Activity_ID="KE-9", Current_Dollar_Amount="5000000"),  # 6: outside
        line(Country_Code="WLD", Country_Name="World", Activity_ID="W-1"),  # 7
        row_line({**NETS_TO_ZERO, "Fiscal Year": "2020", "Transaction Date": "NULL", "Current Dollar Amount": "300000"}),
        row_line({**NETS_TO_ZERO, "Fiscal Year": "2021", "Transaction Date": "NULL", "Current Dollar Amount": "-300000"}),
        line(Current_Dollar_Amount="12,5OO"),  # 10: not a number
        line(Transaction_Type_ID="1", Transaction_Type_Name="Appropriated and Planned"),  # 11
    ]


def hand_written() -> str:
    return HEADER + "\n" + "".join(hand_rows())


def read_text(text: str, name: str = "download.csv", encoding: str = "utf-8", **options):
    data = text.encode(encoding)
    return read_fagov(io.BytesIO(data), name, len(data), today=TODAY, **options)


def table(result, name):
    return result.tables[name].frame


def test_a_hand_written_download_becomes_projects_money_and_a_report_of_every_row():
    result = read_text(hand_written())
    assert (result.rows_read, result.rows_kept, result.activities) == (10, 6, 2)
    assert dict(result.set_aside) == {
        OUTSIDE: 1,
        WORLD: 1,
        "with an amount that is not a number": 1,
        "of transaction type Appropriated and Planned (only obligations and disbursements are read)": 1,
    }
    assert [str(problem) for problem in result.set_aside_rows] == [
        "download.csv row 10, column Current Dollar Amount: '12,5OO' is not an amount in US dollars (a number); the row was set aside"
    ]
    project = table(result, "projects").set_index("record_id").loc["SC-001"]
    assert project["project_id"] == "fagov_sc_001"
    assert (project["title"], project["lead_agency"], project["lead_office"]) == ("Urban water, Da Nang", "USAID", "Bureau for Asia")
    assert (project["sector"], project["geographic_scope"], project["status"]) == ("Water", "country", "ongoing")
    assert project["implementing_partners"] == "Tetra Tech, Inc."
    # The description's quoted words, comma and line break read as one cell, whitespace tidied.
    assert project["summary"] == 'Helps Da Nang\'s utility cut "non-revenue water", by metering, leak detection and training.'
    countries = table(result, "project_countries")
    assert countries[countries["project_id"] == "fagov_sc_001"]["iso3"].tolist() == ["VNM", "KHM"]
    money = table(result, "transactions")
    water = money[money["project_id"] == "fagov_sc_001"]
    assert water[["transaction_type", "fiscal_year", "transaction_date", "amount"]].fillna("none").values.tolist() == [
        ["obligation", "2021", "2020-11-05", "1000000.0"],
        ["disbursement", "2022", "none", "400000.0"],
        ["obligation", "2022", "none", "-250000.0"],
        ["disbursement", "2023", "2022-12-01", "100000.0"],
    ]
    assert set(money["currency"]) == {"USD"}
    grants = table(result, "grants")
    assert grants[["project_id", "amount_usd", "award_date", "amount_kind", "recipient"]].values.tolist() == [
        ["fagov_sc_001", "750000.0", "2020-11-05", "obligation", "Tetra Tech, Inc."]
    ]
    given_back = table(result, "projects").set_index("record_id").loc["NZ-0"]
    assert "net to $0" in given_back["amount_note"] and "no funding is counted" in given_back["amount_note"]
    assert result.fiscal_years == {
        2020: {"obligation": 300000.0, "disbursement": 0.0},
        2021: {"obligation": 700000.0, "disbursement": 0.0},
        2022: {"obligation": -250000.0, "disbursement": 400000.0},
        2023: {"obligation": 0.0, "disbursement": 100000.0},
    }
    assert not result.problems and not result.clean  # read, but with two rows set aside for a defect


def test_the_set_aside_row_names_its_row_column_and_value():
    result = read_text(hand_written())
    problem = result.set_aside_rows[0]
    assert (problem.file, problem.row, problem.column, problem.value) == ("download.csv", 10, "Current Dollar Amount", "12,5OO")
    assert "a number" in problem.expected and "set aside" in problem.expected


def test_the_tables_pass_the_dashboard_validation_and_money_counts_once(dataset):
    data = hand_written().encode()
    upload = read_upload([UploadedFile("download.csv", data)], dataset.cities)
    assert [imported.summary for imported in upload.fagov] == [
        (
            "download.csv: 10 rows read, 6 kept (BRN, IDN, KHM, LAO, MMR, MYS, PHL, SGP, THA, TLS, VNM), 4 set aside; "
            "2 activities, 6 transactions"
        )
    ]
    loaded = dataset_from_upload(upload, dataset, beside_base=False)
    assert loaded.grants["amount_usd"].sum() == 750_000  # one row per activity, net of its de-obligation
    assert loaded.transactions["amount"].sum() == 1_000_000 - 250_000 + 400_000 + 100_000 + 300_000 - 300_000
    assert loaded.projects.set_index("project_id").loc["fagov_sc_001", "record_id"] == "SC-001"
    main_source = loaded.project_sources.groupby("project_id")["source_id"].first()["fagov_sc_001"]
    source = loaded.sources.set_index("source_id").loc[main_source]
    assert source["url"] == "https://foreignassistance.gov/data"
    assert "activity SC-001" in source["title"] and "no page of its own" in source["title"]


def test_a_download_is_known_by_its_header_whatever_its_name(dataset):
    upload = read_upload([UploadedFile("projects.csv", hand_written().encode())], dataset.cities)
    assert len(upload.fagov) == 1 and "projects" in upload.tables
    assert upload.tables["projects"].frame["record_id"].tolist() == ["SC-001", "NZ-0"]


def test_a_generated_download_is_read_to_the_cent(tmp_path):
    path = tmp_path / "generated.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        truth = write_fagov_file(out, activities=400)
    with open(path, "rb") as stream:
        result = read_fagov(stream, path.name, path.stat().st_size, today=TODAY)
    assert truth.kept and truth.world and truth.regional and truth.outside  # the file has every kind of row
    assert (result.rows_read, result.rows_kept) == (truth.rows, truth.kept)
    assert (result.set_aside[WORLD], result.set_aside[REGIONAL], result.set_aside[OUTSIDE]) == (truth.world, truth.regional, truth.outside)
    assert result.activities == len(truth.activities)
    assert result.fiscal_years == truth.by_year
    assert result.clean
    grants = table(result, "grants").set_index("project_id")["amount_usd"].astype(float)
    for activity, totals in truth.by_activity.items():
        project_id = f"fagov_{activity}"
        if totals["obligation"] > 0:
            assert grants[project_id] == totals["obligation"]
        else:
            assert project_id not in grants.index
    assert any(totals["obligation"] == 0 for totals in truth.by_activity.values())  # an activity that nets to nothing
    money = table(result, "transactions")
    assert (money["amount"].astype(float) < 0).any()  # de-obligations kept as they are
    assert money["transaction_date"].isna().any() and money["fiscal_year"].notna().all()  # fiscal-year-only rows


def test_small_spans_give_the_same_read_as_one(tmp_path, monkeypatch):
    """Rows cut across span boundaries, quoted line breaks included, are read whole: the result does not depend on the span size."""
    path = tmp_path / "generated.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        write_fagov_file(out, activities=120)
    with open(path, "rb") as stream:
        whole = read_fagov(stream, path.name, today=TODAY)
    monkeypatch.setattr(fagov, "SPAN_BYTES", 3_001)
    with open(path, "rb") as stream:
        spans = read_fagov(stream, path.name, today=TODAY)
    assert (spans.rows_read, spans.rows_kept, spans.fiscal_years) == (whole.rows_read, whole.rows_kept, whole.fiscal_years)
    assert table(spans, "transactions").equals(table(whole, "transactions"))


def test_other_countries_are_kept_when_chosen():
    result = read_text(hand_written(), countries=["KEN"])
    assert (result.rows_kept, result.countries) == (1, ("KEN",))
    assert table(result, "grants")["amount_usd"].tolist() == ["5000000.0"]
    assert table(result, "projects")["record_id"].tolist() == ["KE-9"]


def test_progress_is_reported_up_to_the_whole_file():
    seen = []
    data = hand_written().encode()
    read_fagov(io.BytesIO(data), "download.csv", len(data), progress=lambda read, total: seen.append((read, total)))
    assert seen and seen[-1] == (len(data), len(data))


# --- bad input ---------------------------------------------------------------------------------------------


def without_column(text: str, column: str) -> str:
    import csv

    rows = list(csv.reader(io.StringIO(text, newline="")))
    position = rows[0].index(column)
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows([row[:position] + row[position + 1 :] for row in rows])
    return out.getvalue()


def test_a_missing_column_is_named_with_what_is_lost_and_the_rest_is_read():
    result = read_text(without_column(hand_written(), "Activity Description"))
    assert result.missing_columns == ["no column Activity Description: projects have no summary"]
    assert (result.rows_kept, result.activities) == (6, 2)
    assert table(result, "projects")["summary"].tolist() == ["No description in the ForeignAssistance.gov file."] * 2
    assert not result.clean


def test_a_missing_column_no_row_can_be_read_without_refuses_the_file(tmp_path, capsys):
    from usascp.__main__ import main

    result = read_text(without_column(hand_written(), "Current Dollar Amount"))
    assert [problem.expected for problem in result.problems] == [
        "a ForeignAssistance.gov header with the column Current Dollar Amount; without it no row can be read"
    ]
    assert not result.tables
    path = tmp_path / "no-amounts.csv"
    path.write_text(without_column(hand_written(), "Current Dollar Amount"), encoding="utf-8")
    assert main(["validate", str(path)]) == 2  # nothing could be read


def test_a_misspelt_header_is_read_as_the_column_it_most_likely_is():
    result = read_text(hand_written().replace("Activity ID", "Activty ID", 1).replace("Current Dollar Amount", "Curent Dollar Amount", 1))
    assert "column 40, 'Activty ID', is not a published column name: read as 'Activity ID', the one it most likely is" in result.notes
    assert "column 51, 'Curent Dollar Amount', is not a published column name: read as 'Current Dollar Amount', the one it most likely is" in result.notes
    assert (result.rows_kept, result.activities, result.fiscal_years[2021]["obligation"]) == (6, 2, 700_000.0)


def test_latin1_is_read_and_said_so():
    text = hand_written().replace("Tetra Tech, Inc.", "Société Générale des Eaux")
    result = read_text(text, encoding="latin-1")
    assert table(result, "projects")["implementing_partners"].tolist()[0] == "Société Générale des Eaux"
    assert any(note.startswith("6 kept rows held text that is not UTF-8: read as Windows-1252 (Latin-1)") for note in result.notes)
    assert result.rows_kept == 6


def test_a_last_line_cut_inside_quoted_text_is_set_aside_and_the_rest_read():
    text = hand_written() + line(Activity_ID="CUT-1")
    cut = text[: text.rindex("non-revenue")]  # inside the quoted description of row 12
    result = read_text(cut)
    assert result.set_aside[fagov.CUT_SHORT] == 1
    problem = result.set_aside_rows[-1]
    assert problem.row == 12 and "opens a quoted value that never closes" in problem.expected
    assert (result.rows_read, result.rows_kept) == (11, 6)


def test_a_last_line_cut_between_cells_is_set_aside_by_its_row():
    text = hand_written() + line(Activity_ID="CUT-2")
    cut = text[: text.rindex(",2020-11-05")]  # the last row ends before its date and amounts
    result = read_text(cut)
    assert result.set_aside["with too few or too many cells"] == 1
    problem = result.set_aside_rows[-1]
    assert problem.row == 12 and f"a row of {len(COLUMNS)} cells (it has {len(COLUMNS) - 3};" in problem.expected
    assert result.rows_kept == 6


def test_a_broken_row_in_the_middle_keeps_the_numbers_of_the_rows_after_it():
    rows = hand_rows()
    broken = HEADER + "\n" + "".join(rows[:2]) + "VNM,only,three cells\n" + "".join(rows[2:]).replace("12,5OO", "12,5OX")
    result = read_text(broken)
    assert [(problem.row, problem.value) for problem in result.set_aside_rows] == [(4, None), (11, "12,5OX")]  # moved down by one


def test_amounts_that_are_not_numbers_are_listed_and_the_rest_added_up():
    text = hand_written().replace(",1000000,", ",one million,", 1)
    result = read_text(text)
    assert [(p.row, p.value) for p in result.set_aside_rows] == [(2, "one million"), (10, "12,5OO")]
    assert result.fiscal_years[2021]["obligation"] == -300_000.0  # only the other activity's de-obligation is left that year


def test_a_100_mb_description_is_cut_short_and_its_row_still_read():
    huge = "x" * (100 * 2**20)
    text = hand_written() + line(Activity_ID="BIG-1", Activity_Description=f"Long, long: {huge}", Current_Dollar_Amount="123456.75")
    result = read_text(text)
    assert any(note.startswith("row 12 is 100 MB long: its Activity Description cell was read from its first 64 KB only") for note in result.notes)
    big = table(result, "projects").set_index("record_id").loc["BIG-1"]
    assert big["summary"].startswith("Long, long: xxx") and len(big["summary"]) <= fagov.SUMMARY_CHARACTERS + 1
    assert table(result, "grants").set_index("project_id").loc["fagov_big_1", "amount_usd"] == "123456.75"
    assert result.rows_kept == 7 and result.clean is False  # the two defects of the hand-written rows


def test_long_rows_are_rebuilt_from_their_ends_across_spans(monkeypatch):
    monkeypatch.setattr(fagov, "SPAN_BYTES", 5_000)
    monkeypatch.setattr(fagov, "LONGEST_ROW", 4_000)
    monkeypatch.setattr(fagov, "KEPT_OF_LONG_ROW", 1_000)
    long_text = 'He said "yes", then ' + "y" * 30_000
    text = hand_written() + line(Activity_ID="LONG-1", Activity_Description=long_text, Current_Dollar_Amount="42")
    result = read_text(text)
    assert table(result, "grants").set_index("project_id").loc["fagov_long_1", "amount_usd"] == "42.0"
    assert any(note.startswith("row 12 is 0 MB long: its Activity Description cell") for note in result.notes)


def test_a_file_that_is_not_a_download_is_not_taken_for_one():
    assert not fagov.is_fagov_csv(b"grant_id,project_id,recipient,amount_usd\nG1,p,r,5\n")
    assert fagov.is_fagov_csv(hand_written().encode())
    assert fagov.is_fagov_csv(hand_written().replace("Activity ID", "Activty ID").encode())


# --- the sector table ------------------------------------------------------------------------------------------


def test_the_sector_table_maps_every_line_to_one_of_our_sectors_and_each_fagov_sector_once():
    sectors = sector_table()
    assert list(sectors.columns) == ["fagov_column", "fagov_sector", "sector", "note"]
    assert set(sectors["sector"]) <= set(SECTORS)
    assert not sectors.duplicated(["fagov_column", "fagov_sector"]).any()
    assert set(sectors["fagov_column"]) == {"US Sector Name", "International Sector Name"}


def test_an_international_sector_places_an_activity_whose_us_sector_is_not_ours():
    result = read_text(hand_written().replace("Water Supply and Sanitation", "Infrastructure"))
    assert table(result, "projects")["sector"].tolist() == ["Other", "Other"]  # the table's line for it, as an international sector too
    unknown = read_text(hand_written().replace("Water Supply and Sanitation", "Space Exploration"))
    assert unknown.unmapped_sectors == {"Space Exploration": 2}  # no line for it: Other, and the report names it
    roads = HEADER + "\n" + row_line({**WATER, "US Sector Name": "Infrastructure", "International Sector Name": "Transport and Storage"})
    assert table(read_text(roads), "projects")["sector"].tolist() == ["Transport"]


# --- the command line and the Data page ------------------------------------------------------------------------


def test_the_command_line_streams_a_download_and_prints_its_report(tmp_path, capsys):
    from usascp.__main__ import main

    path = tmp_path / "download.csv"
    path.write_text(hand_written(), encoding="utf-8")
    assert main(["validate", str(path), "--countries", "VNM,KHM"]) == 1  # two rows set aside for a defect
    out = capsys.readouterr().out
    assert "ForeignAssistance.gov download.csv: 10 rows read, 4 kept (KHM, VNM), 6 set aside; 1 activity, 4 transactions." in out
    assert "- 1 row with an amount that is not a number" in out
    assert "- download.csv row 10, column Current Dollar Amount: '12,5OO' is not an amount in US dollars (a number)" in out
    assert "- FY2022: obligations -250,000.00, disbursements 400,000.00" in out
    assert "valid. Would load 1 source, 1 project" in out
    clean = tmp_path / "clean.csv"
    clean.write_text(HEADER + "\n" + "".join(hand_rows()[:8]), encoding="utf-8")
    assert main(["validate", str(clean)]) == 0


def test_the_command_line_refuses_a_country_list_that_is_not_iso_codes(capsys):
    from usascp.__main__ import main

    with pytest.raises(SystemExit):
        main(["validate", "x.csv", "--countries", "Vietnam"])
    assert "three-letter ISO codes" in capsys.readouterr().err


def test_the_data_page_reads_an_uploaded_download_with_its_report(tmp_path):
    from tests.test_pages import page_text, run_app

    app = run_app("pages/data.py")
    app.file_uploader[0].set_value([("download.csv", hand_written().encode(), "text/csv")]).run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert app.multiselect[0].label == "Keep the ForeignAssistance.gov rows of"
    text = page_text(app)
    assert "**ForeignAssistance.gov:** download.csv: 10 rows read, 6 kept" in text
    assert "- download.csv row 10, column Current Dollar Amount: '12,5OO' is not an amount in US dollars (a number)" in text
    frames = [frame.value for frame in app.dataframe]
    by_year = next(frame for frame in frames if "fiscal year" in frame.columns)
    assert by_year.set_index("fiscal year").loc[2022].tolist() == [-250_000.0, 400_000.0]
    assert app.success[0].value.startswith("**The upload is valid.** It holds 2 projects")
    sectors = next(frame for frame in frames if "our sector" in frame.columns)  # the mapping, as the file says it
    assert sectors.set_index("its sector").loc["Water Supply and Sanitation", "our sector"].tolist() == ["Water", "Water"]
    app.multiselect[0].set_value(["KHM"]).run()
    assert "**ForeignAssistance.gov:** download.csv: 10 rows read, 1 kept (KHM)" in page_text(app)


def test_the_worker_process_reports_how_far_it_has_read_through_a_pipe_of_its_own(dataset):
    from usascp.importers.worker import check_upload_isolated

    data = hand_written().encode()
    seen = []
    result = check_upload_isolated(
        [UploadedFile("download.csv", data)], dataset, False, fagov_choice=FagovChoice(("VNM",)), progress=lambda read, total: seen.append((read, total))
    )
    assert seen and seen[-1] == (len(data), len(data))
    assert [(imported.rows_kept, imported.countries) for imported in result.fagov] == [(3, ("VNM",))]
    assert result.dataset is not None and result.row_counts["transactions"] == 3


REGIONAL_ROW = {**WATER, "Country ID": "998", "Country Code": "NULL", "Country Name": "Asia Region", "Activity ID": "RDMA-1",
                "Activity Name": "Smart cities network support", "Current Dollar Amount": "2000000"}  # fmt: skip


def test_regional_rows_are_set_aside_unless_their_region_is_chosen_and_then_make_a_regional_project(dataset):
    text = hand_written() + row_line(REGIONAL_ROW)
    assert read_text(text).set_aside[REGIONAL] == 1
    result = read_text(text, regions=["East Asia and Oceania"])
    assert (result.rows_kept, result.regions, result.set_aside[REGIONAL]) == (7, ("East Asia and Oceania",), 0)
    assert "6 kept" not in result.summary and "(BRN, IDN, KHM, LAO, MMR, MYS, PHL, SGP, THA, TLS, VNM; regional rows of East Asia and Oceania)" in result.summary
    project = table(result, "projects").set_index("record_id").loc["RDMA-1"]
    assert project["geographic_scope"] == "regional"
    assert project["summary"].endswith("Where, in the ForeignAssistance.gov file: East Asia and Oceania (regional).")
    data = text.encode()
    from usascp.importers.fagov import FagovChoice

    upload = read_upload([UploadedFile("download.csv", data)], dataset.cities, fagov_choice=FagovChoice(regions=("East Asia and Oceania",)))
    loaded = dataset_from_upload(upload, dataset, beside_base=True)
    assert loaded.grants.set_index("project_id").loc["fagov_rdma_1", "amount_usd"] == 2_000_000


def test_a_country_outside_asean_makes_a_project_that_says_where_it_works(dataset):
    data = hand_written().encode()
    from usascp.importers.fagov import FagovChoice

    upload = read_upload([UploadedFile("download.csv", data)], dataset.cities, fagov_choice=FagovChoice(("KEN",)))
    loaded = dataset_from_upload(upload, dataset, beside_base=False)
    project = loaded.projects.set_index("record_id").loc["KE-9"]
    assert project["geographic_scope"] == "unspecified"
    assert project["summary"].endswith("Where, in the ForeignAssistance.gov file: Kenya.")


def test_the_command_line_keeps_a_chosen_region(tmp_path, capsys):
    from usascp.__main__ import main

    path = tmp_path / "download.csv"
    path.write_text(HEADER + "\n" + row_line(REGIONAL_ROW), encoding="utf-8")
    assert main(["validate", str(path), "--region", "East Asia and Oceania"]) == 0
    assert "1 row read, 1 kept (BRN, IDN, KHM, LAO, MMR, MYS, PHL, SGP, THA, TLS, VNM; regional rows of East Asia and Oceania)" in capsys.readouterr().out


def test_a_utf16_download_is_known_and_refused_with_the_way_out(dataset):
    data = hand_written().encode("utf-16")
    upload = read_upload([UploadedFile("download.csv", data)], dataset.cities)
    assert [str(problem) for problem in upload.problems] == [
        "download.csv: is UTF-16 (it starts with UTF-16's byte-order mark); save it as UTF-8"
    ]


@pytest.fixture(scope="module")
def fagov_upload(dataset):
    """The hand-written download, its regional row kept too, explored instead of the shipped projects."""
    data = (hand_written() + row_line(REGIONAL_ROW)).encode()
    upload = read_upload([UploadedFile("download.csv", data)], dataset.cities, fagov_choice=FagovChoice(regions=("East Asia and Oceania",)))
    return dataset_from_upload(upload, dataset, beside_base=False)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/funding.py", "pages/projects.py", "pages/map.py", "pages/compare.py", "pages/present.py"])
def test_an_explored_download_renders_with_its_obligations_counted_once(fagov_upload, page):
    from tests.test_pages import explored, metric_values

    app = explored(fagov_upload, beside=False)
    app.query_params["project"] = "fagov_sc_001"
    app.run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert metric_values(app)["Disclosed funding"] == "$2.8M"  # 750,000 (SC-001 net) + 2,000,000 (RDMA-1); NZ-0 nets to nothing
    app.switch_page(page).run()
    assert not app.exception, [exception.value for exception in app.exception]


def test_an_iati_file_and_a_download_checked_together_print_both_reports(tmp_path, capsys):
    """The IATI reports and the download's sit side by side; neither hides the other's rows or exit status."""
    from pathlib import Path

    from usascp.__main__ import main

    download = tmp_path / "download.csv"
    download.write_text(HEADER + "\n" + "".join(hand_rows()[:8]), encoding="utf-8")
    sample = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"
    status = main(["validate", str(sample), str(download)])
    out = capsys.readouterr().out
    assert "ForeignAssistance.gov download.csv: 8 rows read, 6 kept" in out
    assert "iati-activities-test.xml" in out
    assert "projects" in out.splitlines()[-1] and status in (0, 1)
    assert "No rows of the chosen countries" not in out and "a second projects table" not in out  # imported rows join


def test_an_activity_also_working_outside_the_chosen_countries_says_only_their_share_is_counted():
    elsewhere = line(Country_Code="KEN", Country_Name="Kenya", Current_Dollar_Amount="700000")  # SC-001 in Kenya too
    result = read_text(HEADER + "\n" + elsewhere + "".join(hand_rows()))
    notes = table(result, "projects").set_index("record_id")["amount_note"]
    assert notes["SC-001"] == (
        "The ForeignAssistance.gov file also has rows of this activity for places not chosen here (other countries, "
        "\"World\" or a region): only the chosen places' money is counted."
    )
    assert pd.isna(notes["NZ-0"]) or "places not chosen" not in notes["NZ-0"]  # the Philippines only
    assert table(result, "grants").set_index("project_id")["amount_usd"]["fagov_sc_001"] == "750000.0"  # Kenya's $700,000 left out
