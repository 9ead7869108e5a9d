"""Names where identifiers go: a member city by name, a country by name, a source by its address, read as the
identifier they name when they name exactly one; otherwise reported with the likely intended value."""

from __future__ import annotations

import pandas as pd
import pytest

from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.load import DatasetError
from usascp.references import country_code, lookup_for, normalised
from usascp.schema import SCHEMAS


def checked(files: dict[str, str], base, beside: bool = True):
    """The dataset, or the DatasetError, an upload of these CSV texts gives."""
    upload = read_upload([UploadedFile(name, text.encode()) for name, text in files.items()])
    try:
        return dataset_from_upload(upload, base, beside_base=beside)
    except DatasetError as error:
        return error


def csv(table: str, *rows: str, extra: str = "") -> str:
    return "\n".join([",".join(SCHEMAS[table].columns) + extra, *rows]) + "\n"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Ho Chi Minh City", "ho_chi_minh_city"),
        ("  HO CHI MINH  city ", "ho_chi_minh_city"),
        ("Đà Nẵng", "da_nang"),
        ("Timor-Leste", "timor_leste"),
    ],
)
def test_names_are_compared_without_case_accents_or_punctuation(text, key):
    assert normalised(text) == key


@pytest.mark.parametrize(
    ("text", "code"),
    [("Vietnam", "VNM"), ("Viet Nam", "VNM"), ("vnm", "VNM"), ("Lao PDR", "LAO"), ("Burma", "MMR"), ("France", None)],
)
def test_a_country_is_read_by_any_of_its_names(text, code):
    assert country_code(text) == code


def test_a_city_name_reads_as_its_id_only_when_it_names_one_member_city(dataset):
    cities = lookup_for("cities", dataset.cities)
    assert cities.read("Ho Chi Minh City") == "ho_chi_minh_city"
    assert cities.read("Siem Reap, Cambodia") == "siem_reap"
    assert cities.read("Siem Reap, KHM") == "siem_reap"
    assert cities.read("ho_chi_minh_city") is None  # already the id: nothing to read
    assert cities.read("Ho Chi Mihn City") is None  # a near miss is a question, never read
    twins = pd.concat(
        [
            dataset.cities,
            dataset.cities[dataset.cities["city_id"] == "da_nang"].assign(city_id="da_nang_2", iso3="LAO", country="Laos"),
        ]
    )
    assert lookup_for("cities", twins).read("Da Nang") is None  # two member cities of that name: not read
    assert lookup_for("cities", twins).read("Da Nang, Laos") == "da_nang_2"


def test_a_near_miss_is_answered_with_the_likely_value_in_words(dataset):
    cities = lookup_for("cities", dataset.cities)
    assert cities.suggestion("Ho Chi Mihn City") == "did you mean `ho_chi_minh_city` — Ho Chi Minh City, Vietnam?"
    assert cities.suggestion("Ha Noi") == "did you mean `hanoi` — Hanoi, Vietnam?"
    assert cities.suggestion("Atlantis") is None
    projects = lookup_for("projects", dataset.projects)
    assert projects.suggestion("khm_hospital_digitisation").startswith("did you mean `khm_hospital_digitization` — ")


def test_an_upload_may_name_cities_countries_and_sources_and_is_told_how_they_were_read(dataset):
    result = checked(
        {
            "project_cities.csv": csv(
                "project_cities",
                "khm_hospital_digitization,Ho Chi Minh City,site,https://www.usascp.org/",
            ),
            "project_countries.csv": csv("project_countries", "khm_hospital_digitization,Viet Nam,usascp_home"),
        },
        dataset,
    )
    assert not isinstance(result, DatasetError), result
    assert [str(note) for note in result.notes] == [
        "project_cities.csv row 2, column city_id: read 'Ho Chi Minh City' as ho_chi_minh_city (Ho Chi Minh City, Vietnam)",
        "project_cities.csv row 2, column source_id: read 'https://www.usascp.org/' as usascp_home "
        "(U.S.-ASEAN Smart Cities Partnership: home page)",
        "project_countries.csv row 2, column iso3: read 'Viet Nam' as VNM",
    ]
    links = result.project_cities
    assert ((links["project_id"] == "khm_hospital_digitization") & (links["city_id"] == "ho_chi_minh_city")).sum() == 1


def test_a_name_that_names_no_member_city_is_reported_in_words_with_the_likely_one(dataset):
    result = checked(
        {"project_cities.csv": csv("project_cities", "khm_hospital_digitization,Ho Chi Mihn City,site,usascp_home")}, dataset
    )
    assert [str(problem) for problem in result.problems] == [
        "project_cities.csv row 2, column city_id: 'Ho Chi Mihn City' is not the name or city_id of a member city; "
        "did you mean `ho_chi_minh_city` — Ho Chi Minh City, Vietnam?"
    ]
