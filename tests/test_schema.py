"""Rules across rows and tables: what no single column check can say."""

import pytest

from usascp.load import load_dataset
from usascp.schema import FOREIGN_KEYS, SCHEMAS, Problem


def test_problem_reads_as_file_row_column_value_expected():
    problem = Problem("grants.csv", 14, "amount_usd", "12,5OO", "a number")
    assert str(problem) == "grants.csv row 14, column amount_usd: '12,5OO' is not a number"
    assert str(Problem("events.csv", None, None, None, "file is missing")) == "events.csv: file is missing"


def test_every_source_reference_is_a_foreign_key():
    checked = {(key.table, key.column) for key in FOREIGN_KEYS if key.target_table == "sources"}
    assert ("grants", "source_id") in checked
    assert ("cities", "population_source_id") in checked
    assert ("events", "coordinates_source_id") in checked


def test_population_needs_its_year_and_source(data_copy):
    data_copy.replace("cities", ",2129371,2019,", ",2129371,,")
    assert data_copy.problems() == ["cities.csv row 4, column population_year: required when a population is given"]


def test_country_must_match_its_iso_code(data_copy):
    data_copy.replace("cities", "Battambang,Cambodia,KHM", "Battambang,Thailand,KHM")
    assert data_copy.problems() == ["cities.csv row 3, column country: 'Thailand' is not the country of ISO code KHM (Cambodia)"]


def test_city_scope_needs_a_site_city(data_copy):
    data_copy.replace("project_cities", "ustda_hcmc_ioc,ho_chi_minh_city,site,vietnamplus_ustda\n", "")
    assert data_copy.problems() == [
        "projects.csv row 32, column geographic_scope: 'city' is not a scope that fits the project: 'city' needs a member "
        "city where it works (a site row in the project_cities table, or the project's cities column)"
    ]


def test_country_scope_needs_a_country_row(data_copy):
    data_copy.replace("project_countries", "idn_san_antonio_delegation,IDN,factsheet_2020\n", "")
    assert data_copy.problems() == [
        "projects.csv row 26, column geographic_scope: 'country' is not a scope that fits the project: 'country' needs the "
        "countries where it works (rows in the project_countries table, or the project's countries column)"
    ]


def test_components_are_one_level_deep(data_copy):
    data_copy.replace(
        "projects",
        "bif1_5rtech,BIF award: 5RTECH solar panel reuse and recycling,bif1,",
        "bif1_5rtech,BIF award: 5RTECH solar panel reuse and recycling,bif1_ag4f,",
    )
    assert data_copy.problems() == [
        "projects.csv row 11, column parent_project_id: 'bif1_ag4f' is not a top-level project (components are one level deep)"
    ]


def test_program_figures_have_no_project(data_copy):
    data_copy.replace("metrics", "M002,program,,", "M002,program,wise,")
    assert data_copy.problems() == ["metrics.csv row 3, column project_id: 'wise' is not empty when scope is 'program'"]


def test_project_figures_need_a_project(data_copy):
    data_copy.replace("metrics", "M005,project,private_sector_engagement_2020,", "M005,project,,")
    assert data_copy.problems() == ["metrics.csv row 6, column project_id: required when scope is 'project'"]


def test_duplicate_must_point_at_the_same_figure(data_copy):
    data_copy.replace("metrics", ",M007,usascp_home", ",M008,usascp_home")
    assert data_copy.problems() == [
        "metrics.csv row 11, column duplicate_of: 'M008' is not a figure for the same metric and project that is not itself a duplicate"
    ]


def test_unknown_sector_lists_the_allowed_ones(data_copy):
    data_copy.replace("projects", ",Health,city,", ",Healthcare,city,")
    (problem,) = data_copy.problems()
    assert problem.startswith("projects.csv row 9, column sector: 'Healthcare' is not one of: Transport, Water, Health,")


def test_project_without_any_source_is_rejected(data_copy):
    data_copy.replace("project_sources", "nsf_bike_energy,usascp_wcs_2022\n", "")
    assert data_copy.problems() == [
        "projects.csv row 21, column project_id: 'nsf_bike_energy' is not a project with at least one source "
        "(a row in the project_sources table, or the project's sources column)"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example/)<style>body{background:url(http://evil.example/x)}</style>",
        "javascript:alert(1)",
        "https://www.usascp.org/ spaced",
        'https://www.usascp.org/"><form>',
        "https://trusted.example@evil.example/",
    ],
)
def test_a_source_address_that_could_break_out_of_a_link_is_refused(data_copy, url):
    from usascp.formatting import WEB_ADDRESS_RULE

    quoted = '"' + url.replace('"', '""') + '"'  # as a spreadsheet writes a cell with quotes in it
    data_copy.replace("sources", ",https://www.usascp.org/usascp-programs,", f",{quoted},")
    (problem,) = data_copy.problems()
    assert problem.startswith("sources.csv row ") and ", column url: " in problem
    assert problem.endswith(f"is not {WEB_ADDRESS_RULE}")
    assert "(write a space as %20, ( as %28 and ) as %29)" in problem


def test_a_dataset_saved_before_transactions_existed_still_loads_with_none(data_copy):
    (data_copy.folder / "transactions.csv").unlink()
    dataset = load_dataset(data_copy.folder)
    assert dataset.transactions.empty
    assert list(dataset.transactions.columns) == list(SCHEMAS["transactions"].columns)
    assert dataset.row_counts["transactions"] == 0


def test_a_de_obligation_is_kept_as_a_negative_amount(data_copy):
    data_copy.replace("transactions", "T002,stic_asu,disbursement,100000,", "T002,stic_asu,obligation,-2500.50,")
    dataset = load_dataset(data_copy.folder)
    assert dataset.transactions.set_index("transaction_id").loc["T002", "amount"] == -2500.5


def test_a_transaction_needs_a_date_or_a_fiscal_year(data_copy):
    data_copy.replace("transactions", "USD,2023-09,,", "USD,,,")
    assert data_copy.problems() == [
        "transactions.csv row 2, column transaction_date: a date, or a fiscal_year when only the fiscal year is known"
    ]


def test_a_transaction_with_only_a_fiscal_year_is_valid(data_copy):
    data_copy.replace("transactions", "USD,2023-09,,", "USD,,2023,")
    assert load_dataset(data_copy.folder).transactions["fiscal_year"].tolist()[0] == 2023


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "disbursement,100000,usd",
            "transactions.csv row 2, column currency: 'usd' is not a three-letter currency code (ISO 4217), such as USD",
        ),
        ("refund,100000,USD", "transactions.csv row 2, column transaction_type: 'refund' is not one of: commitment, obligation, disbursement, expenditure"),
        (
            "disbursement,1e16,USD",
            "transactions.csv row 2, column amount: '1e16' is not a finite amount between -1,000,000,000,000,000 and "
            "1,000,000,000,000,000 (negative for a de-obligation or a reversal)",
        ),
    ],
)
def test_a_transaction_row_that_cannot_be_money_says_why(data_copy, cell, expected):
    data_copy.replace("transactions", "T001,stic_asu,disbursement,100000,USD", "T001,stic_asu," + cell)
    assert data_copy.problems() == [expected]


def test_a_transaction_of_an_unknown_project_is_refused(data_copy):
    data_copy.replace("transactions", "T001,stic_asu,", "T001,stic_asuu,")
    problems = data_copy.problems()
    assert problems[0].startswith("transactions.csv row 2, column project_id: 'stic_asuu' is not the project_id of a project")
