"""The shared filters: a Filters value, how it selects projects and events, and how it reads and writes URLs.

The URL keeps the whole view, so a copied address reproduces it:
`?from=2020&to=2023&country=KHM&city=phnom_penh&sector=Health&agency=State&status=completed&related=1`.
Values that do not exist or do not parse are dropped with a notice a person can read, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from usascp import aggregate, positions
from usascp.dates import year_of
from usascp.load import Dataset
from usascp.schema import ASEAN_COUNTRIES, RELATIONSHIPS, STATUSES

# Query parameter names; the page-specific ones (a city profile, a project) live with their pages.
FILTER_PARAMS = ("from", "to", "country", "city", "sector", "agency", "status", "related")


@dataclass(frozen=True)
class Filters:
    """What the user chose in the sidebar. Empty tuples mean "all"; None years mean "no limit"."""

    year_from: int | None = None
    year_to: int | None = None
    countries: tuple[str, ...] = ()  # ISO3 codes
    cities: tuple[str, ...] = ()  # city_id values
    sectors: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    include_related: bool = False  # sister programs, private initiatives, related U.S. government work

    @property
    def relationships(self) -> tuple[str, ...]:
        return tuple(RELATIONSHIPS) if self.include_related else aggregate.USASCP_ONLY

    @property
    def is_default(self) -> bool:
        return self == Filters()

    @property
    def narrows_by_place(self) -> bool:
        return bool(self.countries or self.cities)

    def to_params(self) -> dict[str, list[str]]:
        """Query parameters for this view; defaults are left out so a plain URL means "everything"."""
        params = {
            "from": [str(self.year_from)] if self.year_from is not None else [],
            "to": [str(self.year_to)] if self.year_to is not None else [],
            "country": list(self.countries),
            "city": list(self.cities),
            "sector": list(self.sectors),
            "agency": list(self.agencies),
            "status": list(self.statuses),
            "related": ["1"] if self.include_related else [],
        }
        return {key: values for key, values in params.items() if values}


@dataclass(frozen=True)
class FilterOptions:
    """The values a filter may take in this dataset, with labels for people."""

    year_min: int | None  # None when no project or grant publishes a date
    year_max: int | None
    countries: dict[str, str]  # ISO3 -> country name, only countries with member cities
    cities: dict[str, str]  # city_id -> city name
    city_country: dict[str, str]  # city_id -> ISO3
    sectors: list[str]
    agencies: list[str]
    statuses: list[str] = field(default_factory=lambda: list(STATUSES))

    @property
    def has_year_range(self) -> bool:
        """Whether there are years to choose between: not when nothing is dated, or everything in one year."""
        return self.year_min is not None and self.year_max is not None and self.year_min < self.year_max

    def years_in_words(self) -> str:
        """Why there is no year range to choose from, in a sentence for the sidebar."""
        if self.year_min is None:
            return "no project or grant in this dataset publishes a date"
        return f"every dated project and grant falls in {self.year_min}"


def filter_options(dataset: Dataset) -> FilterOptions:
    return aggregate.derived(dataset, "filter_options", lambda: _filter_options(dataset))


def _filter_options(dataset: Dataset) -> FilterOptions:
    dates = list(dataset.projects["start_date"]) + list(dataset.projects["end_date"]) + list(dataset.grants["award_date"])
    years = [year for year in map(year_of, dates) if year is not None]
    cities = dataset.cities.sort_values(["country", "city"])
    present = set(cities["iso3"])
    return FilterOptions(
        year_min=min(years, default=None),
        year_max=max(years, default=None),
        countries={iso3: name for iso3, name in ASEAN_COUNTRIES.items() if iso3 in present},
        cities=dict(zip(cities["city_id"], cities["city"])),
        city_country=dict(zip(cities["city_id"], cities["iso3"])),
        sectors=sorted(dataset.projects["sector"].unique()),
        agencies=sorted(dataset.projects["lead_agency"].unique()),
    )


def years_within(chosen: tuple[int, int], options: FilterOptions) -> tuple[int, int] | None:
    """A chosen year range kept inside the data's years; None when the data has no range to choose from.

    The data can change under a session (an editor saves a new version, a viewer explores an upload):
    a range chosen in the old years would make the year slider refuse to draw, on every page. A range
    that still overlaps the data is narrowed to it; one that does not goes back to every year.
    """
    if not options.has_year_range:
        return None
    low, high = chosen
    if high < options.year_min or low > options.year_max:
        return options.year_min, options.year_max
    return max(low, options.year_min), min(high, options.year_max)


def filters_from_params(params: Mapping[str, Sequence[str]], options: FilterOptions) -> tuple[Filters, list[str]]:
    """Read Filters from query parameters (each key mapped to its list of values).

    Returns the filters and a notice for each value that was ignored, e.g. "Ignored year 'abc': not a year".
    Notices are plain text quoting the value as given, markup and all: whoever shows them escapes them.
    """
    notices: list[str] = []

    def values(key: str) -> list[str]:
        return [value.strip() for value in params.get(key, []) if value.strip()]

    def chosen(key: str, allowed, label: str, case_insensitive: bool = False) -> tuple[str, ...]:
        lookup = {str(a).lower(): a for a in allowed} if case_insensitive else {a: a for a in allowed}
        kept = []
        for value in values(key):
            match = lookup.get(value.lower() if case_insensitive else value)
            if match is None:
                notices.append(f"Ignored {label} '{value}': not in this dataset.")
            elif match not in kept:
                kept.append(match)
        return tuple(kept)

    def year(key: str, label: str) -> int | None:
        given = values(key)
        if not given:
            return None
        text = given[-1]
        if not (text.isdigit() and len(text) == 4):
            notices.append(f"Ignored {label} year '{text}': not a year.")
            return None
        number = int(text)
        if not options.has_year_range:
            notices.append(f"Ignored {label} year {number}: {options.years_in_words()}.")
            return None
        if not options.year_min <= number <= options.year_max:
            clamped = min(max(number, options.year_min), options.year_max)
            notices.append(
                f"{label.capitalize()} year {number} is outside the data ({options.year_min}–{options.year_max}); using {clamped}."
            )
            return clamped
        return number

    year_from, year_to = year("from", "start"), year("to", "end")
    if year_from is not None and year_to is not None and year_from > year_to:
        notices.append(f"Ignored the year range {year_from}–{year_to}: it ends before it starts.")
        year_from = year_to = None

    related = values("related")
    include_related = bool(related) and related[-1].lower() in ("1", "true", "yes")
    if related and related[-1].lower() not in ("1", "true", "yes", "0", "false", "no"):
        notices.append(f"Ignored related '{related[-1]}': use 1 or 0.")

    filters = Filters(
        year_from=year_from,
        year_to=year_to,
        countries=chosen("country", options.countries, "country", case_insensitive=True),
        cities=chosen("city", options.cities, "city", case_insensitive=True),
        sectors=chosen("sector", options.sectors, "sector", case_insensitive=True),
        agencies=chosen("agency", options.agencies, "agency", case_insensitive=True),
        statuses=chosen("status", options.statuses, "status", case_insensitive=True),
        include_related=include_related,
    )
    return filters, notices


def project_years(projects: pd.DataFrame) -> pd.DataFrame:
    """Each project's active years: [first_year, last_year]. Open-ended while ongoing; NA when undated.

    A project with only an end date is dated by it; a project still ongoing (or of unknown status) with no
    end date runs to the year of its latest news or later, so it stays visible in later years.
    """
    first = projects["start_date"].map(year_of)
    last = projects["end_date"].map(year_of)
    first = first.fillna(last)
    open_ended = last.isna() & first.notna() & projects["status"].isin(["ongoing", "unknown", "planned"])
    last = last.where(~open_ended, 9999).fillna(first)
    return pd.DataFrame({"first_year": first, "last_year": last}, index=projects.index).astype("Int64")


def select_projects(dataset: Dataset, filters: Filters) -> pd.DataFrame:
    """The projects matching every chosen filter.

    Place filters match a project through the cities it works or meets in and the countries it names;
    region-wide projects name no place, so a place filter leaves them out (see `regional_projects`).
    Year filters keep projects active at any time in the range; undated projects are left out of a year filter.
    Shared between viewers with the same filters: treat the frame as read-only.
    """
    return aggregate.per_view(dataset, ("projects", filters), lambda: _select_projects(dataset, filters))


def _select_projects(dataset: Dataset, filters: Filters) -> pd.DataFrame:
    related = aggregate.select_projects(dataset, filters.relationships)
    chosen = selected_positions(dataset, filters)
    if len(chosen) == len(related):
        return related  # no filter but the relationship: the shared frame, not a copy of it
    return dataset.projects.take(chosen)


def selected_positions(dataset: Dataset, filters: Filters) -> np.ndarray:
    """The positions in dataset.projects of the projects select_projects() gives, in order (usascp.positions)."""
    return aggregate.per_view(dataset, ("positions", filters), lambda: _selected_positions(dataset, filters))


def _selected_positions(dataset: Dataset, filters: Filters) -> np.ndarray:
    return np.flatnonzero(np.logical_and.reduce(list(_filter_masks(dataset, filters).values())))


def _filter_masks(dataset: Dataset, filters: Filters) -> dict[str, np.ndarray]:
    """Per project position, whether it passes each filter that is set, by the filter's field in Filters (the
    relationship always)."""
    codes = positions.codes(dataset)
    masks = {"include_related": aggregate.derived(dataset, ("relationship_mask", filters.relationships), lambda: _relationship_mask(codes, filters))}
    if filters.year_from is not None or filters.year_to is not None:
        low = filters.year_from if filters.year_from is not None else -1
        high = filters.year_to if filters.year_to is not None else 9999
        masks["years"] = (codes.first_year <= high) & (codes.last_year >= low)  # an undated project (NaN) is never within
    if filters.countries:
        masks["countries"] = codes.countries[:, np.isin(codes.country_ids, filters.countries)].any(axis=1)
    if filters.cities:
        masks["cities"] = codes.cities[:, np.isin(codes.city_ids, filters.cities)].any(axis=1)
    for chosen_in, coded in (("sectors", "sector"), ("agencies", "agency"), ("statuses", "status")):
        if getattr(filters, chosen_in):
            masks[chosen_in] = np.isin(getattr(codes, coded), codes.codes_of(coded, getattr(filters, chosen_in)))
    return masks


def _relationship_mask(codes: positions.Codes, filters: Filters) -> np.ndarray:
    """Per project position: a relationship the filters keep (two masks per dataset, made once: 0.2 ms a rerun)."""
    mask = np.isin(codes.relationship, codes.codes_of("relationship", filters.relationships))
    mask.flags.writeable = False  # shared by every view
    return mask


# Each filter as the sidebar names it, by its field in Filters.
FILTER_LABELS = {
    "years": "Years active",
    "countries": "Country",
    "cities": "City",
    "sectors": "Sector",
    "agencies": "Lead agency",
    "statuses": "Status",
    "include_related": "Include sister, private and related programs (off)",
}


def filters_hiding(dataset: Dataset, filters: Filters, project_id: str) -> list[str]:
    """The sidebar filters (FILTER_LABELS) each of which alone leaves `project_id` out; empty when it is shown.

    For a link that opens a project the sidebar hides: the page opens it all the same and says which
    filters to change to see it listed.
    """
    everything = Filters(include_related=True)
    alone = {
        "years": replace(everything, year_from=filters.year_from, year_to=filters.year_to),
        "countries": replace(everything, countries=filters.countries),
        "cities": replace(everything, cities=filters.cities),
        "sectors": replace(everything, sectors=filters.sectors),
        "agencies": replace(everything, agencies=filters.agencies),
        "statuses": replace(everything, statuses=filters.statuses),
        "include_related": replace(everything, include_related=filters.include_related),
    }
    return [
        FILTER_LABELS[name]
        for name, single in alone.items()
        if single != everything and not (select_projects(dataset, single)["project_id"] == project_id).any()
    ]


def cities_in_view(cities: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of `cities` (any table with iso3 and city_id) in the chosen countries or cities; all when none is chosen."""
    if not filters.narrows_by_place:
        return cities
    # Read as lists: two isin over 31 cities and their union took half a millisecond, on every rerun.
    countries, chosen = set(filters.countries), set(filters.cities)
    kept = [iso3 in countries or city_id in chosen for iso3, city_id in zip(cities["iso3"].tolist(), cities["city_id"].tolist())]
    return cities[np.array(kept, dtype=bool)]


