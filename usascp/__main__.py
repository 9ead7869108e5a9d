"""Command line: `python -m usascp validate FOLDER` checks a dataset folder before it is used or shared.

Exit status: 0 valid, 1 invalid (every problem is printed), 2 the folder cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from usascp.load import DEFAULT_DATA_DIR, DatasetError, load_dataset


def validate(folder: Path) -> int:
    if not folder.is_dir():
        print(f"{folder}: not a folder that can be read", file=sys.stderr)
        return 2
    try:
        dataset = load_dataset(folder)
    except DatasetError as error:
        print(error)
        return 1
    counts = ", ".join(f"{table} {rows}" for table, rows in dataset.row_counts.items())
    print(f"{folder}: valid. Would load {counts} rows.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m usascp", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate_parser = commands.add_parser("validate", help="check a dataset folder and report every problem")
    validate_parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DATA_DIR)
    arguments = parser.parse_args(argv)
    return validate(arguments.folder)


if __name__ == "__main__":
    sys.exit(main())
