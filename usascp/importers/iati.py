"""IATI activity files (standard 1.01–1.05 and 2.01–2.03) read into the dashboard's tables, safely, in one streaming pass.

Safety: the file is parsed with defusedxml, which refuses any DOCTYPE, so neither entity expansion (the
"billion laughs") nor an external entity (a local file, a web address) can happen; nothing is fetched.
Only UTF-8 (and UTF-16 with its byte-order mark) is read: the declared encoding is checked before parsing,
and any other is refused with the way out, never handed to a parser that raises on it.
Size: the file is read element by element (iterparse) and each activity is cleared once read, so memory
follows the largest activity, not the file. Anything between activities is cleared too, and counted:
an IATI file holds little besides its activities, so a budget of elements outside them (and inside any
one of them) stops a file padded with junk before it fills memory (usascp.budgets).

Activity by activity: files exported by d-portal or the IATI Datastore mix publishers, currencies,
hierarchy levels and versions, and their root <iati-activities> names no version (or another one). Each
activity is read by its own `version`, else the root's, else by its content (narratives mean 2.0x, letter
transaction codes mean 1.0x); 1.0x activities are read where their elements mean the same as 2.0x ones
(the codes are in iati_codes). An activity that cannot be read (a version this module does not read, no
iati-identifier) is set aside alone, with its reason, and so is a part of one that cannot be read (a
transaction with no value, an unknown type, no currency): the rest of the file is read. A file that
breaks off (truncated) keeps the activities read before the break. Every activity gets a line in the
report (ActivityReport): what was read, or why it was set aside.

Mapping, activity by activity:
- the activity becomes a project whose record_id is its IATI identifier; its IATI record (on d-portal) is
  its source. A child whose <related-activity type="1"> names a top-level activity of the same file (or
  a parent naming it with type="2") becomes that project's component (parent_project_id). Components fold
  into their parent (aggregate.reporting_units) and their money is added to the parent's: when both
  carry money, the components' is kept and the parent's own left out (and said so), never counted twice;
- recipient countries in ASEAN become project countries; locations (<point><pos>, or 1.0x <coordinates>)
  become member cities when their name matches one or their point lies within MATCH_KM of one, and are
  listed otherwise;
- every commitment, disbursement and expenditure becomes a row of the transactions table, with its date,
  type and currency: amounts in other currencies are kept in their own currency, never converted or added
  to dollars; negative values (reversals) are kept. Other flows (incoming funds, loan repayments, ...) are
  not money the funder commits or spends: counted in the report, not read as money;
- commitments in US dollars also become funding rows (what the project is worth; the transactions say
  when); an activity with none contributes its budgets in US dollars. Amounts in other currencies are
  listed and noted on the project. A value beyond any real amount (infinite, or above
  schema.LARGEST_AMOUNT) is set aside, never summed: two of 1e308 would make an infinite total;
- result indicator periods with an actual value become result figures (percentages as context, not summed).
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
from usascp.dates import is_partial_date
from usascp.formatting import plural
from usascp.importers.iati_codes import (
    CHILD,
    CODES_1,
    CODES_2,
    CURRENCIES,
    DAC_SECTORS,
    ISO2_TO_ISO3,
    MEASURE_UNITS,
    PARENT,
    STATUS,
    VERSIONS_READ,
    Codes,
    codes_for,
)
from usascp.load import RawTable, byte_order_mark, wide_text_without_mark
from usascp.schema import LARGEST_AMOUNT, SCHEMAS, Problem

MATCH_KM = 25  # a location this close to a member city's centre is taken to be in it
LEAD_AGENCY_NAMES = [
    (re.compile(r"agency for international development|\busaid\b", re.I), "USAID"),
    (re.compile(r"department of state|state department", re.I), "State"),
    (re.compile(r"trade and development agency|\bustda\b", re.I), "USTDA"),
    (re.compile(r"centers for disease control|\bcdc\b", re.I), "CDC"),
    (re.compile(r"national science foundation", re.I), "NSF"),
    (re.compile(r"department of transportation|\busdot\b", re.I), "USDOT"),
    (re.compile(r"department of commerce|commercial law development", re.I), "Commerce"),
]
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TITLE_WIDTH = 48  # characters of a title on a report line; the table and its CSV keep it whole


@dataclass(slots=True)  # one per activity: a million-activity file holds a million of them
class ActivityReport:
    """One activity of a file: what was read from it, or why it was set aside."""

    number: int  # its place in the file, 1 for the first
    identifier: str  # "" when it has none
    version: str  # the version it was read as, and why when it is not its own: "1.05 (the file's)", "2.0x (by its narratives)"
    title: str = ""
    read: bool = True
    transactions: int = 0  # commitments, disbursements and expenditures read as money
    budgets: int = 0
    results: int = 0
    placed: int = 0  # locations placed on a member city
    not_placed: int = 0
    currencies: list[str] = field(default_factory=list)  # of its transactions and budgets, as met
    set_aside: list[str] = field(default_factory=list)  # why it was set aside, or the parts of it that were
    notes: list[str] = field(default_factory=list)  # what else was not read as money or not placed, and why

    @property
    def outcome(self) -> str:
        return "set aside" if not self.read else "read in part" if self.set_aside else "read"

    def row(self) -> dict:
        """The report's row: which activity, whether it was read and why not first (what a person scans for), then the counts."""
        return {
            "#": self.number,
            "activity": self.identifier or "(no identifier)",
            "outcome": self.outcome,
            "set aside": "; ".join(self.set_aside),
            "version read as": self.version,
            "transactions": self.transactions,  # nothing is read from an activity set aside: 0
            "budgets": self.budgets,
            "results": self.results,
            "locations placed": self.placed,
            "locations not placed": self.not_placed,
            "currencies": ", ".join(self.currencies),
            "notes": "; ".join(self.notes),
            "title": self.title,
        }


