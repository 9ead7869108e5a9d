"""Comparing places (usascp.compare) on the shipped data: each column is what the other pages show for that place."""

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from usascp import aggregate, compare
from usascp.filters import Filters, select_events, select_projects

TODAY = dt.date(2026, 12, 1)


NO_FILTERS = Filters()


def figures_for(dataset, *place_ids, filters=NO_FILTERS):
    places = compare.places(dataset)
    return [compare.place_figures(dataset, places[place_id], filters, TODAY) for place_id in place_ids]


def touching(raw_tables, iso3):
    """USASCP project ids touching a country through a city (site or venue) or directly, read from the CSV files."""
    cities = raw_tables["cities"]
    in_country = set(cities.loc[cities["iso3"] == iso3, "city_id"])
    links = raw_tables["project_cities"]
    direct = raw_tables["project_countries"]
    ids = set(links.loc[links["city_id"].isin(in_country), "project_id"]) | set(direct.loc[direct["iso3"] == iso3, "project_id"])
    projects = raw_tables["projects"].set_index("project_id")
    return {project_id for project_id in ids if projects.at[project_id, "relationship"] == "usascp_project"}


def test_cambodia_and_vietnam_project_counts_come_from_the_csv_files(dataset, raw_tables):
    cambodia, vietnam = figures_for(dataset, "KHM", "VNM")
    # Cambodia: the hospital grant and the school-gardens award; Vietnam: the SAWACO pair, the 5RTECH award
    # and the green buildings partnership. No parent program works in either, so every project is its own unit.
    assert touching(raw_tables, "KHM") == {"khm_hospital_digitization", "bif1_ag4f"}
    assert touching(raw_tables, "VNM") == {"wise_hcmc_sfpuc", "bif1_5rtech", "green_buildings_uncc"}
    assert (cambodia.funding.projects_total, vietnam.funding.projects_total) == (2, 3)
    table = compare.comparison_table([cambodia, vietnam])
    assert list(table.columns) == ["Cambodia (country)", "Vietnam (country)"]
    assert table.loc[compare.PROJECTS].tolist() == ["2", "3"]


def test_disclosed_funding_with_its_not_disclosed_count(dataset, raw_tables):
    cambodia, vietnam = figures_for(dataset, "KHM", "VNM")
    grants = raw_tables["grants"].set_index("project_id")["amount_usd"].astype(float)
    assert cambodia.funding.disclosed_usd == grants["khm_hospital_digitization"] == 98_750
    assert vietnam.funding.disclosed_usd == grants["green_buildings_uncc"] == 300_000
    table = compare.comparison_table([cambodia, vietnam])
    assert table.loc[compare.DISCLOSED].tolist() == ["$98,750", "$300,000"]
    assert table.loc[compare.NOT_DISCLOSED].tolist() == ["1 of 2", "2 of 3"]
    # The hospital grant works in three Cambodian cities, Cambodia alone; the green buildings program in
    # Vietnam and Thailand, so its money is Vietnam's to show but not Vietnam's alone.
    assert table.loc[compare.ALONE].tolist() == ["$98,750", "not disclosed"]
    assert table.loc[compare.SHARED].tolist() == ["—", "$300,000"]


def test_a_city_is_compared_with_its_country_and_money_is_never_split(dataset):
    phnom_penh, hcmc = figures_for(dataset, "phnom_penh", "ho_chi_minh_city")
    assert phnom_penh.place.label == "Phnom Penh, Cambodia"
    table = compare.comparison_table([phnom_penh, hcmc])
    assert table.loc[compare.PROJECTS].tolist() == ["2", "1"]
    # The hospital grant also works in Siem Reap and Battambang: shown whole, never split three ways.
    assert table.loc[compare.ALONE].tolist() == ["not disclosed", "not disclosed"]
    assert table.loc[compare.SHARED].tolist() == ["$98,750", "—"]
    assert table.loc[compare.DISCLOSED].tolist() == ["$98,750", "not disclosed"]


def test_results_and_events_per_place(dataset):
    cambodia, vietnam = figures_for(dataset, "KHM", "VNM")
    table = compare.comparison_table([cambodia, vietnam])
    assert table.loc["Records digitized"].tolist() == ["108,750", "—"]
    assert table.loc[compare.EVENTS].tolist() == ["1", "3"]  # the 2022 annual meeting (Cambodia chair); three in Vietnam
    assert table.loc[compare.UPCOMING].tolist() == ["0", "0"]


def test_a_figure_a_source_ties_to_another_city_is_not_counted_for_this_one(dataset):
    # The hospital grant works in Phnom Penh, Siem Reap and Battambang; say a source gave Siem Reap's own figure.
    metrics = dataset.metrics
    siem_reap_figure = metrics[metrics["metric_id"] == "M008"].assign(metric_id="M999", city_id="siem_reap", value=5_000.0)
    tied = dataclasses.replace(dataset, metrics=pd.concat([metrics, siem_reap_figure], ignore_index=True))
    phnom_penh, siem_reap, cambodia = figures_for(tied, "phnom_penh", "siem_reap", "KHM")
    assert "M999" not in set(phnom_penh.result_rows["metric_id"])
    assert "M999" in set(siem_reap.result_rows["metric_id"]) and "M999" in set(cambodia.result_rows["metric_id"])
    table = compare.comparison_table([phnom_penh, siem_reap, cambodia])
    assert table.loc["Records digitized"].tolist() == ["108,750", "113,750", "113,750"]


