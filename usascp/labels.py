"""Columns named for people: the one place that says what each column of our tables is called, and how it reads.

Every table a page shows and every file it hands out goes through here, so a person reads "lead agency",
never `lead_agency`, and "not disclosed", never a grey "None". A page shows `shown(frame, columns)`:
amounts, dates and counts with a gap written as text ("$98,750", "not disclosed", "Oct 2020"). Streamlit
draws any missing cell as a grey "None", whatever a pandas Styler says it should read (checked in
Chromium, Streamlit 1.67), so words are the cells themselves; a table that must sort by amount offers
a sort of its own (the Projects page's Sort by). A download is `for_download(frame, columns)`: the same rows, numbers left as numbers for a spreadsheet
to add up (an unknown amount is an empty cell, never 0), partial dates as written (2020-10), headers
in words with their unit ("amount (USD)"), and ids kept where officers match rows against their own.

A column missing from COLUMNS is an error, not a silent snake_case header: add it here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from usascp.dates import format_partial_date
from usascp.formatting import NOT_DISCLOSED, NOT_FINITE_AMOUNT, format_count

# How a missing value of each kind reads.
NOT_PUBLISHED = "not published"


@dataclass(frozen=True)
class Column:
    """What a column is called and how its values read; `width` is a browser hint (pixels, or small/medium/large)."""

    header: str
    kind: str = "text"  # text, usd, amount (any currency), count, date, link, flag
    unit: str = ""  # added to the header in downloads: "amount (USD)"
    help: str = ""
    width: int | str | None = None
    link_text: str | None = None  # a link column's words in place of its address on a page ("read the terms")

    @property
    def download_header(self) -> str:
        return f"{self.header} ({self.unit})" if self.unit else self.header


AMOUNT_HELP = "The exact amount public sources state; 'not disclosed' when none is published (unknown, not zero)."

COLUMNS: dict[str, Column] = {
    # Projects
    "project_id": Column("project id", help="The dashboard's id of the project, as in a link to it (?project=…)."),
    "title": Column("project", width="large"),
    "project": Column("project", width="large"),
    "program": Column("part of", help="The program this project is a component of."),
    "lead_agency": Column("lead agency", width=110),
    "lead_office": Column("lead office"),
    "implementing_partners": Column("partners", width="medium"),
    "sector": Column("sector", width=150),
    "cities": Column("cities"),
    "countries": Column("countries"),
    "scope": Column("where it works"),
    "status": Column("status", width=95),
    "status_as_of": Column("status as of", kind="date"),
    "start_date": Column("start", kind="date", width=90),
    "end_date": Column("end", kind="date", width=90),
    "relationship": Column("relationship to USASCP"),
    "summary": Column("summary", width="large"),
    "role": Column("role here", help="Site: the project works in the city. Venue: it held courses or meetings there."),
    "shared_with": Column("also in", width=190, help="Other cities the project works in: its money is not split between them."),
    "precision": Column("located to"),
    "where": Column("where", width="medium"),
    "record_id": Column(
        "public record id", help="Its identifier in the public register it was imported from: IATI identifier or ForeignAssistance.gov activity id."
    ),
    "record_url": Column("public record", kind="link", unit="address", help="Where its public record can be read: d-portal or ForeignAssistance.gov."),
    # Money
    "amount_usd": Column("amount", kind="usd", unit="USD", help=AMOUNT_HELP, width=115),
    "disclosed_usd": Column("disclosed funding", kind="usd", unit="USD", help=AMOUNT_HELP, width=135),
    "shared_usd": Column(
        "in shared projects",
        kind="usd",
        unit="USD",
        help="Disclosed funding of projects that also work in other places, not split between them.",
        width=135,
    ),
    "recipient": Column("recipient"),
    "award_date": Column("awarded", kind="date", width=90),
    "amount_kind": Column("kind of amount"),
    "grants": Column("published amounts", kind="count"),
    "projects_disclosing": Column("projects with an amount", kind="count"),
    "projects_not_disclosed": Column("projects without an amount", kind="count"),
    "year": Column("year", width=145),  # "Year not published" whole at 1280
    "committed_usd": Column(
        "committed",
        kind="usd",
        unit="USD",
        help="Commitments and obligations (net of de-obligations), or the amounts awarded where a project publishes none.",
        width=125,
    ),
    "disbursed_usd": Column("disbursed", kind="usd", unit="USD", help="Money paid out: disbursements and expenditures.", width=125),
    "projects_committing": Column("projects committing", kind="count"),
    "projects_disbursing": Column("projects disbursing", kind="count"),
    "projects_silent": Column(
        "projects publishing no money", kind="count", help="Projects that publish no amount at all, by the year they start."
    ),
    "transaction_id": Column("transaction id"),
    "transaction_type": Column("kind of transaction", help="Commitment or obligation: promised. Disbursement or expenditure: paid."),
    "amount": Column("amount", kind="amount", unit="in its currency", help="Negative for a de-obligation or a reversal.", width=110),
    "currency": Column("currency", width="small"),
    "transaction_date": Column("date", kind="date", width=90),
    "fiscal_year": Column("fiscal year", help="The U.S. fiscal year: FY2024 runs from 1 October 2023 to 30 September 2024."),
    "agency": Column("lead agency"),
    # Places
    "city_id": Column("city id"),
    "city": Column("city"),
    "country": Column("country"),
    "place": Column("place"),
    "iso3": Column("country code"),
    "ascn_cohort": Column("member since"),
    "ascn_joined_year": Column("joined", width="small"),
    "population": Column("population", kind="count"),
    "projects": Column("projects", kind="count", width="small"),
    # Figures
    "metric_id": Column("figure id"),
    "metric": Column("measure id"),
    "label": Column("measure"),
    "value": Column("value", kind="count"),
    "figure": Column("figure"),
    "figures": Column("figures added", kind="count"),
    "unit": Column("unit"),
    "value_type": Column("type", help="Result: achieved. Target: planned. Context: about the setting, never added to results."),
    "is_lower_bound": Column("at least", kind="flag", help="The source says 'more than'."),
    "is_approximate": Column("about", kind="flag", help="The source says 'nearly' or 'about'."),
    "as_of": Column("as of", kind="date", width=90),
    "counted": Column("in totals", kind="flag", help="Results only, each counted once."),
    "duplicate_of": Column("same figure as"),
    # Events
    "event_id": Column("event id"),
    "name": Column("event", width="large"),
    "event_type": Column("kind of event"),
    "dates": Column("dates", width=180),
    "location_precision": Column("placed at"),
    "when": Column("past or upcoming"),
    "period": Column("month or year"),  # aggregate.events_by_period: when events are counted, not drawn one by one
    "events": Column("events", kind="count"),
    "on_usascp_calendar": Column("on USASCP calendar", kind="flag"),
    # Sources
    "source_id": Column("source id"),
    "source": Column("source title"),
    "source_url": Column("source", kind="link", unit="address"),
    "url": Column("source", kind="link", unit="address"),
    "publisher": Column("publisher"),
    "note": Column("note", width="medium"),
    "date_published": Column("published", kind="date"),
    "date_accessed": Column("read", kind="date"),
    "file": Column("file"),
    "rows": Column("rows", kind="count"),
    # What a source lets us do with it (usascp.licences)
    "kind": Column("kind of source", width=160),
    "iati_publisher": Column("IATI publisher", width=258, help="For an IATI record: the publisher whose licence it is."),
    "licence": Column("licence", width=245, help="What the source lets anyone do with it: see Licences above."),
    "licence_url": Column("terms", kind="link", unit="address", width=85, link_text="read them"),
    "sources": Column("sources", kind="count", width=65),
    # The change log of saved versions (usascp.changelog)
    "version": Column("version", help="The saved version's folder name: its UTC time and the fingerprint of its files."),
    "saved_at": Column("saved", width=165),
    "is_current": Column("shown now", kind="flag", width="small"),
    "editor": Column("saved by", width="small"),
    "files": Column("files uploaded", width="medium"),
    "changes": Column("changes", width="large", help="Rows added, removed or changed (matched by identifier) from the data shown before the save."),
    "row_counts": Column("rows", width="large", help="The rows of every table in this version."),
}


def column(name: str) -> Column:
    """The Column for `name`; a measure added by city_measures (records_digitized, …) reads as a count."""
    try:
        return COLUMNS[name]
    except KeyError:
        raise KeyError(f"no header for column {name!r}: name it in usascp/labels.py") from None


def _headers(columns: Sequence[str], extra: dict[str, Column]) -> dict[str, Column]:
    return {name: extra.get(name) or column(name) for name in columns}


def _in_words(values: pd.Series, kind: str) -> pd.Series:
    """A column as a page shows it. Counts with no gap stay numbers (they sort, and read with separators)."""
    if kind == "usd":
        return _each_distinct(values, format_usd_exact, NOT_DISCLOSED)
    if kind == "amount":  # in its own currency (the next column names it): separators and sign, cents only when there are some
        return _each_distinct(values, format_amount, NOT_PUBLISHED)
    if kind == "date":
        return _each_distinct(values, lambda date: format_partial_date(date, missing=NOT_PUBLISHED) if isinstance(date, str) else NOT_PUBLISHED, NOT_PUBLISHED)
    missing = values.isna()
    if kind == "count" and missing.any():
        return _each_distinct(values, format_count, NOT_PUBLISHED)
    if kind in ("text", "link") and missing.any():
        # One type per column, or Arrow refuses it: the gaps read as nothing, the rest as written (cell by cell:
        # a text column may hold 1 and 1.0, which would be one distinct value).
        cells, gaps = values.to_numpy(dtype=object), missing.to_numpy()
        if set(map(type, cells[~gaps])) <= {str}:  # text already (the usual case): only the gaps change
            worded = cells.copy()
            worded[gaps] = ""
            return pd.Series(worded, index=values.index, dtype=object)
        return pd.Series(["" if gap else str(value) for value, gap in zip(cells, gaps)], index=values.index, dtype=object)
    return values


def _each_distinct(values: pd.Series, word, missing: str) -> pd.Series:
    """word(value) for each value, `missing` for a gap; each distinct value worded once (tables repeat their dates
    and amounts: 2,000 rows took 14 ms cell by cell)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    words = np.array([word(value) for value in distinct] + [missing], dtype=object)  # a gap's code, -1, is the last
    return pd.Series(words[codes], index=values.index)


