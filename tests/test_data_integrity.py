"""The shipped data: every number traceable to a public source, the 26 original pilot cities, the calendar."""

import pandas as pd

from usascp.schema import ASEAN_COUNTRIES, FOREIGN_KEYS

# The 26 pilot cities named in the ASEAN Smart Cities Network concept note of April 2018.
ORIGINAL_PILOT_CITIES = {
    "Bandar Seri Begawan": "Brunei",
    "Battambang": "Cambodia",
    "Phnom Penh": "Cambodia",
    "Siem Reap": "Cambodia",
    "Banyuwangi": "Indonesia",
    "Jakarta": "Indonesia",
    "Makassar": "Indonesia",
    "Luang Prabang": "Laos",
    "Vientiane": "Laos",
    "Johor Bahru": "Malaysia",
    "Kota Kinabalu": "Malaysia",
    "Kuala Lumpur": "Malaysia",
    "Kuching": "Malaysia",
    "Mandalay": "Myanmar",
    "Nay Pyi Taw": "Myanmar",
    "Yangon": "Myanmar",
    "Cebu City": "Philippines",
    "Davao City": "Philippines",
    "Manila": "Philippines",
    "Singapore": "Singapore",
    "Bangkok": "Thailand",
    "Chonburi": "Thailand",
    "Phuket": "Thailand",
    "Da Nang": "Vietnam",
    "Hanoi": "Vietnam",
    "Ho Chi Minh City": "Vietnam",
}


def test_all_26_original_pilot_cities_with_their_countries(dataset):
    original = dataset.cities[dataset.cities["ascn_cohort"] == "original_2018_pilot"]
    assert dict(zip(original["city"], original["country"])) == ORIGINAL_PILOT_CITIES
    assert (original["ascn_joined_year"] == 2018).all()


def test_later_members_joined_after_2018_with_a_source(dataset):
    later = dataset.cities[dataset.cities["ascn_cohort"] == "later_member"]
    assert set(later["city"]) == {"Chiang Mai", "Khon Kaen", "Rayong", "Sumedang", "Sihanoukville"}
    assert (later["ascn_joined_year"] > 2018).all()


def test_every_project_has_a_source(dataset):
    assert set(dataset.project_sources["project_id"]) == set(dataset.projects["project_id"])


def test_every_number_names_a_public_source(dataset):
    sources = dataset.sources.set_index("source_id")
    assert sources["url"].str.match(r"^https?://").all()
    numbered = {
        "grants": ["source_id"],
        "metrics": ["source_id"],
        "cities": ["coordinates_source_id", "joined_source_id"],
        "events": ["coordinates_source_id", "source_id"],
        "city_pairs": ["partner_coordinates_source_id", "source_id"],
    }
    for table, columns in numbered.items():
        frame = getattr(dataset, table)
        for column in columns:
            assert frame[column].notna().all(), f"{table}.{column} has a row without a source"
            assert frame[column].isin(sources.index).all()
    with_population = dataset.cities[dataset.cities["population"].notna()]
    assert with_population["population_source_id"].isin(sources.index).all()
    assert with_population["population_year"].notna().all()


def test_unknown_amounts_are_absent_never_zero(dataset):
    assert (dataset.grants["amount_usd"] > 0).all()
    assert (dataset.metrics["value"] > 0).all()


def test_foreign_keys_hold(dataset):
    for key in FOREIGN_KEYS:
        values = getattr(dataset, key.table)[key.column].dropna()
        targets = set(getattr(dataset, key.target_table)[key.target_column])
        assert values.isin(targets).all(), f"{key.table}.{key.column} -> {key.target_table}.{key.target_column}"


def test_every_source_is_used(dataset):
    used = set()
    for table in (
        "cities",
        "project_sources",
        "project_cities",
        "project_countries",
        "city_pairs",
        "grants",
        "metrics",
        "events",
    ):
        frame = getattr(dataset, table)
        for column in frame.columns:
            if column.endswith("source_id"):
                used |= set(frame[column].dropna())
    unused = set(dataset.sources["source_id"]) - used
    assert not unused, f"sources nothing points to: {sorted(unused)}"


def test_the_partnership_calendar_events_are_present(dataset):
    events = dataset.events.set_index("event_id")
    calendar = events[events["on_usascp_calendar"]]
    assert set(calendar["city"]) == {"Kisumu", "Helsingborg", "Stockholm"}
    assert events.at["africities_2022", "start_date"] == "2022-05-17"
    assert events.at["urban_future_2022", "end_date"] == "2022-06-03"
    assert events.at["stockholm50_2022", "start_date"] == "2022-06-02"


def test_headline_facts_from_the_partnership_page(dataset):
    grants = dataset.grants.set_index("project_id")
    assert grants.at["khm_hospital_digitization", "amount_usd"] == 98_750
    assert grants.at["khm_hospital_digitization", "recipient"] == "First Womentech Asia"
    hospital_cities = dataset.project_cities[dataset.project_cities["project_id"] == "khm_hospital_digitization"]
    assert set(hospital_cities["city_id"]) == {"phnom_penh", "siem_reap", "battambang"}
    projects = dataset.projects.set_index("project_id")
    assert projects.at["sg_shoe_recycling", "relationship"] == "highlighted_private"
    iurban_sources = dataset.project_sources[dataset.project_sources["project_id"] == "integrated_urban_services"]
    assert "usascp_home" in set(iurban_sources["source_id"])


def test_coordinates_sit_in_their_country(dataset):
    # Rough boxes around each ASEAN country: catches swapped or mistyped coordinates.
    boxes = {
        "BRN": (4, 5.1, 114, 115.4),
        "KHM": (10, 14.7, 102.3, 107.7),
        "IDN": (-11, 6, 95, 141),
        "LAO": (13.9, 22.5, 100, 107.7),
        "MYS": (0.8, 7.4, 99.6, 119.3),
        "MMR": (9.6, 28.6, 92.2, 101.2),
        "PHL": (4.5, 21.2, 116.9, 126.7),
        "SGP": (1.15, 1.48, 103.6, 104.1),
        "THA": (5.6, 20.5, 97.3, 105.7),
        "VNM": (8.4, 23.4, 102.1, 109.5),
    }
    for city in dataset.cities.itertuples():
        south, north, west, east = boxes[city.iso3]
        assert south <= city.lat <= north and west <= city.lon <= east, city.city


def test_country_names_are_the_schema_names(dataset):
    assert set(dataset.cities["country"]) <= set(ASEAN_COUNTRIES.values())
    assert pd.api.types.is_float_dtype(dataset.cities["lat"])


def test_wise_pairs_link_five_asean_cities_to_us_utilities(dataset):
    pairs = dataset.city_pairs
    wise = pairs[pairs["project_id"].str.startswith("wise")]
    assert set(wise["city_id"]) == {"ho_chi_minh_city", "phuket", "johor_bahru", "vientiane", "cebu_city"}
    assert set(wise["partner_city"]) == {"San Francisco", "Milwaukee", "Washington, D.C.", "Hillsboro", "Miami"}
    assert (pairs["partner_lon"] < -60).all()  # every partner is in the United States
