"""A project row that names its cities, countries and sources itself: the link rows are made for the person.

Adding a project touches four tables: the project, the sources it draws on (project_sources), the member
cities where it works (project_cities), the countries (project_countries). The three link tables hold
nothing but pairs of identifiers and the source that names the link, so a projects sheet may carry three
optional columns instead, and the link rows they stand for are made here, each project row getting a note:

    cities     member cities where the project works: city_ids or names, separated by ";"
    countries  ASEAN countries where it works: ISO codes or names, separated by ";"
    sources    the sources it draws on, the main one first: source_ids or web addresses, separated by ";"

A city or country row cites the project's main source, its first in project_sources: rows given in that
table come first (the upload's, then the shipped data's), then those made from the sources column. Links
the upload also gives as rows are not made twice.

What is not made: a sources row. A source carries what only the person who read it knows (the page's
title, its publisher, the day it was read, which dates the whole dashboard), so an address in `sources`
must be one the sources table lists (the upload's or the shipped data's); any other is reported with
what to add. Nor a grant: its recipient, amount and date are facts to be cited, not links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from usascp.formatting import plural
from usascp.references import Lookup, country_code, country_suggestion
from usascp.schema import ASEAN_COUNTRIES, REFERENCE_WORDS, Problem, ProblemList, spreadsheet_row

# Column -> what goes in it, for the template (data/README.md says what each means).
SHORTCUT_COLUMNS = {
    "cities": "names or city_ids of member cities, separated by ; (a site row in project_cities is made for each, "
    "citing the project's main source)",
    "countries": "names or ISO codes of ASEAN members, separated by ; (a project_countries row is made for each, "
    "citing the project's main source)",
    "sources": "web addresses or source_ids of sources in the sources sheet or the shipped data, main one first, "
    "separated by ; (a project_sources row is made for each)",
}
_SEPARATOR = re.compile(r"\s*[;\n]\s*")
# What makes a link the same link (the link tables' unique columns in schema.py).
_LINK_KEYS = {
    "project_sources": ["project_id", "source_id"],
    "project_cities": ["project_id", "city_id"],
    "project_countries": ["project_id", "iso3"],
}


def split_shortcuts(projects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The projects table without the shortcut columns, and those columns (None when it has none, or all empty)."""
    present = [name for name in SHORTCUT_COLUMNS if name in projects.columns]
    if not present:
        return projects, None
    shortcuts = projects[present]
    return projects.drop(columns=present), (shortcuts if shortcuts.notna().any().any() else None)


