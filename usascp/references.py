"""References written the way people write them, read as the identifiers the tables use, or answered with the likely one.

A person filling in a sheet knows "Ho Chi Minh City" and "Vietnam", not ho_chi_minh_city and VNM, and has
the address of the page they read, not the source_id someone gave it. Where such a text names exactly one
member city, ASEAN country or source, it is read as that one's identifier, with a note ("read 'Ho Chi Minh
City' as ho_chi_minh_city"). Where it names none, or several, it is left as written and the check that
follows reports it with the likely intended value ("did you mean `ho_chi_minh_city` — Ho Chi Minh City,
Vietnam?"). A near miss is only ever suggested, never read: "Ho Chi Mihn City" is a question for the person.

What counts as the same text (`normalised`): letters without accents or case, runs of anything else as one
"_". So "Ho Chi Minh City", "ho chi minh city" and "HO_CHI_MINH_CITY" are one name, and "Đà Nẵng" is "da_nang".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from usascp.schema import ASEAN_COUNTRIES, FOREIGN_KEYS, Problem, ProblemList, spreadsheet_row

# Other names ASEAN members go by in official documents and in the sources (normalised on use).
COUNTRY_ALIASES = {
    "Viet Nam": "VNM",
    "Lao PDR": "LAO",
    "Lao People's Democratic Republic": "LAO",
    "Brunei Darussalam": "BRN",
    "East Timor": "TLS",
    "Burma": "MMR",
    "Republic of the Philippines": "PHL",
    "Kingdom of Cambodia": "KHM",
    "Kingdom of Thailand": "THA",
    "Republic of Indonesia": "IDN",
    "Republic of Singapore": "SGP",
}

# Fuzzy suggestions compare a value with every name of the table it points at; past this many rows only
# exact (normalised) matches are suggested, so a reference into a table of 500,000 projects stays quick.
FUZZY_ROWS = 5_000
SIMILAR_ENOUGH = 0.75  # difflib's ratio: "phnom_pen" and "phnom_penh" are 0.95, "hanoi" and "ha_noi" 0.91
_LETTERS_WITHOUT_DECOMPOSITION = str.maketrans({"đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"})


def normalised(text) -> str:
    """Lower-case letters and digits without accents, every other run of characters one "_", none at the ends."""
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_LETTERS_WITHOUT_DECOMPOSITION))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


_COUNTRY_CODES = {
    **{normalised(code): code for code in ASEAN_COUNTRIES},
    **{normalised(name): code for code, name in ASEAN_COUNTRIES.items()},
    **{normalised(name): code for name, code in COUNTRY_ALIASES.items()},
}


def country_code(text) -> str | None:
    """The ISO code of the ASEAN member `text` names ("Vietnam", "Viet Nam", "vnm"), or None."""
    return _COUNTRY_CODES.get(normalised(text)) if isinstance(text, str) else None


def country_name(text) -> str | None:
    """The name the tables use for the ASEAN member `text` names ("Viet Nam" -> "Vietnam"), or None."""
    code = country_code(text)
    return ASEAN_COUNTRIES[code] if code else None


def country_suggestion(text) -> str | None:
    """ "did you mean `KHM` — Cambodia?" for a country name a little misspelt, or None."""
    close = difflib.get_close_matches(normalised(text), list(_COUNTRY_CODES), n=1, cutoff=SIMILAR_ENOUGH)
    if not close:
        return None
    code = _COUNTRY_CODES[close[0]]
    return f"did you mean `{code}` — {ASEAN_COUNTRIES[code]}?"


def _web_address_key(url: str) -> str:
    """An address as a person may copy it: http or https, with or without www. and a closing slash, one key."""
    return re.sub(r"^https?://(?:www\.)?", "", str(url).strip(), flags=re.IGNORECASE).rstrip("/").lower()


@dataclass
class Lookup:
    """The rows of one table a reference may name: by identifier, and (for cities and sources) by name or address.

    `read` gives the identifier a text names exactly, when it names exactly one row; `suggestion` the likely
    intended rows when it names none (or several), in words.
    """

    ids: set[str]
    labels: dict[str, str]  # identifier -> what a person knows it by ("Ho Chi Minh City, Vietnam")
    names: dict[str, set[str]] = field(default_factory=dict)  # normalised name -> identifiers it may mean
    addresses: dict[str, set[str]] = field(default_factory=dict)  # web address key -> identifiers
    fuzzy: dict[str, set[str]] = field(default_factory=dict)  # normalised texts compared for suggestions
    _suggested: dict[str, str | None] = field(default_factory=dict, repr=False)

    def read(self, text) -> str | None:
        """The identifier `text` stands for when it is not one itself but names exactly one row; else None."""
        if not isinstance(text, str) or text in self.ids:
            return None
        found = self._exact(text)
        return next(iter(found)) if len(found) == 1 else None

    def _exact(self, text: str) -> set[str]:
        if re.match(r"^https?://", text.strip(), re.IGNORECASE):
            return self.addresses.get(_web_address_key(text), set())
        return self.names.get(normalised(text), set())

    def suggestion(self, text) -> str | None:
        """ "did you mean `ho_chi_minh_city` — Ho Chi Minh City, Vietnam?", or None when nothing is close."""
        if text in self._suggested:
            return self._suggested[text]
        candidates = sorted(self._exact(str(text)))
        if not candidates and len(self.ids) <= FUZZY_ROWS:
            close = difflib.get_close_matches(normalised(text), list(self.fuzzy), n=1, cutoff=SIMILAR_ENOUGH)
            candidates = sorted(self.fuzzy[close[0]]) if close else []
        words = None
        if candidates:
            options = [
                f"`{identifier}` — {self.labels[identifier]}" if self.labels.get(identifier) else f"`{identifier}`"
                for identifier in candidates[:3]
            ]
            words = "did you mean " + (" or ".join(options)) + "?"
        self._suggested[text] = words
        return words


def _add(mapping: dict[str, set[str]], key: str, identifier: str) -> None:
    if key:
        mapping.setdefault(key, set()).add(identifier)


def lookup_for(table: str, frame: pd.DataFrame) -> Lookup:
    """The Lookup for references into `table` (cities, projects, sources or metrics), from its rows."""
    key = {"cities": "city_id", "projects": "project_id", "sources": "source_id", "metrics": "metric_id"}[table]
    frame = frame[frame[key].notna()]
    ids = [str(identifier) for identifier in frame[key]]
    found = Lookup(ids=set(ids), labels={})
    for identifier in ids:
        _add(found.names, normalised(identifier), identifier)
        _add(found.fuzzy, normalised(identifier), identifier)
    if table == "cities":
        for identifier, city, country, iso3 in zip(ids, frame["city"], frame["country"], frame["iso3"]):
            found.labels[identifier] = f"{city}, {country}"
            for name in (city, f"{city}, {country}", f"{city}, {iso3}", f"{city} {country}"):
                _add(found.names, normalised(name), identifier)
            _add(found.fuzzy, normalised(city), identifier)
    elif table == "projects":
        for identifier, title in zip(ids, frame["title"]):
            title = str(title) if pd.notna(title) else ""
            found.labels[identifier] = title if len(title) <= 70 else title[:69] + "…"
            if len(ids) <= FUZZY_ROWS:
                _add(found.fuzzy, normalised(title), identifier)
    elif table == "sources":
        for identifier, title, url in zip(ids, frame["title"], frame["url"]):
            found.labels[identifier] = str(title) if pd.notna(title) else ""
            if pd.notna(url):
                _add(found.addresses, _web_address_key(url), identifier)
    return found


# The references read from names or addresses: into the member cities (by name) and the sources (by address).
READ_INTO = ("cities", "sources")


def read_references(tables: dict[str, pd.DataFrame], targets: dict[str, pd.DataFrame], labels: dict[str, str]) -> ProblemList:
    """Replace, in `tables`, each reference that names exactly one city or source by name or address with its id.

    `tables` are the upload's own tables as validated (their index is the file's row order), `targets` the
    cities and sources they may name, `labels` each table's file or sheet. Returns a note for each reading.
    A Lookup is built only when some reference names no row as written: loading a large dataset whose
    references are all identifiers costs one isin per column.
    """
    notes = ProblemList()
    lookups: dict[str, Lookup] = {}
    for key in FOREIGN_KEYS:
        target = targets.get(key.target_table)
        if key.target_table not in READ_INTO or target is None or key.table not in tables:
            continue
        frame = tables[key.table]
        if key.column not in frame:
            continue
        values = frame[key.column]
        unknown = values.notna() & ~values.isin(target[key.target_column].dropna().unique())
        if not unknown.any():
            continue
        if key.target_table not in lookups:
            lookups[key.target_table] = lookup_for(key.target_table, target)
        lookup = lookups[key.target_table]
        readings = {}
        for index, value in values[unknown].items():
            if (identifier := lookup.read(value)) is not None:
                readings[index] = identifier
                named = f"{identifier} ({lookup.labels[identifier]})" if lookup.labels.get(identifier) else identifier
                notes.append(Problem(labels[key.table], spreadsheet_row(index), key.column, value, named, True))
        if readings:
            column = values.copy()
            column.loc[list(readings)] = list(readings.values())
            tables[key.table] = frame.assign(**{key.column: column})
    return notes
