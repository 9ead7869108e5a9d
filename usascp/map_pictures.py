"""The member-city map as a picture (PNG for slides, the deck's map slide), drawn by plotly on the server.

The browser's maps are deck.gl (usascp.maps); a picture cannot be, so it is drawn from the same parts:
Natural Earth outlines at the resolution the picture's scale needs (usascp.outlines), dots moved apart and
names placed clear of each other (usascp.placement), the same cohort colours. A country's picture is
centred on the whole country with the land around it drawn, and names every member city in it.
"""

from __future__ import annotations

import math

import pandas as pd

from usascp import outlines, placement
from usascp.charts import COHORT_COLOURS, COHORT_LABELS
from usascp.maps import ASEAN_BOX, _box_of, _city_order

PICTURE_SEA = "#D9E6EF"
PICTURE_FOCUS_LAND = "#FFFFFF"
PICTURE_OTHER_LAND = "#F2EFE8"
PICTURE_BORDER = "#96A0AA"
PICTURE_MARGINS = {"l": 16, "r": 16, "t": 64, "b": 56}  # title above the map, source line below it


def picture_box(content, width_px: float, height_px: float, padding: float = 0.12) -> tuple[float, float, float, float]:
    """A (west, south, east, north) box centred on `content` with the shape of a width_px by height_px map.

    Equirectangular at the box's middle latitude (a degree of longitude is cos(latitude) of a degree of
    latitude there), with `padding` of the content's size on each side, and never closer than the finest
    outlines allow (Singapore alone would otherwise show 10m borders at ten times their resolution).
    """
    west, south, east, north = content
    middle_lat, middle_lon = (south + north) / 2, (west + east) / 2
    squeeze = math.cos(math.radians(middle_lat))
    lat_span = max(north - south, 0.5) * (1 + 2 * padding)
    lon_span = max((east - west) * (1 + 2 * padding), width_px * outlines.degrees_per_pixel(outlines.DETAIL.max_zoom))
    # Widen whichever span is short of the picture's shape.
    if lon_span * squeeze / lat_span < width_px / height_px:
        lon_span = lat_span * width_px / height_px / squeeze
    else:
        lat_span = lon_span * squeeze * height_px / width_px
    return (middle_lon - lon_span / 2, middle_lat - lat_span / 2, middle_lon + lon_span / 2, middle_lat + lat_span / 2)