@dataclass
class Links:
    """The link rows made from a projects sheet's shortcut columns, and where each came from."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    origins: dict[str, list[int]] = field(default_factory=dict)  # per table: the projects sheet row of each made row
    problems: ProblemList = field(default_factory=ProblemList)
    notes: ProblemList = field(default_factory=ProblemList)


def link_rows(
    shortcuts: pd.DataFrame,
    projects: pd.DataFrame,
    label: str,
    cities: Lookup,
    sources: Lookup,
    given_links: dict[str, pd.DataFrame],
) -> Links:
    """The project_sources, project_cities and project_countries rows the shortcut columns stand for.

    `projects` is the validated projects table the columns came from (same index), `label` its sheet's name;
    `cities` and `sources` look up what the rows may name; `given_links` holds the link tables as given
    (the upload's rows first, then the shipped data's), so nothing given is made again.
    """
    made = Links()
    rows: dict[str, list[dict]] = {"project_sources": [], "project_cities": [], "project_countries": []}
    origins: dict[str, list[int]] = {table: [] for table in rows}
    given = {
        table: set(map(tuple, frame[_LINK_KEYS[table]].astype(str).to_numpy())) if frame is not None else set()
        for table, frame in given_links.items()
    }
    given.update({table: set() for table in _LINK_KEYS if table not in given})
    given_sources = given_links.get("project_sources")
    first_given_source = (
        given_sources.drop_duplicates("project_id").set_index("project_id")["source_id"].to_dict()
        if given_sources is not None and len(given_sources)
        else {}
    )
    for index in shortcuts.index:
        project_id = projects.at[index, "project_id"]
        if pd.isna(project_id):
            continue  # the row's missing project_id is reported by the projects table's own check
        row = spreadsheet_row(index)

        def problem(column: str, value: str | None, expected: str, row: int = row) -> None:
            made.problems.append(Problem(label, row, column, value, expected))

        text, parts = _cell(shortcuts, index, "sources")
        source_ids = []
        for part in parts:
            found = part if part in sources.ids else sources.read(part)
            if found is None:
                problem("sources", part, _source_words(part, sources))
            elif found not in source_ids:
                source_ids.append(found)
        for source_id in source_ids:
            if (project_id, source_id) not in given["project_sources"]:
                rows["project_sources"].append({"project_id": project_id, "source_id": source_id})
                origins["project_sources"].append(row)
        # Noted after the cities and countries: the notes follow the sheet's columns.
        source_note = (
            Problem(label, row, "sources", text, _made_words(source_ids, sources, "source", "project_sources"), True)
            if source_ids
            else None
        )
        # The main source is the project's first in project_sources: rows given in that table come before those made here.
        main_source = first_given_source.get(project_id) or (source_ids[0] if source_ids else None)

        for column, table in (("cities", "project_cities"), ("countries", "project_countries")):
            text, parts = _cell(shortcuts, index, column)
            identifiers = []
            for part in parts:
                if column == "cities":
                    found = part if part in cities.ids else cities.read(part)
                    if found is None:
                        suggestion = cities.suggestion(part)
                        problem(column, part, REFERENCE_WORDS["cities"] + (f"; {suggestion}" if suggestion else ""))
                else:
                    found = country_code(part)
                    if found is None:
                        suggestion = country_suggestion(part)
                        problem(
                            column,
                            part,
                            "an ASEAN member country, by its name or ISO code" + (f"; {suggestion}" if suggestion else ""),
                        )
                if found is not None and found not in identifiers:
                    identifiers.append(found)
            if identifiers and main_source is None:
                problem(
                    column,
                    None,
                    f"the project needs a source for its {column} to cite: give it one in its sources column "
                    "(a web address or source_id) or in the project_sources table",
                )
                continue
            for identifier in identifiers:
                if (project_id, identifier) in given[table]:
                    continue
                link = (
                    {"project_id": project_id, "city_id": identifier, "role": "site"}
                    if column == "cities"
                    else {
                        "project_id": project_id,
                        "iso3": identifier,
                    }
                )
                rows[table].append({**link, "source_id": main_source})
                origins[table].append(row)
            if identifiers:
                made.notes.append(
                    Problem(
                        label,
                        row,
                        column,
                        text,
                        _place_words(identifiers, cities if column == "cities" else None, table, main_source),
                        True,
                    )
                )
        if source_note is not None:
            made.notes.append(source_note)
    for table, made_rows in rows.items():
        if made_rows:
            made.tables[table] = pd.DataFrame(made_rows, dtype=object)
            made.origins[table] = origins[table]
    return made


def _cell(shortcuts: pd.DataFrame, index, column: str) -> tuple[str | None, list[str]]:
    """A shortcut cell as written, and the names in it (separated by ; or line breaks)."""
    text = shortcuts.at[index, column] if column in shortcuts.columns else None
    if text is None or pd.isna(text):
        return None, []
    return str(text), [part for part in _SEPARATOR.split(str(text).strip()) if part]


def _source_words(part: str, sources: Lookup) -> str:
    if re.match(r"^https?://", part, re.IGNORECASE):
        return (
            "the web address of a source listed in the sources table: add a row for it there "
            "(its title, publisher and the day you read it), since every figure says where it comes from"
        )
    suggestion = sources.suggestion(part)
    return REFERENCE_WORDS["sources"] + (f"; {suggestion}" if suggestion else "")


def _made_words(source_ids: list[str], sources: Lookup, word: str, table: str) -> str:
    named = [
        f"{identifier} ({sources.labels[identifier]})" if sources.labels.get(identifier) else identifier
        for identifier in source_ids
    ]
    if len(named) == 1:
        return f"the {word} {named[0]}; a {table} row made"
    return f"{plural(len(named), word)}, main one first: {', '.join(named)}; {table} rows made"


def _place_words(identifiers: list[str], cities: Lookup | None, table: str, main_source: str) -> str:
    if cities is not None:
        named = [f"{identifier} ({cities.labels[identifier]})" for identifier in identifiers]
        word, words = "member city", "member cities"
    else:
        named = [f"{identifier} ({ASEAN_COUNTRIES[identifier]})" for identifier in identifiers]
        word, words = "country", "countries"
    if len(named) == 1:
        return f"the {word} {named[0]}, where the project works; a {table} row made, citing {main_source}"
    return (
        f"{plural(len(named), word, words)} where the project works: {', '.join(named)}; {table} rows made, citing {main_source}"
    )
