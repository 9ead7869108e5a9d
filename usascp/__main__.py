"""Command line: `python -m usascp validate PATH...` checks data before it is uploaded, shared or shipped.

PATH may be a dataset folder, CSV files, a zip of CSV files, an Excel workbook (the template's
format), an IATI activity file (XML, 1.01 to 1.05 and 2.01 to 2.03, read activity by activity: a report
line for each) or a ForeignAssistance.gov CSV download (of any size: it is streamed from disk, keeping the rows of
--countries, ASEAN by default, and its report printed). A complete set of tables is checked on its own; a partial one is checked the way the Data page
would read it, on the shipped member cities and sources. Prints every problem, then one summary line;
a valid dataset the dashboard would show oddly (no dates, no grants, no projects) gets a warning line each.

Exit status: 0 valid, 1 invalid (every problem is printed) or read in part (IATI activities, or parts of them,
set aside), 2 nothing could be read at all. A readable IATI file never exits 2, even when every activity is set aside.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from usascp.budgets import Budget, default_budget
from usascp.formatting import plural
from usascp.importers.fagov import is_fagov_csv, read_fagov
from usascp.importers.tables import UploadedFile, add_fagov, dataset_from_upload, read_upload
from usascp.load import DEFAULT_DATA_DIR, DatasetError, load_dataset
from usascp.oddities import oddities
from usascp.schema import REQUIRED_TABLES, TABLE_FILES, rows_in_words

READABLE_SUFFIXES = (".csv", ".zip", ".xlsx", ".xlsm", ".xls", ".xml")


def _files_in(paths: list[Path], budget: Budget) -> tuple[list[UploadedFile], list[str]]:
    """The files to check, read into memory only when within the budget's size for one file."""
    files, unreadable = [], []

    def read(path: Path) -> None:
        try:
            size = path.stat().st_size
            if size > budget.file_bytes:
                unreadable.append(f"{path}: larger than the {budget.describe('file_bytes')} an uploaded file may be")
                return
            files.append(UploadedFile(path.name, path.read_bytes()))
        except OSError as error:
            unreadable.append(f"{path}: cannot be read ({error.strerror})")

    for path in paths:
        if path.is_dir():
            members = sorted(member for member in path.iterdir() if member.suffix.lower() in READABLE_SUFFIXES)
            if not members:
                unreadable.append(f"{path}: a folder with no CSV, zip or Excel files in it")
            for member in members:
                read(member)
        elif path.is_file():
            read(path)
        else:
            unreadable.append(f"{path}: not a file or folder that can be read")
    return files, unreadable