def test_each_column_equals_the_other_pages_with_that_place_as_the_only_place_filter(dataset):
    filters = Filters(sectors=("Water",), include_related=True)
    for place_id in ("KHM", "VNM", "LAO", "vientiane", "johor_bahru"):
        (figures,) = figures_for(dataset, place_id, filters=filters)
        here = figures.place.filters(filters)
        assert set(figures.projects["project_id"]) == set(select_projects(dataset, here)["project_id"])
        assert figures.funding == aggregate.funding_totals(dataset, select_projects(dataset, here))
        assert len(figures.events) == len(select_events(dataset, here))


def test_the_sidebar_place_filters_give_way_to_the_places_compared(dataset):
    (cambodia,) = figures_for(dataset, "KHM", filters=Filters(countries=("VNM",), cities=("hanoi",)))
    assert cambodia.funding.projects_total == 2


def test_places_from_the_url(dataset):
    chosen, notices = compare.places_from_params(["khm", "phnom_penh", "KHM", "", "Atlantis", "VNM", "hanoi", "da_nang"], dataset)
    assert [place.place_id for place in chosen] == ["KHM", "phnom_penh", "VNM", "hanoi"]
    assert notices == [
        "Ignored place 'Atlantis': not a member city or a country with member cities.",
        "Ignored place 'da_nang': at most 4 places are compared at once.",
    ]
    assert compare.place_ids_from_params(["PHL", "cebu_city"], dataset) == (["PHL", "cebu_city"], [])


def test_only_countries_with_member_cities_are_places(dataset):
    places = compare.places(dataset)
    assert "TLS" not in places  # Timor-Leste has no member city
    assert places["KHM"].label == "Cambodia (country)"
    assert sum(place.kind == "city" for place in places.values()) == len(dataset.cities)


def test_the_rows_behind_the_comparison(dataset):
    figures = figures_for(dataset, "KHM", "phnom_penh")
    projects = compare.projects_behind(dataset, figures)
    assert projects.groupby("place")["project_id"].apply(set).to_dict() == {
        "Cambodia": {"khm_hospital_digitization", "bif1_ag4f"},
        "Phnom Penh": {"khm_hospital_digitization", "bif1_ag4f"},
    }
    assert projects.loc[projects["project_id"] == "khm_hospital_digitization", "amount_usd"].tolist() == [98_750, 98_750]
    results = compare.results_behind(dataset, figures)
    assert set(results["metric_id"]) == {"M006", "M007", "M008"}
    assert results["publisher"].eq("The Phnom Penh Post").all()
    events = compare.events_behind(figures)
    assert events["event_id"].tolist() == ["ascn_annual_2022", "ascn_annual_2022"]
    values = compare.comparison_values(figures)
    assert values.set_index("place_id").loc[
        "KHM", ["projects", "disclosed_usd", "projects_not_disclosing", "events"]
    ].tolist() == [
        2,
        98_750,
        1,
        1,
    ]
    assert pd.isna(values.set_index("place_id").at["KHM", "shared_usd"])


def test_an_empty_comparison_has_its_columns(dataset):
    assert list(compare.projects_behind(dataset, [])) == [
        "place",
        "project_id",
        "title",
        "program",
        "lead_agency",
        "sector",
        "cities",
        "countries",
        "status",
        "amount_usd",
        "record_id",
        "record_url",
    ]
    assert compare.comparison_table([]).empty


@pytest.mark.parametrize("place_id", ["KHM", "sihanoukville"])
def test_a_place_with_no_projects_has_nothing_to_disclose(dataset, place_id):
    (figures,) = figures_for(dataset, place_id, filters=Filters(sectors=("Energy",)))
    column = compare.comparison_table([figures]).iloc[:, 0]
    assert column[compare.PROJECTS] == "0"
    assert column[compare.DISCLOSED] == "no projects"
    assert column[compare.ALONE] == column[compare.SHARED] == "—"


def test_money_of_a_place_alone_is_what_the_funding_breakdown_places_there(dataset):
    # Every member city and country, with sister and related programs: the part shown as a place's own is
    # exactly the Funding page's breakdown by city or country for that place.
    filters = Filters(include_related=True)
    for place in compare.places(dataset).values():
        projects = select_projects(dataset, place.filters(filters))
        here, alone = aggregate.funding_totals_here_and_alone(dataset, projects, None, place.kind, place.name)
        assert here == aggregate.funding_totals(dataset, projects)
        breakdown = aggregate.funding_by(dataset, place.kind, projects).set_index(place.kind)
        if place.name in breakdown.index:
            row = breakdown.loc[place.name]
            assert alone.projects_total == row["projects_disclosing"] + row["projects_not_disclosed"]
            assert alone.projects_disclosing == row["projects_disclosing"]
            assert alone.disclosed_usd == (None if pd.isna(row["disclosed_usd"]) else row["disclosed_usd"])
        else:
            assert (alone.projects_total, alone.disclosed_usd) == (0, None)
