"""The tables of a USASCP dataset: their columns, allowed values and the rules that tie them together."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from usascp.dates import earliest_day, is_partial_date, latest_day

ASEAN_COUNTRIES = {
    "BRN": "Brunei",
    "KHM": "Cambodia",
    "IDN": "Indonesia",
    "LAO": "Laos",
    "MYS": "Malaysia",
    "MMR": "Myanmar",
    "PHL": "Philippines",
    "SGP": "Singapore",
    "THA": "Thailand",
    "TLS": "Timor-Leste",
    "VNM": "Vietnam",
}

SECTORS = [
    "Transport",
    "Water",
    "Health",
    "Circular economy",
    "Energy",
    "Innovation funds",
    "Training & exchange",
    "Green buildings",
    "Climate & resilience",
    "Digital & cybersecurity",
]

# How a project relates to the partnership, so funding totals never mix them up.
RELATIONSHIPS = {
    "usascp_project": "USASCP project",
    "sister_program": "Sister or co-branded program",
    "highlighted_private": "Private initiative featured by USASCP",
    "related_usg": "Related U.S. government work (not confirmed as USASCP)",
}

LEAD_AGENCIES = ["State", "USDOT", "Commerce", "NSF", "USTDA", "USAID", "CDC", "Private sector"]
STATUSES = ["planned", "ongoing", "completed", "unknown"]
GEOGRAPHIC_SCOPES = ["city", "country", "regional", "unspecified"]
ASCN_COHORTS = ["original_2018_pilot", "later_member"]
CITY_ROLES = ["site", "venue"]
PAIR_STATUSES = ["planned", "active", "completed"]
AMOUNT_KINDS = ["grant", "fund capitalization", "awards"]
METRIC_SCOPES = ["project", "program", "network"]
VALUE_TYPES = ["result", "target", "context"]
EVENT_TYPES = ["ASCN meeting", "summit", "conference", "workshop", "training", "exchange"]
LOCATION_PRECISIONS = ["city", "region", "online"]

ID_PATTERN = r"^[a-z0-9_]+$"
PARTIAL_DATE_RULE = "a date written YYYY, YYYY-MM or YYYY-MM-DD"


def _one_of(values) -> pa.Check:
    return pa.Check.isin(list(values), error="one of: " + ", ".join(values))


def _partial_date() -> pa.Check:
    return pa.Check(is_partial_date, element_wise=True, error=PARTIAL_DATE_RULE)


def _url() -> pa.Check:
    return pa.Check.str_matches(r"^https?://\S+$", error="a web address starting with http:// or https://")


def _identifier() -> pa.Check:
    return pa.Check.str_matches(ID_PATTERN, error="an identifier of lower-case letters, digits and _")


def _required(dtype, *checks, unique=False) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=False, unique=unique)


def _optional(dtype, *checks) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=True)


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "sources": pa.DataFrameSchema(
        {
            "source_id": _required(str, _identifier(), unique=True),
            "title": _required(str),
            "publisher": _required(str),
            "url": _required(str, _url()),
            "date_published": _optional(str, _partial_date()),
            "date_accessed": _required(str, _partial_date()),
        },
        strict=True,
    ),
    "cities": pa.DataFrameSchema(
        {
            "city_id": _required(str, _identifier(), unique=True),
            "city": _required(str),
            "country": _required(str, _one_of(ASEAN_COUNTRIES.values())),
            "iso3": _required(str, _one_of(ASEAN_COUNTRIES)),
            "lat": _required("Float64", pa.Check.in_range(-90, 90, error="a latitude between -90 and 90")),
            "lon": _required("Float64", pa.Check.in_range(-180, 180, error="a longitude between -180 and 180")),
            "coordinates_source_id": _required(str),
            "ascn_cohort": _required(str, _one_of(ASCN_COHORTS)),
            "ascn_joined_year": _required("Int64", pa.Check.in_range(2018, 2100, error="a year from 2018 on")),
            "joined_source_id": _required(str),
            "population": _optional("Int64", pa.Check.gt(0, error="a whole number above 0")),
            "population_year": _optional("Int64", pa.Check.in_range(1900, 2100, error="a year")),
            "population_area": _optional(str),
            "population_source_id": _optional(str),
            "notes": _optional(str),
        },
        unique=["city", "iso3"],
        strict=True,
    ),
    "projects": pa.DataFrameSchema(
        {
            "project_id": _required(str, _identifier(), unique=True),
            "title": _required(str),
            "parent_project_id": _optional(str),
            "relationship": _required(str, _one_of(RELATIONSHIPS)),
            "lead_agency": _required(str, _one_of(LEAD_AGENCIES)),
            "lead_office": _optional(str),
            "implementing_partners": _optional(str),
            "sector": _required(str, _one_of(SECTORS)),
            "geographic_scope": _required(str, _one_of(GEOGRAPHIC_SCOPES)),
            "status": _required(str, _one_of(STATUSES)),
            "status_as_of": _optional(str, _partial_date()),
            "start_date": _optional(str, _partial_date()),
            "end_date": _optional(str, _partial_date()),
            "summary": _required(str),
            "amount_note": _optional(str),
        },
        strict=True,
    ),
    # Every source a project draws on; the first listed for a project is its main one.
    "project_sources": pa.DataFrameSchema(
        {
            "project_id": _required(str),
            "source_id": _required(str),
        },
        unique=["project_id", "source_id"],
        strict=True,
    ),
    "project_cities": pa.DataFrameSchema(
        {
            "project_id": _required(str),
            "city_id": _required(str),
            "role": _required(str, _one_of(CITY_ROLES)),
            "source_id": _required(str),
        },
        unique=["project_id", "city_id"],
        strict=True,
    ),
    "project_countries": pa.DataFrameSchema(
        {
            "project_id": _required(str),
            "iso3": _required(str, _one_of(ASEAN_COUNTRIES)),
            "source_id": _required(str),
        },
        unique=["project_id", "iso3"],
        strict=True,
    ),
    # U.S.-ASEAN city or utility pairings (WiSE, USDOT), drawn as arcs on the map.
    "city_pairs": pa.DataFrameSchema(
        {
            "pair_id": _required(str, _identifier(), unique=True),
            "project_id": _required(str),
            "city_id": _required(str),
            "partner": _required(str),
            "partner_city": _required(str),
            "partner_country": _required(str),
            "partner_lat": _required("Float64", pa.Check.in_range(-90, 90, error="a latitude between -90 and 90")),
            "partner_lon": _required("Float64", pa.Check.in_range(-180, 180, error="a longitude between -180 and 180")),
            "partner_coordinates_source_id": _required(str),
            "status": _required(str, _one_of(PAIR_STATUSES)),
            "source_id": _required(str),
        },
        strict=True,
    ),
    "grants": pa.DataFrameSchema(
        {
            "grant_id": _required(str, unique=True),
            "project_id": _required(str),
            "recipient": _required(str),
            "amount_usd": _required("Float64", pa.Check.ge(0, error="an amount of 0 or more")),
            "award_date": _required(str, _partial_date()),
            "date_basis": _optional(str),
            "funding_office": _optional(str),
            "amount_kind": _required(str, _one_of(AMOUNT_KINDS)),
            "source_id": _required(str),
            "note": _optional(str),
        },
        strict=True,
    ),
    "metrics": pa.DataFrameSchema(
        {
            "metric_id": _required(str, unique=True),
            "scope": _required(str, _one_of(METRIC_SCOPES)),
            "project_id": _optional(str),
            "city_id": _optional(str),
            "metric": _required(str, _identifier()),
            "value": _required("Float64", pa.Check.ge(0, error="a number of 0 or more")),
            "unit": _required(str),
            "value_type": _required(str, _one_of(VALUE_TYPES)),
            "is_lower_bound": _required("boolean"),
            "is_approximate": _required("boolean"),
            "as_of": _optional(str, _partial_date()),
            "duplicate_of": _optional(str),
            "source_id": _required(str),
            "note": _optional(str),
        },
        strict=True,
    ),
    "events": pa.DataFrameSchema(
        {
            "event_id": _required(str, _identifier(), unique=True),
            "name": _required(str),
            "event_type": _required(str, _one_of(EVENT_TYPES)),
            "city": _required(str),
            "city_id": _optional(str),
            "country": _required(str),
            "iso3": _required(str, pa.Check.str_matches(r"^[A-Z]{3}$", error="a three-letter ISO country code")),
            "lat": _required("Float64", pa.Check.in_range(-90, 90, error="a latitude between -90 and 90")),
            "lon": _required("Float64", pa.Check.in_range(-180, 180, error="a longitude between -180 and 180")),
            "coordinates_source_id": _required(str),
            "location_precision": _required(str, _one_of(LOCATION_PRECISIONS)),
            "start_date": _optional(str, _partial_date()),
            "end_date": _optional(str, _partial_date()),
            "project_id": _optional(str),
            "on_usascp_calendar": _required("boolean"),
            "source_id": _required(str),
            "summary": _optional(str),
        },
        strict=True,
    ),
}

DATED_TABLES = ("projects", "events")

# Load order matters only for messages: sources first, since every other table points at it.
TABLE_FILES = {name: f"{name}.csv" for name in SCHEMAS}


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str
    target_table: str
    target_column: str


FOREIGN_KEYS = [
    ForeignKey("projects", "parent_project_id", "projects", "project_id"),
    ForeignKey("project_cities", "project_id", "projects", "project_id"),
    ForeignKey("project_cities", "city_id", "cities", "city_id"),
    ForeignKey("project_countries", "project_id", "projects", "project_id"),
    ForeignKey("project_sources", "project_id", "projects", "project_id"),
    ForeignKey("city_pairs", "project_id", "projects", "project_id"),
    ForeignKey("city_pairs", "city_id", "cities", "city_id"),
    ForeignKey("grants", "project_id", "projects", "project_id"),
    ForeignKey("metrics", "project_id", "projects", "project_id"),
    ForeignKey("metrics", "city_id", "cities", "city_id"),
    ForeignKey("metrics", "duplicate_of", "metrics", "metric_id"),
    ForeignKey("events", "city_id", "cities", "city_id"),
    ForeignKey("events", "project_id", "projects", "project_id"),
] + [
    ForeignKey(table, column, "sources", "source_id")
    for table, schema in SCHEMAS.items()
    for column in schema.columns
    if column.endswith("source_id") and table != "sources"
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, in the words a person needs to fix it.

    `row` counts the header as row 1, as a spreadsheet does; None when the problem is not about one row.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        if self.value is not None:
            return f"{where}: {self.value!r} is not {self.expected}"
        return f"{where}: {self.expected}"


def spreadsheet_row(index: int) -> int:
    """Row number a person sees for a 0-based data row: the header is row 1."""
    return int(index) + 2


def foreign_key_problems(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    for key in FOREIGN_KEYS:
        if key.table not in tables or key.target_table not in tables:
            continue
        frame, target = tables[key.table], tables[key.target_table]
        if key.column not in frame or key.target_column not in target:
            continue
        known = set(target[key.target_column].dropna())
        for index, value in frame[key.column].items():
            if pd.notna(value) and value not in known:
                problems.append(
                    Problem(
                        TABLE_FILES[key.table],
                        spreadsheet_row(index),
                        key.column,
                        str(value),
                        f"a {key.target_column} listed in {TABLE_FILES[key.target_table]}",
                    )
                )
    return problems


def consistency_problems(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Rules that span rows or tables and that no single column check can express."""
    problems: list[Problem] = []

    def add(table, index, column, message, value=None):
        problems.append(Problem(TABLE_FILES[table], spreadsheet_row(index), column, value, message))

    for table in DATED_TABLES:
        frame = tables.get(table)
        if frame is None or not {"start_date", "end_date"} <= set(frame):
            continue
        for index, start, end in zip(frame.index, frame["start_date"], frame["end_date"]):
            if is_partial_date(start) and is_partial_date(end) and latest_day(end) < earliest_day(start):
                add(table, index, "end_date", f"on or after the start date ({start})", end)

    cities = tables.get("cities")
    if cities is not None and {"population", "population_year", "population_source_id"} <= set(cities):
        for index, row in cities[cities["population"].notna()].iterrows():
            for column in ("population_year", "population_source_id"):
                if pd.isna(row[column]):
                    add("cities", index, column, "required when a population is given")
    if cities is not None and {"country", "iso3"} <= set(cities):
        for index, row in cities.iterrows():
            if ASEAN_COUNTRIES.get(row["iso3"], row["country"]) != row["country"]:
                add(
                    "cities",
                    index,
                    "country",
                    f"the country of ISO code {row['iso3']} ({ASEAN_COUNTRIES[row['iso3']]})",
                    row["country"],
                )

    projects = tables.get("projects")
    if projects is not None and {"project_id", "parent_project_id"} <= set(projects):
        parent_of = dict(zip(projects["project_id"], projects["parent_project_id"]))
        for index, row in projects.iterrows():
            parent = row["parent_project_id"]
            if pd.notna(parent) and (parent == row["project_id"] or pd.notna(parent_of.get(parent))):
                add("projects", index, "parent_project_id", "a top-level project (components are one level deep)", parent)
    project_sources = tables.get("project_sources")
    if projects is not None and project_sources is not None and "project_id" in project_sources:
        sourced = set(project_sources["project_id"])
        for index, project_id in projects["project_id"].items():
            if project_id not in sourced:
                add("projects", index, "project_id", "a project with at least one row in project_sources.csv", project_id)
    if projects is not None and "geographic_scope" in projects:
        links = tables.get("project_cities")
        site_projects = set(links.loc[links["role"] == "site", "project_id"]) if links is not None else set()
        countries = tables.get("project_countries")
        country_projects = set(countries["project_id"]) if countries is not None else set()
        for index, row in projects.iterrows():
            if row["geographic_scope"] == "city" and row["project_id"] not in site_projects:
                add("projects", index, "geographic_scope", "'city' only with a site row in project_cities.csv", "city")
            if row["geographic_scope"] == "country" and row["project_id"] not in country_projects:
                add("projects", index, "geographic_scope", "'country' only with a row in project_countries.csv", "country")

    metrics = tables.get("metrics")
    if metrics is not None and {"scope", "project_id", "duplicate_of", "metric", "metric_id"} <= set(metrics):
        by_id = metrics.set_index("metric_id", drop=False)
        for index, row in metrics.iterrows():
            if row["scope"] == "project" and pd.isna(row["project_id"]):
                add("metrics", index, "project_id", "required when scope is 'project'")
            if row["scope"] != "project" and pd.notna(row["project_id"]):
                add("metrics", index, "project_id", f"empty when scope is '{row['scope']}'", row["project_id"])
            twin = row["duplicate_of"]
            if pd.notna(twin) and twin in by_id.index:
                original = by_id.loc[twin]
                same_figure = original["metric"] == row["metric"] and (
                    original["project_id"] == row["project_id"]
                    or (pd.isna(original["project_id"]) and pd.isna(row["project_id"]))
                )
                if not same_figure or pd.notna(original["duplicate_of"]):
                    add(
                        "metrics",
                        index,
                        "duplicate_of",
                        "a figure for the same metric and project that is not itself a duplicate",
                        twin,
                    )
    return problems
