"""Aggregations on the shipped data, checked against sums computed straight from the CSV files."""

import dataclasses
import time

import numpy as np
import pandas as pd
import pytest

from usascp import aggregate
from usascp.load import Dataset
from usascp.filters import Filters, select_grant_rows, select_projects
from usascp.schema import RELATIONSHIPS

ALL = tuple(RELATIONSHIPS)


def usascp_grant_total(raw_tables) -> float:
    grants, projects = raw_tables["grants"], raw_tables["projects"]
    joined = grants.merge(projects[["project_id", "relationship"]], on="project_id")
    return joined.loc[joined["relationship"] == "usascp_project", "amount_usd"].astype(float).sum()


def test_funding_totals_equal_the_csv_sum_and_count_the_silent(dataset, raw_tables):
    totals = aggregate.funding_totals(dataset)
    assert totals.disclosed_usd == usascp_grant_total(raw_tables) == 4_398_750
    assert (totals.projects_disclosing, totals.projects_total, totals.projects_not_disclosing) == (4, 19, 15)


def test_sister_and_private_programs_only_count_when_asked(dataset):
    totals = aggregate.funding_totals(dataset, aggregate.select_projects(dataset, ALL))
    assert totals.disclosed_usd == 4_598_750  # plus the two $100,000 STIC award rounds
    assert (totals.projects_disclosing, totals.projects_total) == (5, 24)


def test_components_fold_into_their_program_only_when_it_is_selected(dataset):
    projects = dataset.projects
    with_program = projects[projects["project_id"].str.startswith("wise")]
    assert list(aggregate.reporting_units(dataset, with_program)["project_id"]) == ["wise"]
    pairs_alone = projects[projects["project_id"].str.startswith("wise_")]
    assert len(aggregate.reporting_units(dataset, pairs_alone)) == 5


def test_a_component_selected_alone_does_not_inherit_its_programs_money(dataset):
    da_nang_award = dataset.projects[dataset.projects["project_id"] == "bif1_5rtech"]
    totals = aggregate.funding_totals(dataset, da_nang_award)
    assert (totals.disclosed_usd, totals.projects_disclosing, totals.projects_total) == (None, 0, 1)


def test_funding_by_country_places_money_only_where_the_source_does(dataset):
    table = aggregate.funding_by(dataset, "country").set_index("country")
    assert table.at["Cambodia", "disclosed_usd"] == 98_750
    assert table.at[aggregate.REGIONAL, "disclosed_usd"] == 4_000_000  # both innovation fund rounds
    assert table.at[aggregate.SEVERAL_COUNTRIES, "disclosed_usd"] == 300_000  # UNC Charlotte: Vietnam, Thailand, Indonesia
    assert pd.isna(table.at["Singapore", "disclosed_usd"])
    assert table.at["Singapore", "projects_not_disclosed"] == 1
    assert table["disclosed_usd"].sum() == 4_398_750


def test_funding_by_city_never_splits_a_multi_city_grant(dataset):
    table = aggregate.funding_by(dataset, "city").set_index("city")
    assert table.at[aggregate.SEVERAL_CITIES, "disclosed_usd"] == 98_750  # Phnom Penh, Siem Reap and Battambang
    assert "Phnom Penh" not in table.index
    assert table.at[aggregate.COUNTRY_WIDE, "disclosed_usd"] == 300_000


def test_funding_by_year_uses_award_years_and_keeps_undated_projects(dataset):
    table = aggregate.funding_by(dataset, "year").set_index("year")
    assert table.at["2020", "disclosed_usd"] == 98_750
    assert table.at["2022", "disclosed_usd"] == 1_300_000
    assert table.at["2024", "disclosed_usd"] == 3_000_000
    assert pd.isna(table.at["2019", "disclosed_usd"])
    assert table.at["2019", "projects_not_disclosed"] == 5
    assert list(table.index) == ["2019", "2020", "2022", "2023", "2024", aggregate.YEAR_UNKNOWN]
    assert table.at[aggregate.YEAR_UNKNOWN, "projects_not_disclosed"] == 2
    assert table["projects_not_disclosed"].sum() == 15


def test_years_are_labels_of_one_type_so_a_table_and_an_axis_take_them(dataset):
    import pyarrow as pa

    table = aggregate.funding_by(dataset, "year")
    assert {type(label) for label in table["year"]} == {str}
    pa.Table.from_pandas(table)  # raised ArrowInvalid on "Year not published" beside integer years


def test_an_amount_with_no_award_date_is_kept_under_year_not_published(dataset):
    grants = dataset.grants.copy()
    grants.loc[grants["amount_usd"] == 98_750, "award_date"] = None
    undated = dataclasses.replace(dataset, grants=grants)
    table = aggregate.funding_by(undated, "year").set_index("year")
    assert table.at[aggregate.YEAR_UNKNOWN, "disclosed_usd"] == 98_750
    assert table["disclosed_usd"].sum() == 4_398_750  # nothing dropped


