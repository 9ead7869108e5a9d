"""Measure one dataset folder for the benchmark; prints one JSON object. bench/run.py runs it twice per size, in
fresh processes: once for the data work (`data`), once for the pages (`pages`).

A process per size and part keeps the figures apart: the peak memory is the pages' alone, with the dataset
loaded once as a server loads it, and no cache is warm. Every time is the median of several runs.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PAGES = {
    "Overview": "pages/overview.py",
    "Pilot cities map": "pages/map.py",
    "City profile": "pages/city.py",
    "Compare places": "pages/compare.py",
    "Funding": "pages/funding.py",
    "Impact": "pages/impact.py",
    "Projects": "pages/projects.py",
    "Events": "pages/events.py",
    "Present": "pages/present.py",
    "About the data": "pages/about.py",
    "Search": "pages/search.py",
}
# The filter change before each timed rerun: a different country every time, so no rerun can be served
# by a cache filled by an earlier one (a viewer's real second look at a view would be quicker still).
FILTER_CHANGES = (("KHM",), ("IDN",), ("LAO",), ("MYS",), ("PHL",), ("THA",), ("VNM",), ("SGP",), ("MMR",), ("BRN",), ())


def median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def floor_seconds(folder: Path, repeats: int) -> float:
    """The least any loader must do: parse the same CSV files, with pyarrow, into Arrow tables."""
    import pyarrow.csv as pacsv

    files = sorted(folder.glob("*.csv"))
    return median_seconds(lambda: [pacsv.read_csv(path) for path in files], repeats)


def sidebar_ms(dataset, repeats: int) -> float:
    """The sidebar's own work on each rerun: the options and a count beside every value of five filters."""
    from usascp.filters import Filters, filter_options, sidebar_counts

    def step():
        filter_options(dataset)
        sidebar_counts(dataset, Filters(countries=("KHM",)))

    step()
    return median_seconds(step, repeats) * 1000


def filter_aggregate_ms(dataset, repeats: int) -> float:
    """The data work behind the Overview after a filter change, without Streamlit: select, then aggregate."""
    from usascp import aggregate
    from usascp.filters import Filters, select_grants, select_projects, sidebar_counts

    def step():
        filters = Filters(countries=("KHM",))
        projects = select_projects(dataset, filters)
        grants = select_grants(dataset, filters, projects)
        aggregate.funding_totals(dataset, projects, grants)
        aggregate.funding_by(dataset, "sector", projects, grants)
        aggregate.metric_totals(dataset, projects=projects)
        aggregate.city_summary(dataset, projects, grants)
        sidebar_counts(dataset, filters)

    step()  # warm
    return median_seconds(step, repeats) * 1000


def search_timings(dataset, repeats: int) -> dict:
    """The search index's one-off build per dataset, and a query's time once it is built (usascp.search)."""
    from usascp import search

    build = median_seconds(lambda: (dataset.derived.pop("search_index", None), search.search_index(dataset)), 1)
    queries = ("phnom", "water", "s", "synthetic partner")
    query = median_seconds(lambda: [search.search(dataset, words) for words in queries], repeats) / len(queries)
    return {"search_index_s": round(build, 3), "search_ms": round(query * 1000, 1)}