REPORT_COLUMNS = list(ActivityReport(0, "", "").row())


@dataclass
class IatiImport:
    """What one IATI file gave: text tables for validation, a report line per activity, and what could not be placed or added.

    `problems` stop the upload (the file could not be read, or a table it gave is invalid); what was set
    aside (activities, or parts of them) and `file_notes` (the file breaks off) leave the rest readable.
    """

    file_name: str
    tables: dict[str, RawTable] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    activities: int = 0  # in the file, read or set aside
    transactions: int = 0  # read as money
    results: int = 0
    unmatched_locations: list[dict] = field(default_factory=list)
    other_currency: list[dict] = field(default_factory=list)
    reports: list[ActivityReport] = field(default_factory=list)
    file_notes: list[str] = field(default_factory=list)
    transactions_by_currency: dict[str, int] = field(default_factory=dict)  # kept when the tables are dropped (worker)

    @property
    def activities_set_aside(self) -> int:
        return sum(not report.read for report in self.reports)

    @property
    def parts_set_aside(self) -> int:
        return sum(len(report.set_aside) for report in self.reports if report.read)

    @property
    def troubles(self) -> int:
        """How many things in the file were not read: activities and parts set aside, and breaks in the file."""
        return self.activities_set_aside + self.parts_set_aside + len(self.file_notes)

    @property
    def summary(self) -> str:
        activities = plural(self.activities, "activity", "activities")
        if self.activities_set_aside:
            activities += f" ({self.activities_set_aside:,} set aside)"
        counts = (activities, plural(self.transactions, "transaction"), plural(self.results, "result value"))
        return f"{self.file_name}: " + ", ".join(counts)

    def report_table(self) -> pd.DataFrame:
        """The report as a table: one row per activity, in the file's order (the Data page shows it, and its CSV)."""
        return pd.DataFrame([report.row() for report in self.reports], columns=REPORT_COLUMNS)

    def report_lines(self) -> list[str]:
        """The report for a terminal: a header, a line per activity in aligned columns, then the file's totals."""
        head = ("#", "outcome", "version", "activity", "trans.", "budgets", "results", "placed", "not placed", "currencies", "title; what was set aside or noted")
        rows = []
        for report in self.reports:
            counts = (
                (report.transactions, report.budgets, report.results, report.placed, report.not_placed)
                if report.read
                else ("-",) * 5
            )
            title = report.title if len(report.title) <= TITLE_WIDTH else report.title[: TITLE_WIDTH - 1] + "…"
            said = "; ".join([title or "(no title)"] + report.set_aside + report.notes)
            rows.append(
                (str(report.number), report.outcome, report.version, report.identifier or "(no identifier)")
                + tuple(str(count) for count in counts)
                + (", ".join(report.currencies) or "-", said)
            )
        widths = [max(len(row[column]) for row in [head, *rows]) for column in range(len(head) - 1)]
        numeric = {0, 4, 5, 6, 7, 8}

        def line(row) -> str:
            cells = [cell.rjust(width) if column in numeric else cell.ljust(width) for column, (cell, width) in enumerate(zip(row, widths))]
            return "  ".join(cells + [row[-1]]).rstrip()

        lines = [f"IATI {self.summary}", line(head), *(line(row) for row in rows)]
        lines.append(self.totals_line())
        lines += [f"{self.file_name}: {note}" for note in self.file_notes]
        return lines

    def totals_line(self) -> str:
        read = [report for report in self.reports if report.read]
        in_part = sum(bool(report.set_aside) for report in read)
        money = ", ".join(f"{count:,} in {currency}" for currency, count in sorted(self.transactions_by_currency.items()))
        parts = [
            plural(self.activities, "activity", "activities")
            + f": {len(read):,} read" + (f" ({in_part:,} in part)" if in_part else "")
            + f", {self.activities_set_aside:,} set aside",
            plural(self.transactions, "transaction") + (f" ({money})" if money else ""),
            plural(sum(report.budgets for report in read), "budget"),
            plural(self.results, "result value"),
            f"{sum(report.placed for report in read):,} locations placed, {sum(report.not_placed for report in read):,} not placed",
        ]
        return f"Totals for {self.file_name}: " + "; ".join(parts) + "."


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def slug(text: str) -> str:
    """An identifier of lower-case letters, digits and _ (schema.ID_PATTERN) made from any text: "XM-DP-1" -> "xm_dp_1"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "activity"


def _place_name(text: str) -> str:
    return re.sub(r"\b(city|municipality|province|metropolitan)\b", "", slug(text).replace("_", " ")).strip()


def _narrative(element) -> str | None:
    """The English narrative of an element (or its first), whitespace tidied; a 1.0x element's own text."""
    if element is None:
        return None
    narratives = [child for child in element if _local(child.tag) == "narrative" and (child.text or "").strip()]
    if not narratives:
        return " ".join((element.text or "").split()) or None
    english = [n for n in narratives if n.get(XML_LANG, "en").lower().startswith("en")]
    return " ".join((english or narratives)[0].text.split())


