"""Events: the summits, network meetings and exchanges, on a timeline and on a world map."""

import datetime as dt

import streamlit as st

from ui.layout import (
    chart,
    download_rows,
    event_chooser,
    export_footnote,
    filter_caption,
    first_rows,
    legend,
    people_table,
    table_with_download,
)
from ui.page import start
from usascp import aggregate, charts
from usascp.dates import format_date_ranges, format_day, format_partial_date
from usascp.filters import select_events
from usascp.formatting import markdown_text
from usascp.maps import event_counts_map, events_map

dataset, filters = start()
today = dt.date.today()
selected = select_events(dataset, filters)
events = aggregate.events_timeline(dataset, selected, today)

st.title("Events")
filter_caption(dataset, filters)
if events.empty:
    st.info("No events match these filters. Widen the years or clear a filter in the sidebar.")
    if st.query_params.get("event") or st.session_state.get("event_choice"):
        event_chooser(dataset, events, filters)
    st.stop()

upcoming = events[events["when"] == "upcoming"]
cols = st.columns(3)
cols[0].metric("Events", len(events), border=True)
cols[1].metric("Upcoming", len(upcoming), border=True, help=f"Ending on or after today, {format_day(today)}.")
cols[2].metric("Countries", events["country"].nunique(), border=True)
if upcoming.empty:
    latest = events[events["start_day"].notna()].iloc[-1]
    st.info(
        f"No upcoming events are recorded. The most recent: {markdown_text(latest['name'])}, {markdown_text(latest['city'])}, "
        f"{format_partial_date(latest['start_date'])}."
    )

event_chooser(dataset, events, filters)
# Beyond a few hundred events, markers and dots lie on one another: the figures count them instead.
counted = len(events) > aggregate.EVENTS_DRAWN_ONE_BY_ONE
if not counted:
    timeline, deck, note = charts.events_timeline_chart(events, today), events_map(events), ""
else:
    counts, period = aggregate.events_by_period(dataset, selected)
    timeline = charts.event_counts_chart(counts, period, today)
    deck = event_counts_map(aggregate.events_by_place(dataset, selected))
    note = "Each dot counts the events of one kind held at one place: the bigger, the more. "
chart(timeline, "events_timeline", "usascp-events-timeline.png", export_footnote(dataset, filters))
if counted:
    table_with_download(
        counts,
        ["period", "event_type", "events"],
        f"The counts behind the timeline, per {period}",
        f"usascp-events-per-{period}.csv",
        key="events_counts_table",
    )
legend(charts.EVENT_TYPE_COLOURS, note=note + "Online meetings are placed at the host country's capital.")
st.pydeck_chart(deck, height=460)

sources = dataset.sources.set_index("source_id")["url"]
table = first_rows(events, "events")
table = table.assign(
    dates=format_date_ranges(table["start_date"], table["end_date"]),
    source_url=table["source_id"].map(sources),
)
people_table(
    table, ["dates", "name", "event_type", "city", "country", "location_precision", "when", "on_usascp_calendar", "source_url"]
)
download_rows(
    lambda: events.assign(source_url=events["source_id"].map(sources)),  # made on click: 300,000 rows at 100,000x
    [
        "event_id",
        "name",
        "event_type",
        "start_date",
        "end_date",
        "city",
        "country",
        "location_precision",
        "when",
        "on_usascp_calendar",
        "project_id",
        "summary",
        "source_id",
        "source_url",
    ],
    "Download these events (CSV)",
    "usascp-events.csv",
)