def select_grants(dataset: Dataset, filters: Filters, projects: pd.DataFrame) -> pd.DataFrame:
    """Grants of the selected projects, awarded within the chosen years (money is counted when it was awarded)."""
    return dataset.grants.take(select_grant_rows(dataset, filters, projects))


def select_grant_rows(dataset: Dataset, filters: Filters, projects: pd.DataFrame) -> np.ndarray:
    """select_grants() as positions in dataset.grants, in table order: what the sums take (usascp.aggregate),
    without copying the rows (a tenth of a page's time at 10,000x)."""
    chosen = aggregate.rows_of_projects(dataset, "grants", projects)
    if filters.year_from is not None or filters.year_to is not None:
        year = aggregate.row_years(dataset, "grants", "calendar")
        low = filters.year_from if filters.year_from is not None else -1
        high = filters.year_to if filters.year_to is not None else 9999
        chosen = chosen & (year >= low) & (year <= high)  # NaN (no award year) is never within
    return np.flatnonzero(chosen)


def regional_projects(dataset: Dataset, filters: Filters) -> pd.DataFrame:
    """Region-wide projects that match every filter except place: they reach every member city, named or not."""
    without_place = replace(filters, countries=(), cities=())
    chosen = selected_positions(dataset, without_place)
    regional = aggregate.derived(dataset, "regional_projects", lambda: (dataset.projects["geographic_scope"] == "regional").to_numpy())
    return dataset.projects.take(chosen[regional[chosen]])  # found by position: a match of every project's scope as text took 3 ms


