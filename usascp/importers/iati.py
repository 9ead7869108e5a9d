"""IATI activity files (standard 2.01–2.03) read into the dashboard's tables, safely and in one streaming pass.

Safety: the file is parsed with defusedxml, which refuses any DOCTYPE, so neither entity expansion (the
"billion laughs") nor an external entity (a local file, a web address) can happen; nothing is fetched.
Only UTF-8 (and UTF-16 with its byte-order mark) is read: the declared encoding is checked before parsing,
and any other is refused with the way out, never handed to a parser that raises on it.
Size: the file is read element by element (iterparse) and each activity is cleared once read, so memory
follows the largest activity, not the file. Anything between activities is cleared too, and counted:
an IATI file holds little besides its activities, so a budget of elements outside them (and inside any
one of them) stops a file padded with junk before it fills memory (usascp.budgets).

Mapping, activity by activity:
- the activity becomes a project; its IATI record (on d-portal) is its source;
- recipient countries in ASEAN become project countries; locations become member cities when their name
  matches one or their point lies within MATCH_KM of one, and are listed otherwise;
- commitments (transaction type 2) become funding rows; an activity with none contributes its budgets;
  disbursements and expenditures (types 3 and 4) become a "disbursed_usd" result. Values in another
  currency are never converted or added: they are listed, and the project's amount note says so. A value
  beyond any real amount (infinite, or above schema.LARGEST_AMOUNT), and disbursements adding up past it,
  are reported as problems, never summed: two of 1e308 would make an infinite total;
- result indicator periods with an actual value become result figures (percentages as context, not summed).

The IATI codes used here (activity status, transaction and organisation-role types, DAC sector
categories, indicator measures) are the few the mapping needs, written out from the IATI codelists
(https://iatistandard.org/en/iati-standard/203/codelists/) instead of fetched at run time.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from usascp.budgets import Budget, default_budget
from usascp.formatting import plural
from usascp.load import RawTable, byte_order_mark, wide_text_without_mark
from usascp.schema import LARGEST_AMOUNT, SCHEMAS, Problem

SUPPORTED_VERSIONS = ("2.01", "2.02", "2.03")
MATCH_KM = 25  # a location this close to a member city's centre is taken to be in it
ISO2_TO_ISO3 = {
    "BN": "BRN",
    "KH": "KHM",
    "ID": "IDN",
    "LA": "LAO",
    "MY": "MYS",
    "MM": "MMR",
    "PH": "PHL",
    "SG": "SGP",
    "TH": "THA",
    "TL": "TLS",
    "VN": "VNM",
}
# ActivityStatus codelist: 1 Pipeline/identification, 2 Implementation, 3 Finalisation, 4 Closed,
# 5 Cancelled, 6 Suspended. Finalisation means the work is done and only the accounts remain.
STATUS = {"1": "planned", "2": "ongoing", "3": "completed", "4": "completed", "5": "unknown", "6": "unknown"}
COMMITMENT, DISBURSEMENT, EXPENDITURE = "2", "3", "4"
IMPLEMENTING = "4"  # OrganisationRole codelist
# DAC 3-digit sector categories (Sector vocabulary 1 gives 5 digits, vocabulary 2 the 3-digit category).
DAC_SECTORS = {
    "121": "Health",
    "122": "Health",
    "123": "Health",
    "140": "Water",
    "210": "Transport",
    "220": "Digital & cybersecurity",
    "230": "Energy",
    "231": "Energy",
    "232": "Energy",
    "233": "Energy",
    "234": "Energy",
    "235": "Energy",
    "236": "Energy",
    "111": "Training & exchange",
    "112": "Training & exchange",
    "113": "Training & exchange",
    "114": "Training & exchange",
    "250": "Innovation funds",
    "410": "Climate & resilience",
    "740": "Climate & resilience",
}
LEAD_AGENCY_NAMES = [
    (re.compile(r"agency for international development|\busaid\b", re.I), "USAID"),
    (re.compile(r"department of state|state department", re.I), "State"),
    (re.compile(r"trade and development agency|\bustda\b", re.I), "USTDA"),
    (re.compile(r"centers for disease control|\bcdc\b", re.I), "CDC"),
    (re.compile(r"national science foundation", re.I), "NSF"),
    (re.compile(r"department of transportation|\busdot\b", re.I), "USDOT"),
    (re.compile(r"department of commerce|commercial law development", re.I), "Commerce"),
]
MEASURE_UNITS = {"1": "units", "2": "percent", "3": "nominal", "4": "ordinal", "5": "qualitative"}


@dataclass
class IatiImport:
    """What one IATI file gave: text tables for validation, and what could not be placed or added."""

    file_name: str
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    activities: int = 0
    transactions: int = 0
    results: int = 0
    unmatched_locations: list[dict] = field(default_factory=list)
    other_currency: list[dict] = field(default_factory=list)

    @property
    def summary(self) -> str:
        counts = (plural(self.activities, "activity", "activities"), plural(self.transactions, "transaction"), plural(self.results, "result value"))
        return f"{self.file_name}: " + ", ".join(counts)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "activity"


def _place_name(text: str) -> str:
    return re.sub(r"\b(city|municipality|province|metropolitan)\b", "", _slug(text).replace("_", " ")).strip()


def _narrative(element) -> str | None:
    """The English narrative of an element (or its first), whitespace tidied."""
    if element is None:
        return None
    narratives = [child for child in element if _local(child.tag) == "narrative" and (child.text or "").strip()]
    if not narratives:
        return (element.text or "").strip() or None
    english = [n for n in narratives if n.get("{http://www.w3.org/XML/1998/namespace}lang", "en").lower().startswith("en")]
    return " ".join((english or narratives)[0].text.split())


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def _number(text: str | None) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _beyond_any_amount(text: str | None) -> bool:
    """A value that reads as a number but is infinite or larger than any amount the tables take (schema.LARGEST_AMOUNT).

    Such a value is reported, not skipped: two disbursements of 1e308 each are finite, yet add up to infinity.
    """
    try:
        value = float((text or "").strip())
    except ValueError:
        return False
    return not abs(value) <= LARGEST_AMOUNT


def read_iati(
    name: str,
    data: bytes,
    cities: pd.DataFrame,
    relationship: str = "usascp_project",
    today: dt.date | None = None,
    budget: Budget | None = None,
) -> IatiImport:
    """Read an IATI activity file against the member `cities`; problems for anything that cannot be read."""
    budget = budget or default_budget()
    result = IatiImport(name)
    rows: dict[str, list[dict]] = {table: [] for table in SCHEMAS}
    accessed = (today or dt.date.today()).isoformat()
    city_names = {_place_name(row.city): row.city_id for row in cities.itertuples()}
    city_points = [(row.city_id, float(row.lat), float(row.lon)) for row in cities.itertuples()]
    used_ids: set[str] = set()

    def refused(reason: str, line: int | None = None) -> IatiImport:
        result.problems.append(Problem(name, line, None, None, reason))
        return result

    if reason := _encoding_refusal(data):
        return refused(reason)
    try:
        events = _parsed(iterparse(_Source(data), events=("start", "end"), forbid_dtd=True))
        depth, root = 0, None
        in_activity = False
        outside, inside = 0, 0  # elements seen outside any activity, and in the current one
        for event, element in events:
            tag = _local(element.tag)
            if event == "start":
                depth += 1
                if depth == 2:
                    in_activity, inside = tag == "iati-activity", 0
                if depth >= 2 and not in_activity:
                    outside += 1
                    if outside > budget.xml_elements_outside_activities:
                        return refused(
                            f"holds more than {budget.xml_elements_outside_activities:,} elements outside its "
                            "<iati-activity> elements; an IATI file holds little besides its activities"
                        )
                elif in_activity:
                    inside += 1
                    if inside > budget.xml_elements_per_activity:
                        return refused(
                            f"activity {result.activities + 1} holds more than {budget.xml_elements_per_activity:,} "
                            "elements; the file was not read"
                        )
                if depth == 1:
                    root = element
                    if tag != "iati-activities":
                        return refused(f"not an IATI activity file (it starts with <{tag}>, not <iati-activities>)")
                    version = element.get("version", "")
                    if version not in SUPPORTED_VERSIONS:
                        return refused(f"IATI version {version or '(none given)'}; this dashboard reads 2.01 to 2.03")
                continue
            depth -= 1
            if tag == "iati-activity" and depth == 1:
                result.activities += 1
                if result.activities > budget.rows:
                    return refused(f"holds more than {budget.rows:,} activities, the rows an upload may have per table")
                _activity(element, result, rows, used_ids, city_names, city_points, relationship, accessed)
                root.clear()  # drop the activities read so far: memory follows one activity, not the file
            elif depth == 1:
                root.clear()  # and whatever lies between them
    except DefusedXmlException as error:
        return refused(
            f"declares a DOCTYPE or entities ({type(error).__name__}); IATI files need none and they are refused for safety"
        )
    except ParseError as error:
        return refused(f"is not well-formed XML ({error})", error.position[0] if getattr(error, "position", None) else None)
    except _EncodingNotReadable as error:
        return refused(f"cannot be read in the encoding it declares ({error}); {MUST_BE_UTF8}")
    if result.activities == 0:
        return refused("holds no <iati-activity> elements")
    for table, table_rows in rows.items():
        if table_rows:
            frame = pd.DataFrame(table_rows, columns=list(SCHEMAS[table].columns), dtype=object)
            result.tables[table] = RawTable(frame.where(frame.notna(), pd.NA), f"{name} ({table} from IATI)")
    return result


MUST_BE_UTF8 = "IATI files must be UTF-8: save it as UTF-8"
# How far into the file its XML declaration must end: a real one is under a hundred bytes.
DECLARATION_REACH = 65_536
_DECLARATION = re.compile(r"<\?xml\s(.*?)\?>", re.DOTALL)
_ENCODING = re.compile(r"\bencoding\s*=\s*([\"'])(.*?)\1", re.DOTALL)
_ENCODING_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,39}")


def _encoding_refusal(data: bytes) -> str | None:
    """Why `data` is not in the UTF-8 (or UTF-16 with its byte-order mark) an IATI file is written in; None if it is.

    Read from the byte-order mark and the XML declaration before parsing: Python's parser meets other
    encodings with exceptions of its own (LookupError for a name it does not know, ValueError for
    Shift_JIS or UTF-7), and reads single-byte ones such as Latin-1 as something they may not be.
    """
    form = byte_order_mark(data)
    if form == "UTF-32":
        return f"is UTF-32 (it starts with UTF-32's byte-order mark); {MUST_BE_UTF8}"
    if wide := wide_text_without_mark(data):
        return f"looks like {wide} without a byte-order mark (many of its bytes are empty); {MUST_BE_UTF8}"
    head = data[len(codecs.BOM_UTF8) :] if form == "UTF-8" else data
    # Latin-1 maps each byte to one character: the ASCII of a declaration reads as itself whatever follows it.
    text = head[:DECLARATION_REACH].decode("utf-16" if form == "UTF-16" else "latin-1", errors="replace")
    if not re.match(r"<\?xml\s", text):
        return None  # no declaration: UTF-8, or UTF-16 by its mark
    declaration = _DECLARATION.match(text)
    if declaration is None:
        return (
            f"has an XML declaration (<?xml ... ?>) that does not end within its first {DECLARATION_REACH:,} bytes; "
            + MUST_BE_UTF8
        )
    encoding = _ENCODING.search(declaration.group(1))
    declared = encoding.group(2) if encoding else None
    if declared is None or declared.upper() == ("UTF-16" if form == "UTF-16" else "UTF-8"):
        return None
    shown = declared if _ENCODING_NAME.fullmatch(declared) else repr(declared[:40])
    if form == "UTF-16":
        return f"starts with UTF-16's byte-order mark but declares the encoding {shown}; save it as UTF-8"
    return f"declares the encoding {shown}; {MUST_BE_UTF8}"


class _EncodingNotReadable(Exception):
    """The parser met an encoding it cannot use (Python's expat raises LookupError or ValueError for those)."""


def _parsed(events):
    """The parser's events, with an encoding it cannot use raised as _EncodingNotReadable.

    Only the parser's own errors are turned: an error in reading an activity is raised where it happens,
    in read_iati's loop, not here. A refused DOCTYPE (a ValueError too) passes through as it is.
    """
    try:
        yield from events
    except DefusedXmlException:
        raise
    except (LookupError, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise _EncodingNotReadable(str(error)) from error


class _Source:
    """A file-like view of the bytes, so iterparse reads them in chunks."""

    def __init__(self, data: bytes):
        self.data, self.position = data, 0

    def read(self, size: int = -1) -> bytes:
        size = len(self.data) - self.position if size < 0 else size
        chunk = self.data[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


def _activity(activity, result: IatiImport, rows, used_ids, city_names, city_points, relationship, accessed) -> None:
    children = list(activity)
    by_tag: dict[str, list] = {}
    for child in children:
        by_tag.setdefault(_local(child.tag), []).append(child)
    identifier = " ".join((by_tag["iati-identifier"][0].text or "").split()) if "iati-identifier" in by_tag else ""
    if not identifier:
        result.problems.append(
            Problem(
                result.file_name,
                None,
                "iati-identifier",
                None,
                f"activity {result.activities} has no iati-identifier; it was left out",
            )
        )
        return
    project_id = _slug(identifier)
    while project_id in used_ids:
        project_id += "_2"
    used_ids.add(project_id)
    source_id = f"iati_{project_id}"
    currency = activity.get("default-currency", "").upper()
    reporting = (by_tag.get("reporting-org") or [None])[0]
    publisher = _narrative(reporting) or (reporting.get("ref") if reporting is not None else None) or "IATI publisher"
    updated = (activity.get("last-updated-datetime") or "")[:10] or None

    dates = {date.get("type"): (date.get("iso-date") or "")[:10] for date in by_tag.get("activity-date", [])}
    status_element = (by_tag.get("activity-status") or [None])[0]
    status = STATUS.get(status_element.get("code") if status_element is not None else "", "unknown")
    sectors = sorted(by_tag.get("sector", []), key=lambda sector: -(_number(sector.get("percentage")) or 0))
    sector = next(
        (
            DAC_SECTORS[sector.get("code", "")[:3]]
            for sector in sectors
            if sector.get("vocabulary", "1") in ("1", "2") and sector.get("code", "")[:3] in DAC_SECTORS
        ),
        "Other",
    )
    partners = [
        _narrative(org) or org.get("ref") for org in by_tag.get("participating-org", []) if org.get("role") == IMPLEMENTING
    ]
    description = next((_narrative(d) for d in by_tag.get("description", []) if d.get("type", "1") == "1"), None)

    countries = []
    for country in by_tag.get("recipient-country", []):
        iso3 = ISO2_TO_ISO3.get((country.get("code") or "").upper())
        if iso3 and iso3 not in countries:
            countries.append(iso3)
    sites = []
    for location in by_tag.get("location", []):
        place = _narrative(next((c for c in location if _local(c.tag) == "name"), None))
        point = next((c for c in location if _local(c.tag) == "point"), None)
        pos = next((c for c in point if _local(c.tag) == "pos"), None) if point is not None else None
        lat_lon = [float(part) for part in (pos.text or "").split()[:2]] if pos is not None and _valid_pos(pos.text) else None
        city_id = city_names.get(_place_name(place)) if place else None
        distance = None
        if city_id is None and lat_lon:
            distance, city_id = min((_km(lat_lon[0], lat_lon[1], lat, lon), cid) for cid, lat, lon in city_points)
            if distance > MATCH_KM:
                city_id = None
        if city_id and city_id not in sites:
            sites.append(city_id)
        elif city_id is None:
            result.unmatched_locations.append(
                {
                    "activity": identifier,
                    "location": place or "(no name)",
                    "lat": lat_lon[0] if lat_lon else None,
                    "lon": lat_lon[1] if lat_lon else None,
                    "nearest member city (km)": round(distance) if distance is not None else None,
                }
            )
    regional = any(True for _ in by_tag.get("recipient-region", []))
    scope = "city" if sites else "country" if countries else "regional" if regional else "unspecified"

    notes, commitments, budgets, spent = [], [], [], []
    for number, transaction in enumerate(by_tag.get("transaction", []), start=1):
        result.transactions += 1
        parts = {_local(child.tag): child for child in transaction}
        kind = parts.get("transaction-type").get("code") if "transaction-type" in parts else None
        value_element = parts.get("value")
        value_text = value_element.text if value_element is not None else None
        if kind in (COMMITMENT, DISBURSEMENT, EXPENDITURE) and _beyond_any_amount(value_text):
            where = f"activity {identifier}, transaction {number}"
            result.problems.append(_amount_beyond_reach(result.file_name, "transaction value", value_text, where))
            continue
        value = _number(value_text)
        if kind not in (COMMITMENT, DISBURSEMENT, EXPENDITURE) or value is None:
            continue
        when = (
            (parts["transaction-date"].get("iso-date") if "transaction-date" in parts else None)
            or value_element.get("value-date")
            or ""
        )[:10]
        money = (value_element.get("currency") or currency or "").upper()
        if money != "USD":
            result.other_currency.append(
                {
                    "activity": identifier,
                    "what": {"2": "commitment", "3": "disbursement", "4": "expenditure"}[kind],
                    "amount": value,
                    "currency": money or "(none given)",
                    "date": when,
                }
            )
            notes.append(f"{value:,.0f} {money or 'in an unnamed currency'}")
            continue
        receiver = _narrative(parts.get("receiver-org")) if "receiver-org" in parts else None
        if kind == COMMITMENT:
            commitments.append((number, value, when, receiver))
        else:
            spent.append((value, when))
    for number, budget in enumerate(by_tag.get("budget", []), start=1):
        parts = {_local(child.tag): child for child in budget}
        value_element = parts.get("value")
        value_text = value_element.text if value_element is not None else None
        if _beyond_any_amount(value_text):
            where = f"activity {identifier}, budget {number}"
            result.problems.append(_amount_beyond_reach(result.file_name, "budget value", value_text, where))
            continue
        value = _number(value_text)
        if value is None:
            continue
        money = (value_element.get("currency") or currency or "").upper()
        when = (
            (parts["period-start"].get("iso-date") if "period-start" in parts else None) or value_element.get("value-date") or ""
        )[:10]
        if money != "USD":
            result.other_currency.append(
                {"activity": identifier, "what": "budget", "amount": value, "currency": money or "(none given)", "date": when}
            )
            notes.append(f"{value:,.0f} {money or 'in an unnamed currency'}")
            continue
        budgets.append((number, value, when))

    amount_note = None
    if notes:
        amount_note = (
            "Also reports " + ", ".join(notes) + " in other currencies: not converted to US dollars and not added to totals."
        )
    rows["projects"].append(
        {
            "project_id": project_id,
            "title": _narrative((by_tag.get("title") or [None])[0]) or identifier,
            "relationship": relationship,
            "lead_agency": next((agency for pattern, agency in LEAD_AGENCY_NAMES if pattern.search(publisher)), "Other"),
            "lead_office": publisher,
            "implementing_partners": "; ".join(p for p in partners if p) or None,
            "sector": sector,
            "geographic_scope": scope,
            "status": status,
            "status_as_of": updated,
            "start_date": dates.get("2") or dates.get("1") or None,
            "end_date": dates.get("4") or dates.get("3") or None,
            "summary": (description[:600] + "…" if description and len(description) > 600 else description)
            or "No description in the IATI file.",
            "amount_note": amount_note,
        }
    )
    rows["sources"].append(
        {
            "source_id": source_id,
            "title": f"IATI activity {identifier}",
            "publisher": publisher,
            "url": "https://d-portal.org/ctrack.html#view=act&aid=" + urllib.parse.quote(identifier, safe=""),
            "date_published": updated,
            "date_accessed": accessed,
        }
    )
    rows["project_sources"].append({"project_id": project_id, "source_id": source_id})
    rows["project_countries"] += [
        {"project_id": project_id, "iso3": iso3, "source_id": source_id} for iso3 in countries if not sites
    ]
    rows["project_cities"] += [
        {"project_id": project_id, "city_id": city_id, "role": "site", "source_id": source_id} for city_id in sites
    ]
    funding = [(n, v, w, r, "commitment") for n, v, w, r in commitments] or [(n, v, w, None, "budget") for n, v, w in budgets]
    for number, value, when, receiver, kind in funding:
        rows["grants"].append(
            {
                "grant_id": f"{project_id}_{kind}_{number}",
                "project_id": project_id,
                "recipient": receiver or (partners[0] if partners and partners[0] else "not named in the IATI file"),
                "amount_usd": repr(value),
                "award_date": when or updated or accessed[:4],
                "date_basis": f"IATI {kind} date",
                "funding_office": publisher,
                "amount_kind": kind,
                "source_id": source_id,
                "note": f"From the IATI file: {kind} {number}.",
            }
        )
    spent_total = sum(value for value, _ in spent)
    if abs(spent_total) > LARGEST_AMOUNT:
        # Each value is within reach, but enough of them can add up past what a metric value may be.
        result.problems.append(
            Problem(
                result.file_name,
                None,
                "transaction value",
                f"{spent_total:.0f}",
                f"a total of at most {LARGEST_AMOUNT:,} (the disbursements and expenditures of activity {identifier}, "
                f"{len(spent)} transactions, add up to it)",
            )
        )
    elif spent:
        rows["metrics"].append(
            {
                "metric_id": f"{project_id}_disbursed",
                "scope": "project",
                "project_id": project_id,
                "metric": "disbursed_usd",
                "value": repr(spent_total),
                "unit": "USD",
                "value_type": "result",
                "is_lower_bound": "false",
                "is_approximate": "false",
                "as_of": max((when for _, when in spent if when), default=None),
                "source_id": source_id,
                "note": "Disbursements and expenditures in US dollars, from the IATI file's transactions.",
            }
        )
    for number, (metric, unit, value, as_of, value_type) in enumerate(_results(by_tag.get("result", [])), start=1):
        result.results += 1
        rows["metrics"].append(
            {
                "metric_id": f"{project_id}_result_{number}",
                "scope": "project",
                "project_id": project_id,
                "metric": metric,
                "value": repr(value),
                "unit": unit,
                "value_type": value_type,
                "is_lower_bound": "false",
                "is_approximate": "false",
                "as_of": as_of,
                "source_id": source_id,
                "note": "An actual value of a result indicator period in the IATI file.",
            }
        )


def _amount_beyond_reach(file_name: str, column: str, text: str, where: str) -> Problem:
    return Problem(file_name, None, column, text.strip(), f"a finite amount of at most {LARGEST_AMOUNT:,} ({where})")


def _valid_pos(text: str | None) -> bool:
    parts = (text or "").split()
    try:
        return len(parts) >= 2 and -90 <= float(parts[0]) <= 90 and -180 <= float(parts[1]) <= 180
    except ValueError:
        return False


def _results(results) -> list[tuple[str, str, float, str | None, str]]:
    """(metric, unit, value, as_of, value_type) for every indicator period with a numeric actual value."""
    found = []
    for result in results:
        for indicator in (child for child in result if _local(child.tag) == "indicator"):
            title = _narrative(next((c for c in indicator if _local(c.tag) == "title"), None)) or "indicator"
            measure = indicator.get("measure", "1")
            for period in (child for child in indicator if _local(child.tag) == "period"):
                parts = {_local(child.tag): child for child in period}
                actual = parts.get("actual")
                value = _number(actual.get("value") if actual is not None else None)
                if value is None or value < 0:
                    continue
                end = parts.get("period-end")
                as_of = (end.get("iso-date") or "")[:10] if end is not None else None
                # Only counts can be added up; a percentage or a score is shown as context.
                # The indicator's own title says what was counted ("Staff trained"); the unit column carries it.
                unit = title if measure == "1" else f"{MEASURE_UNITS.get(measure, 'value')}: {title}"
                found.append(
                    (
                        _slug(title)[:60],
                        unit,
                        value,
                        as_of or None,
                        "result" if measure == "1" else "context",
                    )
                )
    return found
