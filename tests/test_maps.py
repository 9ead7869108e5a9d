"""The city map: offline style, one dot per member city, tooltips with real values."""

import json
from pathlib import Path

from usascp import aggregate, maps
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
    assert [layer.type for layer in deck.layers] == ["GeoJsonLayer", "ScatterplotLayer", "TextLayer"]
    assert len(deck.layers[2].data) == 4


def test_literal_layer_settings_reach_deck_gl_as_strings(dataset):
    # pydeck turns plain strings into accessors ("@@=pixels"); units and fonts must stay literal.
    import json

    from usascp.maps import network_map, network_points, places_map

    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    layer = json.loads(network_map(network_points(cities, "projects", "Projects")).to_json())["layers"][1]
    assert layer["radiusUnits"] == "pixels" and layer["lineWidthUnits"] == "pixels"
    labels = json.loads(places_map(dataset.cities.head(2)).to_json())["layers"][2]
    assert not labels["fontFamily"].startswith("@@=")


def test_network_points_colour_by_country_and_ring_later_members(dataset):
    from usascp.charts import COUNTRY_COLOURS
    from usascp.maps import network_points

    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    points = network_points(cities, "projects", measures["projects"]).set_index("city")
    assert points.at["Phnom Penh", "fill"] == hex_to_rgb(COUNTRY_COLOURS["KHM"], 230)
    assert points.at["Sihanoukville", "fill"] == [255, 255, 255, 230]  # a ring: joined in 2024
    assert points.at["Sihanoukville", "line"] == hex_to_rgb(COUNTRY_COLOURS["KHM"], 230)
    assert points.at["Vientiane", "radius_px"] == 28 and points.at["Makassar", "radius_px"] == 6
    assert "Disclosed funding: not disclosed" in points.at["Phnom Penh", "tooltip_body"]


def test_network_points_sized_by_a_metric_say_when_there_is_no_figure(dataset):
    from usascp.maps import network_points

    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    points = network_points(cities, "participants", measures["participants"]).set_index("city")
    assert "Participants: 6" in points.at["Johor Bahru", "tooltip_body"]  # the WiSE delegation to DC Water
    assert "Participants: no figure" in points.at["Hanoi", "tooltip_body"]


def test_pair_arcs_cross_the_pacific(dataset):
    from usascp.maps import PACIFIC_VIEW, network_map, network_points, pair_arcs

    arcs = pair_arcs(dataset.city_pairs, dataset.cities).set_index("tooltip_title")
    source, target = arcs.at["Cebu City – Miami", "source"], arcs.at["Cebu City – Miami", "target"]
    assert source[0] == 123.89071 and target[0] == -80.19366 + 360
    assert arcs.at["Johor Bahru – Portland", "tooltip_body"] == "City of Portland (planned)"
    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    deck = network_map(network_points(cities, "projects", "Projects"), pair_arcs(dataset.city_pairs, dataset.cities))
    assert [layer.type for layer in deck.layers] == ["GeoJsonLayer", "ScatterplotLayer", "ScatterplotLayer", "ArcLayer"]
    assert deck.initial_view_state == PACIFIC_VIEW


def test_events_map_places_every_event_on_a_world_view(dataset):
    from usascp.maps import WORLD_VIEW, events_map

    deck = events_map(dataset.events)
    assert deck.initial_view_state == WORLD_VIEW and deck.map_style == OFFLINE_MAP_STYLE
    tooltips = {row["tooltip_title"]: row["tooltip_body"] for row in deck.layers[1].data}
    assert tooltips["9th AfriCities Summit"] == "Kisumu, Kenya · 17 May 2022"


