"""Small layout pieces the pages share: legends, figure captions and a table with its download.

Every text from the data, the address bar or a user reaches markdown through formatting.markdown_text
and every link through formatting.markdown_link, here as on the pages.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from usascp import aggregate, charts, export, images
from usascp.formatting import format_partial_date, markdown_link, markdown_text
from usascp.load import Dataset


def legend(items: dict[str, str], note: str = "") -> None:
    """A one-line colour legend for a map, since deck.gl draws none."""
    swatches = " ".join(
        f'<span style="white-space:nowrap;margin-right:1.2em">'
        f'<span aria-hidden="true" style="display:inline-block;width:0.9em;height:0.9em;border-radius:50%;'
        f'background:{colour};vertical-align:middle;margin-right:0.35em"></span>{markdown_text(label)}</span>'
        for label, colour in items.items()
    )
    st.markdown(f"{swatches} <span style='color:#4A4A4A'>{markdown_text(note)}</span>", unsafe_allow_html=True)


def figure_caption(dataset: Dataset, figure: aggregate.Figure | None) -> str:
    """ "as of Mar 2022 · The Phnom Penh Post" with a link, for the caption under a headline number."""
    if figure is None:
        return "no public figure"
    sources = aggregate.sources_for(dataset, figure.source_ids)
    links = ", ".join(markdown_link(row.publisher, row.url) for row in sources.itertuples())
    return f"as of {format_partial_date(figure.as_of)} · {links}"


def source_note(markdown: str, container=st) -> None:
    """A small grey line that carries links. st.caption fades links below WCAG AA contrast, so not that.

    This renders HTML: text from the data in `markdown` must come through markdown_text and links
    through markdown_link (figure_caption does).
    """
    container.markdown(f'<small style="color:#4A4A4A">{markdown}</small>', unsafe_allow_html=True)


def table_with_download(table: pd.DataFrame, title: str, file_name: str) -> None:
    """The rows behind a figure, one click away, with a CSV of exactly those rows."""
    with st.expander(title):
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button(
            "Download CSV",
            lambda: export.csv_bytes(table),  # built on click, not on every rerun
            file_name=file_name,
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )


def filter_caption(dataset: Dataset, filters) -> None:
    """One line under a page title saying what the page is showing, and how fresh the data is."""
    from usascp.filters import describe, filter_options

    view = markdown_text(describe(filters, filter_options(dataset)))  # names cities from the data
    st.caption(f"Showing: {view} · data as of {format_partial_date(dataset.data_as_of)}")


def no_match(dataset: Dataset, filters) -> None:
    """Say why a page has no projects: the filters, or the data itself (a dataset can hold none of its kind)."""
    if not filters.is_default:
        message = "No projects match these filters. Widen the years or clear a filter in the sidebar."
    elif len(dataset.projects):
        message = (
            "This data holds no USASCP projects. Its projects show when the sidebar includes sister, private "
            "and related programs."
        )
    else:
        message = "This data holds no projects: the pages show the member cities and sources only."
    st.info(message, icon=":material/filter_alt_off:")


def project_detail_view(dataset: Dataset, detail: aggregate.ProjectDetail) -> None:
    """One project: what it is, where, what it cost, what it achieved, and where each fact comes from."""
    from usascp.formatting import format_count, format_usd
    from ui.maps import city_map_chart
    from usascp.maps import places_map

    project = detail.project
    st.markdown(f"### {markdown_text(project['title'])}")
    if detail.program_title:
        st.caption(f"Part of: {markdown_text(detail.program_title)}")
    st.markdown(markdown_text(project["summary"]))

    facts, place = st.columns([3, 2])
    with facts:
        amount = format_usd(detail.grants["amount_usd"].sum()) if len(detail.grants) else "not disclosed"
        status = project["status"].capitalize() + (
            f" (as of {format_partial_date(project['status_as_of'])})" if project["status_as_of"] else ""
        )
        dates = (
            " – ".join(format_partial_date(d) for d in (project["start_date"], project["end_date"]) if d) or "dates not published"
        )
        rows = {
            "Lead agency": " · ".join(part for part in (project["lead_agency"], project["lead_office"]) if part),
            "Implementing partners": project["implementing_partners"] or "not published",
            "Sector": project["sector"],
            "Status": status,
            "Dates": dates,
            "Where": ", ".join(detail.cities["city"]) or ", ".join(detail.countries) or project["geographic_scope"].capitalize(),
            "Amount": amount,
        }
        if project["amount_note"]:
            rows["About the amount"] = project["amount_note"]
        st.markdown("\n".join(f"- **{label}:** {markdown_text(value)}" for label, value in rows.items()))
    with place:
        if len(detail.cities):
            city_map_chart(places_map(detail.cities), "project_places_map", 260)
        else:
            st.info("No city is named for this project in public sources.", icon=":material/location_off:")

    if len(detail.components):
        st.markdown("**Components:** " + "; ".join(markdown_text(title) for title in detail.components["title"]))
    if len(detail.metrics):
        st.markdown("**Results and figures**")
        figures = detail.metrics.assign(
            figure=[format_count(row.value, row.is_lower_bound, row.is_approximate) for row in detail.metrics.itertuples()],
            as_of=detail.metrics["as_of"].map(format_partial_date),
            metric=detail.metrics["metric"].map(aggregate.metric_label),
            counted=(detail.metrics["value_type"] == "result") & detail.metrics["duplicate_of"].isna(),
        )
        st.dataframe(
            figures[["metric", "figure", "unit", "value_type", "as_of", "counted", "url"]].rename(columns={"value_type": "type"}),
            hide_index=True,
            width="stretch",
            column_config={
                "counted": st.column_config.CheckboxColumn("in totals", help="Results only, each counted once."),
                "url": st.column_config.LinkColumn("source"),
            },
        )
    st.markdown("**Sources**")
    st.markdown(
        "\n".join(
            f"- {markdown_link(row.title, row.url)} — {markdown_text(row.publisher)}" for row in detail.sources.itertuples()
        )
    )


def located_elsewhere(dataset: Dataset, projects: pd.DataFrame) -> None:
    """The projects a city map cannot show (country-level, region-wide, unplaced), listed so none is dropped."""
    from usascp.formatting import format_usd, plural

    table = aggregate.projects_without_a_city(dataset, projects)
    if table.empty:
        return
    st.header(f"Not on the map: {plural(len(table), 'project')} with no city", anchor=False)
    st.caption(
        "These work across a country or the whole region, or their place is not published. Precision says how exactly each is located."
    )
    listed = first_rows(table, "projects")
    st.dataframe(
        listed.assign(amount=listed["amount_usd"].map(format_usd))[["title", "precision", "where", "amount"]],
        hide_index=True,
        width="stretch",
        column_config={"title": st.column_config.TextColumn("project", width="large")},
    )


def follow_url_param(param: str, key: str, valid) -> str | None:
    """Let a link choose a widget's value: when the URL's `param` changes to a valid value, select it.

    Returns the requested value when it is not valid (so the page can say so), else None.
    """
    requested = st.query_params.get(param)
    if requested != st.session_state.get(f"_{key}_from_url"):
        st.session_state[f"_{key}_from_url"] = requested
        if requested in valid:
            st.session_state[key] = requested
    return requested if requested and requested not in valid else None


def write_url_param(param: str, key: str, value: str | None) -> None:
    """Put a widget's value in the URL (None removes it), marked as seen so follow_url_param does not read it back as a new link."""
    if value:
        if st.query_params.get(param) != value:
            st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]
    st.session_state[f"_{key}_from_url"] = value or None