@pytest.mark.parametrize("dimension", aggregate.FUNDING_DIMENSIONS)
def test_every_breakdown_adds_up_to_the_totals(dataset, dimension):
    table = aggregate.funding_by(dataset, dimension)
    totals = aggregate.funding_totals(dataset)
    assert table["disclosed_usd"].sum() == totals.disclosed_usd
    assert table["projects_not_disclosed"].sum() == totals.projects_not_disclosing
    assert not (table["disclosed_usd"] == 0).any(), "a group with no published amount must be NA, not 0"


def test_funding_by_agency_and_sector(dataset):
    agency = aggregate.funding_by(dataset, "agency").set_index("agency")
    assert agency.at["State", "disclosed_usd"] == 4_398_750
    assert agency.at["USDOT", "projects_not_disclosed"] == 2
    sector = aggregate.funding_by(dataset, "sector").set_index("sector")
    assert sector.at["Innovation funds", "disclosed_usd"] == 4_000_000
    assert sector.at["Health", "disclosed_usd"] == 98_750


def test_unknown_dimension_is_refused(dataset):
    with pytest.raises(ValueError, match="dimension must be one of"):
        aggregate.funding_by(dataset, "planet")


def test_location_labels_follow_geographic_scope(dataset):
    projects = dataset.projects.set_index("project_id", drop=False)
    chosen = projects.loc[["khm_hospital_digitization", "bif1_5rtech", "green_buildings_uncc", "wise", "nsf_bike_energy"]]
    city = aggregate.location_labels(dataset, chosen, "city")
    country = aggregate.location_labels(dataset, chosen, "country")
    assert city.to_dict() == {
        "khm_hospital_digitization": aggregate.SEVERAL_CITIES,
        "bif1_5rtech": "Da Nang",
        "green_buildings_uncc": aggregate.COUNTRY_WIDE,
        "wise": aggregate.REGIONAL,
        "nsf_bike_energy": aggregate.LOCATION_UNKNOWN,
    }
    assert country["khm_hospital_digitization"] == "Cambodia"
    assert country["green_buildings_uncc"] == aggregate.SEVERAL_COUNTRIES


def test_metric_totals_count_each_achievement_once(dataset, raw_tables):
    totals = aggregate.metric_totals(dataset).set_index("metric")
    assert totals.at["records_digitized", "value"] == 108_750  # not 208,750: the rounded usascp.org figure is a duplicate
    assert totals.at["professionals_trained", "value"] == 867
    assert not totals.at["records_digitized", "is_lower_bound"]
    raw = raw_tables["metrics"]
    raw_records = raw[(raw["metric"] == "records_digitized") & (raw["duplicate_of"] == "")]
    assert float(raw_records["value"].astype(float).sum()) == 108_750


def test_lower_bounds_survive_a_sum(dataset):
    totals = aggregate.metric_totals(dataset).set_index("metric")
    assert totals.at["shoes_collected", "value"] == 75_000 and totals.at["shoes_collected", "is_lower_bound"]


def test_the_customers_of_the_paired_utilities_are_context_never_a_result_or_a_headline(dataset):
    # More than 21 million people are served by the water utilities WiSE pairs: their customer base, not
    # people the partnership reached. It must never add up into results or stand as a headline number.
    totals = aggregate.metric_totals(dataset)
    assert "utility_customers" not in set(totals["metric"]) and "people_served" not in set(totals["metric"])
    assert aggregate.headline_results(totals) == ["records_digitized", "professionals_trained", "hospitals_onboarded"]
    row = dataset.metrics.set_index("metric_id").loc["M016"]
    assert (row["metric"], row["value_type"], row["value"], row["is_lower_bound"]) == ("utility_customers", "context", 21e6, True)
    assert aggregate.metric_label("utility_customers") == "Customers of the paired water utilities"
    assert "not people the partnership reached" in row["note"]


def test_lower_bound_flag_propagates_when_duplicates_are_the_only_figures(dataset):
    metrics = dataset.metrics.copy()
    metrics.loc[metrics["metric_id"] == "M011", "duplicate_of"] = None
    metrics.loc[metrics["metric_id"] == "M008", "value_type"] = "context"
    rounded = dataclasses.replace(dataset, metrics=metrics)
    figure = aggregate.metric_figure(rounded, "records_digitized")
    assert (figure.value, figure.is_lower_bound) == (100_000, True)  # shows as "100,000+"


