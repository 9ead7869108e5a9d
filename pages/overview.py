"""Overview: the partnership at a glance, for leadership and for the first slide of a briefing."""

import streamlit as st

from ui.layout import (
    export_footnote,
    figure_caption,
    filter_caption,
    legend,
    no_match,
    people_table,
    png_download,
    source_note,
    table_with_download,
)
from ui.page import start
from usascp import aggregate
from usascp.charts import COHORT_LABELS, COHORT_LEGEND
from usascp.filters import cities_in_view, regional_projects, select_grant_rows, select_projects
from usascp.formatting import format_count, format_disclosed, format_partial_date, format_usd, markdown_link, markdown_text, plural
from ui.maps import city_map_chart
from usascp.map_pictures import map_picture
from usascp.maps import city_map

dataset, filters = start()


def shared(name, build):
    """Every viewer of this view gets one computation: a summit audience opens this page at once."""
    return aggregate.per_view(dataset, ("overview", name, filters), build)


projects = select_projects(dataset, filters)
grants = shared("grants", lambda: select_grant_rows(dataset, filters, projects))
network = aggregate.network_size(dataset)
reported_size = aggregate.latest_context_figure(dataset, "member_cities", "network")
funding = shared("funding", lambda: aggregate.funding_totals(dataset, projects, grants))
commitment = aggregate.latest_context_figure(dataset, "stated_commitment_usd", "program")
units = len(aggregate.reporting_units(dataset, projects))
kind = "USASCP projects" if not filters.include_related else "Projects and programs"

st.title("U.S.-ASEAN Smart Cities Partnership")
st.caption("Where the partnership works with the ASEAN Smart Cities Network, what it funds and what it has achieved.")
filter_caption(dataset, filters)

network_help = (
    f"{network.original_pilot_cities} original pilot cities named in 2018 and {network.later_members} that joined since."
)
if reported_size and reported_size.value > network.member_cities:
    network_help += (
        f" The network reported {format_count(reported_size.value)} members as of {format_partial_date(reported_size.as_of)};"
        f" {format_count(reported_size.value - network.member_cities)} of them are not yet named in public sources."
    )
columns = st.columns(3) + st.columns(3)  # two rows: six cards in one row truncate on a 1280-pixel projector
if filters.narrows_by_place:
    in_place = cities_in_view(dataset.cities, filters)
    columns[0].metric("Member cities", format_count(len(in_place)), help=network_help, border=True)
    columns[0].caption(f"in the places chosen, of {network.member_cities} in the network")
else:
    columns[0].metric("Member cities", format_count(network.member_cities), help=network_help, border=True)
    columns[0].caption(f"{network.original_pilot_cities} original 2018 pilot cities")
columns[1].metric(
    kind,
    format_count(units),
    border=True,
    help="Programs and stand-alone projects; components such as WiSE city pairs count under their program.",
)
columns[1].caption("matching the filters" if not filters.is_default else "sister, private and related work not included")
columns[2].metric(
    "Disclosed funding",
    format_disclosed(funding.disclosed_usd, funding.projects_total),
    border=True,
    help="Every exact amount a public source states for these projects, added up.",
)
columns[2].caption(f"disclosed across {funding.projects_disclosing:,} of {plural(funding.projects_total, 'project')}")
results = shared("results", lambda: aggregate.metric_totals(dataset, projects=projects))
headlines = aggregate.headline_results(results)  # the headline slide names the same results
for column, metric in zip(columns[3:], headlines):
    figure = aggregate.metric_figure(dataset, metric, totals=results)
    value = format_count(figure.value, figure.is_lower_bound, figure.is_approximate)
    column.metric(markdown_text(aggregate.metric_label(metric)), value, border=True)
    source_note(figure_caption(dataset, figure), column)
if not headlines:
    columns[3].metric("Results", "none published", border=True, help="None of the selected projects publishes a result figure.")

if projects.empty:
    no_match(dataset, filters)

with st.container(border=True):
    st.markdown("**What the totals leave out**")
    commitment_text = (
        f" The partnership itself states it has committed {'over ' if commitment.is_lower_bound else ''}"
        f"{format_usd(commitment.value)} since 2018 (as of {format_partial_date(commitment.as_of)}), so most amounts are not public."
        if commitment and filters.is_default
        else ""
    )
    st.markdown(
        f"- **Funding** adds up only amounts a public source states: {funding.projects_not_disclosing:,} of "
        f"{plural(funding.projects_total, 'project')} {'publishes' if funding.projects_not_disclosing == 1 else 'publish'} no amount and are counted as *not disclosed*, never as zero.{commitment_text}\n"
        "- **Sister programs, private initiatives and related U.S. government work** are kept out of totals unless the sidebar includes them.\n"
        "- **Results** count each achievement once: where two sources report the same figure, the more precise one is used; "
        'a figure given as "more than" is shown with a +.'
    )

highlights = shared("highlights", lambda: aggregate.recent_results(dataset, projects))
if len(highlights):
    st.header("Recent results", anchor=False)
    for column, result in zip(st.columns(3), highlights.itertuples()):
        with column.container(border=True):
            st.markdown(
                f"### {format_count(result.value, result.is_lower_bound, result.is_approximate)} {markdown_text(result.unit)}"
            )
            st.markdown(markdown_text(result.title))
            source_note(f"as of {format_partial_date(result.as_of)} · {markdown_link(result.publisher, result.url)}")

st.header("ASEAN Smart Cities Network member cities", anchor=False)
cities = shared("cities", lambda: aggregate.city_summary(dataset, projects, grants))
legend(COHORT_LEGEND, note="Larger dots: more projects in the city.")
map_col, list_col = st.columns([3, 2])
city_map_chart(shared("map", lambda: city_map(cities)), "overview_map", 560, map_col)  # its JSON is written once
with map_col:
    st.caption("Click a city to open its profile. Names are shown where there is room; hover a dot for its name.")
    footnote = export_footnote(dataset, filters)
    png_download(
        lambda: map_picture(cities, "ASEAN Smart Cities Network member cities", footnote),
        "usascp-member-cities-map.png",
        footnote,
        key="overview_map_png",
        label="Download the map as a PNG for slides",
        finished=True,
    )
with list_col:
    busiest = cities[cities["projects"] > 0].sort_values(["projects", "city"], ascending=[False, True])
    st.markdown(f"**Where these projects work** ({len(busiest):,} of {len(cities):,} member cities)")
    people_table(busiest, ["city", "country", "projects"], height=min(35 * (len(busiest) + 1) + 3, 500))
    st.caption("Counts projects working in or meeting in each city.")
    regional = regional_projects(dataset, filters)
    if filters.narrows_by_place and len(regional):
        st.markdown(
            f"**Also open to these places:** {len(aggregate.reporting_units(dataset, regional)):,} region-wide programs name no city "
            "and are not counted above (see the Projects page without a place filter)."
        )
table_with_download(
    lambda: shared("cities_table", lambda: cities.assign(ascn_cohort=cities["ascn_cohort"].map(COHORT_LABELS))),
    ["city", "country", "ascn_cohort", "ascn_joined_year", "population", "projects", "disclosed_usd"],
    title="Table: all member cities on the map",
    file_name="usascp-member-cities.csv",
    key="overview_cities_table",
    download_columns=["city_id", "city", "country", "iso3", "ascn_cohort", "ascn_joined_year", "population", "projects", "disclosed_usd"],
)
