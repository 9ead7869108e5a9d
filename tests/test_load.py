"""load_dataset on the shipped data, and on broken copies of it: every problem named by file, row and column."""

import datetime as dt

import pytest

from usascp.load import DatasetError, dataset_version, load_dataset
from usascp.schema import TABLE_FILES


def test_shipped_dataset_loads_with_every_table(dataset):
    assert dataset.row_counts == {
        "sources": 123,
        "cities": 31,
        "projects": 31,
        "project_cities": 21,
        "project_countries": 4,
        "project_sources": 83,
        "city_pairs": 6,
        "grants": 6,
        "transactions": 2,
        "metrics": 38,
        "events": 31,
    }


def test_equal_texts_in_a_column_are_one_python_string_and_empty_cells_none(dataset):
    source_ids = dataset.project_sources["source_id"]
    repeated = source_ids[source_ids.duplicated(keep=False)]
    first, second = repeated[repeated == repeated.iloc[0]].iloc[:2]
    assert first is second  # one object per distinct text keeps a 500,000-row table small
    assert str(source_ids.dtype) == "object"
    assert dataset.grants["note"].map(type).isin([str, type(None)]).all()
    assert dataset.projects["parent_project_id"].isna().any() and dataset.projects["parent_project_id"].map(
        lambda value: value is None or isinstance(value, str)
    ).all()


def test_columns_get_their_types(dataset):
    assert str(dataset.grants["amount_usd"].dtype) == "Float64"
    assert str(dataset.cities["population"].dtype) == "Int64"
    assert str(dataset.metrics["is_lower_bound"].dtype) == "boolean"
    assert dataset.metrics.set_index("metric_id").at["M010", "is_lower_bound"]


def test_data_as_of_is_the_latest_access_date(dataset):
    assert dataset.data_as_of == "2026-11"


def test_a_source_read_in_the_future_is_refused_by_row(data_copy):
    """A date accessed of 2999 made the dashboard say "data as of 2999"."""
    data_copy.replace("sources", "https://usascp.org/,,2026-11-25", "https://usascp.org/,,2999-01-01")
    problems = data_copy.problems()
    assert len(problems) == 1
    assert problems[0].startswith("sources.csv row 2, column date_accessed: '2999-01-01' is not a date on or before today (")
    assert problems[0].endswith("): a source cannot have been read in the future")
    assert [str(problem) for problem in _problems(data_copy, today=dt.date(2026, 12, 1))] == [
        "sources.csv row 2, column date_accessed: '2999-01-01' is not a date on or before today (1 Dec 2026): "
        "a source cannot have been read in the future"
    ]


def test_today_is_injectable_and_a_day_ahead_is_allowed_for_time_zones(data_copy):
    # The shipped sources were read up to 25 Nov 2026: a reader in Manila may be a day ahead of the server.
    assert load_dataset(data_copy.folder, today=dt.date(2026, 11, 24)).data_as_of == "2026-11"
    problems = _problems(data_copy, today=dt.date(2026, 11, 23))
    assert len(problems) == 60 and {(p.column, p.value) for p in problems} == {("date_accessed", "2026-11-25")}
    assert str(problems[0]).endswith("not a date on or before today (23 Nov 2026): a source cannot have been read in the future")


def test_a_month_or_year_accessed_counts_from_its_first_day(data_copy):
    data_copy.replace("sources", "https://usascp.org/,,2026-11-25", "https://usascp.org/,,2026-12")
    assert load_dataset(data_copy.folder, today=dt.date(2026, 12, 1)).data_as_of == "2026-12"
    assert [p.value for p in _problems(data_copy, today=dt.date(2026, 11, 29))] == ["2026-12"]


def test_a_publication_date_far_beyond_the_reading_is_refused_but_never_makes_the_data_newer(data_copy):
    """A page may carry a date a little ahead (an issue dated next month); years ahead is a typing slip."""
    programs = "https://www.usascp.org/usascp-programs"
    data_copy.replace("sources", f"{programs},2019-11-04,", f"{programs},2027-06,")
    dataset = load_dataset(data_copy.folder, today=dt.date(2026, 12, 1))
    assert dataset.data_as_of == "2026-11"  # the date accessed, never the date published
    data_copy.replace("sources", f"{programs},2027-06,", f"{programs},2062-06,")
    assert [str(problem) for problem in _problems(data_copy, today=dt.date(2026, 12, 1))] == [
        "sources.csv row 3, column date_published: '2062-06' is not a publication date at most a year after the date "
        "accessed (2026-11-25); a later one is likely a typing slip"
    ]


