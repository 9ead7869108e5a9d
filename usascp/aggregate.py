"""Pure functions from a Dataset to the figures the pages show. Unknown amounts stay unknown, never zero.

Two ideas run through this module:

* A *reporting unit* is a project whose parent is not in the same selection. Components (a WiSE city
  pair, a named Business Innovation Fund award) fold into their parent when both are selected, so a
  program and its parts are never counted twice; a component selected alone (say, by its city) stands
  for itself.
* Money and results are attributed to a place only as precisely as the source allows: to a city when a
  project works in exactly one, otherwise to "several cities", a country, or the region, never split
  by guesswork.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass

import numpy as np
import pandas as pd

from usascp import positions
from usascp.dates import earliest_day, fiscal_year_of, fiscal_year_start, latest_day, latest_ordinals, year_of
from usascp.load import Dataset
from usascp.positions import derived
from usascp.schema import ASEAN_COUNTRIES, COMMITTED_TYPES, RELATIONSHIPS, SPENT_TYPES

USASCP_ONLY = ("usascp_project",)
# Some rows of one of the dataset's tables, or their positions in it (filters.select_grant_rows): sums need only
# the positions, which cost nothing to pass, where the rows cost a copy of every column.
Rows = pd.DataFrame | np.ndarray

SEVERAL_CITIES = "Several cities (not split)"
SEVERAL_COUNTRIES = "Several countries (not split)"
COUNTRY_WIDE = "Country level (no city named)"
REGIONAL = "Regional (ASEAN-wide)"
LOCATION_UNKNOWN = "Location not published"
YEAR_UNKNOWN = "Year not published"

FUNDING_DIMENSIONS = ("year", "agency", "sector", "country", "city")


def select_projects(dataset: Dataset, relationships=USASCP_ONLY) -> pd.DataFrame:
    """Projects whose relationship to the partnership is one of `relationships` (USASCP's own by default).

    Kept with the dataset (every filter change starts here): treat the frame as read-only.
    """
    relationships = tuple(relationships)
    return derived(
        dataset,
        ("projects_related", relationships),
        lambda: dataset.projects[dataset.projects["relationship"].isin(relationships)],
    )


def _id_index(projects: pd.DataFrame) -> pd.Index:
    """The project ids as an index of plain Python strings, like the tables' columns.

    pandas 3 would infer its Arrow-backed string type here; matching that against the tables' object
    columns (`isin`, `map`) turns every value into a Python object again, a third of a filter change at 10,000x.
    """
    return positions.object_index(projects["project_id"].to_numpy())


def reporting_units(dataset: Dataset, projects: pd.DataFrame) -> pd.DataFrame:
    """The selected projects that are not folded into a selected parent."""
    chosen = positions.project_positions(dataset, projects)
    return projects[positions.chosen(len(dataset.projects), positions.unit_positions(dataset, chosen))[chosen]]


@dataclass(frozen=True)
class _Chosen:
    """Selected projects and their grants as positions (usascp.positions): what the sums below run on."""

    projects: np.ndarray  # positions in dataset.projects of the selected projects, in their order
    unit_of: np.ndarray  # for every project position (and -1 last), its reporting unit's position; -1: not selected
    is_unit: np.ndarray  # for every project position (and -1 last): a reporting unit of this selection
    grant_rows: np.ndarray  # positions in dataset.grants of the selected projects' grants (of `grants` when given)
    grant_units: np.ndarray  # each of those grants' reporting unit position

    @property
    def units(self) -> np.ndarray:
        """The reporting units' positions, in the selection's order (as reporting_units() gives them)."""
        return self.projects[self.is_unit[self.projects]]

    def grant_amounts(self, dataset: Dataset) -> pd.Series:
        """The amount_usd of the chosen grants, in their order, numbered 0..n-1."""
        return dataset.grants["amount_usd"].take(self.grant_rows).reset_index(drop=True)


def _chosen(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None = None) -> _Chosen:
    # The Pilot cities map asks this of one selection four times (city summary, measures, places, the unplaced list).
    return _for_the_same(dataset, "chosen", (projects, grants), lambda: _choose(dataset, projects, grants))


def _choose(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None) -> _Chosen:
    chosen = positions.project_positions(dataset, projects)
    units = positions.unit_positions(dataset, chosen)
    count = len(dataset.projects)
    unit_of = np.full(count + 1, -1, dtype=np.int64)
    unit_of[chosen] = units
    grant_projects = positions.table_positions(dataset, "grants")
    rows = np.arange(len(dataset.grants)) if grants is None else positions.row_positions(dataset, "grants", grants)
    grant_units = np.take(unit_of, grant_projects if grants is None else grant_projects[rows])
    of_selection = grant_units >= 0
    return _Chosen(chosen, unit_of, positions.chosen(count, units), rows[of_selection], grant_units[of_selection])


@dataclass(frozen=True)
class FundingTotals:
    disclosed_usd: float | None  # None when no selected project discloses an amount: unknown, not zero
    projects_total: int
    projects_disclosing: int

    @property
    def projects_not_disclosing(self) -> int:
        return self.projects_total - self.projects_disclosing


def funding_totals(dataset: Dataset, projects: pd.DataFrame | None = None, grants: Rows | None = None) -> FundingTotals:
    """Disclosed funding of the selected projects, and how many reporting units disclose an amount at all.

    `grants` narrows the money counted (say, to awards in chosen years); by default all of the projects' grants.
    """
    projects = select_projects(dataset) if projects is None else projects
    chosen = _chosen(dataset, projects, grants)
    return FundingTotals(
        disclosed_usd=_grant_total(dataset, chosen.grant_rows) if len(chosen.grant_rows) else None,
        projects_total=len(chosen.units),
        projects_disclosing=_distinct_count(chosen.grant_units, len(dataset.projects)),
    )


def _grant_total(dataset: Dataset, rows: np.ndarray) -> float:
    """The amount_usd of the grants at `rows` added up (missing as nothing), as pandas adds them in that order;
    whole dollars come to the same total in any order, and numpy adds them."""
    if _whole_amounts(dataset):
        return float(_numbers(dataset, "grants", "amount_usd")[rows].sum())
    return float(dataset.grants["amount_usd"].take(rows).sum())


def _distinct(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) of positions (0 to size - 1), by marking them instead of sorting."""
    present = positions.chosen(size, values)[:-1]
    return np.flatnonzero(present), (np.cumsum(present) - 1)[values]


def _distinct_count(values: np.ndarray, size: int) -> int:
    """How many distinct positions (0 to size - 1) `values` holds."""
    return int(np.count_nonzero(positions.chosen(size, values)))


def _distinct_per_group(group_of: np.ndarray, members: np.ndarray, group_count: int, member_count: int) -> np.ndarray:
    """For each of `group_count` groups, how many distinct members (positions, 0 to member_count - 1) its rows
    name: each (group, member) pair is marked once, not sorted."""
    seen = np.zeros((group_count, member_count), dtype=bool)
    seen[group_of, members] = True
    return seen.sum(axis=1)


def _grant_sums(dataset: Dataset, rows: np.ndarray, group_of: np.ndarray, count: int) -> pd.Series:
    """_group_sums of the grants' amount_usd at `rows` (positions in dataset.grants), per group."""
    return _group_sums(
        dataset.grants["amount_usd"], _whole_amounts(dataset), rows, group_of, count, _numbers(dataset, "grants", "amount_usd")
    )


def funding_totals_here_and_alone(
    dataset: Dataset, projects: pd.DataFrame, grants: Rows | None, level: str, place: str
) -> tuple[FundingTotals, FundingTotals]:
    """funding_totals() of the selection, and of its reporting units placed in `place` alone (location_labels at
    `level`, "city" or "country"): a place's own money beside the money it shares with other places.

    One pass for both: the units and their grants are found once (a comparison asks this of every place it shows).
    """
    chosen = _chosen(dataset, projects, grants)
    codes, labels = _location_codes(dataset, level)
    alone_units = chosen.units[labels[codes[chosen.units]] == place]
    alone_grants = positions.chosen(len(dataset.projects), alone_units)[chosen.grant_units]

    def totals(rows: np.ndarray, of_units: np.ndarray, unit_count: int) -> FundingTotals:
        total = _grant_total(dataset, rows) if len(rows) else None
        return FundingTotals(total, unit_count, _distinct_count(of_units, len(dataset.projects)))

    here = totals(chosen.grant_rows, chosen.grant_units, len(chosen.units))
    alone = totals(chosen.grant_rows[alone_grants], chosen.grant_units[alone_grants], len(alone_units))
    return here, alone


VIEWS_KEPT = 512
# What the kept views may hold together (their arrays and frames). Without it, a few hundred views of a
# 100,000x dataset held 0.4 GB; at 10,000x every view the bench and a summit ask for fits well within it.
VIEWS_BYTES = 192 * 2**20


def per_view(dataset: Dataset, key: Hashable, build):
    """`build()` for one view of the data (the key holds the filter state), kept for the last VIEWS_KEPT views
    while they hold VIEWS_BYTES or less (the view just made is always kept).

    Viewers who look at the same thing (at a summit, everyone opens the Overview unfiltered) share one
    computation instead of each paying for it. What is returned is shared: treat it as read-only.
    """
    views = derived(dataset, "views", OrderedDict)
    # Viewers' scripts run in threads of one server: the OrderedDict is touched under a lock (a key's hash runs Python
    # code, so another thread could reorder it mid-iteration: "OrderedDict mutated during iteration", seen with 300
    # viewers behind `make cluster`); build() runs outside it.
    with _VIEWS_LOCK:
        try:
            views.move_to_end(key)
            return views[key][0]
        except KeyError:
            pass
    value = build()
    size = bytes_held(value)
    with _VIEWS_LOCK:
        views[key] = (value, size)  # two viewers racing here compute the same value; either may win
        held = sum(kept for _, kept in views.values())
        while len(views) > VIEWS_KEPT or (held > VIEWS_BYTES and len(views) > 1):
            _, (_, dropped) = views.popitem(last=False)
            held -= dropped
    return value


_VIEWS_LOCK = threading.Lock()


def _frame_bytes(frame: pd.DataFrame) -> int:
    """What memory_usage(deep=False).sum() gives, from the frame's blocks: memory_usage builds a Series per column,
    0.4 ms for a 31-row table against 5 µs, and it ran on every view made (7% of the Overview's rerun)."""
    try:
        blocks = frame._mgr.blocks
    except AttributeError:  # a later pandas without blocks
        return int(frame.memory_usage(deep=False).sum())
    return int(sum(block.values.nbytes for block in blocks) + frame.index.nbytes)


def bytes_held(value, depth: int = 0) -> int:
    """Roughly the memory `value` holds of its own: its arrays and frames, the texts they share with the dataset
    left out (a frame's column of ids is its pointers). A dataset it refers to is not its own."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, pd.DataFrame):
        return _frame_bytes(value)
    if isinstance(value, pd.Series):
        return int(value.array.nbytes + value.index.nbytes)
    if isinstance(value, pd.Index):
        return int(value.nbytes)
    if depth >= 3 or isinstance(value, (Dataset, str, bytes)):
        return 0
    if isinstance(value, (dict, list, tuple)) and len(value) > 64:
        return sys.getsizeof(value)  # many small values (counts, names): its pointers, without a loop over them
    if isinstance(value, dict):
        return sum(bytes_held(item, depth + 1) for item in value.values())
    if isinstance(value, (list, tuple)):
        return sum(bytes_held(item, depth + 1) for item in value)
    if is_dataclass(value):
        return sum(bytes_held(getattr(value, field.name), depth + 1) for field in fields(value))
    return 0


def site_cities(dataset: Dataset) -> pd.DataFrame:
    """Where each project works (not where its meetings were held), with city and country names."""

    def build():
        links = dataset.project_cities[dataset.project_cities["role"] == "site"]
        return links.merge(dataset.cities[["city_id", "city", "iso3", "country"]], on="city_id")

    return derived(dataset, "site_cities", build)


def project_countries(dataset: Dataset) -> pd.DataFrame:
    """Every (project_id, iso3, country) a project touches through its cities (site or venue) or directly."""

    def build():
        via_cities = dataset.project_cities.merge(dataset.cities[["city_id", "iso3"]], on="city_id")[["project_id", "iso3"]]
        both = pd.concat([via_cities, dataset.project_countries[["project_id", "iso3"]]]).drop_duplicates()
        return both.assign(country=both["iso3"].map(ASEAN_COUNTRIES)).reset_index(drop=True)

    return derived(dataset, "project_countries", build)


def _place_counts(dataset: Dataset) -> pd.DataFrame:
    """Per project with any place: how many site cities and countries it has, and the first of each."""

    def build():
        sites = site_cities(dataset)
        direct = dataset.project_countries.assign(country=dataset.project_countries["iso3"].map(ASEAN_COUNTRIES))
        countries = pd.concat([sites[["project_id", "country"]], direct[["project_id", "country"]]]).drop_duplicates()
        by_city = sites.groupby("project_id")["city"].agg(site_count="count", first_city="first")
        by_country = countries.groupby("project_id")["country"].agg(country_count="count", first_country="first")
        return by_city.join(by_country, how="outer").fillna({"site_count": 0, "country_count": 0})

    return derived(dataset, "place_counts", build)


def location_labels(dataset: Dataset, projects: pd.DataFrame, level: str) -> pd.Series:
    """Where a project's money and results can honestly be placed, at `level` "city" or "country".

    A project with one site city gets that city (or its country); several sites in one country get that
    country; otherwise it is "several", country-wide, regional or unknown, following its geographic scope.
    """
    codes, labels = _location_codes(dataset, level)
    chosen = positions.project_positions(dataset, projects)
    return pd.Series(labels[codes[chosen]], index=_id_index(projects), name=level, dtype=object)


def _location_codes(dataset: Dataset, level: str) -> tuple[np.ndarray, np.ndarray]:
    """Every project's location label at `level` (a project's own places decide it, whatever else is selected),
    as codes by position and the label of each code; once per dataset."""

    def build():
        projects = dataset.projects
        places = _place_counts(dataset).reindex(projects["project_id"])
        sites = places["site_count"].fillna(0).to_numpy()
        countries = places["country_count"].fillna(0).to_numpy()
        regional = (projects["geographic_scope"] == "regional").to_numpy()
        otherwise = np.where(regional, REGIONAL, LOCATION_UNKNOWN)
        if level == "city":
            labels = np.select(
                [sites == 1, sites > 1, countries > 0],
                [places["first_city"].to_numpy(dtype=object), SEVERAL_CITIES, COUNTRY_WIDE],
                otherwise,
            )
        else:
            labels = np.select(
                [countries == 1, countries > 1], [places["first_country"].to_numpy(dtype=object), SEVERAL_COUNTRIES], otherwise
            )
        return positions.factorized(pd.Series(labels, dtype=object))

    return derived(dataset, ("location_codes", level), build)


def _breakdown_codes(dataset: Dataset, dimension: str) -> tuple[np.ndarray, np.ndarray]:
    """Each project's key in a breakdown by `dimension` (funding_by), as codes by position and their labels.

    By year a project is keyed by its start year (year_label): where an amount-less project is counted.
    """
    if dimension == "year":
        start_years = lambda: positions.factorized(_year_labels(dataset.projects["start_date"]))  # noqa: E731
        return derived(dataset, ("breakdown_codes", "year"), start_years)
    if dimension in ("agency", "sector"):
        codes = positions.codes(dataset)
        return getattr(codes, dimension), codes.names[dimension]
    return _location_codes(dataset, dimension)


def _year_labels(dates: pd.Series) -> pd.Series:
    """year_label() of each date; each distinct date read once (300,000 grants hold a few thousand)."""
    lookup = {text: year_label(text) for text in dates.dropna().unique()}
    return dates.map(lookup).astype(object).fillna(YEAR_UNKNOWN)


def _aggregated(groups, **columns) -> pd.DataFrame:
    """`groups.agg(name=(column, function), ...)`, plus ready-made Series aligned on the group keys.

    Named aggregation costs pandas about 10 ms of set-up per call, most of a page's run at the shipped
    size; one plain aggregation per column does not. Keys stay in the order the groupby gives them
    (years and "Year not published" cannot be sorted together).
    """
    parts = {name: getattr(groups[spec[0]], spec[1])() if isinstance(spec, tuple) else spec for name, spec in columns.items()}
    return pd.concat(parts, axis=1, sort=False)


def year_label(date: str | None) -> str:
    """The year of a partial date as a category label ("2020"), or YEAR_UNKNOWN.

    A breakdown's key column is one type, text: years mixed with "Year not published" in one column
    cannot be handed to Arrow (st.dataframe) or drawn on one plotly axis, which took "2020" for a number
    and dropped the undated bucket.
    """
    year = year_of(date)
    return YEAR_UNKNOWN if year is None else str(year)


def funding_by(
    dataset: Dataset, dimension: str, projects: pd.DataFrame | None = None, grants: Rows | None = None
) -> pd.DataFrame:
    """Disclosed funding grouped by year, agency, sector, country or city, with the not-disclosed count beside it.

    Columns: `dimension`, disclosed_usd, grants, projects_disclosing, projects_not_disclosed. Amounts
    follow their reporting unit; a unit with no published amount is counted under its own start year
    (or "Year not published") and never added as zero. By year, the keys are labels (year_label): text,
    with an amount whose award date is not published under "Year not published" too, never dropped.
    """
    if dimension not in FUNDING_DIMENSIONS:
        raise ValueError(f"dimension must be one of {FUNDING_DIMENSIONS}, not {dimension!r}")
    projects = select_projects(dataset) if projects is None else projects
    chosen = _chosen(dataset, projects, grants)
    unit_codes, unit_labels = _breakdown_codes(dataset, dimension)
    if dimension == "year":
        grant_codes, labels = derived(
            dataset, ("breakdown_codes", "award_year"), lambda: positions.factorized(_year_labels(dataset.grants["award_date"]))
        )
        keys = grant_codes[chosen.grant_rows]
    else:
        keys, labels = unit_codes[chosen.grant_units], unit_labels
    placed = keys >= 0  # a unit with no sector (say) is in no group, as a groupby drops a missing key
    keys, rows, units = keys[placed], chosen.grant_rows[placed], chosen.grant_units[placed]
    # Per key, in the order keys first appear (as a groupby with sort=False has them): the amounts added up,
    # how many grants, and how many units (each once, marked rather than sorted).
    count = len(labels)
    sums = _grant_sums(dataset, rows, keys, count)
    sizes = np.bincount(keys, minlength=count)
    disclosing = _distinct_per_group(keys, units, count, len(dataset.projects))
    present = np.flatnonzero(sizes > 0)
    in_order = present[np.argsort(_first_of_each(keys, np.arange(len(keys)), count)[present], kind="stable")]
    silent = chosen.units[~positions.chosen(len(dataset.projects), chosen.grant_units)[chosen.units]]
    silent_keys = unit_codes[silent]
    # Groups with an amount, in the order their keys first appear; then the groups whose projects all publish none, in
    # value_counts' order (most first). Put together from arrays: as four Series joined, filled, cast and sorted, the
    # table took two thirds of this function's time at 10,000x.
    not_disclosed = pd.Series(unit_labels[silent_keys[silent_keys >= 0]], dtype=object).value_counts()
    shown = labels[in_order].astype(object)
    only_silent = ~not_disclosed.index.isin(shown)
    extra = int(only_silent.sum())
    group = np.concatenate([shown, not_disclosed.index.to_numpy(dtype=object)[only_silent]])
    disclosed = np.concatenate([sums.to_numpy(dtype=float, na_value=np.nan)[in_order], np.full(extra, np.nan)])
    counts = {
        "grants": np.concatenate([sizes[in_order], np.zeros(extra, dtype=np.int64)]),
        "projects_disclosing": np.concatenate([disclosing[in_order], np.zeros(extra, dtype=np.int64)]),
        "projects_not_disclosed": np.concatenate(
            [not_disclosed.reindex(shown, fill_value=0).to_numpy(dtype=np.int64), not_disclosed.to_numpy(dtype=np.int64)[only_silent]]
        ),
    }
    if dimension == "year":
        # Years in order, "Year not published" last: the labels are text, so sort on the number they name.
        order = np.argsort([int(label) if label.isdigit() else 10**6 for label in group], kind="stable")
    else:
        # Most money first, a group with none (an unknown total, not a zero one) last; then most projects without an
        # amount; ties as they came (sort_values on the two columns, which sorts stably).
        order = np.lexsort((-counts["projects_not_disclosed"], np.where(np.isnan(disclosed), np.inf, -disclosed)))
    return pd.DataFrame(
        {
            dimension: pd.array(group[order], dtype=object),
            "disclosed_usd": pd.array(disclosed[order], dtype="Float64"),
            **{name: values[order].astype(int) for name, values in counts.items()},
        }
    )


YEAR_BASES = {"calendar": "Calendar year", "fiscal": "U.S. fiscal year"}
FISCAL_YEAR_UNKNOWN = "Fiscal year not known"
YEAR_BASIS_WORDS = {"calendar": "calendar year", "fiscal": "U.S. fiscal year"}  # in a sentence: "by U.S. fiscal year"
# Grants that are not a promise of money: a budget is what a publisher plans to spend, not what it committed.
NOT_COMMITTED_KINDS = ("budget",)


@dataclass(frozen=True)
class MoneyByYear:
    """Money promised against money paid, year by year, and what could not be put on that axis.

    `table` has one row per year (text labels, in order): committed_usd and disbursed_usd (NA where nothing
    of that kind is dated that year, never zero), projects_committing, projects_disbursing and
    projects_silent (reporting units that publish no money at all, by their start year; YEAR_UNKNOWN, or
    FISCAL_YEAR_UNKNOWN, last).
    """

    table: pd.DataFrame
    basis: str
    projects: pd.DataFrame = field(repr=False)  # the selection the figures are of
    silent_rows: np.ndarray = field(repr=False)  # the rows of `projects` that publish no money at all
    committed_not_placed_usd: float  # US dollar rows with no year on this basis (a bare "2023" for a fiscal year)
    disbursed_not_placed_usd: float
    committed_rows_not_placed: int
    disbursed_rows_not_placed: int
    other_currency_rows: int  # rows in another currency: kept, never converted or added
    other_currencies: tuple[str, ...]
    budgets_left_out: int  # grants of kind "budget", which are plans, not commitments

    @property
    def rows_not_placed(self) -> int:
        return self.committed_rows_not_placed + self.disbursed_rows_not_placed

    @property
    def silent_count(self) -> int:
        """How many reporting units publish no money at all."""
        return len(self.silent_rows)

    @functools.cached_property
    def silent(self) -> pd.DataFrame:
        """The reporting units that publish no money at all, listed by name: made when a page lists them (a
        frame of a selection's rows on every rerun was a tenth of money_by_year at 10,000x)."""
        return self.projects.take(self.silent_rows)

    @property
    def has_money(self) -> bool:
        return bool(self.table["committed_usd"].notna().any() or self.table["disbursed_usd"].notna().any())


def select_transactions(dataset: Dataset, projects: pd.DataFrame, year_from: int | None = None, year_to: int | None = None):
    """The transactions of the selected projects within the chosen years.

    A dated row counts in the calendar year of its date, as grants count in their award year; a row dated
    only by its fiscal year counts in that year.
    """
    return dataset.transactions.take(select_transaction_rows(dataset, projects, year_from, year_to))


def select_transaction_rows(
    dataset: Dataset, projects: pd.DataFrame, year_from: int | None = None, year_to: int | None = None
) -> np.ndarray:
    """select_transactions() as positions in dataset.transactions, in table order, without copying the rows."""
    chosen = rows_of_projects(dataset, "transactions", projects)
    if year_from is not None or year_to is not None:
        calendar = row_years(dataset, "transactions", "calendar")
        year = np.where(np.isnan(calendar), row_years(dataset, "transactions", "fiscal"), calendar)
        low = year_from if year_from is not None else -1
        high = year_to if year_to is not None else 9999
        chosen = chosen & (year >= low) & (year <= high)  # NaN (no year at all) is never within
    return np.flatnonzero(chosen)


# The column that dates each row of a money table, and its fiscal year column when it has one.
_MONEY_DATES = {
    "grants": ("award_date", None),
    "transactions": ("transaction_date", "fiscal_year"),
    "projects": ("start_date", None),
}


@dataclass(frozen=True)
class _Money:
    """Rows of money for one side of money_by_year (committed or disbursed): each row's reporting unit, US dollar
    amount and year on the chosen basis (NaN: none). `amounts` makes the amounts as pandas holds them, for sums
    that must be added as pandas adds them (_group_sums); `numbers` are the same as floats, a gap as 0."""

    unit_id: np.ndarray
    numbers: np.ndarray
    year: np.ndarray
    amounts: Callable[[], pd.Series]
    whole: bool  # every amount of the dataset's money tables whole dollars, their total exact in a double

    def by_year(self, project_count: int) -> tuple[pd.Series, pd.Series]:
        """The amounts added up per year, and the units moving money each year, each counted once; by year in
        order, rows with no year left out: as groupby("year") gives them."""
        dated = np.flatnonzero(~np.isnan(self.year))
        years, year_of = np.unique(self.year[dated], return_inverse=True)
        year_of = year_of.ravel()
        if self.whole:  # whole dollars add up exactly in any order: numpy adds them (_group_sums)
            sums = pd.array(np.bincount(year_of, weights=self.numbers[dated], minlength=len(years)), dtype="Float64")
        else:
            sums = _group_sums(self.amounts(), False, dated, year_of, len(years)).array
        units = _distinct_per_group(year_of, self.unit_id[dated], len(years), project_count)
        index = pd.Index(years, name="year")
        return pd.Series(sums, index=index, name="amount"), pd.Series(units, index=index, name="unit_id")

    def not_placed(self) -> tuple[float, int]:
        """The sum and the number of rows with no year on the basis."""
        undated = np.isnan(self.year)
        total = self.numbers[undated].sum() if self.whole else self.amounts()[undated].sum()
        return float(total), int(undated.sum())


def _whole_money(dataset: Dataset) -> bool:
    """Whether every grant and transaction amount is whole dollars, all of them together exact in a double."""

    def build():
        grants, transactions = _numbers(dataset, "grants", "amount_usd"), _numbers(dataset, "transactions", "amount")
        whole = bool(np.all(grants == np.round(grants)) and np.all(transactions == np.round(transactions)))
        return whole and np.abs(grants).sum() + np.abs(transactions).sum() < 2**53

    return derived(dataset, "whole_money", build)


def row_years(dataset: Dataset, table: str, basis: str) -> np.ndarray:
    """Each row's year on `basis` (NaN when it cannot be told), from its date or its fiscal year; once per dataset.

    Dates repeat (a table of 300,000 rows holds a few thousand), so each distinct one is read once.
    """

    def build():
        date_column, fiscal_column = _MONEY_DATES[table]
        dates = getattr(dataset, table)[date_column]
        read = fiscal_year_of if basis == "fiscal" else year_of
        lookup = {text: read(text) for text in dates.dropna().unique()}
        years = dates.map(lookup).astype("Float64")
        if basis == "fiscal" and fiscal_column:
            years = getattr(dataset, table)[fiscal_column].astype("Float64").fillna(years)
        return years.to_numpy(dtype=float, na_value=np.nan)

    return derived(dataset, ("row_years", table, basis), build)


def money_by_year(
    dataset: Dataset,
    projects: pd.DataFrame,
    grants: Rows | None = None,
    transactions: Rows | None = None,
    basis: str = "calendar",
) -> MoneyByYear:
    """Committed against disbursed US dollars by calendar or U.S. fiscal year (`basis`, one of YEAR_BASES).

    Committed: a project's commitment and obligation rows when it has any, otherwise its grants (their award
    date; budgets are plans and left out), so an importer that records a commitment both as the project's
    worth (a grant) and as a dated transaction counts it once. Disbursed: disbursements and expenditures.
    Negative rows (de-obligations, reversals) net against the rest. Rows in another currency are counted
    aside, never converted. `grants` and `transactions` narrow the rows (say, to chosen years).
    """
    if basis not in YEAR_BASES:
        raise ValueError(f"basis must be one of {tuple(YEAR_BASES)}, not {basis!r}")
    chosen = _chosen(dataset, projects, grants)
    count = len(dataset.projects)
    transactions = select_transaction_rows(dataset, projects) if transactions is None else transactions
    money_rows = positions.row_positions(dataset, "transactions", transactions)
    money_units = chosen.unit_of[positions.table_positions(dataset, "transactions")[money_rows]]
    money_rows, money_units = money_rows[money_units >= 0], money_units[money_units >= 0]
    kinds = _money_kinds(dataset)
    in_dollars, committed_type = kinds["usd"][money_rows], kinds["committed"][money_rows]
    spent_type = kinds["spent"][money_rows]

    # A project with commitment rows (in any currency) has its grants left out of "committed": they say the same.
    with_commitments = positions.chosen(count, positions.table_positions(dataset, "transactions")[money_rows[committed_type]])
    grant_projects = positions.table_positions(dataset, "grants")[chosen.grant_rows]
    counted = ~kinds["budget"][chosen.grant_rows] & ~with_commitments[grant_projects]
    committed_rows = money_rows[committed_type & in_dollars]
    counted_grants = chosen.grant_rows[counted]
    grant_amounts, transaction_amounts = dataset.grants["amount_usd"], dataset.transactions["amount"]
    grant_numbers, transaction_numbers = _numbers(dataset, "grants", "amount_usd"), _numbers(dataset, "transactions", "amount")
    whole = _whole_money(dataset)
    committed = _Money(
        unit_id=np.concatenate([chosen.grant_units[counted], money_units[committed_type & in_dollars]]),
        numbers=np.concatenate([grant_numbers[counted_grants], transaction_numbers[committed_rows]]),
        year=np.concatenate([row_years(dataset, "grants", basis)[counted_grants], row_years(dataset, "transactions", basis)[committed_rows]]),
        amounts=lambda: pd.concat([grant_amounts.take(counted_grants), transaction_amounts.take(committed_rows)], ignore_index=True),
        whole=whole,
    )
    spent_rows = money_rows[spent_type & in_dollars]
    disbursed = _Money(
        unit_id=money_units[spent_type & in_dollars],
        numbers=transaction_numbers[spent_rows],
        year=row_years(dataset, "transactions", basis)[spent_rows],
        amounts=lambda: transaction_amounts.take(spent_rows).reset_index(drop=True),
        whole=whole,
    )
    committed_usd, projects_committing = committed.by_year(count)
    disbursed_usd, projects_disbursing = disbursed.by_year(count)
    publishing = positions.chosen(count, np.concatenate([chosen.grant_units, money_units]))
    quiet = chosen.is_unit[chosen.projects] & ~publishing[chosen.projects]
    silent_start = row_years(dataset, "projects", basis)[chosen.projects[quiet]]
    silent_years, silent_counts = np.unique(silent_start[~np.isnan(silent_start)], return_counts=True)
    # Every year from the first to the last, so a year with nothing published shows as a gap, not as a missing bar
    # that makes 2020 sit beside 2022. Put together from arrays: as frames joined, aligned and cast, this took most of
    # the function's time for a table of a dozen rows.
    known = np.concatenate([committed_usd.index.to_numpy(dtype=float), disbursed_usd.index.to_numpy(dtype=float), silent_years])
    first = int(known.min()) if len(known) else 0
    span = int(known.max()) - first + 1 if len(known) else 0

    def placed(years: np.ndarray, values, empty):
        column = np.full(span, empty, dtype=object if empty is pd.NA else np.int64)
        column[(years - first).astype(np.int64)] = values
        return column

    columns = {
        "committed_usd": placed(committed_usd.index.to_numpy(dtype=float), committed_usd.to_numpy(dtype=object), pd.NA),
        "disbursed_usd": placed(disbursed_usd.index.to_numpy(dtype=float), disbursed_usd.to_numpy(dtype=object), pd.NA),
        "projects_committing": placed(projects_committing.index.to_numpy(dtype=float), projects_committing.to_numpy(), 0),
        "projects_disbursing": placed(projects_disbursing.index.to_numpy(dtype=float), projects_disbursing.to_numpy(), 0),
        "projects_silent": placed(silent_years, silent_counts, 0),
    }
    labels = [str(year) for year in range(first, first + span)]
    undated_silent = int(np.isnan(silent_start).sum())
    if undated_silent:
        # A start written "2019" has a calendar year, but may fall in either of two fiscal years.
        labels.append(YEAR_UNKNOWN if basis == "calendar" else FISCAL_YEAR_UNKNOWN)
        columns = {name: np.append(values, pd.NA if name.endswith("_usd") else 0) for name, values in columns.items()}
        columns["projects_silent"][-1] = undated_silent
    counts = ["projects_committing", "projects_disbursing", "projects_silent"]
    table = pd.DataFrame(
        {
            "year": pd.Series(labels, dtype=object if not labels else None),
            "committed_usd": pd.array(columns["committed_usd"], dtype="Float64"),
            "disbursed_usd": pd.array(columns["disbursed_usd"], dtype="Float64"),
            **{name: columns[name].astype(int) for name in counts},
        }
    )
    (committed_not_placed_usd, committed_rows_not_placed), (disbursed_not_placed_usd, disbursed_rows_not_placed) = (
        committed.not_placed(),
        disbursed.not_placed(),
    )
    other_currency = dataset.transactions["currency"].take(money_rows[~in_dollars])
    return MoneyByYear(
        table=table,
        basis=basis,
        projects=projects,
        silent_rows=np.flatnonzero(quiet),
        committed_not_placed_usd=committed_not_placed_usd,
        disbursed_not_placed_usd=disbursed_not_placed_usd,
        committed_rows_not_placed=committed_rows_not_placed,
        disbursed_rows_not_placed=disbursed_rows_not_placed,
        other_currency_rows=int((~in_dollars).sum()),
        other_currencies=tuple(sorted(set(other_currency))),
        budgets_left_out=int(kinds["budget"][chosen.grant_rows].sum()),
    )


def _money_kinds(dataset: Dataset) -> dict[str, np.ndarray]:
    """Per row, once per dataset: transactions in US dollars, of a committed type, of a spent type; grants that
    are budgets (plans, not commitments)."""

    def build():
        transactions = dataset.transactions
        return {
            "usd": (transactions["currency"] == "USD").to_numpy(dtype=bool),
            "committed": transactions["transaction_type"].isin(COMMITTED_TYPES).to_numpy(dtype=bool),
            "spent": transactions["transaction_type"].isin(SPENT_TYPES).to_numpy(dtype=bool),
            "budget": dataset.grants["amount_kind"].isin(NOT_COMMITTED_KINDS).to_numpy(dtype=bool),
        }

    return derived(dataset, "money_kinds", build)


METRIC_LABELS = {
    "records_digitized": "Records digitized",
    "professionals_trained": "Professionals trained",
    "hospitals_onboarded": "Hospitals and clinics onboarded",
    "people_served": "People served",
    "utility_customers": "Customers of the paired water utilities",  # their customer base: context, not reach
    "participants": "Participants",
    "proposals_received": "Proposals received",
    "solutions_funded": "Solutions funded",
    "funding_requested_usd": "Funding requested (USD)",
    "city_pairs": "City pairs",
    "universities_trained": "Universities trained",
    "incubators_trained": "Incubators trained",
    "countries_engaged": "Countries engaged",
    "shoes_collected": "Pairs of shoes collected",
    "stated_commitment_usd": "Stated commitment (USD)",
    "projects_count": "Projects (as stated by the partnership)",
    "member_cities": "ASCN member cities",
}


# The order results are headlined in, most telling first; others follow alphabetically.
HEADLINE_METRICS = [
    "records_digitized",
    "professionals_trained",
    "hospitals_onboarded",
    "people_served",
    "city_pairs",
    "universities_trained",
    "participants",
    "solutions_funded",
    "proposals_received",
    "shoes_collected",
]


def headline_results(totals: pd.DataFrame, count: int = 3) -> list[str]:
    """The result metrics a headline names (the Overview's cards, the headline slide): the first `count` of
    HEADLINE_METRICS that `totals` (metric_totals()) holds, in that order.

    Results only: a context figure, however large (the 21 million customers of the utilities WiSE pairs),
    is not something the partnership achieved and never stands as a headline.
    """
    published = set(totals["metric"])
    return [metric for metric in HEADLINE_METRICS if metric in published][:count]


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


def rows_of_projects(dataset: Dataset, table: str, projects: pd.DataFrame) -> np.ndarray:
    """A mask over the rows of one of the dataset's tables ("grants", "metrics", ...): those of `projects`.

    Each row's project is found once per dataset, as its position among the projects; a selection then
    costs a lookup of its own ids and one gather, not a match of 300,000 ids as text (`isin`), which took
    most of a page's time at 10,000x when a page selects several times (Compare places, once per place).
    """
    if not positions.id_index(dataset).is_unique:  # validation refuses this; a table put together by hand may not be validated
        return getattr(dataset, table)["project_id"].isin(projects["project_id"]).to_numpy()
    # A page asks this of the same selection several times (the Impact page four times of the metrics, 500,000 rows at
    # 10,000x).
    def build():
        chosen = positions.chosen(len(dataset.projects), positions.project_positions(dataset, projects))
        # np.take, not chosen[...]: indexing by 32-bit positions first copies them as 64-bit (0.9 ms against 0.5 for
        # 500,000 rows).
        return np.take(chosen, positions.table_positions(dataset, table))

    return _for_the_same(dataset, ("rows_of_projects", table), (projects,), build)


def _for_the_same(dataset: Dataset, name: Hashable, objects: tuple, build):
    """build(), kept for the last few calls given these very objects (a selection, its grant rows): a page passes the
    same selection to several sums, each of which started by finding its rows.

    Kept by identity, with the objects held so that no other frame takes their ids while kept, and for the thread
    that asked only: Streamlit runs each script run in a thread of its own, so what a run keeps goes when it ends.
    (Kept per dataset across runs, the selections' grant positions held 50 MB each at 100,000x and pushed the peak
    over 4 GB.) The arrays are made read-only: the sums that share them must not change them.
    """
    recent = getattr(_RECENT, "answers", None)
    if recent is None:
        recent = _RECENT.answers = OrderedDict()
    key = (id(dataset), name, *(id(item) for item in objects))
    found = recent.get(key)
    if found is not None and found[0] is dataset and all(kept is item for kept, item in zip(found[1], objects)):
        recent.move_to_end(key)
        return found[2]
    value = build()
    if isinstance(value, np.ndarray) and value.nbytes > RECENT_ARRAY_BYTES:
        return value  # made again when asked again: kept, it would raise the peak a 100,000x page reaches
    for array in (value,) if isinstance(value, np.ndarray) else vars(value).values() if is_dataclass(value) else ():
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    recent[key] = (dataset, objects, value)
    while len(recent) > RECENT_KEPT:
        recent.popitem(last=False)
    return value


RECENT_KEPT = 8  # answers per thread: a page's selections' rows of four tables, and their grants' units
RECENT_ARRAY_BYTES = 16 * 2**20  # an array larger than this is not kept (the countable rows of every project at 100,000x)
_RECENT = threading.local()


def countable_metrics(dataset: Dataset, projects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Result figures that may be added up: no targets, no context, and no second report of the same figure."""
    metrics = dataset.metrics
    countable = _countable_mask(dataset)
    if projects is None:
        return derived(dataset, "countable_metrics", lambda: metrics[countable])
    return metrics[countable & rows_of_projects(dataset, "metrics", projects)]


def metric_units(dataset: Dataset, projects: pd.DataFrame, metric: str, rows: np.ndarray | None = None) -> list:
    """The units the countable figures of one metric give for these projects, each once, in table order.
    `rows`: metric_rows() of the same, when the caller has them."""
    rows = metric_rows(dataset, projects, metric) if rows is None else rows
    return list(pd.unique(dataset.metrics["unit"].to_numpy(dtype=object)[rows]))


def metric_titles(dataset: Dataset, projects: pd.DataFrame, metric: str) -> list:
    """The titles of the projects whose countable figures of one metric are added up, each once, in table order."""
    rows = metric_rows(dataset, projects, metric)
    project = positions.table_positions(dataset, "metrics")[rows]
    return list(pd.unique(dataset.projects["title"].to_numpy(dtype=object)[project[project >= 0]]))


def metric_rows(dataset: Dataset, projects: pd.DataFrame, metric: str) -> np.ndarray:
    """The positions in dataset.metrics of the countable figures (countable_metrics) of one metric for these projects,
    in table order: metric_totals(rows=...) of them is the part of metric_totals(projects=...) for that metric."""
    columns = _metric_columns(dataset)
    code = derived(dataset, "metric_codes", lambda: {name: code for code, name in enumerate(columns["metric_sorted"])}).get(metric)
    if code is None:
        return np.zeros(0, dtype=np.int64)
    rows = countable_rows(dataset, projects)
    return rows[columns["metric_rank"][rows] == code]


def largest(table: pd.DataFrame, column: str, count: int) -> pd.DataFrame:
    """table.nlargest(count, column) of a column with no gaps: the rows of the largest values, largest first, ties
    in table order, found by one stable sort (nlargest took 1 ms for a few thousand rows)."""
    values = table[column].to_numpy(dtype=float)
    return table.take(np.argsort(-values, kind="stable")[:count])


def with_titles(dataset: Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """`table` (with a project_id column) with each project's title, as a merge on project_id gives it: rows in
    their order, a row whose project is not in the dataset left out. Found by position, not by a join of
    every project (a third of the Impact page's time at 10,000x)."""
    if table.empty or not positions.id_index(dataset).is_unique:  # (a hand-made dataset may repeat an id)
        return table.merge(dataset.projects[["project_id", "title"]], on="project_id")
    found = positions.found_in(positions.id_index(dataset), table["project_id"].to_numpy(dtype=object))
    return _titled_by_position(dataset, table, found)


def countable_mask(dataset: Dataset, projects: pd.DataFrame) -> np.ndarray:
    """Per metrics row: a countable result figure (countable_metrics) of `projects`."""
    return _countable_mask(dataset) & rows_of_projects(dataset, "metrics", projects)


def countable_rows(dataset: Dataset, projects: pd.DataFrame) -> np.ndarray:
    """The positions of countable_mask()'s rows, in table order. A page's sums of results ask for them several times
    (the map's totals by city, the Overview's headline results, the Impact page's chosen result), and each time
    they were 0.7 ms at 10,000x: two passes over 500,000 rows."""
    return _for_the_same(dataset, "countable_rows", (projects,), lambda: np.flatnonzero(countable_mask(dataset, projects)))


def metrics_in_cities(dataset: Dataset, city_ids, rows: np.ndarray | None = None) -> np.ndarray:
    """Per metrics row: the source ties it to none of the member cities, or to one of `city_ids`.
    Given `rows` (positions in dataset.metrics), the answer for those rows only."""
    codes, names = derived(dataset, "metric_city_codes", lambda: positions.factorized(dataset.metrics["city_id"]))
    wanted = set(city_ids)
    kept = np.array([name in wanted for name in names] + [True], dtype=bool)  # the last slot: no city (-1)
    return kept[codes if rows is None else codes[rows]]


# The columns of metric_totals after [by], metric and value; a caller may want only some (metric_totals' `columns`).
METRIC_DETAILS = ("is_lower_bound", "is_approximate", "figures", "as_of", "source_ids")


def metric_totals(
    dataset: Dataset,
    by: str | None = None,
    projects: pd.DataFrame | None = None,
    rows: pd.DataFrame | None = None,
    columns: Sequence[str] = METRIC_DETAILS,
) -> pd.DataFrame:
    """Sum result metrics overall, by "project" or by "city", keeping lower-bound and approximate flags.

    A total that includes any "more than" figure is itself a lower bound, so "100,000+" stays "100,000+".
    By city, a figure goes to its own city when the source names one, else to its project's single site
    city, else to "several cities"/country-wide/regional as the project's geography says.
    `rows` narrows the figures further (rows of countable_metrics, say those of one place, or their positions in
    dataset.metrics); by default all of the projects'.
    Columns: [by], metric, value, then those of METRIC_DETAILS named in `columns`: is_lower_bound, is_approximate,
    figures, as_of (latest), source_ids. The map's measures want none of them and the comparison of places only the
    flags: the dates and the sources are most of the work. By project, "title" in `columns` adds each project's title
    last, as with_titles() does (a total of a project the dataset does not hold is left out), found by position.
    """
    if by not in (None, "project", "city"):
        raise ValueError(f"by must be None, 'project' or 'city', not {by!r}")
    if isinstance(rows, np.ndarray):
        chosen = rows
    elif rows is not None:
        chosen = positions.row_positions(dataset, "metrics", rows)
    elif projects is None:
        chosen = np.flatnonzero(_countable_mask(dataset))
    else:
        chosen = countable_rows(dataset, projects)
    coded = _metric_columns(dataset)
    metric_names = coded["metric_sorted"]
    group = _metric_group(coded, by, chosen, len(metric_names))
    groups, group_of = _numbered(group, len(metric_names) * (1 if by is None else len(coded[f"{by}_rank"][1])))
    count = len(groups)
    key = {}
    if by is not None:
        # The key columns in pandas' text type, as a groupby of the table's columns has always given them.
        labels = coded["project_text" if by == "project" else "city_text"]
        key[{"project": "project_id", "city": "city"}[by]] = labels.take(groups // len(metric_names))
    in_order = len(chosen) > 1 and bool((np.diff(chosen) > 0).all())
    numbers = _numbers(dataset, "metrics", "value")
    if coded["whole_values"] and (in_order or len(chosen) <= 1):
        # Whole numbers add up to the same total in any order, so no newest-first order is made: each group's "as of"
        # is its dated row that comes first newest-first, the least rank in `newest` (0.6 ms less per call at 10,000x).
        value = _group_sums(dataset.metrics["value"], True, chosen, group_of, count, numbers)

        def first_dated() -> np.ndarray:
            dated = coded["as_of_known"][chosen]
            least_rank = np.full(count, len(dataset.metrics), dtype=np.int32)  # the ranks' own type: np.minimum.at casting
            np.minimum.at(least_rank, group_of[dated], coded["newest_rank"][chosen[dated]])  # each value costs 30x more
            found = least_rank < len(dataset.metrics)
            first = np.full(count, -1, dtype=np.int64)
            first[found] = coded["newest"][least_rank[found]]
            return first

    else:
        # Newest first (ties keep their order): each group's first dated row gives its "as of", and sums run in this order.
        if in_order:
            if len(chosen) * 4 < len(dataset.metrics):  # a few rows: sort their ranks (0.3 ms for 55,000 of 500,000 rows)
                newest_rows = np.take(coded["newest"], np.sort(coded["newest_rank"][chosen]))
            else:  # most rows: mark them and keep the dataset's order (1.7 ms, at any selection's size)
                newest_rows = coded["newest"][np.take(positions.chosen(len(dataset.metrics), chosen), coded["newest"])]
        else:
            newest_rows = chosen[np.argsort(-coded["days"][chosen], kind="stable")]
        newest_group = np.searchsorted(groups, _metric_group(coded, by, newest_rows, len(metric_names)))
        value = _group_sums(dataset.metrics["value"], coded["whole_values"], newest_rows, newest_group, count, numbers)

        def first_dated() -> np.ndarray:
            dated = coded["as_of_known"][newest_rows]
            return _first_of_each(newest_group[dated], newest_rows[dated], count)

    details = {
        "is_lower_bound": lambda: np.bincount(group_of, weights=coded["lower_bound"][chosen], minlength=count) > 0,
        "is_approximate": lambda: np.bincount(group_of, weights=coded["approximate"][chosen], minlength=count) > 0,
        "figures": lambda: np.bincount(group_of, minlength=count),
        "as_of": lambda: pd.Series(_as_of_texts(dataset, first_dated()), dtype=object),
        "source_ids": lambda: _sources_by_group(coded["source_codes"][chosen], coded["source_names"], group_of, count),
    }
    table = pd.DataFrame(
        {
            **key,
            "metric": coded["metric_text"].take(groups % len(metric_names)),
            "value": value.array,
            **{name: made() for name, made in details.items() if name in columns},
        },
        index=pd.RangeIndex(count),
    )
    if by == "project" and "title" in columns:
        if not count or not positions.id_index(dataset).is_unique:  # with_titles' own way: a merge
            return with_titles(dataset, table.astype(dict.fromkeys([*key, "metric"], object)) if not count else table)
        table = _titled_by_position(dataset, table, _project_rank_positions(dataset)[groups // len(metric_names)])
    # With no totals the key columns are objects, as an empty groupby gives them.
    return table.astype(dict.fromkeys([*key, "metric"], object)) if not count else table


def _project_rank_positions(dataset: Dataset) -> np.ndarray:
    """For each project id metric_totals numbers by project (in sorted order, a missing one last), its position in
    dataset.projects (-1: not there); once per dataset."""
    ids = _metric_columns(dataset)["project_rank"][1]
    return derived(dataset, "metric_project_positions", lambda: positions.found_in(positions.id_index(dataset), ids))


def _titled_by_position(dataset: Dataset, table: pd.DataFrame, found: np.ndarray) -> pd.DataFrame:
    """with_titles(dataset, table) when each row's project position is known (`found`, -1 for none): rows of no
    known project left out, the project id in the projects' own type, the title last."""
    known = found >= 0
    titled = table[known].reset_index(drop=True)  # a copy, numbered 0..n-1: the caller's table is left as it is
    if titled["project_id"].dtype != dataset.projects["project_id"].dtype:  # a merge gives the key the two sides' common type
        titled["project_id"] = titled["project_id"].astype(object)
    titled["title"] = _texts(dataset.projects["title"].to_numpy(dtype=object)[found[known]])
    return titled


def _as_of_texts(dataset: Dataset, first_dated: np.ndarray) -> np.ndarray:
    """The as_of of each group's first dated row (first_dated: its position; -1 for none, which has None)."""
    return np.where(first_dated >= 0, dataset.metrics["as_of"].to_numpy(dtype=object)[np.maximum(first_dated, 0)], None)


def _numbered(group: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of `group` (0 to size - 1) in order, and each row's number among them: by marking when
    the rows are many for the size, by sorting when few (8,000 rows of one result by project, in a space of a
    million project and result pairs at 10,000x: 0.3 ms against 2)."""
    if len(group) * 16 < size:
        groups, group_of = np.unique(group, return_inverse=True)
        return groups, group_of.ravel()
    present = np.bincount(group, minlength=1) > 0
    return np.flatnonzero(present), (np.cumsum(present) - 1)[group]


def _metric_group(columns: dict, by: str | None, rows: np.ndarray, metric_count: int) -> np.ndarray:
    """Each row's group in metric_totals: its metric, after its key's rank among the keys in sorted order (a
    missing key last, as a groupby with sort=True, dropna=False has them)."""
    if by is None:
        return columns["metric_rank"][rows]
    ranks, _ = columns["project_rank"] if by == "project" else columns["city_rank"]
    return ranks[rows] * metric_count + columns["metric_rank"][rows]


def _group_sums(
    values: pd.Series, whole: bool, rows: np.ndarray, group_of: np.ndarray, count: int, numbers: np.ndarray | None = None
) -> pd.Series:
    """The sum of `values` at `rows` per group (missing values count as nothing), as pandas' groupby gives it.

    Whole numbers (counts, whole dollars) add up exactly in any order, so numpy adds them; other values are
    added by pandas, in the rows' order, as before. `numbers` are `values` as floats when the caller has them
    (_numbers).
    """
    if whole:
        filled = (values.to_numpy(dtype=float, na_value=0.0) if numbers is None else numbers)[rows]
        return pd.Series(pd.array(np.bincount(group_of, weights=filled, minlength=count), dtype="Float64"))
    return (
        pd.Series(values.array.take(rows))
        .groupby(group_of, sort=True)
        .sum()
        .reindex(range(count), fill_value=0)
        .astype(values.dtype)
    )


def _disclosed(dataset: Dataset) -> np.ndarray:
    """Per grant: it states an amount (amount_usd is not missing); once per dataset, not 300,000 checks a rerun."""
    return derived(dataset, "disclosed_grants", lambda: dataset.grants["amount_usd"].notna().to_numpy(dtype=bool))


def _numbers(dataset: Dataset, table: str, column: str) -> np.ndarray:
    """A number column of the dataset as floats, missing as 0, once per dataset: added up on every rerun, and
    made anew it costs a millisecond per 500,000 rows."""
    column_values = getattr(dataset, table)[column]
    return derived(dataset, ("numbers", table, column), lambda: column_values.to_numpy(dtype=float, na_value=0.0))


def _countable_mask(dataset: Dataset) -> np.ndarray:
    """Per metrics row: a result figure that may be added up (no target, no context, no second report)."""
    metrics = dataset.metrics
    return derived(
        dataset,
        "countable_metric_mask",
        lambda: ((metrics["value_type"] == "result") & metrics["duplicate_of"].isna()).to_numpy(),
    )


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's rank among the distinct values in sorted order, a missing value last; and those values.

    The distinct values are found by hashing, and only they are sorted.
    """
    codes, distinct = positions.factorized(pd.Series(values, dtype=object))
    order = np.argsort(distinct.astype(object), kind="stable") if len(distinct) else np.zeros(0, dtype=np.int64)
    rank = np.empty(len(distinct) + 1, dtype=np.int64)
    rank[order] = np.arange(len(distinct))
    rank[-1] = len(distinct)  # missing: after every value
    return rank[codes], np.append(distinct[order], np.nan).astype(object)


def _code_ranks(dataset: Dataset, dimension: str) -> tuple[np.ndarray, np.ndarray]:
    """For a project code (positions.Codes: "agency", "sector", ...), each code's rank among the names in sorted
    order, indexed by code with the missing code (-1) last; and the sorted names, a missing one (NaN) last."""

    def build():
        names = positions.codes(dataset).names[dimension].astype(object)
        order = np.argsort(names, kind="stable") if len(names) else np.zeros(0, dtype=np.int64)
        rank = np.empty(len(names) + 1, dtype=np.int64)
        rank[order] = np.arange(len(names))
        rank[-1] = len(names)
        return rank, np.append(names[order], np.nan).astype(object)

    return derived(dataset, ("code_ranks", dimension), build)


def _int32_codes(codes_and_labels: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    codes, labels = codes_and_labels
    return codes.astype(np.int32), labels


def _first_of_each(group_of: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """For each of `count` groups, the value of its first row (-1 for a group with none), in one pass."""
    first_row = np.full(count, len(group_of), dtype=np.int64)
    np.minimum.at(first_row, group_of, np.arange(len(group_of)))  # unbuffered: every row is compared
    found = first_row < len(group_of)
    first = np.full(count, -1, dtype=np.int64)
    first[found] = values[first_row[found]]
    return first


def _sources_by_group(source_codes: np.ndarray, source_names: np.ndarray, group_of: np.ndarray, count: int) -> np.ndarray:
    """Each group's sources, once each, in the order its rows first cite them, joined with ";".

    Most groups cite one source: only the rows of groups citing more are looked at one by one.
    """
    first = _first_of_each(group_of, source_codes, count)
    joined = source_names[np.maximum(first, 0)].astype(object)
    several = np.zeros(count, dtype=bool)
    several[group_of[source_codes != first[group_of]]] = True
    rows = np.flatnonzero(several[group_of])
    cited: dict[int, list] = {}
    for group, source in zip(group_of[rows].tolist(), source_codes[rows].tolist()):
        named = cited.setdefault(group, [])
        if source not in named:
            named.append(source)
    for group, sources in cited.items():
        joined[group] = ";".join(source_names[source] for source in sources)
    return joined


def _metric_columns(dataset: Dataset) -> dict[str, np.ndarray]:
    """The metrics table as arrays, once per dataset: what metric_totals adds up without copying the table."""

    def build():
        metrics = dataset.metrics
        names, ranks = np.unique(metrics["metric"].to_numpy(dtype=object), return_inverse=True)
        source_codes, source_names = positions.factorized(metrics["source_id"])
        # Each row's city for a breakdown by city: its own when the source names one, else its project's place.
        own_city = metrics["city_id"].map(dict(zip(dataset.cities["city_id"], dataset.cities["city"]))).to_numpy(dtype=object)
        codes, places = _location_codes(dataset, "city")
        project = positions.table_positions(dataset, "metrics")
        place = np.append(places[codes], REGIONAL).astype(object)[project]  # a figure of no project (-1): regional
        days = _metric_days(dataset, metrics)
        newest = np.argsort(-days, kind="stable").astype(np.int32)
        newest_rank = np.empty(len(newest), dtype=np.int32)
        newest_rank[newest] = np.arange(len(newest), dtype=np.int32)
        project_rank = _int32_codes(_sorted_codes(metrics["project_id"].to_numpy(dtype=object)))
        city_rank = _int32_codes(_sorted_codes(np.where(pd.isna(own_city), place, own_city)))
        # 32-bit codes and positions: 5 million rows at 100,000x keep half the memory.
        return {
            "metric_rank": ranks.ravel().astype(np.int32),
            "metric_sorted": names.astype(object),
            "lower_bound": metrics["is_lower_bound"].fillna(False).to_numpy(dtype=bool),
            "approximate": metrics["is_approximate"].fillna(False).to_numpy(dtype=bool),
            "days": days.astype(np.int32),
            "newest": newest,  # every row, newest first; a selection keeps this order
            "newest_rank": newest_rank,  # each row's place in `newest`
            "as_of_known": metrics["as_of"].notna().to_numpy(),
            "source_codes": np.where(source_codes >= 0, source_codes, len(source_names)).astype(np.int32),
            "source_names": np.append(source_names, None),
            "project_rank": project_rank,
            "city_rank": city_rank,
            "whole_values": _whole(metrics["value"]),
            # The key columns' values in pandas' text type, made once: a total's labels are taken from them.
            "metric_text": pd.array(names.astype(object), dtype="str"),
            "project_text": pd.array(project_rank[1], dtype="str"),
            "city_text": pd.array(city_rank[1], dtype="str"),
        }

    return derived(dataset, "metric_columns", build)


@dataclass(frozen=True)
class Figure:
    """One headline number with what a reader needs to trust it."""

    value: float
    is_lower_bound: bool = False
    is_approximate: bool = False
    as_of: str | None = None
    source_ids: tuple[str, ...] = ()


def metric_figure(
    dataset: Dataset, metric: str, projects: pd.DataFrame | None = None, totals: pd.DataFrame | None = None
) -> Figure | None:
    """The total of one result metric across the selection, or None when no figure is published.

    `totals` is metric_totals(dataset, projects=projects) when the caller already has it (several headlines).
    """
    totals = metric_totals(dataset, projects=projects) if totals is None else totals
    found = np.flatnonzero(totals["metric"].to_numpy(dtype=object) == metric)
    if not len(found):
        return None
    # Cell by cell: a row of this mixed table as a Series made pandas find the columns' common type, a
    # twentieth of the server's work for a new viewer's Overview.
    at = found[0]
    return Figure(
        float(totals["value"].iat[at]),
        bool(totals["is_lower_bound"].iat[at]),
        bool(totals["is_approximate"].iat[at]),
        totals["as_of"].iat[at],
        tuple(totals["source_ids"].iat[at].split(";")),
    )


def _metric_days(dataset: Dataset, rows: pd.DataFrame):
    """The latest day (as an ordinal, -1 when undated) of each of `rows`, rows of dataset.metrics; parsed once per dataset."""
    days = derived(dataset, "metric_days", lambda: latest_ordinals(dataset.metrics["as_of"]).to_numpy())
    return days[positions.row_positions(dataset, "metrics", rows)]


def latest_context_figure(dataset: Dataset, metric: str, scope: str) -> Figure | None:
    """The most recent context figure the sources give (e.g. the ASCN's reported size), or None."""
    return derived(dataset, ("latest_context_figure", metric, scope), lambda: _latest_context_figure(dataset, metric, scope))


def _latest_context_figure(dataset: Dataset, metric: str, scope: str) -> Figure | None:
    metrics = dataset.metrics
    rows = metrics[(metrics["metric"] == metric) & (metrics["scope"] == scope) & (metrics["value_type"] == "context")]
    rows = rows[rows["as_of"].notna()]
    if rows.empty:
        return None
    row = rows.iloc[_metric_days(dataset, rows).argmax()]
    return Figure(
        float(row["value"]), bool(row["is_lower_bound"]), bool(row["is_approximate"]), row["as_of"], (row["source_id"],)
    )


@dataclass(frozen=True)
class NetworkSize:
    member_cities: int
    original_pilot_cities: int
    later_members: int


def network_size(dataset: Dataset) -> NetworkSize:
    """The network's cities by cohort, once per dataset (asked on every rerun of the Overview and the slides)."""

    def build():
        cohort = dataset.cities["ascn_cohort"]
        return NetworkSize(
            member_cities=len(cohort),
            original_pilot_cities=int((cohort == "original_2018_pilot").sum()),
            later_members=int((cohort == "later_member").sum()),
        )

    return derived(dataset, "network_size", build)


def city_summary(dataset: Dataset, projects: pd.DataFrame | None = None, grants: Rows | None = None) -> pd.DataFrame:
    """One row per member city: where it is, its cohort, and how many selected projects work there.

    Columns: city_id, city, country, iso3, lat, lon, ascn_cohort, ascn_joined_year, population,
    projects (site or venue links), disclosed_usd (funding attributed to exactly this city; NA when none is),
    shared_usd (disclosed funding of projects here that also work or meet elsewhere, not split; NA when none).
    """
    projects = select_projects(dataset) if projects is None else projects
    chosen = _chosen(dataset, projects, grants)
    count, cities = len(dataset.projects), dataset.cities
    link_rows = np.flatnonzero(rows_of_projects(dataset, "project_cities", projects))
    link_projects = positions.table_positions(dataset, "project_cities")[link_rows]
    link_cities = _link_cities(dataset)[link_rows]  # the linked city's row in dataset.cities; -1 for none
    known = link_cities >= 0
    # Projects per city, each once however many roles it has there.
    projects_here = _distinct_per_group(link_cities[known], link_projects[known], len(cities), count)
    # Money placed in one city alone: the grants of reporting units whose place (location_labels) is its name.
    codes, labels = _location_codes(dataset, "city")
    grant_labels = codes[chosen.grant_units]
    by_label = _grant_sums(dataset, chosen.grant_rows, grant_labels, len(labels))
    placed = positions.chosen(len(labels), grant_labels)[: len(labels)]  # labels some grant is placed under
    alone = dict(zip(labels[placed], by_label[placed].tolist()))
    # Made in one go: a copy and three columns set one by one took a third of this function at 10,000x.
    columns = ["city_id", "city", "country", "iso3", "lat", "lon", "ascn_cohort", "ascn_joined_year", "population"]
    table = pd.DataFrame(
        {
            **{column: cities[column] for column in columns},
            "projects": pd.Series(projects_here, index=cities.index),
            "disclosed_usd": pd.Series(
                pd.array([alone.get(name, pd.NA) for name in cities["city"].tolist()], dtype="Float64"), index=cities.index
            ),
            "shared_usd": _shared_funding(dataset, chosen, link_cities, link_projects),
        },
        index=cities.index,
    )
    return table.reset_index(drop=True)


def _link_cities(dataset: Dataset) -> np.ndarray:
    """For each project_cities row, its city's row in dataset.cities (-1 when the city is not listed); once per dataset."""
    return derived(
        dataset,
        "link_cities",
        lambda: positions.found_in(
            positions.object_index(dataset.cities["city_id"].to_numpy(dtype=object)),
            dataset.project_cities["city_id"].to_numpy(dtype=object),
        ),
    )


def _shared_funding(dataset: Dataset, chosen: _Chosen, link_cities: np.ndarray, link_projects: np.ndarray) -> pd.Series:
    """Per member city (a row of dataset.cities): disclosed money of the reporting units working or meeting there
    that are placed elsewhere too (several cities, a country, the region), each counted whole, as nobody published
    how it splits. NA for a city with none.

    `link_cities` and `link_projects` are the selection's project_cities rows, in table order: their city's row and
    their project's position.
    """
    whole = _whole_amounts(dataset)
    # Each (city, unit) pair once, in the order the links first give it.
    cities = dataset.cities
    link_units = chosen.unit_of[link_projects]
    pair = link_cities.astype(np.int64) * (len(dataset.projects) + 1) + link_units
    _, first = np.unique(pair, return_index=True)
    first.sort()
    pair_cities, pair_units = link_cities[first], link_units[first]
    codes, labels = _location_codes(dataset, "city")
    names = cities["city"].to_numpy(dtype=object)
    placed_elsewhere = pair_cities >= 0
    placed_elsewhere[placed_elsewhere] = labels[codes[pair_units[placed_elsewhere]]] != names[pair_cities[placed_elsewhere]]
    # Each such unit's disclosed money: its grants added up (a unit without grants has none); only theirs are added.
    of_these = positions.chosen(len(dataset.projects), pair_units[placed_elsewhere])[chosen.grant_units]
    units, unit_of_grant = _distinct(chosen.grant_units[of_these], len(dataset.projects))
    unit_sums = _grant_sums(dataset, chosen.grant_rows[of_these], unit_of_grant, len(units))
    sum_of_unit = np.full(len(dataset.projects) + 1, -1)  # by project position: its row in unit_sums, -1 for none
    sum_of_unit[units] = np.arange(len(units))
    unit_index = sum_of_unit[pair_units]
    elsewhere = placed_elsewhere & (unit_index >= 0)
    sums = _group_sums(unit_sums, whole, unit_index[elsewhere], pair_cities[elsewhere], len(cities))
    return sums.where(np.bincount(pair_cities[elsewhere], minlength=len(cities)) > 0)


@dataclass(frozen=True)
class FundingPlaces:
    """Where disclosed money can be placed on a city map, and where it cannot."""

    disclosed_usd: float | None  # all of it; None when nothing is disclosed
    one_city_usd: float  # attributed to a single city: what a map can size dots by
    several_cities_usd: float  # projects in several cities, not split between them
    country_usd: float  # country-level work naming no city
    regional_usd: float  # region-wide programs
    unplaced_usd: float  # place not published
    cities_with_own_funding: int


def funding_places(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None = None) -> FundingPlaces:
    """How much of the disclosed money belongs to one city, and how much is shared, country-wide or regional."""
    by_place = funding_by(dataset, "city", projects, grants).set_index("city")["disclosed_usd"].fillna(0)
    kinds = {SEVERAL_CITIES, COUNTRY_WIDE, REGIONAL, LOCATION_UNKNOWN}
    own = by_place[[place not in kinds for place in by_place.index]]
    total = funding_totals(dataset, projects, grants).disclosed_usd
    return FundingPlaces(
        disclosed_usd=total,
        one_city_usd=float(own.sum()),
        several_cities_usd=float(by_place.get(SEVERAL_CITIES, 0.0)),
        country_usd=float(by_place.get(COUNTRY_WIDE, 0.0)),
        regional_usd=float(by_place.get(REGIONAL, 0.0)),
        unplaced_usd=float(by_place.get(LOCATION_UNKNOWN, 0.0)),
        cities_with_own_funding=int((own > 0).sum()),
    )


def source_links(dataset: Dataset, source_ids) -> list[tuple[str, str]]:
    """(publisher, url) of each of `source_ids`, in the order given, without repeats: what a caption links to,
    looked up without building a table (a headline's caption is drawn on every rerun)."""
    links = _source_links(dataset)
    return [links[source] for source in dict.fromkeys(source_ids) if source in links]


def _source_links(dataset: Dataset) -> dict[str, tuple[str, str]]:
    """source_id -> (publisher, url), once per dataset."""
    return derived(
        dataset,
        "source_links",
        lambda: dict(zip(dataset.sources["source_id"], zip(dataset.sources["publisher"], dataset.sources["url"]))),
    )


def grant_sources(dataset: Dataset, grants: np.ndarray) -> list[str]:
    """The source_id of the grants at `grants` (positions), each once, in the order the rows first cite it; a grant
    citing none is passed over."""
    codes, names = derived(dataset, "grant_source_codes", lambda: positions.factorized(dataset.grants["source_id"]))
    cited = codes[grants]
    distinct, first = np.unique(cited[cited >= 0], return_index=True)
    return [names[code] for code in distinct[np.argsort(first, kind="stable")]]


def sources_for(dataset: Dataset, source_ids) -> pd.DataFrame:
    """The sources table rows for `source_ids`, in the order given, without repeats."""
    wanted = list(dict.fromkeys(source_ids))
    position = _source_positions(dataset)
    found = dataset.sources.take([position[s] for s in wanted if s in position]).reset_index(drop=True)
    return found.astype({"source_id": "str"})  # the id column as it came back from an index before


def funding_rows(
    dataset: Dataset, projects: pd.DataFrame | None = None, grants: Rows | None = None, limit: int | None = None
) -> pd.DataFrame:
    """The rows behind every funding chart: one per published amount, and one per project that publishes none,
    the largest amount first, then by project title, undisclosed last. `limit` keeps only that many of the first
    rows and puts only those together (funding_row_count() counts them all).

    Columns: project_id, project, lead_agency, sector, country, place, relationship, status, recipient,
    amount_usd (NA when not disclosed), award_date, amount_kind, source, source_url, note.
    """
    projects = select_projects(dataset) if projects is None else projects
    chosen = _chosen(dataset, projects, grants)
    silent = chosen.units[~positions.chosen(len(dataset.projects), chosen.grant_units)[chosen.units]]
    # Rows are numbered: the chosen grants first (as their reporting unit's), then the units publishing none.
    with_amount = len(chosen.grant_rows)
    units = np.concatenate([chosen.grant_units, silent])
    grants = dataset.grants
    amounts = grants["amount_usd"]
    amount_key = np.concatenate(
        [
            np.where(~_disclosed(dataset)[chosen.grant_rows], np.inf, -_numbers(dataset, "grants", "amount_usd")[chosen.grant_rows]),
            np.full(len(silent), np.inf),
        ]
    )
    order = _first_in_order(amount_key, _title_ranks(dataset)[units], limit)
    units, of_grant = units[order], order < with_amount
    grant_rows, silent_units = chosen.grant_rows[order[of_grant]], silent[order[~of_grant] - with_amount]

    def per_row(column: str, for_silent) -> np.ndarray:
        values = np.empty(len(order), dtype=object)
        values[of_grant] = grants[column].to_numpy(dtype=object)[grant_rows]
        values[~of_grant] = for_silent
        return values

    projects_info = dataset.projects
    # Each row's source by its position among the sources (-1: none, or not listed): a grant's own, else its
    # project's main source.
    source_rows = np.empty(len(order), dtype=np.int64)
    source_rows[of_grant] = _source_rows(dataset, "grants", lambda: dataset.grants["source_id"])[grant_rows]
    source_rows[~of_grant] = _source_rows(dataset, "main_sources", lambda: _main_sources(dataset))[silent_units]

    def by_source(column: str) -> pd.Series:
        """A column of each row's source, taken from the sources' own in text made once per dataset (NA for none)."""
        listed = dataset.sources[column].to_numpy(dtype=object)
        values = derived(dataset, ("source_text", column), lambda: pd.array([*listed, np.nan], dtype="str"))
        return pd.Series(values.take(np.where(source_rows >= 0, source_rows, len(dataset.sources))))

    country_codes, countries = _location_codes(dataset, "country")
    city_codes, places = _location_codes(dataset, "city")
    amount_column = pd.array(np.full(len(order), np.nan), dtype="Float64")
    amount_column[of_grant] = amounts.array.take(grant_rows)

    # The columns looked up by project or source are in pandas' text type, as they have always been in downloads.
    def by_project(name: str, values) -> pd.Series:
        """A text column of each row's project, taken from the projects' own made once per dataset."""
        return pd.Series(derived(dataset, ("project_text", name), lambda: pd.array(values(), dtype="str")).take(units))

    return pd.DataFrame(
        {
            "project_id": _texts(projects_info["project_id"].to_numpy(dtype=object)[units]),
            "project": by_project("title", lambda: projects_info["title"].to_numpy(dtype=object)),
            "lead_agency": by_project("lead_agency", lambda: projects_info["lead_agency"].to_numpy(dtype=object)),
            "sector": by_project("sector", lambda: projects_info["sector"].to_numpy(dtype=object)),
            "country": by_project("country", lambda: countries[country_codes]),
            "place": by_project("place", lambda: places[city_codes]),
            "relationship": by_project("relationship", lambda: _relationship_words(dataset)),
            "status": by_project("status", lambda: projects_info["status"].to_numpy(dtype=object)),
            "recipient": _texts(per_row("recipient", np.nan)),
            "amount_usd": amount_column,
            "award_date": _texts(per_row("award_date", np.nan)),
            "amount_kind": _texts(per_row("amount_kind", "not disclosed")),
            "source": by_source("title"),
            "source_url": by_source("url"),
            "note": _texts(per_row("note", projects_info["amount_note"].to_numpy(dtype=object)[silent_units])),
        }
    )


def funding_row_count(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None = None) -> int:
    """How many rows funding_rows() has: the chosen grants, and a row for each reporting unit publishing none."""
    chosen = _chosen(dataset, projects, grants)
    return len(chosen.grant_rows) + int((~positions.chosen(len(dataset.projects), chosen.grant_units)[chosen.units]).sum())


def _first_in_order(first_key: np.ndarray, second_key: np.ndarray, limit: int | None) -> np.ndarray:
    """The positions that a stable sort on (first_key, second_key) puts first, `limit` of them (all when None).

    With a limit, only the rows that can be among the first are sorted: those whose first key is no larger
    than the limit-th smallest (ties on it included, so the stable order among them is kept).
    """
    candidates = np.arange(len(first_key))
    if limit is not None and limit < len(first_key):
        threshold = np.partition(first_key, limit - 1)[limit - 1] if limit > 0 else -np.inf
        candidates = np.flatnonzero(first_key <= threshold)
    order = candidates[np.lexsort((second_key[candidates], first_key[candidates]))]
    return order if limit is None else order[:limit]


def _taken(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """column.take(rows).reset_index(drop=True), without the index: its values at `rows`, numbered 0..n-1, same type."""
    return pd.Series(column.array.take(rows), dtype=column.dtype)


def _texts(values: np.ndarray) -> pd.Series:
    """Text values as an object column, like the tables' own (pandas 3 would make a new one its string type)."""
    return pd.Series(values, dtype=object)


def source_rows_of(dataset: Dataset, source_ids: pd.Series | np.ndarray) -> np.ndarray:
    """The positions in dataset.sources of `source_ids` (-1 where none, or not listed). A source listed twice
    (validation refuses it; a hand-made dataset may not be validated) is found at its last."""
    wanted = source_ids.to_numpy(dtype=object) if isinstance(source_ids, pd.Series) else np.asarray(source_ids, dtype=object)
    listed = positions.object_index(dataset.sources["source_id"].to_numpy(dtype=object))
    if listed.is_unique:
        return positions.found_in(listed, wanted)
    position = _source_positions(dataset)
    return np.array([position.get(source, -1) for source in wanted], dtype=np.int64)


def _source_rows(dataset: Dataset, name: str, source_ids) -> np.ndarray:
    """source_rows_of(dataset, source_ids()), once per dataset."""
    return derived(dataset, ("source_rows", name), lambda: source_rows_of(dataset, source_ids()))


def _source_positions(dataset: Dataset) -> dict[str, int]:
    """source_id -> its position in dataset.sources (the last, for an id listed twice), once per dataset."""
    return derived(dataset, "source_positions", lambda: {source: i for i, source in enumerate(dataset.sources["source_id"])})


def _main_sources(dataset: Dataset) -> np.ndarray:
    """Each project's main source (its first project_sources row), by position; NaN when it has none."""

    def build():
        first = dataset.project_sources.drop_duplicates("project_id").set_index("project_id")["source_id"]
        return dataset.projects["project_id"].map(first).to_numpy(dtype=object)

    return derived(dataset, "main_sources", build)


def _relationship_words(dataset: Dataset) -> np.ndarray:
    """Each project's relationship to the partnership in words (RELATIONSHIPS), by position."""
    return derived(
        dataset,
        "relationship_words",
        lambda: dataset.projects["relationship"].map(lambda r: RELATIONSHIPS.get(r, r)).to_numpy(dtype=object),
    )


def _title_ranks(dataset: Dataset) -> np.ndarray:
    """Each project's title as its rank in the titles' sorted order, by position: equal titles share a rank."""
    return derived(
        dataset,
        "title_ranks",
        lambda: np.unique(dataset.projects["title"].to_numpy(dtype=object), return_inverse=True)[1].ravel(),
    )


def transaction_rows(dataset: Dataset, transactions: Rows) -> pd.DataFrame:
    """The transactions as downloaded: each with its project's title and its source's title and address, by date."""
    if isinstance(transactions, np.ndarray):
        transactions = dataset.transactions.take(transactions)
    titles = dataset.projects.drop_duplicates("project_id").set_index("project_id")["title"]
    sources = dataset.sources.set_index("source_id")
    table = transactions.assign(
        project=transactions["project_id"].map(titles),
        source=transactions["source_id"].map(sources["title"]),
        source_url=transactions["source_id"].map(sources["url"]),
    )
    # By when the money moved: a fiscal-year-only row sorts as the year's start, dated rows by their day.
    dates = table["transaction_date"]
    order = dates.map({text: earliest_day(text).toordinal() for text in dates.dropna().unique()})  # each date read once
    years = table["fiscal_year"]
    starts = {year: fiscal_year_start(year).toordinal() for year in years.dropna().unique()}
    order = order.astype("Float64").fillna(years.map(starts).astype("Float64"))
    return table.iloc[order.to_numpy(dtype=float, na_value=np.inf).argsort(kind="stable")].reset_index(drop=True)


def largest_projects(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None, keep: int) -> pd.DataFrame:
    """Disclosed amounts by lead agency, sector and project, the `keep` largest projects by name and the rest
    of each agency and sector as one "N other projects" box: a treemap of thousands of boxes shows nothing.

    The amounts of funding_rows(), added up by lead agency, sector and project title (two projects of one
    name are one box), the boxes in order of agency, sector and title. Columns: lead_agency, sector, title,
    amount_usd.
    """
    chosen = _chosen(dataset, projects, grants)
    disclosed = _disclosed(dataset)[chosen.grant_rows]
    rows, units = chosen.grant_rows[disclosed], chosen.grant_units[disclosed]
    codes = positions.codes(dataset)
    titles = _title_ranks(dataset)
    title_count = titles.max(initial=0) + 1
    agency_rank, agencies = _code_ranks(dataset, "agency")
    sector_rank, sectors = _code_ranks(dataset, "sector")
    # A box per (agency, sector, title), numbered in that order, as a groupby of funding_rows by those columns;
    # a unit with no agency or sector (ranked last) is in none, as a groupby drops a missing key. Boxes are
    # found among the units, a few thousand, not among their grants.
    unit_ids = np.flatnonzero(positions.chosen(len(dataset.projects), units)[:-1])
    unit_agency, unit_sector = agency_rank[codes.agency[unit_ids]], sector_rank[codes.sector[unit_ids]]
    unit_in_box = (unit_agency < len(agencies) - 1) & (unit_sector < len(sectors) - 1)
    unit_box = ((unit_agency * len(sectors) + unit_sector) * title_count + titles[unit_ids])[unit_in_box]
    boxes, box_of_boxed_unit = np.unique(unit_box, return_inverse=True)
    box_of_project = np.full(len(dataset.projects) + 1, -1, dtype=np.int64)
    box_of_project[unit_ids[unit_in_box]] = box_of_boxed_unit.ravel()
    box_of = box_of_project[units]
    in_a_box = box_of >= 0
    whole = _whole_amounts(dataset)
    if whole:  # whole dollars come to the same total in any order, and numpy adds them
        order = np.flatnonzero(in_a_box)
    else:  # added up in funding_rows' order (largest first, then by title), as pandas added them there
        order = np.lexsort((titles[units], np.where(in_a_box, -_numbers(dataset, "grants", "amount_usd")[rows], 0)))
        order = order[in_a_box[order]]
    sums = _grant_sums(dataset, rows[order], box_of[order], len(boxes))
    box_title = np.empty(len(boxes), dtype=object)
    box_title[box_of_boxed_unit.ravel()] = dataset.projects["title"].to_numpy(dtype=object)[unit_ids[unit_in_box]]
    box_agency, box_sector = boxes // title_count // len(sectors), boxes // title_count % len(sectors)
    value = sums.to_numpy(dtype=float, na_value=np.nan)
    # Largest first, then by title; equal ones keep the boxes' order.
    ranked = np.lexsort((boxes % title_count, np.where(np.isnan(value), np.inf, -value)))
    named, rest = ranked[:keep], ranked[keep:]
    rest_group = box_agency[rest] * len(sectors) + box_sector[rest]
    present = np.bincount(rest_group, minlength=1) > 0
    groups = np.flatnonzero(present)
    group_of = (np.cumsum(present) - 1)[rest_group]
    rest_sums = _group_sums(sums, whole, rest, group_of, len(groups))
    counts = np.bincount(group_of, minlength=len(groups))
    others = [f"{n:,} other project{'s' if n != 1 else ''}" for n in counts.tolist()]
    return pd.DataFrame(
        {
            "lead_agency": pd.Series(
                np.concatenate([agencies[box_agency[named]], agencies[groups // len(sectors)]]), dtype="str"
            ),
            "sector": pd.Series(np.concatenate([sectors[box_sector[named]], sectors[groups % len(sectors)]]), dtype="str"),
            # Text when there are "N other projects" boxes, else objects: the column pandas' concat has always made.
            "title": pd.Series(
                np.concatenate([box_title[named], np.array(others, dtype=object)]), dtype="str" if others else object
            ),
            "amount_usd": pd.concat([sums.take(named), rest_sums], ignore_index=True),
        }
    )


def _whole_amounts(dataset: Dataset) -> bool:
    """Whether every grant amount is a whole number of dollars whose total a double holds exactly (once per dataset)."""

    return derived(dataset, "whole_amounts", lambda: _whole(dataset.grants["amount_usd"]))


def _whole(values: pd.Series) -> bool:
    """Whether every value is a whole number and their total a double holds exactly: then any order of adding
    gives the same sum (_group_sums)."""
    numbers = values.to_numpy(dtype=float, na_value=0.0)
    return bool(np.all(numbers == np.round(numbers)) and np.abs(numbers).sum() < 2**53)


def project_table(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None = None) -> pd.DataFrame:
    """One row per selected project, components included, with places, dates and its own disclosed amount.

    Columns: project_id, title, program, lead_agency, lead_office, implementing_partners, sector, cities,
    countries, scope, status, status_as_of, start_date, end_date, amount_usd (NA: not disclosed), relationship, summary,
    record_id and record_url (its public record, for an imported project: public_records).
    """
    chosen = positions.project_positions(dataset, projects)
    if positions.id_index(dataset).is_unique and (chosen >= 0).all():
        return _project_table_by_position(dataset, projects, chosen, grants)
    return _project_table_by_id(dataset, projects, grants)


def _project_table_by_id(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None) -> pd.DataFrame:
    """project_table() matched by project_id: for a dataset put together by hand that repeats an id, or a frame of
    projects that are not all in the dataset."""
    grants = dataset.grants if grants is None else grants
    if isinstance(grants, np.ndarray):
        grants = dataset.grants.take(grants)
    amounts = grants.groupby("project_id")["amount_usd"].sum()
    cities, countries = _project_place_names(dataset)
    titles = dataset.projects.set_index("project_id")["title"]
    table = projects.assign(
        program=projects["parent_project_id"].map(titles),
        cities=projects["project_id"].map(cities).astype(object).fillna(""),
        countries=projects["project_id"].map(countries).astype(object).fillna(""),
        scope=projects["geographic_scope"],
        amount_usd=projects["project_id"].map(amounts).astype("Float64"),
        relationship=projects["relationship"].map(RELATIONSHIPS),
        record_url=projects["project_id"].map(public_records(dataset)).astype(object),
    )
    return table[PROJECT_TABLE_COLUMNS].reset_index(drop=True)


def _project_table_by_position(dataset: Dataset, projects: pd.DataFrame, chosen: np.ndarray, grants: Rows | None) -> pd.DataFrame:
    """project_table() with every value found by the projects' positions: the same table, with no match of text ids
    (the maps by project_id and the groupby of the grants took two fifths of the Projects page at 10,000x)."""
    by_position = derived(dataset, "project_table_columns", lambda: _project_columns_by_position(dataset))
    rows = np.arange(len(dataset.grants)) if grants is None else positions.row_positions(dataset, "grants", grants)
    project_of = positions.table_positions(dataset, "grants")[rows]
    selected = positions.chosen(len(dataset.projects), chosen)[project_of]
    rows, project_of = rows[selected], project_of[selected]
    # Each distinct project's sum, in the rows' order as a groupby adds them; a project listed twice gets its sum twice.
    distinct, listed = np.unique(chosen, return_inverse=True)
    slot = np.full(len(dataset.projects), -1, dtype=np.int64)
    slot[distinct] = np.arange(len(distinct))
    sums = _grant_sums(dataset, rows, slot[project_of], len(distinct)).array
    has_grants = np.bincount(slot[project_of], minlength=len(distinct)) > 0
    amounts = pd.array(np.where(has_grants, sums, pd.NA)[listed.ravel()], dtype="Float64")
    index = projects.index
    table = projects.assign(
        program=pd.Series(by_position["program"][chosen], index=index),
        cities=pd.Series(by_position["cities"][chosen], index=index, dtype=object),
        countries=pd.Series(by_position["countries"][chosen], index=index, dtype=object),
        scope=projects["geographic_scope"],
        amount_usd=pd.Series(amounts, index=index),
        relationship=projects["relationship"].map(RELATIONSHIPS),
        record_url=pd.Series(by_position["record_url"][chosen], index=index, dtype=object),
    )
    return table[PROJECT_TABLE_COLUMNS].reset_index(drop=True)


def _project_columns_by_position(dataset: Dataset) -> dict[str, np.ndarray]:
    """Per project position: its program's title, its cities and countries in words, its public record's address."""
    ids = dataset.projects["project_id"]
    titles = dataset.projects["title"].to_numpy(dtype=object)
    parent = positions.codes(dataset).parent
    cities, countries = _project_place_names(dataset)
    return {
        "program": np.where(parent >= 0, titles[np.maximum(parent, 0)], np.nan).astype(object) if len(parent) else titles,
        "cities": ids.map(cities).astype(object).fillna("").to_numpy(dtype=object),
        "countries": ids.map(countries).astype(object).fillna("").to_numpy(dtype=object),
        "record_url": ids.map(public_records(dataset)).astype(object).to_numpy(dtype=object),
    }


def _project_place_names(dataset: Dataset) -> tuple[pd.Series, pd.Series]:
    """Each project's cities and countries in words ("Da Nang, Hanoi"), by project_id, once per dataset."""
    cities = derived(
        dataset,
        "project_city_names",
        lambda: _names_by_project(dataset.project_cities.merge(dataset.cities[["city_id", "city"]], on="city_id"), "city"),
    )
    countries = derived(dataset, "project_country_names", lambda: _names_by_project(project_countries(dataset), "country"))
    return cities, countries


PROJECT_TABLE_COLUMNS = [
    "project_id",
    "title",
    "program",
    "lead_agency",
    "lead_office",
    "implementing_partners",
    "sector",
    "cities",
    "countries",
    "scope",
    "status",
    "status_as_of",
    "start_date",
    "end_date",
    "amount_usd",
    "relationship",
    "summary",
    "record_id",
    "record_url",
]


def public_records(dataset: Dataset) -> pd.Series:
    """project_id -> the address of its public record, for each project with a record_id (imported from IATI or
    ForeignAssistance.gov): its main source, the first project_sources row, which the importer made that record."""

    def build():
        imported = dataset.projects.loc[dataset.projects["record_id"].notna(), "project_id"]
        main = dataset.project_sources[dataset.project_sources["project_id"].isin(imported)].drop_duplicates("project_id")
        urls = main.merge(dataset.sources[["source_id", "url"]], on="source_id")
        return pd.Series(urls["url"].to_numpy(), index=urls["project_id"].to_numpy(), dtype=object)

    return derived(dataset, "public_records", build)


def _names_by_project(rows: pd.DataFrame, column: str) -> pd.Series:
    """Each project's `column` values in alphabetical order, joined: "Da Nang, Hanoi", by project_id.

    A sort and one pass over plain lists: a groupby with a join per group costs about a second on
    30,000 projects.
    """
    pairs = rows[["project_id", column]].sort_values(["project_id", column])
    names: dict[str, list[str]] = {}
    for project_id, name in zip(pairs["project_id"].tolist(), pairs[column].tolist()):
        names.setdefault(project_id, []).append(name)
    return pd.Series({project_id: ", ".join(values) for project_id, values in names.items()}, dtype=object)


def search_projects(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows of project_table() whose title, partners, places, sector or summary have a word starting with each word of `query`.

    Matching word starts means "rit" finds RIT without finding "authority".
    """
    words = query.lower().split()
    if not words:
        return table
    haystack = (
        table[["title", "program", "implementing_partners", "cities", "countries", "sector", "lead_agency", "summary"]]
        .fillna("")
        .astype(str)
        .agg(" ".join, axis=1)
        .str.lower()
    )
    keep = pd.Series(True, index=table.index)
    for word in words:
        keep &= haystack.str.contains(r"\b" + re.escape(word), regex=True)
    return table[keep]


# The orders the Projects page offers, by the key its link writes (?sort=amount).
PROJECT_ORDERS = {
    "listed": "As listed (programs beside their components)",
    "title": "Title, A to Z",
    "amount": "Disclosed amount, largest first",
    "newest": "Start date, newest first",
    "oldest": "Start date, oldest first",
}


def sort_projects(table: pd.DataFrame, order: str) -> pd.DataFrame:
    """Rows of project_table() in one of PROJECT_ORDERS; projects with no amount or no date always come last.

    A sort a person chooses, so it can be kept in a link (clicking a column header is not).
    """
    if order == "listed":
        return table
    if order == "title":
        return table.sort_values("title", key=lambda titles: titles.str.casefold(), kind="stable")
    if order == "amount":
        return table.sort_values("amount_usd", ascending=False, na_position="last", kind="stable")
    if order in ("newest", "oldest"):
        days = pd.Series(
            [earliest_day(date).toordinal() if isinstance(date, str) and date else None for date in table["start_date"]],
            index=table.index,
            dtype="Float64",
        )
        return table.loc[days.sort_values(ascending=order == "oldest", na_position="last", kind="stable").index]
    raise ValueError(f"order must be one of {list(PROJECT_ORDERS)}, not {order!r}")


@dataclass(frozen=True)
class ProjectDetail:
    project: pd.Series
    program_title: str | None
    components: pd.DataFrame
    cities: pd.DataFrame  # city_id, city, country, lat, lon, role
    component_cities: pd.DataFrame  # where its components work (a WiSE pair's city): city_id, city, country, lat, lon, component
    countries: list[str]
    grants: pd.DataFrame
    metrics: pd.DataFrame  # every figure, duplicates and targets included, with its source
    sources: pd.DataFrame
    events: pd.DataFrame
    record_url: str | None = None  # the address of its public record, when it has a record_id (public_records)
    transactions: pd.DataFrame | None = None  # its money over time, oldest first (transaction_rows)

    @property
    def money_in_dollars(self) -> tuple[float | None, float | None]:
        """(committed, disbursed) in US dollars from its transactions, None for a kind it publishes none of."""
        rows = self.transactions
        if rows is None:
            return None, None
        dollars = rows[rows["currency"] == "USD"]
        committed = dollars[dollars["transaction_type"].isin(COMMITTED_TYPES)]["amount"]
        disbursed = dollars[dollars["transaction_type"].isin(SPENT_TYPES)]["amount"]
        return (float(committed.sum()) if len(committed) else None, float(disbursed.sum()) if len(disbursed) else None)


def project_detail(dataset: Dataset, project_id: str) -> ProjectDetail:
    """Everything the dataset knows about one project. Raises KeyError for an unknown id."""
    projects = dataset.projects.set_index("project_id", drop=False)
    project = projects.loc[project_id]
    parent = project["parent_project_id"]
    links = dataset.project_cities[dataset.project_cities["project_id"] == project_id]
    cities = links.merge(dataset.cities[["city_id", "city", "country", "lat", "lon"]], on="city_id")[
        ["city_id", "city", "country", "lat", "lon", "role"]
    ]
    components = dataset.projects[dataset.projects["parent_project_id"] == project_id]
    countries = project_countries(dataset)
    metrics = dataset.metrics[dataset.metrics["project_id"] == project_id].merge(
        dataset.sources[["source_id", "publisher", "url"]], on="source_id", how="left"
    )
    source_ids = list(dataset.project_sources.loc[dataset.project_sources["project_id"] == project_id, "source_id"])
    grants = dataset.grants[dataset.grants["project_id"] == project_id]
    transactions = dataset.transactions[dataset.transactions["project_id"] == project_id]
    source_ids += list(grants["source_id"]) + list(transactions["source_id"]) + list(metrics["source_id"])
    return ProjectDetail(
        project=project,
        program_title=projects.at[parent, "title"] if pd.notna(parent) else None,
        components=components,
        cities=cities.reset_index(drop=True),
        component_cities=_component_cities(dataset, components),
        countries=sorted(countries.loc[countries["project_id"] == project_id, "country"]),
        grants=grants,
        metrics=metrics.reset_index(drop=True),
        sources=sources_for(dataset, source_ids),
        events=dataset.events[dataset.events["project_id"] == project_id],
        record_url=public_records(dataset).get(project_id),
        transactions=transaction_rows(dataset, transactions),
    )


def _component_cities(dataset: Dataset, components: pd.DataFrame) -> pd.DataFrame:
    """The member cities `components` work in or are paired through, each once, with the component's title.

    A program such as WiSE names no city itself; its city-pair components do.
    """
    ids = set(components["project_id"])
    named = pd.concat(
        [
            dataset.project_cities.loc[dataset.project_cities["project_id"].isin(ids), ["project_id", "city_id"]],
            dataset.city_pairs.loc[dataset.city_pairs["project_id"].isin(ids), ["project_id", "city_id"]],
        ]
    ).drop_duplicates("city_id")
    titles = components.set_index("project_id")["title"]
    cities = named.merge(dataset.cities[["city_id", "city", "country", "lat", "lon"]], on="city_id")
    cities = cities.assign(component=cities["project_id"].map(titles)).sort_values(["country", "city"])
    return cities[["city_id", "city", "country", "lat", "lon", "component"]].reset_index(drop=True)


def _newest_results(dataset: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """The dated countable result rows, newest first, the larger value first on the same day (a missing value
    last), ties in table order, and each one's project position: once per dataset, so a selection only keeps
    its own rows of it."""

    def build():
        dated = np.flatnonzero(_countable_mask(dataset) & dataset.metrics["as_of"].notna().to_numpy())
        value = dataset.metrics["value"].to_numpy(dtype=float, na_value=np.nan)[dated]
        value_key = np.where(np.isnan(value), np.inf, -value)
        newest = dated[np.lexsort((value_key, -_metric_columns(dataset)["days"][dated]))].astype(np.int32)
        return newest, positions.table_positions(dataset, "metrics")[newest]

    return derived(dataset, "newest_results", build)


def recent_results(dataset: Dataset, projects: pd.DataFrame, count: int = 3) -> pd.DataFrame:
    """The most recent result figures of the selected projects, one per project, newest first, with their source.

    Columns: metric_id, project_id, title, metric, value, unit, is_lower_bound, is_approximate, as_of, publisher, url.
    """
    newest, project_of_newest = _newest_results(dataset)
    project_of = positions.table_positions(dataset, "metrics")
    selected = positions.chosen(len(dataset.projects), positions.project_positions(dataset, projects))
    # The first row of each selected project in that order, until `count` projects have one: the newest rows are
    # looked at a block at a time, and a selection rarely needs more than the first block.
    seen: set[int] = set()
    picked: list[int] = []
    for start in range(0, len(newest), 4096):
        block = newest[start : start + 4096]
        for row in block[selected[project_of_newest[start : start + 4096]]].tolist():
            if project_of[row] not in seen:
                seen.add(project_of[row])
                picked.append(row)
        if len(picked) >= count:
            break
    if not picked:
        return dataset.metrics.iloc[:0].assign(title=[], publisher=[], url=[])
    picked = picked[:count]
    links = _source_links(dataset)
    # Only the columns given are taken, and the table is made once (all of them taken, then three added: 1 ms).
    taken = ["metric_id", "project_id", "metric", "value", "unit", "is_lower_bound", "is_approximate", "as_of"]
    rows = {name: _taken(dataset.metrics[name], picked) for name in (*taken, "source_id")}  # column by column: a frame
    # of some of the table's columns first copies all their rows
    cited = [links.get(source, (np.nan, np.nan)) for source in rows["source_id"]]
    made = {
        "title": _texts(dataset.projects["title"].to_numpy(dtype=object)[project_of[picked]]),
        "publisher": _texts(np.array([publisher for publisher, _ in cited], dtype=object)),
        "url": _texts(np.array([url for _, url in cited], dtype=object)),
    }
    columns = ["metric_id", "project_id", "title", "metric", "value", "unit", "is_lower_bound", "is_approximate", "as_of", "publisher", "url"]
    return pd.DataFrame({name: made[name] if name in made else rows[name] for name in columns})


def city_measures(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """city_summary() plus one column per result metric that sources attribute to single cities.

    Returns the table and {column: label} for every measure a map can size its dots by.
    """
    cities = city_summary(dataset, projects, grants)
    measures = {"projects": "Projects", "disclosed_usd": "Disclosed funding (USD)"}
    by_city = metric_totals(dataset, by="city", projects=projects, columns=())
    names = cities["city"].tolist()
    members = set(names)
    value_of: dict[str, dict] = {}  # metric -> city -> total; a few hundred totals, read as lists
    for city, metric, value in zip(by_city["city"].tolist(), by_city["metric"].tolist(), by_city["value"].array):
        if city in members:
            value_of.setdefault(metric, {})[city] = value
    added = {}
    for metric in sorted(value_of):
        added[metric] = pd.array([value_of[metric].get(name, pd.NA) for name in names], dtype="Float64")
        measures[metric] = metric_label(metric)
    if added:  # joined in one go: a column at a time cost 0.3 ms each
        cities = pd.concat([cities, pd.DataFrame(added, index=cities.index)], axis=1)
    return cities, measures


PRECISION_LABELS = {
    "city": "City",
    "country": "Country (no city named)",
    "regional": "Region-wide (ASEAN)",
    "unspecified": "Not published",
}


def projects_without_a_city(dataset: Dataset, projects: pd.DataFrame, grants: Rows | None = None) -> pd.DataFrame:
    """Reporting units that cannot be put on a city map: country-level, region-wide or unplaced.

    Columns: project_id, title, precision, where, amount_usd (NA: not disclosed). By precision, then title.
    """
    chosen = _chosen(dataset, projects, grants)
    unplaced = chosen.units[~_has_site_city(dataset)[chosen.units]]
    words = derived(dataset, "unplaced_words", lambda: _unplaced_words(dataset))
    # By precision, then title; equal ones in the selection's order (a stable sort, as pandas' sort_values).
    unplaced = unplaced[np.lexsort((_title_ranks(dataset)[unplaced], words["precision_rank"][unplaced]))]
    # Each unit's disclosed money: its grants added up (only the listed units' grants); NA for a unit with no grant.
    of_unplaced = positions.chosen(len(dataset.projects), unplaced)[chosen.grant_units]
    units, unit_of_grant = _distinct(chosen.grant_units[of_unplaced], len(dataset.projects))
    sums = _grant_sums(dataset, chosen.grant_rows[of_unplaced], unit_of_grant, len(units))
    at = np.minimum(np.searchsorted(units, unplaced), max(len(units) - 1, 0))
    has_grants = units[at] == unplaced if len(units) else np.zeros(len(unplaced), dtype=bool)
    amount = pd.array(np.full(len(unplaced), np.nan), dtype="Float64")
    amount[has_grants] = sums.array.take(at[has_grants])
    return pd.DataFrame(
        {
            "project_id": _taken(dataset.projects["project_id"], unplaced),
            "title": _taken(dataset.projects["title"], unplaced),
            "precision": _taken(words["precision"], unplaced),
            "where": _taken(words["where"], unplaced),
            "amount_usd": amount,
        }
    )


def _unplaced_words(dataset: Dataset) -> dict:
    """Per project position, for projects_without_a_city: its precision in words (and that word's rank in
    sorted order, a missing one last), and where it works in words (countries it names, else the region, and
    the member cities it met in)."""
    projects = dataset.projects
    named, held = _unplaced_names(dataset)
    fallback = projects["geographic_scope"].map({"regional": "All ASEAN member states"}).fillna("—")
    text = projects["project_id"].map(named).astype(object).fillna(fallback)
    held_in = projects["project_id"].map(held).map(lambda cities: f" (held in {cities})" if isinstance(cities, str) else "")
    precision = projects["geographic_scope"].map(PRECISION_LABELS)
    return {
        "precision": precision,
        "precision_rank": _sorted_codes(precision.to_numpy(dtype=object))[0],
        "where": pd.Series([a + b for a, b in zip(text, held_in)], index=projects.index, dtype=object),
    }


def _has_site_city(dataset: Dataset) -> np.ndarray:
    """Per project position: it works in a member city (site_cities), so a city map can show it."""

    def build():
        links = dataset.project_cities
        sites = ((links["role"] == "site") & links["city_id"].isin(dataset.cities["city_id"])).to_numpy(dtype=bool)
        return positions.chosen(len(dataset.projects), positions.table_positions(dataset, "project_cities")[sites])

    return derived(dataset, "has_site_city", build)


def _unplaced_names(dataset: Dataset) -> tuple[pd.Series, pd.Series]:
    """By project_id: the countries it names directly, and the member cities it met in (venues), each joined."""
    direct = dataset.project_countries.assign(country=dataset.project_countries["iso3"].map(ASEAN_COUNTRIES))
    venues = dataset.project_cities[dataset.project_cities["role"] == "venue"].merge(
        dataset.cities[["city_id", "city"]], on="city_id"
    )
    return _names_by_project(direct, "country"), _names_by_project(venues, "city")


def _other_site_names(dataset: Dataset, city_id: str, project_ids: pd.Series) -> pd.Series:
    """For each of `project_ids` that works in member cities other than `city_id`: their names, alphabetically,
    joined (as _names_by_project gives them), by project_id. Each project's sites are sorted once per dataset."""

    def build():
        sites = site_cities(dataset).sort_values(["project_id", "city"], kind="stable")
        by_project: dict[str, list[tuple[str, str]]] = {}
        for project_id, city, site in zip(sites["project_id"].tolist(), sites["city"].tolist(), sites["city_id"].tolist()):
            by_project.setdefault(project_id, []).append((city, site))
        return by_project

    sites = derived(dataset, "site_names_by_project", build)
    joined = {}
    for project_id in dict.fromkeys(project_ids.dropna().tolist()):
        names = [city for city, site in sites.get(project_id, ()) if site != city_id]
        if names:
            joined[project_id] = ", ".join(names)
    return pd.Series(joined, dtype=object)


@dataclass(frozen=True)
class CityProfile:
    city: pd.Series
    projects: pd.DataFrame  # project_id, title, role, sector, lead_agency, status, amount_usd, shared_with
    disclosed_usd: float | None  # money attributed to this city alone; None when none is
    shared_usd: float | None  # money of projects working here and in other places, not split
    results: pd.DataFrame  # metric rows of those projects: metric, value, flags, unit, as_of, title, shared_with, url
    events: pd.DataFrame
    pairs: pd.DataFrame
    population_source: pd.Series | None


def city_profile(dataset: Dataset, city_id: str, projects: pd.DataFrame, grants: Rows | None = None) -> CityProfile:
    """One member city: the selected projects that work or meet there, their money and results, events and pairings.

    Money and results of projects that also work elsewhere are shown beside, not added to, the city's own.
    Raises KeyError for an unknown city.
    """
    city = dataset.cities.set_index("city_id", drop=False).loc[city_id]
    # The selected projects' links to this city, project by project in the selection's order (a merge's order).
    count = len(dataset.projects)
    chosen = positions.project_positions(dataset, projects)
    linked = positions.table_positions(dataset, "project_cities")
    links = np.flatnonzero((dataset.project_cities["city_id"] == city_id).to_numpy() & positions.chosen(count, chosen)[linked])
    rank = np.full(count + 1, -1)
    rank[chosen] = np.arange(len(chosen))
    links = links[np.argsort(rank[linked[links]], kind="stable")]
    here = projects.iloc[rank[linked[links]]].reset_index(drop=True)
    here = here.assign(role=_texts(dataset.project_cities["role"].to_numpy(dtype=object)[links]))
    others = _other_site_names(dataset, city_id, here["project_id"])
    # Each project's disclosed amount: its grants (of `grants` when given) added up in their order.
    grant_rows = np.arange(len(dataset.grants)) if grants is None else positions.row_positions(dataset, "grants", grants)
    grant_projects = positions.table_positions(dataset, "grants")[grant_rows]
    here_only = positions.chosen(count, linked[links])[grant_projects]
    amounts = dataset.grants["amount_usd"].take(grant_rows[here_only]).groupby(grant_projects[here_only]).sum()
    table = here.assign(
        amount_usd=pd.Series(amounts.reindex(linked[links]).array, dtype="Float64"),
        shared_with=here["project_id"].map(others).astype(object).fillna(""),
    )[["project_id", "title", "role", "sector", "lead_agency", "status", "amount_usd", "shared_with"]]
    alone = table[(table["shared_with"] == "") & (table["role"] == "site")]["amount_usd"].dropna()
    shared = table[(table["shared_with"] != "") | (table["role"] != "site")]["amount_usd"].dropna()
    metrics = countable_metrics(dataset, here)
    metrics = metrics[metrics["city_id"].isna() | (metrics["city_id"] == city_id)]
    results = with_titles(dataset, metrics).merge(
        dataset.sources[["source_id", "publisher", "url"]], on="source_id"
    )
    results = results.assign(
        shared_with=results["project_id"].map(others).astype(object).fillna("").where(results["city_id"].isna(), "")
    )
    population_source = None
    if pd.notna(city["population_source_id"]):
        population_source = dataset.sources.set_index("source_id").loc[city["population_source_id"]]
    return CityProfile(
        city=city,
        projects=table.reset_index(drop=True),
        disclosed_usd=float(alone.sum()) if len(alone) else None,
        shared_usd=float(shared.sum()) if len(shared) else None,
        results=results.reset_index(drop=True),
        events=dataset.events[dataset.events["city_id"] == city_id],
        pairs=dataset.city_pairs[dataset.city_pairs["city_id"] == city_id],
        population_source=population_source,
    )


FIGURE_COLUMNS = [
    "metric_id",
    "project",
    "metric",
    "label",
    "value",
    "is_lower_bound",
    "is_approximate",
    "unit",
    "value_type",
    "as_of",
    "counted",
    "duplicate_of",
    "publisher",
    "url",
    "note",
]


def figures_table(dataset: Dataset, projects: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Every figure published for the selected projects, with what it is and whether totals count it: counted
    figures first, then by label, the larger value first. `limit` keeps only that many of the first rows
    (figures_count() says how many there are in all).

    Columns: FIGURE_COLUMNS.
    """
    rows = _chosen_in_order(_figure_order(dataset), rows_of_projects(dataset, "metrics", projects), limit)
    links = _source_links(dataset)  # every row of _figure_order cites a known source
    # Only the columns shown are taken, one by one, and the table is made once: taking every column and adding five,
    # a copy each, was most of the Impact page's table, and a frame of some of the table's columns first copies all
    # of their 500,000 rows (at 10,000x).
    table = {name: _taken(dataset.metrics[name], rows) for name in (*_FIGURE_COLUMNS_TAKEN, "source_id")}
    cited = [links[source] for source in table["source_id"]]
    metrics = table["metric"].tolist()
    label_of = {metric: metric_label(metric) for metric in dict.fromkeys(metrics)}
    made = {
        "project": _texts(dataset.projects["title"].to_numpy(dtype=object)[positions.table_positions(dataset, "metrics")[rows]]),
        # Each distinct metric's label looked up in a dict: Series.map(dict) made the dict a Series in pandas' text type
        # and matched 2,000 rows through it (0.5 ms against 0.1).
        "label": pd.Series([label_of[metric] for metric in metrics], dtype="str"),
        "counted": pd.Series(_countable_mask(dataset)[rows]),
        "publisher": _texts(np.array([publisher for publisher, _ in cited], dtype=object)),
        "url": _texts(np.array([url for _, url in cited], dtype=object)),
    }
    return pd.DataFrame({name: made[name] if name in made else table[name] for name in FIGURE_COLUMNS})


# The columns of FIGURE_COLUMNS that are the metrics table's own; figures_table makes the others.
_FIGURE_COLUMNS_TAKEN = [name for name in FIGURE_COLUMNS if name not in ("project", "label", "counted", "publisher", "url")]


def _chosen_in_order(order: np.ndarray, chosen: np.ndarray, limit: int | None) -> np.ndarray:
    """The items of `order` that the mask `chosen` keeps, in that order; only the first `limit` of them, found a
    block at a time, when a limit is given (2,000 shown rows of a selection need not look at 500,000)."""
    if limit is None:
        return order[chosen[order]]
    found, count = [], 0
    for start in range(0, len(order), 65536):
        block = order[start : start + 65536]
        found.append(block[chosen[block]])
        count += len(found[-1])
        if count >= limit:
            break
    return np.concatenate(found)[:limit] if found else order[:0]


def figures_count(dataset: Dataset, projects: pd.DataFrame) -> int:
    """How many rows figures_table() has for these projects."""
    in_order = derived(dataset, "in_figure_order", lambda: positions.chosen(len(dataset.metrics), _figure_order(dataset))[:-1])
    return int(np.count_nonzero(rows_of_projects(dataset, "metrics", projects) & in_order))


def _figure_order(dataset: Dataset) -> np.ndarray:
    """The metric rows that name a project, in figures_table's order (counted first, then by label, the larger
    value first, a missing value last; ties in table order), once per dataset: a selection keeps its rows of it."""

    def build():
        # From the metric and source codes _metric_columns has made: labelling, matching and ranking each of 5
        # million rows as text took the Impact page past a gigabyte for a moment at 100,000x.
        columns = _metric_columns(dataset)
        listed = _source_positions(dataset)
        known_source = np.array([name in listed for name in columns["source_names"]], dtype=bool)
        named = np.flatnonzero((positions.table_positions(dataset, "metrics") >= 0) & known_source[columns["source_codes"]])
        # The label of each distinct metric (a metric is never missing), ranked among the labels in sorted order.
        label_ranks = _sorted_codes(np.array([metric_label(metric) for metric in columns["metric_sorted"]], dtype=object))[0]
        label_rank = label_ranks[columns["metric_rank"][named]]
        value = dataset.metrics["value"].to_numpy(dtype=float, na_value=np.nan)[named]
        value_key = np.where(np.isnan(value), np.inf, -value)
        return named[np.lexsort((value_key, label_rank, ~_countable_mask(dataset)[named]))].astype(np.int32)

    return derived(dataset, "figure_order", build)


def events_timeline(dataset: Dataset, events: pd.DataFrame, today) -> pd.DataFrame:
    """Events (rows of dataset.events) in date order, each marked past or upcoming relative to `today` (a
    datetime.date).

    Undated events sort last and are neither past nor upcoming. Adds columns start_day, end_day, when.
    Each event's days are read once per dataset.
    """
    days = event_days(dataset)
    rows = positions.row_positions(dataset, "events", events)
    # The order a quicksort of each start day (undated: 10**7) has always given, ties and all.
    order = np.argsort(days["start_ordinal"][rows], kind="quicksort")
    rows = rows[order]
    dated = days["start_ordinal"][rows] < 10**7
    upcoming = days["end_ordinal"][rows] >= today.toordinal()
    # The words as a text column taken from three values: the rows are copied once, already in order, and no
    # word is made or converted per event (300,000 at 100,000x). No rows: an empty column of objects, as pandas
    # makes of an empty list.
    when = _WHEN_WORDS.take(np.where(dated, np.where(upcoming, 2, 1), 0)) if len(rows) else np.array([], dtype=object)
    table = events.take(order).reset_index(drop=True)
    return table.assign(start_day=days["start_day"][rows], end_day=days["end_day"][rows], when=when)


_WHEN_WORDS = pd.array(["date not published", "past", "upcoming"], dtype="str")


def event_days(dataset: Dataset) -> dict[str, np.ndarray]:
    """Per event, once per dataset: its first and last day (dates; None when undated), their ordinals (10**7 and
    -1 when undated), and the years a year filter compares (NaN when undated)."""

    def build():
        events = dataset.events
        start = [earliest_day(d) if isinstance(d, str) else None for d in events["start_date"]]
        end = [latest_day(e) if isinstance(e, str) else s for s, e in zip(start, events["end_date"])]
        first = events["start_date"].map(year_of)
        last = events["end_date"].map(year_of).fillna(first)
        return {
            "start_day": np.array(start + [None], dtype=object)[:-1],
            "end_day": np.array(end + [None], dtype=object)[:-1],
            "start_ordinal": np.array([s.toordinal() if s else 10**7 for s in start], dtype=np.int64),
            "end_ordinal": np.array([e.toordinal() if e else -1 for e in end], dtype=np.int64),
            "first_year": first.astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            "last_year": last.astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        }

    return derived(dataset, "event_days", build)


# Up to this many events, the timeline and the map draw each one, with its name. Beyond it they draw counts
# (events_by_period, events_by_place): a timeline row has room for about 70 markers at 1280 pixels, so a few
# hundred already lie on each other, and at 10,000x one marker per event sent 2.3 MB to the browser on every
# rerun. 500 keeps every view of the shipped data (31 events) and of 1x drawn event by event as before, and a
# chart or a map of 500 events under 100 KiB.
EVENTS_DRAWN_ONE_BY_ONE = 500
# Counts are per month while the dated events span at most this many months and each names its month; per year
# beyond (a month is then narrower on the axis than a marker), or when some give only a year.
MONTHS_AT_MOST = 36


def _event_rows(dataset: Dataset, events: pd.DataFrame) -> np.ndarray:
    """The positions in dataset.events of the rows of `events`: a selection (select_events) keeps the table's
    index, which is checked against the ids; a frame numbered afresh (events_timeline) is looked up by id."""
    ids = dataset.events["event_id"].to_numpy(dtype=object)
    chosen = events["event_id"].to_numpy(dtype=object)
    rows = positions.row_positions(dataset, "events", events)
    if len(rows) and (rows.min() < 0 or not np.array_equal(ids[rows], chosen)):
        rows = positions.found_in(_event_id_index(dataset), chosen)
    return rows


def _event_id_index(dataset: Dataset) -> pd.Index:
    """The event ids as an index of plain Python strings, for finding an event's position by its id."""
    return derived(dataset, "event_id_index", lambda: positions.object_index(dataset.events["event_id"].to_numpy(dtype=object)))


def event_row(dataset: Dataset, event_id) -> pd.Series | None:
    """The row of dataset.events with `event_id` (indexed by event_id, as a link names it), or None."""
    position = positions.found_in(_event_id_index(dataset), [event_id])[0] if isinstance(event_id, str) else -1
    if position < 0:
        return None
    row = dataset.events.iloc[position]
    row.name = event_id
    return row


def _event_codes(dataset: Dataset) -> dict[str, np.ndarray | pd.DataFrame]:
    """Per event, once per dataset, what the counts are made of: its start month (year * 12 + month - 1; -1
    when undated), whether its date names the month, its type's code among `types` (in order of name), and
    the code of its place and type among `places` (one row per distinct city, country, lat, lon and event_type)."""

    def build():
        from usascp.dates import parse_partial_date

        events = dataset.events
        parsed = [parse_partial_date(text) if isinstance(text, str) else None for text in events["start_date"]]
        keys = ["city", "country", "lat", "lon", "event_type"]
        group = np.zeros(len(events), dtype=np.int64)
        for key in keys:  # a code per distinct combination so far, so codes never outgrow the rows
            codes, names = pd.factorize(events[key], use_na_sentinel=False)
            group, _ = pd.factorize(group * len(names) + codes)
        first_row = np.zeros(group.max() + 1 if len(group) else 0, dtype=np.int64)
        first_row[group[::-1]] = np.arange(len(group))[::-1]  # each group's first row, written last
        # Places in order of city and type, so that a count's ties keep that order (events_by_place).
        places = events.iloc[first_row][keys].reset_index(drop=True).sort_values(["city", "event_type"], kind="stable")
        renumbered = np.empty(len(places), dtype=np.int64)
        renumbered[places.index.to_numpy()] = np.arange(len(places))
        types, type_names = pd.factorize(events["event_type"].to_numpy(dtype=object), sort=True)
        return {
            "type": types,
            "types": np.asarray(type_names, dtype=object),
            "month": np.array([p[0] * 12 + (p[1] or 1) - 1 if p else -1 for p in parsed], dtype=np.int64),
            "named_month": np.array([bool(p and p[1]) for p in parsed], dtype=bool),
            # What the date names: 0 its day, 1 its month only, 2 its year only (and undated).
            "precision": np.array([0 if p and p[2] else 1 if p and p[1] else 2 for p in parsed], dtype=np.int64),
            "place": renumbered[group],
            "places": places.reset_index(drop=True),
        }

    return derived(dataset, "event_codes", build)


def events_by_period(dataset: Dataset, events: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """How many dated events of each type start in each month (or year): the timeline's markers when there are
    too many events to draw one by one. `events` are rows of dataset.events (select_events, events_timeline).

    Returns (table, period), period "month" or "year". The table has event_type, period_start (the period's
    first day, a Timestamp), period (its name: "Mar 2024", "2024") and events (the count), by type in order of
    name, then by period. Undated events are left out: they have no place on a time axis.
    """
    from usascp.dates import MONTH_ABBREVIATIONS

    codes = _event_codes(dataset)
    rows = _event_rows(dataset, events)
    months = codes["month"][rows]
    dated = months >= 0
    rows, months = rows[dated], months[dated]
    if not len(rows):
        return pd.DataFrame({"event_type": [], "period_start": pd.to_datetime([]), "period": [], "events": []}), "month"
    by_month = bool(months.max() - months.min() < MONTHS_AT_MOST and codes["named_month"][rows].all())
    periods = months if by_month else months // 12
    first = periods.min()
    width = periods.max() - first + 1
    counts = np.bincount(codes["type"][rows] * width + (periods - first), minlength=len(codes["types"]) * width)
    cells = np.flatnonzero(counts)  # type-major: by type, then by period
    chosen = cells % width + first
    years, month_numbers = (chosen // 12, chosen % 12 + 1) if by_month else (chosen, np.ones(len(chosen), dtype=np.int64))
    table = pd.DataFrame(
        {
            "event_type": codes["types"][cells // width],
            "period_start": pd.to_datetime(pd.DataFrame({"year": years, "month": month_numbers, "day": 1})),
            "period": [
                f"{MONTH_ABBREVIATIONS[month]} {year}" if by_month else str(year)
                for year, month in zip(years.tolist(), month_numbers.tolist())
            ],
            "events": counts[cells],
        }
    )
    return table, "month" if by_month else "year"


def events_by_place(dataset: Dataset, events: pd.DataFrame) -> pd.DataFrame:
    """How many events of each type were held at each place: the map's dots when there are too many events to
    draw one by one. `events` are rows of dataset.events (select_events, events_timeline).

    One row per city, country, lat, lon and event_type, with events (the count), undated (how many of them have
    no published date), first_start and last_start (the earliest and latest start among the dated ones, as a
    partial date, "2020-10-05" or "2020-10" or "2020", as precise as the source; None when none is dated), the
    largest count first, then by city and type.
    """
    import datetime as dt

    codes = _event_codes(dataset)
    rows = _event_rows(dataset, events)
    groups = len(codes["places"])
    place = codes["place"][rows]
    start = event_days(dataset)["start_ordinal"][rows]
    dated = start < 10**7
    # A start as one number: its first day, then how precisely it is known, so that the least and the most are
    # a day and the words the source gives for it.
    when = start[dated] * 4 + codes["precision"][rows][dated]
    low = np.full(groups, 4 * 10**7, dtype=np.int64)
    high = np.full(groups, -1, dtype=np.int64)
    np.minimum.at(low, place[dated], when)
    np.maximum.at(high, place[dated], when)
    counts = np.bincount(place, minlength=groups)
    shown = np.flatnonzero(counts)
    shown = shown[np.argsort(-counts[shown], kind="stable")]  # places are in order of city and type: ties keep it

    def partial_dates(values) -> list[str | None]:
        """Each number back into the partial date it stands for ("2020-10-05", "2020-10", "2020")."""
        return [
            dt.date.fromordinal(value // 4).isoformat()[: (10, 7, 4)[value % 4]] if 0 <= value < 4 * 10**7 else None
            for value in values
        ]

    return codes["places"].iloc[shown].reset_index(drop=True).assign(
        events=counts[shown],
        undated=counts[shown] - np.bincount(place[dated], minlength=groups)[shown],
        first_start=partial_dates(low[shown].tolist()),
        last_start=partial_dates(high[shown].tolist()),
    )

@dataclass(frozen=True)
class KnownGaps:
    """What the public record leaves out, measured on the dataset rather than asserted."""

    disclosed_usd: float | None
    stated_commitment: Figure | None
    disclosed_share_at_most: float | None  # of the stated commitment; "at most" because that figure is a minimum
    projects_without_amount: int
    projects_total: int
    projects_status_unknown: int
    cities_without_population: int
    unnamed_members: int  # members the network reports that no public source names yet


def known_gaps(dataset: Dataset) -> KnownGaps:
    """What the public record leaves out, of the whole dataset (the About page; once per dataset)."""
    return derived(dataset, "known_gaps", lambda: _known_gaps(dataset))


def _known_gaps(dataset: Dataset) -> KnownGaps:
    projects = select_projects(dataset)
    funding = funding_totals(dataset, projects)
    commitment = latest_context_figure(dataset, "stated_commitment_usd", "program")
    share = None
    if commitment and funding.disclosed_usd is not None and commitment.value > 0:
        share = funding.disclosed_usd / commitment.value
    reported = latest_context_figure(dataset, "member_cities", "network")
    units = reporting_units(dataset, projects)
    return KnownGaps(
        disclosed_usd=funding.disclosed_usd,
        stated_commitment=commitment,
        disclosed_share_at_most=share,
        projects_without_amount=funding.projects_not_disclosing,
        projects_total=funding.projects_total,
        projects_status_unknown=int((units["status"] == "unknown").sum()),
        cities_without_population=int(dataset.cities["population"].isna().sum()),
        unnamed_members=max(int(reported.value) - len(dataset.cities), 0) if reported else 0,
    )