def select_events(dataset: Dataset, filters: Filters) -> pd.DataFrame:
    """Events in the chosen years and places. Sector, agency and status filters apply to an event's project, if it has one."""
    return dataset.events.take(select_event_rows(dataset, filters))


def select_event_rows(dataset: Dataset, filters: Filters) -> np.ndarray:
    """select_events() as positions in dataset.events, in table order, without copying the rows."""
    events = dataset.events
    keep = np.ones(len(events), dtype=bool)
    if filters.year_from is not None or filters.year_to is not None:
        days = aggregate.event_days(dataset)
        low = filters.year_from if filters.year_from is not None else -1
        high = filters.year_to if filters.year_to is not None else 9999
        keep &= (days["first_year"] <= high) & (days["last_year"] >= low)  # an undated event (NaN) is never within
    if filters.countries:
        keep &= _event_places_in(dataset, "iso3", filters.countries)
    if filters.cities:
        keep &= _event_places_in(dataset, "city_id", filters.cities)
    if filters.sectors or filters.agencies or filters.statuses:
        matching = selected_positions(dataset, replace(filters, countries=(), cities=(), year_from=None, year_to=None))
        keep &= positions.chosen(len(dataset.projects), matching)[positions.table_positions(dataset, "events")]
    return np.flatnonzero(keep)


