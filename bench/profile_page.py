"""Where one page's rerun goes: named functions timed inside real reruns, as the benchmark reruns the page.

    python bench/profile_page.py 10000 Funding 25 usascp.aggregate:money_by_year ui.layout:people_table ...

Runs the page in AppTest as bench/measure.py does (the whole script with its sidebar, views shared between viewers
switched off, a different country chosen before each rerun), with each named function (module:function) wrapped in
a timer. Prints the median rerun and, for each function, the median of its time per rerun (calls nested in another
named function count in both). A function a page imported by name before the wrapping is not seen: name the
module it is used from. For a profile of everything, run `py-spy record` on the same loop.
"""

from __future__ import annotations

import functools
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def main(scale: str, title: str, reruns: int, targets: list[str]) -> None:
    import measure
    from usascp import aggregate

    measure._as_the_server_runs_it()
    aggregate.VIEWS_KEPT = 0
    spent: dict[str, float] = {}
    for target in targets:
        module_name, name = target.split(":")
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        def timed(*args, original=original, name=name, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        setattr(module, name, functools.wraps(original)(timed))
    os.environ["USASCP_DATA_DIR"] = str(REPO / "bench" / "data" / f"{scale}x")
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=900)
    app.query_params["profile"] = "phnom_penh"
    app.query_params["place"] = ["KHM", "VNM", "phnom_penh", "ho_chi_minh_city"]
    app.query_params["q"] = "phnom"
    app.run()
    app.switch_page(measure.PAGES[title]).run()
    per_function: dict[str, list[float]] = {}
    reruns_ms = []
    for i in range(reruns):
        app.multiselect(key="filter_countries").set_value(list(measure.FILTER_CHANGES[i % len(measure.FILTER_CHANGES)]))
        spent.clear()
        start = time.perf_counter()
        app.run()
        if i >= 3:  # the first reruns warm what the page keeps
            reruns_ms.append((time.perf_counter() - start) * 1000)
            for name, seconds in spent.items():
                per_function.setdefault(name, []).append(seconds * 1000)
    print(f"{title} at {scale}x: rerun {statistics.median(reruns_ms):.1f} ms (median of {len(reruns_ms)})")
    for name, times in per_function.items():
        print(f"  {name:28} {statistics.median(times):6.2f} ms")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if len(arguments) < 3:
        sys.exit(__doc__)
    main(arguments[0], arguments[1], int(arguments[2]), arguments[3:])
