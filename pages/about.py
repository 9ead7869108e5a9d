"""About the data: where every figure comes from, how much is there, and what the public record leaves out."""

import streamlit as st

from ui.layout import follow_url_param, source_detail_view
from ui.page import start
from usascp import aggregate, export
from usascp.dates import format_partial_date
from usascp.formatting import format_usd, markdown_text, plural
from usascp.schema import TABLE_FILES
from usascp.sources import source_support

dataset, filters = start()
gaps = aggregate.known_gaps(dataset)

st.title("About the data")
st.markdown(
    f"Data as of **{format_partial_date(dataset.data_as_of)}**. Every figure in this dashboard comes from a public source listed below: "
    "the partnership's own site, State Department fact sheets, implementing partners and regional press. Descriptions are written "
    "in our own words; names, numbers, dates and web addresses are the sources'."
)

# `?source=<source_id>`: a search hit (or any link) opens one source with what rests on it.
sources = dict(zip(dataset.sources["source_id"], dataset.sources["title"] + " — " + dataset.sources["publisher"]))
unknown = follow_url_param("source", "about_source", sources)
chosen = st.selectbox(
    "Look up a source",
    list(sources),
    format_func=sources.get,
    key="about_source",
    index=None,
    placeholder="Choose a source to see the projects, figures, events and cities that cite it",
)
if unknown:
    st.warning(f"There is no source '{markdown_text(unknown)}' in this data; check the link.")
if chosen:
    st.query_params["source"] = chosen
    with st.container(border=True):
        source_detail_view(dataset, source_support(dataset, chosen), filters)
elif "source" in st.query_params:
    del st.query_params["source"]

st.header("What the public record leaves out", anchor=False)
lines = [
    f"**Funding.** {gaps.projects_without_amount:,} of {gaps.projects_total:,} USASCP projects publish no amount. The amounts that are "
    f"published add up to {format_usd(gaps.disclosed_usd)}."
]
if gaps.stated_commitment and gaps.disclosed_share_at_most is not None:
    lines[0] += (
        f" The partnership states it has committed {'over ' if gaps.stated_commitment.is_lower_bound else ''}"
        f"{format_usd(gaps.stated_commitment.value)} since 2018 (as of {format_partial_date(gaps.stated_commitment.as_of)}), "
        f"so published amounts cover at most {gaps.disclosed_share_at_most:.0%} of it."
    )
lines += [
    f"**Status.** {plural(gaps.projects_status_unknown, 'project')} {'has' if gaps.projects_status_unknown == 1 else 'have'} "
    "no public news of whether they are still running; statuses are as of the latest source.",
    f"**Members.** The network reported more members than public sources name: {plural(gaps.unnamed_members, 'city', 'cities')} "
    "not yet identified.",
    f"**Population.** {plural(gaps.cities_without_population, 'member city', 'member cities')} have no population figure we could source.",
    "**Places.** Money and results are placed only as precisely as sources allow: a project working in several cities is not split "
    "between them, and region-wide programs are listed, not mapped.",
    "**Results.** Only results are added up, each once. Targets and network-wide context figures are shown but never added to results.",
]
st.markdown("\n".join(f"- {line}" for line in lines))

st.header("Tables", anchor=False)
st.dataframe(
    [{"file": TABLE_FILES[table], "rows": rows} for table, rows in dataset.row_counts.items()],
    hide_index=True,
)
st.caption("Users can check their own copies of these tables with `python -m usascp validate FOLDER`.")

st.header(f"Sources ({len(dataset.sources):,})", anchor=False)
st.dataframe(
    dataset.sources[["publisher", "title", "url", "date_published", "date_accessed"]].assign(
        date_published=dataset.sources["date_published"].map(lambda d: format_partial_date(d, missing=""))
    ),
    hide_index=True,
    width="stretch",
    column_config={"url": st.column_config.LinkColumn("address"), "title": st.column_config.TextColumn("title", width="large")},
)
st.download_button(
    "Download the sources (CSV)",
    lambda: export.csv_bytes(dataset.sources),
    "usascp-sources.csv",
    "text/csv",
    icon=":material/download:",
    on_click="ignore",
)