def _fagov_downloads(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """The ForeignAssistance.gov downloads among `paths` (known by their header), and the other paths."""
    downloads, others = [], []
    for path in paths:
        try:
            is_download = path.is_file() and path.suffix.lower() in (".csv", ".txt")
            if is_download:
                with path.open("rb") as stream:  # its header alone: a download may be gigabytes
                    is_download = is_fagov_csv(stream.read(2**16))
        except OSError:
            is_download = False
        (downloads if is_download else others).append(path)
    return downloads, others


def _read_downloads(downloads: list[Path], countries, regions, budget: Budget) -> list:
    """Each download streamed from disk (never read whole: the upload size limit does not apply), its report printed.

    A download has its own time limit (budget.fagov_seconds), and lists at most budget.problems rows.
    """
    imported = []
    for path in downloads:
        with path.open("rb") as stream:
            result = read_fagov(stream, path.name, path.stat().st_size, countries, budget=budget, seconds=budget.fagov_seconds, regions=regions or ())
        print("\n".join(result.report_lines()))
        for problem in result.problems:
            print(problem, file=sys.stderr)
        imported.append(result)
    return imported


def validate(paths: list[Path], beside_shipped: bool = False, countries: list[str] | None = None, regions=()) -> int:
    budget = default_budget()
    downloads, paths_read = _fagov_downloads(paths)
    files, unreadable = _files_in(paths_read, budget)
    for line in unreadable:
        print(line, file=sys.stderr)
    if not files and not downloads:
        return 2
    downloads_read = _read_downloads(downloads, countries, regions, budget)
    shipped = load_dataset(DEFAULT_DATA_DIR)
    upload = read_upload(files, shipped.cities, budget=budget)
    for result in downloads_read:
        add_fagov(upload, result)
    downloads_clean = all(result.clean for result in downloads_read)
    set_aside = _print_iati_reports(upload)
    if not upload.tables and downloads_read and not upload.problems.total:
        print("No rows of the chosen countries: nothing to load.")
        return 0 if downloads_clean else 1
    if not upload.tables:
        for problem in upload.problems:
            print(problem, file=sys.stderr)
        if more := upload.problems.more_line():
            print(more, file=sys.stderr)
        if any(imported.reports for imported in upload.iati):
            return 1  # an IATI file was read: each of its activities has its line above, and none could be kept
        print("Nothing could be read as a table.", file=sys.stderr)
        return 2
    complete = set(REQUIRED_TABLES) <= set(upload.tables)
    base = None if complete and not beside_shipped else shipped
    try:
        dataset = dataset_from_upload(upload, base, beside_base=beside_shipped)
    except DatasetError as error:
        _print_notes(error.notes)
        print(error)
        return 1
    _print_notes(dataset.notes)
    for oddity in oddities(dataset):
        print(f"Warning: {oddity}")
    names = ", ".join(str(path) for path in paths)
    counts = {
        table: len(getattr(dataset, table)) if base is None else len(upload.tables[table].frame)
        for table in TABLE_FILES
        if table in upload.tables
    }
    read = rows_in_words(counts)
    how = (
        "on its own"
        if base is None
        else ("beside the shipped data" if beside_shipped else "with the shipped member cities and sources")
    )
    if set_aside:
        print(f"{names}: read in part ({set_aside}, listed above); what was read is valid. Would load {read}, {how}.")
        return 1
    print(f"{names}: valid. Would load {read}, {how}.")
    return 0 if downloads_clean else 1  # a download with rows set aside for a defect, or a column missing: 1


def _print_iati_reports(upload) -> str:
    """Each IATI file's report (a line per activity, then its totals); what was set aside in all of them, in words."""
    activities = parts = breaks = 0
    for imported in upload.iati:
        if imported.reports:
            print("\n".join(imported.report_lines()))
        else:
            print(f"IATI {imported.summary}")
        activities += imported.activities_set_aside
        parts += imported.parts_set_aside
        breaks += len(imported.file_notes)
    said = [
        plural(activities, "IATI activity", "IATI activities") + " set aside" if activities else "",
        plural(parts, "part of an activity", "parts of activities") + " set aside" if parts else "",
        plural(breaks, "file that breaks off", "files that break off") if breaks else "",
    ]
    return ", ".join(filter(None, said))


def _print_notes(notes) -> None:
    total = getattr(notes, "total", len(notes))
    if total:
        print(f"Read {plural(total, 'value')} written loosely or by name:")
        for note in notes:
            print(f"- {note}")
        if more := getattr(notes, "more_line", lambda what: None)("values"):
            print(more)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m usascp", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate_parser = commands.add_parser(
        "validate", help="check data files (CSV, zip, Excel, IATI XML) and report every problem"
    )
    validate_parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_DATA_DIR], metavar="PATH")
    validate_parser.add_argument(
        "--beside-shipped", action="store_true", help="check the files as additions to the shipped data, not instead of it"
    )
    validate_parser.add_argument(
        "--countries",
        type=_country_list,
        metavar="ISO3,...",
        help="the countries whose rows a ForeignAssistance.gov download keeps (ISO3 codes; the ASEAN members by default)",
    )
    validate_parser.add_argument(
        "--region",
        action="append",
        dest="regions",
        metavar="NAME",
        help='also keep a download\'s regional rows (no country named) of this Region Name, e.g. "East Asia and Oceania"; may be repeated',
    )
    commands.add_parser("hash-password", help="print an [editors] line for .streamlit/secrets.toml")
    arguments = parser.parse_args(argv)
    if arguments.command == "hash-password":
        return hash_password_line()
    return validate(arguments.paths, arguments.beside_shipped, arguments.countries, arguments.regions or ())


def _country_list(text: str) -> list[str]:
    codes = [code.strip().upper() for code in text.split(",") if code.strip()]
    wrong = [code for code in codes if len(code) != 3 or not code.isalpha()]
    if wrong or not codes:
        raise argparse.ArgumentTypeError(f"three-letter ISO codes separated by commas, such as KHM,VNM (not {', '.join(wrong) or 'nothing'})")
    return codes


def hash_password_line() -> int:
    import getpass

    from usascp.editors import hash_password

    name = input("Editor's name (letters, digits, _): ").strip()
    password = getpass.getpass("Password: ")
    if not name or not password or password != getpass.getpass("Password again: "):
        print("The name was empty or the passwords differ; nothing printed.", file=sys.stderr)
        return 1
    print("Add these lines to .streamlit/secrets.toml (keep that file out of version control):")
    print(f'[editors]\n{name} = "{hash_password(password)}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())