def test_targets_and_context_are_never_added_to_results(dataset):
    totals = aggregate.metric_totals(dataset).set_index("metric")
    assert "member_cities" not in totals.index
    assert "exchanges_per_pair" not in totals.index
    assert "stated_commitment_usd" not in totals.index


def test_metric_totals_by_project_and_city(dataset):
    by_project = aggregate.metric_totals(dataset, by="project").set_index(["project_id", "metric"])
    assert by_project.at[("khm_hospital_digitization", "hospitals_onboarded"), "value"] == 20
    assert by_project.at[("tctp_smart_cities", "participants"), "value"] == 84
    assert by_project.at[("tctp_smart_cities", "participants"), "is_approximate"]
    by_city = aggregate.metric_totals(dataset, by="city").set_index(["city", "metric"])
    assert by_city.at[("Singapore", "shoes_collected"), "value"] == 75_000
    assert by_city.at[("Johor Bahru", "participants"), "value"] == 6
    assert by_city.at[(aggregate.SEVERAL_CITIES, "records_digitized"), "value"] == 108_750
    with pytest.raises(ValueError):
        aggregate.metric_totals(dataset, by="agency")


def test_metric_totals_follow_the_project_selection(dataset):
    cambodia_grant = dataset.projects[dataset.projects["project_id"] == "khm_hospital_digitization"]
    totals = aggregate.metric_totals(dataset, projects=cambodia_grant)
    assert set(totals["metric"]) == {"hospitals_onboarded", "professionals_trained", "records_digitized"}


def test_metric_figure_carries_date_and_source(dataset):
    figure = aggregate.metric_figure(dataset, "records_digitized")
    assert figure == aggregate.Figure(108_750, False, False, "2022-03", ("ppp_hospitals",))
    assert aggregate.metric_figure(dataset, "trees_planted") is None


def test_latest_context_figure_is_the_most_recent(dataset):
    size = aggregate.latest_context_figure(dataset, "member_cities", "network")
    assert (size.value, size.as_of, size.source_ids) == (34, "2025-04-06", ("thesun_ascn34",))
    commitment = aggregate.latest_context_figure(dataset, "stated_commitment_usd", "program")
    assert (commitment.value, commitment.is_lower_bound) == (10_000_000, True)
    assert aggregate.latest_context_figure(dataset, "member_cities", "program") is None


def test_network_size_counts_cohorts(dataset):
    assert aggregate.network_size(dataset) == aggregate.NetworkSize(31, 26, 5)


def test_city_summary_counts_projects_and_attributed_funding(dataset):
    cities = aggregate.city_summary(dataset).set_index("city")
    assert len(cities) == 31
    assert cities.at["Phnom Penh", "projects"] == 2  # hospital digitization and the school gardens award
    assert cities.at["Vientiane", "projects"] == 3
    assert cities.at["Banyuwangi", "projects"] == 0
    assert cities["disclosed_usd"].isna().all()  # no disclosed grant is for exactly one city


def test_city_summary_attributes_single_city_grants(dataset):
    grants = pd.concat(
        [dataset.grants, dataset.grants.iloc[[0]].assign(grant_id="G999", project_id="bif1_ag4f", amount_usd=50_000.0)]
    )
    with_award = dataclasses.replace(dataset, grants=grants)
    award_alone = dataset.projects[dataset.projects["project_id"] == "bif1_ag4f"]
    cities = aggregate.city_summary(with_award, award_alone).set_index("city")
    assert cities.at["Phnom Penh", "disclosed_usd"] == 50_000
    # With its program selected too, the award folds into the region-wide fund and no city gets the money.
    assert aggregate.city_summary(with_award)["disclosed_usd"].isna().all()


def test_sources_for_keeps_order_and_drops_repeats(dataset):
    sources = aggregate.sources_for(dataset, ["ppp_hospitals", "usascp_home", "ppp_hospitals"])
    assert list(sources["source_id"]) == ["ppp_hospitals", "usascp_home"]
    assert sources.iloc[0]["publisher"] == "The Phnom Penh Post"


def test_source_links_keep_order_drop_repeats_and_unknown_ids(dataset):
    links = aggregate.source_links(dataset, ["ppp_hospitals", "no_such_source", "usascp_home", "ppp_hospitals"])
    home = dataset.sources.set_index("source_id").loc["usascp_home"]
    assert links == [
        ("The Phnom Penh Post", dataset.sources.set_index("source_id").at["ppp_hospitals", "url"]),
        (home["publisher"], home["url"]),
    ]


def test_metric_labels_are_readable():
    assert aggregate.metric_label("records_digitized") == "Records digitized"
    assert aggregate.metric_label("jogging_track_km") == "Jogging track km"


