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
