"""What every page does first: make sure the entry point ran, then hand over the dataset and the filters."""

from __future__ import annotations

import streamlit as st

from ui.data import dataset_or_stop
from ui.filters import current_filters
from usascp.filters import Filters
from usascp.load import Dataset


def _ensure_entrypoint_ran() -> None:
    """Re-run through dashboard.py when Streamlit ran a page file on its own.

    Streamlit 1.67 treats an app with a `pages/` folder as an old-style multipage app until some session
    has run `st.navigation()`. So the very first visitor of a fresh server who opens a deep link
    (say /funding) gets the page file alone: no page set-up, no sidebar filters. The entry point sets
    the filters on every run; if they are missing, switch the old mode off and run again, properly.
    """
    if "filters" in st.session_state:
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def start() -> tuple[Dataset, Filters]:
    _ensure_entrypoint_ran()
    return dataset_or_stop(), current_filters()
