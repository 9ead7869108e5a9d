"""The shared filters: selection rules, URL round trips and notices for bad values."""

import pytest

from usascp import aggregate
from usascp.filters import (
    Filters,
    describe,
    facet_counts,
    filter_options,
    filters_from_params,
    project_years,
    regional_projects,
    select_events,
    select_grants,
    select_projects,
    sidebar_counts,
)


@pytest.fixture(scope="module")
def options(dataset):
    return filter_options(dataset)


def ids(frame, column="project_id"):
    return set(frame[column])


def test_options_come_from_the_data(options):
    assert (options.year_min, options.year_max) == (2019, 2025)
    assert options.countries["KHM"] == "Cambodia" and "TLS" not in options.countries  # no Timor-Leste member city yet
    assert options.cities["phnom_penh"] == "Phnom Penh" and options.city_country["phnom_penh"] == "KHM"
    assert "Health" in options.sectors and "USDOT" in options.agencies


def test_default_filters_select_usascp_projects_only(dataset):
    selected = select_projects(dataset, Filters())
    assert set(selected["relationship"]) == {"usascp_project"}
    assert len(selected) == 26
    assert len(select_projects(dataset, Filters(include_related=True))) == 31


def test_country_filter_matches_cities_and_named_countries_but_not_regional_programs(dataset):
    assert ids(select_projects(dataset, Filters(countries=("KHM",)))) == {"khm_hospital_digitization", "bif1_ag4f"}
    vietnam = ids(select_projects(dataset, Filters(countries=("VNM",))))
    assert vietnam == {"wise_hcmc_sfpuc", "bif1_5rtech", "green_buildings_uncc"}
    assert "bif1" not in vietnam and "wise" not in vietnam


def test_regional_programs_are_offered_beside_a_place_filter(dataset):
    regional = ids(regional_projects(dataset, Filters(countries=("KHM",), sectors=("Innovation funds",))))
    assert regional == {"bif1", "bif2", "nsf_research_transition", "commerce_trade_events", "private_sector_engagement_2020"}


def test_city_filter_includes_venues(dataset):
    singapore = ids(select_projects(dataset, Filters(cities=("singapore",))))
    assert singapore == {"ivlp_circular_waste", "cet_pairing_delegation"}


def test_year_filter_keeps_projects_active_in_the_range(dataset):
    selected = select_projects(dataset, Filters(year_from=2024, year_to=2024))
    chosen = ids(selected)
    assert "bif2" in chosen  # launched Oct 2024
    assert "khm_hospital_digitization" not in chosen  # ended Mar 2022
    assert "wise_johor_dcwater" in chosen  # 2021-2024
    assert "nsf_bike_energy" not in chosen  # no published dates


def test_project_years_are_open_ended_while_running(dataset):
    years = project_years(dataset.projects.set_index("project_id", drop=False)).astype(object)
    assert tuple(years.loc["khm_hospital_digitization"]) == (2020, 2022)
    assert tuple(years.loc["bif2"]) == (2024, 9999)
    assert tuple(years.loc["idn_san_antonio_delegation"]) == (2020, 2020)
    assert years.loc["nsf_bike_energy"].isna().all()


def test_grants_count_in_the_year_they_were_awarded(dataset):
    projects = select_projects(dataset, Filters(year_from=2023, year_to=2025))
    grants = select_grants(dataset, Filters(year_from=2023, year_to=2025), projects)
    assert list(grants["grant_id"]) == ["G003"]
    assert aggregate.funding_totals(dataset, projects, grants).disclosed_usd == 3_000_000


def test_sector_agency_and_status_filters(dataset):
    assert ids(select_projects(dataset, Filters(sectors=("Health",)))) == {"khm_hospital_digitization"}
    assert ids(select_projects(dataset, Filters(agencies=("USDOT",)))) == {"usdot_transport", "usdot_upp"}
    completed = select_projects(dataset, Filters(statuses=("completed",)))
    assert set(completed["status"]) == {"completed"} and "wise" in ids(completed)


