"""Files in ForeignAssistance.gov's download layout, with its quirks, and what a reader should find in them.

The quirks of the published files: "NULL" for an empty cell, negative amounts (de-obligations), rows dated
by fiscal year only (Transaction Date NULL), quoted text holding commas and line breaks, countries outside
ASEAN, "World" and regional rows. Amounts are multiples of 0.25, so every sum is exact in floating point and
a test can compare the reader's totals with the truth to the cent.

    python -m tests.fagov_files --size 3G /tmp/big.csv     # about 3 GB, for `make fagov-bench`
    python -m tests.fagov_files --activities 40 small.csv
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# The header as ForeignAssistance.gov publishes it (the complete file, us_foreign_aid_complete.csv), written
# out here rather than imported from the reader, so a slip in the reader's list shows up as a failing test.
HEADER = (
    "Country ID,Country Code,Country Name,Region ID,Region Name,Income Group ID,Income Group Name,Income Group Acronym,"
    "Managing Agency ID,Managing Agency Acronym,Managing Agency Name,Managing Sub-agency or Bureau ID,"
    "Managing Sub-agency or Bureau Acronym,Managing Sub-agency or Bureau Name,Implementing Partner Category ID,"
    "Implementing Partner Category Name,Implementing Partner Sub-category ID,Implementing Partner Sub-category Name,"
    "Implementing Partner ID,Implementing Partner Name,International Category ID,International Category Name,"
    "International Sector Code,International Sector Name,International Purpose Code,International Purpose Name,"
    "US Category ID,US Category Name,US Sector ID,US Sector Name,Funding Account ID,Funding Account Name,"
    "Funding Agency ID,Funding Agency Name,Funding Agency Acronym,Foreign Assistance Objective ID,"
    "Foreign Assistance Objective Name,Aid Type Group ID,Aid Type Group Name,Activity ID,Submission ID,Activity Name,"
    "Activity Description,Activity Project Number,Activity Start Date,Activity End Date,Transaction Type ID,"
    "Transaction Type Name,Fiscal Year,Transaction Date,Current Dollar Amount,Constant Dollar Amount"
)
COLUMNS = HEADER.split(",")

# (Country ID, code, name, Region ID, region): ASEAN members, others, "World" and a region with no country.
ASEAN = [
    ("116", "KHM", "Cambodia", "5", "East Asia and Oceania"),
    ("360", "IDN", "Indonesia", "5", "East Asia and Oceania"),
    ("418", "LAO", "Laos", "5", "East Asia and Oceania"),
    ("608", "PHL", "Philippines", "5", "East Asia and Oceania"),
    ("704", "VNM", "Vietnam", "5", "East Asia and Oceania"),
    ("104", "MMR", "Burma (Myanmar)", "5", "East Asia and Oceania"),
]
ELSEWHERE = [
    ("404", "KEN", "Kenya", "2", "Sub-Saharan Africa"),
    ("484", "MEX", "Mexico", "6", "Western Hemisphere"),
    ("356", "IND", "India", "7", "South and Central Asia"),
    ("804", "UKR", "Ukraine", "4", "Europe and Eurasia"),
]
WORLD = ("999", "WLD", "World", "9", "World")
REGION = ("998", "NULL", "Asia Region", "5", "East Asia and Oceania")

AGENCIES = [
    ("1", "USAID", "U.S. Agency for International Development", "10", "BAEO", "Bureau for Asia"),
    ("2", "STATE", "Department of State", "20", "EAP", "Bureau of East Asian and Pacific Affairs"),
    ("3", "USTDA", "U.S. Trade and Development Agency", "30", "NULL", "NULL"),
    ("4", "DOD", "Department of Defense", "40", "DSCA", "Defense Security Cooperation Agency"),
]
SECTORS = [
    ("Water Supply and Sanitation", "14030", "Basic drinking water supply"),
    ("Infrastructure", "21010", "Transport policy and administrative management"),
    ("Health - General", "12110", "Health policy and administrative management"),
    ("Higher Education", "11420", "Higher education"),
    ("Good Governance", "15110", "Public sector policy and administrative management"),
    ("Environment", "41010", "Environmental policy and administrative management"),
]
PARTNERS = ["Chemonics International", "RTI International", "Tetra Tech ARD, Inc.", "NULL", "World Bank, IBRD"]
WORDS = [
    "city",
    "water",
    "utility",
    "training",
    "smart",
    "mobility",
    "resilience",
    "climate",
    "partnership",
    "officials",
    "digital",
    "health",
    "services",
    "regional",
    "exchange",
    "municipal",
    "planning",
    "energy",
    "efficiency",
    "waste",
    "flood",
    "early",
    "warning",
]


@dataclass
class Truth:
    """What the rows written hold, for the ASEAN countries (the reader's default)."""

    rows: int = 0
    kept: int = 0  # rows in ASEAN countries
    world: int = 0
    regional: int = 0
    outside: int = 0
    bytes: int = 0
    activities: set = field(default_factory=set)  # kept activity ids
    by_year: dict = field(default_factory=dict)  # fiscal year -> {"obligation": x, "disbursement": y}
    by_activity: dict = field(default_factory=dict)  # activity id -> {"obligation": x, "disbursement": y}

    def summary(self) -> dict:
        return {
            "rows": self.rows,
            "kept": self.kept,
            "world": self.world,
            "regional": self.regional,
            "outside": self.outside,
            "bytes": self.bytes,
            "activities": len(self.activities),
            "by_year": {str(year): totals for year, totals in sorted(self.by_year.items())},
        }


def quoted(text: str) -> str:
    """A CSV cell: quoted (quotes doubled) when it holds a comma, a quote or a line break."""
    if any(mark in text for mark in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def row_line(values: dict[str, str], columns=COLUMNS) -> str:
    return ",".join(quoted(values.get(column, "NULL")) for column in columns) + "\n"


def _description(rng: random.Random, activity: int) -> str:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 110)))
    # Commas, a quoted phrase and a line break inside the cell, as FA.gov's descriptions have.
    return f'Activity {activity}: supports "smart cities", in two phases.\nPhase one: {words}.'