def _text(elements: list) -> str | None:
    """The English text of a repeatable element: 2.0x writes one element with a narrative per language,
    1.0x one element per language (title xml:lang="fr") with the text in it."""
    if not elements:
        return None
    if any(_local(child.tag) == "narrative" for child in elements[0]):
        return _narrative(elements[0])
    written = [element for element in elements if (element.text or "").strip()]
    english = [element for element in written if element.get(XML_LANG, "en").lower().startswith("en")]
    return _narrative((english or written or [None])[0])


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


def read_iati(
    name: str,
    data: bytes,
    cities: pd.DataFrame,
    relationship: str = "usascp_project",
    today: dt.date | None = None,
    budget: Budget | None = None,
) -> IatiImport:
    """Read an IATI activity file against the member `cities`: a report line per activity, problems for the file.

    The file is refused whole only when none of it can be read (not XML, not activities, unsafe, another
    encoding, over budget); an activity that cannot be read is set aside alone, and a file that breaks off
    keeps the activities before the break.
    """
    budget = budget or default_budget()
    result = IatiImport(name)
    reader = _Reader(result, cities, relationship, (today or dt.date.today()).isoformat())

    def refused(reason: str, line: int | None = None) -> IatiImport:
        result.problems.append(Problem(name, line, None, None, reason))
        result.reports.clear()
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
                    # Only a default: d-portal and the Datastore write none, and each activity may name its own.
                    reader.file_version = " ".join((element.get("version") or "").split())
                continue
            depth -= 1
            if tag == "iati-activity" and depth == 1:
                result.activities += 1
                if result.activities > budget.rows:
                    return refused(f"holds more than {budget.rows:,} activities, the rows an upload may have per table")
                reader.activity(element, result.activities)
                root.clear()  # drop the activities read so far: memory follows one activity, not the file
            elif depth == 1:
                root.clear()  # and whatever lies between them
    except DefusedXmlException as error:
        return refused(
            f"declares a DOCTYPE or entities ({type(error).__name__}); IATI files need none and they are refused for safety"
        )
    except ParseError as error:
        line = error.position[0] if getattr(error, "position", None) else None
        if not result.reports:
            return refused(f"is not well-formed XML ({error})", line)
        # A download cut short: what came before the break was read whole, activity by activity.
        result.file_notes.append(
            f"the file breaks off{f' at line {line:,}' if line else ''} (not well-formed XML: {error}); the "
            f"{plural(len(result.reports), 'activity', 'activities')} before the break are read, anything after it is not"
        )
    except _EncodingNotReadable as error:
        return refused(f"cannot be read in the encoding it declares ({error}); {MUST_BE_UTF8}")
    if result.activities == 0:
        return refused("holds no <iati-activity> elements")
    reader.finish()
    if not any(report.read for report in result.reports):
        result.problems.append(
            Problem(
                name,
                None,
                None,
                None,
                (
                    "its only activity could not be read"
                    if len(result.reports) == 1
                    else f"none of its {len(result.reports):,} activities could be read"
                )
                + ": set aside, and the report says why",
            )
        )
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