def test_funding_rows_list_every_amount_and_every_silent_project(dataset):
    rows = aggregate.funding_rows(dataset)
    assert len(rows) == 19  # 4 amounts + 15 projects that publish none
    assert list(rows["amount_usd"].dropna()) == [3_000_000, 1_000_000, 300_000, 98_750]
    hospital = rows.set_index("project_id").loc["khm_hospital_digitization"]
    assert (hospital["recipient"], hospital["country"], hospital["place"]) == (
        "First Womentech Asia",
        "Cambodia",
        aggregate.SEVERAL_CITIES,
    )
    assert hospital["source_url"] == "https://usascp.org/"
    silent = rows[rows["amount_usd"].isna()]
    assert set(silent["amount_kind"]) == {"not disclosed"}
    assert silent.set_index("project_id").at["wise", "source_url"] == "https://uswaterpartnership.org/wise/"


def test_project_table_and_search(dataset):
    table = aggregate.project_table(dataset, aggregate.select_projects(dataset))
    assert len(table) == 26
    hospital = table.set_index("project_id").loc["khm_hospital_digitization"]
    assert hospital["cities"] == "Battambang, Phnom Penh, Siem Reap" and hospital["amount_usd"] == 98_750
    assert table.set_index("project_id").at["wise_cebu_miami", "program"] == "Water Smart Engagements (WiSE)"
    assert list(aggregate.search_projects(table, "phnom penh")["project_id"]) == ["khm_hospital_digitization", "bif1_ag4f"]
    assert list(aggregate.search_projects(table, "RIT")["project_id"]) == ["stci_symposia"]
    assert aggregate.search_projects(table, "water miami")["project_id"].tolist() == ["wise_cebu_miami"]
    assert aggregate.search_projects(table, "") is table


def test_project_detail_gathers_everything_about_one_project(dataset):
    detail = aggregate.project_detail(dataset, "khm_hospital_digitization")
    assert set(detail.cities["city"]) == {"Phnom Penh", "Siem Reap", "Battambang"}
    assert detail.countries == ["Cambodia"]
    assert list(detail.grants["amount_usd"]) == [98_750]
    assert len(detail.metrics) == 6  # three results, each also reported in rounded form
    assert list(detail.sources["source_id"]) == ["ppp_hospitals", "usascp_home"]
    wise = aggregate.project_detail(dataset, "wise")
    assert len(wise.components) == 5 and wise.program_title is None
    pair = aggregate.project_detail(dataset, "wise_cebu_miami")
    assert pair.program_title == "Water Smart Engagements (WiSE)"
    with pytest.raises(KeyError):
        aggregate.project_detail(dataset, "no_such_project")


def test_city_measures_offer_metrics_placed_in_single_cities(dataset):
    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset, ALL))
    assert list(measures)[:2] == ["projects", "disclosed_usd"]
    assert measures["shoes_collected"] == "Pairs of shoes collected"
    assert cities.set_index("city").at["Singapore", "shoes_collected"] == 75_000
    assert "records_digitized" not in measures  # reported for three cities together, so never placed in one


def test_projects_without_a_city_keep_their_precision(dataset):
    table = aggregate.projects_without_a_city(dataset, aggregate.select_projects(dataset)).set_index("project_id")
    assert len(table) == 15
    assert table.at["green_buildings_uncc", "precision"] == "Country (no city named)"
    assert table.at["green_buildings_uncc", "where"] == "Indonesia, Thailand, Vietnam"
    assert table.at["ivlp_circular_waste", "where"] == "All ASEAN member states (held in Singapore)"
    assert table.at["nsf_bike_energy", "precision"] == "Not published"
    assert table.at["bif2", "amount_usd"] == 3_000_000


def test_city_profile_of_phnom_penh(dataset):
    profile = aggregate.city_profile(dataset, "phnom_penh", aggregate.select_projects(dataset))
    assert set(profile.projects["project_id"]) == {"khm_hospital_digitization", "bif1_ag4f"}
    assert profile.disclosed_usd is None  # its only amount also covers Siem Reap and Battambang
    assert profile.shared_usd == 98_750
    hospital = profile.projects.set_index("project_id").loc["khm_hospital_digitization"]
    assert hospital["shared_with"] == "Battambang, Siem Reap"
    assert set(profile.results["metric"]) == {"hospitals_onboarded", "professionals_trained", "records_digitized"}
    assert list(profile.events["event_id"]) == ["ascn_annual_2022"]
    assert profile.population_source["publisher"] == "Cambodia People's Party news"


def test_city_profile_of_johor_bahru_has_its_us_partners(dataset):
    profile = aggregate.city_profile(dataset, "johor_bahru", aggregate.select_projects(dataset))
    assert set(profile.pairs["partner_city"]) == {"Washington, D.C.", "Portland"}
    johor_result = profile.results.set_index("metric").loc["participants"]
    assert (johor_result["value"], johor_result["shared_with"]) == (6, "")