def write_fagov_file(out, activities: int | None = None, target_bytes: int | None = None, seed: int = 14) -> Truth:
    """Write a file (text stream `out`) of `activities` activities, or as many as make `target_bytes`; return the truth."""
    rng = random.Random(seed)
    truth = Truth()
    header = HEADER + "\n"
    out.write(header)
    truth.bytes += len(header.encode())
    descriptions = [_description(rng, number) for number in range(400)]
    number = 0
    buffer, buffered = [], 0
    while (activities is not None and number < activities) or (target_bytes is not None and truth.bytes < target_bytes):
        number += 1
        activity_id = str(100000 + number)
        # As in the complete file, most rows are elsewhere: one activity in ten is in ASEAN.
        pick = number % 10
        place = ASEAN[number // 10 % len(ASEAN)] if pick == 1 else WORLD if pick == 8 else REGION if pick == 9 else ELSEWHERE[number % len(ELSEWHERE)]
        agency = AGENCIES[number % len(AGENCIES)]
        sector = SECTORS[number % len(SECTORS)]
        start_year = 2012 + (number // 10) % 10
        values = {
            "Country ID": place[0],
            "Country Code": place[1],
            "Country Name": place[2],
            "Region ID": place[3],
            "Region Name": place[4],
            "Income Group ID": "3",
            "Income Group Name": "Lower Middle Income Country",
            "Income Group Acronym": "LMIC",
            "Managing Agency ID": agency[0],
            "Managing Agency Acronym": agency[1],
            "Managing Agency Name": agency[2],
            "Managing Sub-agency or Bureau ID": agency[3],
            "Managing Sub-agency or Bureau Acronym": agency[4],
            "Managing Sub-agency or Bureau Name": agency[5],
            "Implementing Partner Category ID": "2",
            "Implementing Partner Category Name": "Enterprises",
            "Implementing Partner Sub-category ID": "NULL",
            "Implementing Partner Sub-category Name": "NULL",
            "Implementing Partner ID": str(number % 50),
            "Implementing Partner Name": PARTNERS[number % len(PARTNERS)],
            "International Category ID": "4",
            "International Category Name": "Economic Growth",
            "International Sector Code": sector[1][:3],
            "International Sector Name": sector[0],
            "International Purpose Code": sector[1],
            "International Purpose Name": sector[2],
            "US Category ID": "5",
            "US Category Name": "Economic Development",
            "US Sector ID": str(number % len(SECTORS)),
            "US Sector Name": sector[0],
            "Funding Account ID": "72-1037",
            "Funding Account Name": "Economic Support Fund",
            "Funding Agency ID": agency[0],
            "Funding Agency Name": agency[2],
            "Funding Agency Acronym": agency[1],
            "Foreign Assistance Objective ID": "1",
            "Foreign Assistance Objective Name": "Economic",
            "Aid Type Group ID": "3",
            "Aid Type Group Name": "Project-Type",
            "Activity ID": activity_id,
            "Submission ID": str(number % 7 + 1),
            "Activity Name": f"Smart cities, phase {number % 3 + 1}: {place[2]}",
            "Activity Description": descriptions[number % len(descriptions)],
            "Activity Project Number": f"72048{number:06d}",
            "Activity Start Date": f"{start_year}-10-01",
            "Activity End Date": "NULL" if number % 4 == 0 else f"{start_year + 5}-09-30",
        }
        prefix = ",".join(quoted(values[column]) for column in COLUMNS[:46])
        where = "kept" if pick == 1 else "world" if pick == 8 else "regional" if pick == 9 else "outside"
        for kind, kind_id, kind_name, year, day, amount in _transactions(rng, number, start_year):
            line = f"{prefix},{kind_id},{kind_name},{year},{day},{amount:.2f},{amount * 0.9:.2f}\n"
            buffer.append(line)
            buffered += len(line)
            truth.rows += 1
            setattr(truth, where, getattr(truth, where) + 1)
            if where == "kept":
                truth.activities.add(activity_id)
                for totals in (truth.by_year.setdefault(year, {"obligation": 0.0, "disbursement": 0.0}),
                               truth.by_activity.setdefault(activity_id, {"obligation": 0.0, "disbursement": 0.0})):  # fmt: skip
                    totals[kind] += amount
        if buffered > 4 * 2**20:
            text = "".join(buffer)
            out.write(text)
            truth.bytes += len(text.encode())
            buffer, buffered = [], 0
    text = "".join(buffer)
    out.write(text)
    truth.bytes += len(text.encode())
    return truth


def _transactions(rng: random.Random, number: int, start_year: int):
    """(type, Transaction Type ID, Transaction Type Name, fiscal year, date or NULL, amount) rows of one activity."""
    rows = []
    for offset in range(1 + number % 3):
        year = start_year + 1 + offset
        amount = rng.randint(4, 4000) * 250.0
        day = f"{year - 1}-{rng.randint(10, 12)}-{rng.randint(1, 28):02d}" if (number + offset) % 2 else "NULL"
        rows.append(("obligation", "2", "Obligations", year, day, amount))
        rows.append(("disbursement", "3", "Disbursements", year + 1, "NULL", amount / 2))
    if number % 20 == 1:  # a de-obligation: part of the first obligation given back
        rows.append(("obligation", "2", "Obligations", start_year + 3, f"{start_year + 3}-03-15", -rng.randint(1, 4) * 250.0))
    if number % 70 == 31:  # obligations that net to nothing: the whole obligation taken back
        first = rows[0]
        rows.append(("obligation", "2", "Obligations", first[3], "NULL", -first[5]))
    return rows


def size_in_bytes(text: str) -> int:
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fagov_files", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", help="about this many bytes: 3G, 200M, 50K")
    parser.add_argument("--activities", type=int)
    parser.add_argument("--seed", type=int, default=14)
    arguments = parser.parse_args(argv)
    if (arguments.size is None) == (arguments.activities is None):
        parser.error("give --size or --activities")
    target = size_in_bytes(arguments.size) if arguments.size else None
    with open(arguments.out, "w", encoding="utf-8", newline="") as out:
        truth = write_fagov_file(out, arguments.activities, target, arguments.seed)
    summary = truth.summary()
    counts = Counter({key: summary[key] for key in ("rows", "kept", "world", "regional", "outside")})
    print(f"{arguments.out}: {truth.bytes:,} bytes; " + ", ".join(f"{key} {value:,}" for key, value in counts.items()))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
