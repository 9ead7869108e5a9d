"""Build data/country-outlines.geojson: country borders for the offline maps, from Natural Earth.

Source: Natural Earth 1:50m admin-0 countries (public domain, https://www.naturalearthdata.com/),
as TopoJSON in the npm package world-atlas 2.0.2 (ISC licence, https://github.com/topojson/world-atlas).
Get it with `npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz`, then run

    python scripts/build_country_outlines.py package/countries-50m.json

It writes data/country-outlines.geojson (the dataset's copy) and the same bytes to
static/country-outlines.json, which the app serves to browsers (Streamlit serves only static/ and
refuses a symlink that leaves it); the browser fetches it once and caches it, so maps stay light.

The script decodes the TopoJSON itself (no dependencies), keeps every country, simplifies each ring
with Douglas-Peucker to TOLERANCE_DEGREES (about a pixel on a 1920-pixel map of Southeast Asia) and
rounds coordinates to 0.01 degree, so the file stays small enough to send to every browser.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOLERANCE_DEGREES = 0.05
DECIMALS = 2

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


def clean_ring(points):
    points = unwrap(points)
    rounded = []
    for x, y in simplify(points, TOLERANCE_DEGREES):
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if len(rounded) >= 3 and rounded[0] != rounded[-1]:
        rounded.append(rounded[0])
    return rounded if len(rounded) >= 4 else None


def build(topology: dict) -> dict:
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = (
            geometry["arcs"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["arcs"]]
            if geometry["type"] == "Polygon"
            else []
        )
        kept = []
        for polygon in polygons:
            rings = [clean_ring(ring(indexes, arcs)) for indexes in polygon]
            if rings and rings[0]:
                kept.append([r for r in rings if r])
        if not kept:
            continue
        code = geometry.get("id", "")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "name": geometry["properties"]["name"],
                    "iso_numeric": code,
                    "iso3": ASEAN_NUMERIC.get(code, ""),
                    "asean": code in ASEAN_NUMERIC,
                },
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            }
        )
    return {"type": "FeatureCollection", "features": features}


REPO = Path(__file__).resolve().parent.parent
TARGETS = (REPO / "data" / "country-outlines.geojson", REPO / "static" / "country-outlines.json")


def main(source: str) -> None:
    collection = build(json.loads(Path(source).read_text()))
    text = json.dumps(collection, separators=(",", ":")) + "\n"
    for target in TARGETS:
        target.write_text(text)
    print(f"{len(collection['features'])} countries, {len(text) / 1024:.0f} KiB, written to " + " and ".join(map(str, TARGETS)))


if __name__ == "__main__":
    main(sys.argv[1])