def test_figures_table_flags_what_totals_count(dataset):
    figures = aggregate.figures_table(dataset, aggregate.select_projects(dataset)).set_index("metric_id")
    assert figures.at["M008", "counted"] and not figures.at["M011", "counted"]  # the rounded duplicate
    assert not figures.at["M017", "counted"]  # a target
    assert figures.at["M011", "label"] == "Records digitized"


def test_events_timeline_marks_past_and_upcoming(dataset):
    import datetime as dt

    timeline = aggregate.events_timeline(dataset, dataset.events, dt.date(2022, 6, 1))
    by_id = timeline.set_index("event_id")
    assert by_id.at["africities_2022", "when"] == "past"
    assert by_id.at["urban_future_2022", "when"] == "upcoming"  # ends 3 Jun 2022
    assert by_id.at["dot_workshop_la", "when"] == "date not published"
    assert timeline["event_id"].iloc[0] == "ascn_governance_workshop_2018"
    assert timeline["event_id"].iloc[-1] in {"dot_workshop_la", "tao_vtc"}


def test_recent_results_are_newest_first_one_per_project(dataset):
    results = aggregate.recent_results(dataset, aggregate.select_projects(dataset))
    assert list(results["project_id"]) == ["wise", "ivlp_circular_waste", "khm_hospital_digitization"]
    assert results.iloc[2]["metric"] == "records_digitized"
    assert aggregate.recent_results(dataset, dataset.projects.head(0)).empty


def test_known_gaps_are_measured(dataset):
    gaps = aggregate.known_gaps(dataset)
    assert (gaps.projects_without_amount, gaps.projects_total) == (15, 19)
    assert round(gaps.disclosed_share_at_most, 2) == 0.44
    assert gaps.unnamed_members == 3
    assert gaps.cities_without_population == 14


def test_largest_projects_keeps_the_biggest_and_sums_the_rest(dataset):
    projects = aggregate.select_projects(dataset)
    tree = aggregate.largest_projects(dataset, projects, None, keep=2)
    assert tree["amount_usd"].sum() == 4_398_750  # nothing dropped
    assert tree["title"].tolist()[:2] == [
        "Smart Cities Business Innovation Fund 2.0",
        "Smart Cities Business Innovation Fund (BIF), first round",
    ]
    rest = tree.iloc[2:].set_index("sector")
    assert rest.loc["Health", "title"] == "1 other project" and rest.loc["Health", "amount_usd"] == 98_750
    assert len(aggregate.largest_projects(dataset, projects, None, keep=40)) == 4  # all named when there is room


def test_a_copy_with_a_table_swapped_is_not_answered_from_the_originals_tables(dataset):
    aggregate.countable_metrics(dataset)  # fills the shipped dataset's own tables
    no_results = dataclasses.replace(dataset, metrics=dataset.metrics[dataset.metrics["value_type"] != "result"])
    assert len(aggregate.countable_metrics(dataset)) > 0
    assert len(aggregate.countable_metrics(no_results)) == 0
    assert aggregate.metric_totals(no_results).empty


def test_a_view_is_computed_once_and_only_the_latest_views_are_kept(monkeypatch):
    fresh = Dataset(
        **{
            name: pd.DataFrame()
            for name in (
                "sources",
                "cities",
                "projects",
                "project_cities",
                "project_countries",
                "project_sources",
                "city_pairs",
                "grants",
                "transactions",
                "metrics",
                "events",
            )
        }
    )
    monkeypatch.setattr(aggregate, "VIEWS_KEPT", 2)
    calls = []

    def build(key):
        calls.append(key)
        return [key]

    first = aggregate.per_view(fresh, "a", lambda: build("a"))
    assert aggregate.per_view(fresh, "a", lambda: build("a")) is first  # shared, not rebuilt
    aggregate.per_view(fresh, "b", lambda: build("b"))
    aggregate.per_view(fresh, "a", lambda: build("a"))  # "a" is now the most recent
    aggregate.per_view(fresh, "c", lambda: build("c"))  # pushes out "b", the least recent
    aggregate.per_view(fresh, "a", lambda: build("a"))
    aggregate.per_view(fresh, "b", lambda: build("b"))
    assert calls == ["a", "b", "c", "b"]


