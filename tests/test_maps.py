"""The maps: offline style and outlines, every member city a dot that no other hides, names clear of each
other, tooltips of plain text with real values, one city layer whose clicks open profiles, and zoom capped
at the outlines' resolution."""

import json
import math
import re
from pathlib import Path

import pytest

from usascp import aggregate, maps, outlines, placement
from usascp.charts import COHORT_COLOURS, PALETTE, hex_to_rgb
from usascp.maps import OFFLINE_MAP_STYLE, city_map, city_points

REPO = Path(__file__).resolve().parent.parent


def _network(dataset, measure="projects"):
    cities, measures = aggregate.city_measures(dataset, aggregate.select_projects(dataset))
    return maps.network_points(cities, measure, measures[measure])


def _all_decks(dataset):
    from usascp.maps import events_map, network_map, pair_arcs, places_map

    cities = aggregate.city_summary(dataset)
    khm = dataset.cities[dataset.cities["iso3"] == "KHM"]
    view, box = maps.country_view("KHM", khm)
    return {
        "overview": city_map(cities),
        "pilot": network_map(_network(dataset, "participants")),
        "pilot-pairs": network_map(_network(dataset), pair_arcs(dataset.city_pairs, dataset.cities)),
        "pilot-cambodia": network_map(_network(dataset), view=view, content_box=box),
        "city": places_map(dataset.cities[dataset.cities["city_id"] == "phnom_penh"]),
        "project": places_map(khm),
        "events": events_map(dataset.events),
    }


def _layer(spec, layer_id):
    return next(layer for layer in spec["layers"] if layer["id"] == layer_id)


def test_map_style_is_served_by_the_app_not_the_internet(dataset):
    deck = city_map(aggregate.city_summary(dataset))
    assert deck.map_style == OFFLINE_MAP_STYLE == "/app/static/basemap-blank.json"
    style = json.loads((REPO / "static" / "basemap-blank.json").read_text())
    assert style["version"] == 8 and style["sources"] == {}
    assert "http" not in json.dumps(style)
    assert json.loads(deck.to_json())["mapStyle"] == OFFLINE_MAP_STYLE
    assert style["layers"][0]["paint"]["background-color"] == "#d9e6ef" == "#{:02x}{:02x}{:02x}".format(*maps.SEA[:3])


def test_every_member_city_is_a_dot(dataset):
    points = city_points(aggregate.city_summary(dataset))
    assert len(points) == 31
    assert set(points["city"]) >= {"Phnom Penh", "Sihanoukville", "Singapore", "Yangon"}


def test_dots_grow_with_projects_and_are_coloured_by_cohort(dataset):
    points = city_points(aggregate.city_summary(dataset)).set_index("city")
    assert points.at["Vientiane", "radius_px"] > points.at["Battambang", "radius_px"] > points.at["Makassar", "radius_px"]
    assert points.at["Makassar", "fill"] == hex_to_rgb(COHORT_COLOURS["original_2018_pilot"], 230)
    assert points.at["Sumedang", "fill"] == hex_to_rgb(PALETTE["orange"], 230)


def test_tooltips_say_what_money_is_the_city_s_own_and_what_is_shared(dataset):
    points = city_points(aggregate.city_summary(dataset)).set_index("city")
    assert points.at["Phnom Penh", "tooltip_title"] == "Phnom Penh, Cambodia"
    # Phnom Penh's money is all in projects that also work or meet elsewhere: the hospital records
    # project ($98,750, with Battambang and Siem Reap) and a $1M regional program meeting there.
    assert points.at["Phnom Penh", "tooltip_body"] == (
        "Original 2018 pilot city\nProjects: 2\nDisclosed funding for this city alone: not disclosed"
        "\nIn projects shared with other places: $1.1M (not split)"
    )
    assert points.at["Makassar", "tooltip_body"] == "Original 2018 pilot city\nProjects: 0"  # nothing to disclose
    assert points.at["Chiang Mai", "tooltip_body"].startswith("Joined since 2023")


