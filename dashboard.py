"""Entry point of the U.S.-ASEAN Smart Cities Partnership dashboard: page set-up and navigation."""

from pathlib import Path

import streamlit as st

st.set_page_config(
    page_title="U.S.-ASEAN Smart Cities Partnership dashboard",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
]
st.navigation(pages).run()