class _Reader:
    """Reads activities one at a time into rows of the tables, and links components to parents once all are read."""

    def __init__(self, result: IatiImport, cities: pd.DataFrame, relationship: str, accessed: str):
        self.result = result
        self.rows: dict[str, list[dict]] = {table: [] for table in SCHEMAS}
        self.relationship, self.accessed = relationship, accessed
        self.city_names = {_place_name(row.city): row.city_id for row in cities.itertuples()}
        self.city_points = [(row.city_id, float(row.lat), float(row.lon)) for row in cities.itertuples()]
        self.file_version = ""
        self.used_ids: set[str] = set()
        self.project_of: dict[str, str] = {}  # IATI identifier -> project_id, for the first activity with it
        self.report_of: dict[str, ActivityReport] = {}  # project_id -> its report line
        self.parent_named: dict[str, str] = {}  # project_id -> the identifier its related-activity type 1 names
        self.children_named: dict[str, list[str]] = {}  # project_id -> identifiers its related-activity type 2 names
        self.set_aside_ids: set[str] = set()

    def set_aside(self, report: ActivityReport, reason: str) -> None:
        report.read = False
        report.set_aside.append(reason)
        self.result.reports.append(report)
        if report.identifier:
            self.set_aside_ids.add(report.identifier)

    def activity(self, activity, number: int) -> None:
        by_tag: dict[str, list] = {}
        for child in activity:
            by_tag.setdefault(_local(child.tag), []).append(child)
        identifier = " ".join((by_tag["iati-identifier"][0].text or "").split()) if "iati-identifier" in by_tag else ""
        version, codes = _version(activity, self.file_version, by_tag)
        report = ActivityReport(number, identifier, version, _text(by_tag.get("title")) or "")
        if codes is None:
            return self.set_aside(report, f"IATI version {version}; this dashboard reads {VERSIONS_READ}")
        if not identifier:
            return self.set_aside(report, "no iati-identifier: an activity cannot be told apart or linked without one")
        self.result.reports.append(report)
        project_id = slug(identifier)
        while project_id in self.used_ids:
            project_id += "_2"
        self.used_ids.add(project_id)
        if identifier in self.project_of:  # an export joining two publishers' files can hold an activity twice
            earlier = self.report_of[self.project_of[identifier]].number
            report.notes.append(f"activity {earlier} has the same identifier: both are read, this one as project {project_id}")
        self.project_of.setdefault(identifier, project_id)
        self.report_of[project_id] = report
        for related in by_tag.get("related-activity", []):
            ref = " ".join((related.get("ref") or "").split())
            if ref and related.get("type") == PARENT:
                self.parent_named.setdefault(project_id, ref)
            elif ref and related.get("type") == CHILD:
                self.children_named.setdefault(project_id, []).append(ref)
        self.project(activity, by_tag, identifier, project_id, codes, report)

    def project(self, activity, by_tag, identifier: str, project_id: str, codes: Codes, report: ActivityReport) -> None:
        result, rows = self.result, self.rows
        source_id = f"iati_{project_id}"
        currency = " ".join((activity.get("default-currency") or "").split()).upper()
        reporting = (by_tag.get("reporting-org") or [None])[0]
        publisher = _narrative(reporting) or (reporting.get("ref") if reporting is not None else None) or "IATI publisher"
        updated = (activity.get("last-updated-datetime") or "")[:10] or None

        dates = {}
        for date in by_tag.get("activity-date", []):
            text = (date.get("iso-date") or "")[:10] or " ".join((date.text or "").split())  # 1.0x may give the date as text
            if is_partial_date(text):
                dates.setdefault(date.get("type"), text)
        status_element = (by_tag.get("activity-status") or [None])[0]
        status = STATUS.get(status_element.get("code") if status_element is not None else "", "unknown")
        sectors = sorted(by_tag.get("sector", []), key=lambda sector: -(_number(sector.get("percentage")) or 0))
        sector = next(
            (
                DAC_SECTORS[sector.get("code", "")[:3]]
                for sector in sectors
                if sector.get("vocabulary", codes.default_vocabulary) in codes.dac5_vocabularies + codes.dac3_vocabularies
                and sector.get("code", "")[:3] in DAC_SECTORS
            ),
            "Other",
        )
        partners = [
            _narrative(org) or org.get("ref")
            for org in by_tag.get("participating-org", [])
            if (org.get("role") or "").strip().lower() == codes.implementing_role
        ]
        description = _text([d for d in by_tag.get("description", []) if d.get("type", "1") == "1"])

        countries = []
        for country in by_tag.get("recipient-country", []):
            iso3 = ISO2_TO_ISO3.get((country.get("code") or "").upper())
            if iso3 and iso3 not in countries:
                countries.append(iso3)
        sites = self.places(by_tag.get("location", []), identifier, report)
        regional = any(True for _ in by_tag.get("recipient-region", []))
        scope = "city" if sites else "country" if countries else "regional" if regional else "unspecified"

        other_money: list[str] = []  # amounts in other currencies, for the project's amount note
        commitments, budgets = [], []
        other_flows: dict[str, int] = {}
        for number, transaction in enumerate(by_tag.get("transaction", []), start=1):
            parts = {_local(child.tag): child for child in transaction}
            type_element = parts.get("transaction-type")
            code = " ".join((type_element.get("code") or "").split()) if type_element is not None else ""
            code = code.upper() if codes is CODES_1 else code
            if code in codes.other_flows:
                other_flows[codes.other_flows[code]] = other_flows.get(codes.other_flows[code], 0) + 1
                continue
            kind = codes.money.get(code)
            if kind is None:
                report.set_aside.append(f"transaction {number}: " + _unknown_type(code, codes))
                continue
            money = _money(parts.get("value"), currency, f"transaction {number}", report)
            if money is None:
                continue
            value, currency_used, value_element = money
            when = _date(parts.get("transaction-date")) or (value_element.get("value-date") or "")[:10]
            if not is_partial_date(when):
                report.set_aside.append(
                    f"transaction {number}: "
                    + (f"its date {when!r} is not a date (YYYY-MM-DD)" if when else "no transaction-date or value-date")
                )
                continue
            receiver = _narrative(parts.get("receiver-org")) or (parts["receiver-org"].get("ref") if "receiver-org" in parts else None)
            result.transactions += 1
            report.transactions += 1
            if currency_used not in report.currencies:
                report.currencies.append(currency_used)
            rows["transactions"].append(
                {
                    "transaction_id": f"{project_id}_transaction_{number}",
                    "project_id": project_id,
                    "transaction_type": kind,
                    "amount": repr(value),
                    "currency": currency_used,
                    "transaction_date": when,
                    "fiscal_year": None,
                    "recipient": receiver,
                    "source_id": source_id,
                    "note": f"From the IATI file: transaction {number} (type {code}).",
                }
            )
            if currency_used != "USD":
                result.other_currency.append(
                    {"activity": identifier, "what": kind, "amount": value, "currency": currency_used, "date": when}
                )
                other_money.append(f"{value:,.0f} {currency_used}")
            elif kind == "commitment":
                commitments.append((number, value, when, receiver))
        if other_flows:
            flows = ", ".join(f"{count} {name}" for name, count in other_flows.items())
            report.notes.append(f"other flows not read as money: {flows}")
        for number, budget in enumerate(by_tag.get("budget", []), start=1):
            parts = {_local(child.tag): child for child in budget}
            money = _money(parts.get("value"), currency, f"budget {number}", report)
            if money is None:
                continue
            value, currency_used, value_element = money
            if value < 0:
                report.set_aside.append(f"budget {number}: a negative budget ({value:,.0f} {currency_used})")
                continue
            when = _date(parts.get("period-start")) or (value_element.get("value-date") or "")[:10]
            report.budgets += 1
            if currency_used not in report.currencies:
                report.currencies.append(currency_used)
            if currency_used != "USD":
                result.other_currency.append(
                    {"activity": identifier, "what": "budget", "amount": value, "currency": currency_used, "date": when}
                )
                other_money.append(f"{value:,.0f} {currency_used}")
            else:
                budgets.append((number, value, when if is_partial_date(when) else None))

        amount_note = None
        if other_money:
            amount_note = (
                "Also reports " + ", ".join(other_money) + " in other currencies: not converted to US dollars and not added to totals."
            )
            report.notes.append("not in US dollars, kept in their own currency and not added to totals: " + ", ".join(other_money))
        rows["projects"].append(
            {
                "project_id": project_id,
                "title": report.title or identifier,
                "relationship": self.relationship,
                "lead_agency": next((agency for pattern, agency in LEAD_AGENCY_NAMES if pattern.search(publisher)), "Other"),
                "lead_office": publisher,
                "implementing_partners": "; ".join(p for p in partners if p) or None,
                "sector": sector,
                "geographic_scope": scope,
                "status": status,
                "status_as_of": updated,
                "start_date": next((dates[t] for t in codes.start_dates if t in dates), None),
                "end_date": next((dates[t] for t in codes.end_dates if t in dates), None),
                "summary": (description[:600] + "…" if description and len(description) > 600 else description)
                or "No description in the IATI file.",
                "amount_note": amount_note,
                "record_id": identifier,
            }
        )
        rows["sources"].append(
            {
                "source_id": source_id,
                "title": f"IATI activity {identifier}",
                "publisher": publisher,
                "url": "https://d-portal.org/ctrack.html#view=act&aid=" + urllib.parse.quote(identifier, safe=""),
                "date_published": updated,
                "date_accessed": self.accessed,
            }
        )
        rows["project_sources"].append({"project_id": project_id, "source_id": source_id})
        rows["project_countries"] += [
            {"project_id": project_id, "iso3": iso3, "source_id": source_id} for iso3 in countries if not sites
        ]
        rows["project_cities"] += [
            {"project_id": project_id, "city_id": city_id, "role": "site", "source_id": source_id} for city_id in sites
        ]
        for number, value, when, receiver, kind, note in _funding(commitments, budgets):
            rows["grants"].append(
                {
                    "grant_id": f"{project_id}_{kind}_{number}",
                    "project_id": project_id,
                    "recipient": receiver or (partners[0] if partners and partners[0] else "not named in the IATI file"),
                    "amount_usd": repr(value),
                    "award_date": when or updated or self.accessed[:4],
                    "date_basis": f"IATI {kind} date",
                    "funding_office": publisher,
                    "amount_kind": kind,
                    "source_id": source_id,
                    "note": note,
                }
            )
        for number, (metric, unit, value, as_of, value_type) in enumerate(_results(by_tag.get("result", [])), start=1):
            result.results += 1
            report.results += 1
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

    def places(self, locations: list, identifier: str, report: ActivityReport) -> list[str]:
        """The member cities the activity's locations name or lie near; the others are listed, and counted on `report`."""
        sites, unplaced = [], []
        for location in locations:
            place = _narrative(next((c for c in location if _local(c.tag) == "name"), None))
            lat_lon = _point(location)
            city_id = self.city_names.get(_place_name(place)) if place else None
            distance = None
            if city_id is None and lat_lon:
                distance, city_id = min((_km(lat_lon[0], lat_lon[1], lat, lon), cid) for cid, lat, lon in self.city_points)
                if distance > MATCH_KM:
                    city_id = None
            if city_id is not None:
                report.placed += 1
                if city_id not in sites:
                    sites.append(city_id)
                continue
            report.not_placed += 1
            unplaced.append(place or "(no name)")
            self.result.unmatched_locations.append(
                {
                    "activity": identifier,
                    "location": place or "(no name)",
                    "lat": lat_lon[0] if lat_lon else None,
                    "lon": lat_lon[1] if lat_lon else None,
                    "nearest member city (km)": round(distance) if distance is not None else None,
                }
            )
        if unplaced:
            report.notes.append(f"not placed on a member city (none by that name or within {MATCH_KM} km): " + ", ".join(unplaced))
        return sites

    def finish(self) -> None:
        """Link components to their parents, keep money at one level of each family, and build the tables."""
        rows, result = self.rows, self.result
        parent_of: dict[str, str] = {}
        for child, ref in self.parent_named.items():
            parent = self.project_of.get(ref)
            if parent is None:
                where = "was set aside" if ref in self.set_aside_ids else "is not in this file"
                self.report_of[child].notes.append(f"its parent {ref} {where}: read as a project of its own")
            elif parent != child:
                parent_of[child] = parent
        for parent, refs in self.children_named.items():
            for ref in refs:
                child = self.project_of.get(ref)
                if child is not None and child != parent:
                    parent_of.setdefault(child, parent)
        # Components are one level deep (schema): a parent that is itself a component leaves its own children alone.
        linked = {child: parent for child, parent in parent_of.items() if parent not in parent_of}
        for child in parent_of.keys() - linked.keys():
            parent = parent_of[child]
            self.report_of[child].notes.append(
                f"its parent {self.report_of[parent].identifier} is itself a component of "
                f"{self.report_of[parent_of[parent]].identifier}: read as a project of its own"
            )
        carrying = {row["project_id"] for table in ("grants", "transactions") for row in rows[table]}
        families: dict[str, list[str]] = {}
        for child, parent in linked.items():
            families.setdefault(parent, []).append(child)
            self.report_of[child].notes.append(f"a component of {self.report_of[parent].identifier}")
        for row in rows["projects"]:
            row["parent_project_id"] = linked.get(row["project_id"])
        # A family's money is counted at one level: its components' when they carry any (where IATI asks for
        # transactions), else the parent's. aggregate adds a parent's and its components' money together.
        left_out = {parent for parent, children in families.items() if parent in carrying and carrying & set(children)}
        for parent in left_out:
            report = self.report_of[parent]
            own = [plural(report.transactions, "transaction")] + ([plural(report.budgets, "budget")] if report.budgets else [])
            report.notes.append(
                f"its own money ({' and '.join(own)}) is not counted: its components in this file carry money of their "
                "own, and counting both would count it twice"
            )
            report.transactions = report.budgets = 0
            for row in rows["projects"]:
                if row["project_id"] == parent:
                    row["amount_note"] = " ".join(
                        filter(None, [row["amount_note"], "Its own amounts in the IATI file are left out: its components carry the money."])
                    )
        if left_out:
            for table in ("grants", "transactions"):
                kept = [row for row in rows[table] if row["project_id"] not in left_out]
                if table == "transactions":
                    result.transactions -= len(rows[table]) - len(kept)
                rows[table] = kept
        for row in rows["transactions"]:
            result.transactions_by_currency[row["currency"]] = result.transactions_by_currency.get(row["currency"], 0) + 1
        for table, table_rows in rows.items():
            if table_rows:
                frame = pd.DataFrame(table_rows, columns=list(SCHEMAS[table].columns), dtype=object)
                result.tables[table] = RawTable(frame.where(frame.notna(), pd.NA), f"{result.file_name} ({table} from IATI)")


