"""Pilot cities map: every member city, sized by what the partnership does there, with U.S. city pairings."""

import streamlit as st

from ui.layout import (
    download_rows,
    export_footnote,
    filter_caption,
    legend,
    located_elsewhere,
    no_match,
    opened_expander,
    people_table,
    png_download,
)
from ui.maps import city_map_chart
from ui.page import start
from ui.url_state import control
from usascp import aggregate, labels
from usascp.charts import COHORT_LABELS, COUNTRY_COLOURS
from usascp.filters import select_grant_rows, select_projects
from usascp.formatting import markdown_text
from usascp.labels import Column
from usascp.link_values import choice, flag
from usascp.map_pictures import map_picture
from usascp.maps import country_view, funding_size_note, network_dots, network_map, pair_arcs
from usascp.schema import ASEAN_COUNTRIES

dataset, filters = start()
projects = select_projects(dataset, filters)
grants = select_grant_rows(dataset, filters, projects)

st.title("Pilot cities map")
filter_caption(dataset, filters)
if projects.empty:
    no_match(dataset, filters)
cities, measures = aggregate.city_measures(dataset, projects, grants)

size_col, focus_col, pairs_col, open_col = st.columns([2, 2, 1.5, 2], vertical_alignment="bottom")
measure = control(
    choice("size", measures, default="projects", refusal="Ignored size '{value}': not a measure the map can size dots by."),
    "map_measure",
    lambda: size_col.selectbox("Size dots by", list(measures), format_func=measures.get, key="map_measure"),
)
pairs = dataset.city_pairs[
    dataset.city_pairs["project_id"].isin(set(projects["project_id"]) | set(projects["parent_project_id"].dropna()))
]
countries = {"": "All member cities"} | {iso3: ASEAN_COUNTRIES[iso3] for iso3 in sorted(set(cities["iso3"]))}
focus = control(
    choice("focus", countries, default="", refusal="Ignored focus '{value}': not a country with member cities."),
    "map_focus",
    lambda: focus_col.selectbox("Zoom to", list(countries), format_func=countries.get, key="map_focus"),
)
show_pairs = control(
    flag("pairs", what="pairings"),
    "map_pairs",
    lambda: pairs_col.toggle(
        f"U.S. pairings ({len(pairs):,})",
        key="map_pairs",
        disabled=pairs.empty,
        help="WiSE water utility pairs and USDOT transport pairs, drawn as arcs to the U.S. partner city.",
    ),
)
names = dict(zip(cities["city_id"], cities["city"] + ", " + cities["country"]))
chosen = open_col.selectbox(
    "Open a city profile",
    list(names),
    format_func=names.get,
    index=None,
    key="map_open_city",
    placeholder="Choose a city, or click one on the map",
)

present = sorted(set(cities["iso3"]))
legend(
    {ASEAN_COUNTRIES[iso3]: COUNTRY_COLOURS[iso3] for iso3 in present},
    note="Filled dot: original 2018 pilot city · ring: joined since 2023.",
)
view, country_box = country_view(focus, cities[cities["iso3"] == focus]) if focus else (None, None)
deck = network_map(
    network_dots(cities, measure, measures[measure]), pair_arcs(pairs, dataset.cities) if show_pairs else None, view, country_box
)
city_map_chart(deck, "network_map", 600)
st.caption("Click a city to open its profile. Names are shown where there is room; choose a country in “Zoom to” for all of its names.")
if measure == "disclosed_usd":
    st.info(markdown_text(funding_size_note(aggregate.funding_places(dataset, projects, grants))), icon=":material/info:")
footnote = export_footnote(dataset, filters)
png_download(
    lambda: map_picture(
        cities, "ASEAN Smart Cities Network member cities" + (f": {countries[focus]}" if focus else ""), footnote, focus=focus
    ),
    f"usascp-member-cities-map{'-' + focus if focus else ''}.png",
    footnote,
    key="map_png",
    label="Download the map as a PNG for slides",
    finished=True,
)
if chosen:
    st.switch_page("pages/city.py", query_params={**filters.to_params(), "profile": chosen})

shown = cities.sort_values([measure, "city"], ascending=[False, True], na_position="last")
shown = shown.assign(ascn_cohort=shown["ascn_cohort"].map(COHORT_LABELS))
# A result measure (records digitized, …) is named by its label; projects and funding have their own headers.
measure_column = {measure: Column(measures[measure].lower(), kind="count")} if measure not in labels.COLUMNS else {}
columns = ["city", "country", "ascn_cohort", "ascn_joined_year", "projects", "disclosed_usd"] + list(measure_column)
if expander := opened_expander(f"Table: member cities by {markdown_text(measures[measure].lower())}", "map_cities_table"):
    with expander:
        people_table(shown, columns, extra=measure_column)
        download_rows(shown, ["city_id", *columns], "Download CSV", "usascp-member-cities.csv", extra=measure_column)
located_elsewhere(dataset, projects)
