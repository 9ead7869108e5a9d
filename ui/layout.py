"""Small layout pieces the pages share: legends, figure captions and a table with its download.

Every text from the data, the address bar or a user reaches markdown through formatting.markdown_text
and every link through formatting.markdown_link, here as on the pages.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.url_state import linked_choice
from usascp import aggregate, charts, export, images, labels
from usascp.formatting import format_partial_date, markdown_link, markdown_text
from usascp.load import Dataset

# For every page. A collapsed sidebar is only slid off the screen: hidden, its ~13 links and filters leave the
# Tab order, which then starts at the page's own controls (the hiding waits for the slide-out to end). And the
# control that has the keyboard's focus is ringed, plainly enough to see on a projector.
SITE_CSS = """
<style>
[data-testid="stSidebar"][data-collapsed="true"], [data-testid="stSidebar"][data-collapsed="true"] * {
  visibility: hidden !important; transition: visibility 0s linear 0.3s;  /* !important: help icons set their own */
}
[data-testid="stMain"] button:focus-visible, [data-testid="stMain"] a:focus-visible,
[data-testid="stMain"] [role="button"]:focus-visible, [data-testid="stHeader"] button:focus-visible {
  outline: 3px solid #0072B2; outline-offset: 2px;
}
</style>
"""


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
    links = ", ".join(markdown_link(publisher, url) for publisher, url in aggregate.source_links(dataset, figure.source_ids))
    return f"as of {format_partial_date(figure.as_of)} · {links}"


def source_note(markdown: str, container=st) -> None:
    """A small grey line that carries links. st.caption fades links below WCAG AA contrast, so not that.

    This renders HTML: text from the data in `markdown` must come through markdown_text and links
    through markdown_link (figure_caption does).
    """
    container.markdown(f'<small style="color:#4A4A4A">{markdown}</small>', unsafe_allow_html=True)


def people_table(
    frame: pd.DataFrame,
    columns: list[str],
    extra: dict[str, labels.Column] | None = None,
    height: int | str = "auto",
    container=st,
    widths: dict[str, int | str] | None = None,
) -> None:
    """`frame`'s `columns` as a person reads them: headers, widths and values in words (usascp.labels).

    `widths` (column name -> pixels) overrides the usual widths where a table must fit a 1280-pixel screen.
    """
    config = {}
    names = dict(zip(labels.headers(columns, extra), columns))
    for header, column in labels.headers(columns, extra).items():
        settings = {"width": (widths or {}).get(names[header], column.width), "help": column.help or None}
        if column.kind == "link":
            config[header] = st.column_config.LinkColumn(header, display_text=column.link_text, **settings)
        elif column.kind == "flag":
            config[header] = st.column_config.CheckboxColumn(header, **settings)
        else:
            config[header] = st.column_config.Column(header, **settings)
    container.dataframe(labels.shown_arrow(frame, columns, extra), hide_index=True, width="stretch", column_config=config, height=height)


def download_rows(
    frame,
    columns: list[str],
    label: str,
    file_name: str,
    extra: dict[str, labels.Column] | None = None,
    key: str | None = None,
    container=st,
    **button,
) -> None:
    """A CSV of every row of `frame` (the view shown, never more or less) with people's headers (usascp.labels).

    `frame` may be a function that makes the rows, for rows that cost time to put together and are only
    wanted when someone clicks.
    """

    def rows() -> pd.DataFrame:
        return frame() if callable(frame) else frame

    container.download_button(
        label,
        lambda: export.csv_bytes(labels.for_download(rows(), columns, extra)),  # built on click, not on every rerun
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key=key,
        **button,
    )


def opened_expander(label: str, key: str, container=st):
    """An expander that is filled only while it is open: the expander, when open, else None.

    Streamlit makes and sends a closed expander's contents on every rerun, and the tables behind the charts sit
    in closed expanders: a fifth of a page's time at 10,000x. Opening or closing one reruns the page.

    `key` keeps it open or closed across reruns. Streamlit names an expander by its label too, so one whose label
    changes (a count, a chosen breakdown) would start closed again: it starts as the key says it was.
    """
    expander = container.expander(label, expanded=bool(st.session_state.get(key, False)), key=key, on_change="rerun")
    return expander if expander.open else None


def table_with_download(
    table, columns: list[str], title: str, file_name: str, key: str, download_columns: list[str] | None = None
) -> None:
    """The rows behind a figure, one click away, with a CSV of exactly those rows.

    `table` may be a function that makes the rows: it is called only while the expander is open.
    """
    if expander := opened_expander(title, key):
        with expander:
            rows = table() if callable(table) else table
            people_table(rows, columns)
            download_rows(rows, download_columns or columns, "Download CSV", file_name)


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
    from ui.maps import city_map_chart
    from usascp.formatting import format_count, format_usd, plural
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
            "Where": ", ".join(detail.cities["city"])
            or (f"its components work in {', '.join(detail.component_cities['city'])}" if len(detail.component_cities) else "")
            or ", ".join(detail.countries)
            or project["geographic_scope"].capitalize(),
            "Amount": amount,
        }
        if project["amount_note"]:
            rows["About the amount"] = project["amount_note"]
        lines = [f"- **{label}:** {markdown_text(value)}" for label, value in rows.items()]
        if isinstance(project["record_id"], str) and project["record_id"]:
            lines.append(f"- **Public record:** {public_record_link(project['record_id'], detail.record_url)}")
        st.markdown("\n".join(lines))
    with place:
        if len(detail.cities):
            city_map_chart(places_map(detail.cities), "project_places_map", 260)
        elif len(detail.component_cities):
            # A program (WiSE) names no city of its own; its components (the city pairs) do.
            city_map_chart(places_map(detail.component_cities), "project_places_map", 260)
            st.caption(f"Where its components work: {plural(len(detail.component_cities), 'member city', 'member cities')}.")
        else:
            st.info("No city is named for this project in public sources.", icon=":material/location_off:")

    if len(detail.components):
        st.markdown("**Components:** " + "; ".join(markdown_text(title) for title in detail.components["title"]))
    if detail.transactions is not None and len(detail.transactions):
        committed, disbursed = detail.money_in_dollars
        totals = [f"{label} {format_usd(total)}" for label, total in (("committed", committed), ("disbursed", disbursed)) if total is not None]
        netted = ", net of de-obligations and reversals" if (detail.transactions["amount"] < 0).any() else ""
        st.markdown("**Money over time**" + (": " + " · ".join(totals) + f" in US dollars{netted}" if totals else ""))
        # A column every row leaves empty (no fiscal years, no recipients) says nothing: left out, so the source fits.
        columns = ["transaction_type", "amount", "currency", "transaction_date", "fiscal_year", "recipient", "source_url"]
        people_table(detail.transactions, [c for c in columns if c in ("amount", "source_url") or detail.transactions[c].notna().any()])
    if len(detail.metrics):
        st.markdown("**Results and figures**")
        figures = detail.metrics.assign(
            figure=[format_count(row.value, row.is_lower_bound, row.is_approximate) for row in detail.metrics.itertuples()],
            label=detail.metrics["metric"].map(aggregate.metric_label),
            counted=(detail.metrics["value_type"] == "result") & detail.metrics["duplicate_of"].isna(),
        )
        people_table(figures, ["label", "figure", "unit", "value_type", "as_of", "counted", "url"])
    st.markdown("**Sources**")
    st.markdown(
        "\n".join(
            f"- {source_with_licence(row.title, row.url, row.publisher, row.licence)}" for row in detail.sources.itertuples()
        )
    )


def source_with_licence(title, url, publisher, stated_licence) -> str:
    """A cited source in a line (markdown-safe): its title linked, its publisher, and what its licence lets anyone do."""
    from usascp.licences import licence_of

    licence = licence_of(url, publisher, stated_licence)
    return f"{markdown_link(title, url)} — {markdown_text(publisher)} · {markdown_text(licence.licence)}"


def public_record_link(record_id: str, url: str | None) -> str:
    """ "Public record" in words (markdown-safe): the id linked to where it is published, and which register that is."""
    from usascp.licences import FA_GOV, IATI, kind_of

    if not url:
        return markdown_text(record_id)
    register = {IATI: " (an IATI activity, on d-portal)", FA_GOV: " (on ForeignAssistance.gov)"}.get(kind_of(url), "")
    return markdown_link(record_id, url) + register


def located_elsewhere(dataset: Dataset, projects: pd.DataFrame) -> None:
    """The projects a city map cannot show (country-level, region-wide, unplaced), listed so none is dropped."""
    from usascp.formatting import plural

    table = aggregate.projects_without_a_city(dataset, projects)
    if table.empty:
        return
    st.header(f"Not on the map: {plural(len(table), 'project')} with no city", anchor=False)
    st.caption(
        "These work across a country or the whole region, or their place is not published. Precision says how exactly each is located."
    )
    people_table(first_rows(table, "projects"), ["title", "precision", "where", "amount_usd"])


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


def first_rows(table: pd.DataFrame, what: str = "rows", total: int | None = None) -> pd.DataFrame:
    """The first SHOWN_ROWS of `table`, with a line saying how many more the download holds.

    `total` is the length of the whole table when `table` holds only its first rows (built so, to save time).
    """
    total = len(table) if total is None else total
    if total <= SHOWN_ROWS:
        return table
    st.caption(f"Showing the first {SHOWN_ROWS:,} of {total:,} {what}; the download below has them all.")
    return table.head(SHOWN_ROWS)


def event_detail_view(dataset: Dataset, event: pd.Series, filters) -> None:
    """One event: what, when, where, which project it belongs to, and the source that reports it."""
    start, end = event["start_date"], event["end_date"]
    when = format_partial_date(start) if isinstance(start, str) else "date not published"
    if isinstance(end, str) and end != start:
        when += f" – {format_partial_date(end)}"
    place = ", ".join(part for part in (event["city"], event["country"]) if isinstance(part, str) and part)
    source = dataset.sources.set_index("source_id").loc[event["source_id"]]
    st.markdown(f"### {markdown_text(event['name'])}")
    rows = {
        "When": when,
        "Where": place + ("" if event["location_precision"] == "city" else f" ({event['location_precision']})"),
        "Kind": event["event_type"],
        "On the USASCP calendar": "yes" if event["on_usascp_calendar"] else "no",
    }
    lines = [f"- **{label}:** {markdown_text(value)}" for label, value in rows.items()]
    lines.append(f"- **Source:** {source_with_licence(source['title'], source['url'], source['publisher'], source['licence'])}")
    if isinstance(event["summary"], str) and event["summary"]:
        st.markdown(markdown_text(event["summary"]))
    st.markdown("\n".join(lines))
    project_id = event["project_id"]
    if isinstance(project_id, str) and project_id:
        title = dataset.projects.set_index("project_id").at[project_id, "title"]
        st.page_link(
            "pages/projects.py",
            label=markdown_text(f"Project: {title}"),
            icon=":material/list_alt:",
            query_params={**filters.to_params(), "project": project_id},
        )


# How many of each kind of thing a source supports are listed by name; the rest are counted.
LISTED_PER_KIND = 12


def source_detail_view(dataset: Dataset, support, filters) -> None:
    """One source: where to read it, and what in the dashboard rests on it, each a link to where it is shown."""
    from usascp.formatting import format_count, markdown_link, plural
    from usascp.licences import licence_of

    source = support.source
    published = (
        format_partial_date(source["date_published"]) if isinstance(source["date_published"], str) else "date not published"
    )
    licence = licence_of(source["url"], source["publisher"], source.get("licence"))
    terms = f" ({markdown_link('terms', licence.licence_url)})" if licence.licence_url else ""
    st.markdown(
        f"### {markdown_link(source['title'], source['url'])}\n"
        f"{markdown_text(source['publisher'])} · published {published} · read {format_partial_date(source['date_accessed'])}\n\n"
        f"**Licence:** {markdown_text(licence.licence)}{terms}"
    )
    if support.supports_nothing:
        st.caption("Nothing in this data cites this source.")
    params = filters.to_params()

    def listed(rows, what: str, plural_what: str) -> pd.DataFrame:
        st.markdown(f"**{plural(len(rows), what, plural_what).capitalize()}**")
        if len(rows) > LISTED_PER_KIND:
            st.caption(f"The first {LISTED_PER_KIND} of {len(rows):,}.")
        return rows.head(LISTED_PER_KIND)

    if len(support.projects):
        for row in listed(support.projects, "project cites it", "projects cite it").itertuples():
            st.page_link(
                "pages/projects.py",
                label=markdown_text(f"{row.title} ({row.cited_for})"),
                icon=":material/list_alt:",
                query_params={**params, "project": row.project_id},
            )
    if len(support.figures):
        figures = listed(support.figures, "figure comes from it", "figures come from it")
        st.markdown(
            "\n".join(
                f"- {markdown_text(row.label)}: **{format_count(row.value, row.is_lower_bound, row.is_approximate)}** "
                f"{markdown_text(row.unit)}" + (f" ({markdown_text(row.title)})" if isinstance(row.title, str) else "")
                for row in figures.itertuples()
            )
        )
    if len(support.events):
        for row in listed(support.events, "event cites it", "events cite it").itertuples():
            st.page_link(
                "pages/events.py",
                label=markdown_text(f"{row.name} ({row.cited_for})"),
                icon=":material/event:",
                query_params={**params, "event": row.event_id},
            )
    if len(support.cities):
        for row in listed(support.cities, "member city cites it", "member cities cite it").itertuples():
            st.page_link(
                "pages/city.py",
                label=markdown_text(f"{row.city}, {row.country} ({row.cited_for})"),
                icon=":material/location_city:",
                query_params={**params, "profile": row.city_id},
            )


# The chooser lists at most this many events. Nobody scans 30,000 names, and sending them took time and
# a megabyte on every rerun; past this, it lists the latest, newest first, and the search box finds the rest.
EVENTS_LISTED = 500


def event_chooser(dataset: Dataset, events: pd.DataFrame, filters) -> None:
    """The Events page's chooser and the chosen event, kept in the URL as `?event=<event_id>` (a search hit or a source leads here).

    `events` are those the filters show (aggregate.events_timeline), all listed up to EVENTS_LISTED, else the
    latest EVENTS_LISTED dated ones. A link opens the event it names even when the list or the filters leave it
    out, and says when the filters do.
    """
    from usascp.formatting import plural

    listed = events
    if len(events) > EVENTS_LISTED:
        dated = int(events["start_day"].notna().sum())  # events_timeline puts them first, in date order
        listed = events.iloc[max(dated - EVENTS_LISTED, 0) : dated].iloc[::-1]
    names = dict(zip(listed["event_id"], listed["name"]))
    linked = st.query_params.get("event")
    linked_row = aggregate.event_row(dataset, linked) if linked not in names else None
    if linked_row is not None:
        names[linked] = linked_row["name"]
    chosen = linked_choice(
        "event", names, "event_choice", "Event", "Choose an event to see when and where it was held, and its source", "event"
    )
    if listed is not events:
        st.caption(
            f"The list holds the latest {EVENTS_LISTED:,} of these {plural(len(events), 'event')}, newest first: "
            "type in it to narrow it, or find any other event by name with the search box in the sidebar."
        )
    if chosen:
        if not (events["event_id"] == chosen).any():
            st.info(
                "The sidebar filters leave this event out of the timeline and the table; it is shown because the link named it.",
                icon=":material/filter_alt_off:",
            )
        with st.container(border=True):
            event_detail_view(dataset, aggregate.event_row(dataset, chosen), filters)
