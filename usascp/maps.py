"""pydeck maps that work offline: a map style served by the app itself, never a tile server."""

from __future__ import annotations

import pandas as pd
import pydeck as pdk

from usascp.charts import COHORT_COLOURS, COHORT_LABELS, hex_to_rgb
from usascp.formatting import NOT_DISCLOSED, format_count, format_usd

# Served from static/ (server.enableStaticServing). Without a style of its own, Streamlit's pydeck
# chart loads a CARTO basemap from the internet, which summit halls often do not have.
OFFLINE_MAP_STYLE = "/app/static/basemap-blank.json"

# MapLibre zoom (512-pixel tiles): 3.3 fits Mandalay to Banyuwangi in a 560-pixel-high map.
ASEAN_VIEW = pdk.ViewState(latitude=6.5, longitude=109.0, zoom=3.3, min_zoom=2, max_zoom=10)

CITY_TOOLTIP = {
    "html": "<b>{city}</b>, {country}<br/>{cohort_label}<br/>Projects: {projects}<br/>Disclosed funding: {funding_label}",
    "style": {"backgroundColor": "#1A1A1A", "color": "#FFFFFF", "fontSize": "14px"},
}


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


def city_map(cities: pd.DataFrame, view: pdk.ViewState = ASEAN_VIEW) -> pdk.Deck:
    """Member cities as dots coloured by when they joined the network, on the offline background."""
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
    return pdk.Deck(layers=[layer], initial_view_state=view, map_style=OFFLINE_MAP_STYLE, tooltip=CITY_TOOLTIP)


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
    """A small map of a few places (a project's cities), all in one colour, on the offline background."""
    points = places.assign(lat=places["lat"].astype(float), lon=places["lon"].astype(float))
    layer = pdk.Layer(
        "ScatterplotLayer",
        data=points,
        id="places",
        get_position=["lon", "lat"],
        get_radius=20_000,
        get_fill_color=hex_to_rgb(COHORT_COLOURS["original_2018_pilot"], 230),
        get_line_color=[255, 255, 255, 255],
        stroked=True,
        line_width_min_pixels=1.5,
        radius_min_pixels=7,
        radius_max_pixels=30,
        pickable=True,
    )
    labels = pdk.Layer(
        "TextLayer",
        data=points,
        id="place-labels",
        get_position=["lon", "lat"],
        get_text=label_column,
        get_size=14,
        get_color=[26, 26, 26, 255],
        get_pixel_offset=[0, -18],
        font_family="Source Sans Pro, Arial, sans-serif",
        outline_width=3,
        outline_color=[255, 255, 255, 255],
        font_settings={"sdf": True},
    )
    return pdk.Deck(
        layers=[layer, labels],
        initial_view_state=fit_view(points["lat"], points["lon"]),
        map_style=OFFLINE_MAP_STYLE,
        tooltip={"text": "{" + label_column + "}"},
    )
