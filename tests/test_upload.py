"""Uploads: CSV files, zips and workbooks read into the same validation as data/, and bad input of every kind
answered with a message that names file, row and column, never with an exception or a change to data/."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usascp.budgets import default_budget
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload, table_for
from usascp.importers.template import template_workbook, template_zip
from usascp.load import DEFAULT_DATA_DIR, DatasetError, dataset_version, load_dataset
from usascp.readings import Refusal, read_date, read_number
from usascp.schema import SCHEMAS, TABLE_FILES

GRANT_HEADER = ",".join(SCHEMAS["grants"].columns)


def grants_csv(*rows: str, header: str = GRANT_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def upload_problems(files: list[UploadedFile], base, beside: bool = True) -> list[str]:
    with pytest.raises(DatasetError) as caught:
        dataset_from_upload(read_upload(files), base, beside_base=beside)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$1,250,000", 1_250_000),
        ("US$ 98,750", 98_750),
        ("1 250 000", 1_250_000),
        ("1.000.000", 1_000_000),
        ("98750 USD", 98_750),
    ],
)
def test_amounts_a_person_means_one_way_are_read(text, value):
    assert read_number(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1,5", "could separate thousands or decimals"),
        ("€1,000", "another currency"),
        ("1.2M", "the full number"),
        ("12,5OO", "letter O"),
        ("nan", "nan and inf are not values"),
        ("-Infinity", "nan and inf are not values"),
        ("$" + "9" * 400, "nan and inf are not values"),  # a float too large to hold is infinity
    ],
)
def test_ambiguous_or_foreign_amounts_are_refused_with_the_reason(text, reason):
    refusal = read_number(text)
    assert isinstance(refusal, Refusal) and reason in refusal.reason


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2021-03-15", "2021-03-15"),
        ("15/03/2021", "2021-03-15"),
        ("03/15/2021", "2021-03-15"),
        ("2021/03/15", "2021-03-15"),
        ("March 2021", "2021-03"),
        ("15 Mar 2021", "2021-03-15"),
        ("March 15, 2021", "2021-03-15"),
        ("2021-03-15 00:00:00", "2021-03-15"),
    ],
)
def test_dates_in_several_formats_are_read(text, date):
    assert read_date(text) == date


def test_a_date_that_reads_two_ways_is_refused_with_both_readings():
    refusal = read_date("03/04/2021")
    assert isinstance(refusal, Refusal)
    assert "2021-04-03" in refusal.reason and "2021-03-04" in refusal.reason
    assert isinstance(read_date("31/02/2021"), Refusal)


def test_file_names_stand_for_their_tables():
    assert table_for("grants.csv") == table_for("Grants (1).csv") == table_for("grants") == "grants"
    assert table_for("project-cities.csv") == "project_cities"
    assert table_for("budget.csv") is None


def test_an_upload_beside_the_shipped_data_adds_its_rows_and_notes_how_it_read_them(dataset):
    csv = grants_csv('U1,wise,City of Someplace,"$1,250,000",15/03/2021,,,grant,usascp_home,')
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", csv)]), dataset, beside_base=True)
    assert len(combined.grants) == len(dataset.grants) + 1
    added = combined.grants[combined.grants["grant_id"] == "U1"].iloc[0]
    assert (added["amount_usd"], added["award_date"]) == (1_250_000, "2021-03-15")
    assert [str(note) for note in combined.notes] == [
        "grants.csv row 2, column amount_usd: read '$1,250,000' as 1250000",
        "grants.csv row 2, column award_date: read '15/03/2021' as 2021-03-15",
    ]


def test_the_report_names_file_row_column_value_and_what_was_expected(dataset):
    csv = grants_csv(
        'U1,wise,A,"12,5OO",2021,,,grant,usascp_home,',
        "U2,nowhere,B,5000,03/04/2021,,,grant,usascp_home,",
        "U3,wise,C,€900,2021,,,gift,usascp_home,",
    )
    problems = upload_problems([UploadedFile("grants.csv", csv)], dataset)
    assert problems == [
        "grants.csv row 2, column amount_usd: '12,5OO' is not a number (is there a letter O where a zero should be?)",
        "grants.csv row 3, column award_date: '03/04/2021' is not a date that can be read only one way "
        "(3 April or March 4? write 2021-04-03 or 2021-03-04)",
        "grants.csv row 3, column project_id: 'nowhere' is not the project_id of a project in the projects table",
        "grants.csv row 4, column amount_kind: 'gift' is not one of: grant, fund capitalization, awards, commitment, budget, obligation",
        "grants.csv row 4, column amount_usd: '€900' is not an amount in US dollars (this looks like another currency: "
        "convert it first and say so in the note)",
    ]


def test_instead_of_the_shipped_data_a_missing_table_is_named_with_the_way_out(dataset):
    problems = upload_problems(
        [UploadedFile("grants.csv", grants_csv("U1,wise,A,5000,2021,,,grant,usascp_home,"))], dataset, False
    )
    assert problems == [
        "grants.csv row 2, column project_id: 'wise' is not the project_id of a project in the projects table "
        "(the upload has no projects table: add one, or load it beside the shipped data)"
    ]


def test_a_file_missing_a_column_does_not_hide_dangling_ids_in_another(dataset):
    metrics_header = ",".join(column for column in SCHEMAS["metrics"].columns if column != "value_type")
    metrics = f"{metrics_header}\nM900,project,wise,,people_trained,5,people,false,false,2021,,usascp_home,\n"
    problems = upload_problems(
        [
            UploadedFile("grants.csv", grants_csv("U1,nowhere,A,5000,2021,,,grant,usascp_home,")),
            UploadedFile("metrics.csv", metrics.encode()),
        ],
        dataset,
    )
    assert problems == [
        "grants.csv row 2, column project_id: 'nowhere' is not the project_id of a project in the projects table",
        "metrics.csv row 1, column value_type: a required column that is missing from the header",
    ]


def test_a_table_given_but_unreadable_is_not_taken_as_left_out(dataset):
    projects_header = ",".join(SCHEMAS["projects"].columns)
    latin1 = f"{projects_header}\nnew_p,Caf\u00e9 water pilot,,,State,,,Water,city,ongoing,2024,2024-01,,A pilot.,\n"
    problems = upload_problems(
        [
            UploadedFile("grants.csv", grants_csv("U1,new_p,A,5000,2021,,,grant,usascp_home,")),
            UploadedFile("projects.csv", latin1.encode("latin-1")),
        ],
        dataset,
        beside=False,
    )
    assert len(problems) == 1 and problems[0].startswith("projects.csv row 2: contains bytes that are not UTF-8")


def test_a_value_out_of_range_is_quoted_as_the_file_wrote_it(dataset):
    header = ",".join(SCHEMAS["metrics"].columns)
    metrics = f"{header}\nM900,project,wise,,people_trained,-5,people,result,false,false,2021,,usascp_home,\n"
    problems = upload_problems([UploadedFile("metrics.csv", metrics.encode())], dataset)
    assert problems == ["metrics.csv row 2, column value: '-5' is not a finite number of 0 or more and at most 1,000,000,000,000,000"]


def test_a_table_in_a_file_of_a_kind_not_read_is_not_taken_as_left_out_either(dataset):
    problems = upload_problems(
        [
            UploadedFile("grants.csv", grants_csv("U1,new_p,A,5000,2021,,,grant,usascp_home,")),
            UploadedFile("projects.xls", b"\xd0\xcf\x11\xe0"),
        ],
        dataset,
        beside=False,
    )
    assert problems == ["projects.xls: an old-style .xls workbook: save it as .xlsx and upload again"]


def test_extra_and_missing_columns_are_named(dataset):
    header = GRANT_HEADER.replace(",note", ",notes").replace("recipient,", "")
    problems = upload_problems(
        [UploadedFile("grants.csv", grants_csv("U1,wise,5000,2021,,,grant,usascp_home,", header=header))], dataset
    )
    assert "grants.csv row 1, column recipient: a required column that is missing from the header" in problems
    assert "grants.csv row 1, column notes: not a column of this table (check the spelling against the template)" in problems


def test_duplicate_ids_in_an_upload_are_reported(dataset):
    rows = ["U1,wise,A,5000,2021,,,grant,usascp_home,", "U1,wise,B,6000,2021,,,grant,usascp_home,"]
    problems = upload_problems([UploadedFile("grants.csv", grants_csv(*rows))], dataset)
    assert problems == [
        "grants.csv row 2, column grant_id: 'U1' is not a unique value (it appears more than once)",
        "grants.csv row 3, column grant_id: 'U1' is not a unique value (it appears more than once)",
    ]


def test_an_uploaded_row_with_a_shipped_id_replaces_that_row(dataset):
    csv = grants_csv("G001,khm_hospital_digitization,First Womentech Asia,99000,2020-10,,,grant,usascp_home,corrected")
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", csv)]), dataset, beside_base=True)
    assert len(combined.grants) == len(dataset.grants)
    assert combined.grants.loc[combined.grants["grant_id"] == "G001", "amount_usd"].tolist() == [99_000]
    assert "grants.csv: replaces 1 row of the shipped grants table" in [str(note) for note in combined.notes]


def test_empty_file_is_named(dataset):
    assert upload_problems([UploadedFile("grants.csv", b"")], dataset) == ["grants.csv: is empty"]


def test_latin1_is_refused_with_its_row_and_utf16_with_its_mark_is_read(dataset):
    row = "U1,wise,Société Générale,5000,2021,,,grant,usascp_home,"
    latin1 = upload_problems([UploadedFile("grants.csv", grants_csv(row).decode().encode("latin-1"))], dataset)
    assert len(latin1) == 1 and latin1[0].startswith("grants.csv row 2: contains bytes that are not UTF-8")
    assert "save the file as CSV UTF-8" in latin1[0]
    utf16 = codecs.BOM_UTF16_LE + grants_csv(row).decode().encode("utf-16-le")
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", utf16)]), dataset, beside_base=True)
    assert "Société Générale" in set(combined.grants["recipient"])


@pytest.mark.parametrize("mark, codec", [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")])
def test_utf32_with_its_mark_is_read(dataset, mark, codec):
    """UTF-32's little-endian mark begins with UTF-16's: it was read as UTF-16, every name split by NUL characters."""
    row = "U1,wise,Société Générale Đà Nẵng,5000,2021,,,grant,usascp_home,"
    utf32 = mark + grants_csv(row).decode().encode(codec)
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", utf32)]), dataset, beside_base=True)
    assert "Société Générale Đà Nẵng" in set(combined.grants["recipient"])


@pytest.mark.parametrize(
    ("codec", "form"),
    [("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32-le", "UTF-32"), ("utf-32-be", "UTF-32")],
)
@pytest.mark.parametrize("recipient", ["Societe Generale", "Société Générale Đà Nẵng"], ids=["ascii", "accents"])
def test_utf16_and_utf32_without_a_mark_are_refused_with_the_way_out(dataset, codec, form, recipient):
    data = grants_csv(f"U1,wise,{recipient},5000,2021,,,grant,usascp_home,").decode().encode(codec)
    assert upload_problems([UploadedFile("grants.csv", data)], dataset) == [
        f"grants.csv: looks like {form} without a byte-order mark (many of its bytes are empty); save it as CSV UTF-8"
    ]


def test_semicolon_separated_files_from_other_locales_are_read(dataset):
    csv = grants_csv("U1;wise;A;5000;2021;;;grant;usascp_home;", header=GRANT_HEADER.replace(",", ";"))
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", csv)]), dataset, beside_base=True)
    assert combined.grants["grant_id"].iloc[0] == "U1"


def test_a_zip_member_that_points_outside_is_refused_and_nothing_is_written(dataset, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../grants.csv", grants_csv("U1,wise,A,5000,2021,,,grant,usascp_home,"))
        archive.writestr("/etc/cities.csv", "x")
    problems = upload_problems([UploadedFile("upload.zip", buffer.getvalue())], dataset)
    assert problems == [
        "upload.zip: ../../grants.csv: a name that points outside the zip; this file was not read",
        "upload.zip: /etc/cities.csv: a name that points outside the zip; this file was not read",
    ]
    assert list(tmp_path.iterdir()) == [] and not (tmp_path.parent.parent / "grants.csv").exists()


def test_files_that_are_not_tables_are_named(dataset):
    problems = upload_problems(
        [
            UploadedFile("notes.docx", b"PK"),
            UploadedFile("budget.csv", b"a,b\n1,2\n"),
            UploadedFile("book.xlsx", b"not a workbook"),
        ],
        dataset,
    )
    assert problems == [
        "book.xlsx: cannot be opened as an Excel workbook (BadZipFile)",
        "budget.csv: not named after one of the tables ("
        + ", ".join(TABLE_FILES)
        + "); name it after its table, e.g. grants.csv",
        "notes.docx: not a file the dashboard reads (CSV, a zip of CSV files, an Excel .xlsx workbook, an IATI .xml file)",
    ]


def test_a_file_over_the_limit_is_refused_before_it_is_read(dataset):
    assert upload_problems([UploadedFile("grants.csv", b"x" * (default_budget().file_bytes + 1))], dataset) == [
        "grants.csv: larger than the 200 MB an uploaded file may be"
    ]


def test_a_50_mb_file_is_read_and_checked(dataset):
    row = "U{},wise,A recipient with a long enough name to make the file big,5000,2021-03,award letter,State EAP/MLA,grant,usascp_home,"
    rows = [row.format(number) for number in range(420_000)]
    data = grants_csv(*rows)
    assert len(data) > 50 * 2**20
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", data)]), dataset, beside_base=True)
    assert len(combined.grants) == len(dataset.grants) + 420_000


def test_the_template_workbook_and_zip_round_trip_the_shipped_data(dataset):
    for name, data in (("usascp-data.xlsx", template_workbook(dataset)), ("usascp-data.zip", template_zip(dataset))):
        loaded = dataset_from_upload(read_upload([UploadedFile(name, data)]), None, beside_base=False)
        for table in TABLE_FILES:
            assert getattr(loaded, table).equals(getattr(dataset, table)), (name, table)


def test_the_template_offers_the_allowed_values_as_lists():
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template_workbook()))
    assert workbook.sheetnames[0] == "How to fill this in" and workbook.sheetnames[-1] == "lists"
    projects = workbook["projects"]
    assert [cell.value for cell in projects[1]] == list(SCHEMAS["projects"].columns) + ["cities", "countries", "sources"]
    ranges = {str(validation.sqref): validation.formula1 for validation in projects.data_validations.dataValidation}
    sector_column = list(SCHEMAS["projects"].columns).index("sector")
    letter = projects.cell(row=1, column=sector_column + 1).column_letter
    lists = workbook["lists"]
    sector_list = ranges[f"{letter}2:{letter}5000"]
    list_letter = sector_list.split("$")[1]
    values = [cell.value for cell in lists[list_letter][1:] if cell.value]
    assert values == list(SCHEMAS["projects"].columns["sector"].checks[0].statistics["allowed_values"])
    guide = [row[0] for row in workbook["How to fill this in"].iter_rows(values_only=True)]
    assert "grants" in guide


def test_a_failed_upload_leaves_the_shipped_files_as_they_were(dataset):
    before = dataset_version(DEFAULT_DATA_DIR)
    upload_problems([UploadedFile("grants.csv", grants_csv("U1,nowhere,A,5000,2021,,,grant,usascp_home,"))], dataset)
    assert dataset_version(DEFAULT_DATA_DIR) == before == dataset.version


CSV_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(
        ["grants.csv", "projects.csv", "cities.csv", "events.csv", "metrics.csv", "x.csv", "data.zip", "book.xlsx"]
    ),
    body=st.one_of(CSV_TEXT.map(str.encode), st.binary(max_size=300)),
    header=st.booleans(),
)
def test_random_file_content_gives_a_report_never_an_exception(dataset, name, body, header):
    table = name.removesuffix(".csv")
    if header and table in SCHEMAS:
        body = ",".join(SCHEMAS[table].columns).encode() + b"\n" + body
    try:
        result = dataset_from_upload(read_upload([UploadedFile(name, body)]), dataset, beside_base=True)
    except DatasetError as error:
        assert error.problems and all(problem.file.startswith(name) for problem in error.problems)
    else:
        assert result.version


def test_an_uploaded_amount_beyond_any_real_one_is_refused_and_nothing_adds_up_to_infinity(dataset):
    rows = [f"U{n},wise,A,{written},2021,,,grant,usascp_home," for n, written in enumerate(["1e308", "1e308", "$1e15"], start=1)]
    problems = upload_problems([UploadedFile("grants.csv", grants_csv(*rows))], dataset)
    rule = "a finite amount of 0 or more and at most 1,000,000,000,000,000"
    assert problems == [
        f"grants.csv row 2, column amount_usd: '1e308' is not {rule}",
        f"grants.csv row 3, column amount_usd: '1e308' is not {rule}",
        "grants.csv row 4, column amount_usd: '$1e15' is not a number (write 1234.5, without currency signs or thousands separators)",
    ]


def test_invisible_control_characters_are_removed_from_text_with_a_note_naming_file_row_and_column(dataset):
    rows = [
        "U1,wise,Clinic\x01 records\x07,5000,2021,,,grant,usascp_home,Note\x00 one\x7f",
        "U2,wise,Line\x0bbreak,5000,2021,,,grant,usascp_home,",
    ]
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", grants_csv(*rows))]), dataset, beside_base=True)
    uploaded = combined.grants.set_index("grant_id")
    assert uploaded.loc["U1", ["recipient", "note"]].tolist() == ["Clinic records", "Note one"]
    assert uploaded.loc["U2", "recipient"] == "Line\nbreak"  # a line break as Word and PowerPoint copy it
    notes = [str(note) for note in combined.notes]
    cannot = "spreadsheets and slides cannot hold control characters"
    assert notes[:3] == [
        "grants.csv row 2, column recipient: read 'Clinic\\x01 records\\x07' as 'Clinic records' "
        f"(removed the invisible control characters U+0001, U+0007; {cannot})",
        "grants.csv row 2, column note: read 'Note\\x00 one\\x7f' as 'Note one' "
        f"(removed the invisible control characters U+0000, U+007F; {cannot})",
        "grants.csv row 3, column recipient: read 'Line\\x0bbreak' as 'Line\\nbreak' "
        f"(turned U+000B, a line or page break copied from another program, into a line break; {cannot})",
    ]


def test_a_control_character_left_by_a_wrong_encoding_is_refused_with_the_character_meant(dataset):
    """U+0080 to U+009F are what Windows-1252 punctuation becomes when read as Latin-1: removing one would change the text."""
    row = "U1,wise,People\u0092s Committee,5000,2021,,,grant,usascp_home,"
    assert upload_problems([UploadedFile("grants.csv", grants_csv(row))], dataset) == [
        "grants.csv row 2, column recipient: 'People\\x92s Committee' is not text free of control characters "
        "(U+0092 here is likely a ’ that a program read in the wrong encoding: type ’ in its place)"
    ]


def test_text_from_a_csv_file_is_searched_for_exactly_the_control_characters_other_text_is():
    """A CSV file's text is searched in Arrow (RE2), an importer's with Python's regex: they must find the same characters.

    Every code point of the Basic Multilingual Plane (surrogates cannot be in UTF-8 text), and every 97th beyond it.
    """
    import pyarrow as pa

    from usascp.characters import texts_with_controls

    chars = [chr(code) for code in (*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 97))]
    controls = [char for char in chars if texts_with_controls([char])]
    assert len(controls) == 62  # U+0000 to U+001F but tab and line breaks (29), U+007F to U+009F (33)
    others = sorted(set(chars) - set(controls))
    assert not texts_with_controls(pa.array(others + [f"a{char}b" for char in others]))
    assert all(texts_with_controls(pa.array(["plain", f"a{char}b"])) for char in controls)


def test_an_upload_with_control_characters_gives_a_workbook_that_opens(dataset):
    """Once such text was saved, the shipped data as Excel failed for everyone (openpyxl's IllegalCharacterError)."""
    from openpyxl import load_workbook

    row = "U1,wise,Clinic\x01 records,5000,2021,,,grant,usascp_home,"
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", grants_csv(row))]), dataset, beside_base=True)
    workbook = load_workbook(io.BytesIO(template_workbook(combined)))
    assert "Clinic records" in [cell.value for cell in workbook["grants"]["C"]]


def test_an_uploaded_source_read_in_the_future_is_refused_by_row(dataset):
    header = ",".join(SCHEMAS["sources"].columns)
    rows = ["new_page,A page,A publisher,https://example.org/a,,2026-11-30", "later_page,B,B,https://example.org/b,,2031"]
    upload = read_upload([UploadedFile("sources.csv", ("\n".join([header, *rows]) + "\n").encode())])
    with pytest.raises(DatasetError) as caught:
        dataset_from_upload(upload, dataset, beside_base=True, today=dt.date(2026, 11, 30))
    assert [str(problem) for problem in caught.value.problems] == [
        "sources.csv row 3, column date_accessed: '2031' is not a date on or before today (30 Nov 2026): "
        "a source cannot have been read in the future"
    ]


def test_optional_columns_may_be_left_out_of_the_header(dataset):
    header = ",".join(name for name, column in SCHEMAS["grants"].columns.items() if not column.nullable)
    csv = grants_csv("U1,wise,A,5000,2021,grant,usascp_home", header=header)
    combined = dataset_from_upload(read_upload([UploadedFile("grants.csv", csv)]), dataset, beside_base=True)
    added = combined.grants[combined.grants["grant_id"] == "U1"].iloc[0]
    assert added["amount_usd"] == 5000 and added[["date_basis", "funding_office", "note"]].isna().all()


IATI_PATH = DEFAULT_DATA_DIR.parent / "tests" / "fixtures" / "iati-activities-test.xml"
IATI_SAMPLE = UploadedFile(IATI_PATH.name, IATI_PATH.read_bytes())


def test_the_same_files_shown_another_way_are_another_version(dataset, data_copy):
    # Every cache shared between viewers is keyed by the version: it must name the whole view, not the files alone.
    upload = read_upload([IATI_SAMPLE], dataset.cities)
    beside = dataset_from_upload(upload, dataset, beside_base=True)
    instead = dataset_from_upload(upload, dataset, beside_base=False)
    assert len({beside.version, instead.version, upload.fingerprint}) == 3
    assert dataset_from_upload(upload, dataset, beside_base=True).version == beside.version  # same view, same key
    data_copy.replace("grants", ",98750,", ",98751,")  # another base (say, an editor saved new data)
    other_base = dataset_from_upload(upload, load_dataset(data_copy.folder), beside_base=True)
    assert other_base.version != beside.version


def test_iati_activities_read_as_related_work_are_another_version(dataset):
    as_projects = read_upload([IATI_SAMPLE], dataset.cities, "usascp_project")
    as_related = read_upload([IATI_SAMPLE], dataset.cities, "related_usg")
    assert as_projects.fingerprint != as_related.fingerprint
