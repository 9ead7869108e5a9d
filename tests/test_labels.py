"""Columns named for people: headers in words, values in words on a page, numbers kept numbers in a download."""

import pandas as pd
import pytest

from usascp import aggregate, changelog, labels, licences
from usascp.store import SHIPPED, DatasetStore


def test_funding_rows_read_in_words(dataset):
    rows = aggregate.funding_rows(dataset)
    table = labels.shown(rows, ["project", "amount_usd", "lead_agency", "award_date", "source_url"])
    assert list(table.columns) == ["project", "amount", "lead agency", "awarded", "source"]
    amounts = list(table["amount"])
    assert amounts[:4] == ["$3,000,000", "$1,000,000", "$300,000", "$98,750"]  # every digit, for checking
    assert set(amounts[4:]) == {"not disclosed"}  # never "None", "<NA>" or $0
    awarded = list(table["awarded"])
    assert awarded[:4] == ["28 Oct 2024", "Feb 2022", "Dec 2022", "Oct 2020"] and set(awarded[4:]) == {"not published"}


def test_a_download_keeps_numbers_ids_and_units_in_its_headers(dataset):
    rows = aggregate.funding_rows(dataset)
    table = labels.for_download(rows, ["project_id", "project", "amount_usd", "source", "source_url"])
    assert list(table.columns) == ["project id", "project", "amount (USD)", "source title", "source (address)"]
    assert table["amount (USD)"].sum() == 4_398_750 and table["amount (USD)"].isna().sum() == 15
    assert len(table) == len(rows)


def test_every_column_a_page_shows_has_a_header_in_words(dataset, tmp_path):
    projects = aggregate.select_projects(dataset)
    tables = [
        aggregate.funding_rows(dataset),
        aggregate.project_table(dataset, projects),
        aggregate.city_summary(dataset),
        aggregate.projects_without_a_city(dataset, projects),
        aggregate.city_profile(dataset, "phnom_penh", projects).projects,
        aggregate.figures_table(dataset, projects),
        aggregate.funding_by(dataset, "agency").rename(columns={"agency": "lead_agency"}),
        licences.licence_summary(dataset.sources),
        licences.source_licences(dataset.sources).drop(columns="licence_stated"),
        changelog.log_table(DatasetStore(tmp_path / "store").change_log(), SHIPPED),
    ]
    for table in tables:
        for name in table.columns:
            if name in ("lat", "lon"):
                continue
            column = labels.column(name)
            assert "_" not in column.header and "_" not in column.download_header, name


def test_a_column_with_no_header_is_an_error_not_a_snake_case_header():
    with pytest.raises(KeyError, match="no header for column 'mystery_usd'"):
        labels.shown(pd.DataFrame({"mystery_usd": [1.0]}), ["mystery_usd"])


def test_two_columns_that_would_read_the_same_are_refused(dataset):
    rows = aggregate.funding_rows(dataset).assign(title=lambda frame: frame["project"])
    with pytest.raises(ValueError, match="two columns would read the same"):
        labels.shown(rows, ["title", "project"])


def test_a_table_may_name_a_column_of_its_own():
    extra = {"records_digitized": labels.Column("records digitized", kind="count")}
    table = labels.shown(pd.DataFrame({"records_digitized": pd.array([108_750.0, None], dtype="Float64")}), ["records_digitized"], extra)
    assert list(table["records digitized"]) == ["108,750", "not published"]


def test_a_count_with_no_gap_stays_a_number_and_a_text_gap_reads_as_nothing():
    frame = pd.DataFrame({"projects": [3, 12], "note": ["x", None], "ascn_joined_year": pd.array([2018, None], dtype="Int64")})
    table = labels.shown(frame, ["projects", "note", "ascn_joined_year"])
    assert list(table["projects"]) == [3, 12]  # sorts 3 before 12
    assert list(table["note"]) == ["x", ""] and list(table["joined"]) == ["2018", ""]


def test_a_shown_table_is_sent_as_arrow_converted_as_streamlit_converts_the_frame(dataset):
    import pyarrow as pa

    projects = aggregate.project_table(dataset, aggregate.select_projects(dataset))
    columns = ["title", "amount_usd", "lead_agency", "cities", "status", "start_date", "end_date", "record_url"]
    sent = labels.shown_arrow(projects, columns)
    streamlits_own = pa.Table.from_pandas(labels.shown(projects, columns))  # what st.dataframe makes of the frame
    assert isinstance(sent, pa.Table)
    # A column repeating its words goes as Arrow's dictionary of them (labels._each_value_once); decoded, the same.
    coded = [name for name in sent.column_names if pa.types.is_dictionary(sent.schema.field(name).type)]
    assert {"lead agency", "status"} <= set(coded) and "project" not in coded  # 26 projects: 5 agencies, 26 titles
    decoded = pa.table({name: sent[name].cast(sent.schema.field(name).type.value_type) if name in coded else sent[name] for name in sent.column_names})
    assert decoded.schema == streamlits_own.schema.remove_metadata()
    assert decoded.equals(streamlits_own.replace_schema_metadata(None))
    short = labels.shown_arrow(projects.head(15), columns)  # a short table goes as it is
    assert not any(pa.types.is_dictionary(field.type) for field in short.schema)
    assert sent.column_names[:3] == ["project", "amount", "lead agency"] and sent.num_rows == len(projects)
    refused = pd.DataFrame({"title": [1, "one", 2.5]})
    kept = labels.shown_arrow(refused, ["title"])  # Arrow refuses mixed cells: a frame, for Streamlit's own fixes
    assert isinstance(kept, pd.DataFrame) and list(kept["project"]) == [1, "one", 2.5]
