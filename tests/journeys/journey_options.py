"""How many of a control's options a journey walks: all of them with JOURNEYS=all (`make journeys`), a
sample in `make test` (tests/journeys/conftest.py says why)."""

from __future__ import annotations

import os

EVERY_OPTION = os.environ.get("JOURNEYS") == "all"


def sample(options: list, size: str, keep: int = 1) -> list:
    """The options a journey walks at `size`: all of them with JOURNEYS=all; else `keep` of them, different
    ones at each size, plus the last (a list of choices ends by going back to the default)."""
    if EVERY_OPTION or len(options) <= keep + 1:
        return list(options)
    start = 0 if size == "1280x720" else keep
    chosen = [options[(start + step) % (len(options) - 1)] for step in range(keep)]
    return chosen + [options[-1]]
