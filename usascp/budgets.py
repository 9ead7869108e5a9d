"""How much an upload may cost the server: every limit in one place, checked while reading, before memory is spent.

An upload is hostile until read: a 108 KB workbook can declare 16,384 columns by 20,000 rows, a 2 MB
one can hold a gigabyte of shared text, a 8 MB zip can unpack to 200 MB of CSV. Each reader checks the
limit that bounds what it is about to allocate (the size a zip member declares, the columns of a CSV
header, the cells a sheet really produces) and refuses with a message naming the limit and the file.

The defaults fit a real portfolio with room: a 60 MB CSV of 740,000 grants (about 7.4 million cells)
reads within them. A deployment that needs more sets USASCP_UPLOAD_<NAME> (e.g. USASCP_UPLOAD_ROWS).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Budget:
    file_bytes: int = 200 * MB  # one file as uploaded (Streamlit's server.maxUploadSize says the same)
    unpacked_bytes: int = 300 * MB  # everything one upload unpacks, zip members and workbook parts together
    shared_text_bytes: int = 64 * MB  # a workbook's shared strings part: openpyxl holds all of it in memory
    zip_members: int = 200  # a zip of the template's tables has 10; its own guidance files a few more
    sheets: int = 50
    columns: int = 100  # per table; the widest table has 17 columns
    rows: int = 1_000_000  # per table, counting lines before parsing
    cells: int = 15_000_000  # per upload: rows times columns, as the readers produce them
    problems: int = 1_000  # listed in a report; the rest are counted ("and 52,310 more")
    xml_elements_outside_activities: int = 10_000  # an IATI file holds little besides its activities
    xml_elements_per_activity: int = 200_000  # a large activity has a few thousand transactions
    seconds: float = 180.0  # reading and checking one upload in its worker process
    # Streaming one ForeignAssistance.gov download from disk (the command line): a 3 GB file takes a few minutes.
    fagov_seconds: float = 3600.0
    memory_bytes: int = 3 * 1024 * MB  # the worker's memory, above what it starts with
    # An explored upload kept on disk for its browser (usascp.kept_uploads), as CSV: the shipped data is under 1 MB.
    kept_bytes: int = 64 * MB
    all_kept_bytes: int = 2 * 1024 * MB  # every kept upload together: a disk that fills stops keeping, it never fails

    def describe(self, name: str) -> str:
        """A limit in words for a message: "1,000,000 rows", "300 MB"."""
        value = getattr(self, name)
        if name.endswith("bytes"):
            return f"{value / MB:,.0f} MB"
        unit = {"seconds": "seconds", "zip_members": "files", "sheets": "sheets"}.get(name, name.replace("_", " "))
        return f"{value:,g} {unit}" if isinstance(value, float) else f"{value:,} {unit}"


def default_budget() -> Budget:
    """The limits, with any USASCP_UPLOAD_<NAME> environment variable taking the place of a default."""
    overrides = {}
    for field in dataclasses.fields(Budget):
        text = os.environ.get(f"USASCP_UPLOAD_{field.name.upper()}")
        if text:
            overrides[field.name] = float(text) if field.type == "float" else int(text)
    return Budget(**overrides)


class OverBudget(Exception):
    """Raised by a reader the moment an upload goes over a limit; the message is for the person who sent it."""
