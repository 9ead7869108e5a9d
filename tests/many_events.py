"""A made-up calendar of many events, with counts known in advance: what the Events page draws as counts.

Past aggregate.EVENTS_DRAWN_ONE_BY_ONE events the timeline and the map count events instead of drawing each one.
Each builder copies real rows of data/events.csv (their place, type, source) and gives each copy an id, a
name and a start date of its own, so the counts per type, month and place are set here, not read back.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

# (the event copied, the start date each copy gets, how many copies): 615 events in March and April 2024.
CALENDAR = (
    ("symposium_2023", "2024-03-05", 400),  # workshops in Jakarta, Indonesia
    ("symposium_2023", "2024-04-20", 150),
    ("africities_2022", "2024-03", 60),  # summits in Kisumu, Kenya, whose source names only the month
    ("tao_vtc", None, 5),  # workshops in Portland, United States, with no published date
)


def many_events(events: pd.DataFrame, calendar=CALENDAR) -> pd.DataFrame:
    """Rows like `events` (data/events.csv), one per copy the calendar asks for, numbered from 0."""
    rows = []
    for event_id, start, copies in calendar:
        template = events[events["event_id"] == event_id].iloc[0]
        for _ in range(copies):
            number = len(rows)
            rows.append(
                template.to_dict()
                | {"event_id": f"many_{number}", "name": f"Many {number}", "start_date": start, "end_date": start}
            )
    frame = pd.DataFrame(rows, columns=events.columns)
    return frame.astype(events.dtypes.to_dict())


def with_events(dataset, events: pd.DataFrame):
    """`dataset` with its events table swapped (and none of its derived tables)."""
    return dataclasses.replace(dataset, events=events.reset_index(drop=True))


def add_to_folder(folder, events: pd.DataFrame, calendar=CALENDAR) -> pd.DataFrame:
    """Append the calendar's events to `folder`/events.csv (a copy of data/), as CSV rows; returns them."""
    added = many_events(events, calendar)
    flags = added["on_usascp_calendar"].map({True: "true", False: "false"})
    text = added.assign(on_usascp_calendar=flags).to_csv(index=False, header=False, na_rep="")
    with (folder / "events.csv").open("a", encoding="utf-8") as handle:
        handle.write(text)
    return added
