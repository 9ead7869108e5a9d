"""Entry point of the U.S.-ASEAN Smart Cities Partnership dashboard: page set-up, shared filters, navigation."""

import logging
from pathlib import Path

import streamlit as st

from ui.data import dataset_banner, dataset_or_stop
from ui.filters import reset_filters, sidebar_filters
from ui.layout import SITE_CSS
from ui.search import sidebar_search
from ui.sso import sign_in_return
from usascp.presentation import PRESENT_PAGE

st.set_page_config(
    page_title="U.S.-ASEAN Smart Cities Partnership dashboard",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/map.py", title="Pilot cities map", icon=":material/map:", url_path="map"),
    st.Page("pages/city.py", title="City profile", icon=":material/location_city:", url_path="city"),
    st.Page("pages/compare.py", title="Compare places", icon=":material/compare_arrows:", url_path="compare"),
    st.Page("pages/funding.py", title="Funding", icon=":material/payments:", url_path="funding"),
    st.Page("pages/impact.py", title="Impact", icon=":material/trending_up:", url_path="impact"),
    st.Page("pages/projects.py", title="Projects", icon=":material/list_alt:", url_path="projects"),
    st.Page("pages/events.py", title="Events", icon=":material/event:", url_path="events"),
    st.Page("pages/present.py", title="Present", icon=":material/slideshow:", url_path=PRESENT_PAGE),
    st.Page("pages/data.py", title="Your data", icon=":material/upload_file:", url_path="data"),
    st.Page("pages/about.py", title="About the data", icon=":material/info:", url_path="about"),
    # Reached from the search box at the top of the sidebar, on every page.
    st.Page("pages/search.py", title="Search", icon=":material/search:", url_path="search", visibility="hidden"),
]

PAGE_FAILED = (
    "**Sorry: something went wrong, and this page could not be shown in full.** The details have been "
    "written to the server's log for the people who run this dashboard. Reloading the page, or going back "
    "to the Overview, may help."
)

# Navigation first: widgets created before st.navigation() lose the values the browser sends (Streamlit 1.67).
navigation = st.navigation(PAGES)
st.html(SITE_CSS)  # style only: Streamlit adds it without taking a row of the page
try:
    sign_in_return(navigation.url_path)  # back from the identity provider: on to the Data page, which says how it went
    dataset = dataset_or_stop()
    sidebar_search(navigation.url_path)
    try:
        sidebar_filters(dataset)
    except Exception:
        # The sidebar runs before every page, the Data page's Restore included: a dataset it cannot draw
        # must not take them all down. The pages show everything, and the log has the traceback.
        logging.getLogger(__name__).exception("the sidebar filters could not be drawn")
        reset_filters()
        st.sidebar.error("The filters could not be drawn for this data; every page shows all of it.", icon=":material/error:")
    dataset_banner()
    navigation.run()
except Exception:
    # Viewers get no traceback (client.showErrorDetails = "none" in .streamlit/config.toml), so say in words
    # what happened. Raised again: Streamlit logs the full traceback on the server, and tests see the exception.
    # st.stop() and st.rerun() are not Exceptions and pass through untouched.
    st.error(PAGE_FAILED, icon=":material/error:")
    raise