def _as_the_server_runs_it() -> None:
    """Make AppTest run the app as a running server does, so a rerun is timed whole, sidebar included.

    Two differences from a server, both fixed here for the benchmark only (the tests keep AppTest as it is):
    AppTest forgets on every run that the app uses `st.navigation`, so it runs a switched-to page file on
    its own, without dashboard.py and the sidebar; and it compiles every script again on every run, which
    a server does once (its ScriptCache lives as long as the server).
    """
    from streamlit.runtime import pages_manager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    class NavigationPagesManager(pages_manager.PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pages_manager.PagesManager.uses_pages_directory = False  # as st.navigation() sets it

    compiled_once = ScriptCache()
    app_test.PagesManager = NavigationPagesManager
    app_test.ScriptCache = lambda: compiled_once  # the pages' code
    local_script_runner.ScriptCache = lambda: compiled_once  # dashboard.py's


def _timed_reruns(app, repeats: int, label: str, key: str = "filter_countries") -> float:
    """The median of `repeats` warm reruns, each after choosing another country in the sidebar, in ms."""
    times = []
    for i in range(repeats + 1):
        countries = list(FILTER_CHANGES[i % len(FILTER_CHANGES)])
        app.multiselect(key=key).set_value(countries)
        start = time.perf_counter()
        app.run()
        elapsed = time.perf_counter() - start
        if i:  # the first change warms what the page itself keeps
            times.append(elapsed)
        if app.exception:
            raise RuntimeError(f"{label}: {app.exception[0].value}")
        chosen = app.multiselect(key=key).value
        if list(chosen) != countries:
            raise RuntimeError(f"{label}: the country chosen did not reach the page ({chosen} != {countries})")
    return round(statistics.median(times) * 1000, 1)


# The naive page's reruns: more than the pages', in a process of its own (see naive_ms).
NAIVE_REPEATS = 15


def naive_ms(folder: Path, repeats: int) -> float:
    """bench/naive_page.py, timed as the pages are: the yardstick each page's ratio is taken against.

    Run in a process of its own (bench/run.py), as its own server would run it, over NAIVE_REPEATS reruns. Each of
    its reruns copies the portfolio out of st.cache_data, and how long that takes depends on what else the process
    holds: timed after the dashboard's pages in their process, its median of 5 swung from 156 to 299 ms between
    runs of the same code on a quiet machine; alone, 182-190 ms.
    """
    from streamlit.testing.v1 import AppTest

    os.environ["USASCP_DATA_DIR"] = str(folder)
    app = AppTest.from_file(str(REPO / "bench" / "naive_page.py"), default_timeout=900)
    app.run()  # cold: reads the CSV files into st.cache_data
    return _timed_reruns(app, repeats, "naive page", key="naive_countries")


def page_reruns(folder: Path, repeats: int) -> tuple[dict, int, int]:
    """Warm rerun time of each page, sidebar and all, after a country is chosen in the sidebar, and the
    payload sizes the pages send."""
    from streamlit.testing.v1 import AppTest

    os.environ["USASCP_DATA_DIR"] = str(folder)
    pages, map_payload, biggest_chart = {}, 0, 0
    for title, page in PAGES.items():
        app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=900)
        app.query_params["profile"] = "phnom_penh"  # the City profile page shows a city, not its chooser
        app.query_params["place"] = ["KHM", "VNM", "phnom_penh", "ho_chi_minh_city"]  # four places side by side
        app.query_params["q"] = "phnom"  # a search with hits of several kinds
        app.run()
        app.switch_page(page).run()  # cold: the first page of a session, dataset already cached
        if not app.sidebar.multiselect:
            raise RuntimeError(f"{title}: ran without the sidebar; the timing would leave its work out")
        pages[title] = {"rerun_ms": _timed_reruns(app, repeats, title)}
        for deck in app.get("deck_gl_json_chart"):
            if title == "Pilot cities map":
                map_payload = max(map_payload, len(deck.proto.json.encode()))
        for chart in app.get("plotly_chart"):
            biggest_chart = max(biggest_chart, len(chart.proto.spec.encode()))
    return pages, map_payload, biggest_chart


def data_work(folder: Path, repeats: int) -> dict:
    """Everything but the pages: the floor, load + validate, the data work alone, the search index."""
    from usascp.load import load_dataset

    floor = floor_seconds(folder, repeats)
    load = median_seconds(lambda: load_dataset(folder), max(3, repeats // 2))
    dataset = load_dataset(folder)
    return {
        "rows": dataset.row_counts,
        "floor_s": round(floor, 4),
        "load_validate_s": round(load, 3),
        "filter_aggregate_ms": round(filter_aggregate_ms(dataset, repeats), 1),
        "sidebar_ms": round(sidebar_ms(dataset, repeats), 1),
    } | search_timings(dataset, repeats)


def served(folder: Path, repeats: int) -> dict:
    """The pages as a server serves them: the dataset loaded once, every page rerun, and the memory that took.

    Run in a process of its own: loading several times over (the data work above) leaves memory the allocator
    keeps, which a server that loads once never holds.
    """
    _as_the_server_runs_it()
    pages, map_payload, biggest_chart = page_reruns(folder, repeats)
    # The most this process held, loading and every page included (the naive page, which holds a copy of the data
    # of its own, is timed in a process of its own).
    peak_memory_mb = own_peak_memory_mb()
    return {
        "pages": pages,
        "map_payload_bytes": map_payload,
        "biggest_chart_bytes": biggest_chart,
        "peak_memory_mb": peak_memory_mb,
    }


def own_peak_memory_mb() -> float:
    """The most memory this process has held since it started, in MB: Linux's VmHWM, the high-water mark of its
    own address space. Not ru_maxrss, which Linux carries over from the process that started this one: run after
    bench/run.py made the 100,000x data in its own memory, it reported 6.4 GB for pages that held 4.0."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # kilobytes on Linux


def main(folder: Path, repeats: int, part: str) -> dict:
    from usascp import aggregate

    # Time every view as its first viewer meets it: views shared between viewers (aggregate.per_view)
    # would otherwise answer the repeats from memory. `make load-test` measures the sharing.
    aggregate.VIEWS_KEPT = 0
    if part == "naive":
        return {"naive_ms": naive_ms(folder, NAIVE_REPEATS)}
    return data_work(folder, repeats) if part == "data" else served(folder, repeats)


if __name__ == "__main__":
    # python bench/measure.py FOLDER [REPEATS] [data|pages|naive]: one JSON object on the last line.
    arguments = sys.argv[1:] + [None] * 3
    print(json.dumps(main(Path(arguments[0]), int(arguments[1] or 5), arguments[2] or "data")))