def test_every_map_draws_country_outlines_from_the_app_itself(dataset):
    import json

    from usascp.maps import COUNTRY_OUTLINES_URL, events_map, network_map, network_points, places_map

    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    decks = [
        city_map(aggregate.city_summary(dataset)),
        network_map(network_points(cities, "projects", "Projects")),
        places_map(dataset.cities.head(3)),
        events_map(dataset.events),
    ]
    for deck in decks:
        outlines = json.loads(deck.to_json())["layers"][0]
        assert (
            outlines["@@type"] == "GeoJsonLayer"
            and outlines["data"] == COUNTRY_OUTLINES_URL == "/app/static/country-outlines.json"
        )


def test_country_outlines_are_small_complete_and_served_from_static():
    import json

    shipped = (REPO / "data" / "country-outlines.geojson").read_bytes()
    assert (REPO / "static" / "country-outlines.json").read_bytes() == shipped  # scripts/build_country_outlines.py writes both
    assert len(shipped) < 600 * 1024
    outlines = json.loads(shipped)
    asean = {feature["properties"]["iso3"] for feature in outlines["features"] if feature["properties"]["asean"]}
    assert asean == {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "TLS", "VNM"}
    assert len(outlines["features"]) > 200
    assert {"Kenya", "Sweden", "United States of America"} <= {feature["properties"]["name"] for feature in outlines["features"]}


def test_network_map_repeats_the_world_so_pacific_arcs_show_both_ends(dataset):
    import json

    from usascp.maps import network_map, network_points

    cities, _ = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    spec = json.loads(network_map(network_points(cities, "projects", "Projects")).to_json())
    assert spec["views"][0]["repeat"] is True


def test_city_labels_name_only_cities_with_projects_in_literal_strings(dataset):
    import json

    from usascp import aggregate

    deck = maps.city_map(aggregate.city_summary(dataset), labels=True)
    layer = next(layer for layer in json.loads(deck.to_json())["layers"] if layer["id"] == "city-names")
    assert layer["fontFamily"] == "Source Sans, sans-serif"  # a literal, not an "@@=" accessor
    assert layer["getTextAnchor"] == "@@=anchor"
    assert len(layer["data"]) == 11
    assert "city-names" not in maps.city_map(aggregate.city_summary(dataset)).to_json()


def test_outline_rings_keep_only_countries_near_the_box():
    rings = maps.outline_rings(100.0, 0.0, 106.0, 6.0)  # around Singapore
    lons = [lon for lon in rings["asean"][0] if lon is not None]
    assert lons and min(lons) > 90 and max(lons) < 130
    assert None in rings["asean"][0]  # rings separated, so plotly fills each on its own


def test_tooltips_keep_their_structure_in_the_template_and_the_data_plain(dataset):
    """Streamlit escapes what a tooltip template inserts (checked in Chromium), so a "<br/>" in a data field
    is printed as text, and a missing field as "{field}": every field a template names is in every pickable
    layer, with no markup in it."""
    import re

    from usascp.maps import events_map, network_map, network_points, pair_arcs

    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    decks = [
        city_map(aggregate.city_summary(dataset)),
        network_map(
            network_points(cities, "participants", measures["participants"]), pair_arcs(dataset.city_pairs, dataset.cities)
        ),
        events_map(dataset.events),
    ]
    for deck in decks:
        spec = json.loads(deck.to_json())
        fields = re.findall(r"\{(\w+)\}", deck._tooltip["html"])  # what st.pydeck_chart sends as the tooltip
        for layer in spec["layers"]:
            if not layer.get("pickable"):
                continue
            for row in layer["data"]:
                for field in fields:
                    assert field in row, (layer["id"], field)
                    assert "<" not in str(row[field]), (layer["id"], field, row[field])
    johor_bahru = (
        network_points(cities, "participants", measures["participants"]).set_index("city").at["Johor Bahru", "tooltip_body"]
    )
    assert johor_bahru == "Original 2018 pilot city\nProjects: 2\nDisclosed funding: not disclosed\nParticipants: 6"
    assert decks[1]._tooltip["style"]["whiteSpace"] == "pre-line"  # which draws each "\n" as a new line
