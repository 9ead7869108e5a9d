"""A country's map picture (`/map?focus=KHM`, "Download the map as a PNG for slides"): the country centred,
the land around it drawn, every member city named, and no name over another.

Checked on the figure itself, with the picture's geometry worked out here from its layout (plot area,
axis ranges) and text measured with Liberation Sans, the font Chromium draws the PNG with.
"""

from pathlib import Path

import pytest

from usascp import aggregate, images, outlines
from usascp.map_pictures import map_picture

LIBERATION_SANS = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")


def _text_size(text: str, size: float) -> tuple[float, float]:
    """The drawn width and height of `text` at `size` pixels: measured with the font where it is installed,
    else a generous 0.62 of the size per character."""
    try:
        from PIL import ImageFont

        font = ImageFont.truetype(str(LIBERATION_SANS), round(size))
        return font.getlength(text), size * 1.2
    except (ImportError, OSError):
        return 0.62 * size * len(text), size * 1.2


def _plot_area(figure):
    margin = figure.layout.margin
    return figure.layout.width - margin.l - margin.r, figure.layout.height - margin.t - margin.b


def _label_boxes(figure) -> dict[str, tuple[float, float, float, float]]:
    """Each city name's box in the plot area's pixels (left, top, right, bottom), from its annotation."""
    width, height = _plot_area(figure)
    (west, east), (south, north) = figure.layout.xaxis.range, figure.layout.yaxis.range
    boxes = {}
    for note in figure.layout.annotations:
        if note.name != "city name":
            continue
        x = (note.x - west) / (east - west) * width
        y = (north - note.y) / (north - south) * height
        w, h = _text_size(note.text, note.font.size)
        left = {"left": x, "right": x - w, "center": x - w / 2}[note.xanchor]
        top = {"top": y, "bottom": y - h, "middle": y - h / 2}[note.yanchor]
        boxes[note.text] = (left, top, left + w, top + h)
    return boxes


@pytest.mark.parametrize("iso3", ["KHM", "PHL"])
def test_a_country_picture_is_centred_on_it_with_the_land_around_and_every_city_named(dataset, iso3):
    cities = aggregate.city_summary(dataset)
    members = cities[cities["iso3"] == iso3]
    figure = map_picture(cities, f"Member cities: {iso3}", "footnote", focus=iso3)
    assert (figure.layout.width, figure.layout.height) == (1600, 900)

    # Centred on the country's whole territory (Natural Earth 1:10m box), with room on every side.
    west, south, east, north = outlines.country_box(iso3)
    (x0, x1), (y0, y1) = figure.layout.xaxis.range, figure.layout.yaxis.range
    assert abs((x0 + x1) / 2 - (west + east) / 2) < 0.01 * (x1 - x0)
    assert abs((y0 + y1) / 2 - (south + north) / 2) < 0.01 * (y1 - y0)
    assert x0 < west and east < x1 and y0 < south and north < y1
    assert (north - south) / (y1 - y0) > 0.7  # the country fills the picture's height, not a corner of it

    # The neighbours' land is drawn: Thailand, Laos and Vietnam around Cambodia; Borneo and Vietnam across the sea.
    land = {trace.name: trace for trace in figure.data if trace.fill == "toself"}
    other_points = set(zip(land["land: other"].x, land["land: other"].y))
    chosen = figure.layout.meta["outlines"]
    neighbours = {"KHM": ["Thailand", "Laos", "Vietnam"], "PHL": ["Malaysia", "Indonesia", "Vietnam"]}[iso3]
    for name in neighbours:
        feature = next(f for f in outlines.features(chosen) if f["properties"]["name"] == name)
        rings = [polygon[0] for polygon in feature["geometry"]["coordinates"]]
        assert any(tuple(ring[0]) in other_points for ring in rings), name
    focus_points = [(x, y) for x, y in zip(land["land: focus"].x, land["land: focus"].y) if x is not None]
    assert len(focus_points) > 100  # the country itself, in its own colour
    assert all(west <= x <= east and south <= y <= north for x, y in focus_points)

    # Every member city of the country is named, each name clear of every other and inside the picture.
    boxes = _label_boxes(figure)
    assert set(boxes) == set(members["city"])
    width, height = _plot_area(figure)
    names = sorted(boxes)
    for i, a in enumerate(names):
        left, top, right, bottom = boxes[a]
        assert 0 <= left and right <= width and 0 <= top and bottom <= height, a
        for b in names[i + 1 :]:
            other = boxes[b]
            assert not (left < other[2] and other[0] < right and top < other[3] and other[1] < bottom), (a, b)


def test_a_country_picture_uses_outlines_fit_for_its_scale(dataset):
    """Cambodia fills a 1600-pixel picture at about 120 pixels a degree: 1:10m detail; the Philippines,
    spread over 17 degrees, at about 35: 1:50m is enough. Neither is drawn past its resolution."""
    cities = aggregate.city_summary(dataset)
    for iso3, expected in (("KHM", "asean-10m"), ("PHL", "asean-50m")):
        figure = map_picture(cities, "", focus=iso3)
        assert figure.layout.meta["outlines"] == expected
        (x0, x1) = figure.layout.xaxis.range
        chosen = next(s for s in outlines.SETS if s.name == expected)
        assert _plot_area(figure)[0] / (x1 - x0) <= 512 * 2**chosen.max_zoom / 360  # pixels per degree within its zoom


def test_the_region_picture_names_the_cities_with_projects_without_overlap(dataset):
    cities = aggregate.city_summary(dataset)
    figure = map_picture(cities, "ASEAN Smart Cities Network member cities", "footnote")
    boxes = _label_boxes(figure)
    assert set(cities.loc[cities["projects"] > 0, "city"]) <= set(boxes)
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            one, other = boxes[a], boxes[b]
            assert not (one[0] < other[2] and other[0] < one[2] and one[1] < other[3] and other[1] < one[3]), (a, b)


@pytest.mark.skipif(images.browser_path() is None, reason="drawing the picture needs Chromium")
def test_the_picture_is_a_1600_by_900_png(dataset):
    from PIL import Image
    import io

    png = images.figure_png(map_picture(aggregate.city_summary(dataset), "Cambodia", "footnote", focus="KHM"))
    assert Image.open(io.BytesIO(png)).size == (1600, 900)