def _version(activity, file_version: str, by_tag: dict[str, list]) -> tuple[str, Codes | None]:
    """The version an activity is read as, with why when it is not its own ("1.05 (the file's)", "1.0x (by its
    letter transaction codes)"), and the codes to read it by: None for a version this dashboard does not read."""
    own = " ".join((activity.get("version") or "").split())
    if own:
        return own, codes_for(own)
    if file_version:
        return f"{file_version} (the file's)", codes_for(file_version)
    # Neither says: what the activity holds does. Narratives came with 2.01; before them, text sat in the
    # elements themselves, and the codes for the same meanings differed (iati_codes).
    if any(_local(grandchild.tag) == "narrative" for children in by_tag.values() for child in children for grandchild in child):
        return f"{CODES_2.generation} (by its narratives)", CODES_2
    written = {
        "transaction codes": [
            (part.get("code") or "").strip().upper()
            for transaction in by_tag.get("transaction", [])
            for part in transaction
            if _local(part.tag) == "transaction-type"
        ],
        "organisation roles": [(org.get("role") or "").strip().lower() for org in by_tag.get("participating-org", [])],
        "activity date types": [(date.get("type") or "").strip() for date in by_tag.get("activity-date", [])],
    }
    for what, found in written.items():
        for codes, form in ((CODES_1, "in words" if what != "transaction codes" else "as letters"), (CODES_2, "as numbers")):
            known = {
                "transaction codes": set(codes.money) | set(codes.other_flows),
                "organisation roles": set(codes.roles),
                "activity date types": set(codes.start_dates + codes.end_dates),
            }[what]
            if known & set(found):
                return f"{codes.generation} (by its {what} {form})", codes
    if any((element.text or "").strip() for element in by_tag.get("title", []) + by_tag.get("description", [])):
        return f"{CODES_1.generation} (by its text without narratives)", CODES_1
    return f"{CODES_2.generation} (nothing in it tells the versions apart)", CODES_2


