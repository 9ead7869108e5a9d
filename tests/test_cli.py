"""python -m usascp validate: the same report as the dashboard, with exit codes for scripts."""

from pathlib import Path

import pytest

from usascp.__main__ import main
from usascp.load import DEFAULT_DATA_DIR

IATI_SAMPLE = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"


def test_valid_folder_exits_0_with_row_counts(capsys):
    assert main(["validate", str(DEFAULT_DATA_DIR)]) == 0
    out = capsys.readouterr().out
    assert "valid. Would load 123 sources, 31 member cities, 31 projects, 83 project–source links" in out


def test_invalid_folder_exits_1_and_lists_problems(data_copy, capsys):
    data_copy.replace("grants", ",300000,", ',"12,5OO",')
    assert main(["validate", str(data_copy.folder)]) == 1
    out = capsys.readouterr().out
    assert "The dataset has 1 problem:" in out
    assert "grants.csv row 5, column amount_usd: '12,5OO' is not a number" in out


def test_unreadable_folder_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    assert "not a file or folder that can be read" in capsys.readouterr().err


@pytest.mark.parametrize("encoding", ["x-evil", "Shift_JIS", "UTF-7"])
def test_an_iati_file_in_another_encoding_exits_2_with_the_way_out(tmp_path, capsys, encoding):
    """Nothing in it can be read: 2, as for any unreadable file (a LookupError or ValueError once ended it with 1)."""
    path = tmp_path / "other.xml"
    path.write_bytes(IATI_SAMPLE.read_bytes().replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode(), 1))
    assert main(["validate", str(path)]) == 2
    assert f"other.xml: declares the encoding {encoding}; IATI files must be UTF-8: save it as UTF-8" in capsys.readouterr().err


def test_counts_are_said_in_words_with_singular_and_plural_right(tmp_path, capsys):
    from usascp.schema import SCHEMAS

    grants = tmp_path / "grants.csv"
    grants.write_text(",".join(SCHEMAS["grants"].columns) + "\nU1,wise,A,5000,2021,,,grant,usascp_home,\n", encoding="utf-8")
    assert main(["validate", "--beside-shipped", str(grants)]) == 0
    assert f"{grants}: valid. Would load 1 grant, beside the shipped data." in capsys.readouterr().out


def test_names_are_read_and_a_misspelt_city_is_answered_with_the_likely_one(tmp_path, capsys):
    from usascp.schema import SCHEMAS

    links = tmp_path / "project_cities.csv"
    header = ",".join(SCHEMAS["project_cities"].columns)
    links.write_text(f"{header}\nkhm_hospital_digitization,Kota Kinabalu,site,usascp_home\n", encoding="utf-8")
    assert main(["validate", "--beside-shipped", str(links)]) == 0
    out = capsys.readouterr().out
    assert "Read 1 value written loosely or by name:\n- project_cities.csv row 2, column city_id: read 'Kota Kinabalu' as kota_kinabalu (Kota Kinabalu, Malaysia)" in out
    links.write_text(f"{header}\nkhm_hospital_digitization,Siem Riep,site,usascp_home\n", encoding="utf-8")
    assert main(["validate", "--beside-shipped", str(links)]) == 1
    assert (
        "project_cities.csv row 2, column city_id: 'Siem Riep' is not the name or city_id of a member city; "
        "did you mean `siem_reap` — Siem Reap, Cambodia?"
    ) in capsys.readouterr().out


IATI_MIXED = Path(__file__).parent / "fixtures" / "iati-dportal-mixed.xml"


def test_a_dportal_export_mixing_versions_exits_1_with_a_line_per_activity_and_the_totals(capsys):
    """It was refused whole ("IATI version (none given)"), exit 2; now each activity is read by its own version."""
    assert main(["validate", str(IATI_MIXED)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "IATI iati-dportal-mixed.xml: 7 activities (2 set aside), 7 transactions, 1 result value"
    header, *rows = lines[1:9]
    assert header.split() == ["#", "outcome", "version", "activity", "trans.", "budgets", "results", "placed", "not",
                              "placed", "currencies", "title;", "what", "was", "set", "aside", "or", "noted"]  # fmt: skip
    assert [row.split()[:9] for row in rows] == [
        ["1", "read", "in", "part", "1.03", "XM-DP-103-WATER", "2", "0", "1"],
        ["2", "read", "1.05", "XM-DP-105-SKILLS", "2", "1", "0", "0", "1"],
        ["3", "read", "2.01", "XM-DP-201-PARENT", "0", "0", "0", "0", "0"],
        ["4", "read", "in", "part", "2.03", "XM-DP-203-CHILD", "3", "0", "0"],
        ["5", "set", "aside", "3.0", "XM-DP-300-FUTURE", "-", "-", "-", "-"],
        ["6", "set", "aside", "2.02", "(no", "identifier)", "-", "-", "-"],
        ["7", "read", "2.0x", "(by", "its", "narratives)", "XM-DP-NOVERSION-REGIONAL", "0", "1"],
    ]
    assert len({row.index(" XM-DP") if " XM-DP" in row else row.index(" (no") for row in rows}) == 1  # one column
    assert rows[4].endswith("Test 3.0: an activity from a version yet to come; IATI version 3.0; this dashboard reads 1.01 to 1.05 and 2.01 to 2.03")
    assert lines[9].startswith("Totals for iati-dportal-mixed.xml: 7 activities: 5 read (2 in part), 2 set aside;")
    assert lines[-1] == (
        f"{IATI_MIXED}: read in part (2 IATI activities set aside, 2 parts of activities set aside, listed above); what "
        "was read is valid. Would load 5 sources, 5 projects, 5 project–source links, 2 project–city links, "
        "2 project–country links, 3 grants, 7 transactions and 1 figure, with the shipped member cities and sources."
    )


def test_an_iati_file_read_whole_exits_0(capsys):
    assert main(["validate", str(IATI_SAMPLE)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].endswith("valid. Would load 4 sources, 4 projects, 4 project–source "
        "links, 2 project–city links, 1 project–country link, 4 grants, 5 transactions and 2 figures, with the shipped "
        "member cities and sources.")  # fmt: skip


def test_a_readable_iati_file_whose_every_activity_is_set_aside_exits_1_never_2(tmp_path, capsys):
    path = tmp_path / "future.xml"
    path.write_text('<iati-activities><iati-activity version="3.0"><iati-identifier>XM-F</iati-identifier></iati-activity></iati-activities>')
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert "1  set aside  3.0      XM-F" in captured.out
    assert "future.xml: its only activity could not be read: set aside, and the report says why" in captured.err


def test_an_iati_file_with_no_activities_exits_2(tmp_path, capsys):
    path = tmp_path / "empty.xml"
    path.write_text('<iati-activities version="2.03" generated-datetime="2026-11-20T09:00:00Z"></iati-activities>')
    assert main(["validate", str(path)]) == 2
    assert "empty.xml: holds no <iati-activity> elements" in capsys.readouterr().err
