"""Search across everything (usascp.search) and what a source supports (usascp.sources), on the shipped data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from usascp import search
from usascp.search import ELSEWHERE, EXACT_NAME, IN_NAME, NAME_STARTS, folded, words
from usascp.sources import source_support, support_counts


def first(dataset, query, **options):
    return search.search(dataset, query, **options).hits[0]


def keys(dataset, query, kind=None):
    return [hit.key for hit in search.search(dataset, query, limit=1000, kind=kind).hits]


def test_phnom_finds_phnom_penh_first_and_opens_its_profile(dataset):
    hit = first(dataset, "phnom")
    assert (hit.kind, hit.name, hit.rank) == ("city", "Phnom Penh", NAME_STARTS)
    assert (hit.page, hit.params) == ("pages/city.py", {"profile": "phnom_penh"})
    assert hit.detail == "Cambodia · 2 projects named here"


def test_wise_finds_the_wise_program_first_by_the_abbreviation_its_name_gives(dataset):
    hit = first(dataset, "wise")
    assert (hit.key, hit.name, hit.rank) == ("wise", "Water Smart Engagements (WiSE)", EXACT_NAME)
    assert (hit.page, hit.params) == ("pages/projects.py", {"project": "wise"})
    # Its five city pairs follow, each with "WiSE" in its name.
    assert set(keys(dataset, "wise", kind="project")) == {
        "wise",
        "wise_hcmc_sfpuc",
        "wise_phuket_milwaukee",
        "wise_johor_dcwater",
        "wise_vientiane_cws",
        "wise_cebu_miami",
        "vientiane_nbs_pilot",  # "WiSE program team" among its partners
    }


def test_rit_finds_rit_but_never_a_word_that_merely_contains_it(dataset):
    found = search.search(dataset, "rit", limit=1000).hits
    assert (found[0].key, found[0].rank) == ("rit_circular_entrepreneurship", NAME_STARTS)
    assert "stci_symposia" in [hit.key for hit in found]  # its summary names "RIT programs"
    # The Phuket pair's partner, "Phuket Provincial Waterworks Authority", holds "rit" inside two words.
    partners = dataset.projects.set_index("project_id").at["wise_phuket_milwaukee", "implementing_partners"]
    assert "Authority" in partners and "Waterworks" in partners
    assert "wise_phuket_milwaukee" not in [hit.key for hit in found]
    assert not [hit for hit in found if "Authority" in hit.name]


def test_saigon_finds_the_sawaco_pair(dataset):
    assert keys(dataset, "saigon") == ["wise_hcmc_sfpuc"]
    assert first(dataset, "sawaco").key == "wise_hcmc_sfpuc"
    assert first(dataset, "sawaco").rank == EXACT_NAME  # "(SAWACO)" in its name


def test_matching_ignores_case_and_accents(dataset):
    for query in ("Đà Nẵng", "DA NANG", "da nang", "Da Nẵng"):
        hit = first(dataset, query)
        assert (hit.kind, hit.key, hit.rank) == ("city", "da_nang", EXACT_NAME), query
    assert keys(dataset, "PHNOM PENH") == keys(dataset, "phnom penh")


def test_folding_and_words():
    assert folded("Đà Nẵng") == "da nang"
    assert folded("São Tomé ØRESUND") == "sao tome oresund"
    assert words("Permodalan Darul Ta'zim (PDT); U.S. Water") == ["permodalan", "darul", "ta", "zim", "pdt", "u", "s", "water"]
    assert words(None) == [] and words("") == []


def test_every_word_must_start_a_word_of_the_entry(dataset):
    assert "phnom_penh" in keys(dataset, "phnom pen")
    assert "phnom_penh" not in keys(dataset, "phnom water")
    assert keys(dataset, "penh phnom")[:1] == ["phnom_penh"]  # order of words does not matter
    assert keys(dataset, "hnom") == []  # inside a word: not a match


def test_a_country_opens_the_map_zoomed_to_it(dataset):
    hit = first(dataset, "cambodia")
    assert (hit.kind, hit.key, hit.rank) == ("country", "KHM", EXACT_NAME)
    assert (hit.page, hit.params) == ("pages/map.py", {"focus": "KHM"})
    assert hit.detail == "4 member cities"
    # Its member cities are found too, through their country's name.
    assert {"phnom_penh", "siem_reap", "battambang", "sihanoukville"} <= set(keys(dataset, "cambodia", kind="city"))


def test_a_partner_named_by_one_project_opens_it_and_one_named_by_several_lists_them(raw_tables, dataset):
    hit = first(dataset, "dc water")
    assert (hit.kind, hit.name, hit.rank) == ("partner", "DC Water", EXACT_NAME)
    assert hit.params == {"partner": "DC Water", "project": "wise_johor_dcwater"}
    projects = raw_tables["projects"]
    naming = projects.loc[projects["implementing_partners"].str.contains("U.S. Water Partnership", regex=False), "project_id"]
    assert len(naming) == 6
    hit = first(dataset, "u.s. water partnership")
    assert (hit.kind, hit.params) == ("partner", {"partner": "U.S. Water Partnership"})
    assert hit.detail == "implementing partner · named by 6 projects"
    assert set(search.projects_naming(dataset, "u.s. water partnership")) == set(naming)


def test_us_partner_cities_and_utilities_of_city_pairs_are_partners(dataset):
    hit = first(dataset, "milwaukee")
    assert (hit.kind, hit.name) == ("partner", "Milwaukee")
    assert hit.detail == "U.S. partner city · named by 1 project"
    assert hit.params == {"partner": "Milwaukee", "project": "wise_phuket_milwaukee"}
    assert search.projects_naming(dataset, "City of Portland") == ("usdot_transport",)
    # One partner, however it is spelled or cased.
    assert search.projects_naming(dataset, "city of PORTLAND") == ("usdot_transport",)
    assert search.partner_name(dataset, "city of PORTLAND") == "City of Portland"
    assert search.projects_naming(dataset, "Nobody at all") == ()
    assert search.partner_name(dataset, "Nobody at all") is None


def test_an_event_opens_the_events_page_with_it_chosen(dataset):
    hit = first(dataset, "ascn8")
    assert (hit.kind, hit.key, hit.rank) == ("event", "ascn_annual_2025", EXACT_NAME)
    assert (hit.page, hit.params) == ("pages/events.py", {"event": "ascn_annual_2025"})
    assert hit.detail == "8 Sep 2025 · Kuala Lumpur, Malaysia · ASCN meeting"


def test_a_source_opens_about_the_data_with_what_it_supports(dataset):
    hit = first(dataset, "geonames gazetteer phnom")
    assert (hit.kind, hit.key) == ("source", "geonames_1821306")
    assert (hit.page, hit.params) == ("pages/about.py", {"source": "geonames_1821306"})
    assert hit.detail == "GeoNames · supports 1 event and 1 city"


def test_ranks_exact_names_first_then_names_starting_then_words_of_names_then_other_text(dataset):
    found = search.search(dataset, "phnom", limit=1000).hits
    ranks = [hit.rank for hit in found]
    assert ranks == sorted(ranks)
    assert {NAME_STARTS, IN_NAME, ELSEWHERE} <= set(ranks)
    # Projects found through the city they work in, not their names, come after names.
    assert next(hit for hit in found if hit.key == "khm_hospital_digitization").rank == ELSEWHERE


def test_results_count_every_match_by_kind_and_show_at_most_the_limit(dataset):
    results = search.search(dataset, "u.s.", limit=5)
    assert len(results.hits) == 5
    assert results.total == sum(results.by_kind.values()) > 5
    assert list(results.by_kind) == [kind for kind in search.KINDS if kind in results.by_kind]
    only_events = search.search(dataset, "u.s.", limit=1000, kind="event")
    assert only_events.total == results.by_kind["event"] == len(only_events.hits)
    assert {hit.kind for hit in only_events.hits} == {"event"}


def test_no_words_no_hits(dataset):
    assert search.search(dataset, "  ").hits == []
    assert search.search(dataset, "--").total == 0
    assert search.search(dataset, "zzzqqq").total == 0


def test_the_index_is_built_once_per_dataset(dataset):
    assert search.search_index(dataset) is search.search_index(dataset)


def test_every_destination_is_a_page_of_the_dashboard():
    navigation = (Path(__file__).resolve().parent.parent / "dashboard.py").read_text()
    for page, _ in search.DESTINATIONS.values():
        assert f'st.Page("{page}"' in navigation


def test_what_a_source_supports(dataset, raw_tables):
    support = source_support(dataset, "globalties_wise")
    cited = set(raw_tables["project_sources"].query("source_id == 'globalties_wise'")["project_id"])
    assert cited <= set(support.projects["project_id"])
    assert support.projects.set_index("project_id").at["wise_hcmc_sfpuc", "cited_for"] == "the project, a city pair"
    assert list(support.figures["metric_id"]) == list(raw_tables["metrics"].query("source_id == 'globalties_wise'")["metric_id"])
    geonames = source_support(dataset, "geonames_1821306")
    assert list(geonames.cities["city_id"]) == ["phnom_penh"]
    assert geonames.cities.at[0, "cited_for"] == "where it is (coordinates)"
    assert list(geonames.events["cited_for"]) == ["where it was held"]
    counts = support_counts(dataset)
    assert len(counts) == len(raw_tables["sources"])
    assert counts.loc["geonames_1821306"].to_dict() == {"projects": 0, "figures": 0, "events": 1, "cities": 1}
    with pytest.raises(KeyError):
        source_support(dataset, "no_such_source")


def test_an_imported_project_is_found_by_its_public_record_id(dataset):
    from usascp.importers.tables import UploadedFile, dataset_from_upload, read_upload

    mixed = Path(__file__).parent / "fixtures" / "iati-dportal-mixed.xml"
    imported = dataset_from_upload(read_upload([UploadedFile(mixed.name, mixed.read_bytes())], dataset.cities), dataset, beside_base=False)
    found = search.search(imported, "XM-DP-203-CHILD")
    # The project, and its public record among the sources (titled "IATI activity XM-DP-203-CHILD").
    assert {(hit.kind, hit.key) for hit in found.hits} == {("project", "xm_dp_203_child"), ("source", "iati_xm_dp_203_child")}


def test_each_source_counts_a_project_once_however_many_ways_it_is_cited(dataset):
    """support_counts against every citation put in one frame, as it once was built: the same counts."""
    pairs = dataset.city_pairs
    cited = pd.concat(
        [
            dataset.project_sources[["source_id", "project_id"]],
            dataset.grants[["source_id", "project_id"]],
            dataset.metrics[["source_id", "project_id"]].dropna(),
            pairs[["source_id", "project_id"]],
            pairs[["partner_coordinates_source_id", "project_id"]].dropna().set_axis(["source_id", "project_id"], axis=1),
        ]
    )
    expected = cited.groupby("source_id")["project_id"].nunique()
    counts = support_counts(dataset)
    assert counts["projects"].to_dict() == expected.reindex(counts.index, fill_value=0).to_dict()
    assert counts["figures"].to_dict() == dataset.metrics.groupby("source_id").size().reindex(counts.index, fill_value=0).to_dict()
    # globalties_wise is cited by wise_hcmc_sfpuc for the project and for its city pair: one project, not two.
    assert counts.at["globalties_wise", "projects"] == cited.loc[cited["source_id"] == "globalties_wise", "project_id"].nunique()


def test_other_words_are_each_cell_as_text_with_empty_cells_left_out():
    """The index reads the columns' own strings; a cell of another type reads as its text, as astype(str) gave it."""
    first = pd.Series(["Hanoi", None, np.nan, 3, 1.5, pd.NA], dtype=object)
    second = pd.Series(["water", "energy", "", "health", None, None], dtype=object)
    assert list(search._each_joined(first, second)) == ["Hanoi water", "energy", "", "3 health", "1.5", ""]
    assert list(search._each_joined(pd.Series([], dtype=object))) == []