def test_fit_view_centres_on_the_points_and_zooms_to_fit():
    from usascp.maps import fit_view

    cambodia = fit_view([11.56, 13.36, 13.10], [104.92, 103.86, 103.20])
    assert abs(cambodia.latitude - 12.46) < 0.01 and abs(cambodia.longitude - 104.06) < 0.01
    assert 5 < cambodia.zoom < 7
    region = fit_view([-8.6, 21.9], [96.1, 125.6])
    assert region.zoom < cambodia.zoom
    assert fit_view([1.29], [103.85]).zoom == 7  # a single place: the closest zoom allowed


def test_a_country_view_is_centred_on_the_whole_country(dataset):
    khm = dataset.cities[dataset.cities["iso3"] == "KHM"]
    view, box = maps.country_view("KHM", khm)
    west, south, east, north = outlines.country_box("KHM")  # 102.3-107.6 E, 10.4-14.7 N
    assert box == (west, south, east, north)  # every member city is inside the country
    assert abs(view.longitude - (west + east) / 2) < 0.01 and abs(view.latitude - (south + north) / 2) < 0.01


def test_places_maps_name_each_place_in_the_city_layer(dataset):
    from usascp.maps import places_map

    spec = json.loads(places_map(dataset.cities[dataset.cities["iso3"] == "KHM"]).to_json())
    cities = _layer(spec, maps.CITY_LAYER)
    assert cities["pickable"] and {row["city_id"] for row in cities["data"]} == {
        "phnom_penh",
        "battambang",
        "siem_reap",
        "sihanoukville",
    }
    assert {row["city"] for row in _layer(spec, "city-names")["data"]} == {"Phnom Penh", "Battambang", "Siem Reap", "Sihanoukville"}


def test_literal_layer_settings_reach_deck_gl_as_strings(dataset):
    # pydeck turns plain strings into accessors ("@@=pixels"); units and fonts must stay literal.
    spec = json.loads(maps.network_map(_network(dataset)).to_json())
    assert _layer(spec, maps.CITY_LAYER)["sizeUnits"] == "pixels"
    names = _layer(spec, "city-names")
    assert names["fontFamily"] == "Source Sans, sans-serif" and names["characterSet"] == "auto"
    assert names["getTextAnchor"] == "@@=name_anchor"


def test_network_points_colour_by_country_and_ring_later_members(dataset):
    from usascp.charts import COUNTRY_COLOURS

    points = _network(dataset).set_index("city")
    assert points.at["Phnom Penh", "fill"] == hex_to_rgb(COUNTRY_COLOURS["KHM"], 230)
    assert points.at["Sihanoukville", "fill"] == [255, 255, 255, 230]  # a ring: joined in 2024
    assert points.at["Sihanoukville", "line"] == hex_to_rgb(COUNTRY_COLOURS["KHM"], 230)
    assert points.at["Vientiane", "radius_px"] == 28 and points.at["Makassar", "radius_px"] == 6
    assert "Disclosed funding for this city alone: not disclosed" in points.at["Phnom Penh", "tooltip_body"]
    assert _network(dataset)["city"].iloc[0] == "Vientiane"  # largest first: its name is placed first


def test_network_points_sized_by_a_metric_say_when_there_is_no_figure(dataset):
    points = _network(dataset, "participants").set_index("city")
    assert "Participants: 6" in points.at["Johor Bahru", "tooltip_body"]  # the WiSE delegation to DC Water
    assert "Participants: no figure" in points.at["Hanoi", "tooltip_body"]


def test_pair_arcs_cross_the_pacific(dataset):
    from usascp.maps import PACIFIC_VIEW, network_map, pair_arcs

    arcs = pair_arcs(dataset.city_pairs, dataset.cities).set_index("tooltip_title")
    source, target = arcs.at["Cebu City – Miami", "source"], arcs.at["Cebu City – Miami", "target"]
    assert source[0] == 123.89071 and target[0] == -80.19366 + 360
    assert arcs.at["Johor Bahru – Portland", "tooltip_body"] == "City of Portland (planned)"
    deck = network_map(_network(dataset), pair_arcs(dataset.city_pairs, dataset.cities))
    assert [layer.id for layer in deck.layers][-2:] == ["partners", "pairs"]
    assert (deck.initial_view_state.longitude, deck.initial_view_state.zoom) == (PACIFIC_VIEW.longitude, PACIFIC_VIEW.zoom)


