"""Build the country outlines the offline maps draw, from Natural Earth, at three resolutions.

Source: Natural Earth admin-0 countries at 1:110m, 1:50m and 1:10m (public domain,
https://www.naturalearthdata.com/), as TopoJSON in the npm package world-atlas 2.0.2 (ISC licence,
https://github.com/topojson/world-atlas). Get it with `npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz`,
then run

    python scripts/build_country_outlines.py package

usascp/outlines.py says which sets exist, the box each keeps and the deepest zoom each serves. For every
set this script keeps the countries meeting its box, cuts their rings to the box (Sutherland-Hodgman),
simplifies each ring with Douglas-Peucker to under a pixel at the set's deepest zoom, rounds coordinates
to match, and writes data/outlines/<set>.geojson (read by the server for pictures) and the same bytes to
static/outlines/<set>.json (fetched once by browsers: Streamlit serves only static/ and refuses a
symlink that leaves it). Every ASEAN member also carries `bbox`, the box of its whole territory at 1:10m,
which the maps centre a country on.

The TopoJSON is decoded here (no dependencies).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from usascp.outlines import DATA_DIR, SETS, STATIC_DIR, OutlineSet  # noqa: E402

# ISO 3166-1 numeric codes of the ASEAN member states (Timor-Leste joined in 2025).
ASEAN_NUMERIC = {
    "096": "BRN",
    "116": "KHM",
    "360": "IDN",
    "418": "LAO",
    "458": "MYS",
    "104": "MMR",
    "608": "PHL",
    "702": "SGP",
    "764": "THA",
    "626": "TLS",
    "704": "VNM",
}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def polygons_of(geometry: dict, arcs) -> list[list[list[tuple[float, float]]]]:
    """A TopoJSON country as polygons, each a list of rings (outer ring first)."""
    if geometry["type"] == "Polygon":
        parts = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        parts = geometry["arcs"]
    else:
        parts = []
    return [[ring(indexes, arcs) for indexes in polygon] for polygon in parts]


def simplify(points, tolerance: float):
    """Douglas-Peucker, iterative, keeping first and last points."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        farthest, distance = None, tolerance
        for i in range(first + 1, last):
            x, y = points[i]
            # Distance to the chord; to the end point itself when the chord is a point (a closed ring).
            d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm if norm else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > distance:
                farthest, distance = i, d
        if farthest is not None:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, k in zip(points, keep) if k]


def unwrap(points):
    """Rings that cross the 180th meridian (Russia, Fiji) jump from +180 to -180 and would draw a line
    across the whole map; continue them past 180 instead, which deck.gl draws where they belong."""
    if not any(abs(b[0] - a[0]) > 180 for a, b in zip(points, points[1:])):
        return points
    return [(x + 360 if x < 0 else x, y) for x, y in points]


def clip(points, box):
    """The part of a ring inside `box` (Sutherland-Hodgman, one edge of the box at a time).

    A ring that leaves the box and comes back gets an edge along the box's side: invisible, as the side is
    the edge of what the set covers, and a finer set is only drawn where it covers the whole view.
    """
    west, south, east, north = box

    def at_x(x):
        return lambda p, q: (x, p[1] + (q[1] - p[1]) * (x - p[0]) / (q[0] - p[0]))

    def at_y(y):
        return lambda p, q: (p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1]), y)

    edges = (
        (lambda p: p[0] >= west, at_x(west)),
        (lambda p: p[0] <= east, at_x(east)),
        (lambda p: p[1] >= south, at_y(south)),
        (lambda p: p[1] <= north, at_y(north)),
    )
    for inside, crossing in edges:
        kept = []
        for previous, current in zip(points[-1:] + points[:-1], points):
            if inside(current):
                if not inside(previous):
                    kept.append(crossing(previous, current))
                kept.append(current)
            elif inside(previous):
                kept.append(crossing(previous, current))
        points = kept
        if not points:
            break
    return points


def clean_ring(points, outline_set: OutlineSet):
    """One ring as the set keeps it: unwrapped, cut to the box, simplified and rounded; None when nothing is left."""
    points = unwrap(points)
    west, south, east, north = outline_set.box
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    if max(xs) < west or min(xs) > east or max(ys) < south or min(ys) > north:
        return None
    if not (min(xs) >= west and max(xs) <= east and min(ys) >= south and max(ys) <= north):
        points = clip(points, outline_set.box)
    rounded = []
    for x, y in simplify(points, outline_set.tolerance_degrees):
        point = [round(x, outline_set.decimals), round(y, outline_set.decimals)]
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if len(rounded) >= 3 and rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded if len(rounded) >= 4 else None


def member_boxes(detail: dict) -> dict[str, list[float]]:
    """The box of each ASEAN member's whole territory, from the finest outlines."""
    arcs = decode_arcs(detail)
    boxes = {}
    for geometry in detail["objects"]["countries"]["geometries"]:
        code = geometry.get("id", "")
        if code not in ASEAN_NUMERIC:
            continue
        points = [p for polygon in polygons_of(geometry, arcs) for p in polygon[0]]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes[ASEAN_NUMERIC[code]] = [round(min(xs), 3), round(min(ys), 3), round(max(xs), 3), round(max(ys), 3)]
    return boxes


def build(topology: dict, outline_set: OutlineSet, boxes: dict[str, list[float]]) -> dict:
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        kept = []
        for polygon in polygons_of(geometry, arcs):
            outer = clean_ring(polygon[0], outline_set)
            if outer:
                kept.append([outer] + [r for r in (clean_ring(hole, outline_set) for hole in polygon[1:]) if r])
        if not kept:
            continue
        code = geometry.get("id", "")
        iso3 = ASEAN_NUMERIC.get(code, "")
        properties = {"name": geometry["properties"]["name"], "iso_numeric": code, "iso3": iso3, "asean": bool(iso3)}
        if iso3:
            properties["bbox"] = boxes[iso3]
        features.append({"type": "Feature", "properties": properties, "geometry": {"type": "MultiPolygon", "coordinates": kept}})
    return {"type": "FeatureCollection", "features": features}


def main(package: str) -> None:
    folder = Path(package)
    topologies = {res: json.loads((folder / f"countries-{res}.json").read_text()) for res in ("110m", "50m", "10m")}
    boxes = member_boxes(topologies["10m"])
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    STATIC_DIR.mkdir(parents=True, exist_ok=True)
    for outline_set in SETS:
        collection = build(topologies[outline_set.resolution], outline_set, boxes)
        text = json.dumps(collection, separators=(",", ":")) + "\n"
        targets = (DATA_DIR / f"{outline_set.name}.geojson", STATIC_DIR / f"{outline_set.name}.json")
        for target in targets:
            target.write_text(text)
        print(f"{outline_set.name}: {len(collection['features'])} countries, {len(text) / 1024:.0f} KiB")


if __name__ == "__main__":
    main(sys.argv[1])