def _event_places_in(dataset: Dataset, column: str, chosen: tuple[str, ...]) -> np.ndarray:
    """Per event: whether its `column` ("iso3" or "city_id") is one of `chosen`, by codes found once per dataset."""
    codes, names = positions.derived(dataset, ("event_place_codes", column), lambda: positions.factorized(dataset.events[column]))
    wanted = np.zeros(len(names) + 1, dtype=bool)  # the extra last slot: a missing place (-1), never chosen
    chosen_set = set(chosen)
    wanted[:-1] = [name in chosen_set for name in names]
    return wanted[codes]


def facet_counts(dataset: Dataset, filters: Filters, dimension: str) -> dict[str, int]:
    """How many projects each value of `dimension` would show, given every *other* filter (for "Cambodia (3)").

    Counts reporting units, as the headline figures do.
    """
    others = replace(filters, **{_FACET_FIELDS[dimension]: ()})
    return aggregate.per_view(dataset, ("facet_counts", others, dimension), lambda: _facet_counts(dataset, others, dimension))


def _facet_counts(dataset: Dataset, others: Filters, dimension: str) -> dict[str, int]:
    chosen = selected_positions(dataset, others)
    return _counts_by(dataset, chosen, positions.unit_positions(dataset, chosen), dimension)


def sidebar_counts(dataset: Dataset, filters: Filters) -> dict[str, dict[str, int]]:
    """facet_counts() of every dimension at once: each filter is worked out once and left out in turn."""
    return aggregate.per_view(dataset, ("sidebar_counts", filters), lambda: _sidebar_counts(dataset, filters))


