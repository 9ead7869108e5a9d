"""The tables of a USASCP dataset: their columns, allowed values and the rules that tie them together."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from usascp.dates import earliest_day, format_partial_date, is_partial_date, latest_day
from usascp.formatting import WEB_ADDRESS, WEB_ADDRESS_RULE

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
    "Other",  # for imports whose sector codes name none of the above (IATI's DAC codes cover far more)
]

# How a project relates to the partnership, so funding totals never mix them up.
RELATIONSHIPS = {
    "usascp_project": "USASCP project",
    "sister_program": "Sister or co-branded program",
    "highlighted_private": "Private initiative featured by USASCP",
    "related_usg": "Related U.S. government work (not confirmed as USASCP)",
}

LEAD_AGENCIES = ["State", "USDOT", "Commerce", "NSF", "USTDA", "USAID", "CDC", "Private sector", "Other"]
STATUSES = ["planned", "ongoing", "completed", "unknown"]
GEOGRAPHIC_SCOPES = ["city", "country", "regional", "unspecified"]
ASCN_COHORTS = ["original_2018_pilot", "later_member"]
CITY_ROLES = ["site", "venue"]
PAIR_STATUSES = ["planned", "active", "completed"]
# "commitment" and "budget" come from IATI files: a committed or budgeted amount, not necessarily spent.
# "obligation" comes from ForeignAssistance.gov: an activity's obligations net of de-obligations.
AMOUNT_KINDS = ["grant", "fund capitalization", "awards", "commitment", "budget", "obligation"]
# Money as it moves (the transactions table): promised (a commitment, or a U.S. obligation of funds), then paid
# out (a disbursement to a recipient, or an expenditure the funder makes itself). IATI and ForeignAssistance.gov
# use these four words; a negative amount is a de-obligation or a reversal, kept and netted, never dropped.
TRANSACTION_TYPES = ["commitment", "obligation", "disbursement", "expenditure"]
COMMITTED_TYPES = ("commitment", "obligation")
SPENT_TYPES = ("disbursement", "expenditure")
METRIC_SCOPES = ["project", "program", "network"]
VALUE_TYPES = ["result", "target", "context"]
EVENT_TYPES = ["ASCN meeting", "summit", "conference", "workshop", "training", "exchange"]
LOCATION_PRECISIONS = ["city", "region", "online"]

# Amounts and figures are at most a thousand trillion (1e15). No grant or count comes near it (the whole U.S.
# federal budget is under 1e13 dollars), and below it a sum of millions of rows stays finite and accurate:
# every whole number up to 2**53 (about 9e15) is exact in a float. Without a bound, "inf" or "1e309" passes a
# ">= 0" check and turns every total it joins into infinity ("$infB", or an OverflowError on the page).
LARGEST_AMOUNT = 10**15
LARGEST_POPULATION = 10**10  # more people than live on Earth: a city's count above it is a typing slip
AMOUNT_RULE = f"a finite amount of 0 or more and at most {LARGEST_AMOUNT:,}"
SIGNED_AMOUNT_RULE = (
    f"a finite amount between -{LARGEST_AMOUNT:,} and {LARGEST_AMOUNT:,} (negative for a de-obligation or a reversal)"
)
# U.S. fiscal year N runs from 1 October of year N-1 to 30 September of year N. ForeignAssistance.gov's data
# starts in the 1940s; a year outside this range is a typing slip.
FISCAL_YEARS = (1946, 2100)
METRIC_VALUE_RULE = f"a finite number of 0 or more and at most {LARGEST_AMOUNT:,}"

ID_PATTERN = r"^[a-z0-9_]+$"
PARTIAL_DATE_RULE = "a date written YYYY, YYYY-MM or YYYY-MM-DD"


# Text columns carry no pandera dtype: every cell is read as text (load.read_table), and pandera's check
# that each cell of an object column is a str costs a Python call per cell (9 million at 10,000x).
TEXT = None


def _one_of(values) -> pa.Check:
    return pa.Check.isin(list(values), error="one of: " + ", ".join(values))


def _cells_where(values: pd.Series, test) -> pd.Series:
    """Which cells pass `test`, called once per distinct value: ids, codes and dates repeat a lot in big tables
    (500,000 metric rows name 30,000 projects), and a whole-column isin is one pass in C."""
    passing = {value for value in values.dropna().unique() if test(value)}
    return values.isin(passing)


def _valid_partial_dates(values: pd.Series) -> pd.Series:
    """Which cells are partial dates."""
    return _cells_where(values, is_partial_date)


def _partial_date() -> pa.Check:
    return pa.Check(_valid_partial_dates, error=PARTIAL_DATE_RULE)


def _matches(pattern: str, error: str) -> pa.Check:
    """A check that each text starts with a match of `pattern` (re.match, as pandera's str_matches reads it).

    pandera's own str_matches calls Python's regex once per cell (790,000 calls at 10,000x); this calls it
    once per distinct text, with the same answer: anything but a string fails.
    """
    compiled = re.compile(pattern)
    return pa.Check(
        lambda values: _cells_where(values, lambda value: isinstance(value, str) and compiled.match(value) is not None),
        error=error,
    )


def _url() -> pa.Check:
    # The rule the pages link by (formatting.safe_url): an address that passes here is shown as a link.
    return _matches(WEB_ADDRESS, WEB_ADDRESS_RULE)


def _identifier() -> pa.Check:
    return _matches(ID_PATTERN, "an identifier of lower-case letters, digits and _")


def _required(dtype, *checks, unique=False) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=False, unique=unique)


def _optional(dtype, *checks) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=True)


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "sources": pa.DataFrameSchema(
        {
            "source_id": _required(TEXT, _identifier(), unique=True),
            "title": _required(TEXT),
            "publisher": _required(TEXT),
            "url": _required(TEXT, _url()),
            "date_published": _optional(TEXT, _partial_date()),
            "date_accessed": _required(TEXT, _partial_date()),
            # What the source says may be done with it, when whoever added it read one (usascp.licences: empty,
            # the licence follows from the source's address and publisher).
            "licence": _optional(TEXT),
        },
        strict=True,
    ),
    "cities": pa.DataFrameSchema(
        {
            "city_id": _required(TEXT, _identifier(), unique=True),
            "city": _required(TEXT),
            "country": _required(TEXT, _one_of(ASEAN_COUNTRIES.values())),
            "iso3": _required(TEXT, _one_of(ASEAN_COUNTRIES)),
            "lat": _required("Float64", pa.Check.in_range(-90, 90, error="a latitude between -90 and 90")),
            "lon": _required("Float64", pa.Check.in_range(-180, 180, error="a longitude between -180 and 180")),
            "coordinates_source_id": _required(TEXT),
            "ascn_cohort": _required(TEXT, _one_of(ASCN_COHORTS)),
            "ascn_joined_year": _required("Int64", pa.Check.in_range(2018, 2100, error="a year from 2018 on")),
            "joined_source_id": _required(TEXT),
            "population": _optional(
                "Int64",
                pa.Check.in_range(
                    1, LARGEST_POPULATION, error=f"a whole number above 0 and at most {LARGEST_POPULATION:,}"
                ),
            ),
            "population_year": _optional("Int64", pa.Check.in_range(1900, 2100, error="a year")),
            "population_area": _optional(TEXT),
            "population_source_id": _optional(TEXT),
            "notes": _optional(TEXT),
        },
        unique=["city", "iso3"],
        strict=True,
    ),
    "projects": pa.DataFrameSchema(
        {
            "project_id": _required(TEXT, _identifier(), unique=True),
            "title": _required(TEXT),
            "parent_project_id": _optional(TEXT),
            "relationship": _required(TEXT, _one_of(RELATIONSHIPS)),
            "lead_agency": _required(TEXT, _one_of(LEAD_AGENCIES)),
            "lead_office": _optional(TEXT),
            "implementing_partners": _optional(TEXT),
            "sector": _required(TEXT, _one_of(SECTORS)),
            "geographic_scope": _required(TEXT, _one_of(GEOGRAPHIC_SCOPES)),
            "status": _required(TEXT, _one_of(STATUSES)),
            "status_as_of": _optional(TEXT, _partial_date()),
            "start_date": _optional(TEXT, _partial_date()),
            "end_date": _optional(TEXT, _partial_date()),
            "summary": _required(TEXT),
            "amount_note": _optional(TEXT),
            # The project's own identifier in the public register it was imported from: an IATI identifier
            # ("US-GOV-1-72048620CA00003") or a ForeignAssistance.gov activity id. Its record is its main source.
            "record_id": _optional(TEXT),
        },
        strict=True,
    ),
    # Every source a project draws on; the first listed for a project is its main one.
    "project_sources": pa.DataFrameSchema(
        {
            "project_id": _required(TEXT),
            "source_id": _required(TEXT),
        },
        unique=["project_id", "source_id"],
        strict=True,
    ),
    "project_cities": pa.DataFrameSchema(
        {
            "project_id": _required(TEXT),
            "city_id": _required(TEXT),
            "role": _required(TEXT, _one_of(CITY_ROLES)),
            "source_id": _required(TEXT),
        },
        unique=["project_id", "city_id"],
        strict=True,
    ),
    "project_countries": pa.DataFrameSchema(
        {
            "project_id": _required(TEXT),
            "iso3": _required(TEXT, _one_of(ASEAN_COUNTRIES)),
            "source_id": _required(TEXT),
        },
        unique=["project_id", "iso3"],
        strict=True,
    ),
    # U.S.-ASEAN city or utility pairings (WiSE, USDOT), drawn as arcs on the map.
    "city_pairs": pa.DataFrameSchema(
        {
            "pair_id": _required(TEXT, _identifier(), unique=True),
            "project_id": _required(TEXT),
            "city_id": _required(TEXT),
            "partner": _required(TEXT),
            "partner_city": _required(TEXT),
            "partner_country": _required(TEXT),
            "partner_lat": _required("Float64", pa.Check.in_range(-90, 90, error="a latitude between -90 and 90")),
            "partner_lon": _required("Float64", pa.Check.in_range(-180, 180, error="a longitude between -180 and 180")),
            "partner_coordinates_source_id": _required(TEXT),
            "status": _required(TEXT, _one_of(PAIR_STATUSES)),
            "source_id": _required(TEXT),
        },
        strict=True,
    ),
    "grants": pa.DataFrameSchema(
        {
            "grant_id": _required(TEXT, unique=True),
            "project_id": _required(TEXT),
            "recipient": _required(TEXT),
            "amount_usd": _required("Float64", pa.Check.in_range(0, LARGEST_AMOUNT, error=AMOUNT_RULE)),
            "award_date": _required(TEXT, _partial_date()),
            "date_basis": _optional(TEXT),
            "funding_office": _optional(TEXT),
            "amount_kind": _required(TEXT, _one_of(AMOUNT_KINDS)),
            "source_id": _required(TEXT),
            "note": _optional(TEXT),
        },
        strict=True,
    ),
    # Money over time: each commitment, obligation, disbursement or expenditure with its date (or only its U.S.
    # fiscal year, as ForeignAssistance.gov often gives it), in its own currency. The grants table says what a
    # project is worth; these rows say when money was promised and when it was paid.
    "transactions": pa.DataFrameSchema(
        {
            "transaction_id": _required(TEXT, unique=True),
            "project_id": _required(TEXT),
            "transaction_type": _required(TEXT, _one_of(TRANSACTION_TYPES)),
            "amount": _required(
                "Float64", pa.Check.in_range(-LARGEST_AMOUNT, LARGEST_AMOUNT, error=SIGNED_AMOUNT_RULE)
            ),
            "currency": _required(
                TEXT, _matches(r"^[A-Z]{3}$", "a three-letter currency code (ISO 4217), such as USD")
            ),
            "transaction_date": _optional(TEXT, _partial_date()),
            "fiscal_year": _optional(
                "Int64", pa.Check.in_range(*FISCAL_YEARS, error=f"a U.S. fiscal year from {FISCAL_YEARS[0]} to {FISCAL_YEARS[1]}")
            ),
            "recipient": _optional(TEXT),
            "source_id": _required(TEXT),
            "note": _optional(TEXT),
        },
        strict=True,
    ),
    "metrics": pa.DataFrameSchema(
        {
            "metric_id": _required(TEXT, unique=True),
            "scope": _required(TEXT, _one_of(METRIC_SCOPES)),
            "project_id": _optional(TEXT),
            "city_id": _optional(TEXT),
            "metric": _required(TEXT, _identifier()),
            "value": _required("Float64", pa.Check.in_range(0, LARGEST_AMOUNT, error=METRIC_VALUE_RULE)),
            "unit": _required(TEXT),
            "value_type": _required(TEXT, _one_of(VALUE_TYPES)),
            "is_lower_bound": _required("boolean"),
            "is_approximate": _required("boolean"),
            "as_of": _optional(TEXT, _partial_date()),
            "duplicate_of": _optional(TEXT),
            "source_id": _required(TEXT),
            "note": _optional(TEXT),
        },
        strict=True,
    ),
    "events": pa.DataFrameSchema(
        {
            "event_id": _required(TEXT, _identifier(), unique=True),
            "name": _required(TEXT),
            "event_type": _required(TEXT, _one_of(EVENT_TYPES)),
            "city": _required(TEXT),
            "city_id": _optional(TEXT),
            "country": _required(TEXT),
            "iso3": _required(TEXT, _matches(r"^[A-Z]{3}$", "a three-letter ISO country code")),
            "lat": _required("Float64", pa.Check.in_range(-90, 90, error="a latitude between -90 and 90")),
            "lon": _required("Float64", pa.Check.in_range(-180, 180, error="a longitude between -180 and 180")),
            "coordinates_source_id": _required(TEXT),
            "location_precision": _required(TEXT, _one_of(LOCATION_PRECISIONS)),
            "start_date": _optional(TEXT, _partial_date()),
            "end_date": _optional(TEXT, _partial_date()),
            "project_id": _optional(TEXT),
            "on_usascp_calendar": _required("boolean"),
            "source_id": _required(TEXT),
            "summary": _optional(TEXT),
        },
        strict=True,
    ),
}

DATED_TABLES = ("projects", "events")

# The columns that hold partial dates, per table: an upload's "15/03/2021" is read into them where it
# can mean only one day (load.validate_table).
DATE_COLUMNS = {
    table: [name for name, column in schema.columns.items() if any(check.error == PARTIAL_DATE_RULE for check in column.checks)]
    for table, schema in SCHEMAS.items()
}

# Load order matters only for messages: sources first, since every other table points at it.
TABLE_FILES = {name: f"{name}.csv" for name in SCHEMAS}
# Tables added after datasets were first saved: a folder (a saved version, a kept upload) or an upload
# without one reads it as empty, so a complete dataset of an earlier release is still complete.
OPTIONAL_TABLES = ("transactions",)
REQUIRED_TABLES = tuple(table for table in TABLE_FILES if table not in OPTIONAL_TABLES)

# What one row of each table is, for people: "3 projects, 1 source", never "1 sources rows".
TABLE_ROWS = {
    "sources": ("source", "sources"),
    "cities": ("member city", "member cities"),
    "projects": ("project", "projects"),
    "project_sources": ("project–source link", "project–source links"),
    "project_cities": ("project–city link", "project–city links"),
    "project_countries": ("project–country link", "project–country links"),
    "city_pairs": ("city pairing", "city pairings"),
    "grants": ("grant", "grants"),
    "transactions": ("transaction", "transactions"),
    "metrics": ("figure", "figures"),
    "events": ("event", "events"),
}


def identifier_columns(table: str) -> list[str]:
    """The column, or combination of columns, that tells one row of `table` from another: its unique id column
    (project_id), else the combination the schema keeps unique (project_id and city_id); [] when there is none."""
    schema = SCHEMAS[table]
    key = next((name for name, column in schema.columns.items() if column.unique), None)
    return [key] if key else list(schema.unique or [])


def rows_in_words(counts: dict[str, int]) -> str:
    """ "3 projects, 2 project–city links and 1 source": the tables' rows as things, empty tables left out."""
    from usascp.formatting import plural

    parts = [plural(count, *TABLE_ROWS[table]) for table, count in counts.items() if count]
    if not parts:
        return "no rows"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


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
    ForeignKey("transactions", "project_id", "projects", "project_id"),
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
    # A note is not a problem: it records how a value was read ("$1,250,000" as 1250000), for the preview.
    is_note: bool = False

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        if self.is_note:
            return f"{where}: read {self.value!r} as {self.expected}" if self.value is not None else f"{where}: {self.expected}"
        if self.value is not None:
            return f"{where}: {self.value!r} is not {self.expected}"
        return f"{where}: {self.expected}"


class ProblemList(list):
    """Problems as they are found, keeping the first `limit` and counting the rest.

    A file with a million bad cells would otherwise cost a million report lines (a 195 MB CSV made a
    3,030,000-line report). A person fixes the first thousand and checks again; the count says how far
    they are from done. Adding one ProblemList to another carries its count along.
    """

    def __init__(self, problems=(), limit: int | None = None):
        super().__init__()
        if limit is None:
            from usascp.budgets import default_budget

            limit = default_budget().problems
        self.limit = limit
        self.unlisted = 0
        self.extend(problems)

    def append(self, problem: Problem) -> None:
        if len(self) < self.limit:
            super().append(problem)
        else:
            self.unlisted += 1

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)
        self.unlisted += getattr(problems, "unlisted", 0)

    def __iadd__(self, problems):
        self.extend(problems)
        return self

    @property
    def total(self) -> int:
        return len(self) + self.unlisted

    def __reduce__(self):
        # pickle (a check run in a worker process) would otherwise append items before `limit` exists
        return _problem_list, (list(self), self.limit, self.unlisted)

    def more_line(self, what: str = "problems") -> str | None:
        """ "… and 52,310 more problems, not listed: fix these and check again", or None when all are listed."""
        if not self.unlisted:
            return None
        return f"… and {self.unlisted:,} more {what}, not listed: fix these and check again"


