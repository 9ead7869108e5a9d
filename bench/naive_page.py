"""The yardstick of `make bench`: the Streamlit page a newcomer writes over the same dataset folder.

    USASCP_DATA_DIR=bench/data/10000x streamlit run bench/naive_page.py

It does, on every rerun, what such a page does: `read_csv` cached with `st.cache_data`, a merge of grants
and projects, three group-bys, three plotly express charts and the full table. One filter, the country,
in the sidebar. bench/measure.py times its warm rerun after a country change exactly as it times our
pages, so each page's speed can be quoted as a ratio to this one ("naive_ms", "ratio_to_naive").

It is not part of the dashboard, and its numbers are not checked: it ignores everything the real pages
take care of (units, components folded into programs, places named only by country, amounts not disclosed).
"""

import os
from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

FOLDER = Path(os.environ.get("USASCP_DATA_DIR", Path(__file__).resolve().parents[1] / "data"))


@st.cache_data
def read(name: str) -> pd.DataFrame:
    return pd.read_csv(FOLDER / f"{name}.csv")


projects, grants, cities, links = read("projects"), read("grants"), read("cities"), read("project_cities")

countries = st.sidebar.multiselect("Country", sorted(cities["iso3"].unique()), key="naive_countries")
place = links.merge(cities[["city_id", "iso3"]], on="city_id")
if countries:
    projects = projects[projects["project_id"].isin(place.loc[place["iso3"].isin(countries), "project_id"])]
money = grants.merge(projects, on="project_id")
money["year"] = money["award_date"].astype(str).str[:4]

st.title("Funding")
st.metric("Funding", f"${money['amount_usd'].sum():,.0f}")
st.plotly_chart(px.bar(money.groupby("sector", as_index=False)["amount_usd"].sum(), x="sector", y="amount_usd"))
st.plotly_chart(px.bar(money.groupby("lead_agency", as_index=False)["amount_usd"].sum(), x="lead_agency", y="amount_usd"))
st.plotly_chart(px.line(money.groupby("year", as_index=False)["amount_usd"].sum(), x="year", y="amount_usd"))
st.dataframe(money)
