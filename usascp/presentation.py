"""The presenter's slides as plain data: the Present page draws them on a projector and deck.py writes them to PowerPoint.

One model for both, so the slides on screen and the slides taken away always say the same thing. Every
slide carries the sources of its numbers, for the speaker notes and the footer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from usascp import aggregate
from usascp.dates import format_day, format_partial_date
from usascp.filters import Filters, cities_in_view, describe, filter_options, select_events, select_grant_rows, select_projects
from usascp.formatting import format_count, format_disclosed, format_usd, plural
from usascp.link_values import choice
from usascp.load import Dataset
from usascp.public_link import view_link

SLIDE_KEYS = ("headline", "map", "funding", "impact", "events")
SLIDE_NAMES = {"headline": "Headline", "map": "Map", "funding": "Funding", "impact": "Results", "events": "Events"}
PRESENT_PAGE = "present"  # the Present page's path (dashboard.py)
# The slide shown, in the address (`?slide=map`; the first slide is left out): the page and every link to a slide.
SLIDE_LINK = choice(
    "slide", SLIDE_KEYS, default=SLIDE_KEYS[0], refusal=f"Ignored slide '{{value}}': the slides are {', '.join(SLIDE_KEYS)}."
)


@dataclass(frozen=True)
class Stat:
    """A big number, what it counts, and one short line a reader needs to trust it."""

    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Source:
    publisher: str
    title: str
    url: str

    def line(self) -> str:
        return f"{self.publisher}, “{self.title}”: {self.url}"


@dataclass(frozen=True)
class Slide:
    key: str  # one of SLIDE_KEYS: says which picture goes with the text (map, bar chart, table or none)
    title: str
    subtitle: str
    stats: tuple[Stat, ...] = ()
    lines: tuple[str, ...] = ()  # short statements under the numbers or the picture
    table: pd.DataFrame | None = field(default=None, compare=False)  # what the picture is drawn from
    sources: tuple[Source, ...] = ()


def _sources(dataset: Dataset, source_ids) -> tuple[Source, ...]:
    ids = [s for s in source_ids if isinstance(s, str) and s]
    rows = aggregate.sources_for(dataset, ids)
    return tuple(Source(row.publisher, row.title, row.url) for row in rows.itertuples())


def _figure_value(figure: aggregate.Figure, metric: str) -> str:
    """A figure as a slide shows it: millions in words ("21 million+"), so a big number fits its box."""
    if metric.endswith("_usd"):
        return ("over " if figure.is_lower_bound else "") + format_usd(figure.value)
    if figure.value >= 1_000_000:
        millions = f"{figure.value / 1e6:,.1f}".removesuffix(".0")
        return (
            ("~" if figure.is_approximate and not figure.is_lower_bound else "")
            + f"{millions} million"
            + ("+" if figure.is_lower_bound else "")
        )
    return format_count(figure.value, figure.is_lower_bound, figure.is_approximate)


def _headline(dataset: Dataset, filters: Filters, projects, grants, view: str) -> Slide:
    network = aggregate.network_size(dataset)
    funding = aggregate.funding_totals(dataset, projects, grants)
    units = len(aggregate.reporting_units(dataset, projects))
    if filters.narrows_by_place:
        cities_stat = Stat(
            "Member cities",
            format_count(len(cities_in_view(dataset.cities, filters))),
            f"in the places chosen, of {network.member_cities}",
        )
    else:
        cities_stat = Stat(
            "Member cities", format_count(network.member_cities), f"{network.original_pilot_cities} original 2018 pilot cities"
        )
    stats = [
        cities_stat,
        Stat(
            "USASCP projects" if not filters.include_related else "Projects and programs",
            format_count(units),
            "matching this view",
        ),
        Stat(
            "Disclosed funding",
            format_disclosed(funding.disclosed_usd, funding.projects_total),
            f"published for {funding.projects_disclosing:,} of {plural(funding.projects_total, 'project')}",
        ),
    ]
    source_ids = aggregate.grant_sources(dataset, grants)
    results = aggregate.metric_totals(dataset, projects=projects)
    for metric in aggregate.headline_results(results):  # the Overview's cards, in the same order
        figure = aggregate.metric_figure(dataset, metric, totals=results)
        if figure:
            stats.append(
                Stat(aggregate.metric_label(metric), _figure_value(figure, metric), f"as of {format_partial_date(figure.as_of)}")
            )
            source_ids += figure.source_ids
    lines = [
        f"{funding.projects_not_disclosing:,} of {plural(funding.projects_total, 'project')} "
        f"{'publishes' if funding.projects_not_disclosing == 1 else 'publish'} no amount: "
        "counted as not disclosed, never as zero."
    ]
    commitment = aggregate.latest_context_figure(dataset, "stated_commitment_usd", "program")
    if commitment and filters.is_default:
        lines.append(
            f"The partnership states it has committed {_figure_value(commitment, 'stated_commitment_usd')} since 2018 "
            f"(as of {format_partial_date(commitment.as_of)})."
        )
        source_ids += commitment.source_ids
    return Slide(
        "headline",
        "U.S.-ASEAN Smart Cities Partnership",
        f"{view} · data as of {format_partial_date(dataset.data_as_of)}",
        stats=tuple(stats),
        lines=tuple(lines),
        sources=_sources(dataset, source_ids),
    )


def _map(dataset: Dataset, filters: Filters, projects, grants) -> Slide:
    cities = cities_in_view(aggregate.city_summary(dataset, projects, grants), filters)
    working = cities[cities["projects"] > 0].sort_values(["projects", "city"], ascending=[False, True])
    unplaced = aggregate.projects_without_a_city(dataset, projects, grants)
    lines = [f"{row.city}, {row.country}: {plural(row.projects, 'project')}" for row in working.head(5).itertuples()]
    if len(working) > 5:
        lines.append(f"… and {plural(len(working) - 5, 'more city', 'more cities')}")
    if len(unplaced):
        verb = "names" if len(unplaced) == 1 else "name"
        lines.append(f"{plural(len(unplaced), 'project')} {verb} no single city (country-wide or region-wide): not on the map.")
    return Slide(
        "map",
        "Where the partnership works",
        f"{plural(len(cities), 'ASEAN Smart Cities Network member city', 'ASEAN Smart Cities Network member cities')}"
        f" · projects in {len(working):,} of them",
        lines=tuple(lines),
        table=cities.reset_index(drop=True),
        sources=_sources(dataset, cities["city_id"].map(dataset.cities.set_index("city_id")["joined_source_id"])),
    )


def _funding(dataset: Dataset, projects, grants) -> Slide:
    funding = aggregate.funding_totals(dataset, projects, grants)
    table = aggregate.funding_by(dataset, "sector", projects, grants)
    if funding.disclosed_usd is None:
        subtitle = f"None of the {plural(funding.projects_total, 'project')} publishes an amount"
    else:
        subtitle = (
            f"{format_usd(funding.disclosed_usd)} disclosed, published for {funding.projects_disclosing:,} "
            f"of {plural(funding.projects_total, 'project')}"
        )
    return Slide(
        "funding",
        "Funding by sector",
        subtitle,
        stats=(
            Stat(
                "Disclosed funding",
                format_disclosed(funding.disclosed_usd, funding.projects_total),
                "exact amounts stated by public sources",
            ),
            Stat("Amount not disclosed", plural(funding.projects_not_disclosing, "project"), "counted, never added as $0"),
        ),
        lines=("Grey bars count projects that publish no amount; blue bars are published dollars.",),
        table=table,
        sources=_sources(dataset, aggregate.grant_sources(dataset, grants)),
    )


def _impact(dataset: Dataset, projects, view: str) -> Slide:
    totals = aggregate.metric_totals(dataset, projects=projects)
    rank = {metric: i for i, metric in enumerate(aggregate.HEADLINE_METRICS)}
    totals = totals.assign(_rank=totals["metric"].map(rank).fillna(len(rank))).sort_values(["_rank", "metric"]).head(4)

    def origin(metric: str) -> str:
        titles = aggregate.metric_titles(dataset, projects, metric)
        return titles[0] if len(titles) == 1 else f"{len(titles):,} projects together"

    stats = tuple(
        Stat(
            aggregate.metric_label(row.metric),
            _figure_value(aggregate.Figure(row.value, row.is_lower_bound, row.is_approximate), row.metric),
            f"as of {format_partial_date(row.as_of)}",
        )
        for row in totals.itertuples()
    )
    # Who reported what: each project named once, in full, under the numbers. A name cut to fit under every
    # number ("Smart Green Hospital Network: leveraging techno…" three times) said less, three times over.
    reported_by: dict[str, list[str]] = {}
    for metric in totals["metric"]:
        reported_by.setdefault(origin(metric), []).append(aggregate.metric_label(metric))
    lines = []
    if len(reported_by) == 1:
        lines.append(f"{'Both' if len(stats) == 2 else 'All' if len(stats) > 2 else 'Reported'} by: {next(iter(reported_by))}.")
    else:
        for project, labels in reported_by.items():
            named = ", ".join([labels[0]] + [label[0].lower() + label[1:] for label in labels[1:]])
            lines.append(f"{named}: reported by {project}.")
    lines.append(
        'Each result is counted once; a + marks a figure the source gives as "more than".'
        if stats
        else "None of the selected projects publishes a result figure yet."
    )
    source_ids = [s for ids in totals["source_ids"] for s in ids.split(";")]
    return Slide(
        "impact",
        "Results so far",
        f"{view}: what the projects report having achieved",
        stats=stats,
        lines=tuple(lines),
        table=totals.drop(columns="_rank").reset_index(drop=True),
        sources=_sources(dataset, source_ids),
    )


def _events(dataset: Dataset, filters: Filters, today: dt.date) -> Slide:
    events = aggregate.events_timeline(dataset, select_events(dataset, filters), today)
    upcoming = events[events["when"] == "upcoming"]
    if len(upcoming):
        shown, title = upcoming.head(5), "Coming up"
        subtitle = f"{plural(len(upcoming), 'upcoming event')} on the record as of {format_day(today)}"
    else:
        dated = events[events["start_day"].notna()]
        shown, title = dated.tail(4).iloc[::-1], "Recent events"
        subtitle = f"No upcoming events are published as of {format_day(today)}" + ("; the most recent:" if len(dated) else ".")
    table = pd.DataFrame(
        {
            "event": shown["name"],
            "when": shown["start_date"].map(format_partial_date),
            "where": shown["city"] + ", " + shown["country"],
        }
    ).reset_index(drop=True)
    return Slide("events", title, subtitle, table=table, sources=_sources(dataset, shown["source_id"]))


def build_slides(dataset: Dataset, filters: Filters, today: dt.date, keys=SLIDE_KEYS) -> list[Slide]:
    """The presenter slides for the current filters, in SLIDE_KEYS order: all five, or only those in `keys`
    (the Present page draws one at a time, and each slide costs its own aggregation on a big portfolio)."""
    projects = select_projects(dataset, filters)
    # As positions: every slide takes the selection's grants, and copying 30,000 of them into a frame took a sixth of a
    # slide's time at 10,000x.
    grants = select_grant_rows(dataset, filters, projects)
    view = describe(filters, filter_options(dataset))
    builders = {
        "headline": lambda: _headline(dataset, filters, projects, grants, view),
        "map": lambda: _map(dataset, filters, projects, grants),
        "funding": lambda: _funding(dataset, projects, grants),
        "impact": lambda: _impact(dataset, projects, view),
        "events": lambda: _events(dataset, filters, today),
    }
    return [builders[key]() for key in SLIDE_KEYS if key in keys]


def live_link(address: str, filters: Filters, key: str) -> str:
    """The link to slide `key` with `filters` on the Present page of the dashboard at `address`: the query
    the browser shows for that view (the filters, then the slide), written by their own to_params and LinkValue."""
    slide = SLIDE_LINK.write(key)
    return view_link(address, PRESENT_PAGE, {**filters.to_params(), **({SLIDE_LINK.param: [slide]} if slide else {})})