def test_kept_views_stay_whole_when_many_viewers_ask_at_once(dataset, monkeypatch):
    """Viewers' scripts run in threads: 300 viewers behind `make cluster` once met "OrderedDict mutated during iteration"
    in per_view. Keys whose hash runs Python code (as a Filters key's does) give other threads the chance to mutate."""
    import threading

    fresh = dataclasses.replace(dataset)
    monkeypatch.setattr(aggregate, "VIEWS_KEPT", 8)

    class Key:
        def __init__(self, number):
            self.number = number

        def __hash__(self):
            time.sleep(0)  # lets another thread run here, as a dataclass's __hash__ may
            return hash(self.number)

        def __eq__(self, other):
            return isinstance(other, Key) and other.number == self.number

    failures = []

    def viewer(start):
        try:
            for number in range(start, start + 300):
                assert aggregate.per_view(fresh, Key(number % 20), lambda n=number: [n % 20]) == [number % 20]
        except Exception as error:  # noqa: BLE001 - any failure in a thread is the finding
            failures.append(error)

    threads = [threading.Thread(target=viewer, args=(start,)) for start in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(fresh.derived["views"]) <= 8


def test_kept_views_are_bounded_by_the_memory_they_hold(dataset, monkeypatch):
    """Past VIEWS_BYTES the least recent views go, however few they are; the view just made always stays."""
    fresh = dataclasses.replace(dataset)  # a copy with no views yet
    monkeypatch.setattr(aggregate, "VIEWS_BYTES", 4_000)
    calls = []

    def build(key, rows):
        calls.append(key)
        return {"positions": np.arange(rows, dtype=np.int64), "projects": dataset.projects.head(2)}

    assert not fresh.derived

    small = aggregate.per_view(fresh, "small", lambda: build("small", 100))  # 800 bytes + a 2-row frame
    assert aggregate.bytes_held(small) == 800 + int(dataset.projects.head(2).memory_usage(deep=False).sum())
    aggregate.per_view(fresh, "medium", lambda: build("medium", 200))
    aggregate.per_view(fresh, "small", lambda: build("small", 100))  # both fit: shared, not rebuilt
    aggregate.per_view(fresh, "huge", lambda: build("huge", 1_000))  # 8,000 bytes: over the budget alone
    aggregate.per_view(fresh, "huge", lambda: build("huge", 1_000))  # kept, as the latest
    aggregate.per_view(fresh, "small", lambda: build("small", 100))  # pushed out by "huge"; now "huge" goes
    aggregate.per_view(fresh, "medium", lambda: build("medium", 200))
    assert calls == ["small", "medium", "huge", "small", "medium"]
    # What a view refers to of the dataset itself is not counted as its own.
    assert aggregate.bytes_held({"dataset": dataset, "ids": ["a", "b"]}) == 0


def test_filtered_views_share_the_selection_between_viewers(dataset):
    from usascp.filters import Filters, select_projects

    cambodia = Filters(countries=("KHM",))
    assert select_projects(dataset, cambodia) is select_projects(dataset, Filters(countries=("KHM",)))
    assert select_projects(dataset, cambodia) is not select_projects(dataset, Filters())


def test_funding_places_says_no_disclosed_money_belongs_to_one_city(dataset):
    """data/grants.csv: $4M to region-wide programs, $300,000 to country-level work, $98,750 to the
    hospital records project in Battambang, Phnom Penh and Siem Reap; no amount to a single city."""
    from usascp.aggregate import funding_places

    places = funding_places(dataset, aggregate.select_projects(dataset))
    assert places.disclosed_usd == 4_398_750
    assert (places.one_city_usd, places.cities_with_own_funding) == (0, 0)
    assert (places.regional_usd, places.country_usd, places.several_cities_usd, places.unplaced_usd) == (4_000_000, 300_000, 98_750, 0)


def test_city_summary_gives_shared_money_beside_the_city_s_own(dataset):
    cities = aggregate.city_summary(dataset).set_index("city")
    assert cities["disclosed_usd"].isna().all()
    assert cities.at["Battambang", "shared_usd"] == 98_750  # the hospital records project, with two other cities
    assert cities.at["Phnom Penh", "shared_usd"] == 98_750 + 1_000_000  # and a regional program that met there
    assert pd.isna(cities.at["Makassar", "shared_usd"])


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(countries=("KHM",)), Filters(year_from=2021), Filters(include_related=True, countries=("VNM", "PHL"))],
)
def test_project_table_by_position_is_the_table_by_ids(dataset, filters):
    # The by-id path (kept for hand-made data) is the groupby and the maps by project_id the table was first made with.
    by_ids = aggregate._project_table_by_id
    projects = select_projects(dataset, filters)
    rows = select_grant_rows(dataset, filters, projects)
    expected = by_ids(dataset, projects, dataset.grants.take(rows))
    pd.testing.assert_frame_equal(aggregate.project_table(dataset, projects, rows), expected, check_exact=True)
    pd.testing.assert_frame_equal(aggregate.project_table(dataset, projects, dataset.grants.take(rows)), expected, check_exact=True)
    # A frame put together by hand (rows reordered, one project twice) is looked up by id and gets the same rows.
    shuffled = pd.concat([projects.iloc[::-1], projects.head(1)])
    pd.testing.assert_frame_equal(
        aggregate.project_table(dataset, shuffled), by_ids(dataset, shuffled, dataset.grants), check_exact=True
    )


