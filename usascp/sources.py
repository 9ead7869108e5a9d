"""What each source supports: the projects, amounts, figures, events and city facts that cite it.

Every table cites its sources by id (schema.FOREIGN_KEYS); this module reads those references the other
way round, so a person holding a source (a search hit, a row of About the data) can see what rests on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from usascp.aggregate import derived, metric_label, source_rows_of
from usascp.load import Dataset
from usascp.positions import table_positions

# City facts and what a person calls them.
_CITY_FACTS = {
    "coordinates_source_id": "where it is (coordinates)",
    "joined_source_id": "when it joined the network",
    "population_source_id": "its population",
}


@dataclass(frozen=True)
class SourceSupport:
    source: pd.Series  # the sources row: source_id, title, publisher, url, date_published, date_accessed
    projects: pd.DataFrame  # project_id, title, cited_for ("the project", "an amount", "a figure"; joined)
    figures: (
        pd.DataFrame
    )  # metric_id, project_id, title (NA for network-wide figures), label, value, is_lower_bound, is_approximate, unit, as_of
    events: pd.DataFrame  # event_id, name, start_date, city, country, cited_for
    cities: pd.DataFrame  # city_id, city, country, cited_for (joined)

    @property
    def supports_nothing(self) -> bool:
        return self.projects.empty and self.figures.empty and self.events.empty and self.cities.empty


# The ways a project cites a source, in the order a source's page lists them: (table, its column naming the
# source, what the source gives there).
_PROJECT_CITATIONS = (
    ("project_sources", "source_id", "the project"),
    ("grants", "source_id", "an amount"),
    ("metrics", "source_id", "a figure"),
    ("city_pairs", "source_id", "a city pair"),
    ("city_pairs", "partner_coordinates_source_id", "where a U.S. partner is"),
)


def _project_citations(dataset: Dataset, source_id: str) -> pd.DataFrame:
    """(project_id, cited_for) for every way a project cites one source, each once, in the order of
    _PROJECT_CITATIONS and then of the rows.

    Each table is narrowed to the source first: every citation of every source in one frame held 8 million rows
    at 100,000x (700 MB for a moment) to answer for one source.
    """
    parts = []
    for table, column, what in _PROJECT_CITATIONS:
        rows = getattr(dataset, table)
        parts.append(rows.loc[rows[column] == source_id, ["project_id"]].dropna().assign(cited_for=what))
    return pd.concat(parts).drop_duplicates().reset_index(drop=True)


def _projects_citing(dataset: Dataset) -> np.ndarray:
    """How many projects cite each source (by its position in dataset.sources), in any way.

    As numbers: each citing row is (source position, project position), and a project counts once per source.
    """
    project_count = max(len(dataset.projects), 1)
    pairs = [np.zeros(0, dtype=np.int64)]
    for table, column, _ in _PROJECT_CITATIONS:
        sources = source_rows_of(dataset, getattr(dataset, table)[column])
        projects = table_positions(dataset, table)
        cited = (sources >= 0) & (projects >= 0)
        pairs.append(np.unique(sources[cited].astype(np.int64) * project_count + projects[cited]))
    return np.bincount(np.unique(np.concatenate(pairs)) // project_count, minlength=len(dataset.sources))


def _city_citations(dataset: Dataset) -> pd.DataFrame:
    """(source_id, city_id, cited_for) for each city fact a source gives."""

    def build():
        cities = dataset.cities
        parts = [
            cities.loc[cities[column].notna(), ["city_id", column]].rename(columns={column: "source_id"}).assign(cited_for=what)
            for column, what in _CITY_FACTS.items()
        ]
        return pd.concat(parts).reset_index(drop=True)

    return derived(dataset, "city_citations", build)


def _event_citations(dataset: Dataset) -> pd.DataFrame:
    """(source_id, event_id, cited_for): the event itself, or where it was held."""

    def build():
        events = dataset.events
        return pd.concat(
            [
                events[["source_id", "event_id"]].assign(cited_for="the event"),
                events[["coordinates_source_id", "event_id"]]
                .dropna()
                .rename(columns={"coordinates_source_id": "source_id"})
                .assign(cited_for="where it was held"),
            ]
        ).reset_index(drop=True)

    return derived(dataset, "event_citations", build)


def support_counts(dataset: Dataset) -> pd.DataFrame:
    """Per source_id: how many projects, figures, events and cities cite it (every source has a row)."""

    def build():
        counts = pd.DataFrame(index=pd.Index(dataset.sources["source_id"], name="source_id"))
        counts["projects"] = _projects_citing(dataset)
        figures = source_rows_of(dataset, dataset.metrics["source_id"])
        counts["figures"] = np.bincount(figures[figures >= 0], minlength=len(dataset.sources))
        counts["events"] = _event_citations(dataset).groupby("source_id")["event_id"].nunique()
        counts["cities"] = _city_citations(dataset).groupby("source_id")["city_id"].nunique()
        return counts.fillna(0).astype(int)

    return derived(dataset, "source_support_counts", build)


def supports_in_words(counts: pd.Series) -> str:
    """ "2 projects, 3 figures and 1 city", from one row of support_counts; "nothing in this dataset" when all are 0."""
    from usascp.formatting import plural

    names = {"projects": ("project", None), "figures": ("figure", None), "events": ("event", None), "cities": ("city", "cities")}
    parts = [plural(int(counts[column]), *names[column]) for column in names if counts[column]]
    if not parts:
        return "nothing in this dataset"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def source_support(dataset: Dataset, source_id: str) -> SourceSupport:
    """Everything that cites `source_id`. Raises KeyError for an unknown source."""
    source = dataset.sources.set_index("source_id", drop=False).loc[source_id]
    titles = dataset.projects.set_index("project_id")["title"]
    projects = (
        _project_citations(dataset, source_id)
        .groupby("project_id", sort=False)["cited_for"]
        .agg(", ".join)
        .reset_index()
        .assign(title=lambda t: t["project_id"].map(titles))
    )[["project_id", "title", "cited_for"]]
    metrics = dataset.metrics[dataset.metrics["source_id"] == source_id]
    figures = metrics.assign(title=metrics["project_id"].map(titles), label=metrics["metric"].map(metric_label))[
        ["metric_id", "project_id", "title", "label", "value", "is_lower_bound", "is_approximate", "unit", "as_of"]
    ]
    held = _event_citations(dataset)
    held = held[held["source_id"] == source_id].groupby("event_id", sort=False)["cited_for"].agg(", ".join)
    events = dataset.events.loc[
        dataset.events["event_id"].isin(held.index), ["event_id", "name", "start_date", "city", "country"]
    ]
    events = events.assign(cited_for=events["event_id"].map(held))
    facts = _city_citations(dataset)
    facts = facts[facts["source_id"] == source_id].merge(dataset.cities[["city_id", "city", "country"]], on="city_id")
    cities = facts.groupby(["city_id", "city", "country"], sort=False)["cited_for"].agg(", ".join).reset_index()
    return SourceSupport(
        source=source,
        projects=projects.reset_index(drop=True),
        figures=figures.reset_index(drop=True),
        events=events.reset_index(drop=True),
        cities=cities,
    )