def _problems(data_copy, today):
    with pytest.raises(DatasetError) as caught:
        load_dataset(data_copy.folder, today=today)
    return caught.value.problems


def test_missing_column_is_named(data_copy):
    data_copy.replace("grants", "grant_id,project_id,recipient,amount_usd", "grant_id,project_id,recipient,amount")
    problems = data_copy.problems()
    assert "grants.csv row 1, column amount_usd: a required column that is missing from the header" in problems
    assert any("column amount: not a column of this table" in p for p in problems)


def test_dangling_foreign_key_names_file_row_column_and_value(data_copy):
    data_copy.replace("project_cities", "khm_hospital_digitization,phnom_penh", "khm_hospital_digitization,phnom_pen")
    problems = data_copy.problems()
    assert problems == [
        "project_cities.csv row 8, column city_id: 'phnom_pen' is not the name or city_id of a member city; "
        "did you mean `phnom_penh` — Phnom Penh, Cambodia?"
    ]


def test_negative_amount_is_rejected(data_copy):
    data_copy.replace("grants", ",98750,", ",-98750,")
    assert data_copy.problems() == ["grants.csv row 2, column amount_usd: '-98750' is not a finite amount of 0 or more and at most 1,000,000,000,000,000"]


AMOUNT_RULE = "a finite amount of 0 or more and at most 1,000,000,000,000,000"


@pytest.mark.parametrize("written", ["inf", "1e309", "-inf", "Infinity", "1e16"])
def test_an_amount_must_be_finite_and_at_most_a_thousand_trillion(data_copy, written):
    data_copy.replace("grants", ",98750,", f",{written},")
    assert data_copy.problems() == [f"grants.csv row 2, column amount_usd: {written!r} is not {AMOUNT_RULE}"]


@pytest.mark.parametrize("written", ["nan", "NaN"])
def test_nan_is_not_taken_for_a_number(data_copy, written):
    data_copy.replace("grants", ",98750,", f",{written},")
    assert data_copy.problems() == [
        f"grants.csv row 2, column amount_usd: {written!r} is not a finite number, written in digits (nan and inf are not values)"
    ]


@pytest.mark.parametrize("written", ["inf", "1e309", "-inf", "1e16"])
def test_a_metric_value_must_be_finite_and_at_most_a_thousand_trillion(data_copy, written):
    data_copy.replace("metrics", ",records_digitized,108750,", f",records_digitized,{written},")
    assert data_copy.problems() == [
        f"metrics.csv row 9, column value: {written!r} is not a finite number of 0 or more and at most 1,000,000,000,000,000"
    ]


POPULATION_RULE = "a whole number above 0 and at most 10,000,000,000"


@pytest.mark.parametrize(
    ("column", "row", "value", "rule"),
    [
        ("lat", "inf,104.91601", "inf", "a latitude between -90 and 90"),
        ("lat", "1e309,104.91601", "1e309", "a latitude between -90 and 90"),
        ("lon", "11.56245,-inf", "-inf", "a longitude between -180 and 180"),
        ("population", "11.56245,104.91601,geonames_1821306,original_2018_pilot,2018,cna_26_pilot_cities,inf", "inf", POPULATION_RULE),
        ("population", "11.56245,104.91601,geonames_1821306,original_2018_pilot,2018,cna_26_pilot_cities,1e30", "1e30", POPULATION_RULE),
        (
            "population",
            "11.56245,104.91601,geonames_1821306,original_2018_pilot,2018,cna_26_pilot_cities,99999999999999999999",
            "99999999999999999999",
            POPULATION_RULE,
        ),
        (
            "population",
            '11.56245,104.91601,geonames_1821306,original_2018_pilot,2018,cna_26_pilot_cities,"99,999,999,999,999,999,999"',
            "99,999,999,999,999,999,999",
            POPULATION_RULE,
        ),
        (
            "population",
            "11.56245,104.91601,geonames_1821306,original_2018_pilot,2018,cna_26_pilot_cities,20000000000",
            "20000000000",
            POPULATION_RULE,
        ),
    ],
    ids=[
        "lat-inf",
        "lat-1e309",
        "lon-minus-inf",
        "population-inf",
        "population-1e30",
        "population-20-digits",
        "population-grouped",
        "population-20-billion",
    ],
)
def test_coordinates_and_populations_must_be_finite_and_plausible(data_copy, column, row, value, rule):
    """Phnom Penh's coordinates or population (2129371) replaced; a huge population once crashed the reading."""
    old = "11.56245,104.91601,geonames_1821306,original_2018_pilot,2018,cna_26_pilot_cities,2129371"
    data_copy.replace("cities", old if column == "population" else "11.56245,104.91601", row)
    assert data_copy.problems() == [f"cities.csv row 4, column {column}: {value!r} is not {rule}"]


