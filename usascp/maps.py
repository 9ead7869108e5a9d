"""Maps that work offline: pydeck decks for the browser and plotly pictures for slides, from one set of rules.

What every map shares, so that no map behaves on its own:
- land from Natural Earth at a resolution fit for the view (usascp.outlines), under a sea-coloured style
  served by the app itself, never a tile server; a map never zooms past its outlines' resolution;
- member cities as dots in one layer named CITY_LAYER, whose rows carry `city_id` (a click opens the
  city's profile: ui.maps.city_map_chart) and a plain-text tooltip (`tooltip_title`, `tooltip_body`);
- dots moved apart by a few pixels where they would hide each other, and names beside them wherever there
  is room at the map's first view (usascp.placement); a country's view has room for all of its names.

deck.gl's CollisionFilterExtension (in Streamlit 1.67's bundle) would hide colliding names at every zoom,
but in Chromium here it hid every name (luma.gl could not read its "collisionUniforms" block), so names
are placed here instead, where a test can check them.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import weakref

import numpy as np
import pandas as pd
import pydeck as pdk
import pydeck.bindings.deck
from pydeck.bindings.json_tools import default_serialize

from usascp import outlines, placement
from usascp.charts import COHORT_COLOURS, COHORT_LABELS, COUNTRY_COLOURS, hex_to_rgb
from usascp.dates import format_partial_date
from usascp.formatting import NOT_DISCLOSED, format_count, format_usd

# pydeck 0.9.3 asks five times per Deck whether its Jupyter widget can be imported. Without ipywidgets
# the import fails, and a failed import is retried from the file system each time: about 9% of a
# loaded server's time. The answer cannot change while the process runs, so it is asked once.
pydeck.bindings.deck.has_jupyter_extra = functools.cache(pydeck.bindings.deck.has_jupyter_extra)

# pydeck reads a plain string argument as a data accessor; literal strings ("pixels", a font) are quoted twice.
# Served from static/ (server.enableStaticServing). Without a style of its own, Streamlit's pydeck
# chart loads a CARTO basemap from the internet, which summit halls often do not have.
OFFLINE_MAP_STYLE = "/app/static/basemap-blank.json"
SEA = [217, 230, 239, 255]  # the style's background, so a finer outline set can cover the coarser ones
LAND = [247, 245, 240, 255]
ASEAN_LAND = [255, 255, 255, 255]
BORDER = [150, 160, 170, 255]

CITY_LAYER = "cities"  # the layer every city map's clicks are read from
NAME_FONT = '"Source Sans, sans-serif"'  # the font Streamlit already serves, so none is fetched
NAME_PX = 15

# The region the member cities are in: Mandalay to Banyuwangi, Myanmar's west coast to Manila's east.
ASEAN_BOX = (91.0, -11.5, 128.0, 28.5)
# MapLibre zoom (512-pixel tiles): 3.3 fits Mandalay to Banyuwangi in a 560-pixel-high map.
ASEAN_VIEW = pdk.ViewState(latitude=6.5, longitude=109.0, zoom=3.3)
PACIFIC_VIEW = pdk.ViewState(latitude=25.0, longitude=-175.0, zoom=1.35)
WORLD_VIEW = pdk.ViewState(latitude=20.0, longitude=40.0, zoom=0.6)
MIN_ZOOM = 0.5

# Streamlit escapes every value a tooltip template inserts, so a tag in the data is printed as text:
# structure goes in the template, and data fields stay plain text. The body's lines are separated by
# newlines, which "pre-line" shows as line breaks; one template serves cities, pairings and events.
TOOLTIP = {
    "html": "<b>{tooltip_title}</b><br/>{tooltip_body}",
    "style": {
        "backgroundColor": "#1A1A1A",
        "color": "#FFFFFF",
        "fontSize": "14px",
        "maxWidth": "320px",
        "whiteSpace": "pre-line",
    },
}


def outline_layers(sets: tuple[outlines.OutlineSet, ...]) -> list[pdk.Layer]:
    """Land and borders, coarse to fine: ASEAN members in white, other countries in a warm grey.

    Given as URLs, the browser fetches each file once and caches it instead of receiving it on every
    rerun. A finer set first paints its box in the sea's colour, so coarser coasts never show through.
    """
    layers = []
    for outline_set in sets:
        if outline_set is not outlines.WORLD:
            west, south, east, north = outline_set.box
            layers.append(
                pdk.Layer(
                    "PolygonLayer",
                    data=[{"polygon": [[west, south], [east, south], [east, north], [west, north]]}],
                    id=f"sea-{outline_set.name}",
                    get_polygon="polygon",
                    get_fill_color=SEA,
                    stroked=False,
                    pickable=False,
                )
            )
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                data=outline_set.url,
                id=f"countries-{outline_set.name}",
                stroked=True,
                filled=True,
                get_fill_color=f"properties.asean ? {ASEAN_LAND} : {LAND}",
                get_line_color=BORDER,
                line_width_min_pixels=0.6,
                pickable=False,
            )
        )
    return layers


def _view_box(view: pdk.ViewState, width_px: int = 1000, height_px: int = 560) -> tuple[float, float, float, float]:
    """Roughly what a map of width_px by height_px shows at `view` (degrees; Mercator stretch ignored)."""
    half_lon = width_px / 2 * outlines.degrees_per_pixel(view.zoom)
    half_lat = height_px / 2 * outlines.degrees_per_pixel(view.zoom) * math.cos(math.radians(view.latitude))
    return (view.longitude - half_lon, view.latitude - half_lat, view.longitude + half_lon, view.latitude + half_lat)


class CompactDeck(pdk.Deck):
    """A pydeck Deck whose JSON is written without indentation, so by Python's C encoder: the same deck (keys
    sorted, as pydeck writes them), a third fewer bytes, and about ten times quicker than pydeck's indented
    encoding, which runs in Python (a third of a map page's time with thousands of dots)."""

    def to_json(self) -> str:
        # Written once per deck: a deck shared by every viewer of a view (the Overview's) is drawn for each of
        # them, and its JSON was a twentieth of the server's work for a new viewer. A deck is not changed
        # once drawn.
        written = _WRITTEN.get(self)
        if written is None:
            written = _WRITTEN[self] = json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
        return written


_WRITTEN: weakref.WeakKeyDictionary[CompactDeck, str] = weakref.WeakKeyDictionary()


def _deck(layers: list[pdk.Layer], view: pdk.ViewState, content_box, repeat: bool = False) -> pdk.Deck:
    """A deck on the offline style with outlines fit for `view` under `layers`, zooming no deeper than they allow.

    `content_box` is what the view is about (the cities, a country): a finer outline set is drawn only
    when it holds all of it.
    """
    sets = outlines.sets_for(view.zoom, content_box)
    view = pdk.ViewState(
        latitude=view.latitude,
        longitude=view.longitude,
        zoom=min(view.zoom, outlines.map_zoom_limit(sets)),
        min_zoom=MIN_ZOOM,
        max_zoom=outlines.map_zoom_limit(sets),
    )
    return CompactDeck(
        layers=outline_layers(sets) + layers,
        initial_view_state=view,
        # World copies, so a view centred on the Pacific shows Asia on its left and the U.S. on its right.
        views=[pdk.View(type="MapView", controller=True, repeat=repeat)],
        map_style=OFFLINE_MAP_STYLE,
        tooltip=TOOLTIP,
    )


def _disc_icon() -> dict:
    """A white disc as an SVG data address: deck.gl tints it (mask) to draw a dot of any colour, offline."""
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="31" fill="#fff"/></svg>'
    return {
        "url": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
        "width": 64,
        "height": 64,
        "mask": True,
        "id": "disc",
    }


DISC = _disc_icon()


SPREAD_COLUMNS = ("dot_offset", "name_offset", "name_anchor", "name_baseline", "name_box")


def spread_out(points: pd.DataFrame, zoom: float, font_px: float = NAME_PX) -> pd.DataFrame:
    """`points` with where each dot and name is drawn at `zoom`, in pixels from the city's true place.

    Adds dot_offset ([dx, dy]: overlapping dots moved apart), name_offset, name_anchor, name_baseline and
    name_box (left, top, right, bottom on the map's plane at `zoom`; None where a name has no room clear
    of every dot and other name). Names are placed in the order of `points`: most important first.
    """
    return points.assign(**_spread(_columns(points, ("lon", "lat", "radius_px", "line_px", "city")), zoom, font_px))


def _columns(points: pd.DataFrame | dict[str, list], names) -> dict[str, list]:
    """Some columns of `points` as lists of Python values, as pydeck's to_dict("records") would give them: a
    map's few dozen dots are quicker put together as lists than through pandas, column by column. `points` may
    be such lists already."""
    if isinstance(points, dict):
        return {name: points[name] for name in names}
    return {name: points[name].tolist() for name in names}


def _spread(columns: dict[str, list], zoom: float, font_px: float = NAME_PX) -> dict[str, list]:
    """spread_out()'s added columns, from the points' lon, lat, radius_px, line_px and city."""
    if not columns["lon"]:
        return {name: [] for name in SPREAD_COLUMNS}
    xy = tuple(placement.web_mercator_px(lon, lat, zoom) for lon, lat in zip(columns["lon"], columns["lat"]))
    outer = tuple(radius + line for radius, line in zip(columns["radius_px"], columns["line_px"]))
    offsets, spots = _placed(xy, outer, tuple(columns["city"]), font_px)
    return {
        "dot_offset": [[round(dx, 1), round(dy, 1)] for dx, dy in offsets],
        "name_offset": [[round(dx + s.dx, 1), round(dy + s.dy, 1)] if s else None for (dx, dy), s in zip(offsets, spots)],
        "name_anchor": [s.anchor if s else None for s in spots],
        "name_baseline": [s.baseline if s else None for s in spots],
        "name_box": [s.box if s else None for s in spots],
    }


@functools.lru_cache(maxsize=256)
def _placed(xy: tuple, outer: tuple, names: tuple, font_px: float) -> tuple[list, list]:
    """Dots moved apart and names placed (usascp.placement) for dots at `xy` (pixels) of outer radius `outer`.

    Kept for the last views asked: every viewer of a view, and most filters, draw the same dots the same size.
    """
    offsets = placement.separate([x for x, _ in xy], [y for _, y in xy], list(outer))
    xs = [x + dx for (x, _), (dx, _) in zip(xy, offsets)]
    ys = [y + dy for (_, y), (_, dy) in zip(xy, offsets)]
    return offsets, placement.place_labels(xs, ys, list(outer), list(names), font_px, leaders=False)


DOT_COLUMNS = ("city_id", "city", "lat", "lon", "radius_px", "fill", "line", "line_px", "tooltip_title", "tooltip_body")


def city_layers(points: pd.DataFrame | dict[str, list], zoom: float) -> list[pdk.Layer]:
    """Member cities as dots and names, spread out for `zoom` (spread_out), the dots pickable as CITY_LAYER.

    Names are drawn only where spread_out found room: one printed over another helps nobody, and the
    tooltip and a country's view name the rest.

    `points` needs city_id, city, lat, lon, radius_px, fill, line, line_px, tooltip_title and tooltip_body,
    most important city first. A dot is a disc of its line colour with a smaller disc of its fill on top.
    """
    columns = _columns(points, DOT_COLUMNS)
    spread = _spread(columns, zoom)
    rows = range(len(columns["city"]))
    drawn = [
        {
            "city_id": columns["city_id"][row],
            "city": columns["city"][row],
            "lat": columns["lat"][row],
            "lon": columns["lon"][row],
            "icon": DISC,
            "outer_size": 2 * (columns["radius_px"][row] + columns["line_px"][row]),
            "inner_size": 2 * columns["radius_px"][row],
            "fill": columns["fill"][row],
            "line": columns["line"][row],
            "dot_offset": spread["dot_offset"][row],
            "tooltip_title": columns["tooltip_title"][row],
            "tooltip_body": columns["tooltip_body"][row],
        }
        for row in rows
    ]
    named = [
        {
            "city": columns["city"][row],
            "lat": columns["lat"][row],
            "lon": columns["lon"][row],
            "name_offset": spread["name_offset"][row],
            "name_anchor": spread["name_anchor"][row],
            "name_baseline": spread["name_baseline"][row],
        }
        for row in rows
        if spread["name_box"][row] is not None
    ]
    dots = dict(data=drawn, get_position=["lon", "lat"], get_icon="icon", size_units="'pixels'", get_pixel_offset="dot_offset")
    return [
        pdk.Layer("IconLayer", id="city-outlines", get_size="outer_size", get_color="line", pickable=False, **dots),
        pdk.Layer("IconLayer", id=CITY_LAYER, get_size="inner_size", get_color="fill", pickable=True, **dots),
        pdk.Layer(
            "TextLayer",
            data=named,
            id="city-names",
            get_position=["lon", "lat"],
            get_text="city",
            get_size=NAME_PX,
            get_color=[26, 26, 26, 255],
            get_text_anchor="name_anchor",
            get_alignment_baseline="name_baseline",
            get_pixel_offset="name_offset",
            font_family=NAME_FONT,
            character_set="'auto'",  # names from uploads may have letters beyond ASCII
            background=True,
            get_background_color=[255, 255, 255, 215],
            background_padding=[3, 1],
            pickable=False,
        ),
    ]


def _city_order(sizes: list, names: list) -> list[int]:
    """Most important first (names are placed in this order): largest dots, then by name; ties keep their order."""
    return sorted(range(len(sizes)), key=lambda row: (-sizes[row], names[row]))


def _funding_lines(cities: pd.DataFrame) -> list[str]:
    """What a tooltip says about money: the city's own, and money it shares with other places (never split)."""
    lines = []
    for projects, alone, shared in zip(cities["projects"], cities["disclosed_usd"], cities["shared_usd"]):
        if projects == 0:
            lines.append("")
            continue
        line = f"\nDisclosed funding for this city alone: {NOT_DISCLOSED if pd.isna(alone) else format_usd(alone)}"
        if pd.notna(shared):
            line += f"\nIn projects shared with other places: {format_usd(shared)} (not split)"
        lines.append(line)
    return lines


def city_points(cities: pd.DataFrame) -> pd.DataFrame:
    """The Overview's dots: coloured by when the city joined the network, larger with more projects.

    `cities` is aggregate.city_summary(); a city with no project still shows, at the smallest size,
    because membership is the point of the map. Columns are put together as lists: 31 cities through
    pandas' column operations took longer than drawing them.
    """
    added, order = _city_point_columns(cities)
    points = _with_columns(
        cities,
        lat=cities["lat"].astype(float),
        lon=cities["lon"].astype(float),
        radius_px=added["radius_px"],
        fill=added["fill"],
        line=added["line"],
        line_px=added["line_px"],
        cohort_label=added["cohort_label"],
        tooltip_title=pd.Series(added["tooltip_title"], index=cities.index, dtype=object),
        tooltip_body=added["tooltip_body"],
    )
    return points.take(order).reset_index(drop=True)


def _city_point_columns(cities: pd.DataFrame) -> tuple[dict[str, list], list[int]]:
    """What city_points adds to the cities, as lists in the cities' order, and the order the dots are drawn in."""
    projects, cohorts = cities["projects"].tolist(), cities["ascn_cohort"].tolist()
    names, countries = cities["city"].tolist(), cities["country"].tolist()
    radius = [6 + 3 * min(count, 8) for count in projects]
    added = {
        "radius_px": radius,
        "fill": [hex_to_rgb(COHORT_COLOURS[cohort], 230) for cohort in cohorts],
        "line": [[255, 255, 255, 255]] * len(cities),
        "line_px": [1.5] * len(cities),
        "cohort_label": [COHORT_LABELS[cohort] for cohort in cohorts],
        "tooltip_title": [f"{name}, {country}" for name, country in zip(names, countries)],
        "tooltip_body": [
            f"{COHORT_LABELS[cohort]}\nProjects: {format_count(count)}{money}"
            for cohort, count, money in zip(cohorts, projects, _funding_lines(cities))
        ],
    }
    return added, _city_order(radius, names)


def _with_columns(frame: pd.DataFrame, **columns) -> pd.DataFrame:
    """frame.assign(**columns), made in one go: assign copies the frame and sets the columns one at a time (0.8 ms
    against 0.4 for a map's 31 cities and nine columns)."""
    return pd.DataFrame({**{name: frame[name] for name in frame.columns}, **columns}, index=frame.index)


def city_map(cities: pd.DataFrame, view: pdk.ViewState = ASEAN_VIEW) -> pdk.Deck:
    """The Overview's map: member cities by cohort, named where there is room, on the offline background.

    Drawn from city_points' columns as lists, in its order, without its frame: on every rerun of the Overview,
    the frame cost more than the map (1.6 ms at 10,000x, against 0.5).
    """
    dots = _dots(cities, *_city_point_columns(cities))
    return _deck(city_layers(dots, view.zoom), view, _box_of(dots) if len(cities) else ASEAN_BOX)


def fit_view(lats, lons, width_px: int = 380, height_px: int = 260, max_zoom: float = 7.0) -> pdk.ViewState:
    """A view centred on the points and zoomed so all fit in a map of about width_px by height_px.

    MapLibre zoom z shows 512 * 2**z pixels per 360 degrees; a margin of 60% keeps dots off the edges.
    """
    lats, lons = [float(v) for v in lats], [float(v) for v in lons]
    lat_span = max(max(lats) - min(lats), 0.05)
    lon_span = max(max(lons) - min(lons), 0.05)
    degrees_per_pixel = max(lon_span / width_px, lat_span / height_px) * 1.6
    zoom = math.log2(360 / (512 * degrees_per_pixel))
    return pdk.ViewState(
        latitude=(max(lats) + min(lats)) / 2, longitude=(max(lons) + min(lons)) / 2, zoom=min(max(zoom, 1.5), max_zoom)
    )


def _box_of(points: pd.DataFrame | dict[str, list], padding: float = 0.5) -> tuple[float, float, float, float]:
    if isinstance(points, dict):
        lons, lats = points["lon"], points["lat"]
        return (min(lons) - padding, min(lats) - padding, max(lons) + padding, max(lats) + padding)
    lons, lats = points["lon"].astype(float), points["lat"].astype(float)
    return (lons.min() - padding, lats.min() - padding, lons.max() + padding, lats.max() + padding)


def country_view(iso3: str, cities: pd.DataFrame, width_px: int = 1000, height_px: int = 600) -> tuple[pdk.ViewState, tuple]:
    """A view centred on a member country's whole territory (and its member cities), and that box."""
    west, south, east, north = outlines.country_box(iso3)
    if len(cities):
        west, south = min(west, cities["lon"].astype(float).min()), min(south, cities["lat"].astype(float).min())
        east, north = max(east, cities["lon"].astype(float).max()), max(north, cities["lat"].astype(float).max())
    # fit_view leaves a 60% margin around points; a country's own box needs less.
    view = fit_view([south, north], [west, east], int(width_px * 1.25), int(height_px * 1.25), max_zoom=7.5)
    return view, (west, south, east, north)


def places_map(places: pd.DataFrame, label_column: str = "city", note: str = "Click to open the city's profile") -> pdk.Deck:
    """A small map of a few member cities (a project's, or one city's), named, in one colour.

    The dots are the same CITY_LAYER as on the big maps, so a click opens the city's profile there too;
    `note` is the tooltip's second line.
    """
    places = places.drop_duplicates("city_id")
    view = fit_view(places["lat"], places["lon"], max_zoom=5.5)  # one city at 5.5 still shows its coast and borders
    points = places.assign(
        lat=places["lat"].astype(float),
        lon=places["lon"].astype(float),
        city=places[label_column],
        radius_px=7.0,
        fill=[hex_to_rgb(COHORT_COLOURS["original_2018_pilot"], 230)] * len(places),
        line=[[255, 255, 255, 255]] * len(places),
        line_px=1.5,
        tooltip_title=places[label_column] + ", " + places["country"],
        tooltip_body=note,
    )
    return _deck(city_layers(points, view.zoom), view, _box_of(points))


def network_points(cities: pd.DataFrame, measure: str, measure_label: str) -> pd.DataFrame:
    """Member cities ready to draw: coloured by country, ringed if they joined after 2018, sized by `measure`.

    `cities` is aggregate.city_summary() with a `measure` column; NA measures draw at the smallest size and
    read "not disclosed" (for money) or "no figure" in the tooltip. Largest dots first.
    """
    added, order = _network_point_columns(cities, measure, measure_label)
    points = _with_columns(
        cities[["city_id", "city", "iso3"]],
        lat=cities["lat"].astype(float),
        lon=cities["lon"].astype(float),
        **{name: added[name] for name in ("radius_px", "fill", "line", "line_px")},
        tooltip_title=pd.Series(added["tooltip_title"], index=cities.index, dtype=object),
        tooltip_body=added["tooltip_body"],
    )
    return points.take(order).reset_index(drop=True)


def network_dots(cities: pd.DataFrame, measure: str, measure_label: str) -> dict[str, list]:
    """network_points()' columns that the map draws (DOT_COLUMNS), as lists in its order, without its frame: on
    every rerun of the Pilot cities map the frame cost more than the map."""
    return _dots(cities, *_network_point_columns(cities, measure, measure_label))


def _dots(cities: pd.DataFrame, added: dict[str, list], order: list[int]) -> dict[str, list]:
    """DOT_COLUMNS as lists in the order the dots are drawn: the cities' own columns and those a map adds."""
    listed = {
        "city_id": cities["city_id"].tolist(),
        "city": cities["city"].tolist(),
        "lat": cities["lat"].astype(float).tolist(),
        "lon": cities["lon"].astype(float).tolist(),
        **added,
    }
    return {name: [listed[name][row] for row in order] for name in DOT_COLUMNS}


def _network_point_columns(cities: pd.DataFrame, measure: str, measure_label: str) -> tuple[dict[str, list], list[int]]:
    """What network_points adds to the cities, as lists in the cities' order, and the order the dots are drawn in."""
    values = cities[measure].astype("Float64")
    # As numpy arrays: pandas' operations on 31 values cost a millisecond (the same arithmetic, the same floats).
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    known = numbers[~np.isnan(numbers)]
    largest = float(known.max()) if len(known) and known.max() > 0 else 1.0
    share = np.clip(np.nan_to_num(numbers, nan=0.0) / largest, 0, None) ** 0.5  # area grows with the value
    radius = (6 + 22 * share).tolist()
    original = [cohort == "original_2018_pilot" for cohort in cities["ascn_cohort"].tolist()]
    country_rgb = [hex_to_rgb(COUNTRY_COLOURS.get(iso3, "#4D4D4D"), 230) for iso3 in cities["iso3"].tolist()]
    is_money = measure.endswith("_usd")
    measure_lines = [
        f"\n{measure_label}: "
        + ((format_usd(v) if is_money else format_count(v)) if pd.notna(v) else (NOT_DISCLOSED if is_money else "no figure"))
        if measure not in ("projects", "disclosed_usd")
        else ""
        for v in values
    ]
    names = cities["city"].tolist()
    added = {
        "radius_px": radius,
        "fill": [rgb if is_original else [255, 255, 255, 230] for rgb, is_original in zip(country_rgb, original)],
        "line": [[255, 255, 255, 255] if is_original else rgb for rgb, is_original in zip(country_rgb, original)],
        "line_px": [1.5 if is_original else 3.5 for is_original in original],
        "tooltip_title": [f"{name}, {country}" for name, country in zip(names, cities["country"].tolist())],
        "tooltip_body": [
            f"{COHORT_LABELS[cohort]}\nProjects: {format_count(count)}{money}{measured}"
            for cohort, count, money, measured in zip(
                cities["ascn_cohort"].tolist(), cities["projects"].tolist(), _funding_lines(cities), measure_lines
            )
        ],
    }
    return added, _city_order(radius, names)


def funding_size_note(places) -> str:
    """What sizing dots by disclosed funding can show, measured from the data: how much of the money
    belongs to single cities, and where the rest is (aggregate.funding_places)."""
    total = places.disclosed_usd
    if total is None:
        return "No selected project discloses an amount, so every dot is drawn at the smallest size."
    elsewhere = [
        (places.regional_usd, "region-wide programs"),
        (places.country_usd, "country-level work that names no city"),
        (places.several_cities_usd, "projects in several cities, not split between them"),
        (places.unplaced_usd, "projects whose place is not published"),
    ]
    rest = "; ".join(f"{format_usd(amount)} for {what}" for amount, what in elsewhere if amount > 0)
    if places.one_city_usd == 0:
        return (
            f"None of the {format_usd(total)} disclosed belongs to one city alone ({rest}), so every dot is drawn at "
            "the smallest size. A city's tooltip gives the shared money that reaches it."
        )
    cities = f"{places.cities_with_own_funding} {'city' if places.cities_with_own_funding == 1 else 'cities'}"
    return (
        f"Dots show the {format_usd(places.one_city_usd)} of {format_usd(total)} disclosed that belongs to single cities "
        f"({cities})" + (f"; the rest is not drawn: {rest}." if rest else ".")
    )


def pair_arcs(pairs: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """City pairings as arcs from the ASEAN city across the Pacific to the U.S. partner.

    U.S. longitudes are shifted by 360 degrees so arcs cross the Pacific, not Africa and the Atlantic.
    """
    joined = pairs.merge(cities[["city_id", "city", "lat", "lon"]], on="city_id")
    arcs = pd.DataFrame(
        {
            "source": [[float(lon), float(lat)] for lon, lat in zip(joined["lon"], joined["lat"])],
            "target": [
                [float(lon) + 360 if lon < 0 else float(lon), float(lat)]
                for lon, lat in zip(joined["partner_lon"], joined["partner_lat"])
            ],
            "colour": [
                hex_to_rgb(COHORT_COLOURS["original_2018_pilot"] if s != "planned" else "#E69F00", 200) for s in joined["status"]
            ],
            "tooltip_title": joined["city"] + " – " + joined["partner_city"],
            "tooltip_body": joined["partner"] + " (" + joined["status"] + ")",
        }
    )
    return arcs


def _partner_dots(arcs: pd.DataFrame) -> pdk.Layer:
    partners = arcs.assign(lon=[target[0] for target in arcs["target"]], lat=[target[1] for target in arcs["target"]])
    return pdk.Layer(
        "ScatterplotLayer",
        data=partners,
        id="partners",
        get_position=["lon", "lat"],
        get_radius=5,
        radius_units="'pixels'",
        get_fill_color=[77, 77, 77, 230],
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_min_pixels=1.5,
        pickable=True,
    )


def network_map(
    points: pd.DataFrame | dict[str, list], arcs: pd.DataFrame | None = None, view: pdk.ViewState | None = None, content_box=None
) -> pdk.Deck:
    """The member-city map: network_points() (or network_dots()) as dots, pair_arcs() as arcs when given, on the
    offline style.

    `view` and `content_box` frame it on a country (country_view); by default all of ASEAN, or the Pacific
    when there are pairings to show.
    """
    layers = []
    if arcs is not None and len(arcs):
        layers.append(_partner_dots(arcs))
        layers.append(
            pdk.Layer(
                "ArcLayer",
                data=arcs,
                id="pairs",
                get_source_position="source",
                get_target_position="target",
                get_source_color="colour",
                get_target_color="colour",
                get_width=3,
                get_height=0.4,
                great_circle=False,
                pickable=True,
            )
        )
        default_view, default_box = PACIFIC_VIEW, (-180.0, -90.0, 180.0, 90.0)
    else:
        default_view, default_box = ASEAN_VIEW, _box_of(points) if len(points["city"]) else ASEAN_BOX
    view = view or default_view
    return _deck(city_layers(points, view.zoom) + layers, view, content_box or default_box, repeat=True)


def _event_colours(event_types: pd.Series, alpha: int = 220) -> pd.Series:
    from usascp.charts import EVENT_TYPE_COLOURS, PALETTE

    return event_types.map(lambda t: hex_to_rgb(EVENT_TYPE_COLOURS.get(t, PALETTE["black"]), alpha))


def events_map(events: pd.DataFrame) -> pdk.Deck:
    """Events as dots coloured by type on a world view (the calendar reaches Kenya, Sweden and the U.S.)."""
    points = events.assign(
        lat=events["lat"].astype(float),
        lon=events["lon"].astype(float),
        colour=_event_colours(events["event_type"]),
        tooltip_title=events["name"],
        tooltip_body=events["city"] + ", " + events["country"] + " · " + events["start_date"].map(format_partial_date),
    )[["lat", "lon", "colour", "tooltip_title", "tooltip_body"]]
    layer = pdk.Layer(
        "ScatterplotLayer",
        data=points,
        id="events",
        get_position=["lon", "lat"],
        get_radius=7,
        radius_units="'pixels'",
        get_fill_color="colour",
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_min_pixels=1.5,
        pickable=True,
    )
    return _deck([layer], WORLD_VIEW, (-180.0, -90.0, 180.0, 90.0))


# A counted dot's radius in pixels: from the least, for the fewest events, growing with the square root of the
# count (its area with the count) to the largest, for the most. Small enough for the 31 member cities to sit
# side by side at the view of all of ASEAN.
COUNT_DOT_LEAST_PX = 5
COUNT_DOT_LARGEST_PX = 15
COUNT_DOT_LINE_PX = 1.5
EVENTS_MAP_PX = (900, 420)  # about what the Events page's map shows at 1280 pixels: the view fits the dots in it


def _when_held(first, last, undated: int) -> str:
    """When a group of events began, for a tooltip: "5 Jan 2018 – Dec 2025" (the first and the last start, each
    worded as precisely as the source gives it), and how many have no published date."""
    lines = []
    if isinstance(first, str):  # a group with no dated event has none (NA)
        lines.append(format_partial_date(first) + ("" if first == last else f" – {format_partial_date(last)}"))
    if undated:
        lines.append(f"{undated:,} with no published date")
    return "\n".join(lines)


@functools.lru_cache(maxsize=256)
def _separated(xy: tuple, outer: tuple) -> list:
    """placement.separate for dots at `xy` (pixels) of outer radius `outer`; kept for the views last drawn."""
    return placement.separate([x for x, _ in xy], [y for _, y in xy], list(outer))


def event_counts_map(places: pd.DataFrame) -> pdk.Deck:
    """Events counted per place and type, for more events than can be drawn one by one: a dot per place and type,
    coloured by type, its area growing with the count, framed on where the events are.

    `places` is aggregate.events_by_place(), largest first. Dots that would cover each other (the kinds of event
    held in one city, neighbouring cities) are moved apart by a few pixels, as on every city map. The tooltip says
    "412 workshops in Phnom Penh, Cambodia" and when they began.
    """
    from usascp.formatting import plural

    most = max(int(places["events"].max()) if len(places) else 1, 1)
    share = (places["events"].astype(float) / most) ** 0.5
    points = pd.DataFrame(
        {
            "lat": places["lat"].astype(float),
            "lon": places["lon"].astype(float),
            "radius_px": (COUNT_DOT_LEAST_PX + (COUNT_DOT_LARGEST_PX - COUNT_DOT_LEAST_PX) * share).round(1),
            "fill": _event_colours(places["event_type"], 230),
            "tooltip_title": [
                f"{plural(int(count), kind)} in {city}, {country}"
                for count, kind, city, country in zip(places["events"], places["event_type"], places["city"], places["country"])
            ],
            "tooltip_body": [
                _when_held(first, last, undated)
                for first, last, undated in zip(places["first_start"], places["last_start"], places["undated"])
            ],
        }
    )
    if points.empty:
        return _deck([], WORLD_VIEW, (-180.0, -90.0, 180.0, 90.0))
    view = fit_view(points["lat"], points["lon"], *EVENTS_MAP_PX, max_zoom=5.5)
    west, south, east, north = _view_box(view, *EVENTS_MAP_PX)
    lons, lats = points["lon"], points["lat"]
    if not (west <= lons.min() and lons.max() <= east and south <= lats.min() and lats.max() <= north):
        view = WORLD_VIEW  # places across the world (Kenya, Sweden, the U.S.): fit_view zooms out no further than 1.5
    xy = tuple(placement.web_mercator_px(lon, lat, view.zoom) for lon, lat in zip(points["lon"], points["lat"]))
    offsets = _separated(xy, tuple((points["radius_px"] + COUNT_DOT_LINE_PX).tolist()))
    drawn = points.assign(
        icon=[DISC] * len(points),
        outer_size=2 * (points["radius_px"] + COUNT_DOT_LINE_PX),
        inner_size=2 * points["radius_px"],
        line=[[255, 255, 255, 255]] * len(points),
        dot_offset=[[round(dx, 1), round(dy, 1)] for dx, dy in offsets],
    ).drop(columns="radius_px")
    dots = dict(data=drawn, get_position=["lon", "lat"], get_icon="icon", size_units="'pixels'", get_pixel_offset="dot_offset")
    layers = [
        pdk.Layer("IconLayer", id="event-outlines", get_size="outer_size", get_color="line", pickable=False, **dots),
        pdk.Layer("IconLayer", id="events", get_size="inner_size", get_color="fill", pickable=True, **dots),
    ]
    return _deck(layers, view, _box_of(points), repeat=True)


def picked_city(selection) -> str | None:
    """The city_id of the city a person clicked on a map (st.pydeck_chart's selection), or None."""
    if not selection:
        return None
    objects = selection.get("objects", {}) if isinstance(selection, dict) else getattr(selection, "objects", {})
    picked = (objects.get(CITY_LAYER) or [None])[0]
    return picked.get("city_id") if picked else None
