"""Each source's licence: stated in its row, or following from its address and publisher (usascp.licences)."""

from pathlib import Path

import pandas as pd
import pytest

from usascp import licences
from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload
from usascp.load import load_dataset

SAMPLE = Path(__file__).parent / "fixtures" / "iati-activities-test.xml"


def test_the_shipped_sources_by_kind_with_their_licences(dataset, raw_tables):
    sources = raw_tables["sources"]
    summary = licences.licence_summary(dataset.sources).set_index("kind")
    geonames = sources["url"].str.contains("://www.geonames.org/", regex=False).sum()
    usascp = sources["url"].str.contains(r"://(?:www\.)?usascp\.org/").sum()
    assert (geonames, usascp) == (44, 19)
    assert summary.loc[licences.GEONAMES, "sources"] == geonames
    assert summary.loc[licences.GEONAMES, "licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert summary.loc[licences.USASCP_SITE, "sources"] == usascp
    assert summary.loc[licences.USASCP_SITE, "licence"] == licences.FACTS_ONLY
    assert "not taken to be a U.S. government work" in licences.WHY[licences.USASCP_SITE][0]
    government = licences.source_licences(dataset.sources).query("kind == @licences.US_GOVERNMENT")
    assert set(government["source_id"]) == {
        "shareamerica_wise",  # share.america.gov
        "usmission_bif",  # asean.usmission.gov
        "tradegov_tctp_2019",
        "fpi_19127",  # fpi.omb.gov
        "nsf_dcl_20024",  # new.nsf.gov
        "state_japan_statement",
    }
    assert set(government["licence"]) == {licences.PUBLIC_DOMAIN_US_WORK}
    others = len(sources) - geonames - usascp - len(government)
    assert summary.loc[licences.OTHER, "sources"] == others == 54
    assert summary.loc[licences.OTHER, "licence"] == licences.FACTS_ONLY
    assert list(summary.index) == [licences.US_GOVERNMENT, licences.GEONAMES, licences.USASCP_SITE, licences.OTHER]


@pytest.mark.parametrize(
    "url, federal",
    [
        ("https://www.state.gov/a-statement/", True),
        ("https://2017-2021.state.gov/archive/", True),
        ("https://share.america.gov/story/", True),
        ("https://notstate.gov/page", False),  # a look-alike name
        ("https://www.clc.gov.sg/programme", False),  # Singapore's government, not the U.S.'s
        ("https://state.gov.example.com/", False),
        ("https://www.nyc.gov/site/", False),  # a city's .gov: not a federal work
        ("not an address", False),
    ],
)
def test_only_us_federal_addresses_count_as_us_government_works(url, federal):
    assert (licences.kind_of(url) == licences.US_GOVERNMENT) is federal


def test_foreignassistance_gov_data_is_public_domain_by_its_publishers_statement():
    found = licences.licence_of("https://foreignassistance.gov/cd/vietnam/2023/obligations/0", "ForeignAssistance.gov")
    assert found.kind == licences.FA_GOV
    assert found.licence.startswith("Public domain")
    assert found.licence_url == "https://iatiregistry.org/publisher/about/unitedstates"


def test_an_iati_record_carries_its_publishers_licence_and_a_us_agencys_is_public_domain(dataset):
    upload = read_upload([UploadedFile(SAMPLE.name, SAMPLE.read_bytes())], dataset.cities)
    with_iati = dataset_from_upload(upload, dataset, beside_base=True)
    summary = licences.licence_summary(with_iati.sources)
    iati = summary[summary["kind"] == licences.IATI]
    # The sample's four activities: one published by USAID, two by the State Department, one by a foundation.
    assert iati[["iati_publisher", "licence", "sources", "licence_url"]].values.tolist() == [
        ["U.S. Department of State", licences.PUBLIC_DOMAIN_US_DATA, 2, licences.US_CODE_105],
        [
            "Example Test Foundation",
            licences.PUBLISHERS_CHOICE,
            1,
            "https://iatiregistry.org/",
        ],  # its registry page's name is not known
        [
            "U.S. Agency for International Development",
            licences.PUBLIC_DOMAIN_US_DATA,
            1,
            "https://iatiregistry.org/publisher/about/usaid",
        ],
    ]
    assert set(summary.loc[summary["kind"] != licences.IATI, "iati_publisher"]) == {""}
    assert summary["sources"].sum() == len(dataset.sources) + 4


def test_a_licence_stated_in_the_sources_table_is_the_one_shown(data_copy):
    sources = pd.read_csv(data_copy.path("sources"), dtype=str, keep_default_na=False)
    sources["licence"] = ""
    sources.loc[sources["source_id"] == "mb_bif2", "licence"] = "CC BY-NC 4.0  (stated in its footer)"
    sources.to_csv(data_copy.path("sources"), index=False)
    shown = licences.source_licences(load_dataset(data_copy.folder).sources).set_index("source_id")
    assert shown.loc["mb_bif2", "licence"] == "CC BY-NC 4.0 (stated in its footer)"
    assert shown.loc["mb_bif2", "licence_stated"] and shown.loc["mb_bif2", "kind"] == licences.OTHER
    assert shown.loc["mb_bif2", "licence_url"] is None
    assert shown.loc["usmission_bif", "licence"] == licences.PUBLIC_DOMAIN_US_WORK  # an empty cell: the rule


def test_a_sources_table_without_the_licence_column_follows_the_rule(dataset):
    assert "licence" in dataset.sources  # read as empty: the shipped file has no such column
    assert dataset.sources["licence"].isna().all()
    assert not licences.source_licences(dataset.sources)["licence_stated"].any()


@pytest.mark.parametrize(
    "publisher, public_domain",
    [
        ("U.S. Agency for International Development", True),
        ("United States Agency for International Development (USAID)", True),
        ("US Department of State", True),
        ("U.S. Government", True),
        ("Millennium Challenge Corporation", True),
        ("Example Test Foundation", False),
        ("Japan International Cooperation Agency", False),
        ("Bonus Department Stores", False),  # "us" inside a word is not the U.S.
    ],
)
def test_an_iati_records_licence_follows_its_publisher(publisher, public_domain):
    found = licences.licence_of("https://d-portal.org/ctrack.html#view=act&aid=XM-1", publisher)
    assert found.kind == licences.IATI and found.iati_publisher == publisher
    assert (found.licence == licences.PUBLIC_DOMAIN_US_DATA) is public_domain
    assert (found.licence == licences.PUBLISHERS_CHOICE) is not public_domain