def test_amount_that_is_not_a_number_quotes_the_bad_text(data_copy):
    data_copy.replace("grants", ",300000,", ',"12,5OO",')
    problems = data_copy.problems()
    assert len(problems) == 1
    assert problems[0].startswith("grants.csv row 5, column amount_usd: '12,5OO' is not a number")


def test_malformed_date_is_rejected_with_the_expected_form(data_copy):
    data_copy.replace("projects", ",2020-10,2022-03,", ",Octobre 2020,2022-03,")
    assert data_copy.problems() == [
        "projects.csv row 9, column start_date: 'Octobre 2020' is not a date written YYYY, YYYY-MM or YYYY-MM-DD"
    ]


def test_a_date_with_one_meaning_is_read_and_noted(data_copy):
    data_copy.replace("projects", ",2020-10,2022-03,", ",Oct 2020,2022-03,")
    dataset = load_dataset(data_copy.folder)
    assert "2020-10" in set(dataset.projects["start_date"])
    assert [str(note) for note in dataset.notes] == ["projects.csv row 9, column start_date: read 'Oct 2020' as 2020-10"]


def test_end_before_start_is_rejected(data_copy):
    data_copy.replace("projects", ",2020-10,2022-03,", ",2020-10,2019-03,")
    assert data_copy.problems() == ["projects.csv row 9, column end_date: '2019-03' is not on or after the start date (2020-10)"]


def test_duplicate_id_is_reported_on_both_rows(data_copy):
    data_copy.replace("grants", "G002,bif1", "G001,bif1")
    problems = data_copy.problems()
    assert "grants.csv row 2, column grant_id: 'G001' is not a unique value (it appears more than once)" in problems
    assert "grants.csv row 3, column grant_id: 'G001' is not a unique value (it appears more than once)" in problems


def test_non_utf8_bytes_are_located(data_copy):
    path = data_copy.path("cities")
    path.write_bytes(path.read_bytes().replace("Phnom Penh".encode(), "Phn\xf4m Penh".encode("latin-1"), 1))
    problems = data_copy.problems()
    assert len(problems) == 1
    assert problems[0].startswith("cities.csv row 4: contains bytes that are not UTF-8")
    assert "save the file as CSV UTF-8" in problems[0]


def test_byte_order_mark_is_accepted(data_copy):
    path = data_copy.path("sources")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_dataset(data_copy.folder).row_counts["sources"] == 123


def test_missing_file_is_named(data_copy):
    data_copy.path("events").unlink()
    assert any(p.startswith("events.csv: file is missing") for p in data_copy.problems())


def test_required_value_left_empty(data_copy):
    data_copy.replace("grants", ",mb_bif2,", ",,")
    assert "grants.csv row 4, column source_id: empty, but this column is required" in data_copy.problems()


def test_every_problem_is_reported_at_once(data_copy):
    data_copy.replace("grants", ",98750,", ",-98750,")
    data_copy.replace("cities", ",4.89035,", ",94.89035,")
    data_copy.replace("metrics", "M012,project,bif1", "M012,project,bif9")
    problems = data_copy.problems()
    assert len(problems) == 3
    with pytest.raises(DatasetError) as caught:
        load_dataset(data_copy.folder)
    message = str(caught.value)
    assert message.startswith("The dataset has 3 problems:")
    assert "cities.csv row 2, column lat: '94.89035' is not a latitude between -90 and 90" in message
    assert "metrics.csv row 13, column project_id: 'bif9' is not the project_id of a project in the projects table" in message


def test_boolean_columns_reject_other_words(data_copy):
    data_copy.replace(
        "metrics",
        "M001,program,,,stated_commitment_usd,10000000,USD,context,true",
        "M001,program,,,stated_commitment_usd,10000000,USD,context,maybe",
    )
    assert data_copy.problems() == ["metrics.csv row 2, column is_lower_bound: 'maybe' is not true or false"]


def test_unreadable_csv_is_reported_not_raised(data_copy):
    data_copy.path("grants").write_text('grant_id,project_id\n"unterminated,quote\n', encoding="utf-8")
    problems = data_copy.problems()
    assert any(p.startswith("grants.csv") for p in problems)


