"""The least a Streamlit page can be, for `make load-test`'s floor: the dashboard's Country filter and one line.

The same crowds as the dashboard's, against this one server process, show what one Streamlit process on this
machine costs per session before any of the dashboard's own work: the part more replicas answer, not faster code.
"""

import streamlit as st

COUNTRIES = ["Brunei", "Cambodia", "Indonesia", "Laos", "Malaysia", "Myanmar", "Philippines", "Singapore", "Thailand", "Vietnam"]

chosen = st.sidebar.multiselect("Country", COUNTRIES)
if chosen:
    st.query_params["country"] = chosen  # the load test checks that the choice reached the address, as the dashboard's does
st.write(f"{len(chosen)} of {len(COUNTRIES)} countries chosen.")