def test_events_map_places_every_event_on_a_world_view(dataset):
    from usascp.maps import events_map

    deck = events_map(dataset.events)
    assert deck.initial_view_state.zoom == maps.WORLD_VIEW.zoom and deck.map_style == OFFLINE_MAP_STYLE
    events = next(layer for layer in deck.layers if layer.id == "events")
    tooltips = {row["tooltip_title"]: row["tooltip_body"] for row in events.data}
    assert tooltips["9th AfriCities Summit"] == "Kisumu, Kenya · 17 May 2022"


def test_every_map_draws_outlines_from_the_app_fit_for_its_zoom_and_zooms_no_deeper(dataset):
    """Borders past their resolution turn into jagged triangles: each map gets the outline sets its view
    warrants, and its zoom stops where the finest of them stops being smooth (under a pixel per point)."""
    expected = {
        "overview": ["world-110m", "asean-50m"],
        "pilot": ["world-110m", "asean-50m"],
        "pilot-pairs": ["world-110m"],
        "pilot-cambodia": ["world-110m", "asean-50m", "asean-10m"],
        "city": ["world-110m", "asean-50m", "asean-10m"],
        "project": ["world-110m", "asean-50m", "asean-10m"],
        "events": ["world-110m"],
    }
    for name, deck in _all_decks(dataset).items():
        spec = json.loads(deck.to_json())
        urls = [layer["data"] for layer in spec["layers"] if layer["@@type"] == "GeoJsonLayer"]
        assert urls == [f"/app/static/outlines/{s}.json" for s in expected[name]], name
        finest = next(s for s in outlines.SETS if s.name == expected[name][-1])
        view = spec["initialViewState"]
        assert view["maxZoom"] == finest.max_zoom and view["zoom"] <= view["maxZoom"], name
        assert finest.tolerance_degrees < outlines.degrees_per_pixel(view["maxZoom"]), name
    assert json.loads(_all_decks(dataset)["pilot-cambodia"].to_json())["initialViewState"]["zoom"] > 5