def _problem_list(problems: list[Problem], limit: int, unlisted: int) -> ProblemList:
    rebuilt = ProblemList(problems, limit)
    rebuilt.unlisted = unlisted
    return rebuilt


def file_rows(table: str, index) -> tuple[str, int] | None:
    """Where a row of a table read from its CSV file sits: the file name and the spreadsheet row.

    Checks that span tables call a function of this shape to name a row's origin; one that returns
    None for a row means "not the reader's to fix" (say, a shipped row beside an upload).
    """
    return TABLE_FILES[table], spreadsheet_row(index)


def spreadsheet_row(index: int) -> int:
    """Row number a person sees for a 0-based data row: the header is row 1."""
    return int(index) + 2


# What a reference must name, in words: people fill in sheets, and may never have seen a cities.csv.
REFERENCE_WORDS = {
    "cities": "the name or city_id of a member city",
    "projects": "the project_id of a project in the projects table",
    "sources": "the source_id or web address of a source in the sources table",
    "metrics": "the metric_id of another figure in the metrics table",
}


def foreign_key_problems(tables: dict[str, pd.DataFrame], locate=file_rows, left_out=frozenset()) -> ProblemList:
    """Every reference that names no row of its table, with the likely intended one when one is close.

    `left_out` names tables an upload did not bring and replaces (so they are empty): a reference into one
    says how to supply it instead of suggesting anything.
    """
    from usascp.references import lookup_for

    problems = ProblemList()
    lookups = {}
    identifiers = {}  # (table, column) -> its distinct values: eight references name a project
    for key in FOREIGN_KEYS:
        if key.table not in tables or key.target_table not in tables:
            continue
        frame, target = tables[key.table], tables[key.target_table]
        if key.column not in frame or key.target_column not in target:
            continue
        column = frame[key.column]
        named = column.notna()
        if not named.any():
            continue  # an empty column names nothing (duplicate_of, nearly always): no set of 500,000 metric ids to build
        if (key.target_table, key.target_column) not in identifiers:
            identifiers[key.target_table, key.target_column] = target[key.target_column].dropna().unique()
        dangling = named & ~column.isin(identifiers[key.target_table, key.target_column])
        for index, value in column[dangling].items():
            if where := locate(key.table, index):
                expected = REFERENCE_WORDS[key.target_table]
                if key.target_table in left_out:
                    expected += f" (the upload has no {key.target_table} table: add one, or load it beside the shipped data)"
                elif len(problems) < problems.limit:  # a suggestion only for a problem that will be listed
                    if key.target_table not in lookups:
                        lookups[key.target_table] = lookup_for(key.target_table, target)
                    if suggestion := lookups[key.target_table].suggestion(value):
                        expected += f"; {suggestion}"
                problems.append(Problem(*where, key.column, str(value), expected))
    return problems