def map_picture(
    cities: pd.DataFrame,
    title: str,
    footnote: str = "",
    focus: str | None = None,
    fit_to_cities: bool = False,
    size: tuple[int, int] = (1600, 900),
    font_px: int = 20,
):
    """The member-city map as a finished plotly figure of `size` pixels (a PNG for slides, or the deck's map).

    `cities` is aggregate.city_summary(). With `focus` (an ISO3 code) the picture is centred on that
    country, its member cities drawn and named, the country in white and the land around it in grey; with
    `fit_to_cities` it is framed on `cities`; otherwise it shows the region. Outlines come at the
    resolution the picture's scale needs (usascp.outlines). Names sit clear of every dot and other name,
    with a leader line when one had to move away (usascp.placement); dots that would hide each other are
    moved apart. Type is sized for a projector, so the figure is drawn as it is (not through for_export).
    """
    import plotly.graph_objects as go

    from usascp.formatting import plotly_text

    shown = cities[cities["iso3"] == focus] if focus else cities
    shown = shown.assign(lat=shown["lat"].astype(float), lon=shown["lon"].astype(float))
    width, height = size
    margins = dict(PICTURE_MARGINS, t=PICTURE_MARGINS["t"] if title else 16, b=PICTURE_MARGINS["b"] if footnote else 16)
    plot_w, plot_h = width - margins["l"] - margins["r"], height - margins["t"] - margins["b"]
    if focus:
        west, south, east, north = outlines.country_box(focus)
        content = (
            min([west, *shown["lon"]]),
            min([south, *shown["lat"]]),
            max([east, *shown["lon"]]),
            max([north, *shown["lat"]]),
        )
    elif fit_to_cities and len(shown):
        content = _box_of(shown, padding=1.0)
    else:
        content = ASEAN_BOX
    box = picture_box(content, plot_w, plot_h)
    west, south, east, north = box
    x_scale = plot_w / (east - west)  # pixels per degree of longitude
    y_scale = plot_h / (north - south)
    outline_set = outlines.finest_for(outlines.zoom_for(x_scale), box)
    land = outlines.rings(outline_set, box, focus)

    figure = go.Figure()
    for key, colour in (("other", PICTURE_OTHER_LAND), ("focus", PICTURE_FOCUS_LAND)):
        lons, lats = land[key]
        figure.add_scatter(
            x=lons,
            y=lats,
            mode="lines",
            fill="toself",
            fillcolor=colour,
            line=dict(color=PICTURE_BORDER, width=0.8),
            hoverinfo="skip",
            showlegend=False,
            name=f"land: {key}",
        )

    # Dots and names are placed in the picture's pixels (y downwards), largest dots first.
    ordered = shown.iloc[_city_order(shown["projects"].tolist(), shown["city"].tolist())]
    diameters = [font_px * 0.6 + font_px * 0.25 * min(int(n), 6) for n in ordered["projects"]]
    xs = [(lon - west) * x_scale for lon in ordered["lon"]]
    ys = [(north - lat) * y_scale for lat in ordered["lat"]]
    outer = [d / 2 + 1.5 for d in diameters]
    offsets = placement.separate(xs, ys, outer)
    xs = [x + dx for x, (dx, _) in zip(xs, offsets)]
    ys = [y + dy for y, (_, dy) in zip(ys, offsets)]
    legend_box = _picture_legend_box(plot_w, font_px)
    label_px = round(font_px * 0.85)
    spots = placement.place_labels(
        xs, ys, outer, ordered["city"].tolist(), label_px, bounds=(4, 4, plot_w - 4, plot_h - 4), obstacles=(legend_box,)
    )
    to_lon = lambda x: west + x / x_scale  # noqa: E731
    to_lat = lambda y: north - y / y_scale  # noqa: E731
    drawn = ordered.assign(x=[to_lon(x) for x in xs], y=[to_lat(y) for y in ys], diameter=diameters)
    for cohort, colour in COHORT_COLOURS.items():
        rows = drawn[drawn["ascn_cohort"] == cohort]
        figure.add_scatter(
            x=rows["x"],
            y=rows["y"],
            mode="markers",
            marker=dict(size=rows["diameter"], color=colour, line=dict(color="#FFFFFF", width=1.5)),
            hovertext=rows["city"].map(plotly_text),
            hovertemplate="%{hovertext}<extra></extra>",
            name=COHORT_LABELS[cohort],
            showlegend=len(rows) > 0,
        )
    leader_x, leader_y = [], []
    anchors = {"start": "left", "middle": "center", "end": "right"}
    baselines = {"top": "top", "center": "middle", "bottom": "bottom"}
    for x, y, r, spot, city in zip(xs, ys, outer, spots, ordered["city"]):
        if spot is None:
            continue  # no free spot: the name is left out rather than printed over another
        if spot.leader:
            length = math.hypot(spot.dx, spot.dy)
            leader_x += [to_lon(x + spot.dx * r / length), to_lon(x + spot.dx), None]
            leader_y += [to_lat(y + spot.dy * r / length), to_lat(y + spot.dy), None]
        figure.add_annotation(
            x=to_lon(x + spot.dx),
            y=to_lat(y + spot.dy),
            text=plotly_text(city),
            name="city name",
            showarrow=False,
            xanchor=anchors[spot.anchor],
            yanchor=baselines[spot.baseline],
            font=dict(size=label_px, color="#1A1A1A"),
            bgcolor="rgba(255,255,255,0.8)",
            borderpad=1,
        )
    if leader_x:
        figure.add_scatter(
            x=leader_x, y=leader_y, mode="lines", line=dict(color="#4A4A4A", width=1), hoverinfo="skip", showlegend=False
        )
    if footnote:
        figure.add_annotation(
            text=plotly_text(footnote),
            x=0,
            y=0,
            xref="paper",
            yref="paper",
            xanchor="left",
            yanchor="top",
            yshift=-14,
            showarrow=False,
            align="left",
            font=dict(size=round(font_px * 0.7), color="#4A4A4A"),
        )
    from usascp.charts import FONT

    figure.update_xaxes(range=[west, east], visible=False, fixedrange=True)
    figure.update_yaxes(range=[south, north], visible=False, fixedrange=True)
    figure.update_layout(
        width=width,
        height=height,
        title=dict(text=plotly_text(title), x=0, xanchor="left", font=dict(size=round(font_px * 1.2)), pad=dict(l=8)),
        font=dict(FONT, size=font_px),
        margin=margins,
        plot_bgcolor=PICTURE_SEA,
        paper_bgcolor="#FFFFFF",
        showlegend=True,
        # Inside the map's top-right corner, where names are kept off (legend_box), so it never moves the map.
        legend=dict(
            orientation="h",
            x=1,
            y=1,
            xanchor="right",
            yanchor="top",
            bgcolor="rgba(255,255,255,0.85)",
            font=dict(size=round(font_px * 0.8)),
        ),
        meta={"box": box, "outlines": outline_set.name, "label_px": label_px},
    )
    return figure


def _picture_legend_box(plot_w: float, font_px: float) -> tuple[float, float, float, float]:
    """Where the legend sits in the map's top-right corner (pixels), with room to spare."""
    legend_px = round(font_px * 0.8)
    width = sum(placement.text_width(label, legend_px) + 3 * legend_px for label in COHORT_LABELS.values()) + 20
    return (plot_w - width, 0, plot_w, legend_px * 2.2)
