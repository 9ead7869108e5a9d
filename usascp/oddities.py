"""What a valid dataset will look like oddly on the dashboard, said before anyone saves or explores it.

Validation answers "can this be loaded?"; a dataset can pass and still show an empty Funding page or a
sidebar with no year filter. An editor about to make it everyone's data should hear that first, in the
words a viewer would use. None of these stops a dataset from loading.
"""

from __future__ import annotations

from usascp import aggregate
from usascp.filters import filter_options
from usascp.formatting import plural
from usascp.load import Dataset


def oddities(dataset: Dataset) -> list[str]:
    """Sentences saying how the dashboard will show this dataset differently from the usual; empty when nothing is odd."""
    found = []
    projects = dataset.projects
    own = aggregate.select_projects(dataset)
    if projects.empty:
        found.append("It has no projects: every page will show the member cities and sources only.")
    elif own.empty:
        found.append(
            f"None of its {plural(len(projects), 'project')} is a USASCP project: pages show them only when the sidebar "
            "includes sister, private and related programs."
        )
    options = filter_options(dataset)
    if not projects.empty and not options.has_year_range:
        found.append(f"There is no year filter: {options.years_in_words()}.")
    if not projects.empty and dataset.grants.empty:
        found.append("It has no grants: every project will show its amount as not disclosed, and funding charts will be empty.")
    if not projects.empty and not (dataset.metrics["value_type"] == "result").any():
        found.append("It has no result figures: the Impact page and the results on the Overview will be empty.")
    if dataset.events.empty:
        found.append("It has no events: the Events page and the events slide will be empty.")
    if not projects.empty and not (dataset.project_cities["role"] == "site").any():
        found.append("No project names a member city: the maps will show no projects, and every project is listed under them.")
    if len(dataset.cities) == 1:
        found.append("It has one member city: the maps will zoom to it alone.")
    return found