def format_amount(amount) -> str:
    """An amount in any currency as a table shows it: "100,000", "-20,000", "1,234.50"."""
    amount = float(amount)
    if not math.isfinite(amount):
        return NOT_FINITE_AMOUNT
    return f"{amount:,.0f}" if amount == round(amount) else f"{amount:,.2f}"


def format_usd_exact(amount) -> str:
    """Whole dollars, every digit: a table is where an officer checks a figure ("$4,398,750", not "$4.4M")."""
    amount = float(amount)
    return f"${amount:,.0f}" if math.isfinite(amount) else NOT_FINITE_AMOUNT


def headers(columns: Sequence[str], extra: dict[str, Column] | None = None) -> dict[str, Column]:
    """Header -> Column, for the page's column settings (widths, help, links)."""
    return {col.header: col for col in _headers(columns, extra or {}).values()}


def shown(frame: pd.DataFrame, columns: Sequence[str], extra: dict[str, Column] | None = None) -> pd.DataFrame:
    """`frame`'s `columns` as a page shows them: headers in words, amounts "$98,750" or "not disclosed",
    dates "Oct 2020" or "not published", never "None".

    `extra` names columns a table makes for itself (a measure chosen on the map).
    """
    return pd.DataFrame(_shown_columns(frame, columns, extra), index=frame.index).reset_index(drop=True)