def test_a_project_whose_amounts_are_all_undisclosed_adds_up_as_a_groupby_does(dataset):
    grants = dataset.grants.copy()
    hospital = grants["project_id"] == "khm_hospital_digitization"
    grants.loc[hospital, "amount_usd"] = pd.NA
    odd = dataclasses.replace(dataset, grants=grants)
    projects = aggregate.select_projects(odd)
    table = aggregate.project_table(odd, projects).set_index("project_id")
    expected = aggregate._project_table_by_id(odd, projects, odd.grants).set_index("project_id")
    assert table.at["khm_hospital_digitization", "amount_usd"] == expected.at["khm_hospital_digitization", "amount_usd"]
    assert pd.isna(table.at["wise", "amount_usd"]) == pd.isna(expected.at["wise", "amount_usd"])


def test_one_metric_by_project_is_that_metric_of_every_metric_by_project(dataset):
    projects = select_projects(dataset, Filters(include_related=True))
    every = aggregate.metric_totals(dataset, by="project", projects=projects)
    for metric in every["metric"].unique():
        rows = aggregate.metric_rows(dataset, projects, metric)
        alone = aggregate.metric_totals(dataset, by="project", rows=rows)
        pd.testing.assert_frame_equal(alone, every[every["metric"] == metric].reset_index(drop=True), check_exact=True)
        assert aggregate.metric_units(dataset, projects, metric, rows) == aggregate.metric_units(dataset, projects, metric)


def test_a_selection_asked_again_gets_its_rows_kept_read_only_and_only_for_that_very_frame(dataset):
    projects = select_projects(dataset, Filters(countries=("KHM",)))
    rows = aggregate.rows_of_projects(dataset, "metrics", projects)
    assert aggregate.rows_of_projects(dataset, "metrics", projects) is rows
    with pytest.raises(ValueError):
        rows[0] = not rows[0]  # shared between the sums of a page: never changed in place
    same_rows_other_frame = projects.copy()
    again = aggregate.rows_of_projects(dataset, "metrics", same_rows_other_frame)
    assert again is not rows and np.array_equal(again, rows)
    chosen = aggregate._chosen(dataset, projects)
    assert aggregate._chosen(dataset, projects) is chosen and not chosen.grant_rows.flags.writeable
    grants = select_grant_rows(dataset, Filters(countries=("KHM",)), projects)
    assert aggregate._chosen(dataset, projects, grants) is not chosen
    for table in range(aggregate.RECENT_KEPT + 1):  # the oldest answers are let go
        aggregate.rows_of_projects(dataset, "metrics", projects.copy())
    assert aggregate.rows_of_projects(dataset, "metrics", projects) is not rows
    # Kept for the thread that asked (a script run): another run, in its own thread, makes its own.
    import threading

    kept = aggregate.rows_of_projects(dataset, "metrics", projects)
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(aggregate.rows_of_projects(dataset, "metrics", projects)))
    thread.start()
    thread.join()
    assert elsewhere[0] is not kept and np.array_equal(elsewhere[0], kept)
    assert aggregate.rows_of_projects(dataset, "metrics", projects) is kept


def test_the_countable_rows_of_a_selection_are_kept_unless_they_are_large(dataset, monkeypatch):
    projects = select_projects(dataset, Filters(countries=("KHM",)))
    rows = aggregate.countable_rows(dataset, projects)
    assert np.array_equal(rows, np.flatnonzero(aggregate.countable_mask(dataset, projects)))
    assert aggregate.countable_rows(dataset, projects) is rows and not rows.flags.writeable
    # One result's rows are the part of them that holds it, as before.
    for metric in dataset.metrics["metric"].unique():
        expected = np.flatnonzero(aggregate.countable_mask(dataset, projects) & (dataset.metrics["metric"] == metric).to_numpy())
        assert np.array_equal(aggregate.metric_rows(dataset, projects, metric), expected)
    # An array over the limit is made again when asked again, never kept (the peak memory of a 100,000x page).
    monkeypatch.setattr(aggregate, "RECENT_ARRAY_BYTES", rows.nbytes - 1)
    other = projects.copy()
    first = aggregate.countable_rows(dataset, other)
    assert aggregate.countable_rows(dataset, other) is not first and np.array_equal(first, rows)