# A person who read a source may be a day ahead of the server's clock (in Manila while it runs in Washington).
CLOCK_GRACE = dt.timedelta(days=1)
# How far ahead of its reading a page may date itself: an issue dated next month, a report dated at year end.
PUBLISHED_AHEAD = dt.timedelta(days=366)


def future_date_problems(frame: pd.DataFrame, table: str, file_name: str, today: dt.date, skip=frozenset()) -> list[Problem]:
    """Sources read after `today`, or published long after they were read; (column, index) pairs in `skip` were refused already.

    The dataset is "as of" its latest date accessed (load.Dataset.data_as_of): one in the future would date
    the whole dashboard to a day that has not come. The date published is never used for that; it is only
    refused when it lies more than PUBLISHED_AHEAD past the row's own reading, which is a typing slip.
    """
    if table != "sources" or not {"date_accessed", "date_published"} <= set(frame):
        return []
    problems = []
    latest_allowed = today + CLOCK_GRACE
    for index, accessed, published in zip(frame.index, frame["date_accessed"], frame["date_published"]):
        row = spreadsheet_row(index)
        accessed_read = is_partial_date(accessed) and ("date_accessed", index) not in skip
        if accessed_read and earliest_day(accessed) > latest_allowed:
            problems.append(
                Problem(
                    file_name,
                    row,
                    "date_accessed",
                    accessed,
                    f"a date on or before today ({format_partial_date(today.isoformat())}): "
                    "a source cannot have been read in the future",
                )
            )
        elif (
            accessed_read
            and is_partial_date(published)
            and ("date_published", index) not in skip
            and earliest_day(published) > latest_day(accessed) + PUBLISHED_AHEAD
        ):
            problems.append(
                Problem(
                    file_name,
                    row,
                    "date_published",
                    published,
                    f"a publication date at most a year after the date accessed ({accessed}); "
                    "a later one is likely a typing slip",
                )
            )
    return problems


