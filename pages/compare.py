"""Compare places: two to four member cities or countries side by side, under the sidebar's other filters."""

import streamlit as st

from ui.layout import filter_caption
from ui.page import start
from ui.url_state import follow_links, keep_links
from usascp import compare, export
from usascp.formatting import markdown_text, plural

dataset, filters = start()
places = compare.places(dataset)

st.title("Compare places")
filter_caption(dataset, filters)
notices = follow_links(compare.PLACE_PARAM, "compare_places", lambda values: compare.place_ids_from_params(values, dataset))
chosen = st.multiselect(
    "Places to compare",
    list(places),
    key="compare_places",
    format_func=lambda place_id: places[place_id].label,
    max_selections=compare.MAX_PLACES,
    placeholder="Choose two to four member cities or countries",
    help="The address keeps the places: copy it to share this comparison.",
)
keep_links(compare.PLACE_PARAM, "compare_places", chosen)
for notice in notices:
    st.warning(markdown_text(notice), icon=":material/link_off:")
if len(chosen) < compare.MIN_PLACES:
    st.info(
        "Choose at least two places above. Each column shows what the other pages show with that place as the "
        "sidebar's only place filter.",
        icon=":material/compare_arrows:",
    )
    st.stop()
if filters.narrows_by_place:
    st.caption("The places chosen here stand in for the sidebar's Country and City filters; its other filters apply.")

figures = [compare.place_figures(dataset, places[place_id], filters) for place_id in chosen]
table = compare.comparison_table(figures)
# st.table reads markdown in every cell and header: each goes through markdown_text, numbers included ("$" starts maths).
shown = table.map(markdown_text)
shown.columns = [markdown_text(column) for column in table.columns]
shown.index = [markdown_text(label) for label in table.index]
st.table(shown)
st.caption(
    "Projects are counted as on the other pages: a component (a WiSE city pair) under its program when both work here. "
    "A project working in several places counts, with its money and results, in each of their columns: "
    "columns are not added up, and money is not split between places."
)

links = st.columns(len(figures))
for column, figure in zip(links, figures):
    place = figure.place
    if place.kind == "city":
        column.page_link(
            "pages/city.py",
            label=markdown_text(f"{place.name}: city profile"),
            icon=":material/location_city:",
            query_params={**filters.to_params(), "profile": place.place_id},
        )
    else:
        column.page_link(
            "pages/map.py",
            label=markdown_text(f"{place.name} on the map"),
            icon=":material/map:",
            query_params={**filters.to_params(), "focus": place.iso3},
        )

# Downloads built on click: at 10,000x the rows behind four places run to 100,000 figures, too many to
# build and send on every rerun.
st.subheader("Download", anchor=False)
downloads = {
    "This comparison": (lambda: compare.comparison_values(figures), len(figures), "usascp-comparison.csv"),
    "Projects behind it": (
        lambda: compare.projects_behind(dataset, figures),
        sum(len(figure.projects) for figure in figures),
        "usascp-comparison-projects.csv",
    ),
    "Result figures behind it": (
        lambda: compare.results_behind(dataset, figures),
        sum(len(figure.result_positions) for figure in figures),
        "usascp-comparison-results.csv",
    ),
    "Events behind it": (
        lambda: compare.events_behind(figures),
        sum(len(figure.event_positions) for figure in figures),
        "usascp-comparison-events.csv",
    ),
}
row = st.container(horizontal=True)
for label, (build, rows, file_name) in downloads.items():
    row.download_button(
        f"{label} ({plural(rows, 'row')}, CSV)",
        lambda build=build: export.csv_bytes(build()),
        file_name,
        "text/csv",
        icon=":material/download:",
        on_click="ignore",
        disabled=rows == 0,
    )
st.caption("A row counted in several places is listed once for each.")