def test_version_changes_when_a_file_changes(data_copy):
    before = dataset_version(data_copy.folder)
    data_copy.append_line("sources", "extra_source,A title,A publisher,https://example.org/page,,2026-11-25")
    assert dataset_version(data_copy.folder) != before
    assert len(before) == 16


def test_table_files_are_the_client_tables():
    assert set(TABLE_FILES.values()) == {
        "sources.csv",
        "cities.csv",
        "projects.csv",
        "project_cities.csv",
        "project_countries.csv",
        "project_sources.csv",
        "city_pairs.csv",
        "grants.csv",
        "transactions.csv",
        "metrics.csv",
        "events.csv",
    }


def test_a_csv_column_of_plain_numbers_read_by_arrow_holds_exactly_what_pandas_reads():
    """load._convert reads a CSV file's column of plain numbers with Arrow's cast (25 times quicker): every value must
    be the double pd.to_numeric gives for the same text (an importer's object column still goes through pandas)."""
    import random

    import numpy as np
    import pandas as pd

    from usascp.load import _convert, _plain_numbers

    rng = random.Random(15)

    def plain_number() -> str:
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 13)))
        point = rng.randint(0, len(digits))
        text = digits if point in (0, len(digits)) else f"{digits[:point]}.{digits[point:]}"
        return ("-" if rng.random() < 0.2 and text.strip("0.") else "") + text

    edges = ["0", "0.0", "007", "999999999999999", "100000000000000", "0.000000000001", "0.1", "0.3", "-2.5", "4503599627370497"[:15]]
    texts = edges + [plain_number() for _ in range(40_000)] + [None]
    cells = pd.Series(pd.array(texts, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
    assert _plain_numbers(cells) is not None  # read by Arrow
    for dtype in ("Float64", "Int64"):
        column = cells if dtype == "Float64" else cells[~cells.str.contains(".", regex=False).fillna(False)]
        by_arrow, refused_by_arrow = _convert(column, dtype)
        by_pandas, refused_by_pandas = _convert(column.astype(object), dtype)
        assert refused_by_arrow == refused_by_pandas == []
        pd.testing.assert_series_equal(by_arrow, by_pandas, check_exact=True)
        bits = [numbers.to_numpy(dtype=float, na_value=np.nan).view(np.int64) for numbers in (by_arrow, by_pandas)]
        assert (bits[0] == bits[1]).all()  # to the last bit, the sign of a zero too
    # Read by pandas as before: "-0" (a whole-number column makes it 0, Arrow -0.0), and what is not a plain number.
    for odd in ("-0", "-0.0", "1e5", "1,000", "inf", "1234567890123456"):
        assert _plain_numbers(pd.Series(pd.array(["1", odd], dtype=pd.StringDtype("pyarrow", na_value=np.nan)))) is None


def test_text_cells_are_trimmed_as_pandas_strips_them_whether_or_not_a_column_needs_it():
    """read_csv_bytes leaves a column as read when no cell can start or end with white space (no 5-million-cell copy);
    every column must come out as `str.strip()` with blank cells NA, as before."""
    import random

    import numpy as np
    import pandas as pd

    from usascp.load import _may_need_trimming, _trimmed

    rng = random.Random(15)
    letters, spaces = "abcXYZ09~!é\u1ec7", [" ", "\t", "\xa0", "\u3000", "\x1c", "\u2028", "\x85"]

    def cell(space_chance: float) -> str | None:
        if rng.random() < 0.05:
            return None
        text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 6)))
        if rng.random() < space_chance:
            text = rng.choice(spaces) + text
        if rng.random() < space_chance:
            text += rng.choice(spaces)
        return text

    columns = [[cell(chance) for _ in range(2_000)] for chance in (0.0, 0.0005, 0.3)]
    for lone in ("end\u3000", "end ", "\tstart", "", "caf\u00e9"):  # one cell in 2,000 to trim, at either end, or blank
        columns.append([rng.choice(["a", "bc", None]) for _ in range(1_999)] + [lone])
    columns.append([rng.choice(["a", "bc", None]) for _ in range(2_000)])  # plain ASCII: left as read
    for cells in columns:
        column = pd.Series(pd.array(cells, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))
        for part in (column, column.iloc[7:]):  # a slice of an Arrow array starts at an offset
            pd.testing.assert_series_equal(_trimmed(part), part.str.strip().replace("", pd.NA), check_exact=True)
    assert not _may_need_trimming(pd.Series(pd.array(columns[-1], dtype=pd.StringDtype("pyarrow", na_value=np.nan))))