def consistency_problems(tables: dict[str, pd.DataFrame], locate=file_rows) -> ProblemList:
    """Rules that span rows or tables and that no single column check can express."""
    problems = ProblemList()

    def add(table, index, column, message, value=None):
        if where := locate(table, index):
            problems.append(Problem(*where, column, value, message))

    for table in DATED_TABLES:
        frame = tables.get(table)
        if frame is None or not {"start_date", "end_date"} <= set(frame):
            continue
        # Days as ordinals, worked out once per distinct date (NaN where a cell is no partial date, which never compares).
        first = _days(frame["start_date"], earliest_day)
        last = _days(frame["end_date"], latest_day)
        ends_first = last < first
        for index, start, end in zip(frame.index[ends_first], frame["start_date"][ends_first], frame["end_date"][ends_first]):
            add(table, index, "end_date", f"on or after the start date ({start})", end)

    # The rules below are whole-column operations (no per-row Python), so a 500,000-row table stays quick.
    cities = tables.get("cities")
    if cities is not None and {"population", "population_year", "population_source_id"} <= set(cities):
        with_population = cities[cities["population"].notna()]
        missing = {column: with_population[column].isna() for column in ("population_year", "population_source_id")}
        for index in with_population.index:
            for column in ("population_year", "population_source_id"):
                if missing[column].loc[index]:
                    add("cities", index, column, "required when a population is given")
    if cities is not None and {"country", "iso3"} <= set(cities):
        expected = cities["iso3"].map(ASEAN_COUNTRIES)
        # Empty or unknown codes and names are reported by the column checks; only a known pair can disagree.
        disagree = expected.notna() & cities["country"].notna() & (expected != cities["country"])
        for index in cities.index[disagree]:
            iso3 = cities.at[index, "iso3"]
            add(
                "cities",
                index,
                "country",
                f"the country of ISO code {iso3} ({ASEAN_COUNTRIES[iso3]})",
                cities.at[index, "country"],
            )

    projects = tables.get("projects")
    if projects is not None and {"project_id", "parent_project_id"} <= set(projects):
        parent = projects["parent_project_id"]
        parent_of = pd.Series(projects["parent_project_id"].to_numpy(), index=projects["project_id"].to_numpy())
        parent_of = parent_of[~parent_of.index.duplicated()]
        grandparent = parent.map(parent_of)
        nested = parent.notna() & ((parent == projects["project_id"]) | grandparent.notna())
        for index in projects.index[nested]:
            add("projects", index, "parent_project_id", "a top-level project (components are one level deep)", parent.loc[index])
    project_sources = tables.get("project_sources")
    if projects is not None and project_sources is not None and "project_id" in project_sources:
        unsourced = ~projects["project_id"].isin(project_sources["project_id"].unique())
        for index in projects.index[unsourced]:
            add(
                "projects",
                index,
                "project_id",
                "a project with at least one source (a row in the project_sources table, or the project's sources column)",
                projects.at[index, "project_id"],
            )
    if projects is not None and "geographic_scope" in projects:
        links = tables.get("project_cities")
        site_projects = set(links.loc[links["role"] == "site", "project_id"]) if links is not None else set()
        countries = tables.get("project_countries")
        country_projects = set(countries["project_id"]) if countries is not None else set()
        scope = projects["geographic_scope"]
        no_site = (scope == "city") & ~projects["project_id"].isin(site_projects)
        no_country = (scope == "country") & ~projects["project_id"].isin(country_projects)
        for index in projects.index[no_site | no_country]:
            if no_site.loc[index]:
                add(
                    "projects",
                    index,
                    "geographic_scope",
                    "a scope that fits the project: 'city' needs a member city where it works "
                    "(a site row in the project_cities table, or the project's cities column)",
                    "city",
                )
            else:
                add(
                    "projects",
                    index,
                    "geographic_scope",
                    "a scope that fits the project: 'country' needs the countries where it works "
                    "(rows in the project_countries table, or the project's countries column)",
                    "country",
                )

    transactions = tables.get("transactions")
    if transactions is not None and {"transaction_date", "fiscal_year"} <= set(transactions):
        undated = transactions["transaction_date"].isna() & transactions["fiscal_year"].isna()
        for index in transactions.index[undated]:
            add("transactions", index, "transaction_date", "a date, or a fiscal_year when only the fiscal year is known")

    metrics = tables.get("metrics")
    if metrics is not None and {"scope", "project_id", "duplicate_of", "metric", "metric_id"} <= set(metrics):
        is_project_scope = metrics["scope"] == "project"
        needs_project = is_project_scope & metrics["project_id"].isna()
        needs_none = ~is_project_scope & metrics["project_id"].notna()
        bad_twin = pd.Series(_bad_twins(metrics), index=metrics.index)
        for index in metrics.index[needs_project | needs_none | bad_twin]:
            if needs_project.loc[index]:
                add("metrics", index, "project_id", "required when scope is 'project'")
            if needs_none.loc[index]:
                add(
                    "metrics",
                    index,
                    "project_id",
                    f"empty when scope is '{metrics.at[index, 'scope']}'",
                    metrics.at[index, "project_id"],
                )
            if bad_twin.loc[index]:
                add(
                    "metrics",
                    index,
                    "duplicate_of",
                    "a figure for the same metric and project that is not itself a duplicate",
                    metrics.at[index, "duplicate_of"],
                )
    return problems