def _unknown_type(code: str, codes: Codes) -> str:
    if not code:
        return "no transaction-type code, so not known as money"
    other = CODES_2 if codes is CODES_1 else CODES_1
    hint = f" (a {other.generation} code, in a {codes.generation} activity)" if code.upper() in other.money else ""
    return f"unknown transaction type {code!r}{hint}"


def _money(value_element, default_currency: str, what: str, report: ActivityReport):
    """(value, currency, element) of a transaction's or budget's <value>, or None with the reason on `report`."""
    text = " ".join((value_element.text or "").split()) if value_element is not None else ""
    if not text:
        report.set_aside.append(f"{what}: no value")
        return None
    try:
        value = float(text)
    except ValueError:
        report.set_aside.append(f"{what}: its value {text[:40]!r} is not a number")
        return None
    if not abs(value) <= LARGEST_AMOUNT:  # infinite, NaN, or past any real amount: two of 1e308 sum to infinity
        report.set_aside.append(f"{what}: its value {text[:40]!r} is beyond any real amount (at most {LARGEST_AMOUNT:,})")
        return None
    given = " ".join((value_element.get("currency") or "").split()).upper()
    currency = given or default_currency
    if not currency:
        report.set_aside.append(f"{what}: no currency (its value names none and the activity has no default-currency)")
        return None
    if currency not in CURRENCIES:
        whose = "its value's" if given else "the activity's default"
        report.set_aside.append(f"{what}: {whose} currency {currency[:12]!r} is not an ISO 4217 currency code")
        return None
    return value, currency, value_element


