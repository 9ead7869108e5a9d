"""Each table's rows as positions and small integer codes, worked out once per dataset: what filters and sums run on.

pandas matches text ids ("syn04211_2") by hashing every one of them, on every filter change: at 10,000x a
page asked that of 300,000 grants and 500,000 result figures several times over, and most of its time went
there. Here a dataset is read once into numbers:

* every row of grants, transactions, metrics and the link tables knows the *position* of its project among
  dataset.projects (-1 when it names none);
* every project knows its parent's position, its relationship, sector, lead agency and status as codes,
  its active years, and the countries and member cities it touches as a row of a boolean matrix;

so choosing projects is a handful of numpy comparisons over 30,000 projects, and choosing their grants one
gather of 300,000 small integers. The frames the pages get are the same rows of the same tables as before:
positions only pick them.

Nothing here is shared between datasets: each dataset (the shipped one, a saved version, a viewer's
upload) keeps its own, in `dataset.derived`, and a changed dataset is a new Dataset with none.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from usascp.load import Dataset


def derived(dataset: Dataset, name: Hashable, build):
    """`build()`, computed once per dataset and kept with it: for tables that depend on the dataset alone."""
    if name not in dataset.derived:
        dataset.derived[name] = build()  # two viewers racing here compute the same table; either may win
    return dataset.derived[name]


@dataclass(frozen=True)
class Codes:
    """One value per project, by its position in dataset.projects; categories as codes into `names`."""

    ids: np.ndarray  # project_id, as Python strings
    parent: np.ndarray  # position of the parent project; -1 when there is none, or it is not in the dataset
    relationship: np.ndarray
    sector: np.ndarray
    agency: np.ndarray
    status: np.ndarray
    names: dict[str, np.ndarray]  # "relationship", "sector", "agency", "status" -> the value of each code
    first_year: np.ndarray  # float, NaN when undated (usascp.filters.project_years)
    last_year: np.ndarray
    countries: np.ndarray  # bool (projects x country_ids): touched through its cities (any role) or directly
    country_ids: np.ndarray  # ISO3 codes, columns of `countries`
    cities: np.ndarray  # bool (projects x city_ids): linked to the city, as a site or a venue
    city_ids: np.ndarray

    def codes_of(self, field: str, values) -> np.ndarray:
        """The codes of `values` in one categorical field; values the dataset does not hold have none."""
        names = self.names[field]
        return np.flatnonzero(np.isin(names, np.asarray(list(values), dtype=object)))


def factorized(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """`column` as codes (-1 where NA) and the value of each code, in order of first appearance."""
    codes, names = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    return codes.astype(np.int32), np.asarray(names, dtype=object)


def _membership(project_positions: np.ndarray, values: pd.Series, count: int) -> tuple[np.ndarray, np.ndarray]:
    """A boolean projects x values matrix: True where a link row puts the project with the value."""
    codes, names = factorized(values)
    known = (project_positions >= 0) & (codes >= 0)
    matrix = np.zeros((count, len(names)), dtype=bool)
    matrix[project_positions[known], codes[known]] = True
    return matrix, names


def object_index(values) -> pd.Index:
    """An index of the Python strings given, kept as they are (given an array, pandas 3 infers its string type)."""
    return pd.Index(values, dtype=object, copy=False)


def found_in(index: pd.Index, values) -> np.ndarray:
    """For each of `values` (ids), its position in `index`, an object_index; -1 where it is not there.

    The values go in as an object index too: given an array of strings, pandas 3 first infers its string type
    and copies every id into Arrow and back. Positioning the 5 million metric rows of 100,000x took 2.2 s and
    +560 MB that way, 0.8 s and +50 MB this way.
    """
    return index.get_indexer(object_index(values))


def codes(dataset: Dataset) -> Codes:
    return derived(dataset, "positions.codes", lambda: _codes(dataset))


def _codes(dataset: Dataset) -> Codes:
    from usascp.filters import project_years  # filters imports this module: import on first use

    projects = dataset.projects
    ids = projects["project_id"].to_numpy(dtype=object)
    index = id_index(dataset)
    parent = found_in(index, projects["parent_project_id"].to_numpy(dtype=object)) if len(projects) else np.zeros(0, int)
    names = {}
    coded = {}
    for field, column in (
        ("relationship", "relationship"),
        ("sector", "sector"),
        ("agency", "lead_agency"),
        ("status", "status"),
    ):
        coded[field], names[field] = factorized(projects[column])
    years = project_years(projects)
    links = dataset.project_cities
    link_positions = table_positions(dataset, "project_cities")
    cities, city_ids = _membership(link_positions, links["city_id"], len(projects))
    # Countries as usascp.aggregate.project_countries has them: through a city's country, or named directly.
    city_country = dict(zip(dataset.cities["city_id"], dataset.cities["iso3"]))
    via_cities = links["city_id"].map(city_country)
    direct = dataset.project_countries
    touching = pd.concat([via_cities, direct["iso3"]], ignore_index=True)
    touching_positions = np.concatenate(
        [np.where(via_cities.notna().to_numpy(), link_positions, -1), table_positions(dataset, "project_countries")]
    )
    countries, country_ids = _membership(touching_positions, touching, len(projects))
    return Codes(
        ids=ids,
        parent=parent.astype(np.int64),
        names=names,
        first_year=years["first_year"].to_numpy(dtype=float, na_value=np.nan),
        last_year=years["last_year"].to_numpy(dtype=float, na_value=np.nan),
        countries=countries,
        country_ids=country_ids,
        cities=cities,
        city_ids=city_ids,
        **coded,
    )


def id_index(dataset: Dataset) -> pd.Index:
    """The project ids as an index (of plain Python strings) for finding positions."""
    return derived(dataset, "project_positions", lambda: object_index(dataset.projects["project_id"].to_numpy()))


def table_positions(dataset: Dataset, table: str) -> np.ndarray:
    """For each row of one of the dataset's tables, its project's position in dataset.projects (-1 for none)."""
    return derived(
        dataset,
        ("project_positions", table),
        # 32-bit: a table of 5 million rows keeps 20 MB of positions, not 40.
        lambda: found_in(id_index(dataset), getattr(dataset, table)["project_id"].to_numpy(dtype=object)).astype(np.int32),
    )


def project_positions(dataset: Dataset, projects: pd.DataFrame) -> np.ndarray:
    """The positions in dataset.projects of the rows of `projects`, in their order.

    A selection keeps the table's index (build_dataset numbers every table from 0), so its index is its
    positions; that is checked against the ids, and a frame put together otherwise is looked up by id.
    """
    table = dataset.projects
    if projects is table:
        return np.arange(len(table))
    chosen = projects["project_id"].to_numpy(dtype=object)
    if isinstance(table.index, pd.RangeIndex) and table.index.start == 0 and table.index.step == 1:
        labels = projects.index
        if labels.dtype.kind == "i" and len(labels) and labels.min() >= 0 and labels.max() < len(table):
            positions = labels.to_numpy()
            if np.array_equal(codes(dataset).ids[positions], chosen):
                return positions
        elif not len(labels):
            return np.zeros(0, dtype=np.int64)
    return found_in(id_index(dataset), chosen)


def row_positions(dataset: Dataset, table: str, rows: pd.DataFrame | np.ndarray) -> np.ndarray:
    """The positions in one of the dataset's tables of some of its rows (a selection keeps the table's index).

    `rows` may already be positions (filters.select_grant_rows): a page that only sums a selection's grants
    need not copy 300,000 of them into a frame first.
    """
    if isinstance(rows, np.ndarray):
        return rows
    whole = getattr(dataset, table)
    if rows is whole:
        return np.arange(len(whole))
    return whole.index.get_indexer(rows.index)  # a RangeIndex answers this without a hash


def chosen(count: int, positions: np.ndarray) -> np.ndarray:
    """A boolean mask over `count` items, True at `positions`, with one more item at the end that is never chosen:
    indexed by a row's project position, a row that names no project (-1) lands there and is left out."""
    mask = np.zeros(count + 1, dtype=bool)
    mask[positions] = True
    mask[-1] = False
    return mask


def unit_positions(dataset: Dataset, positions: np.ndarray) -> np.ndarray:
    """For each selected project (by position), the position of its reporting unit: its parent when the parent
    is selected too, else itself (usascp.aggregate.reporting_units: one level)."""
    parent = codes(dataset).parent[positions]
    selected = chosen(len(dataset.projects), positions)
    folded = (parent >= 0) & selected[np.maximum(parent, 0)]
    return np.where(folded, parent, positions)
