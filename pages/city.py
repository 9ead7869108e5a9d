"""City profile: one member city's projects, money, results, events and U.S. partners."""

import streamlit as st

from ui.layout import download_rows, filter_caption, people_table
from ui.maps import city_map_chart
from ui.page import start
from ui.url_state import follow_link, keep_in_link, link_notice
from usascp import aggregate
from usascp.charts import COHORT_LABELS
from usascp.dates import format_partial_date
from usascp.filters import select_grant_rows, select_projects
from usascp.formatting import format_count, format_disclosed, markdown_link, markdown_text, plural
from usascp.link_values import choice
from usascp.maps import places_map

LISTED = 20  # lines of results and of events listed here: a city in a whole portfolio has thousands of each


def listed_of(count: int, what: str) -> None:
    """Under a list cut to LISTED lines: how many there are in all."""
    if count > LISTED:
        st.caption(f"{LISTED} of {format_count(count)} {what}.")


dataset, filters = start()
projects = select_projects(dataset, filters)
grants = select_grant_rows(dataset, filters, projects)

names = dict(zip(dataset.cities["city_id"], dataset.cities["city"] + ", " + dataset.cities["country"]))
profile_link = choice("profile", names, refusal="There is no member city '{value}' in this dataset; choose one below.")
link_notice(follow_link(profile_link, "profile_city"))
chosen = st.session_state.get("profile_city")
st.title(markdown_text(names[chosen]) if chosen in names else "City profile")  # the title comes before the chooser
choose_col, back_col = st.columns([3, 1], vertical_alignment="bottom")
city_id = choose_col.selectbox(
    "City", list(names), format_func=names.get, key="profile_city", index=None, placeholder="Choose a member city"
)
keep_in_link(profile_link, "profile_city", city_id)
back_col.page_link("pages/map.py", label="Back to the map", icon=":material/arrow_back:", query_params=filters.to_params())
if not city_id:
    st.info("Choose a city above, or click one on the Pilot cities map.")
    st.stop()

profile = aggregate.city_profile(dataset, city_id, projects, grants)
city = profile.city
filter_caption(dataset, filters)
population = (
    f"population {format_count(city['population'])} ({markdown_text(city['population_area'])}, {city['population_year']}, "
    f"{markdown_link(profile.population_source['publisher'], profile.population_source['url'])})"
    if profile.population_source is not None
    else "population: no sourced figure"
)
about, where = st.columns([3, 1])
with about:
    st.markdown(
        f"{COHORT_LABELS[city['ascn_cohort']]} of the ASEAN Smart Cities Network (joined {city['ascn_joined_year']}); {population}."
    )
    for pair in profile.pairs.itertuples():
        st.markdown(
            f"**U.S. partner:** {markdown_text(pair.partner)}, {markdown_text(pair.partner_city)} ({markdown_text(pair.status)})"
        )
with where:
    city_map_chart(places_map(dataset.cities[dataset.cities["city_id"] == city_id], note=""), "profile_map", 200)
# Full width: inside the 3:1 column the cards truncate "not disclosed" on a 1280-pixel projector.
cols = st.columns(3)
cols[0].metric(
    "Projects here",
    format_count(len(profile.projects)),
    border=True,
    help="Working in the city, or holding courses and meetings there.",
)
cols[1].metric(
    "Funding for this city alone",
    format_disclosed(profile.disclosed_usd, len(profile.projects)),
    border=True,
    help="Disclosed amounts of projects that work only here.",
)
cols[2].metric(
    "Funding shared with other places",
    format_disclosed(profile.shared_usd, len(profile.projects)),
    border=True,
    help="Amounts of projects that also work elsewhere; they are not split between places.",
)

st.header("Projects", anchor=False)
if profile.projects.empty:
    st.info("No selected project names this city. Region-wide programs still reach it: see the Projects page.")
else:
    # Amount and places first, and widths that fit beside the sidebar at 1280 pixels: nothing reads "not disclos".
    people_table(
        profile.projects,
        ["title", "amount_usd", "shared_with", "role", "sector", "lead_agency", "status"],
        widths={"title": 200, "amount_usd": 105, "shared_with": 150, "role": 65, "sector": 135, "lead_agency": 85, "status": 80},
    )

st.header("Results", anchor=False)
if profile.results.empty:
    st.caption("No published result figures for these projects.")
else:
    lines = []
    for result in profile.results.head(LISTED).itertuples():
        shared = f" — for the whole project, also in {result.shared_with}; not split" if result.shared_with else ""
        lines.append(
            f"- **{format_count(result.value, result.is_lower_bound, result.is_approximate)}** {markdown_text(result.unit)} "
            f"({markdown_text(result.title)}, as of {format_partial_date(result.as_of)}, {markdown_link(result.publisher, result.url)})"
            f"{markdown_text(shared)}"
        )
    st.markdown("\n".join(lines))  # one list, one element
    listed_of(len(profile.results), "result figures, in the order they were published; the file has every one")
    download_rows(
        profile.results,
        [
            "metric_id",
            "title",
            "metric",
            "value",
            "is_lower_bound",
            "is_approximate",
            "unit",
            "as_of",
            "shared_with",
            "publisher",
            "url",
        ],
        "Download these results (CSV)",
        f"usascp-{city_id}-results.csv",
    )

st.header("Events held here", anchor=False)
if profile.events.empty:
    st.caption("No recorded events in this city.")
else:
    events = profile.events.sort_values("start_date", na_position="last")  # undated last
    latest = events[events["start_date"].notna()].tail(LISTED) if len(events) > LISTED else events
    st.markdown(
        "\n".join(f"- {format_partial_date(event.start_date)} · {markdown_text(event.name)}" for event in latest.itertuples())
    )
    listed_of(len(events), "events held here, the latest; the file has every one")
    download_rows(
        events,
        ["event_id", "name", "event_type", "start_date", "end_date", "city", "country", "location_precision", "project_id", "source_id"],
        "Download these events (CSV)",
        f"usascp-{city_id}-events.csv",
    )
st.caption(
    f"{plural(len(profile.projects), 'project matches', 'projects match')} the sidebar filters in {markdown_text(city['city'])}."
)