def _date(element) -> str:
    """A date element's ISO date (iso-date, or in 1.0x the text it holds), up to its day."""
    if element is None:
        return ""
    return ((element.get("iso-date") or "").strip() or " ".join((element.text or "").split()))[:10]


def _funding(commitments, budgets):
    """The funding rows an activity's US dollars give: (number, value, date, receiver, kind, note).

    Its commitments, each a row; when a negative one (a reduction) is among them, their net total in one row,
    since a project's worth is what remains committed. Budgets only when it publishes no commitment.
    """
    if commitments and any(value < 0 for _, value, _, _ in commitments):
        net = sum(value for _, value, _, _ in commitments)
        reductions = sum(value < 0 for _, value, _, _ in commitments)
        dates = sorted(when for _, _, when, _ in commitments if is_partial_date(when))
        note = f"From the IATI file: {plural(len(commitments), 'commitment')} net of {plural(reductions, 'reduction')}."
        return [("net", net, dates[0] if dates else None, None, "commitment", note)] if net > 0 else []
    if commitments:
        return [(n, v, w, r, "commitment", f"From the IATI file: commitment {n}.") for n, v, w, r in commitments]
    return [(n, v, w, None, "budget", f"From the IATI file: budget {n}.") for n, v, w in budgets]


def _point(location) -> tuple[float, float] | None:
    """A location's latitude and longitude: <point><pos>lat lon</pos></point>, or 1.0x <coordinates latitude= longitude=>."""
    for child in location:
        tag = _local(child.tag)
        if tag == "point":
            pos = next((c for c in child if _local(c.tag) == "pos"), None)
            parts = (pos.text or "").split()[:2] if pos is not None else []
        elif tag == "coordinates":
            parts = [child.get("latitude") or "", child.get("longitude") or ""]
        else:
            continue
        try:
            lat, lon = (float(part) for part in parts)
        except ValueError:
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
    return None


def _results(results) -> list[tuple[str, str, float, str | None, str]]:
    """(metric, unit, value, as_of, value_type) for every indicator period with a numeric actual value."""
    found = []
    for result in results:
        for indicator in (child for child in result if _local(child.tag) == "indicator"):
            title = _text([c for c in indicator if _local(c.tag) == "title"]) or "indicator"
            measure = indicator.get("measure", "1")
            for period in (child for child in indicator if _local(child.tag) == "period"):
                parts = {_local(child.tag): child for child in period}
                actual = parts.get("actual")
                value = _number(actual.get("value") if actual is not None else None)
                if value is None or value < 0 or value > LARGEST_AMOUNT:
                    continue
                as_of = _date(parts.get("period-end")) or None
                # Only counts can be added up; a percentage or a score is shown as context.
                # The indicator's own title says what was counted ("Staff trained"); the unit column carries it.
                unit = title if measure == "1" else f"{MEASURE_UNITS.get(measure, 'value')}: {title}"
                found.append(
                    (
                        slug(title)[:60],
                        unit,
                        value,
                        as_of if as_of and is_partial_date(as_of) else None,
                        "result" if measure == "1" else "context",
                    )
                )
    return found
