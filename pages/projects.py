"""Projects: every project in the selection, searchable and sortable, and one project in detail."""

import streamlit as st

from ui.layout import download_rows, filter_caption, first_rows, no_match, people_table, project_detail_view
from ui.page import start
from ui.url_state import control
from usascp import aggregate
from usascp.filters import select_grants, select_projects
from usascp.formatting import markdown_text
from usascp.link_values import choice, text

dataset, filters = start()
projects = select_projects(dataset, filters)

st.title("Projects")
filter_caption(dataset, filters)
if projects.empty:
    no_match(dataset, filters)
    st.stop()

table = aggregate.project_table(dataset, projects, select_grants(dataset, filters, projects))
search_col, sort_col = st.columns([3, 1.3], vertical_alignment="bottom")
query = control(
    text("search", what="search"),
    "project_search",
    lambda: search_col.text_input(
        "Search titles, partners, places and summaries", key="project_search", placeholder="e.g. water, Phnom Penh, RIT"
    ),
)
orders = aggregate.PROJECT_ORDERS
order = control(
    choice("sort", orders, default="listed", refusal=f"Ignored sort '{{value}}': not one of {', '.join(orders)}."),
    "project_sort",
    lambda: sort_col.selectbox("Sort by", list(orders), format_func=orders.get, key="project_sort"),
)
found = aggregate.sort_projects(aggregate.search_projects(table, query), order)
st.caption(
    f"{len(found):,} of {len(table):,} projects (components such as WiSE city pairs are listed on their own rows)."
)
if found.empty:
    st.info(f"No project mentions “{markdown_text(query)}”. Try fewer or other words.")
else:
    first = first_rows(found, "projects")
    people_table(
        first.assign(status=first["status"].str.capitalize()),
        [
            "title",
            "amount_usd",
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
        ],
    )
    # In the order shown, with ids and every column an officer may need.
    download_rows(found, list(found.columns), "Download these projects (CSV)", "usascp-projects.csv")

st.header("Project details", anchor=False)
titles = dict(zip(found["project_id"], found["title"])) or dict(zip(table["project_id"], table["title"]))
chosen = control(
    choice("project", titles, refusal="There is no project '{value}' among the projects shown; check the link or the filters."),
    "project_choice",
    lambda: st.selectbox(
        "Project",
        list(titles),
        format_func=titles.get,
        key="project_choice",
        index=None,
        placeholder="Choose a project to see its summary, places, results and sources",
    ),
)
if chosen:
    project_detail_view(dataset, aggregate.project_detail(dataset, chosen))