def test_the_sources_of_some_grants_each_once_in_the_order_first_cited(dataset):
    rows = select_grant_rows(dataset, Filters(), select_projects(dataset, Filters()))
    cited = [source for source in dataset.grants["source_id"].take(rows) if isinstance(source, str)]
    assert aggregate.grant_sources(dataset, rows) == list(dict.fromkeys(cited))
    assert aggregate.grant_sources(dataset, rows[::-1]) == list(dict.fromkeys(cited[::-1]))
    assert aggregate.grant_sources(dataset, rows[:0]) == []


def test_groups_are_numbered_alike_by_sorting_few_rows_or_marking_many():
    rng = np.random.default_rng(7)
    for rows, size in ((10, 1_000_000), (5_000, 40), (0, 100), (1, 1)):
        group = rng.integers(0, size, rows)
        present = np.bincount(group, minlength=1) > 0
        groups, group_of = aggregate._numbered(group, size)
        assert np.array_equal(groups, np.flatnonzero(present))
        assert np.array_equal(group_of, (np.cumsum(present) - 1)[group])


def test_the_largest_rows_are_those_nlargest_gives():
    rng = np.random.default_rng(3)
    for size in (0, 1, 5, 40, 3_000):
        table = pd.DataFrame({"value": pd.array(rng.integers(0, 20, size).astype(float), dtype="Float64"), "name": [f"p{i}" for i in range(size)]})
        table.index = rng.permutation(size) + 100  # labels kept, as nlargest keeps them
        for count in (0, 1, 10, size + 5):
            pd.testing.assert_frame_equal(aggregate.largest(table, "value", count), table.nlargest(count, "value"))


def test_metric_totals_with_some_details_are_the_full_totals_columns_whole_or_not(dataset):
    halves = dataset.metrics.assign(value=dataset.metrics["value"] + 0.5)
    assert not aggregate._metric_columns(dataclasses.replace(dataset, metrics=halves))["whole_values"]
    for data in (dataset, dataclasses.replace(dataset, metrics=halves)):
        projects = aggregate.select_projects(data, tuple(aggregate.RELATIONSHIPS))
        for by in (None, "project", "city"):
            full = aggregate.metric_totals(data, by=by, projects=projects)
            assert list(full.columns[-5:]) == list(aggregate.METRIC_DETAILS)
            for wanted in ((), ("is_lower_bound", "is_approximate"), ("as_of",), ("source_ids", "figures")):
                some = aggregate.metric_totals(data, by=by, projects=projects, columns=wanted)
                expected = [column for column in full.columns if column not in aggregate.METRIC_DETAILS or column in wanted]
                pd.testing.assert_frame_equal(some, full[expected], check_exact=True)


def test_totals_by_project_titled_by_position_are_those_with_titles_gives(dataset):
    halves = dataset.metrics.assign(value=dataset.metrics["value"] + 0.5)
    for data in (dataset, dataclasses.replace(dataset, metrics=halves)):
        projects = aggregate.select_projects(data, tuple(aggregate.RELATIONSHIPS))
        for metric in (None, "records_digitized", "participants"):
            rows = None if metric is None else aggregate.metric_rows(data, projects, metric)
            plain = aggregate.metric_totals(data, by="project", projects=projects, rows=rows)
            titled = aggregate.metric_totals(data, by="project", projects=projects, rows=rows, columns=(*aggregate.METRIC_DETAILS, "title"))
            pd.testing.assert_frame_equal(titled, aggregate.with_titles(data, plain), check_exact=True)
            assert len(titled) and titled["title"].notna().all()
    nothing = aggregate.select_projects(dataset, ())  # no relationship chosen: no project, no total
    plain = aggregate.metric_totals(dataset, by="project", projects=nothing)
    titled = aggregate.metric_totals(dataset, by="project", projects=nothing, columns=(*aggregate.METRIC_DETAILS, "title"))
    assert titled.empty
    pd.testing.assert_frame_equal(titled, aggregate.with_titles(dataset, plain), check_exact=True)


def test_with_titles_numbers_its_rows_afresh_and_leaves_the_table_given_as_it_was(dataset):
    of_projects = dataset.metrics[dataset.metrics["project_id"].notna()]
    table = of_projects[["metric_id", "project_id", "value"]].iloc[[5, 2, 9]]  # its labels are not 0..n-1
    before = table.copy()
    titled = aggregate.with_titles(dataset, table)
    titles = dict(zip(dataset.projects["project_id"], dataset.projects["title"]))
    assert titled["title"].tolist() == [titles[project] for project in table["project_id"]]
    assert list(titled.index) == [0, 1, 2] and list(table.index) != [0, 1, 2]
    pd.testing.assert_frame_equal(table, before)
