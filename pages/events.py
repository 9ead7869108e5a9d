"""Events: the summits, network meetings and exchanges, on a timeline and on a world map."""

import datetime as dt

import pandas as pd
import streamlit as st

from ui.layout import chart, download_rows, event_chooser, export_footnote, filter_caption, first_rows, legend, people_table
from ui.page import start
from usascp import aggregate, charts
from usascp.dates import format_day, format_partial_date
from usascp.filters import select_events
from usascp.formatting import markdown_text
from usascp.maps import events_map

dataset, filters = start()
today = dt.date.today()
events = aggregate.events_timeline(dataset, select_events(dataset, filters), today)

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
chart(
    charts.events_timeline_chart(events, today),
    "events_timeline",
    "usascp-events-timeline.png",
    export_footnote(dataset, filters),
)
legend(charts.EVENT_TYPE_COLOURS, note="Online meetings are placed at the host country's capital.")
st.pydeck_chart(events_map(events), height=460)

sources = dataset.sources.set_index("source_id")["url"]
table = first_rows(events, "events")
table = table.assign(
    dates=[
        format_partial_date(s) + ("" if e in (None, s) or pd.isna(e) else f" – {format_partial_date(e)}")
        for s, e in zip(table["start_date"], table["end_date"])
    ],
    source_url=table["source_id"].map(sources),
)
people_table(
    table, ["dates", "name", "event_type", "city", "country", "location_precision", "when", "on_usascp_calendar", "source_url"]
)
download_rows(
    events.assign(source_url=events["source_id"].map(sources)),
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