def _sidebar_counts(dataset: Dataset, filters: Filters) -> dict[str, dict[str, int]]:
    masks = _filter_masks(dataset, filters)
    # A dimension whose filter is not set counts over the projects every filter chooses: found once for all of them.
    selections: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    counts = {}
    for dimension, left_out in _FACET_FIELDS.items():
        others = tuple(name for name in masks if name != left_out)
        if others not in selections:
            chosen = np.flatnonzero(np.logical_and.reduce([masks[name] for name in others]))
            selections[others] = (chosen, positions.unit_positions(dataset, chosen))
        counts[dimension] = _counts_by(dataset, *selections[others], dimension)
    return counts


def _counts_by(dataset: Dataset, chosen: np.ndarray, units: np.ndarray, dimension: str) -> dict[str, int]:
    """How many reporting units among the projects at `chosen` (positions; `units`, their reporting units) have each
    value of `dimension`."""
    codes = positions.codes(dataset)
    if dimension in ("country", "city"):
        # Each (place, reporting unit) pair once: a program with two components in one city counts once there.
        matrix, names = (codes.countries, codes.country_ids) if dimension == "country" else (codes.cities, codes.city_ids)
        folded = units != chosen  # components counted under their program
        # Counted over the matrix's True cells, listed once per dataset: summing the chosen rows of the matrix took
        # 0.4 ms a dimension at 10,000x, on every rerun of every page.
        pair_projects, pair_places = aggregate.derived(dataset, ("place_pairs", dimension), lambda: np.nonzero(matrix))
        counted = positions.chosen(len(dataset.projects), chosen[~folded])[pair_projects]
        counts = np.bincount(pair_places[counted], minlength=len(names))
        if folded.any():
            touched = matrix[chosen]
            # A component adds the places its program does not already name, each once per program.
            row_of = np.full(len(dataset.projects), -1, dtype=np.int64)
            row_of[chosen] = np.arange(len(chosen))
            program_units = units[folded]
            rows, columns = np.nonzero(touched[folded] & ~touched[row_of[program_units]])
            pairs = np.unique(program_units[rows].astype(np.int64) * len(names) + columns)
            counts = counts + np.bincount(pairs % len(names), minlength=len(names))
    else:
        is_unit = positions.chosen(len(dataset.projects), units)[chosen]  # components folded into a program drop out
        values = getattr(codes, dimension)[chosen[is_unit]]
        names = codes.names[dimension]
        counts = np.bincount(values[values >= 0], minlength=len(names))
    return {names[index]: int(counts[index]) for index in np.flatnonzero(counts)}


_FACET_FIELDS = {"country": "countries", "city": "cities", "sector": "sectors", "agency": "agencies", "status": "statuses"}


def describe(filters: Filters, options: FilterOptions) -> str:
    """The filters in one line for captions and exports: "Cambodia · Health · 2020–2023"."""
    parts = []
    if filters.year_from is not None or filters.year_to is not None:
        parts.append(f"{filters.year_from or options.year_min or ''}–{filters.year_to or options.year_max or ''}")
    parts += [options.countries[c] for c in filters.countries]
    parts += [options.cities[c] for c in filters.cities]
    parts += list(filters.sectors) + list(filters.agencies) + list(filters.statuses)
    if filters.include_related:
        parts.append("including sister, private and related programs")
    return " · ".join(parts) if parts else "All USASCP projects"
