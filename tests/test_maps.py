"""The city map: offline style, one dot per member city, tooltips with real values."""

import json
from pathlib import Path

from usascp import aggregate
from usascp.charts import COHORT_COLOURS, PALETTE, hex_to_rgb
from usascp.maps import OFFLINE_MAP_STYLE, city_map, city_points

REPO = Path(__file__).resolve().parent.parent


def test_map_style_is_served_by_the_app_not_the_internet(dataset):
    deck = city_map(aggregate.city_summary(dataset))
    assert deck.map_style == OFFLINE_MAP_STYLE == "/app/static/basemap-blank.json"
    style = json.loads((REPO / "static" / "basemap-blank.json").read_text())
    assert style["version"] == 8 and style["sources"] == {}
    assert "http" not in json.dumps(style)
    assert json.loads(deck.to_json())["mapStyle"] == OFFLINE_MAP_STYLE


def test_every_member_city_is_a_dot(dataset):
    points = city_points(aggregate.city_summary(dataset))
    assert len(points) == 31
    assert set(points["city"]) >= {"Phnom Penh", "Sihanoukville", "Singapore", "Yangon"}


def test_dots_grow_with_projects_and_are_coloured_by_cohort(dataset):
    points = city_points(aggregate.city_summary(dataset)).set_index("city")
    assert points.at["Vientiane", "radius_m"] > points.at["Battambang", "radius_m"] > points.at["Makassar", "radius_m"]
    assert points.at["Makassar", "colour"] == hex_to_rgb(COHORT_COLOURS["original_2018_pilot"], 220)
    assert points.at["Sumedang", "colour"] == hex_to_rgb(PALETTE["orange"], 220)


def test_tooltip_says_not_disclosed_rather_than_zero(dataset):
    points = city_points(aggregate.city_summary(dataset)).set_index("city")
    assert points.at["Phnom Penh", "funding_label"] == "not disclosed"
    assert points.at["Phnom Penh", "projects"] == "2"
    assert points.at["Chiang Mai", "cohort_label"] == "Joined since 2023"


def test_hex_to_rgb():
    assert hex_to_rgb("#0072B2") == [0, 114, 178, 255]
    assert hex_to_rgb("E69F00", 128) == [230, 159, 0, 128]


def test_fit_view_centres_on_the_points_and_zooms_to_fit():
    from usascp.maps import fit_view

    cambodia = fit_view([11.56, 13.36, 13.10], [104.92, 103.86, 103.20])
    assert abs(cambodia.latitude - 12.46) < 0.01 and abs(cambodia.longitude - 104.06) < 0.01
    assert 5 < cambodia.zoom < 7
    region = fit_view([-8.6, 21.9], [96.1, 125.6])
    assert region.zoom < cambodia.zoom
    assert fit_view([1.29], [103.85]).zoom == 7  # a single place: the closest zoom allowed


def test_places_map_labels_each_place_offline(dataset):
    from usascp.maps import places_map

    cities = dataset.cities[dataset.cities["iso3"] == "KHM"]
    deck = places_map(cities)
    assert deck.map_style == OFFLINE_MAP_STYLE
    assert [layer.type for layer in deck.layers] == ["ScatterplotLayer", "TextLayer"]
    assert len(deck.layers[1].data) == 4


def test_literal_layer_settings_reach_deck_gl_as_strings(dataset):
    # pydeck turns plain strings into accessors ("@@=pixels"); units and fonts must stay literal.
    import json

    from usascp.maps import network_map, network_points, places_map

    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    layer = json.loads(network_map(network_points(cities, "projects", "Projects")).to_json())["layers"][0]
    assert layer["radiusUnits"] == "pixels" and layer["lineWidthUnits"] == "pixels"
    labels = json.loads(places_map(dataset.cities.head(2)).to_json())["layers"][1]
    assert not labels["fontFamily"].startswith("@@=")
