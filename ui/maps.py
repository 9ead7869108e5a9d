"""City maps in the page: one way for every map to open a city's profile when a city is clicked."""

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from ui.filters import current_filters
from usascp.maps import picked_city


def city_map_chart(deck: pdk.Deck, key: str, height: int, container=None) -> None:
    """Draw a map of member cities; a click on a city opens its City profile, keeping the sidebar filters.

    Every map of cities (Overview, Pilot cities, City profile, a project's places) goes through here, so a
    click does the same everywhere. The deck's cities must be usascp.maps.CITY_LAYER rows with a city_id.
    """
    event = (container or st).pydeck_chart(deck, height=height, on_select="rerun", selection_mode="single-object", key=key)
    city_id = picked_city(event.selection if event else None)
    if city_id:
        st.switch_page("pages/city.py", query_params={**current_filters().to_params(), "profile": city_id})
