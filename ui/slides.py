"""Drawing presenter slides (usascp.presentation) in the browser, in type readable from the back of a hall."""

from __future__ import annotations

import datetime as dt
import html
import os
import re

import streamlit as st

from ui.layout import legend, people_table
from usascp import charts, deck, images, map_pictures, maps, public_link
from usascp.charts import COHORT_LEGEND
from usascp.dates import format_partial_date
from usascp.filters import Filters, describe, filter_options
from usascp.formatting import markdown_text
from usascp.load import Dataset
from usascp.presentation import SLIDE_KEYS, Slide, build_slides, live_link

# Scoped to elements this module writes, plus the page padding, so other pages keep their look.
# Streamlit's header (3.75rem, white) lies over the top of the page and takes the clicks there: the slide
# controls start below it. Sizes are set so that a slide's title, figures and sources fit a 1280x720
# projector without scrolling (tests/journeys/test_presenter.py measures them); 1080 lines get larger type.
SLIDE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 4.75rem; }
.slide-head { display: flex; align-items: flex-start; gap: 1.5rem; }
.slide-head-text { flex: 1 1 auto; min-width: 0; }
/* The live link: the code, dark on white with a white frame (its quiet zone on any background), and beside
   it the link in words, broken only before a / ? or &. Sized by its modules: 4 px each, 3 on a 720-line projector. */
