"""Overview: the partnership at a glance, for leadership and for the first slide of a briefing."""

import streamlit as st

from ui.data import dataset_or_stop
from ui.layout import figure_caption, legend, table_with_download
from usascp import aggregate
from usascp.charts import COHORT_COLOURS, COHORT_LABELS
from usascp.formatting import format_count, format_partial_date, format_usd
from usascp.maps import city_map

dataset = dataset_or_stop()
projects = aggregate.select_projects(dataset)
everything = aggregate.select_projects(dataset, tuple(dataset.projects["relationship"].unique()))
network = aggregate.network_size(dataset)
reported_size = aggregate.latest_context_figure(dataset, "member_cities", "network")
funding = aggregate.funding_totals(dataset, projects)
commitment = aggregate.latest_context_figure(dataset, "stated_commitment_usd", "program")
records = aggregate.metric_figure(dataset, "records_digitized", projects)
trained = aggregate.metric_figure(dataset, "professionals_trained", projects)
units = len(aggregate.reporting_units(projects))
other_units = len(aggregate.reporting_units(everything)) - units

st.title("U.S.-ASEAN Smart Cities Partnership")
st.caption(
    "Where the partnership works with the ASEAN Smart Cities Network, what it funds and what it has achieved. "
    f"Data as of {format_partial_date(dataset.data_as_of)}."
)

cities_col, projects_col, funding_col, records_col, trained_col = st.columns(5)
cities_col.metric(
    "Member cities",
    format_count(network.member_cities),
    help=f"{network.original_pilot_cities} original pilot cities named in 2018 and {network.later_members} that joined since."
    + (
        f" The network reported {format_count(reported_size.value)} members as of {format_partial_date(reported_size.as_of)};"
        f" {format_count(reported_size.value - network.member_cities)} of them are not yet named in public sources."
        if reported_size and reported_size.value > network.member_cities
        else ""
    ),
    border=True,
)
cities_col.caption(f"{network.original_pilot_cities} original 2018 pilot cities")
projects_col.metric(
    "USASCP projects",
    format_count(units),
    border=True,
    help="Programs and stand-alone projects; components such as WiSE city pairs count under their program.",
)
projects_col.caption(f"plus {other_units} sister, private or related programs")
funding_col.metric(
    "Disclosed funding",
    format_usd(funding.disclosed_usd),
    border=True,
    help=f"Exactly ${funding.disclosed_usd:,.0f}: every amount a public source states for a USASCP project, added up.",
)
funding_col.caption(f"disclosed across {funding.projects_disclosing} of {funding.projects_total} projects")
for column, label, figure in ((records_col, "Records digitized", records), (trained_col, "Professionals trained", trained)):
    column.metric(
        label,
        format_count(figure.value, figure.is_lower_bound, figure.is_approximate) if figure else "not published",
        border=True,
    )
    column.caption(figure_caption(dataset, figure))

with st.container(border=True):
    st.markdown("**What the totals leave out**")
    commitment_text = (
        f" The partnership itself states it has committed {'over ' if commitment.is_lower_bound else ''}"
        f"{format_usd(commitment.value)} since 2018 (as of {format_partial_date(commitment.as_of)}), so most amounts are not public."
        if commitment
        else ""
    )
    st.markdown(
        f"- **Funding** adds up only amounts a public source states: {funding.projects_not_disclosing} of "
        f"{funding.projects_total} USASCP projects publish no amount and are counted as *not disclosed*, never as zero.{commitment_text}\n"
        "- **Sister programs, private initiatives and related U.S. government work** are listed but kept out of USASCP totals.\n"
        "- **Results** count each achievement once: where two sources report the same figure, the more precise one is used; "
        'a figure given as "more than" is shown with a +.'
    )

st.subheader("ASEAN Smart Cities Network member cities")
cities = aggregate.city_summary(dataset, projects)
legend({COHORT_LABELS[c]: COHORT_COLOURS[c] for c in COHORT_LABELS}, note="Larger dots: more USASCP projects in the city.")
map_col, list_col = st.columns([3, 2])
map_col.pydeck_chart(city_map(cities), height=560)
with list_col:
    busiest = cities[cities["projects"] > 0].sort_values(["projects", "city"], ascending=[False, True])
    st.markdown(f"**Where USASCP projects work** ({len(busiest)} of {len(cities)} member cities)")
    st.dataframe(
        busiest[["city", "country", "projects"]],
        hide_index=True,
        width="stretch",
        height=min(35 * (len(busiest) + 1) + 3, 500),
    )
    st.caption(
        "Counts projects working in or meeting in each city. Region-wide programs reach every member and are not listed by city."
    )
table_with_download(
    cities[["city", "country", "ascn_cohort", "ascn_joined_year", "population", "projects", "disclosed_usd"]]
    .assign(ascn_cohort=cities["ascn_cohort"].map(COHORT_LABELS))
    .rename(columns={"ascn_cohort": "member since", "ascn_joined_year": "joined", "disclosed_usd": "disclosed funding (USD)"}),
    title="Table: all member cities on the map",
    file_name="usascp-member-cities.csv",
)
