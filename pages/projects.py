"""Projects: the filtered list, a search over it, and one project's full details."""

import streamlit as st

from ui.layout import download_rows, filter_caption, first_rows, no_match, people_table, project_detail_view
from ui.page import start
from ui.url_state import control, linked_choice
from usascp import aggregate, search
from usascp.filters import filters_hiding, select_grant_rows, select_projects
from usascp.formatting import markdown_text, plural
from usascp.link_values import choice, text

dataset, filters = start()
every_title = dict(zip(dataset.projects["project_id"], dataset.projects["title"]))
# A link opens the project it names (from search, a city, a source), even one the sidebar filters hide.
linked = st.query_params.get("project")
linked = linked if linked in every_title else None
projects = select_projects(dataset, filters)

st.title("Projects")
filter_caption(dataset, filters)
if projects.empty:
    no_match(dataset, filters)
    if not linked:
        st.stop()
    table = aggregate.project_table(dataset, projects)
else:
    table = aggregate.project_table(dataset, projects, select_grant_rows(dataset, filters, projects))
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
chosen = linked_choice(
    "project", titles, "project_choice", "Project", "Choose a project to see its summary, places, results and sources", "project"
)
if chosen:
    hiding = filters_hiding(dataset, filters, chosen)
    if hiding:
        st.info(
            "The sidebar filters leave this project out of the lists; it is shown because the link named it. "
            f"To list it, change: {markdown_text(', '.join(hiding))}.",
            icon=":material/filter_alt_off:",
        )
    with st.container(border=True):
        project_detail_view(dataset, aggregate.project_detail(dataset, chosen))

if len(table):
    st.header("List of projects", anchor=False)
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
        f"{len(found):,} of {plural(len(table), 'project')} (components such as WiSE city pairs are listed on their own rows)."
    )
    if found.empty:
        if query:
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