def _days(dates: pd.Series, day) -> np.ndarray:
    """`day(date).toordinal()` of each cell that is a partial date, NaN for the others; `day` is called once per distinct date."""
    ordinals = {date: day(date).toordinal() for date in dates.dropna().unique() if is_partial_date(date)}
    return dates.map(ordinals).to_numpy(dtype=float, na_value=np.nan)


def _bad_twins(metrics: pd.DataFrame) -> np.ndarray:
    """Which metric rows name, as duplicate_of, a figure for another metric or project, or one that is itself a duplicate.

    Only the rows that name a twin are looked at (none, in most datasets): matching every row of a 500,000-row
    table against the originals took a third of a second for no finding.
    """
    bad = np.zeros(len(metrics), dtype=bool)
    twin = metrics["duplicate_of"]
    if not twin.notna().any():
        return bad
    originals = metrics[["metric_id", "metric", "project_id", "duplicate_of"]].drop_duplicates("metric_id").set_index("metric_id")
    named = np.flatnonzero((twin.notna() & twin.isin(originals.index)).to_numpy())
    rows = metrics.iloc[named]
    twin = rows["duplicate_of"]
    original_project = twin.map(originals["project_id"])
    same_project = (original_project == rows["project_id"]) | (original_project.isna() & rows["project_id"].isna())
    same_figure = (twin.map(originals["metric"]) == rows["metric"]) & same_project
    bad[named] = (~same_figure | twin.map(originals["duplicate_of"]).notna()).to_numpy()
    return bad


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """The problems as rows (file or sheet, row, column, value, what was expected), for a report or its CSV.

    When some were not listed (a ProblemList over its limit), a last row says how many.
    """
    more = problems.more_line("problems" if not (problems and problems[0].is_note) else "values") if isinstance(
        problems, ProblemList
    ) else None
    if more:
        problems = list(problems) + [Problem("", None, None, None, more, bool(problems and problems[0].is_note))]
    return pd.DataFrame(
        [
            {
                "file or sheet": problem.file,
                "row": problem.row,
                "column": problem.column or "",
                "value": "" if problem.value is None else problem.value,
                "expected" if not problem.is_note else "read as": problem.expected,
            }
            for problem in problems
        ],
        columns=["file or sheet", "row", "column", "value", "read as" if problems and problems[0].is_note else "expected"],
    ).astype({"row": "Int64"})