def test_outline_files_are_small_complete_and_served_from_static():
    sizes = {}
    for outline_set in outlines.SETS:
        shipped = (outlines.DATA_DIR / f"{outline_set.name}.geojson").read_bytes()
        assert (outlines.STATIC_DIR / f"{outline_set.name}.json").read_bytes() == shipped  # the script writes both
        sizes[outline_set.name] = len(shipped)
        features = json.loads(shipped)["features"]
        names = {feature["properties"]["name"] for feature in features}
        asean = {feature["properties"]["iso3"] for feature in features if feature["properties"]["asean"]}
        members = {"BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "TLS", "VNM"}
        assert asean == members - ({"SGP"} if outline_set is outlines.WORLD else set()), outline_set.name
        assert {"China", "India"} <= names or outline_set is outlines.DETAIL
        for feature in features:
            for polygon in feature["geometry"]["coordinates"]:
                for ring in polygon:
                    for lon, lat in ring:
                        assert outline_set.box[0] <= lon <= outline_set.box[2] + 360 * (outline_set is outlines.WORLD)
                        assert outline_set.box[1] <= lat <= outline_set.box[3]
    assert {"Kenya", "Sweden", "United States of America"} <= {
        f["properties"]["name"] for f in outlines.features(outlines.WORLD.name)
    }
    assert sizes["world-110m"] < 200 * 1024 and sizes["asean-50m"] < 300 * 1024 and sizes["asean-10m"] < 700 * 1024


def test_the_finest_outlines_follow_coasts_the_coarse_ones_cut():
    """Singapore is missing from Natural Earth 1:110m; Phuket island has 1:10m detail the region set drops."""
    assert "Singapore" not in {f["properties"]["name"] for f in outlines.features(outlines.WORLD.name)}

    def points_in(name, iso3):
        return sum(len(ring) for f in outlines.features(name) if f["properties"]["iso3"] == iso3 for p in f["geometry"]["coordinates"] for ring in p)

    assert points_in("asean-10m", "KHM") > 3 * points_in("asean-50m", "KHM")


def test_network_map_repeats_the_world_so_pacific_arcs_show_both_ends(dataset):
    spec = json.loads(maps.network_map(_network(dataset)).to_json())
    assert spec["views"][0]["repeat"] is True


def _drawn(spec, zoom):
    """Each city's dot centre and radius and its name's box, in pixels at `zoom`, as deck.gl draws them."""
    dots = {}
    for outline, inner in zip(_layer(spec, "city-outlines")["data"], _layer(spec, maps.CITY_LAYER)["data"]):
        x, y = placement.web_mercator_px(inner["lon"], inner["lat"], zoom)
        dots[inner["city"]] = (x + inner["dot_offset"][0], y + inner["dot_offset"][1], outline["outer_size"] / 2)
    return dots


def test_no_dot_hides_another_at_the_first_view(dataset):
    """Johor Bahru sat under Singapore, and Siem Reap, Battambang and Phnom Penh on each other."""
    for deck in (city_map(aggregate.city_summary(dataset)), maps.network_map(_network(dataset))):
        spec = json.loads(deck.to_json())
        zoom = spec["initialViewState"]["zoom"]
        dots = _drawn(spec, zoom)
        where = {city: placement.web_mercator_px(lon, lat, zoom) for city, lon, lat in zip(
            [r["city"] for r in _layer(spec, maps.CITY_LAYER)["data"]],
            [r["lon"] for r in _layer(spec, maps.CITY_LAYER)["data"]],
            [r["lat"] for r in _layer(spec, maps.CITY_LAYER)["data"]],
        )}
        singapore, johor = where["Singapore"], where["Johor Bahru"]
        assert math.dist(singapore, johor) < dots["Singapore"][2]  # at their true places, one covers the other
        names = sorted(dots)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                (xa, ya, ra), (xb, yb, rb) = dots[a], dots[b]
                assert math.hypot(xa - xb, ya - yb) >= ra + rb, (a, b)
        for city, (x, y, r) in dots.items():
            assert math.dist((x, y), where[city]) < 3 * r  # moved by a few pixels, not elsewhere


def test_names_are_drawn_clear_of_dots_and_each_other_where_there_is_room(dataset):
    """The Overview and Pilot cities maps named no city; now every name with room at the first view is drawn,
    none over another name or a dot, and a country's view names all of its cities."""
    khm = dataset.cities[dataset.cities["iso3"] == "KHM"]
    view, box = maps.country_view("KHM", khm)
    cases = {
        "overview": (maps.city_points(aggregate.city_summary(dataset)), maps.ASEAN_VIEW.zoom),
        "pilot": (_network(dataset), maps.ASEAN_VIEW.zoom),
        "pilot-cambodia": (_network(dataset), view.zoom),
    }
    for name, (points, zoom) in cases.items():
        spread = maps.spread_out(points, zoom)
        named = spread[spread["name_box"].notna()]
        boxes = list(named["name_box"])
        for i, box in enumerate(boxes):
            for other in boxes[i + 1 :]:
                assert not placement._boxes_meet(box, other), name
        xy = [placement.web_mercator_px(lon, lat, zoom) for lon, lat in zip(spread["lon"], spread["lat"])]
        for (x, y), (dx, dy), r in zip(xy, spread["dot_offset"], spread["radius_px"] + spread["line_px"]):
            for box in boxes:
                assert not placement._box_meets_circle(box, x + dx, y + dy, r), name
        drawn = {
            "overview": city_map(aggregate.city_summary(dataset)),
            "pilot": maps.network_map(_network(dataset)),
            "pilot-cambodia": maps.network_map(_network(dataset), view=view, content_box=box),
        }[name]
        layer = _layer(json.loads(drawn.to_json()), "city-names")
        assert [row["city"] for row in layer["data"]] == list(named["city"]), name
        if name == "pilot-cambodia":
            assert set(khm["city"]) <= set(named["city"])
        else:
            assert len(named) >= 20, (name, len(named))
            assert {"Singapore", "Johor Bahru", "Jakarta", "Phuket", "Cebu City"} <= set(named["city"]), name


def test_tooltips_keep_their_structure_in_the_template_and_the_data_plain(dataset):
    """Streamlit escapes what a tooltip template inserts (checked in Chromium), so a "<br/>" in a data field
    is printed as text, and a missing field as "{field}": every field the template names is in every
    pickable layer of every map, with no markup in it."""
    for name, deck in _all_decks(dataset).items():
        spec = json.loads(deck.to_json())
        fields = re.findall(r"\{(\w+)\}", deck._tooltip["html"])  # what st.pydeck_chart sends as the tooltip
        pickable = [layer for layer in spec["layers"] if layer.get("pickable")]
        assert pickable, name
        for layer in pickable:
            for row in layer["data"]:
                for field in fields:
                    assert field in row, (name, layer["id"], field)
                    assert "<" not in str(row[field]), (name, layer["id"], field, row[field])
    johor_bahru = _network(dataset, "participants").set_index("city").at["Johor Bahru", "tooltip_body"]
    assert johor_bahru == "Original 2018 pilot city\nProjects: 2\nDisclosed funding for this city alone: not disclosed\nParticipants: 6"
    assert maps.TOOLTIP["style"]["whiteSpace"] == "pre-line"  # which draws each "\n" as a new line


def test_every_city_map_reads_clicks_from_one_layer_of_rows_with_city_ids(dataset):
    for name, deck in _all_decks(dataset).items():
        if name == "events":
            continue
        spec = json.loads(deck.to_json())
        rows = _layer(spec, maps.CITY_LAYER)["data"]
        assert rows and all(row["city_id"] in set(dataset.cities["city_id"]) for row in rows), name
    assert maps.picked_city({"objects": {"cities": [{"city_id": "vientiane", "city": "Vientiane"}]}}) == "vientiane"
    assert maps.picked_city({"objects": {"pairs": [{"tooltip_title": "Cebu City – Miami"}]}}) is None
    assert maps.picked_city(None) is None


@pytest.mark.parametrize("iso3", ["KHM", "PHL", "SGP"])
def test_a_country_s_outline_box_holds_its_member_cities(dataset, iso3):
    west, south, east, north = outlines.country_box(iso3)
    cities = dataset.cities[dataset.cities["iso3"] == iso3]
    assert cities["lon"].astype(float).between(west, east).all() and cities["lat"].astype(float).between(south, north).all()


def test_past_a_few_hundred_events_the_map_counts_them_per_place_and_type(dataset):
    """615 made-up events (tests/many_events.py): a dot per place and type, its area growing with the count up to
    a cap, and a tooltip of plain text that says how many, where and when."""
    from many_events import many_events, with_events

    from usascp.maps import COUNT_DOT_LARGEST_PX, COUNT_DOT_LEAST_PX, TOOLTIP, event_counts_map

    many = with_events(dataset, many_events(dataset.events))
    places = aggregate.events_by_place(many, many.events)
    assert places[["city", "event_type", "events", "undated", "first_start", "last_start"]].fillna("").values.tolist() == [
        ["Jakarta", "workshop", 550, 0, "2024-03-05", "2024-04-20"],
        ["Kisumu", "summit", 60, 0, "2024-03", "2024-03"],  # as precise as its source: the month
        ["Portland", "workshop", 5, 5, "", ""],
    ]
    deck = event_counts_map(places)
    assert deck.map_style == OFFLINE_MAP_STYLE and deck._tooltip == TOOLTIP  # the one template: structure in it, data plain
    spec = json.loads(deck.to_json())
    dots = _layer(spec, "events")
    assert dots["pickable"] and not _layer(spec, "event-outlines")["pickable"]
    rows = dots["data"]
    assert [(row["tooltip_title"], row["tooltip_body"]) for row in rows] == [
        ("550 workshops in Jakarta, Indonesia", "5 Mar 2024 – 20 Apr 2024"),
        ("60 summits in Kisumu, Kenya", "Mar 2024"),
        ("5 workshops in Portland, United States", "5 with no published date"),
    ]
    # Area with the count: from the least size, the square root of its share of the largest, up to the cap.
    span = COUNT_DOT_LARGEST_PX - COUNT_DOT_LEAST_PX
    expected = [15, round(5 + span * (60 / 550) ** 0.5, 1), round(5 + span * (5 / 550) ** 0.5, 1)]
    assert [row["inner_size"] / 2 for row in rows] == expected
    assert (rows[0]["lon"], rows[0]["lat"]) == (106.84513, -6.21462)
    # Framed on the places: Portland to Jakarta by way of Kisumu is most of the world; one country is close up.
    assert spec["initialViewState"]["zoom"] == maps.WORLD_VIEW.zoom
    one_country = event_counts_map(places[places["city"] == "Jakarta"])
    assert one_country.initial_view_state.zoom == 5.5 and one_country.initial_view_state.longitude == 106.84513


def test_counted_events_in_one_city_are_moved_apart_not_stacked(dataset):
    """Each kind of event held in one city is a dot of its own: none hides another, as on every city map."""
    from many_events import many_events, with_events

    from usascp.maps import event_counts_map

    calendar = [
        ("ascn_governance_workshop_2018", "2024-01-10", 300),
        ("wcs_2022", "2024-02-10", 100),
        ("tctp_workshop_2019", "2024-03-10", 150),
    ]
    singapore = with_events(dataset, many_events(dataset.events, calendar))  # ASCN meetings, workshops, trainings
    deck = event_counts_map(aggregate.events_by_place(singapore, singapore.events))
    rows = _layer(json.loads(deck.to_json()), "events")["data"]
    assert {(row["lon"], row["lat"]) for row in rows} == {(103.85007, 1.28967)}
    centres = [row["dot_offset"] for row in rows]
    for i, (a, row_a) in enumerate(zip(centres, rows)):
        for b, row_b in zip(centres[i + 1 :], rows[i + 1 :]):
            apart = (row_a["outer_size"] + row_b["outer_size"]) / 2
            assert math.dist(a, b) >= apart - 0.2, (row_a["tooltip_title"], row_b["tooltip_title"])


def test_a_counted_events_map_stays_small_however_many_events_and_keeps_names_as_text(dataset):
    from many_events import many_events, with_events

    from usascp.maps import event_counts_map, events_map

    kinds = ("symposium_2023", "africities_2022", "ipbf_2020")  # a workshop in Jakarta, a summit in Kisumu, a conference in Hanoi
    calendar = [(event_id, f"2024-{month:02d}-10", 50) for month in range(1, 13) for event_id in kinds]
    lots = with_events(dataset, many_events(dataset.events, calendar))
    counted = event_counts_map(aggregate.events_by_place(lots, lots.events)).to_json()
    assert len(lots.events) == 1_800 and len(_layer(json.loads(counted), "events")["data"]) == 3
    assert len(counted) < 8 * 1024 < 200 * 1024 < len(events_map(lots.events).to_json())
    hostile = lots.events.assign(city=lots.events["city"].str.replace("Jakarta", "<img src=x onerror=alert(1)>"))
    deck = event_counts_map(aggregate.events_by_place(with_events(dataset, hostile), hostile))
    rows = _layer(json.loads(deck.to_json()), "events")["data"]
    # Streamlit escapes what the template inserts: the name is shown as typed, never read as a tag.
    assert rows[0]["tooltip_title"] == "600 workshops in <img src=x onerror=alert(1)>, Indonesia"


def test_the_maps_drawn_from_lists_are_the_maps_drawn_from_the_points_frames(dataset):
    """city_map and the Pilot cities map draw their dots from lists (maps.network_dots, _city_point_columns), not
    frames: the same deck as city_layers makes of city_points() and network_points()."""
    for projects in (aggregate.select_projects(dataset), aggregate.select_projects(dataset).iloc[:0]):
        cities, measures = aggregate.city_measures(dataset, projects)
        points = city_points(cities)
        from_frame = maps._deck(maps.city_layers(points, maps.ASEAN_VIEW.zoom), maps.ASEAN_VIEW, maps._box_of(points) if len(points) else maps.ASEAN_BOX)
        assert city_map(cities).to_json() == from_frame.to_json()
        for measure in measures:
            frame = maps.network_points(cities, measure, measures[measure])
            listed = maps.network_dots(cities, measure, measures[measure])
            assert listed == {name: frame[name].tolist() for name in maps.DOT_COLUMNS}
            assert maps.network_map(listed).to_json() == maps.network_map(frame).to_json()
