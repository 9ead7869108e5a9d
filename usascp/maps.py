"""pydeck maps that work offline: a map style served by the app itself, never a tile server."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
import pydeck as pdk
import pydeck.bindings.deck

from usascp.charts import COHORT_COLOURS, COHORT_LABELS, hex_to_rgb, label_positions
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

# MapLibre zoom (512-pixel tiles): 3.3 fits Mandalay to Banyuwangi in a 560-pixel-high map.
# Natural Earth country outlines, served by the app (scripts/build_country_outlines.py builds them).
# Given as a URL, the browser fetches the file once and caches it instead of receiving it on every rerun.
COUNTRY_OUTLINES_URL = "/app/static/country-outlines.json"
LAND = [247, 245, 240, 255]
ASEAN_LAND = [255, 255, 255, 255]
BORDER = [150, 160, 170, 255]


def country_outlines() -> pdk.Layer:
    """Land and borders under every map: ASEAN members in white, other countries in a warm grey."""
    return pdk.Layer(
        "GeoJsonLayer",
        data=COUNTRY_OUTLINES_URL,
        id="countries",
        stroked=True,
        filled=True,
        get_fill_color=f"properties.asean ? {ASEAN_LAND} : {LAND}",
        get_line_color=BORDER,
        line_width_min_pixels=0.6,
        pickable=False,
    )


ASEAN_VIEW = pdk.ViewState(latitude=6.5, longitude=109.0, zoom=3.3, min_zoom=2, max_zoom=10)

# Streamlit escapes every value a tooltip template inserts, so a tag in the data (or a "<br/>" we put
# there) is printed as text: structure goes in the template, and data fields stay plain text.
CITY_TOOLTIP = {
    "html": "<b>{city}</b>, {country}<br/>{cohort_label}<br/>Projects: {projects}<br/>Disclosed funding: {funding_label}",
    "style": {"backgroundColor": "#1A1A1A", "color": "#FFFFFF", "fontSize": "14px"},
}


def _pixel_dots(data: pd.DataFrame, layer_id: str, fill, radius_px, outline=(255, 255, 255, 255)) -> pdk.Layer:
    """Dots of a fixed on-screen size (readable at any zoom), outlined so overlapping ones stay apart."""
    return pdk.Layer(
        "ScatterplotLayer",
        data=data,
        id=layer_id,
        get_position=["lon", "lat"],
        get_radius=radius_px,
        radius_units="'pixels'",
        get_fill_color=fill,
        get_line_color=list(outline),
        stroked=True,
        line_width_min_pixels=1.5,
        pickable=True,
    )


def city_points(cities: pd.DataFrame) -> pd.DataFrame:
    """The columns the city layer draws and its tooltip shows, with sizes in metres.

    `cities` is aggregate.city_summary(): cities with more projects get bigger dots, and a city with none
    still shows, at the smallest size, because membership is the point of the map.
    """
    points = cities[["city_id", "city", "country", "lat", "lon", "ascn_cohort", "projects", "disclosed_usd"]].copy()
    points["lat"] = points["lat"].astype(float)
    points["lon"] = points["lon"].astype(float)
    points["radius_m"] = 25_000 + 15_000 * points["projects"].clip(upper=8)
    points["colour"] = points["ascn_cohort"].map(lambda cohort: hex_to_rgb(COHORT_COLOURS[cohort], 220))
    points["cohort_label"] = points["ascn_cohort"].map(COHORT_LABELS)
    points["funding_label"] = points["disclosed_usd"].map(lambda amount: NOT_DISCLOSED if pd.isna(amount) else format_usd(amount))
    points["projects"] = points["projects"].map(format_count)
    return points


def city_labels(cities: pd.DataFrame) -> pdk.Layer:
    """The names of the cities with projects, beside their dots, on a light box so they read over land and sea.

    Drawn with the font Streamlit already serves ("Source Sans"), so no font is fetched.
    """
    named = city_points(cities[cities["projects"] > 0])
    # Close neighbours (Johor Bahru and Singapore) are labelled on opposite sides, as on the static map.
    placement = {
        "middle right": ("start", "center", [14, 0]),
        "middle left": ("end", "center", [-14, 0]),
        "top center": ("middle", "bottom", [0, -12]),
        "bottom center": ("middle", "top", [0, 12]),
    }
    chosen = [placement[p] for p in label_positions(named["lon"].tolist(), named["lat"].tolist())]
    named = named.assign(anchor=[c[0] for c in chosen], baseline=[c[1] for c in chosen], offset=[c[2] for c in chosen])
    return pdk.Layer(
        "TextLayer",
        data=named[["city", "lat", "lon", "anchor", "baseline", "offset"]],
        id="city-names",
        get_position=["lon", "lat"],
        get_text="city",
        get_size=17,
        get_color=[26, 26, 26, 255],
        get_text_anchor="anchor",
        get_alignment_baseline="baseline",
        get_pixel_offset="offset",
        font_family='"Source Sans, sans-serif"',
        background=True,
        get_background_color=[255, 255, 255, 210],
        background_padding=[4, 2],
        pickable=False,
    )


def city_map(cities: pd.DataFrame, view: pdk.ViewState = ASEAN_VIEW, labels: bool = False) -> pdk.Deck:
    """Member cities as dots coloured by when they joined the network, on the offline background.

    With `labels`, the cities with projects are named on the map (for slides, where there is no hovering).
    """
    layer = pdk.Layer(
        "ScatterplotLayer",
        data=city_points(cities),
        id="cities",
        get_position=["lon", "lat"],
        get_radius="radius_m",
        get_fill_color="colour",
        get_line_color=[255, 255, 255, 255],
        line_width_min_pixels=1.5,
        stroked=True,
        radius_min_pixels=6,
        radius_max_pixels=40,
        pickable=True,
    )
    layers = [country_outlines(), layer] + ([city_labels(cities)] if labels else [])
    return pdk.Deck(layers=layers, initial_view_state=view, map_style=OFFLINE_MAP_STYLE, tooltip=CITY_TOOLTIP)


def fit_view(lats, lons, width_px: int = 380, height_px: int = 260, max_zoom: float = 7.0) -> pdk.ViewState:
    """A view centred on the points and zoomed so all fit in a map of about width_px by height_px.

    MapLibre zoom z shows 512 * 2**z pixels per 360 degrees; a margin of 60% keeps dots off the edges.
    """
    import math

    lats, lons = [float(v) for v in lats], [float(v) for v in lons]
    lat_span = max(max(lats) - min(lats), 0.05)
    lon_span = max(max(lons) - min(lons), 0.05)
    degrees_per_pixel = max(lon_span / width_px, lat_span / height_px) * 1.6
    zoom = math.log2(360 / (512 * degrees_per_pixel))
    return pdk.ViewState(
        latitude=(max(lats) + min(lats)) / 2, longitude=(max(lons) + min(lons)) / 2, zoom=min(max(zoom, 1.5), max_zoom)
    )


def places_map(places: pd.DataFrame, label_column: str = "city") -> pdk.Deck:
    """A small map of a few places (a project's cities), labelled, all in one colour, on the offline background."""
    points = places.assign(lat=places["lat"].astype(float), lon=places["lon"].astype(float))
    layer = _pixel_dots(points, "places", hex_to_rgb(COHORT_COLOURS["original_2018_pilot"], 230), 8)
    labels = pdk.Layer(
        "TextLayer",
        data=points,
        id="place-labels",
        get_position=["lon", "lat"],
        get_text=label_column,
        get_size=14,
        get_color=[26, 26, 26, 255],
        get_pixel_offset=[0, -18],
        font_family="'Source Sans Pro, Arial, sans-serif'",
        outline_width=3,
        outline_color=[255, 255, 255, 255],
        font_settings={"sdf": True},
    )
    return pdk.Deck(
        layers=[country_outlines(), layer, labels],
        # A single city at zoom 5.5 still shows its coast and borders for context.
        initial_view_state=fit_view(points["lat"], points["lon"], max_zoom=5.5),
        map_style=OFFLINE_MAP_STYLE,
        tooltip={"text": "{" + label_column + "}"},
    )


PACIFIC_VIEW = pdk.ViewState(latitude=25.0, longitude=-175.0, zoom=1.35, min_zoom=1, max_zoom=10)

# One template for cities, pairings and events, whose bodies have different numbers of lines: the lines
# are separated by newlines in the (plain-text) body, which "pre-line" shows as line breaks.
NETWORK_TOOLTIP = {
    "html": "<b>{tooltip_title}</b><br/>{tooltip_body}",
    "style": {
        "backgroundColor": "#1A1A1A",
        "color": "#FFFFFF",
        "fontSize": "14px",
        "maxWidth": "320px",
        "whiteSpace": "pre-line",
    },
}


def network_points(cities: pd.DataFrame, measure: str, measure_label: str) -> pd.DataFrame:
    """Member cities ready to draw: coloured by country, ringed if they joined after 2018, sized by `measure`.

    `cities` is aggregate.city_summary() with a `measure` column; NA measures draw at the smallest size and
    read "not disclosed" (for money) or "no figure" in the tooltip.
    """
    from usascp.charts import COUNTRY_COLOURS

    points = cities.copy()
    values = points[measure].astype("Float64")
    largest = float(values.max()) if values.notna().any() and values.max() > 0 else 1.0
    share = (values.fillna(0).astype(float) / largest).clip(lower=0) ** 0.5  # area grows with the value
    points["radius_px"] = 6 + 22 * share
    original = points["ascn_cohort"] == "original_2018_pilot"
    country_rgb = points["iso3"].map(lambda iso3: hex_to_rgb(COUNTRY_COLOURS.get(iso3, "#4D4D4D"), 230))
    points["fill"] = [rgb if is_original else [255, 255, 255, 230] for rgb, is_original in zip(country_rgb, original)]
    points["line"] = [[255, 255, 255, 255] if is_original else rgb for rgb, is_original in zip(country_rgb, original)]
    points["line_px"] = original.map({True: 1.5, False: 3.5})
    is_money = measure.endswith("_usd")
    points["measure_label"] = [
        (format_usd(v) if is_money else format_count(v)) if pd.notna(v) else (NOT_DISCLOSED if is_money else "no figure")
        for v in values
    ]
    points["tooltip_title"] = points["city"] + ", " + points["country"]
    points["tooltip_body"] = (
        points["ascn_cohort"].map(COHORT_LABELS)
        + "\nProjects: "
        + points["projects"].map(format_count)
        + "\nDisclosed funding: "
        + points["disclosed_usd"].map(lambda v: NOT_DISCLOSED if pd.isna(v) else format_usd(v))
        + (f"\n{measure_label}: " + points["measure_label"] if measure not in ("projects", "disclosed_usd") else "")
    )
    points["lat"] = points["lat"].astype(float)
    points["lon"] = points["lon"].astype(float)
    return points[["city_id", "city", "lat", "lon", "radius_px", "fill", "line", "line_px", "tooltip_title", "tooltip_body"]]


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


def network_map(points: pd.DataFrame, arcs: pd.DataFrame | None = None, view: pdk.ViewState | None = None) -> pdk.Deck:
    """The member-city map: network_points() as dots, pair_arcs() as arcs when given, on the offline style."""
    layers = [
        country_outlines(),
        pdk.Layer(
            "ScatterplotLayer",
            data=points,
            id="cities",
            get_position=["lon", "lat"],
            get_radius="radius_px",
            radius_units="'pixels'",
            get_fill_color="fill",
            get_line_color="line",
            get_line_width="line_px",
            line_width_units="'pixels'",
            stroked=True,
            pickable=True,
        ),
    ]
    if arcs is not None and len(arcs):
        partners = arcs.assign(lon=[target[0] for target in arcs["target"]], lat=[target[1] for target in arcs["target"]])
        layers.append(_pixel_dots(partners, "partners", [77, 77, 77, 230], 5))
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
    default_view = PACIFIC_VIEW if arcs is not None and len(arcs) else ASEAN_VIEW
    return pdk.Deck(
        layers=layers,
        initial_view_state=view or default_view,
        # World copies, so a view centred on the Pacific shows Asia on its left and the U.S. on its right.
        views=[pdk.View(type="MapView", controller=True, repeat=True)],
        map_style=OFFLINE_MAP_STYLE,
        tooltip=NETWORK_TOOLTIP,
    )


WORLD_VIEW = pdk.ViewState(latitude=20.0, longitude=40.0, zoom=0.6, min_zoom=0, max_zoom=10)


def events_map(events: pd.DataFrame) -> pdk.Deck:
    """Events as dots coloured by type on a world view (the calendar reaches Kenya, Sweden and the U.S.)."""
    from usascp.charts import EVENT_TYPE_COLOURS, PALETTE

    points = events.assign(
        lat=events["lat"].astype(float),
        lon=events["lon"].astype(float),
        colour=events["event_type"].map(lambda t: hex_to_rgb(EVENT_TYPE_COLOURS.get(t, PALETTE["black"]), 220)),
        tooltip_title=events["name"],
        tooltip_body=events["city"] + ", " + events["country"] + " · " + events["start_date"].map(format_partial_date),
    )[["lat", "lon", "colour", "tooltip_title", "tooltip_body"]]
    layer = _pixel_dots(points, "events", "colour", 7)
    return pdk.Deck(
        layers=[country_outlines(), layer], initial_view_state=WORLD_VIEW, map_style=OFFLINE_MAP_STYLE, tooltip=NETWORK_TOOLTIP
    )


def static_city_map(cities: pd.DataFrame, title: str, fit_to_cities: bool = False):
    """The member-city map as a plotly figure (PNG downloads, slides): all of ASEAN, or framed on `cities`."""
    from usascp import charts

    box = charts.box_around(cities["lat"], cities["lon"]) if fit_to_cities else charts.ASEAN_BOX
    return charts.city_map_figure(cities, outline_rings(*box), title)


OUTLINES_FILE = Path(__file__).resolve().parents[1] / "data" / "country-outlines.geojson"


@functools.lru_cache(maxsize=4)
def outline_rings(west: float, south: float, east: float, north: float) -> dict[str, tuple[list, list]]:
    """Country outlines inside a box as lon/lat lists with None between rings, for plotly's filled scatter.

    Keys "asean" and "other"; a country is kept when its bounding box meets the box. Used by the static
    map figure (PNG downloads and slides), which cannot use the browser's pydeck layers.
    """
    features = json.loads(OUTLINES_FILE.read_text(encoding="utf-8"))["features"]
    rings: dict[str, tuple[list, list]] = {"asean": ([], []), "other": ([], [])}
    for feature in features:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        lons, lats = rings["asean" if feature["properties"]["asean"] else "other"]
        for polygon in polygons:
            for ring in polygon[:1]:  # outer ring only: lakes and enclaves do not show at slide scale
                xs, ys = [p[0] for p in ring], [p[1] for p in ring]
                if max(xs) < west or min(xs) > east or max(ys) < south or min(ys) > north:
                    continue
                lons += xs + [None]
                lats += ys + [None]
    return rings