def export_footnote(dataset: Dataset, filters) -> str:
    """The line under a downloaded picture: where it comes from, what it shows, and how fresh it is."""
    from usascp.filters import describe, filter_options

    view = describe(filters, filter_options(dataset))
    return f"U.S.-ASEAN Smart Cities Partnership dashboard · {view} · data as of {format_partial_date(dataset.data_as_of)}"


def png_download(
    figure, file_name: str, footnote: str, key: str, label: str = "Download PNG for slides", finished: bool = False
) -> None:
    """A button that draws a figure as a 1600x900 PNG when clicked (never on a rerun: it takes a few seconds).

    `figure` is a plotly figure, or a function making one when building it costs more than a button should.
    A `finished` figure already has its footnote and projector type (map_pictures.map_picture places its names
    for its own type size, which charts.for_export would change), and is drawn as it is.
    """
    available = images.browser_path() is not None

    def picture() -> bytes:
        made = figure() if callable(figure) else figure
        return images.figure_png(made if finished else charts.for_export(made, footnote))

    st.download_button(
        label,
        picture,
        file_name=file_name,
        mime="image/png",
        icon=":material/image:",
        on_click="ignore",
        key=key,
        disabled=not available,
        help="16:9 at 1600x900, with larger type and a line saying what it shows."
        if available
        else "Pictures need Chromium on the server (apt-get install chromium).",
    )


def chart(figure, key: str, file_name: str, footnote: str) -> None:
    """A plotly chart with its PNG download beneath it."""
    # theme=None: the figure's own near-black type; Streamlit's theme greys the tick labels below AA contrast.
    st.plotly_chart(figure, config={"displaylogo": False}, key=key, theme=None)
    png_download(figure, file_name, footnote, key=f"{key}_png")


# What a browser table shows at most; downloads always hold every row. Sending 300,000 rows to the
# browser on each rerun would take seconds, and nobody scrolls that far.
SHOWN_ROWS = 2_000


def first_rows(table: pd.DataFrame, what: str = "rows") -> pd.DataFrame:
    """The first SHOWN_ROWS of `table`, with a line saying how many more the download holds."""
    if len(table) <= SHOWN_ROWS:
        return table
    st.caption(f"Showing the first {SHOWN_ROWS:,} of {len(table):,} {what}; the download below has them all.")
    return table.head(SHOWN_ROWS)
