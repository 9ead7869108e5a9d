"""Entry point of the U.S.-ASEAN Smart Cities Partnership dashboard: page set-up, shared filters, navigation."""

from pathlib import Path

import streamlit as st

from ui.data import dataset_or_stop
from ui.filters import sidebar_filters

st.set_page_config(
    page_title="U.S.-ASEAN Smart Cities Partnership dashboard",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/funding.py", title="Funding", icon=":material/payments:", url_path="funding"),
    st.Page("pages/projects.py", title="Projects", icon=":material/list_alt:", url_path="projects"),
]

# Navigation first: widgets created before st.navigation() lose the values the browser sends (Streamlit 1.67).
navigation = st.navigation(PAGES)
dataset = dataset_or_stop()
sidebar_filters(dataset)
navigation.run()
