"""usascp.positions: rows found by position, and the masks and codes the filters and sums run on, on the shipped data."""

import numpy as np
import pandas as pd

from usascp import aggregate, positions


def test_a_selection_is_found_at_its_own_positions_and_a_rebuilt_frame_by_its_ids(dataset):
    projects = dataset.projects
    wise = projects[projects["project_id"].str.startswith("wise")]
    found = positions.project_positions(dataset, wise)
    assert list(projects["project_id"].to_numpy()[found]) == list(wise["project_id"])
    # The same projects numbered afresh (say, after a merge): the index no longer says where they are.
    renumbered = wise.iloc[::-1].reset_index(drop=True)
    assert list(projects["project_id"].to_numpy()[positions.project_positions(dataset, renumbered)]) == list(
        renumbered["project_id"]
    )
    assert len(positions.project_positions(dataset, projects.iloc[:0])) == 0


def test_a_row_that_names_no_project_is_never_chosen_even_with_the_last_project(dataset):
    """-1 ("no project") must not land on the last project: a result figure with no project once joined it."""
    last = dataset.projects.iloc[[-1]]
    chosen = aggregate.rows_of_projects(dataset, "metrics", last)
    metrics = dataset.metrics
    assert metrics["project_id"].isna().any()  # the shipped data has network-wide figures with no project
    assert list(metrics.loc[chosen, "project_id"].unique()) in ([], [last["project_id"].iloc[0]])
    assert not chosen[metrics["project_id"].isna().to_numpy()].any()


def test_components_fold_into_their_program_only_when_it_is_selected(dataset):
    projects = dataset.projects
    ids = projects["project_id"].to_numpy()
    with_program = positions.project_positions(dataset, projects[projects["project_id"].str.startswith("wise")])
    assert set(ids[positions.unit_positions(dataset, with_program)]) == {"wise"}
    pairs = positions.project_positions(dataset, projects[projects["project_id"].str.startswith("wise_")])
    assert list(ids[positions.unit_positions(dataset, pairs)]) == list(ids[pairs])


def test_each_project_touches_the_countries_and_cities_the_link_tables_give(dataset):
    codes = positions.codes(dataset)
    touching = aggregate.project_countries(dataset)
    expected = set(zip(touching["project_id"], touching["iso3"]))
    rows, columns = np.nonzero(codes.countries)
    assert set(zip(codes.ids[rows], codes.country_ids[columns])) == expected
    links = dataset.project_cities
    rows, columns = np.nonzero(codes.cities)
    assert set(zip(codes.ids[rows], codes.city_ids[columns])) == set(zip(links["project_id"], links["city_id"]))
    # Phnom Penh's projects, Cambodia's among them: the hospital digitization works there.
    phnom_penh = codes.cities[:, list(codes.city_ids).index("phnom_penh")]
    assert "khm_hospital_digitization" in set(codes.ids[phnom_penh])


def test_codes_name_each_category_once_and_unknown_values_match_nothing(dataset):
    codes = positions.codes(dataset)
    assert sorted(codes.names["sector"]) == sorted(dataset.projects["sector"].unique())
    water = codes.codes_of("sector", ["Water"])
    assert set(codes.ids[np.isin(codes.sector, water)]) == set(dataset.projects.loc[dataset.projects["sector"] == "Water", "project_id"])
    assert len(codes.codes_of("sector", ["Not a sector"])) == 0


def test_chosen_marks_positions_and_leaves_the_extra_slot_unchosen():
    mask = positions.chosen(4, np.array([0, 3, -1]))
    assert list(mask) == [True, False, False, True, False]
    assert positions.factorized(pd.Series(["b", None, "a", "b"], dtype=object))[0].tolist() == [0, -1, 1, 0]


def _with_cents(dataset):
    """The shipped data with amounts that are not whole dollars (as ForeignAssistance.gov's are)."""
    import dataclasses

    grants = dataset.grants.copy()
    cents = pd.Series(np.arange(len(grants)) % 97 / 100 + 0.003, index=grants.index, dtype="Float64")
    grants["amount_usd"] = grants["amount_usd"] * 1.07 + cents
    return dataclasses.replace(dataset, grants=grants)


def test_amounts_with_cents_add_up_as_pandas_adds_them_grant_by_grant(dataset):
    """Whole dollars are added by numpy in any order; amounts with cents by pandas, in the grants' order, so the
    last digit is the one a groupby of the grants gives (the reference below is that groupby, written out)."""
    cents = _with_cents(dataset)
    assert not aggregate._whole_amounts(cents) and aggregate._whole_amounts(dataset)
    projects = aggregate.select_projects(cents, tuple(aggregate.RELATIONSHIPS))
    units = aggregate.reporting_units(cents, projects)
    parent = projects.set_index("project_id")["parent_project_id"]
    unit_of = {pid: (parent[pid] if parent[pid] in set(projects["project_id"]) else pid) for pid in projects["project_id"]}
    grants = cents.grants[cents.grants["project_id"].isin(unit_of)]
    place = aggregate.location_labels(cents, units, "city")
    keyed = grants.assign(place=grants["project_id"].map(unit_of).map(place))
    expected = keyed.groupby("place", sort=False)["amount_usd"].sum()
    by_city = aggregate.funding_by(cents, "city", projects).set_index("city")["disclosed_usd"]
    assert by_city.dropna().to_dict() == expected.to_dict()
    # Money shared with other places, per city: each unit's grants added up, then the units linked to the city.
    unit_sums = grants.assign(unit=grants["project_id"].map(unit_of)).groupby("unit")["amount_usd"].sum()
    links = cents.project_cities[cents.project_cities["project_id"].isin(unit_of)]
    here = links.assign(unit=links["project_id"].map(unit_of)).drop_duplicates(["city_id", "unit"])
    here = here.merge(cents.cities[["city_id", "city"]], on="city_id")
    here = here[here["unit"].map(place) != here["city"]]
    here = here.assign(amount=here["unit"].map(unit_sums)).dropna(subset=["amount"])
    expected_shared = here.groupby("city_id")["amount"].sum()
    shared = aggregate.city_summary(cents, projects).set_index("city_id")["shared_usd"].dropna()
    assert shared.to_dict() == expected_shared.to_dict()
    assert len(shared) == 4 and all(value != int(value) for value in shared)  # Phnom Penh and three more; cents, really


def test_the_pandas_and_numpy_ways_of_adding_agree_on_whole_dollars(dataset, monkeypatch):
    projects = aggregate.select_projects(dataset, tuple(aggregate.RELATIONSHIPS))
    def sums():
        return (
            aggregate.city_summary(dataset, projects),
            aggregate.largest_projects(dataset, projects, None, 2),
            aggregate.projects_without_a_city(dataset, projects),
        )

    quick = sums()
    monkeypatch.setattr(aggregate, "_whole_amounts", lambda dataset: False)
    careful = sums()
    for a, b in zip(quick, careful):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_ids_are_found_as_pandas_finds_them_and_kept_as_python_strings(dataset):
    index = positions.id_index(dataset)
    assert index.dtype == object  # not pandas 3's inferred string type: see found_in
    ids = dataset.metrics["project_id"].to_numpy(dtype=object)
    assert np.array_equal(positions.found_in(index, ids), pd.Index(list(index)).get_indexer(list(ids)))
    first = dataset.projects["project_id"].iloc[0]
    assert list(positions.found_in(index, [first, "no_such_project", None, np.nan])) == [0, -1, -1, -1]
    assert len(positions.found_in(index, [])) == 0
