"""Projects: every project in the selection, searchable and sortable, and one project in detail."""

import streamlit as st

from ui.layout import filter_caption, first_rows, follow_url_param, no_match, project_detail_view
from ui.page import start
from usascp import aggregate, export, search
from usascp.dates import format_partial_date
from usascp.filters import filters_hiding, select_grants, select_projects
from usascp.formatting import format_usd, markdown_text, plural

dataset, filters = start()
projects = select_projects(dataset, filters)
every_title = dict(zip(dataset.projects["project_id"], dataset.projects["title"]))
# A link opens the project it names (from search, a city, a source), even one the sidebar filters hide.
linked = st.query_params.get("project")
linked = linked if linked in every_title else None

st.title("Projects")
filter_caption(dataset, filters)
if projects.empty:
    no_match(dataset, filters)
    if not linked:
        st.stop()
    table = aggregate.project_table(dataset, projects)
else:
    table = aggregate.project_table(dataset, projects, select_grants(dataset, filters, projects))
    partner = st.query_params.get("partner")
    if partner:
        # `?partner=DC Water`: the projects naming one partner (a search hit leads here).
        naming = search.projects_naming(dataset, partner)
        if not naming:
            st.warning(f"No project names the partner '{markdown_text(partner)}'; showing every project.")
        else:
            table = table[table["project_id"].isin(naming)]
            hidden = len(set(naming) - set(table["project_id"]))
            note = f"; {plural(hidden, 'more is', 'more are')} outside the sidebar filters" if hidden else ""
            named, everything = st.columns([4, 1], vertical_alignment="center")
            named.info(
                f"Projects naming **{markdown_text(search.partner_name(dataset, partner))}**: "
                f"{plural(len(table), 'project')} shown{note}.",
                icon=":material/handshake:",
            )
            everything.page_link(
                "pages/projects.py", label="Show every project", icon=":material/close:", query_params=filters.to_params()
            )

# The chosen project first: a link (a search hit, a city, a source) lands on the project it names, in view.
titles = dict(zip(table["project_id"], table["title"]))
if linked and linked not in titles:
    titles[linked] = every_title[linked]
unknown = follow_url_param("project", "project_choice", titles)
choice = st.selectbox(
    "Project",
    list(titles),
    format_func=titles.get,
    key="project_choice",
    index=None,
    placeholder="Choose a project to see its summary, places, results and sources",
)
if unknown:
    st.warning(f"There is no project '{markdown_text(unknown)}' in this data; check the link.")
if choice:
    st.query_params["project"] = choice
    hiding = filters_hiding(dataset, filters, choice)
    if hiding:
        st.info(
            "The sidebar filters leave this project out of the lists; it is shown because the link named it. "
            f"To list it, change: {markdown_text(', '.join(hiding))}.",
            icon=":material/filter_alt_off:",
        )
    with st.container(border=True):
        project_detail_view(dataset, aggregate.project_detail(dataset, choice))
elif "project" in st.query_params:
    del st.query_params["project"]

if len(table):
    st.header("List of projects", anchor=False)
    query = st.text_input(
        "Search titles, partners, places and summaries", key="project_search", placeholder="e.g. water, Phnom Penh, RIT"
    )
    found = aggregate.search_projects(table, query)
    st.caption(
        f"{len(found):,} of {len(table):,} projects (components such as WiSE city pairs are listed on their own rows). Click a column to sort."
    )
    if found.empty:
        if query:
            st.info(f"No project mentions “{markdown_text(query)}”. Try fewer or other words.")
    else:
        first = first_rows(found, "projects")
        shown = first.assign(
            amount=first["amount_usd"].map(format_usd),
            status=first["status"].str.capitalize(),
            start_date=first["start_date"].map(lambda d: format_partial_date(d, missing="")),
            end_date=first["end_date"].map(lambda d: format_partial_date(d, missing="")),
        )
        st.dataframe(
            shown[
                [
                    "title",
                    "amount",
                    "lead_agency",
                    "implementing_partners",
                    "sector",
                    "cities",
                    "countries",
                    "status",
                    "start_date",
                    "end_date",
                    "program",
                    "relationship",
                ]
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "title": st.column_config.TextColumn("project", width="large"),
                "amount": st.column_config.TextColumn(
                    "amount", help="Exact published amount for this project; 'not disclosed' when none."
                ),
                "implementing_partners": st.column_config.TextColumn("partners"),
                "start_date": "start",
                "end_date": "end",
            },
        )
        st.download_button(
            "Download these projects (CSV)",
            lambda: export.csv_bytes(found),
            "usascp-projects.csv",
            "text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