def test_events_follow_years_places_and_project_filters(dataset):
    assert len(select_events(dataset, Filters())) == 31
    cambodia = select_events(dataset, Filters(countries=("KHM",)))
    assert list(cambodia["event_id"]) == ["ascn_annual_2022"]
    kisumu_year = select_events(dataset, Filters(year_from=2022, year_to=2022))
    assert {"africities_2022", "urban_future_2022", "stockholm50_2022"} <= ids(kisumu_year, "event_id")
    water = select_events(dataset, Filters(sectors=("Water",)))
    assert set(water["project_id"]) == {"wise", "wise_johor_dcwater"}


def test_url_round_trip(options):
    filters = Filters(
        year_from=2020,
        year_to=2023,
        countries=("KHM", "VNM"),
        cities=("phnom_penh",),
        sectors=("Health",),
        agencies=("State",),
        statuses=("completed",),
        include_related=True,
    )
    params = filters.to_params()
    assert params["country"] == ["KHM", "VNM"] and params["related"] == ["1"]
    assert filters_from_params(params, options) == (filters, [])
    assert Filters().to_params() == {}


def test_url_values_are_matched_without_regard_to_case(options):
    filters, notices = filters_from_params({"country": ["khm"], "sector": ["health"], "status": ["Completed"]}, options)
    assert (filters.countries, filters.sectors, filters.statuses, notices) == (("KHM",), ("Health",), ("completed",), [])


@pytest.mark.parametrize(
    "params, expected, notice",
    [
        ({"from": ["abc"]}, Filters(), "Ignored start year 'abc': not a year."),
        ({"to": ["20x4"]}, Filters(), "Ignored end year '20x4': not a year."),
        ({"from": ["2024"], "to": ["2019"]}, Filters(), "Ignored the year range 2024–2019: it ends before it starts."),
        ({"from": ["1990"]}, Filters(year_from=2019), "Start year 1990 is outside the data (2019–2025); using 2019."),
        ({"country": ["KHM", "Narnia"]}, Filters(countries=("KHM",)), "Ignored country 'Narnia': not in this dataset."),
        ({"city": ["atlantis"]}, Filters(), "Ignored city 'atlantis': not in this dataset."),
        ({"related": ["perhaps"]}, Filters(), "Ignored related 'perhaps': use 1 or 0."),
    ],
)
def test_bad_url_values_are_dropped_with_a_notice(options, params, expected, notice):
    filters, notices = filters_from_params(params, options)
    assert filters == expected
    assert notices == [notice]


def test_repeated_and_blank_values_are_tidied(options):
    filters, notices = filters_from_params({"country": ["KHM", "KHM", " "], "from": ["2020", "2021"]}, options)
    assert filters.countries == ("KHM",) and filters.year_from == 2021 and notices == []


def test_facet_counts_use_every_other_filter(dataset):
    everything = facet_counts(dataset, Filters(), "country")
    assert everything["KHM"] == 2 and everything["IDN"] == 4
    health = facet_counts(dataset, Filters(sectors=("Health",)), "country")
    assert health == {"KHM": 1}
    # A country's own selection does not shrink its own counts.
    assert facet_counts(dataset, Filters(countries=("KHM",)), "country") == everything
    assert facet_counts(dataset, Filters(), "sector")["Innovation funds"] == 5
    assert facet_counts(dataset, Filters(), "city")["vientiane"] == 3


def test_describe_reads_like_a_caption(options):
    assert describe(Filters(), options) == "All USASCP projects"
    assert describe(Filters(year_from=2020, countries=("KHM",), sectors=("Health",)), options) == "2020–2025 · Cambodia · Health"


def test_the_sidebars_counts_at_once_are_each_dimensions_counts(dataset):
    """sidebar_counts works each filter out once and leaves each out in turn: the same as facet_counts one by one."""
    chosen = Filters(countries=("KHM", "VNM"), sectors=("Water", "Health"), include_related=True)
    together = sidebar_counts(dataset, chosen)
    for dimension in ("country", "city", "sector", "agency", "status"):
        assert together[dimension] == facet_counts(dataset, chosen, dimension)
    assert together["country"]["KHM"] == facet_counts(dataset, chosen, "country")["KHM"] > 0
    # The dimensions whose filter is not set share one selection: each still counts as facet_counts does.
    for chosen in (Filters(), Filters(countries=("KHM",)), Filters(statuses=("completed",), year_from=2021)):
        together = sidebar_counts(dataset, chosen)
        assert together == {dimension: facet_counts(dataset, chosen, dimension) for dimension in together}
