"""A projects sheet that names its cities, countries and sources: one sheet is a whole upload, and the link rows
it stands for are made and noted. The template says what goes in every column, each in its own words."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.importers.template import column_guide, template_workbook
from usascp.load import DatasetError
from usascp.schema import SCHEMAS

PROJECT_COLUMNS = list(SCHEMAS["projects"].columns)


def projects_csv(*rows: dict) -> bytes:
    header = PROJECT_COLUMNS + ["cities", "countries", "sources"]
    lines = [",".join(header)]
    for row in rows:
        values = {
            "relationship": "usascp_project",
            "lead_agency": "State",
            "sector": "Water",
            "geographic_scope": "city",
            "status": "ongoing",
            "summary": "A pilot.",
            **row,
        }
        lines.append(",".join(f'"{values.get(name, "")}"' if values.get(name) else "" for name in header))
    return ("\n".join(lines) + "\n").encode()


THREE_PROJECTS = [
    {
        "project_id": "hcmc_water",
        "title": "Water meters",
        "cities": "Ho Chi Minh City; Da Nang",
        "sources": "https://usascp.org/",
    },
    {
        "project_id": "vn_buses",
        "title": "Bus lanes",
        "geographic_scope": "country",
        "countries": "Viet Nam",
        "sources": "usascp_home",
    },
    {"project_id": "pp_clinics", "title": "Clinic records", "cities": "Phnom Penh, Cambodia", "sources": "usascp_home"},
]


def check(files, base, beside=False):
    upload = read_upload([UploadedFile(name, data) for name, data in files])
    try:
        return dataset_from_upload(upload, base, beside_base=beside)
    except DatasetError as error:
        return error


def test_three_projects_are_one_sheet_and_their_links_are_made_and_noted(dataset):
    result = check([("projects.csv", projects_csv(*THREE_PROJECTS))], dataset)
    assert not isinstance(result, DatasetError), str(result)
    assert result.project_cities[["project_id", "city_id", "role", "source_id"]].values.tolist() == [
        ["hcmc_water", "ho_chi_minh_city", "site", "usascp_home"],
        ["hcmc_water", "da_nang", "site", "usascp_home"],
        ["pp_clinics", "phnom_penh", "site", "usascp_home"],
    ]
    assert result.project_countries.values.tolist() == [["vn_buses", "VNM", "usascp_home"]]
    assert result.project_sources.values.tolist() == [
        ["hcmc_water", "usascp_home"],
        ["vn_buses", "usascp_home"],
        ["pp_clinics", "usascp_home"],
    ]
    notes = [str(note) for note in result.notes]
    assert (
        "projects.csv row 2, column cities: read 'Ho Chi Minh City; Da Nang' as 2 member cities where the project works: "
        "ho_chi_minh_city (Ho Chi Minh City, Vietnam), da_nang (Da Nang, Vietnam); project_cities rows made, citing usascp_home"
    ) in notes
    assert (
        "projects.csv row 3, column countries: read 'Viet Nam' as the country VNM (Vietnam), where the project works; "
        "a project_countries row made, citing usascp_home"
    ) in notes
    assert "projects.csv row 2, column sources: read 'https://usascp.org/' as the source usascp_home " in " ".join(notes)


def test_a_new_web_address_needs_its_sources_row_and_then_two_sheets_do(dataset):
    new_source = {**THREE_PROJECTS[0], "sources": "https://example.gov/water-meters"}
    refused = check([("projects.csv", projects_csv(new_source))], dataset)
    assert isinstance(refused, DatasetError)
    assert (
        "projects.csv row 2, column sources: 'https://example.gov/water-meters' is not the web address of a source "
        "listed in the sources table: add a row for it there (its title, publisher and the day you read it), "
        "since every figure says where it comes from"
    ) in [str(problem) for problem in refused.problems]
    sources = (
        ",".join(SCHEMAS["sources"].columns)
        + "\nmeters_page,Water meters,City water board,https://example.gov/water-meters,2024,2025-01-10\n"
    ).encode()
    result = check([("projects.csv", projects_csv(new_source)), ("sources.csv", sources)], dataset)
    assert not isinstance(result, DatasetError), str(result)
    assert set(result.project_cities["source_id"]) == {"meters_page"}


def test_a_link_given_as_a_row_and_in_the_column_is_made_once(dataset):
    links = (",".join(SCHEMAS["project_cities"].columns) + "\nhcmc_water,ho_chi_minh_city,site,usascp_home\n").encode()
    result = check([("projects.csv", projects_csv(THREE_PROJECTS[0])), ("project_cities.csv", links)], dataset)
    assert not isinstance(result, DatasetError), str(result)
    assert result.project_cities["city_id"].tolist() == ["ho_chi_minh_city", "da_nang"]


def test_cities_without_any_source_and_a_misspelt_city_are_reported_on_the_project_row(dataset):
    row = {**THREE_PROJECTS[0], "cities": "Ho Chi Mihn City; Da Nang", "sources": ""}
    refused = check([("projects.csv", projects_csv(row))], dataset)
    problems = [str(problem) for problem in refused.problems]
    assert (
        "projects.csv row 2, column cities: 'Ho Chi Mihn City' is not the name or city_id of a member city; "
        "did you mean `ho_chi_minh_city` — Ho Chi Minh City, Vietnam?"
    ) in problems
    assert (
        "projects.csv row 2, column cities: the project needs a source for its cities to cite: give it one in its "
        "sources column (a web address or source_id) or in the project_sources table"
    ) in problems


def test_the_template_gives_every_column_its_own_description_consistent_with_its_checks():
    guide = column_guide()
    for table in SCHEMAS:
        rows = [row for row in guide if row[0] == table]
        meanings = [meaning for _, _, _, _, meaning in rows]
        assert all(meanings), [name for _, name, _, _, meaning in rows if not meaning]
        assert len(set(meanings)) == len(meanings), (table, [m for m in meanings if meanings.count(m) > 1])
    by_column = {(table, name): (rule, meaning) for table, name, _, rule, meaning in guide}
    # Ranges are said once, by the rule the check enforces; a meaning never restates one.
    for (table, name), (rule, meaning) in by_column.items():
        if str(SCHEMAS[table].columns[name].dtype) in ("Float64", "Int64") if name in SCHEMAS[table].columns else False:
            assert not re.search(r"or more|above|at most|below|between", meaning), (table, name, meaning)
    assert by_column[("grants", "amount_usd")][0] == "a number; a finite amount of 0 or more and at most 1,000,000,000,000,000"
    assert by_column[("metrics", "metric")][1] != by_column[("metrics", "unit")][1] != by_column[("metrics", "value")][1]
    assert by_column[("sources", "title")][1] != by_column[("sources", "publisher")][1]
    assert by_column[("project_cities", "city_id")][0].startswith("the name or city_id of a member city")
    assert "read as its code" in by_column[("project_countries", "iso3")][0]
    assert by_column[("projects", "cities")][1].startswith("the member cities where the project works")


def test_the_template_offers_member_city_names_where_a_city_goes_without_refusing_other_text(dataset):
    workbook = load_workbook(io.BytesIO(template_workbook(cities=dataset.cities)))
    lists = workbook["lists"]
    titles = {cell.value: cell.column_letter for cell in lists[1]}
    names = [cell.value for cell in lists[titles["member cities"]][1:] if cell.value]
    assert "Ho Chi Minh City" in names and len(names) == len(dataset.cities)
    sheet = workbook["project_cities"]
    offered = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    city_list = offered["B2:B5000"]
    assert f"${titles['member cities']}$" in city_list.formula1 and not city_list.showErrorMessage
    assert offered["C2:C5000"].showErrorMessage  # role: only site or venue


def test_one_misspelt_city_is_one_problem_not_also_a_scope_without_a_city(dataset):
    row = {**THREE_PROJECTS[0], "cities": "Ho Chi Mihn City"}
    refused = check([("projects.csv", projects_csv(row))], dataset)
    assert [str(problem) for problem in refused.problems] == [
        "projects.csv row 2, column cities: 'Ho Chi Mihn City' is not the name or city_id of a member city; "
        "did you mean `ho_chi_minh_city` — Ho Chi Minh City, Vietnam?"
    ]
    # Without the column, the same project with no city says so: the rule itself still holds.
    no_city = check([("projects.csv", projects_csv({**THREE_PROJECTS[0], "cities": ""}))], dataset)
    assert [problem.column for problem in no_city.problems] == ["geographic_scope"]