def _shown_columns(frame: pd.DataFrame, columns: Sequence[str], extra: dict[str, Column] | None) -> dict[str, pd.Series]:
    named = _headers(columns, extra or {})
    words = {col.header: _in_words(frame[name], col.kind) for name, col in named.items()}
    if len(words) < len(named):
        raise ValueError(f"two columns would read the same: {[col.header for col in named.values()]}")
    return words


def shown_arrow(frame: pd.DataFrame, columns: Sequence[str], extra: dict[str, Column] | None = None):
    """shown() as the Arrow table a page sends (st.dataframe takes one as it is), made column by column.

    Converting shown()'s frame took as long as wording it: a frame put together, then pyarrow's pandas conversion,
    which also starts a pool of threads for a table of more than 100 rows per column, on every rerun, on a server
    whose cores already serve other viewers. Each column is converted as that conversion converts it (the same
    Arrow types and values); the table leaves out pandas' description of its index, which a table shown without
    its index does not need. A column Arrow refuses is handed back in a frame, for Streamlit's own fixes.
    """
    import pyarrow as pa

    words = _shown_columns(frame, columns, extra)
    try:
        return pa.table({header: _each_value_once(pa.array(values, from_pandas=True)) for header, values in words.items()})
    except (pa.ArrowException, OverflowError, ValueError, TypeError):
        return pd.DataFrame(words, index=frame.index).reset_index(drop=True)


def _each_value_once(column):
    """A text column that repeats its values (a project's title on each of its grants, a source's address on
    hundreds of rows) as Arrow's dictionary of its distinct values and a number per row: the page sends each text
    once. The 2,000 funding rows for a country at 10,000x went from 620 KB to a third of that on every rerun.
    The browser shows and sorts the cells as before (checked in Chromium: test_browser_tables_…)."""
    import pyarrow as pa

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)) or len(column) < 16:
        return column
    coded = column.dictionary_encode()
    return coded if len(coded.dictionary) * 2 <= len(column) else column


def for_download(frame: pd.DataFrame, columns: Sequence[str], extra: dict[str, Column] | None = None) -> pd.DataFrame:
    """`frame`'s `columns` for a CSV or Excel file: every row, values as they are, headers in words with units."""
    named = _headers(columns, extra or {})
    table = frame[list(columns)].rename(columns={name: col.download_header for name, col in named.items()})
    if table.columns.duplicated().any():
        raise ValueError(f"two columns would read the same: {list(table.columns)}")
    return table
