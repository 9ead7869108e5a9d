"""Country outlines for the offline maps: which Natural Earth resolution a view gets, and reading the files.

Natural Earth (public domain) publishes country outlines at three scales. Each fits a range of zooms: past
it a border is drawn with fewer points than pixels and turns into jagged triangles, and before it a file
sends detail nobody can see. So there are three outline sets (scripts/build_country_outlines.py builds
them from the npm package world-atlas 2.0.2, and this module is the one place that says what they hold):

- world-110m: the whole world, under every map (world and Pacific views, and the rest of the world when
  someone zooms out of Southeast Asia);
- asean-50m: Southeast Asia and its neighbours (India to New Guinea, southern China to northern Australia),
  for the region;
- asean-10m: the member states and the lands around them, for a country or a city.

Each set is simplified to under a pixel at its `max_zoom`, and a map never zooms deeper than the finest
set it draws (`map_zoom_limit`). A finer set is drawn over the coarser ones inside its box with the sea's
colour first, so the coarse coasts never show through the fine ones.

The maps in the browser fetch the copies in static/outlines/ (Streamlit serves only static/); pictures
drawn on the server (PNG downloads, slides) read the same bytes from data/outlines/.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "data" / "outlines"
STATIC_DIR = REPO / "static" / "outlines"
STATIC_URL = "/app/static/outlines/{name}.json"

# deck.gl and MapLibre draw the world 512 pixels wide at zoom 0, twice as wide at each zoom step.
TILE_PIXELS = 512


def degrees_per_pixel(zoom: float) -> float:
    """Degrees of longitude one screen pixel spans at `zoom`."""
    return 360 / (TILE_PIXELS * 2**zoom)


def zoom_for(pixels_per_degree: float) -> float:
    """The map zoom at which one degree of longitude spans `pixels_per_degree` pixels (pictures use it too)."""
    return math.log2(pixels_per_degree * 360 / TILE_PIXELS)


@dataclass(frozen=True)
class OutlineSet:
    name: str
    resolution: str  # Natural Earth scale: "110m", "50m" or "10m"
    box: tuple[float, float, float, float]  # west, south, east, north: polygons are cut to it
    max_zoom: float  # the deepest zoom its detail supports
    min_zoom: float  # below this zoom a coarser set shows the same at a fraction of the bytes

    @property
    def tolerance_degrees(self) -> float:
        """How far simplification may move a border: under a pixel at max_zoom."""
        return 0.75 * degrees_per_pixel(self.max_zoom)

    @property
    def decimals(self) -> int:
        """Enough decimals to keep the tolerance (0.01 degree is about 1.1 km)."""
        return max(2, math.ceil(-math.log10(self.tolerance_degrees)))

    @property
    def url(self) -> str:
        return STATIC_URL.format(name=self.name)

    def covers(self, box: tuple[float, float, float, float]) -> bool:
        west, south, east, north = self.box
        return box[0] >= west and box[1] >= south and box[2] <= east and box[3] <= north


WORLD = OutlineSet("world-110m", "110m", (-180.0, -90.0, 180.0, 90.0), max_zoom=4.0, min_zoom=0.0)
REGION = OutlineSet("asean-50m", "50m", (60.0, -35.0, 165.0, 45.0), max_zoom=6.0, min_zoom=2.5)
# Natural Earth 10m comes quantized to 0.0036 degrees: past zoom 7.5 it has nothing more to show.
DETAIL = OutlineSet("asean-10m", "10m", (88.0, -13.0, 133.0, 30.0), max_zoom=7.5, min_zoom=4.5)
SETS = (WORLD, REGION, DETAIL)  # coarse to fine


def sets_for(zoom: float, box: tuple[float, float, float, float]) -> tuple[OutlineSet, ...]:
    """The sets a map starting at `zoom` over `box` draws, coarse to fine: the world, then each finer set
    whose resolution that zoom warrants and whose box holds the whole view."""
    return (WORLD,) + tuple(s for s in SETS[1:] if zoom >= s.min_zoom and s.covers(box))


def finest_for(zoom: float, box: tuple[float, float, float, float]) -> OutlineSet:
    """The one set a picture at `zoom` over `box` needs."""
    return sets_for(zoom, box)[-1]


def map_zoom_limit(sets: tuple[OutlineSet, ...]) -> float:
    """How far a map drawing `sets` may zoom in before its borders are drawn past their resolution."""
    return max(s.max_zoom for s in sets)


@functools.lru_cache(maxsize=len(SETS))
def features(name: str) -> tuple[dict, ...]:
    """The GeoJSON features of one set, read once per process."""
    return tuple(json.loads((DATA_DIR / f"{name}.geojson").read_text(encoding="utf-8"))["features"])


@functools.lru_cache(maxsize=32)
def country_box(iso3: str) -> tuple[float, float, float, float]:
    """(west, south, east, north) of an ASEAN member's whole territory, from Natural Earth 10m.

    Raises KeyError for a code that is not a member state.
    """
    for feature in features(REGION.name):
        if feature["properties"]["iso3"] == iso3:
            return tuple(feature["properties"]["bbox"])
    raise KeyError(iso3)


def rings(outline_set: OutlineSet, box: tuple[float, float, float, float], focus: str | None = None) -> dict[str, tuple[list, list]]:
    """Outer rings of the countries meeting `box`, as lon/lat lists with None between rings (plotly's filled scatter).

    Keys: "focus" (the country `focus`, or every ASEAN member when `focus` is None) and "other" (the land
    around it). Holes are left out: no lake or enclave shows at picture scale.
    """
    west, south, east, north = box
    found: dict[str, tuple[list, list]] = {"focus": ([], []), "other": ([], [])}
    for feature in features(outline_set.name):
        properties = feature["properties"]
        is_focus = properties["iso3"] == focus if focus else properties["asean"]
        lons, lats = found["focus" if is_focus else "other"]
        for polygon in feature["geometry"]["coordinates"]:
            ring = polygon[0]
            xs, ys = [p[0] for p in ring], [p[1] for p in ring]
            if max(xs) < west or min(xs) > east or max(ys) < south or min(ys) > north:
                continue
            lons += xs + [None]
            lats += ys + [None]
    return found
