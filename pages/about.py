"""About the data: where every figure comes from, how much is there, and what the public record leaves out."""

import pandas as pd
import streamlit as st

from ui.layout import download_rows, people_table, source_detail_view
from ui.page import start
from ui.provenance import change_log_section, licences_section
from ui.url_state import linked_choice
from usascp import aggregate
from usascp.dates import format_partial_date
from usascp.formatting import format_usd, plural
from usascp.labels import Column
from usascp.licences import dataset_source_licences
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
chosen = linked_choice(
    "source",
    sources,
    "about_source",
    "Look up a source",
    "Choose a source to see the projects, figures, events and cities that cite it",
    "source",
)
if chosen:
    with st.container(border=True):
        source_detail_view(dataset, source_support(dataset, chosen), filters)

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

licences_section(dataset)
change_log_section()

st.header("Tables", anchor=False)
people_table(pd.DataFrame({"file": [TABLE_FILES[table] for table in dataset.row_counts], "rows": list(dataset.row_counts.values())}), ["file", "rows"])
st.caption("Users can check their own copies of these tables with `python -m usascp validate FOLDER`.")

st.header(f"Sources ({len(dataset.sources):,})", anchor=False)
# Here a title is a source's, not a project's.
source_title = {"title": Column("title", width="large")}
sources_with_licences = dataset_source_licences(dataset)
people_table(sources_with_licences, ["publisher", "title", "url", "date_published", "date_accessed", "licence"], extra=source_title)
download_rows(
    sources_with_licences,
    ["source_id", "publisher", "title", "url", "date_published", "date_accessed", "kind", "licence", "licence_url"],
    "Download the sources (CSV)",
    "usascp-sources.csv",
    extra=source_title,
)
