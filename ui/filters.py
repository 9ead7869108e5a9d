"""The sidebar filters every page shares, kept in the URL so a copied address reproduces the view."""

from __future__ import annotations

import re

import streamlit as st

from ui.url_state import set_param
from usascp.filters import (
    FILTER_PARAMS,
    FilterOptions,
    Filters,
    filter_options,
    filters_from_params,
    sidebar_counts,
    years_within,
)
from usascp.formatting import markdown_text
from usascp.load import Dataset

_WIDGET_KEYS = (
    "filter_years",
    "filter_countries",
    "filter_cities",
    "filter_sectors",
    "filter_agencies",
    "filter_statuses",
    "filter_related",
)


def _widget_state_for(filters: Filters, options: FilterOptions) -> dict:
    state = {
        "filter_countries": list(filters.countries),
        "filter_cities": list(filters.cities),
        "filter_sectors": list(filters.sectors),
        "filter_agencies": list(filters.agencies),
        "filter_statuses": list(filters.statuses),
        "filter_related": filters.include_related,
    }
    if options.has_year_range:
        state["filter_years"] = (filters.year_from or options.year_min, filters.year_to or options.year_max)
    return state


def _years_within(options: FilterOptions) -> None:
    """Keep the year slider's state inside the data's years (see usascp.filters.years_within)."""
    chosen = st.session_state.get("filter_years")
    if chosen is None:
        return
    kept = years_within(tuple(chosen), options)
    if kept is None:
        del st.session_state["filter_years"]
    elif kept != tuple(chosen):
        st.session_state["filter_years"] = kept


def _filters_from_widgets(options: FilterOptions) -> Filters:
    state = st.session_state
    year_from = year_to = None
    if options.has_year_range:
        chosen_from, chosen_to = state.get("filter_years", (options.year_min, options.year_max))
        # The full range means "no year filter", which also keeps projects with no published dates.
        year_from = chosen_from if chosen_from > options.year_min else None
        year_to = chosen_to if chosen_to < options.year_max else None
    return Filters(
        year_from=year_from,
        year_to=year_to,
        countries=tuple(state.get("filter_countries", ())),
        cities=tuple(state.get("filter_cities", ())),
        sectors=tuple(state.get("filter_sectors", ())),
        agencies=tuple(state.get("filter_agencies", ())),
        statuses=tuple(state.get("filter_statuses", ())),
        include_related=bool(state.get("filter_related", False)),
    )


_COUNT_SUFFIX = re.compile(r" \(\d+\)$")


def _restore_values_behind_changed_labels(key: str, labels: dict[str, str]) -> None:
    """Map selections the browser sent as an older label ("Health (1)") back to their option ("Health").

    The browser returns a multiselect's choices as the labels it displayed. Labels carry counts that
    change with the other filters, so a choice made under one count must survive the next.
    """
    chosen = st.session_state.get(key)
    if not chosen:
        return
    by_label = {label: value for value, label in labels.items()}
    restored = []
    for value in chosen:
        if value not in labels and isinstance(value, str):
            value = by_label.get(_COUNT_SUFFIX.sub("", value), value)
        if value in labels and value not in restored:
            restored.append(value)
    if restored != list(chosen):
        st.session_state[key] = restored


def reset_filters() -> None:
    """Back to no filters, in the widgets as well as in the Filters value."""
    for key in _WIDGET_KEYS:
        st.session_state.pop(key, None)
    st.session_state["filters"] = Filters()
    st.session_state["filter_notices"] = []


def _sync_url(filters: Filters) -> None:
    """Write the filters into the address bar, leaving page-specific parameters alone."""
    wanted = filters.to_params()
    for key in FILTER_PARAMS:
        set_param(key, wanted.get(key, []))


def sidebar_filters(dataset: Dataset) -> Filters:
    """Show the filters in the sidebar, read from the URL on a session's first run, and return them."""
    options = filter_options(dataset)
    state = st.session_state
    if "filters_read_from_url" not in state:
        parsed, notices = filters_from_params({key: st.query_params.get_all(key) for key in FILTER_PARAMS}, options)
        state["filter_notices"] = notices
        state["filters_read_from_url"] = parsed
        state["filters"] = parsed
    # Seed any widget whose state is missing: on a session's first run (from the URL), and after
    # st.switch_page, which in Streamlit 1.67 drops the state of widgets it did not see the browser send.
    for key, value in _widget_state_for(state["filters"], options).items():
        if key not in state:
            state[key] = value
    _years_within(options)

    city_labels = {
        city_id: f"{name}, {options.countries[options.city_country[city_id]]}" for city_id, name in options.cities.items()
    }
    plain_labels = {
        "filter_countries": options.countries,
        "filter_cities": city_labels,
        "filter_sectors": {sector: sector for sector in options.sectors},
        "filter_agencies": {agency: agency for agency in options.agencies},
        "filter_statuses": {status: status.capitalize() for status in options.statuses},
    }
    for key, labels in plain_labels.items():
        _restore_values_behind_changed_labels(key, labels)

    current = _filters_from_widgets(options)
    if current != state["filters_read_from_url"]:
        state["filter_notices"] = []  # the user has moved on from the shared link
    counts = sidebar_counts(dataset, current)

    def counted(dimension: str, key: str):
        return lambda value: f"{plain_labels[key].get(value, value)} ({counts[dimension].get(value, 0)})"

    with st.sidebar:
        st.header("Filters", anchor=False)
        if options.has_year_range:
            # The slider is always given a range as `value`: without one, Streamlit guesses "single or range"
            # from session state and, when that state is missing, makes a single-value slider.
            st.slider(
                "Years active",
                options.year_min,
                options.year_max,
                value=(options.year_min, options.year_max),
                key="filter_years",
                help="Projects active at any time in these years; funding awarded in them. "
                "Undated projects show only with the full range.",
            )
        else:
            # A slider needs two different ends; with one year or none there is nothing to choose.
            st.caption(f"Years active: {options.years_in_words()}.")
        choices = (
            ("Country", list(options.countries), "country", "filter_countries", "All countries"),
            ("City", list(options.cities), "city", "filter_cities", "All cities"),
            ("Sector", options.sectors, "sector", "filter_sectors", "All sectors"),
            ("Lead agency", options.agencies, "agency", "filter_agencies", "All agencies"),
            ("Status", options.statuses, "status", "filter_statuses", "All statuses"),
        )
        for label, values, dimension, key, placeholder in choices:
            st.multiselect(label, values, key=key, format_func=counted(dimension, key), placeholder=placeholder)
        st.toggle(
            "Include sister, private and related programs",
            key="filter_related",
            help="Co-branded programs such as TCTP and STIC, the privately funded shoe recycling, and USTDA work "
            "not confirmed as USASCP. Off: USASCP projects only.",
        )
        st.caption("Numbers in brackets: projects each choice would show.")
        for notice in state.get("filter_notices", []):
            # Notices quote the address bar as typed, in plain text: anyone can send a link with markup in it.
            st.warning(markdown_text(notice), icon=":material/link_off:")
        st.button("Reset filters", on_click=reset_filters, icon=":material/restart_alt:", disabled=current.is_default)

    filters = _filters_from_widgets(options)
    _sync_url(filters)
    state["filters"] = filters
    return filters


def current_filters() -> Filters:
    """The filters the sidebar set on this run."""
    return st.session_state.get("filters", Filters())
