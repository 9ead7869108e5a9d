"""Compare places: two to four member cities or countries side by side, under the same sidebar filters.

A place is chosen in the URL as `place=KHM` (a country's ISO3 code) or `place=phnom_penh` (a city_id),
repeated: `/compare?place=KHM&place=VNM`. Each place's figures are exactly what the other pages show
with that place as the sidebar's only place filter (usascp.filters.select_projects and friends), so the
Overview for Cambodia and Cambodia's column here never disagree:

* projects are reporting units (a component counts under its program when both work there);
* disclosed funding adds every published amount of those projects, with how many publish none; the
  part that can be placed in this place alone (aggregate.location_labels) is shown beside it, because
  a project working in several places counts in each of their columns, never split;
* results are the projects' countable figures, those a source ties to another city left out;
* events are those held in the place.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from usascp import aggregate
from usascp.filters import Filters, filter_options, select_event_rows, select_grant_rows, select_projects
from usascp.formatting import format_count, format_counts, format_disclosed, format_usd
from usascp.load import Dataset

MAX_PLACES = 4
MIN_PLACES = 2
PLACE_PARAM = "place"


@dataclass(frozen=True)
class Place:
    place_id: str  # ISO3 code for a country, city_id for a city
    kind: str  # "country" or "city"
    name: str  # "Cambodia", "Phnom Penh"
    country: str  # the country's name (a country's own name for a country)
    iso3: str

    @property
    def label(self) -> str:
        """How a chooser lists it: "Cambodia (country)", "Phnom Penh, Cambodia"."""
        return f"{self.name} (country)" if self.kind == "country" else f"{self.name}, {self.country}"

    def filters(self, filters: Filters) -> Filters:
        """The sidebar filters with this place as their only place."""
        if self.kind == "country":
            return replace(filters, countries=(self.iso3,), cities=())
        return replace(filters, countries=(), cities=(self.place_id,))


def places(dataset: Dataset) -> dict[str, Place]:
    """Every place that can be compared, by id: countries with member cities, then their cities, by name."""

    def build():
        options = filter_options(dataset)
        found = {iso3: Place(iso3, "country", name, name, iso3) for iso3, name in options.countries.items()}
        for city_id, name in options.cities.items():
            iso3 = options.city_country[city_id]
            found[city_id] = Place(city_id, "city", name, options.countries.get(iso3, iso3), iso3)
        return found

    return aggregate.derived(dataset, "compare_places", build)


def places_from_params(values: list[str], dataset: Dataset) -> tuple[list[Place], list[str]]:
    """The places a URL names (at most MAX_PLACES, each once), and a notice for each value left out.

    City ids match as written; a country code in any case ("khm"). Notices quote the value as typed:
    whoever shows them escapes them.
    """
    known = places(dataset)
    countries = {place_id.lower(): place for place_id, place in known.items() if place.kind == "country"}
    chosen: list[Place] = []
    notices: list[str] = []
    for value in (value.strip() for value in values):
        if not value:
            continue
        place = known.get(value) or countries.get(value.lower())
        if place is None:
            notices.append(f"Ignored place '{value}': not a member city or a country with member cities.")
        elif place in chosen:
            continue
        elif len(chosen) == MAX_PLACES:
            notices.append(f"Ignored place '{value}': at most {MAX_PLACES} places are compared at once.")
        else:
            chosen.append(place)
    return chosen, notices


def place_ids_from_params(values: list[str], dataset: Dataset) -> tuple[list[str], list[str]]:
    """places_from_params, with the places as their ids (a chooser's values)."""
    chosen, notices = places_from_params(values, dataset)
    return [place.place_id for place in chosen], notices


@dataclass(frozen=True)
class PlaceFigures:
    place: Place
    projects: pd.DataFrame  # the selected projects working or meeting here (components included)
    grants: np.ndarray  # their grants awarded in the chosen years, as positions in dataset.grants
    funding: aggregate.FundingTotals  # of their reporting units: disclosed total, and how many disclose none
    alone_usd: float | None  # the part of it placed in this place alone; None when none is
    alone_projects: int  # reporting units working in this place alone (aggregate.location_labels)
    result_positions: np.ndarray  # positions in the metrics table of the countable rows added up in `results`
    results: pd.DataFrame  # aggregate.metric_totals columns: metric, value, is_lower_bound, is_approximate
    event_positions: np.ndarray  # positions in the events table of the events held here
    upcoming_events: int  # how many of them end on or after `today`
    today: dt.date
    dataset: Dataset = field(repr=False, compare=False)

    @functools.cached_property
    def result_rows(self) -> pd.DataFrame:
        """The countable metric rows added up in `results`: made when a download or a count asks for them."""
        return self.dataset.metrics.take(self.result_positions)

    @functools.cached_property
    def events(self) -> pd.DataFrame:
        """The events held here, with `when` (past / upcoming / date not published): made when a download asks."""
        return _with_when(self.dataset, self.dataset.events.take(self.event_positions), self.today)

    @property
    def shared_projects(self) -> int:
        return self.funding.projects_total - self.alone_projects

    @property
    def shared_usd(self) -> float | None:
        """Disclosed money of projects also working elsewhere: counted in each of their places, never split."""
        if self.funding.disclosed_usd is None:
            return None
        shared = self.funding.disclosed_usd - (self.alone_usd or 0.0)
        return shared if shared > 0 else None


def place_figures(dataset: Dataset, place: Place, filters: Filters, today: dt.date | None = None) -> PlaceFigures:
    today = today or dt.date.today()
    # Kept under the place's own filters: the sidebar's places do not change a column, so a viewer who changes
    # them on this page, and everyone comparing the same place, get the column already made.
    here = place.filters(filters)
    return aggregate.per_view(dataset, ("compare", place, here, today), lambda: _place_figures(dataset, place, filters, today))


def _place_figures(dataset: Dataset, place: Place, filters: Filters, today: dt.date) -> PlaceFigures:
    here = place.filters(filters)
    projects = select_projects(dataset, here)
    grants = select_grant_rows(dataset, here, projects)
    funding, alone = aggregate.funding_totals_here_and_alone(dataset, projects, grants, place.kind, place.name)
    # A figure a source ties to a city belongs to that city alone.
    city_ids = [place.place_id] if place.kind == "city" else _country_cities(dataset).get(place.iso3, [])
    rows = np.flatnonzero(aggregate.countable_mask(dataset, projects))
    rows = rows[aggregate.metrics_in_cities(dataset, city_ids, rows)]  # looked up for the place's figures, not every row
    events = select_event_rows(dataset, here)
    return PlaceFigures(
        place=place,
        projects=projects,
        grants=grants,
        funding=funding,
        alone_usd=alone.disclosed_usd,
        alone_projects=alone.projects_total,
        result_positions=rows,
        results=aggregate.metric_totals(dataset, projects=projects, rows=rows, columns=("is_lower_bound", "is_approximate")),
        event_positions=events,
        upcoming_events=int(np.count_nonzero(_every_when(dataset, today)[1][events] == "upcoming")),
        today=today,
        dataset=dataset,
    )


def _country_cities(dataset: Dataset) -> dict[str, list[str]]:
    """Each country's member cities' ids, in the cities table's order, once per dataset."""
    return aggregate.derived(
        dataset,
        "compare_country_cities",
        lambda: {iso3: list(ids) for iso3, ids in dataset.cities.groupby("iso3", sort=False)["city_id"]},
    )


def _with_when(dataset: Dataset, events: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """`events` (rows of dataset.events) with aggregate.events_timeline's `when` (past, upcoming, date not
    published), in their own order."""
    return events.assign(when=events["event_id"].map(_every_when(dataset, today)[0]))


def _every_when(dataset: Dataset, today: dt.date) -> tuple[pd.Series, np.ndarray]:
    """Every event's `when` (_with_when), by event_id and by position in dataset.events.

    Every event's dates are read once a day per dataset and kept with it (only today's: yesterday's answers
    are stale), instead of once per place and view.
    """
    by_day = aggregate.derived(dataset, "every_event_when_by_day", dict)
    answers = by_day.get(today)
    if answers is None:
        when = aggregate.events_timeline(dataset, dataset.events, today).set_index("event_id")["when"]
        answers = (when, dataset.events["event_id"].map(when).to_numpy(dtype=object))
        by_day.clear()  # two viewers racing here compute the same answer; either may win
        by_day[today] = answers
    return answers


# The rows of the side-by-side table, in order; results follow, one row per metric any place has.
PROJECTS = "Projects"
DISCLOSED = "Disclosed funding"
ALONE = "… of projects working here alone"
SHARED = "… of projects also working elsewhere (not split)"
NOT_DISCLOSED = "Projects publishing no amount"
EVENTS = "Events held here"
UPCOMING = "… of them upcoming"


def _part(amount: float | None, projects: int) -> str:
    """An amount of some of a place's projects: "—" when there are none, "not disclosed" when none publishes one."""
    return "—" if projects == 0 else format_usd(amount)


def comparison_table(figures: list[PlaceFigures]) -> pd.DataFrame:
    """The side-by-side table as people read it: one column per place (its label), one row per measure, text cells.

    Amounts are "not disclosed" where no project publishes one, "no projects" where there is none to
    disclose; a result no project of a place reports is "—".
    """
    metrics = []
    for place in figures:
        metrics += [metric for metric in place.results["metric"] if metric not in metrics]
    order = {metric: position for position, metric in enumerate(aggregate.HEADLINE_METRICS)}
    metrics.sort(key=lambda metric: (order.get(metric, len(order)), aggregate.metric_label(metric)))
    columns = {}
    for place in figures:
        funding = place.funding
        total = funding.projects_total
        column = {
            PROJECTS: format_count(total),
            DISCLOSED: format_disclosed(funding.disclosed_usd, total),
            ALONE: _part(place.alone_usd, place.alone_projects),
            SHARED: _part(place.shared_usd, place.shared_projects),
            NOT_DISCLOSED: f"{funding.projects_not_disclosing:,} of {total:,}",
        }
        # Worded as columns: a lookup per metric and place in the frame took most of this table's 3 ms.
        results = place.results
        worded = dict(
            zip(results["metric"].tolist(), format_counts(results["value"], results["is_lower_bound"], results["is_approximate"]))
        )
        for metric in metrics:
            column[aggregate.metric_label(metric)] = worded.get(metric, "—")
        column[EVENTS] = format_count(len(place.event_positions))
        column[UPCOMING] = format_count(place.upcoming_events)
        columns[place.place.label] = column
    return pd.DataFrame(columns)


def comparison_values(figures: list[PlaceFigures]) -> pd.DataFrame:
    """The same comparison as numbers, one row per place, for a download: NA where a figure is unknown.

    Columns: place_id, place, kind, country, projects, disclosed_usd, alone_usd, projects_here_alone, shared_usd,
    projects_also_elsewhere, projects_not_disclosing, events, upcoming_events, then one column per result metric.
    """
    rows = []
    for place in figures:
        row = {
            "place_id": place.place.place_id,
            "place": place.place.name,
            "kind": place.place.kind,
            "country": place.place.country,
            "projects": place.funding.projects_total,
            "disclosed_usd": place.funding.disclosed_usd,
            "alone_usd": place.alone_usd,
            "projects_here_alone": place.alone_projects,
            "shared_usd": place.shared_usd,
            "projects_also_elsewhere": place.shared_projects,
            "projects_not_disclosing": place.funding.projects_not_disclosing,
            "events": len(place.event_positions),
            "upcoming_events": place.upcoming_events,
        }
        row |= dict(zip(place.results["metric"], place.results["value"]))
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("disclosed_usd", "alone_usd", "shared_usd"):
        table[column] = table[column].astype("Float64")
    return table


def projects_behind(dataset: Dataset, figures: list[PlaceFigures]) -> pd.DataFrame:
    """Every project counted in the comparison, once per place it is counted in, with its own disclosed amount.

    Columns: place, project_id, title, program, lead_agency, sector, cities, countries, status, amount_usd (NA: not disclosed),
    record_id and record_url (an imported project's public record).
    """
    columns = [
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
    parts = [aggregate.project_table(dataset, place.projects, place.grants).assign(place=place.place.name) for place in figures]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def results_behind(dataset: Dataset, figures: list[PlaceFigures]) -> pd.DataFrame:
    """Every result figure added up in the comparison, once per place it is counted in, with its source.

    Columns: place, metric_id, project_id, title, metric, value, is_lower_bound, is_approximate, unit, as_of, publisher, url.
    """
    columns = [
        "place",
        "metric_id",
        "project_id",
        "title",
        "metric",
        "value",
        "is_lower_bound",
        "is_approximate",
        "unit",
        "as_of",
    ]
    titles = dataset.projects.set_index("project_id")["title"]
    sources = dataset.sources.set_index("source_id")
    parts = [
        place.result_rows.assign(
            place=place.place.name,
            title=place.result_rows["project_id"].map(titles),
            metric=place.result_rows["metric"].map(aggregate.metric_label),
            publisher=place.result_rows["source_id"].map(sources["publisher"]),
            url=place.result_rows["source_id"].map(sources["url"]),
        )
        for place in figures
    ]
    columns += ["publisher", "url"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def events_behind(figures: list[PlaceFigures]) -> pd.DataFrame:
    """Every event counted, once per place. Columns: place, event_id, name, event_type, start_date, end_date, city, country, when."""
    columns = ["place", "event_id", "name", "event_type", "start_date", "end_date", "city", "country", "when"]
    parts = [place.events.assign(place=place.place.name) for place in figures]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
