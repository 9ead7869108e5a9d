"""Everything each page shows, for several views, written to a file: speed work must leave it unchanged.

    python bench/figures.py save /tmp/figures-before.json 1 1000   # before a change
    python bench/figures.py compare /tmp/figures-before.json       # after it: exit 1 on any difference

Each page of the dashboard is run in AppTest (sidebar included) on data/ (size 1) and on the synthetic
bench/data/<N>x folders, under a handful of filter states, and every element it draws is written down:
metrics, text, captions, every table cell, every chart's data and layout, every map layer, every download's
name. `compare` runs the same again and names the first differences per page and view. The benchmark's own
faster paths are checked against this record: the same numbers, the same words, the same order.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from measure import PAGES, _as_the_server_runs_it  # noqa: E402

# The views walked at each size: the filters an officer sets most (one country, a sector, a year range,
# a city, everything including related programs).
VIEWS = {
    "all": {},
    "country": {"filter_countries": ["KHM"]},
    "sector": {"filter_sectors": ["Water"]},
    "years": {"filter_years": (2020, 2022)},
    "city and related": {"filter_cities": ["phnom_penh"], "filter_related": True},
}


def _plain(value):
    """A proto field's value in JSON: Arrow tables as their CSV text, bytes as a digest."""
    if isinstance(value, (bytes, bytearray)):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return value


def _arrow_csv(data: bytes) -> str:
    import pyarrow as pa

    table = pa.ipc.open_stream(io.BytesIO(data)).read_all()
    return table.to_pandas().to_csv()


def _element(node) -> dict | None:
    from google.protobuf.json_format import MessageToDict

    proto = getattr(node, "proto", None)
    if proto is None:
        return None
    described = MessageToDict(proto, preserving_proto_field_name=True)
    kind = type(node).__name__
    # A table: Arrow IPC bytes, at the top or in `arrow_data`. Compared as the cells' text, not the bytes, which
    # also carry pandas' own notes on the column types.
    if isinstance(getattr(proto, "data", None), bytes) and proto.data:
        described["data"] = _arrow_csv(proto.data)
    arrow = getattr(proto, "arrow_data", None)
    if arrow is not None and getattr(arrow, "data", b""):
        described["arrow_data"] = {**described.get("arrow_data", {}), "data": _arrow_csv(arrow.data)}
    if "spec" in described:  # plotly: the figure itself, keys sorted, so layout order never counts
        described["spec"] = json.loads(described["spec"])
    if "json" in described and kind == "UnknownElement":  # pydeck
        try:
            described["json"] = json.loads(described["json"])
        except ValueError:
            pass
    described.pop("id", None)  # Streamlit's element ids hash the code position, not what is shown
    if kind == "Expander":
        described.pop("expanded", None)  # open or closed is how it was left, not what it shows
    described.pop("deferred_file_id", None)  # a random id per run for a file made on click
    return {"kind": kind, **{key: _plain(value) for key, value in described.items()}}


def _walk(node, out: list) -> None:
    described = _element(node)
    if described is not None:
        out.append(described)
    for child in getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []:
        _walk(child, out)


def _open_every_expander(app) -> None:
    """Open each expander a page fills only while it is open (ui.layout.opened_expander), as a person would, so
    that the tables in it are recorded. Such an expander's element id ends in its key; a plain one has no id."""
    for expander in app.expander:
        if expander.proto.id:
            app.session_state[expander.proto.id.rsplit("-", 1)[-1]] = True
    app.run()  # on every page, opened or not: a rerun changes what a widget reports of itself (set_value)


def page_figures(folder: Path) -> dict:
    from streamlit.testing.v1 import AppTest

    os.environ["USASCP_DATA_DIR"] = str(folder)
    found = {}
    for title, page in PAGES.items():
        for view, state in VIEWS.items():
            app = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=900)
            app.query_params["profile"] = "phnom_penh"
            app.query_params["place"] = ["KHM", "VNM", "phnom_penh", "ho_chi_minh_city"]
            app.query_params["q"] = "phnom"
            app.run()
            app.switch_page(page).run()
            for key, value in state.items():
                widget = app.multiselect(key=key) if key.startswith("filter_") and isinstance(value, list) else None
                if widget is not None:
                    widget.set_value(value)
                elif key == "filter_years":
                    app.slider(key=key).set_value(value)
                else:
                    app.toggle(key=key).set_value(value)
            app.run()
            _open_every_expander(app)
            if app.exception:
                raise RuntimeError(f"{title}, {view}: {app.exception[0].value}")
            elements: list = []
            for root in (app.main, app.sidebar):
                _walk(root, elements)
            found[f"{title} | {view}"] = elements
    return found


def snapshot(sizes: list[int]) -> dict:
    _as_the_server_runs_it()
    from run import dataset_for

    result = {}
    for size in sizes:
        folder = REPO / "data" if size == 1 else dataset_for(size)
        result[str(size)] = page_figures(folder)
    return result


def differences(before: dict, after: dict, limit: int = 3) -> list[str]:
    found = []
    for size, views in before.items():
        for view, elements in views.items():
            now = after.get(size, {}).get(view)
            if now is None:
                found.append(f"{size}x {view}: not drawn")
                continue
            if len(now) != len(elements):
                found.append(f"{size}x {view}: {len(elements)} elements before, {len(now)} after")
            shown = 0
            for index, (old, new) in enumerate(zip(elements, now)):
                if old != new and shown < limit:
                    shown += 1
                    found.append(f"{size}x {view}, element {index} ({old.get('kind')}):\n  before {json.dumps(old)[:600]}\n  after  {json.dumps(new)[:600]}")
    return found


def main(argv: list[str]) -> int:
    action, path = argv[0], Path(argv[1])
    if action == "save":
        sizes = [int(size) for size in argv[2:]] or [1, 1000]
        path.write_text(json.dumps(snapshot(sizes)), encoding="utf-8")
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
        return 0
    before = json.loads(path.read_text(encoding="utf-8"))
    after = snapshot([int(size) for size in before])
    found = differences(before, after)
    for line in found:
        print(line)
    views = sum(len(v) for v in before.values())
    print(f"{views} page views compared at sizes {', '.join(before)}: " + (f"{len(found)} differences" if found else "identical"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