a.slide-qr { flex: 0 0 auto; display: flex; align-items: flex-end; gap: 1rem; margin: 0.3rem 0.5rem 0.3rem 0; text-decoration: none; }
a.slide-qr img { width: min(calc(var(--qr-modules) * 4px), 10.5rem); aspect-ratio: 1; background: #FFFFFF; box-shadow: 0 0 0 8px #FFFFFF; }
.slide-qr-link { max-width: 12rem; font-size: 1.05rem; line-height: 1.35; text-align: right; color: #004C7A; text-decoration: underline; }
.slide-qr-none { max-width: 14rem; font-size: 0.95rem; color: #4A4A4A; }
[data-testid="stMain"] h1.slide-title { padding: 0; font-size: 3.1rem; font-weight: 700; line-height: 1.1; margin: 0.2rem 0 0.3rem; color: #1A1A1A; }
[data-testid="stMain"] .slide-subtitle { font-size: 1.6rem; color: #4A4A4A; margin-bottom: 0.6rem; }
.slide-stats { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1.2rem; margin-bottom: 0.4rem; }
.slide-stats.two { grid-template-columns: repeat(2, 1fr); }
.slide-stats.four { grid-template-columns: repeat(4, 1fr); }
.slide-stat { border: 1px solid #D5DEE7; border-radius: 0.6rem; padding: 1rem 1.3rem; background: #FFFFFF; }
.slide-stat-value { font-size: 3.4rem; font-weight: 700; color: #005A8C; line-height: 1.1; white-space: nowrap; }
.slide-stat-label { font-size: 1.5rem; font-weight: 600; color: #1A1A1A; line-height: 1.3; }
.slide-stat-detail { font-size: 1.15rem; color: #4A4A4A; line-height: 1.4; }
[data-testid="stMain"] ul.slide-lines { margin-bottom: 0; }
[data-testid="stMain"] ul.slide-lines li { font-size: 1.45rem; line-height: 1.45; color: #1A1A1A; }
.slide-table { font-size: 1.45rem; border-collapse: collapse; width: 100%; }
.slide-table th { text-align: left; color: #4A4A4A; font-weight: 600; border-bottom: 2px solid #96A0AA; padding: 0.4rem 0.8rem; }
.slide-table td { border-bottom: 1px solid #D5DEE7; padding: 0.55rem 0.8rem; vertical-align: top; }
.slide-sources { font-size: 1.05rem; color: #4A4A4A; }
/* A 1280x720 projector: tighter type and spacing, so the whole slide fits without scrolling. */
@media (max-height: 800px) {
  [data-testid="stMainBlockContainer"] { padding-top: 4.25rem; }
  [data-testid="stMain"] h1.slide-title { font-size: 2.3rem; margin: 0 0 0.15rem; }
  [data-testid="stMain"] .slide-subtitle { font-size: 1.25rem; margin-bottom: 0.2rem; }
  .slide-stats { gap: 0.9rem; }
  .slide-stat { padding: 0.5rem 1rem; }
  .slide-stat-value { font-size: 2.4rem; }
  .slide-stat-label { font-size: 1.25rem; }
  .slide-stat-detail { font-size: 1rem; }
  [data-testid="stMain"] ul.slide-lines li { font-size: 1.2rem; line-height: 1.35; }
  .slide-table { font-size: 1.2rem; }
  .slide-table td { padding: 0.35rem 0.7rem; }
  .slide-sources { font-size: 0.95rem; }
  a.slide-qr { margin-top: 0.1rem; gap: 0.8rem; }
  a.slide-qr img { width: min(calc(var(--qr-modules) * 3px), 7.75rem); box-shadow: 0 0 0 6px #FFFFFF; }
  .slide-qr-link { max-width: 9.5rem; font-size: 0.9rem; }
}
/* The map is drawn for a 720-line projector (MAP_HEIGHT); taller screens get a taller map of the same view. */
@media (min-height: 900px) {
  .st-key-slide_map [data-testid="stElementContainer"]:has([data-testid="stDeckGlJsonChart"]),
  .st-key-slide_map [data-testid="stFullScreenFrame"]:has([data-testid="stDeckGlJsonChart"]),
  .st-key-slide_map [data-testid="stDeckGlJsonChart"] { height: 540px !important; }
}
</style>
"""
MAP_HEIGHT = 380  # pixels, at 1280x720; the view is fitted to this, so a taller map shows the same cities with more around them


def public_address() -> tuple[str | None, str | None]:
    """USASCP_PUBLIC_URL from the server's environment, else from secrets.toml: (the address, None), (None,
    why it is refused) or (None, None) when it is not set. Checked on every run: it is a few string tests."""
    try:
        secret = st.secrets.get(public_link.SETTING)
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        secret = None
    return public_link.configured_address(os.environ.get(public_link.SETTING), secret)


def _live_link(link: str) -> str:
    """The code and the readable link beside it, one link to the live view; the link alone when it is too long for a code."""
    text = public_link.readable(link)
    # A link has no spaces: the browser may break it before a / ? or & (<wbr>), and nowhere else.
    words = "<wbr>".join(markdown_text(piece) for piece in re.split(r"(?=[/?&])", text) if piece)
    href = html.escape(link, quote=True)
    picture = public_link.qr_svg_data_uri(link)
    if picture is None:
        shown = '<span class="slide-qr-none">This view&#39;s link is too long for a QR code; it opens here:</span> '
        return f'<a class="slide-qr" href="{href}" target="_blank" rel="noopener">{shown}<span class="slide-qr-link">{words}</span></a>'
    size = public_link.modules(public_link.qr_code(link))
    return (
        f'<a class="slide-qr" href="{href}" target="_blank" rel="noopener">'
        f'<span class="slide-qr-link">{words}</span>'
        f'<img src="{html.escape(picture, quote=True)}" alt="QR code of the link to this slide" style="--qr-modules: {size}"></a>'
    )


def _heading(slide: Slide, link: str | None) -> None:
    text = f'<h1 class="slide-title">{markdown_text(slide.title)}</h1><div class="slide-subtitle">{markdown_text(slide.subtitle)}</div>'
    live = _live_link(link) if link else ""
    st.markdown(f'<div class="slide-head"><div class="slide-head-text">{text}</div>{live}</div>', unsafe_allow_html=True)


def _stats(slide: Slide) -> None:
    if not slide.stats:
        return
    cards = "".join(
        f'<div class="slide-stat"><div class="slide-stat-value">{markdown_text(stat.value)}</div>'
        f'<div class="slide-stat-label">{markdown_text(stat.label)}</div>'
        f'<div class="slide-stat-detail">{markdown_text(stat.detail)}</div></div>'
        for stat in slide.stats
    )
    # Three to a row (six make two even rows); two or four side by side, in one row on a 720-line projector.
    layout = {1: "two", 2: "two", 4: "four"}.get(len(slide.stats), "")
    st.markdown(f'<div class="slide-stats {layout}">{cards}</div>', unsafe_allow_html=True)


def _lines(lines, container=st) -> None:
    if lines:
        items = "".join(f"<li>{markdown_text(line)}</li>" for line in lines)
        container.markdown(f'<ul class="slide-lines">{items}</ul>', unsafe_allow_html=True)


def _table(frame) -> None:
    head = "".join(f"<th>{markdown_text(column)}</th>" for column in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{markdown_text(value)}</td>" for value in row) + "</tr>" for row in frame.itertuples(index=False)
    )
    st.markdown(f'<table class="slide-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>', unsafe_allow_html=True)


def _sources(slide: Slide) -> None:
    publishers = list(dict.fromkeys(source.publisher for source in slide.sources))
    if publishers:
        st.markdown(f'<div class="slide-sources">Sources: {markdown_text("; ".join(publishers))}</div>', unsafe_allow_html=True)


def draw_slide(slide: Slide, link: str | None = None) -> None:
    """One slide, full width: heading (with the QR code and link to `link`, the live view, when there is one),
    big numbers, then its picture (map, chart or table), short lines and sources.

    The table behind the funding chart comes after the sources: it is one click away, and off the projected slide.
    """
    _heading(slide, link)
    if slide.key == "map":
        map_col, text_col = st.columns([3, 1.25])
        cities = slide.table
        view = maps.fit_view(cities["lat"], cities["lon"], 800, MAP_HEIGHT, max_zoom=6)
        with map_col.container(key="slide_map"):
            st.pydeck_chart(maps.city_map(cities, view), height=MAP_HEIGHT)
            legend(COHORT_LEGEND, note="Larger dots: more projects.")
        _lines(slide.lines, text_col)
    elif slide.key == "funding":
        # theme=None: the figure's own dark, large type rather than Streamlit's grey tick labels.
        st.plotly_chart(
            funding_slide_figure(slide.table),
            config={"displaylogo": False, "staticPlot": True},
            key="present_funding",
            theme=None,
        )
        _lines(slide.lines)
    elif slide.key == "events":
        if slide.table is not None and len(slide.table):
            _table(slide.table)
    else:
        _stats(slide)
        _lines(slide.lines)
    _sources(slide)
    if slide.key == "funding":
        with st.expander("Table behind this chart"):
            people_table(slide.table, ["sector", "disclosed_usd", "grants", "projects_disclosing", "projects_not_disclosed"])


def funding_slide_figure(table):
    """The funding chart in projector type. No chart title: the slide's subtitle already gives both numbers,
    and on a 720-line projector the bars need the room."""
    figure = charts.for_projector(charts.funding_bars(table, "sector", title=" "))
    # 34 px a bar keeps eight sectors (the shipped data) within a 720-line projector, under the heading.
    figure.update_layout(height=max(300, 110 + 34 * len(table)), margin=dict(t=50))
    return figure


@st.cache_data(show_spinner=False, max_entries=64)
def slide_for(_dataset: Dataset, version: str, filters: Filters, today: dt.date, key: str) -> Slide:
    """One slide of a view, computed once per dataset version, filters, day and slide, and shared by every viewer.

    Right only because `version` names the whole dataset: an upload's version also names its placement
    (instead of or beside the shipped data) and the shipped version it stands on (load.view_version).
    """
    return build_slides(_dataset, filters, today, keys=(key,))[0]


def deck_bytes(dataset: Dataset, filters: Filters, today: dt.date, address: str | None = None) -> bytes:
    """The .pptx of the current slides, with the map as a picture when Chromium can draw one, and on each
    slide a QR code and link to its live view when the dashboard has a public `address`."""
    slides = build_slides(dataset, filters, today)
    view = describe(filters, filter_options(dataset))
    footer = deck.deck_footer(view, format_partial_date(dataset.data_as_of))
    pictures = {}
    map_slide = next(slide for slide in slides if slide.key == "map")
    try:
        # Drawn small and at double scale: type stays large relative to the picture, and sharp.
        figure = map_pictures.map_picture(map_slide.table, "", fit_to_cities=filters.narrows_by_place, size=(900, 700), font_px=22)
        pictures["map"] = images.figure_png(figure, 900, 700, scale=2)
    except images.ImageUnavailable:
        pass  # the map slide lists the cities instead
    links = {key: live_link(address, filters, key) for key in SLIDE_KEYS} if address else None
    return deck.build_deck(slides, footer, pictures, links)
